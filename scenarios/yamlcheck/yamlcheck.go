// Package yamlcheck holds what the scenario and rubric readers both need
// before and around the YAML parser: a bound on nesting, which keeps a
// hostile file from sending the parser into deep recursion; the rule
// against tabs in indentation; and the distance between two names, to
// suggest the field a typo meant.
package yamlcheck

import (
	"bytes"
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// A DepthError says where a file first nests deeper than its limit.
type DepthError struct {
	Line, Col, Limit int
}

func (e *DepthError) Error() string {
	return fmt.Sprintf("%d:%d: nested more than %d levels deep", e.Line, e.Col, e.Limit)
}

// Parse parses src, refusing with a *DepthError a file whose flow
// collections ([ and {) or sequence dashes on one line nest more than
// limit deep. The depth is read from the parser's own tokens, so quotes,
// apostrophes in plain text and comments are understood as the parser
// understands them; src is read once.
func Parse(src []byte, limit int) (*ast.File, error) {
	tokens := lexer.Tokenize(string(src))
	depth, dashes, dashLine := 0, 0, 0
	for _, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			depth++
			if depth > limit {
				return nil, &DepthError{tk.Position.Line, tk.Position.Column, limit}
			}
		case token.SequenceEndType, token.MappingEndType:
			depth = max(depth-1, 0)
		case token.SequenceEntryType:
			if tk.Position.Line != dashLine {
				dashes, dashLine = 0, tk.Position.Line
			}
			dashes++
			if dashes > limit {
				return nil, &DepthError{tk.Position.Line, tk.Position.Column, limit}
			}
		}
	}
	return parser.Parse(tokens, 0)
}

// TabIndent finds the first line indented with a tab, which YAML forbids.
func TabIndent(src []byte) (line, col int, ok bool) {
	for i, l := range bytes.Split(src, []byte("\n")) {
		for j, c := range l {
			if c == '\t' {
				return i + 1, j + 1, true
			}
			if c != ' ' {
				break
			}
		}
	}
	return 0, 0, false
}

// EditDistance is the Levenshtein distance between a and b, in bytes.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
