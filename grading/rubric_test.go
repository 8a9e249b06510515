package grading

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestDefaultRubric(t *testing.T) {
	r := DefaultRubric()
	want := map[string]float64{Validation: 0.4, NonDefensiveness: 0.4, Exploration: 0.2}
	if len(r.Criteria) != len(want) {
		t.Fatalf("criteria = %d, want %d", len(r.Criteria), len(want))
	}
	for id, w := range want {
		c, ok := r.Criterion(id)
		if !ok {
			t.Fatalf("no criterion %q", id)
		}
		if c.Weight != w {
			t.Errorf("%s weight = %v, want %v", id, c.Weight, w)
		}
		if len(c.Levels) != 5 || c.Levels[4].Score != 4 {
			t.Errorf("%s levels = %+v, want 0–4", id, c.Levels)
		}
	}
}

func TestWeightedOverall(t *testing.T) {
	r := DefaultRubric()
	tests := []struct {
		v, n, e int
		want    int
	}{
		{0, 0, 0, 0},
		{4, 4, 4, 100},
		{4, 4, 0, 80},
		{2, 2, 2, 50},
		{3, 1, 2, 50}, // (0.4·3 + 0.4·1 + 0.2·2)/4 = 0.5
		{1, 0, 0, 10},
	}
	for _, tt := range tests {
		got := r.WeightedOverall(map[string]Score{
			Validation: {Score: tt.v}, NonDefensiveness: {Score: tt.n}, Exploration: {Score: tt.e},
		})
		if got != tt.want {
			t.Errorf("WeightedOverall(%d,%d,%d) = %d, want %d", tt.v, tt.n, tt.e, got, tt.want)
		}
	}
}

// The built-in rubric parses with no problems, into what a plain YAML
// decoder reads from it: the hand-written decoder folds text the same way.
func TestCheckRubricDefault(t *testing.T) {
	r, problems := CheckRubric(defaultRubricYAML)
	if len(problems) > 0 {
		t.Fatalf("the built-in rubric has problems: %v", problems)
	}
	var want Rubric
	if err := yaml.UnmarshalWithOptions(defaultRubricYAML, &want, yaml.DisallowUnknownField()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*r, want) {
		t.Errorf("CheckRubric read\n%+v\nwant\n%+v", *r, want)
	}
}

// editDefault returns the built-in rubric with the first old replaced by
// new; old must be in it, so that a change to the file cannot quietly
// turn a case into a test of nothing.
func editDefault(tb testing.TB, old, new string) string {
	tb.Helper()
	src := string(defaultRubricYAML)
	if !strings.Contains(src, old) {
		tb.Fatalf("the built-in rubric has no %q", old)
	}
	return strings.Replace(src, old, new, 1)
}

// cutDefault returns the built-in rubric up to the last line starting
// with prefix, then rest.
func cutDefault(tb testing.TB, prefix, rest string) string {
	tb.Helper()
	src := string(defaultRubricYAML)
	i := strings.LastIndex(src, "\n"+prefix)
	if i < 0 {
		tb.Fatalf("the built-in rubric has no line starting %q", prefix)
	}
	return src[:i+1] + rest
}

