package scenarios_test

import (
	"strings"
	"testing"

	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func scale() scenarios.Scale { return grading.DefaultRubric().Scale() }

// base is a small valid scenario. Each case below changes one thing in it;
// line numbers in the expectations count from the "id:" line as 1.
const base = `id: tiny
title: Tiny
version: 1
difficulty: beginner
summary: A small scenario for tests.
rupture:
  type: confrontation
  marker: complaint about the therapist
  trigger: The therapist was late.
persona:
  name: Sam
  age: 30
  pronouns: they/them
  background: Nurse.
  presenting_concern: Stress.
  speaking_style: Blunt.
max_turns: 4
stages:
  opening:
    client:
      - You were late.
      - Late again.
    direction: Angry.
    exemplars:
      - I was late, and you waited. What was that like?
    transitions:
      - when: {validation: ">=3", non_defensiveness: ">=3"}
        to: calmer
      - to: unrepaired
  calmer:
    client:
      - Okay.
      - Fine, thanks.
    direction: Softening.
    exemplars:
      - Thank you for telling me.
    transitions:
      - when: {exploration: ">=3"}
        to: repaired
      - to: unrepaired
endings:
  repaired:
    client: [Thanks.]
  unrepaired:
    client: [Whatever.]
`

func TestParseValid(t *testing.T) {
	s, problems := scenarios.Parse("tiny.yaml", []byte(base), scale())
	if len(problems) > 0 {
		t.Fatalf("problems in a valid scenario: %v", problems)
	}
	if s.ID != "tiny" || s.Start().ID != "opening" || len(s.Stages) != 2 {
		t.Fatalf("parsed %q starting at %q with %d stages", s.ID, s.Start().ID, len(s.Stages))
	}
	if got := s.Persona.Age; got != 30 {
		t.Errorf("persona age = %d, want 30", got)
	}
	want := []scenarios.Condition{
		{Criterion: "validation", Op: ">=", Value: 3, Pos: scenarios.Pos{Line: 27, Col: 28}},
		{Criterion: "non_defensiveness", Op: ">=", Value: 3, Pos: scenarios.Pos{Line: 27, Col: 54}},
	}
	got := s.Stage("opening").Transitions[0].When
	if len(got) != len(want) {
		t.Fatalf("conditions = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("condition %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replace old with new in base; old "" appends new
		want     []string
	}{
		{"unknown top-level field", "max_turns: 4", "max_turns: 4\nmax_turn: 3",
			[]string{"18:1: scenario: unknown field \"max_turn\" (did you mean \"max_turns\"?)"}},
		{"unknown stage field", "    direction: Angry.", "    directions: Angry.",
			[]string{"23:5: stage \"opening\": unknown field \"directions\" (did you mean \"direction\"?)",
				"19:3: stage \"opening\": missing field \"direction\""}},
		{"missing top-level field", "summary: A small scenario for tests.\n", "",
			[]string{"1:1: scenario: missing field \"summary\""}},
		{"missing persona field", "  pronouns: they/them\n", "",
			[]string{"10:1: persona: missing field \"pronouns\""}},
		{"duplicate field", "title: Tiny", "title: Tiny\ntitle: Tinier",
			[]string{"3:1: YAML syntax: \"title\" appears twice (first at line 2)"}},
		{"duplicate stage id", "  calmer:", "  opening:",
			[]string{"30:3: YAML syntax: \"opening\" appears twice (first at line 19)"}},
		{"bad difficulty", "difficulty: beginner", "difficulty: easy",
			[]string{"4:13: difficulty must be \"beginner\", \"intermediate\" or \"advanced\", not \"easy\""}},
		{"bad rupture type", "type: confrontation", "type: anger",
			[]string{"7:9: rupture type must be \"withdrawal\" or \"confrontation\", not \"anger\""}},
		{"version not a number", "version: 1", "version: one",
			[]string{"3:10: version must be a whole number, not \"one\""}},
		{"age out of range", "age: 30", "age: 300",
			[]string{"12:8: persona age must be between 5 and 120, not 300"}},
		{"bad id", "id: tiny", "id: Tiny Scenario",
			[]string{"1:5: id \"Tiny Scenario\" must be lowercase letters, digits and hyphens"}},
		{"one client wording", "      - Late again.\n", "",
			[]string{"21:7: stage \"opening\" client needs at least 2 items, has 1"}},
		{"client is text", "    client:\n      - Okay.\n      - Fine, thanks.", "    client: Okay.",
			[]string{"31:13: stage \"calmer\" client must be a list (lines starting with \"- \"), not \"Okay.\""}},
		{"empty exemplars", "    exemplars:\n      - Thank you for telling me.", "    exemplars: []",
			[]string{"35:16: stage \"calmer\" exemplars needs at least 1 item, has 0"}},
		{"bad threshold", `{exploration: ">=3"}`, `{exploration: "high"}`,
			[]string{"38:29: exploration: bad threshold \"high\"; write a comparison such as \">=3\", \"<=1\", \"==2\" or a number"}},
		{"threshold never holds", `{exploration: ">=3"}`, `{exploration: ">4"}`,
			[]string{"38:29: exploration: \">4\" can never hold; exploration scores run from 0 to 4"}},
		{"unknown criterion", `{exploration: ">=3"}`, `{empathy: ">=3"}`,
			[]string{"38:16: stage \"calmer\": unknown criterion \"empathy\"; the rubric has \"exploration\", \"non_defensiveness\", \"overall\" or \"validation\""}},
		{"misspelt criterion", `{exploration: ">=3"}`, `{exploraton: ">=3"}`,
			[]string{"38:16: stage \"calmer\": unknown criterion \"exploraton\"; the rubric has \"exploration\", \"non_defensiveness\", \"overall\" or \"validation\" (did you mean \"exploration\"?)"}},
		{"unknown target", "        to: calmer", "        to: calm",
			[]string{"28:13: stage \"opening\": transition to unknown stage \"calm\" (did you mean \"calmer\"?)"}},
		{"no default", "      - to: unrepaired\n  calmer:", "  calmer:",
			[]string{"26:5: stage \"opening\" needs a default transition: end the list with one that has only \"to\""}},
		{"default not last", "      - when: {exploration: \">=3\"}\n        to: repaired\n      - to: unrepaired",
			"      - to: unrepaired\n      - when: {exploration: \">=3\"}\n        to: repaired",
			[]string{"38:9: stage \"calmer\": the default transition (no \"when\") must come last; the ones after it could never be taken"}},
		{"two defaults", "      - to: unrepaired\n  calmer:", "      - to: unrepaired\n      - to: repaired\n  calmer:",
			[]string{"29:9: stage \"opening\": the default transition (no \"when\") must come last; the ones after it could never be taken",
				"30:9: stage \"opening\" has a second default transition (the first is at line 29)"}},
		{"unreachable stage", "        to: calmer", "        to: repaired",
			[]string{"30:3: stage \"calmer\" is unreachable: no transition from \"opening\" leads to it"}},
		{"stage named like an ending", "  calmer:", "  repaired:",
			[]string{"30:3: stage id \"repaired\" is the name of an ending; choose another",
				"28:13: stage \"opening\": transition to unknown stage \"calmer\""}},
		{"missing ending", "  unrepaired:\n    client: [Whatever.]\n", "",
			[]string{"41:1: endings: missing field \"unrepaired\""}},
		{"unquoted greater-than", `{exploration: ">=3"}`, "\n          exploration: >=3",
			[]string{"39:24: YAML syntax: invalid header option: \"=3\" (a threshold starting with \">\" must be quoted: \">=3\")"}},
		{"syntax error", "title: Tiny", "title: [Tiny",
			[]string{"3:1: YAML syntax: ',' or ']' must be specified"}},
		{"tab indentation", "  type: confrontation", "\ttype: confrontation",
			[]string{"7:1: a tab indents this line; YAML is indented with spaces"}},
		{"alias", "title: Tiny\nversion: 1\ndifficulty: beginner\nsummary: A small scenario for tests.",
			"title: &t Tiny\nversion: 1\ndifficulty: beginner\nsummary: *t",
			[]string{"5:10: aliases (*name) are not supported in scenarios; write the value out"}},
		{"unknown anchor", "    direction: Softening.", "    direction: *x",
			[]string{"34:16: aliases (*name) are not supported in scenarios; write the value out"}},
		{"empty text", "title: Tiny", `title: ""`,
			[]string{"2:8: title is empty"}},
		{"text that is a list", "title: Tiny", "title: [a, b]",
			[]string{"2:8: title must be text, not a list"}},
		{"key that is not a name", "title: Tiny", "title: Tiny\n? [a, b]\n: c",
			[]string{"4:1: YAML syntax: found an invalid key for this map"}},
		{"stage id with capitals", "  calmer:", "  Calmer:",
			[]string{"30:3: stage id \"Calmer\" must start with a letter and hold only lowercase letters, digits, _ and -",
				"28:13: stage \"opening\": transition to unknown stage \"calmer\" (did you mean \"Calmer\"?)"}},
		{"transitions not a list", "      - when: {exploration: \">=3\"}\n        to: repaired\n      - to: unrepaired", "      repaired",
			[]string{"38:7: stage \"calmer\" transitions must be a list with at least a default (a transition with only \"to\")"}},
		{"empty when", `{exploration: ">=3"}`, "{}",
			[]string{"38:15: stage \"calmer\": \"when\" is empty; leave it out to make the default transition"}},
		{"threshold too big", `{exploration: ">=3"}`, `{exploration: ">=99999999999999999999"}`,
			[]string{"38:29: exploration: threshold \">=99999999999999999999\" is out of range"}},
		{"overall threshold", `{exploration: ">=3"}`, `{overall: ">=75"}`,
			nil},
		{"second document", "", "---\nid: another\n",
			[]string{"47:1: a file holds one scenario; this is a second YAML document"}},
		{"marker subtype of the other type", "    direction: Angry.", "    direction: Angry.\n    marker: {type: confrontation, subtype: denial}",
			[]string{"24:44: stage \"opening\" marker: \"denial\" is not a confrontation marker; use one of \"complaint-about-therapist\", \"complaint-about-activities\", \"complaint-about-parameters\", \"complaint-about-progress\", \"rejecting-intervention\", \"pressuring-therapist\" or \"defending-self\""}},
		{"misspelt marker subtype", "    direction: Angry.", "    direction: Angry.\n    marker: {type: withdrawal, subtype: minimal-responses}",
			[]string{"24:41: stage \"opening\" marker: \"minimal-responses\" is not a withdrawal marker; use one of \"denial\", \"minimal-response\", \"abstract-talk\", \"avoidant-storytelling\", \"topic-shift\", \"deferential\", \"content-affect-split\" or \"self-criticism\" (did you mean \"minimal-response\"?)"}},
		{"marker as text", "    direction: Angry.", "    direction: Angry.\n    marker: angry",
			[]string{"24:13: stage \"opening\" marker must be none or a mapping with type and subtype, not \"angry\""}},
		{"marker without subtype", "    direction: Angry.", "    direction: Angry.\n    marker: {type: withdrawal}",
			[]string{"24:5: stage \"opening\" marker: missing field \"subtype\""}},
		{"ordinary ending", "    client: [Thanks.]", "    client: [Thanks.]\n    marker: none", nil},
		{"a passing test", "", "tests:\n  - name: repair\n    responses: [I was late. What was it like?, Tell me more.]\n    path: [calmer, repaired]\n    ending: repaired\n", nil},
		{"test path to an unknown stage", "", "tests:\n  - name: repair\n    responses: [I was late.]\n    path: [calm]\n",
			[]string{"49:12: test \"repair\": path step \"calm\" is not a stage or ending (did you mean \"calmer\"?)"}},
		{"test path longer than its responses", "", "tests:\n  - name: repair\n    responses: [I was late.]\n    path: [calmer, repaired]\n",
			[]string{"49:11: test \"repair\": the path has 2 steps but there is only 1 response; each response takes one step"}},
		{"test path ending early", "", "tests:\n  - name: repair\n    responses: [I was late., Sorry.]\n    path: [repaired]\n",
			[]string{"49:11: test \"repair\": the path ends repaired after 1 response, but the test has 2"}},
		{"test path and ending disagree", "", "tests:\n  - name: repair\n    responses: [I was late., Sorry.]\n    path: [calmer, repaired]\n    ending: unrepaired\n",
			[]string{"50:13: test \"repair\": the path ends repaired, not unrepaired"}},
		{"test without an expectation", "", "tests:\n  - name: repair\n    responses: [I was late.]\n",
			[]string{"47:5: test \"repair\": say where the responses lead, with path, ending or both"}},
		{"two tests with one name", "", "tests:\n  - name: repair\n    responses: [I was late.]\n    ending: repaired\n  - name: repair\n    responses: [Hi.]\n    ending: unrepaired\n",
			[]string{"50:11: test \"repair\": another test has this name (line 47)"}},
		{"not a mapping", "id: tiny\n", "- id: tiny\n",
			[]string{"2:1: YAML syntax: value is not allowed in this context"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := base
			if tt.old == "" {
				src += tt.new
			} else {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("base lacks %q", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			s, problems := scenarios.Parse("tiny.yaml", []byte(src), scale())
			if (s != nil) != (len(tt.want) == 0) {
				t.Errorf("Parse returned scenario %v with %d problems", s != nil, len(problems))
			}
			var got []string
			for _, p := range problems {
				if p.File != "tiny.yaml" {
					t.Errorf("problem file = %q", p.File)
				}
				got = append(got, strings.TrimPrefix(p.String(), "tiny.yaml:"))
			}
			for _, w := range tt.want {
				if !containsString(got, w) {
					t.Errorf("missing problem\n  %s\ngot\n  %s", w, strings.Join(got, "\n  "))
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n  %s", len(got), len(tt.want), strings.Join(got, "\n  "))
			}
		})
	}
}

func TestParseLoopWithoutEnding(t *testing.T) {
	// opening and calmer lead only to each other.
	src := strings.Replace(base, "      - to: unrepaired\n  calmer:", "      - to: calmer\n  calmer:", 1)
	src = strings.Replace(src, "        to: repaired\n      - to: unrepaired", "        to: opening\n      - to: calmer", 1)
	_, problems := scenarios.Parse("tiny.yaml", []byte(src), scale())
	want := []string{
		"tiny.yaml:19:3: stage \"opening\" cannot reach an ending: every path from it loops among stages",
		"tiny.yaml:30:3: stage \"calmer\" cannot reach an ending: every path from it loops among stages",
	}
	if len(problems) != len(want) {
		t.Fatalf("problems = %v, want %v", problems, want)
	}
	for i := range want {
		if problems[i].String() != want[i] {
			t.Errorf("problem %d = %s, want %s", i, problems[i], want[i])
		}
	}
}

func TestParseEdgeCases(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "1:1: the file is empty"},
		{"only a comment", "# nothing here\n", "1:1: the file is empty"},
		{"a list", "- a\n- b\n", "1:1: scenario must be a mapping of fields, not a list"},
		{"a scalar", "hello\n", "1:1: scenario must be a mapping of fields, not \"hello\""},
		{"nested too deep", "a: " + strings.Repeat("[", 100), "1:68: YAML syntax: nested more than 64 levels deep"},
		// An apostrophe in plain text does not hide the brackets after it.
		{"nested too deep after an apostrophe", "note: it's\nx: " + strings.Repeat("[", 60000), "2:68: YAML syntax: nested more than 64 levels deep"},
		{"dashes too deep", strings.Repeat("- ", 100) + "x", "1:129: YAML syntax: nested more than 64 levels deep"},
		{"no stages", strings.Replace(base, base[strings.Index(base, "stages:"):strings.Index(base, "endings:")], "stages: {}\n", 1), "18:9: stages: a scenario needs at least one stage"},
		{"too large", "id: x\n" + strings.Repeat("#", scenarios.MaxFileSize), "1:1: the file is larger than 64 KiB; a scenario is a few KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := scenarios.Parse("x.yaml", []byte(tt.src), scale())
			if len(problems) == 0 || strings.TrimPrefix(problems[0].String(), "x.yaml:") != tt.want {
				t.Errorf("problems = %v, want first %q", problems, tt.want)
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
