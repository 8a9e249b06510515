package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/repairgym/repairgym/scenarios/yamlcheck"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// MaxFileSize bounds a scenario file. Real scenarios are a few kilobytes;
// the bound keeps a pasted mistake, or a hostile file, from tying up the
// parser, whose time grows with the square of the number of keys.
const MaxFileSize = 64 << 10

// A Scale tells checking which scores a transition may test: for each
// criterion of the rubric in force (and "overall"), its lowest and highest
// score.
type Scale map[string][2]int

// A Problem is something wrong with a scenario file, at a place in it.
type Problem struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	// Severity is set by lint: SeverityError or SeverityWarning.
	// Validation problems have none; they are all errors.
	Severity string `json:"severity,omitempty"`
	Message  string `json:"message"`
}

// String formats the problem as file:line:col: message, with the severity
// before the message when it has one.
func (p Problem) String() string {
	if p.Severity != "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Col, p.Severity, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

var (
	scenarioIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	stageIDPattern    = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	thresholdPattern  = regexp.MustCompile(`^(>=|<=|==|=|>|<)?\s*(-?\d+)$`)
	unquotedGreater   = regexp.MustCompile(`:\s*>=?\s*-?\d`)
)

// Parse reads one scenario from YAML and checks it against the scale. It
// returns every problem it finds, in file order, and a scenario only when
// there are none. It never panics.
func Parse(file string, src []byte, scale Scale) (*Scenario, []Problem) {
	d := &decoder{file: file, src: src, scale: scale}
	s := d.document(src)
	if s != nil {
		checkGraph(d, s)
	}
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
	s.File = file
	s.Source = src
	return s, nil
}

// decoder walks the YAML node tree by hand rather than unmarshalling into
// structs, so that every problem carries the line and column it is at and
// one mistake does not hide the next.
type decoder struct {
	// stageIDs holds every stage id written, including stages too broken
	// to decode, so that transitions to them are not reported as well.
	stageIDs map[string]bool
	file     string
	src      []byte
	scale    Scale
	problems []Problem
}

func (d *decoder) errorf(line, col int, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) errorAt(n *node, format string, args ...any) {
	d.errorf(n.line, n.col, format, args...)
}

func (d *decoder) document(src []byte) *Scenario {
	if len(src) > MaxFileSize {
		d.errorf(1, 1, "the file is larger than %d KiB; a scenario is a few KiB", MaxFileSize>>10)
		return nil
	}
	if line, col, ok := yamlcheck.TabIndent(src); ok {
		d.errorf(line, col, "a tab indents this line; YAML is indented with spaces")
		return nil
	}
	docs, err := parseYAML(src)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			d.errorf(se.line, se.col, "YAML syntax: %s%s", se.msg, d.hint(se.line))
		} else {
			d.errorf(1, 1, "YAML syntax: %v", err)
		}
		return nil
	}
	if len(docs) == 0 {
		d.errorf(1, 1, "the file is empty")
		return nil
	}
	if len(docs) > 1 {
		d.errorAt(docs[1], "a file holds one scenario; this is a second YAML document")
	}
	return d.scenario(docs[0])
}

// hint explains the commonest syntax error in scenarios: a threshold such
// as >=3 left unquoted, which YAML reads as the start of a text block.
func (d *decoder) hint(line int) string {
	lines := bytes.Split(d.src, []byte("\n"))
	for _, l := range []int{line, line - 1} {
		if l >= 1 && l <= len(lines) && unquotedGreater.Match(lines[l-1]) {
			return ` (a threshold starting with ">" must be quoted: ">=3")`
		}
	}
	return ""
}

// A field is one key and its value in a mapping.
type field struct {
	key, value *node
}

// mapping checks that n is a mapping with no duplicate or unknown keys and
// all required ones, and returns its fields by key.
// Missing fields are reported at key, the mapping's own key, when there is
// one: that is the line a person looks at.
func (d *decoder) mapping(key, n *node, what string, known, required []string) map[string]field {
	n = d.resolve(n)
	if n == nil {
		return nil
	}
	if n.kind != mappingNode {
		d.errorAt(n, "%s must be a mapping of fields, not %s", what, describe(n))
		return nil
	}
	fields := make(map[string]field, len(n.content)/2)
	for i := 0; i+1 < len(n.content); i += 2 {
		k, v := n.content[i], n.content[i+1]
		if k.kind != scalarNode {
			d.errorAt(k, "%s: a key must be a plain name", what)
			continue
		}
		if prev, dup := fields[k.value]; dup {
			d.errorAt(k, "%s: field %q appears twice (first at line %d)", what, k.value, prev.key.line)
			continue
		}
		if known != nil && !contains(known, k.value) {
			d.errorAt(k, "%s: unknown field %q%s", what, k.value, suggest(k.value, known))
			continue
		}
		fields[k.value] = field{k, v}
	}
	at := n
	if key != nil {
		at = key
	}
	for _, r := range required {
		if _, ok := fields[r]; !ok {
			d.errorAt(at, "%s: missing field %q", what, r)
		}
	}
	return fields
}