// Each case edits the built-in rubric (rubrics/default.yaml) the way a
// supervisor might get it wrong, and pins every problem reported, at its
// place, in the words the editor shows.
func TestCheckRubricProblems(t *testing.T) {
	const (
		// The score-3 level of validation, lines 41–46.
		validates = `      - score: 3
        name: validates
        anchor: >-
          Reflects the feeling and conveys that it is understandable given
          what happened or who the client is ("Of course you felt blamed — it
          sounded like I was taking your mom's side").
`
		// The score-4 level of validation, lines 47–53.
		deeply = `      - score: 4
        name: deeply validates
        anchor: >-
          Level 3, and articulates what is unspoken or underneath (what it
          meant to the client — not mattering, being alone), or specifically
          and genuinely appreciates the client for raising it, in words that
          fit this client rather than a formula.
`
	)
	tests := []struct {
		name string
		src  string
		want []string
	}{
		// The file as a whole.
		{"too large", string(defaultRubricYAML) + "# " + strings.Repeat("x", MaxRubricSize) + "\n",
			[]string{"1:1: the file is larger than 64 KiB; a rubric is a few KiB"}},
		{"empty", "# nothing yet\n",
			[]string{"1:1: the file is empty"}},
		{"second document", string(defaultRubricYAML) + "---\nid: another\n",
			[]string{"128:1: a file holds one rubric; this is a second YAML document"}},
		{"a list, not a rubric", "- validation\n- exploration\n",
			[]string{"1:1: the rubric must be a mapping of fields (id, title, version, min, max, criteria), not a list"}},

		// YAML syntax.
		{"colon in text", editDefault(t, "name: token", "name: token: formulaic"),
			[]string{`29:15: YAML syntax: mapping value is not allowed in this context (text holding ": " must be quoted, or written on the lines after ">-"; or this line is indented too far)`}},
		{"quote left open", editDefault(t, "title: Rupture repair", `title: "Rupture repair`),
			[]string{"13:8: YAML syntax: this quoted text is not closed on its line"}},
		{"key twice", editDefault(t, "title: Rupture repair\n", "title: Rupture repair\ntitle: Repair\n"),
			[]string{`14:1: "title" appears twice (first at line 13)`}},
		{"tab", editDefault(t, "    name: Validation", "\tname: Validation"),
			[]string{"19:1: a tab indents this line; YAML is indented with spaces"}},
		{"too deep", editDefault(t, "title: Rupture repair", "title: "+strings.Repeat("[", 20)),
			[]string{"13:24: nested more than 16 levels deep; a rubric nests five"}},
		{"alias", editDefault(t, "version: 1", "version: *v"),
			[]string{"14:10: aliases (*name) are not supported in a rubric; write the value out"}},

		// Unknown fields.
		{"unknown field, close to one", editDefault(t, "title: Rupture repair", "titel: Rupture repair"),
			[]string{`13:1: unknown field "titel" (did you mean "title"?)`}},
		{"unknown field", editDefault(t, "title: Rupture repair", "title: Rupture repair\ncolour: red"),
			[]string{`14:1: unknown field "colour"; the fields are id, title, version, min, max and criteria`}},
		{"unknown criterion field", editDefault(t, "    weight: 0.4\n", "    weight: 0.4\n    wieght: 0.5\n"),
			[]string{`22:5: criterion "validation": unknown field "wieght" (did you mean "weight"?)`}},
		{"unknown level field", editDefault(t, "        name: token\n", "        nmae: token\n"),
			[]string{`29:9: criterion "validation": level 1: unknown field "nmae" (did you mean "name"?)`}},

		// Wrong types.
		{"version in words", editDefault(t, "version: 1", "version: one"),
			[]string{`14:10: version must be a whole number, not "one"`}},
		{"title a list", editDefault(t, "title: Rupture repair", "title: [Rupture, repair]"),
			[]string{"13:8: title must be text, not a list"}},
		{"weight in words", editDefault(t, "weight: 0.4", "weight: heavy"),
			[]string{`21:13: criterion "validation": weight must be a number of 0 or more, not "heavy"`}},
		{"name a list", editDefault(t, "name: Validation", "name: [Validation]"),
			[]string{`19:11: criterion "validation" name must be text, not a list`}},
		{"score in words", editDefault(t, "      - score: 1\n", "      - score: one\n"),
			[]string{`28:16: criterion "validation": the second level score must be a whole number, not "one"`}},
		{"criteria a mapping", cutDefault(t, "criteria:", "criteria:\n  validation: 0.4\n"),
			[]string{`18:3: criteria must be a list (lines starting with "- "), not a mapping`}},
		{"levels a number", cutDefault(t, "    levels:", "    levels: 5\n"),
			[]string{`99:13: criterion "exploration" levels must be a list (lines starting with "- "), not 5`}},
		{"a level as text", editDefault(t, validates, "      - validates\n"),
			[]string{`41:9: criterion "validation": the fourth level must be a mapping of fields (score, name, anchor), not "validates"`}},

		// The rubric's own fields.
		{"no id", editDefault(t, "id: default\n", ""),
			[]string{"12:1: the rubric has no id"}},
		{"empty id", editDefault(t, "id: default", `id: ""`),
			[]string{"12:5: the rubric has no id"}},
		{"no version", editDefault(t, "version: 1\n", ""),
			[]string{"12:1: the rubric has no version; number it from 1, and raise it with every change"}},
		{"version 0", editDefault(t, "version: 1", "version: 0"),
			[]string{"14:10: version must be a whole number of 1 or more, not 0"}},
		{"version not whole", editDefault(t, "version: 1", "version: 1.5"),
			[]string{"14:10: version must be a whole number, not 1.5"}},
		{"no max", editDefault(t, "max: 4\n", ""),
			[]string{"12:1: the rubric has no max (the highest score, such as 4)"}},
		{"max not above min", editDefault(t, "max: 4", "max: 0"),
			[]string{"16:6: max (0) must be above min (0)"}},
		{"scale out of range", editDefault(t, "max: 4", "max: 1000"),
			[]string{"16:6: max must be between -100 and 100, not 1000"}},
		{"no criteria", cutDefault(t, "criteria:", "criteria: []\n"),
			[]string{"17:11: the rubric has no criteria"}},
		{"criteria left empty", cutDefault(t, "criteria:", "criteria:\n"),
			[]string{"17:1: the rubric has no criteria"}},

		// Criteria.
		{"criterion without id", editDefault(t, "  - id: validation\n    name: Validation", "  - name: Validation"),
			[]string{"18:5: criterion 1 has no id"}},
		{"bad criterion id", editDefault(t, "id: validation", "id: Validation"),
			[]string{`18:9: criterion 1: id "Validation" must start with a lowercase letter and hold only lowercase letters, digits and _`}},
		{"criterion id twice", editDefault(t, "id: exploration", "id: validation"),
			[]string{`95:9: criterion "validation" appears twice (first at line 18)`}},
		{"reserved criterion id", editDefault(t, "id: exploration", "id: overall"),
			[]string{`95:9: criterion 3: "overall" is reserved for the weighted total; choose another id`}},
		{"empty name", editDefault(t, "name: Exploration", `name: ""`),
			[]string{`96:11: criterion "exploration" has no name`}},
		{"no question", editDefault(t, "    question: Does the response invite the client to say more about the rupture?\n", ""),
			[]string{`95:5: criterion "exploration" has no question`}},
		{"question left blank", editDefault(t, "question: Does the response invite the client to say more about the rupture?", "question:"),
			[]string{`97:5: criterion "exploration" has no question`}},
		{"no weight", editDefault(t, "    weight: 0.2\n", ""),
			[]string{`95:5: criterion "exploration" has no weight (0 leaves it out of the overall)`}},
		{"negative weight", editDefault(t, "weight: 0.2", "weight: -0.2"),
			[]string{`98:13: criterion "exploration": weight must be a number of 0 or more, not -0.2`}},
		{"NaN weight", editDefault(t, "weight: 0.2", "weight: .nan"),
			[]string{`98:13: criterion "exploration": weight must be a number of 0 or more, not .nan`}},
		{"infinite weight", editDefault(t, "weight: 0.2", "weight: .inf"),
			[]string{`98:13: criterion "exploration": weight must be a number of 0 or more, not .inf`}},
		{"weights add up to zero", strings.NewReplacer("weight: 0.4", "weight: 0", "weight: 0.2", "weight: 0").Replace(string(defaultRubricYAML)),
			[]string{"17:1: the weights add up to 0; give at least one criterion a weight above 0"}},
		{"weights too large", strings.NewReplacer("weight: 0.4", "weight: 1e308", "weight: 0.2", "weight: 1e308").Replace(string(defaultRubricYAML)),
			[]string{"17:1: the weights add up to more than a number can hold; use smaller ones"}},

		// Levels.
		{"a level missing", editDefault(t, deeply, ""),
			[]string{`22:5: criterion "validation" needs 5 levels, one for each score from 0 to 4; it has 4`}},
		{"a level too many", editDefault(t, "max: 4", "max: 3"),
			[]string{
				`22:5: criterion "validation" needs 4 levels, one for each score from 0 to 3; it has 5`,
				`59:5: criterion "non_defensiveness" needs 4 levels, one for each score from 0 to 3; it has 5`,
				`99:5: criterion "exploration" needs 4 levels, one for each score from 0 to 3; it has 5`,
			}},
		{"levels left empty", cutDefault(t, "    levels:", "    levels:\n"),
			[]string{`99:5: criterion "exploration" has no levels`}},
		{"wrong level score", editDefault(t, "      - score: 3\n", "      - score: 2\n"),
			[]string{`41:16: criterion "validation": the fourth level should have score 3, not 2`}},
		{"level without score", editDefault(t, "      - score: 3\n        name: validates", "      - name: validates"),
			[]string{`41:9: criterion "validation": the fourth level has no score (it should be 3)`}},
		{"empty anchor", editDefault(t, validates, "      - score: 3\n        name: validates\n        anchor: \"\"\n"),
			[]string{`43:17: criterion "validation": level 3 has no anchor`}},
		{"no anchor", editDefault(t, validates, "      - score: 3\n        name: validates\n"),
			[]string{`41:9: criterion "validation": level 3 has no anchor`}},
		{"anchor left blank", editDefault(t, validates, "      - score: 3\n        name: validates\n        anchor:\n"),
			[]string{`43:9: criterion "validation": level 3 has no anchor`}},

		// One mistake does not hide the next, and they come in file order.
		{"several", strings.NewReplacer("version: 1", "version: 0", "weight: 0.2", "weight: -1", "name: token", "name: token\n        anchor2: x").Replace(string(defaultRubricYAML)),
			[]string{
				"14:10: version must be a whole number of 1 or more, not 0",
				`30:9: criterion "validation": level 1: unknown field "anchor2" (did you mean "anchor"?)`,
				`99:13: criterion "exploration": weight must be a number of 0 or more, not -1`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, problems := CheckRubric([]byte(tt.src))
			got := make([]string, len(problems))
			for i, p := range problems {
				got[i] = p.String()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if r != nil {
				t.Errorf("CheckRubric returned a rubric with problems")
			}
		})
	}
}

// ParseRubric's error lists every problem, and hands them back to errors.As.
func TestParseRubricError(t *testing.T) {
	src := strings.NewReplacer("version: 1", "version: 0", "weight: 0.2", "weight: -1").Replace(string(defaultRubricYAML))
	_, err := ParseRubric([]byte(src))
	var problems Problems
	if !errors.As(err, &problems) || len(problems) != 2 {
		t.Fatalf("ParseRubric error = %v, want the two problems", err)
	}
	want := "check rubric: 14:10: version must be a whole number of 1 or more, not 0\n" +
		`98:13: criterion "exploration": weight must be a number of 0 or more, not -1`
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// A program may add criteria of its own. The offline grader cannot read
// for them, so it leaves them unscored, and the overall is the weighted
// mean of the criteria it did score.
func TestRubricWithExtraCriterion(t *testing.T) {
	src := string(defaultRubricYAML) + `
  - id: cultural_humility
    name: Cultural humility
    question: Does the response stay curious about the client's culture?
    weight: 0.5
    levels:
      - {score: 0, anchor: Assumes.}
      - {score: 1, anchor: Mentions culture in passing.}
      - {score: 2, anchor: Acknowledges a difference.}
      - {score: 3, anchor: Asks about it.}
      - {score: 4, anchor: "Asks, and owns the therapist's own lens."}
`
	r, problems := CheckRubric([]byte(src))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(r.Criteria) != 4 {
		t.Fatalf("criteria = %d, want 4", len(r.Criteria))
	}
	res, err := NewLexicon(r).Grade(context.Background(), Input{
		Client:   "You were late again.",
		Response: "I was late, and that's on me. What was the wait like for you?",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Scores["cultural_humility"]; ok || len(res.Scores) != 3 {
		t.Fatalf("scores = %v, want the three built-in criteria only", res.Int())
	}
	if len(res.Unscored) != 1 || res.Unscored[0] != "cultural_humility" {
		t.Errorf("unscored = %v, want the program's own criterion", res.Unscored)
	}
	// The mean over the scored criteria, by their weights (0.4, 0.4, 0.2
	// of a 0–4 scale); the unscored criterion's 0.5 counts for nothing.
	var sum float64
	for id, w := range map[string]float64{Validation: 0.4, NonDefensiveness: 0.4, Exploration: 0.2} {
		sum += w * float64(res.Scores[id].Score) / 4
	}
	if want := int(math.Round(100 * sum)); res.Overall != want {
		t.Errorf("overall = %d, want %d (scores %v)", res.Overall, want, res.Int())
	}
}

// FuzzCheckRubric checks that no input makes CheckRubric panic or hang,
// that it returns a rubric exactly when it finds no problems, that every
// problem has a place, and that a rubric it accepts is one the graders can
// use.
func FuzzCheckRubric(f *testing.F) {
	f.Add(defaultRubricYAML)
	f.Add([]byte(""))
	f.Add([]byte("id: [\n"))
	f.Add([]byte("id: x\nversion: 1\nmin: 0\nmax: 1\ncriteria: [{id: a, name: A, question: Q, weight: 1, levels: [{score: 0, anchor: a}, {score: 1, anchor: b}]}]\n"))
	f.Add([]byte(strings.Replace(string(defaultRubricYAML), "weight: 0.2", "weight: .nan", 1)))
	f.Fuzz(func(t *testing.T, src []byte) {
		// The fuzzer has no per-input deadline; panic with the input so a
		// hang is saved as a failing case rather than stalling the run.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("CheckRubric took over 10s on %q", src))
			}
		}()
		r, problems := CheckRubric(src)
		if (r == nil) == (len(problems) == 0) {
			t.Fatalf("CheckRubric returned a rubric %v with %d problems", r != nil, len(problems))
		}
		for _, p := range problems {
			if p.Line < 1 || p.Col < 1 || p.Message == "" {
				t.Fatalf("problem without a place or message: %+v", p)
			}
		}
		if r == nil {
			return
		}
		if r.ID == "" || r.Version < 1 || r.Max <= r.Min || len(r.Criteria) == 0 {
			t.Fatalf("accepted an unusable rubric: %+v", r)
		}
		total := 0.0
		for _, c := range r.Criteria {
			if len(c.Levels) != r.Max-r.Min+1 || c.Weight < 0 || math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) {
				t.Fatalf("accepted an unusable criterion: %+v", c)
			}
			total += c.Weight
		}
		if total <= 0 {
			t.Fatalf("accepted weights adding up to %v", total)
		}
	})
}
