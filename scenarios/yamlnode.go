package scenarios

import (
	"errors"
	"fmt"
	"github.com/repairgym/repairgym/scenarios/yamlcheck"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The YAML parser is goccy/go-yaml: unlike the alternatives it reports
// syntax errors with an exact line and column and names what it expected,
// which is what a supervisor needs to fix a file by hand. Its tree is
// converted into the small one below so the decoder sees only what matters.

type nodeKind int

const (
	scalarNode nodeKind = iota
	nullNode
	mappingNode
	sequenceNode
	aliasNode
)

type node struct {
	kind    nodeKind
	value   string // scalars: the text; aliases: the anchor name
	integer bool   // a scalar YAML reads as a whole number
	line    int
	col     int
	// content holds a mapping's keys and values alternately, or a
	// sequence's items.
	content []*node
}

var duplicateKey = regexp.MustCompile(`^mapping key "(.*)" already defined at \[(\d+):\d+\]$`)

// maxNesting bounds how deeply collections may nest. Scenarios nest five
// levels; the YAML parser slows down badly on pathological nesting.
const maxNesting = 64

// A syntaxError is a YAML error at a place in the file.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// parseYAML parses src into its documents.
func parseYAML(src []byte) ([]*node, error) {
	f, err := yamlcheck.Parse(src, maxNesting)
	if de := (*yamlcheck.DepthError)(nil); errors.As(err, &de) {
		return nil, &syntaxError{de.Line, de.Col, fmt.Sprintf("nested more than %d levels deep", maxNesting)}
	}
	if err != nil {
		return nil, yamlError(err)
	}
	var docs []*node
	for _, d := range f.Docs {
		if d.Body == nil {
			continue
		}
		docs = append(docs, convert(d.Body))
	}
	return docs, nil
}

// yamlError turns the parser's error, which draws the offending line, into
// a position and a one-line message.
func yamlError(err error) error {
	msg := err.Error()
	line, col := 1, 1
	if n, _ := fmt.Sscanf(msg, "[%d:%d]", &line, &col); n == 2 {
		msg = msg[strings.Index(msg, "]")+1:]
	} else {
		line, col = 1, 1
	}
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	msg = strings.TrimSpace(msg)
	if m := duplicateKey.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("%q appears twice (first at line %s)", m[1], m[2])
	}
	if msg == "" {
		msg = "cannot be read as YAML"
	}
	return &syntaxError{line: max(line, 1), col: max(col, 1), msg: msg}
}

func convert(n ast.Node) *node {
	if n == nil {
		return &node{kind: nullNode, line: 1, col: 1}
	}
	tk := n.GetToken()
	out := &node{line: 1, col: 1}
	if tk != nil {
		out.line, out.col = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		out.kind = mappingNode
		for _, mv := range v.Values {
			out.content = append(out.content, convert(mv.Key), convert(mv.Value))
		}
		if len(out.content) > 0 && !v.IsFlowStyle {
			// The parser places a block mapping at its first colon; a
			// person thinks of it as where its first key starts.
			out.line, out.col = out.content[0].line, out.content[0].col
		}
	case *ast.MappingValueNode:
		out.kind = mappingNode
		out.content = []*node{convert(v.Key), convert(v.Value)}
		out.line, out.col = out.content[0].line, out.content[0].col
	case *ast.SequenceNode:
		out.kind = sequenceNode
		for _, item := range v.Values {
			out.content = append(out.content, convert(item))
		}
	case *ast.AnchorNode:
		return convert(v.Value)
	case *ast.TagNode:
		return convert(v.Value)
	case *ast.MappingKeyNode:
		return convert(v.Value)
	case *ast.AliasNode:
		out.kind = aliasNode
		if v.Value != nil {
			out.value = v.Value.String()
		}
	case *ast.NullNode:
		out.kind = nullNode
	case *ast.LiteralNode:
		out.kind = scalarNode
		if v.Value != nil {
			out.value = v.Value.Value
		}
	case *ast.StringNode:
		out.kind = scalarNode
		out.value = v.Value
	case *ast.IntegerNode:
		out.kind = scalarNode
		out.integer = true
		out.value = tk.Value
	case ast.ScalarNode:
		out.kind = scalarNode
		if tk != nil {
			out.value = tk.Value
		}
	default:
		out.kind = scalarNode
		out.value = strings.TrimSpace(n.String())
	}
	return out
}
