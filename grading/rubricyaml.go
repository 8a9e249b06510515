package grading

import (
	"errors"
	"fmt"
	"github.com/repairgym/repairgym/scenarios/yamlcheck"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Rubrics are edited by hand, in a browser, by supervisors. Unmarshalling
// into the structs would stop at the first mistake and say where only for
// some of them, so the decoder below walks goccy/go-yaml's syntax tree
// instead: every problem carries the line and column of the node at fault,
// and one mistake does not hide the next. The scenarios package reads its
// files the same way; what both need around the parser (the nesting bound,
// the tab rule, the distance between names) is in scenarios/yamlcheck, a
// leaf that brings neither the scenario library nor the graders along.

// MaxRubricSize bounds a rubric file. A rubric is a few KiB; the bound
// keeps a pasted mistake, or a hostile file, from tying up the parser.
const MaxRubricSize = 64 << 10

// maxRubricNesting bounds how deeply collections may nest. A rubric nests
// five levels; the YAML parser slows down badly on pathological nesting
// (seconds for a file of nothing but "[").
const maxRubricNesting = 16

// A Problem is something wrong in a rubric file, at a place in it (1-based).
type Problem struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// String formats the problem as line:col: message.
func (p Problem) String() string {
	return fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Message)
}

// Problems is the error ParseRubric returns: every problem in the file, one
// per line. errors.As recovers them.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// CheckRubric decodes and checks a rubric, returning every problem it finds
// in file order, and the rubric only when there are none. It never panics.
func CheckRubric(src []byte) (*Rubric, []Problem) {
	d := &rubricDecoder{}
	r := d.file(src)
	if len(d.problems) > 0 {
		sort.SliceStable(d.problems, func(i, j int) bool {
			a, b := d.problems[i], d.problems[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, d.problems
	}
	return r, nil
}

type rubricDecoder struct {
	problems []Problem
}

func (d *rubricDecoder) errorf(line, col int, format string, args ...any) {
	d.problems = append(d.problems, Problem{Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (d *rubricDecoder) errorAt(n ast.Node, format string, args ...any) {
	line, col := position(n)
	d.errorf(line, col, format, args...)
}

// A field is one key of a mapping and its value, which is nil when the
// key has none.
type field struct {
	key   ast.Node
	value ast.Node
}

// A scale is the rubric's score range, when min and max are sound.
type scale struct {
	min, max int
	ok       bool
}

var (
	rubricFields    = []string{"id", "title", "version", "min", "max", "criteria"}
	criterionFields = []string{"id", "name", "question", "weight", "levels"}
	levelFields     = []string{"score", "name", "anchor"}
)

func (d *rubricDecoder) file(src []byte) *Rubric {
	if len(src) > MaxRubricSize {
		d.errorf(1, 1, "the file is larger than %d KiB; a rubric is a few KiB", MaxRubricSize>>10)
		return nil
	}
	if line, col, ok := yamlcheck.TabIndent(src); ok {
		d.errorf(line, col, "a tab indents this line; YAML is indented with spaces")
		return nil
	}
	f, err := yamlcheck.Parse(src, maxRubricNesting)
	if de := (*yamlcheck.DepthError)(nil); errors.As(err, &de) {
		d.errorf(de.Line, de.Col, "nested more than %d levels deep; a rubric nests five", maxRubricNesting)
		return nil
	}
	if err != nil {
		d.syntaxError(src, err)
		return nil
	}
	var docs []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc.Body)
		}
	}
	if len(docs) == 0 {
		d.errorf(1, 1, "the file is empty")
		return nil
	}
	if len(docs) > 1 {
		d.errorAt(docs[1], "a file holds one rubric; this is a second YAML document")
	}
	return d.rubric(docs[0])
}

// syntaxError reports the parser's error at the token it names, in one
// line, with a hint for the mistakes supervisors make most: a colon inside
// unquoted text, and a quote left open.
func (d *rubricDecoder) syntaxError(src []byte, err error) {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		d.errorf(1, 1, "YAML syntax: the file cannot be read as YAML")
		return
	}
	line, col := 1, 1
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		line, col = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
	}
	if qLine, qCol, ok := unclosedQuote(src); ok && qLine <= line {
		// The parser read on past the open quote to the next one it
		// found, and reports an error there, far from the mistake.
		d.errorf(qLine, qCol, "YAML syntax: this quoted text is not closed on its line")
		return
	}
	msg := ye.GetMessage()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	var key string
	var first int
	switch {
	case strings.HasPrefix(msg, "mapping key "):
		if n, _ := fmt.Sscanf(msg, "mapping key %q already defined at [%d:", &key, &first); n == 2 {
			d.errorf(line, col, "%q appears twice (first at line %d)", key, first)
			return
		}
	case msg == "mapping value is not allowed in this context":
		msg += ` (text holding ": " must be quoted, or written on the lines after ">-"; or this line is indented too far)`
	}
	if msg == "" {
		msg = "the file cannot be read as YAML"
	}
	d.errorf(line, col, "YAML syntax: %s", msg)
}

func (d *rubricDecoder) rubric(n ast.Node) *Rubric {
	fields := d.fields(n, "", rubricFields)
	if fields == nil {
		return nil
	}
	r := &Rubric{}
	r.ID = d.requiredText(n, fields, "id", "the rubric")
	if f, ok := fields["title"]; ok {
		r.Title, _ = d.text(f, "title")
	}
	if f, ok := fields["version"]; !ok {
		d.errorAt(n, "the rubric has no version; number it from 1, and raise it with every change")
	} else if v, ok := d.integer(f, "version"); ok {
		if v < 1 {
			d.errorAt(f.value, "version must be a whole number of 1 or more, not %d", v)
		}
		r.Version = v
	}
	sc := d.scale(n, fields, r)
	if f, ok := fields["criteria"]; ok {
		r.Criteria = d.criteria(f, sc)
	} else {
		d.errorAt(n, "the rubric has no criteria")
	}
	return r
}

// scale reads min and max, the range every criterion is scored on.
func (d *rubricDecoder) scale(n ast.Node, fields map[string]field, r *Rubric) scale {
	bound := func(name, hint string) (int, bool) {
		f, ok := fields[name]
		if !ok {
			d.errorAt(n, "the rubric has no %s (%s)", name, hint)
			return 0, false
		}
		v, ok := d.integer(f, name)
		if ok && (v < -100 || v > 100) {
			d.errorAt(f.value, "%s must be between -100 and 100, not %d", name, v)
			return 0, false
		}
		return v, ok
	}
	lo, loOK := bound("min", "the lowest score, such as 0")
	hi, hiOK := bound("max", "the highest score, such as 4")
	r.Min, r.Max = lo, hi
	if loOK && hiOK && hi <= lo {
		d.errorAt(fields["max"].value, "max (%d) must be above min (%d)", hi, lo)
		return scale{}
	}
	return scale{lo, hi, loOK && hiOK}
}

func (d *rubricDecoder) criteria(f field, sc scale) []Criterion {
	const none = "the rubric has no criteria"
	seq, ok := d.list(f, "criteria", none)
	if !ok {
		return nil
	}
	if len(seq.Values) == 0 {
		d.errorAt(seq, none)
		return nil
	}
	var out []Criterion
	firstLine := map[string]int{}
	total, weightsOK := 0.0, true
	for i, item := range seq.Values {
		c, weightOK := d.criterion(i, item, sc, firstLine)
		weightsOK = weightsOK && weightOK
		total += c.Weight
		out = append(out, c)
	}
	switch {
	case !weightsOK:
	case total <= 0:
		d.errorAt(f.key, "the weights add up to 0; give at least one criterion a weight above 0")
	case math.IsInf(total, 0):
		d.errorAt(f.key, "the weights add up to more than a number can hold; use smaller ones")
	}
	return out
}

// criterion reads one criterion; weightOK reports a sound weight, without
// which the weights' total means nothing.
func (d *rubricDecoder) criterion(i int, n ast.Node, sc scale, firstLine map[string]int) (c Criterion, weightOK bool) {
	// A criterion is named by its id, once the id is one; until then by
	// its place in the list.
	what := fmt.Sprintf("criterion %d", i+1)
	if id, ok := peekText(n, "id"); ok && criterionIDPattern.MatchString(id) && id != Overall {
		what = fmt.Sprintf("criterion %q", id)
	}
	fields := d.fields(n, what, criterionFields)
	if fields == nil {
		return c, false
	}
	idOK := true
	if f, ok := fields["id"]; ok {
		c.ID, idOK = d.text(f, what+" id")
		c.ID = strings.TrimSpace(c.ID)
	}
	switch id := c.ID; {
	case !idOK:
	case id == "":
		d.errorAt(valueOr(fields["id"], n), "%s has no id", what)
	case !criterionIDPattern.MatchString(id):
		d.errorAt(fields["id"].value, "%s: id %q must start with a lowercase letter and hold only lowercase letters, digits and _", what, id)
	case id == Overall:
		d.errorAt(fields["id"].value, "%s: %q is reserved for the weighted total; choose another id", what, id)
	default:
		line, _ := position(fields["id"].value)
		if first, dup := firstLine[id]; dup {
			d.errorAt(fields["id"].value, "%s appears twice (first at line %d)", what, first)
		} else {
			firstLine[id] = line
		}
	}
	c.Name = d.requiredText(n, fields, "name", what)
	c.Question = d.requiredText(n, fields, "question", what)
	if f, ok := fields["weight"]; ok {
		c.Weight, weightOK = d.weight(f, what)
	} else {
		d.errorAt(n, "%s has no weight (0 leaves it out of the overall)", what)
	}
	if f, ok := fields["levels"]; ok {
		c.Levels = d.levels(f, what, sc)
	} else {
		d.errorAt(n, "%s has no levels", what)
	}
	return c, weightOK
}

func (d *rubricDecoder) weight(f field, what string) (float64, bool) {
	w, ok := number(f.value)
	if !ok || w < 0 || math.IsInf(w, 0) {
		d.errorAt(valueOr(f, f.key), "%s: weight must be a number of 0 or more, not %s", what, describe(f.value))
		return 0, false
	}
	return w, true
}

func (d *rubricDecoder) levels(f field, what string, sc scale) []Level {
	seq, ok := d.list(f, what+" levels", what+" has no levels")
	if !ok {
		return nil
	}
	inOrder := sc.ok
	if want := sc.max - sc.min + 1; sc.ok && len(seq.Values) != want {
		d.errorAt(f.key, "%s needs %d levels, one for each score from %d to %d; it has %d", what, want, sc.min, sc.max, len(seq.Values))
		// Which level was meant for which score is anyone's guess.
		inOrder = false
	}
	var out []Level
	for j, item := range seq.Values {
		out = append(out, d.level(j, item, what, sc.min+j, inOrder))
	}
	return out
}

// level reads the j-th level of a criterion, which should have score want
// when the levels are in order.
func (d *rubricDecoder) level(j int, n ast.Node, criterion string, want int, inOrder bool) Level {
	what := fmt.Sprintf("%s: the %s level", criterion, ordinal(j+1))
	if s, ok := scoreOf(n); ok && (!inOrder || s == want) {
		what = fmt.Sprintf("%s: level %d", criterion, s)
	}
	var l Level
	fields := d.fields(n, what, levelFields)
	if fields == nil {
		return l
	}
	if f, ok := fields["score"]; !ok {
		if inOrder {
			d.errorAt(n, "%s has no score (it should be %d)", what, want)
		} else {
			d.errorAt(n, "%s has no score", what)
		}
	} else if s, ok := d.integer(f, what+" score"); ok {
		l.Score = s
		if inOrder && s != want {
			d.errorAt(f.value, "%s should have score %d, not %d", what, want, s)
		}
	}
	if f, ok := fields["name"]; ok {
		l.Name, _ = d.text(f, what+" name")
	}
	l.Anchor = d.requiredText(n, fields, "anchor", what)
	return l
}

// fields checks that n is a mapping of known, plain keys and returns its
// fields by key. Duplicate keys never get here: the parser rejects them.
// what names the mapping in messages; "" is the rubric itself, whose
// problems need no prefix.
func (d *rubricDecoder) fields(n ast.Node, what string, known []string) map[string]field {
	n = d.resolve(n)
	if n == nil {
		return nil
	}
	name, prefix := what, what+": "
	if what == "" {
		name, prefix = "the rubric", ""
	}
	pairs, ok := mappingPairs(n)
	if !ok {
		if _, null := n.(*ast.NullNode); null {
			d.errorAt(n, "%s is empty", name)
		} else {
			d.errorAt(n, "%s must be a mapping of fields (%s), not %s", name, strings.Join(known, ", "), describe(n))
		}
		return nil
	}
	fields := make(map[string]field, len(pairs))
	for _, p := range pairs {
		k := unwrap(p.Key)
		key, plain := k.(*ast.StringNode)
		if !plain {
			d.errorAt(k, "%sa key must be a plain name, not %s", prefix, describe(k))
			continue
		}
		if !contains(known, key.Value) {
			d.errorAt(k, "%sunknown field %q%s", prefix, key.Value, suggestField(key.Value, known))
			continue
		}
		fields[key.Value] = field{key: k, value: p.Value}
	}
	return fields
}

// list reads a field that must be a sequence; missing says what it means
// for the field to be empty.
func (d *rubricDecoder) list(f field, what, missing string) (*ast.SequenceNode, bool) {
	n := d.resolve(f.value)
	if n == nil {
		return nil, false
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		return seq, true
	}
	if _, null := n.(*ast.NullNode); null {
		d.errorAt(f.key, "%s", missing)
	} else {
		d.errorAt(n, "%s must be a list (lines starting with \"- \"), not %s", what, describe(n))
	}
	return nil, false
}

// text reads a field written as text; ok is false when it is something
// else, which has been reported. A number or yes/no is text too: an anchor
// reading "yes" means the word.
func (d *rubricDecoder) text(f field, what string) (s string, ok bool) {
	n := d.resolve(f.value)
	if n == nil {
		return "", false
	}
	if s, ok := scalarText(n); ok {
		return s, true
	}
	d.errorAt(n, "%s must be text, not %s", what, describe(n))
	return "", false
}

func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.NullNode:
		return "", true
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case ast.ScalarNode:
		if tk := v.GetToken(); tk != nil {
			return tk.Value, true
		}
		return "", true
	}
	return "", false
}