// resolve rejects aliases: they make a scenario hard to read by hand and
// are the usual way to blow up a YAML document's size.
func (d *decoder) resolve(n *node) *node {
	if n.kind == aliasNode {
		d.errorAt(n, "aliases (*name) are not supported in scenarios; write the value out")
		return nil
	}
	return n
}

func (d *decoder) text(f field, what string) string {
	n := d.resolve(f.value)
	if n == nil {
		return ""
	}
	if n.kind != scalarNode {
		d.errorAt(n, "%s must be text, not %s", what, describe(n))
		return ""
	}
	v := strings.TrimSpace(n.value)
	if v == "" {
		d.errorAt(n, "%s is empty", what)
	}
	return v
}

func (d *decoder) integer(f field, what string, lo, hi int) int {
	n := d.resolve(f.value)
	if n == nil {
		return 0
	}
	v, err := strconv.Atoi(n.value)
	if n.kind != scalarNode || !n.integer || err != nil {
		d.errorAt(n, "%s must be a whole number, not %s", what, describe(n))
		return 0
	}
	if v < lo || v > hi {
		d.errorAt(n, "%s must be between %d and %d, not %d", what, lo, hi, v)
	}
	return v
}

func (d *decoder) oneOf(f field, what string, choices ...string) string {
	v := d.text(f, what)
	if v != "" && !contains(choices, v) {
		d.errorAt(f.value, "%s must be %s, not %q", what, orList(choices), v)
	}
	return v
}

// lines reads a list of text with at least min items.
func (d *decoder) lines(f field, what string, min int) []string {
	n := d.resolve(f.value)
	if n == nil {
		return nil
	}
	if n.kind != sequenceNode {
		d.errorAt(n, "%s must be a list (lines starting with \"- \"), not %s", what, describe(n))
		return nil
	}
	var out []string
	for _, item := range n.content {
		if s := d.text(field{value: item}, what+" item"); s != "" {
			out = append(out, s)
		}
	}
	if len(n.content) < min {
		noun := "items"
		if min == 1 {
			noun = "item"
		}
		d.errorAt(n, "%s needs at least %d %s, has %d", what, min, noun, len(n.content))
	}
	return out
}

func (d *decoder) scenario(n *node) *Scenario {
	fields := d.mapping(nil, n, "scenario",
		[]string{"id", "title", "version", "difficulty", "summary", "rupture", "persona", "max_turns", "stages", "endings", "tests"},
		[]string{"id", "title", "version", "difficulty", "summary", "rupture", "persona", "max_turns", "stages", "endings"})
	if fields == nil {
		return nil
	}
	s := &Scenario{}
	if f, ok := fields["id"]; ok {
		s.ID = d.text(f, "id")
		if s.ID != "" && !scenarioIDPattern.MatchString(s.ID) {
			d.errorAt(f.value, "id %q must be lowercase letters, digits and hyphens", s.ID)
		}
	}
	if f, ok := fields["title"]; ok {
		s.Title = d.text(f, "title")
	}
	if f, ok := fields["version"]; ok {
		s.Version = d.integer(f, "version", 1, 1<<30)
	}
	if f, ok := fields["difficulty"]; ok {
		s.Difficulty = d.oneOf(f, "difficulty", Beginner, Intermediate, Advanced)
	}
	if f, ok := fields["summary"]; ok {
		s.Summary = d.text(f, "summary")
	}
	if f, ok := fields["rupture"]; ok {
		s.Rupture = d.rupture(f)
	}
	if f, ok := fields["persona"]; ok {
		s.Persona = d.persona(f)
	}
	if f, ok := fields["max_turns"]; ok {
		s.MaxTurns = d.integer(f, "max_turns", 1, 50)
	}
	if f, ok := fields["stages"]; ok {
		s.Stages = d.stages(f)
	}
	if f, ok := fields["endings"]; ok {
		s.Endings = d.endings(f)
	}
	if f, ok := fields["tests"]; ok {
		s.Tests = d.tests(f)
	}
	return s
}

