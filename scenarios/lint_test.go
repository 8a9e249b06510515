package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/scenarios"
)

// annotated is base with what lint asks for beyond validation: markers on
// every line, an ordinary one among them, and tests reaching both endings.
var annotated = strings.NewReplacer(
	"    direction: Angry.\n", "    direction: Angry.\n    marker: {type: confrontation, subtype: complaint-about-therapist}\n",
	"    direction: Softening.\n", "    direction: Softening.\n    marker: none\n",
	"    client: [Thanks.]\n", "    client: [Thanks.]\n    marker: none\n",
	"    client: [Whatever.]\n", "    client: [Whatever.]\n    marker: {type: withdrawal, subtype: minimal-response}\n",
).Replace(base) + `tests:
  - name: repair
    responses: [I was late. What was it like?, Tell me more.]
    ending: repaired
  - name: no repair
    responses: [It was only five minutes.]
    ending: unrepaired
`

func lint(t *testing.T, src string) []string {
	t.Helper()
	s, problems := scenarios.Parse("tiny.yaml", []byte(src), scale())
	if len(problems) > 0 {
		t.Fatalf("the scenario does not validate: %v", problems)
	}
	var got []string
	for _, p := range scenarios.Lint(s, scale()) {
		got = append(got, strings.TrimPrefix(p.String(), "tiny.yaml:"))
	}
	return got
}

func TestLintCleanScenario(t *testing.T) {
	if got := lint(t, annotated); len(got) > 0 {
		t.Errorf("findings in a scenario that should lint clean:\n  %s", strings.Join(got, "\n  "))
	}
}

func TestLintFindings(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		old, new string
		// also and with make a second replacement.
		also, with string
		want       []string
	}{
		{name: "no markers and no tests", src: base, want: []string{
			"1:1: warning: no client line is marked as ordinary (marker: none); recognition practice needs lines that are not ruptures to tell the ruptures apart from",
			"1:1: warning: the scenario has no tests; add a tests section with responses that reach repaired and unrepaired",
			"19:3: warning: stage \"opening\" has no marker: say whether its lines show a rupture (marker: none, or its type and subtype), so that flags on them can be scored",
			"30:3: warning: stage \"calmer\" has no marker: say whether its lines show a rupture (marker: none, or its type and subtype), so that flags on them can be scored",
			"42:3: warning: ending \"repaired\" has no marker: say whether its lines show a rupture, for recognition practice",
			"44:3: warning: ending \"unrepaired\" has no marker: say whether its lines show a rupture, for recognition practice",
		}},
		{name: "a transition the one before it shadows",
			old: "        to: repaired\n", new: "        to: repaired\n      - when: {exploration: \">=4\"}\n        to: opening\n",
			want: []string{"43:13: warning: stage \"calmer\": the transition to \"opening\" can never be taken; the transitions before it catch every score it allows"}},
		{name: "a stage reached only through a shadowed transition",
			old: "        to: calmer\n", new: "        to: calmer\n      - when: {validation: \">=4\", non_defensiveness: \">=4\"}\n        to: extra\n",
			also: "endings:", with: "  extra:\n    client: [Hm., Right.]\n    direction: Unsure.\n    marker: none\n    exemplars: [Go on.]\n    transitions:\n      - to: repaired\nendings:",
			want: []string{
				"31:13: warning: stage \"opening\": the transition to \"extra\" can never be taken; the transitions before it catch every score it allows",
				"45:3: warning: stage \"extra\" is never reached: the transitions to it can never be taken",
			}},
		{name: "a condition that always holds",
			old: `{exploration: ">=3"}`, new: `{exploration: ">=3", validation: ">=0"}`,
			want: []string{"40:48: warning: stage \"calmer\": validation >= 0 always holds; leave it out"}},
		{name: "no path to repaired",
			old: "        to: repaired\n", new: "        to: opening\n",
			want: []string{
				"19:3: error: no path from the opening reaches repaired: the trainee cannot repair this rupture",
				"31:3: warning: stage \"calmer\" has no path to repaired: once here, the trainee cannot repair the rupture",
			}},
		{name: "max_turns too low for repair",
			old: "max_turns: 4", new: "max_turns: 1",
			want: []string{
				"19:3: error: repaired takes at least 2 responses, but max_turns is 1",
				"31:3: warning: stage \"calmer\" has no way out before max_turns: reached after 1 response at the earliest, it is 1 from any ending and only 0 remain, so running out of turns is the only exit",
			}},
		{name: "an opening that does not branch",
			old: "      - to: unrepaired\n  calmer:", new: "      - to: calmer\n  calmer:",
			want: []string{"19:3: warning: stage \"opening\": the opening leads to \"calmer\" whatever the trainee says; a scenario should branch on the response"}},
		{name: "overall thresholds are simulated at their edges",
			old: `{exploration: ">=3"}`, new: "{overall: \">=60\"}\n        to: repaired\n      - when: {overall: \">=70\"}",
			want: []string{"43:13: warning: stage \"calmer\": the transition to \"repaired\" can never be taken; the transitions before it catch every score it allows"}},
		{name: "tests that reach only one ending",
			old: "    ending: unrepaired\n", new: "    ending: repaired\n",
			want: []string{"51:5: warning: no test ends unrepaired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if src == "" {
				src = annotated
			}
			if tt.old != "" {
				if !strings.Contains(src, tt.old) {
					t.Fatalf("the scenario lacks %q", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			src = strings.Replace(src, tt.also, tt.with, 1)
			got := lint(t, src)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// A stage testing many criteria at once is not simulated score by score:
// lint says so instead of tying up the server.
func TestLintBoundsTheSimulation(t *testing.T) {
	sc := scale()
	var when []string
	for i := range 9 {
		name := fmt.Sprintf("c%d", i)
		sc[name] = [2]int{0, 4}
		when = append(when, name+`: ">=2"`)
	}
	src := strings.Replace(annotated, `{exploration: ">=3"}`, "{"+strings.Join(when, ", ")+"}", 1)
	s, problems := scenarios.Parse("tiny.yaml", []byte(src), sc)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	found := scenarios.Lint(s, sc)
	if len(found) != 1 || !strings.Contains(found[0].Message, "too many criteria to simulate") {
		t.Errorf("findings = %v", found)
	}
}