// requiredText reads a text field that must be there and not be blank.
func (d *rubricDecoder) requiredText(n ast.Node, fields map[string]field, name, what string) string {
	f, present := fields[name]
	s, ok := "", true
	if present {
		s, ok = d.text(f, what+" "+name)
	}
	if ok && strings.TrimSpace(s) == "" {
		d.errorAt(valueOr(f, n), "%s has no %s", what, name)
	}
	return s
}

// integer reads a whole number.
func (d *rubricDecoder) integer(f field, what string) (int, bool) {
	n := d.resolve(f.value)
	if n == nil {
		return 0, false
	}
	if v, ok := wholeNumber(n); ok {
		return v, true
	}
	d.errorAt(valueOr(f, f.key), "%s must be a whole number, not %s", what, describe(n))
	return 0, false
}

// resolve unwraps tags and anchors and rejects aliases: they make a rubric
// hard to read by hand and are the usual way to blow up a YAML document.
// A missing value reads as null.
func (d *rubricDecoder) resolve(n ast.Node) ast.Node {
	n = unwrap(n)
	if n == nil {
		return ast.Null(&token.Token{Position: &token.Position{Line: 1, Column: 1}})
	}
	if _, alias := n.(*ast.AliasNode); alias {
		d.errorAt(n, "aliases (*name) are not supported in a rubric; write the value out")
		return nil
	}
	return n
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.MappingKeyNode:
			n = v.Value
		default:
			return n
		}
	}
}