func (d *decoder) rupture(f field) Rupture {
	all := []string{"type", "marker", "trigger"}
	fields := d.mapping(f.key, f.value, "rupture", all, all)
	var r Rupture
	if f, ok := fields["type"]; ok {
		r.Type = d.oneOf(f, "rupture type", Withdrawal, Confrontation)
	}
	if f, ok := fields["marker"]; ok {
		r.Marker = d.text(f, "rupture marker")
	}
	if f, ok := fields["trigger"]; ok {
		r.Trigger = d.text(f, "rupture trigger")
	}
	return r
}

func (d *decoder) persona(f field) Persona {
	all := []string{"name", "age", "pronouns", "background", "presenting_concern", "speaking_style"}
	fields := d.mapping(f.key, f.value, "persona", all, all)
	var p Persona
	if f, ok := fields["name"]; ok {
		p.Name = d.text(f, "persona name")
	}
	if f, ok := fields["age"]; ok {
		p.Age = d.integer(f, "persona age", 5, 120)
	}
	if f, ok := fields["pronouns"]; ok {
		p.Pronouns = d.text(f, "persona pronouns")
	}
	if f, ok := fields["background"]; ok {
		p.Background = d.text(f, "persona background")
	}
	if f, ok := fields["presenting_concern"]; ok {
		p.PresentingConcern = d.text(f, "persona presenting_concern")
	}
	if f, ok := fields["speaking_style"]; ok {
		p.SpeakingStyle = d.text(f, "persona speaking_style")
	}
	return p
}

func (d *decoder) stages(sf field) []*Stage {
	n := sf.value
	fields := d.mapping(sf.key, n, "stages", nil, nil)
	if fields == nil {
		return nil
	}
	if len(fields) == 0 {
		d.errorAt(n, "stages: a scenario needs at least one stage")
		return nil
	}
	var out []*Stage
	// Walk the node rather than the map to keep the order written: the
	// first stage is where the scenario starts.
	for i := 0; i+1 < len(n.content); i += 2 {
		k := n.content[i]
		f, ok := fields[k.value]
		if !ok || f.key != k {
			continue
		}
		id := k.value
		if d.stageIDs == nil {
			d.stageIDs = map[string]bool{}
		}
		d.stageIDs[id] = true
		switch {
		case IsEnding(id) || id == "abandoned":
			d.errorAt(k, "stage id %q is the name of an ending; choose another", id)
		case !stageIDPattern.MatchString(id):
			d.errorAt(k, "stage id %q must start with a letter and hold only lowercase letters, digits, _ and -", id)
		}
		if st := d.stage(id, f); st != nil {
			st.Pos = Pos{k.line, k.col}
			out = append(out, st)
		}
	}
	return out
}

func (d *decoder) stage(id string, sf field) *Stage {
	what := fmt.Sprintf("stage %q", id)
	fields := d.mapping(sf.key, sf.value, what, []string{"client", "direction", "transitions", "exemplars", "marker"},
		[]string{"client", "direction", "transitions", "exemplars"})
	if fields == nil {
		return nil
	}
	st := &Stage{ID: id}
	if f, ok := fields["marker"]; ok {
		st.Marker = d.marker(f, what)
	}
	if f, ok := fields["client"]; ok {
		st.Client = d.lines(f, what+" client", 2)
	}
	if f, ok := fields["direction"]; ok {
		st.Direction = d.text(f, what+" direction")
	}
	if f, ok := fields["exemplars"]; ok {
		st.Exemplars = d.lines(f, what+" exemplars", 1)
	}
	if f, ok := fields["transitions"]; ok {
		st.Transitions = d.transitions(what, f)
	}
	return st
}

func (d *decoder) transitions(what string, tf field) []Transition {
	n := d.resolve(tf.value)
	if n == nil {
		return nil
	}
	if n.kind != sequenceNode || len(n.content) == 0 {
		d.errorAt(n, "%s transitions must be a list with at least a default (a transition with only \"to\")", what)
		return nil
	}
	var out []Transition
	defaultAt := 0
	for i, item := range n.content {
		fields := d.mapping(nil, item, what+" transition", []string{"when", "to"}, []string{"to"})
		if fields == nil {
			continue
		}
		t := Transition{Pos: Pos{item.line, item.col}}
		if f, ok := fields["to"]; ok {
			t.To = d.text(f, what+" transition target")
			t.Pos = Pos{f.value.line, f.value.col}
		}
		if f, ok := fields["when"]; ok {
			t.When = d.conditions(what, f)
		} else {
			if defaultAt > 0 {
				d.errorAt(item, "%s has a second default transition (the first is at line %d)", what, defaultAt)
			} else if i != len(n.content)-1 {
				d.errorAt(item, "%s: the default transition (no \"when\") must come last; the ones after it could never be taken", what)
			}
			defaultAt = item.line
		}
		out = append(out, t)
	}
	if defaultAt == 0 {
		d.errorAt(tf.key, "%s needs a default transition: end the list with one that has only \"to\"", what)
	}
	return out
}