// mappingPairs returns a mapping's key-value pairs. The parser gives a
// mapping of one pair as the pair itself.
func mappingPairs(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

// peek returns the value of a mapping's key, read before the mapping is
// checked, to name the mapping by it.
func peek(n ast.Node, key string) (ast.Node, bool) {
	pairs, _ := mappingPairs(unwrap(n))
	for _, p := range pairs {
		if k, ok := unwrap(p.Key).(*ast.StringNode); ok && k.Value == key {
			return unwrap(p.Value), true
		}
	}
	return nil, false
}

func peekText(n ast.Node, key string) (string, bool) {
	if v, ok := peek(n, key); ok {
		return scalarText(v)
	}
	return "", false
}

func scoreOf(n ast.Node) (int, bool) {
	if v, ok := peek(n, "score"); ok {
		return wholeNumber(v)
	}
	return 0, false
}

func wholeNumber(n ast.Node) (int, bool) {
	v, ok := n.(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch i := v.Value.(type) {
	case int64:
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return int(i), true
		}
	case uint64:
		if i <= math.MaxInt32 {
			return int(i), true
		}
	}
	return 0, false
}

// number reads a finite or infinite number; NaN is not one.
func number(n ast.Node) (float64, bool) {
	switch v := unwrap(n).(type) {
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			return float64(i), true
		case uint64:
			return float64(i), true
		}
	case *ast.FloatNode:
		return v.Value, !math.IsNaN(v.Value)
	case *ast.InfinityNode:
		return v.Value, true
	case *ast.StringNode:
		// The parser reads 1e3 as text; YAML reads it as a number.
		if v.Token != nil && v.Token.Type == token.StringType {
			f, err := strconv.ParseFloat(v.Value, 64)
			return f, err == nil && !math.IsNaN(f)
		}
	}
	return 0, false
}

// position returns where a node starts, as a person reads it: a block
// mapping at its first key (the parser places it at the first colon), a
// key-value pair at its key.
func position(n ast.Node) (line, col int) {
	switch v := n.(type) {
	case nil:
		return 1, 1
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return position(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return position(v.Key)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 1, 1
	}
	return max(tk.Position.Line, 1), max(tk.Position.Column, 1)
}

// valueOr returns a field's value, or at when the field or its value is
// missing: the place to point at when something is not there.
func valueOr(f field, at ast.Node) ast.Node {
	if f.value != nil {
		if _, null := f.value.(*ast.NullNode); !null {
			return f.value
		}
	}
	if f.key != nil {
		return f.key
	}
	return at
}

func describe(n ast.Node) string {
	switch v := unwrap(n).(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an alias"
	case *ast.StringNode:
		return strconv.Quote(clip(v.Value))
	case *ast.LiteralNode:
		return "a block of text"
	case ast.ScalarNode:
		if tk := v.GetToken(); tk != nil {
			return clip(tk.Value)
		}
	}
	return "that"
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func ordinal(n int) string {
	names := []string{"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"}
	if n >= 1 && n <= len(names) {
		return names[n-1]
	}
	return fmt.Sprintf("%dth", n)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	// quoteOpens finds a value that starts with a quote, after a key or
	// a list dash.
	quoteOpens = regexp.MustCompile(`^(\s*(?:- )?(?:[A-Za-z_][\w-]*:\s+)?)(["'])`)
	// keyLine finds a line that starts a field.
	keyLine = regexp.MustCompile(`^(\s*)(?:- )?[A-Za-z_][\w-]*:(?:\s|$)`)
)

// unclosedQuote finds the first value that opens a quote and does not close
// it on its line, where the next line starts a field no deeper than it:
// text meant to end on that line. Quoted text may span lines in YAML; a
// field after it on the next line says this one was not meant to.
func unclosedQuote(src []byte) (line, col int, ok bool) {
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		m := quoteOpens.FindStringSubmatchIndex(l)
		if m == nil || closesQuote(l[m[4]+1:], l[m[4]]) {
			continue
		}
		for _, next := range lines[i+1:] {
			if strings.TrimSpace(next) == "" {
				continue
			}
			if k := keyLine.FindStringSubmatch(next); k != nil && len(k[1]) <= len(l)-len(strings.TrimLeft(l, " ")) {
				return i + 1, m[4] + 1, true
			}
			break
		}
	}
	return 0, 0, false
}

// closesQuote reports whether rest, the text after an opening quote,
// closes it: an unescaped " or a single ' (two stand for one).
func closesQuote(rest string, quote byte) bool {
	for i := 0; i < len(rest); i++ {
		switch {
		case quote == '"' && rest[i] == '\\':
			i++
		case rest[i] != quote:
		case quote == '\'' && i+1 < len(rest) && rest[i+1] == '\'':
			i++
		default:
			return true
		}
	}
	return false
}

// suggestField offers the nearest known field for a misspelt one, or
// lists them all when none is close.
func suggestField(got string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		// A short name is a short edit from anything: "a" is not "id".
		if dist := yamlcheck.EditDistance(strings.ToLower(got), k); dist < bestDist && dist < len(got) {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return "; the fields are " + strings.Join(known[:len(known)-1], ", ") + " and " + known[len(known)-1]
}