func (d *decoder) conditions(what string, wf field) []Condition {
	n := wf.value
	fields := d.mapping(wf.key, n, what+" when", nil, nil)
	if fields == nil {
		return nil
	}
	if len(fields) == 0 {
		d.errorAt(n, "%s: \"when\" is empty; leave it out to make the default transition", what)
		return nil
	}
	var out []Condition
	for i := 0; i+1 < len(n.content); i += 2 {
		k := n.content[i]
		f, ok := fields[k.value]
		if !ok || f.key != k {
			continue
		}
		rng, known := d.scale[k.value]
		if !known {
			d.errorAt(k, "%s: unknown criterion %q; the rubric has %s%s", what, k.value, orList(sortedKeys(d.scale)), suggest(k.value, sortedKeys(d.scale)))
			continue
		}
		c, ok := d.threshold(f.value, k.value, rng)
		if ok {
			c.Pos = Pos{f.value.line, f.value.col}
			out = append(out, c)
		}
	}
	return out
}

// threshold reads a comparison such as ">=3" or a bare number meaning
// "exactly".
func (d *decoder) threshold(n *node, criterion string, rng [2]int) (Condition, bool) {
	n = d.resolve(n)
	if n == nil {
		return Condition{}, false
	}
	m := thresholdPattern.FindStringSubmatch(strings.TrimSpace(n.value))
	if n.kind != scalarNode || m == nil {
		d.errorAt(n, "%s: bad threshold %q; write a comparison such as \">=3\", \"<=1\", \"==2\" or a number", criterion, n.value)
		return Condition{}, false
	}
	v, err := strconv.Atoi(m[2])
	if err != nil {
		d.errorAt(n, "%s: threshold %q is out of range", criterion, n.value)
		return Condition{}, false
	}
	op := m[1]
	switch op {
	case "", "=":
		op = "=="
	}
	c := Condition{Criterion: criterion, Op: op, Value: v}
	if !c.holdsIn(rng) {
		d.errorAt(n, "%s: %q can never hold; %s scores run from %d to %d", criterion, n.value, criterion, rng[0], rng[1])
		return Condition{}, false
	}
	return c, true
}

func (d *decoder) endings(ef field) map[string]*Ending {
	fields := d.mapping(ef.key, ef.value, "endings", []string{Repaired, Unrepaired}, []string{Repaired, Unrepaired})
	if fields == nil {
		return nil
	}
	out := make(map[string]*Ending, len(fields))
	for _, name := range []string{Repaired, Unrepaired} {
		f, ok := fields[name]
		if !ok {
			continue
		}
		what := fmt.Sprintf("ending %q", name)
		cf := d.mapping(f.key, f.value, what, []string{"client", "marker"}, []string{"client"})
		e := &Ending{Pos: Pos{f.key.line, f.key.col}}
		if c, ok := cf["client"]; ok {
			e.Client = d.lines(c, what+" client", 1)
		}
		if m, ok := cf["marker"]; ok {
			e.Marker = d.marker(m, what)
		}
		out[name] = e
	}
	return out
}

// marker reads a line's annotation: "none", or the rupture type and
// subtype it shows.
func (d *decoder) marker(f field, what string) *Marker {
	n := d.resolve(f.value)
	if n == nil {
		return nil
	}
	what += " marker"
	if n.kind == scalarNode && n.value == "none" {
		return &Marker{}
	}
	if n.kind != mappingNode {
		d.errorAt(n, "%s must be none or a mapping with type and subtype, not %s", what, describe(n))
		return nil
	}
	fields := d.mapping(f.key, n, what, []string{"type", "subtype"}, []string{"type", "subtype"})
	m := &Marker{}
	if tf, ok := fields["type"]; ok {
		m.Type = d.oneOf(tf, what+" type", Confrontation, Withdrawal)
	}
	if sf, ok := fields["subtype"]; ok {
		m.Subtype = d.text(sf, what+" subtype")
		if known, ok := Subtypes[m.Type]; ok && m.Subtype != "" && !contains(known, m.Subtype) {
			d.errorAt(sf.value, "%s: %q is not a %s marker; use one of %s%s", what, m.Subtype, m.Type, orList(known), suggest(m.Subtype, known))
		}
	}
	if m.Type == "" {
		return nil
	}
	return m
}

// tests reads the scenario's own tests. The stages are read before them,
// so a path can be checked against the stage ids.
func (d *decoder) tests(tf field) []Test {
	n := d.resolve(tf.value)
	if n == nil {
		return nil
	}
	if n.kind != sequenceNode {
		d.errorAt(n, "tests must be a list, not %s", describe(n))
		return nil
	}
	var out []Test
	names := map[string]int{}
	for i, item := range n.content {
		what := fmt.Sprintf("test %d", i+1)
		fields := d.mapping(nil, item, what, []string{"name", "responses", "path", "ending"}, []string{"name", "responses"})
		if fields == nil {
			continue
		}
		t := Test{Pos: Pos{item.line, item.col}}
		if f, ok := fields["name"]; ok {
			t.Name = d.text(f, what+" name")
			if t.Name != "" {
				what = fmt.Sprintf("test %q", t.Name)
				if line, dup := names[t.Name]; dup {
					d.errorAt(f.value, "%s: another test has this name (line %d)", what, line)
				}
				names[t.Name] = f.value.line
			}
		}
		if f, ok := fields["responses"]; ok {
			t.Responses = d.lines(f, what+" responses", 1)
		}
		if f, ok := fields["path"]; ok {
			t.Path = d.path(f, what)
		}
		if f, ok := fields["ending"]; ok {
			t.Ending = d.oneOf(f, what+" ending", Repaired, Unrepaired)
		}
		if len(t.Path) > len(t.Responses) && len(t.Responses) > 0 {
			d.errorAt(fields["path"].value, "%s: the path has %d steps but there %s only %d %s; each response takes one step", what, len(t.Path), plural(len(t.Responses), "is", "are"), len(t.Responses), plural(len(t.Responses), "response", "responses"))
		}
		if k := len(t.Path); k > 0 && IsEnding(t.Path[k-1]) {
			switch last := t.Path[k-1]; {
			case k < len(t.Responses):
				d.errorAt(fields["path"].value, "%s: the path ends %s after %d %s, but the test has %d", what, last, k, plural(k, "response", "responses"), len(t.Responses))
			case t.Ending != "" && t.Ending != last:
				d.errorAt(fields["ending"].value, "%s: the path ends %s, not %s", what, last, t.Ending)
			}
		}
		if _, hasPath := fields["path"]; !hasPath && t.Ending == "" {
			d.errorAt(item, "%s: say where the responses lead, with path, ending or both", what)
		}
		out = append(out, t)
	}
	return out
}

func (d *decoder) path(f field, what string) []string {
	n := d.resolve(f.value)
	if n == nil {
		return nil
	}
	if n.kind != sequenceNode || len(n.content) == 0 {
		d.errorAt(n, "%s path must be a list of stages and endings, such as [softening, repaired]", what)
		return nil
	}
	var out []string
	for _, item := range n.content {
		to := d.text(field{value: item}, what+" path step")
		if to != "" && !IsEnding(to) && !d.stageIDs[to] {
			d.errorAt(item, "%s: path step %q is not a stage or ending%s", what, to, suggest(to, append(sortedKeys(d.stageIDs), Repaired, Unrepaired)))
		}
		if len(out) > 0 && IsEnding(out[len(out)-1]) {
			d.errorAt(item, "%s: the path goes on after the ending %q", what, out[len(out)-1])
		}
		out = append(out, to)
	}
	return out
}

func describe(n *node) string {
	switch n.kind {
	case mappingNode:
		return "a mapping"
	case sequenceNode:
		return "a list"
	case aliasNode:
		return "an alias"
	case nullNode:
		return "nothing"
	}
	if n.integer {
		return n.value
	}
	return strconv.Quote(n.value)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// orList writes "a, b or c", with each choice quoted.
func orList(choices []string) string {
	q := make([]string, len(choices))
	for i, c := range choices {
		q[i] = strconv.Quote(c)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// suggest offers the nearest known name for a misspelt one.
func suggest(got string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := yamlcheck.EditDistance(got, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}
