package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// extraCriterion is a criterion of a program's own, which the offline
// grader cannot score.
const extraCriterion = `  - id: self_disclosure
    name: Self-disclosure
    question: Does the therapist share their own reaction, briefly and for the client's sake?
    weight: 0.2
    levels:
      - {score: 0, name: none, anchor: Says nothing of their own reaction.}
      - {score: 1, name: off, anchor: Shares a reaction that moves the focus to the therapist.}
      - {score: 2, name: brief, anchor: Names a reaction in passing.}
      - {score: 3, name: useful, anchor: Shares a reaction that helps the client feel met.}
      - {score: 4, name: deepening, anchor: Shares a reaction that opens the relationship up to talk about.}
`

// rubricV2 is the built-in rubric at version 2, with validation weighed
// more and a criterion of the program's own.
func rubricV2(t *testing.T) string {
	src := string(grading.DefaultRubricSource())
	for _, r := range [][2]string{{"version: 1", "version: 2"}, {"weight: 0.4", "weight: 0.6"}} {
		if !strings.Contains(src, r[0]) {
			t.Fatalf("the default rubric lacks %q", r[0])
		}
		src = strings.Replace(src, r[0], r[1], 1)
	}
	return src + extraCriterion
}

func TestRubricVersions(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	tess := ts.user(t, "tess", "trainee", "c1")
	var r grading.Rubric
	if st := tess.do(http.MethodGet, "/api/rubric", nil, &r); st != http.StatusOK || r.Version != 1 {
		t.Fatalf("rubric: %d version %d", st, r.Version)
	}
	st, _, src := ts.getRaw(t, sup.token, "/api/rubric/source")
	if st != http.StatusOK || string(src) != string(grading.DefaultRubricSource()) {
		t.Fatalf("source: %d", st)
	}
	if st, _, _ := ts.getRaw(t, tess.token, "/api/rubric/source"); st != http.StatusForbidden {
		t.Errorf("a trainee reads the rubric source: %d", st)
	}
	before := tess.startSession("late-again", "practice")

	v2 := rubricV2(t)
	if st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/rubric/validate", v2); st != http.StatusOK || out["valid"] != true {
		t.Fatalf("validate v2: %d %v", st, out)
	}
	if st, _ := ts.sendYAML(t, tess.token, http.MethodPut, "/api/rubric", v2); st != http.StatusForbidden {
		t.Errorf("a trainee saves the rubric: %d", st)
	}
	if st, out := ts.sendYAML(t, sup.token, http.MethodPut, "/api/rubric", v2); st != http.StatusOK {
		t.Fatalf("save v2: %d %v", st, out)
	}
	if st, _ := ts.sendYAML(t, sup.token, http.MethodPut, "/api/rubric", v2); st != http.StatusConflict {
		t.Errorf("saving version 2 twice: %d", st)
	}
	if st := tess.do(http.MethodGet, "/api/rubric", nil, &r); st != http.StatusOK || r.Version != 2 || len(r.Criteria) != 4 {
		t.Fatalf("after saving: version %d with %d criteria", r.Version, len(r.Criteria))
	}
	if st := tess.do(http.MethodGet, "/api/rubric?version=1", nil, &r); st != http.StatusOK || r.Version != 1 {
		t.Errorf("version 1: %d %d", st, r.Version)
	}

	// A session started before goes on with version 1; one started now
	// is scored on version 2, without the criterion the offline grader
	// cannot score, and its overall weighs validation more.
	after := tess.startSession("late-again", "practice")
	answer := "I hear you."
	overall := map[string]int{}
	for name, id := range map[string]string{"before": before, "after": after} {
		tess.answerFirst(id, answer)
		var view struct {
			RubricVersion int `json:"rubric_version"`
			Turns         []struct {
				Scores  map[string]grading.Score `json:"scores"`
				Overall *int                     `json:"overall"`
			} `json:"turns"`
		}
		tess.do(http.MethodGet, "/api/sessions/"+id, nil, &view)
		want := map[string]int{"before": 1, "after": 2}[name]
		if view.RubricVersion != want {
			t.Errorf("%s: rubric version %d, want %d", name, view.RubricVersion, want)
		}
		if _, ok := view.Turns[1].Scores["self_disclosure"]; ok {
			t.Errorf("%s: the offline grader scored a criterion it cannot", name)
		}
		overall[name] = *view.Turns[1].Overall
		var cards []engine.Feedback
		tess.do(http.MethodGet, "/api/sessions/"+id+"/feedback", nil, &cards)
		said := len(cards) == 1 && strings.Contains(strings.Join(cards[0].Notes, "\n"), "Self-disclosure: not scored; the offline grader cannot score it")
		if said != (name == "after") {
			t.Errorf("%s: feedback notes %v; the unscored criterion should be named under version 2 only", name, cards)
		}
	}
	rubric1, rubric2 := grading.DefaultRubric(), grading.DefaultRubric()
	rubric2.Criteria[0].Weight = 0.6
	res, _ := grading.NewLexicon(rubric1).Grade(t.Context(), grading.Input{Client: "x", Response: answer})
	if overall["before"] != rubric1.WeightedOverall(res.Scores) || overall["after"] != rubric2.WeightedOverall(res.Scores) || overall["before"] == overall["after"] {
		t.Errorf("overall before %d, after %d; want %d and %d", overall["before"], overall["after"], rubric1.WeightedOverall(res.Scores), rubric2.WeightedOverall(res.Scores))
	}

	// The versions survive a restart.
	again, err := New(Config{Store: ts.store, Catalog: ts.cfg.Catalog, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Shutdown(t.Context())
	if got := again.Rubric().Version; got != 2 {
		t.Errorf("after a restart the rubric in force is version %d", got)
	}
}

func TestRubricThatBreaksScenarios(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	v2 := strings.Replace(string(grading.DefaultRubricSource()), "version: 1", "version: 2", 1)
	// Rename exploration: scenarios branch on it.
	v2 = strings.Replace(v2, "id: exploration", "id: inquiry", 1)
	st, out := ts.sendYAML(t, sup.token, http.MethodPut, "/api/rubric", v2)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("saving a rubric without exploration: %d %v", st, out)
	}
	found := false
	for _, p := range out["problems"].([]any) {
		msg := p.(map[string]any)["message"].(string)
		found = found || strings.Contains(msg, "exploration")
	}
	if !found {
		t.Errorf("no problem names the missing criterion: %v", out["problems"])
	}
	var r grading.Rubric
	sup.do(http.MethodGet, "/api/rubric", nil, &r)
	if r.Version != 1 {
		t.Errorf("the broken rubric came into force: version %d", r.Version)
	}
}

// A broken rubric's problems come back at their line, as a scenario's do.
func TestRubricProblemsAtTheirLine(t *testing.T) {
	ts := newTestServer(t)
	sup := ts.user(t, "sam", "supervisor", "c1")
	src := strings.Replace(string(grading.DefaultRubricSource()), "version: 1", "version: 2", 1)
	src = strings.Replace(src, "weight: 0.4", "weight: heavy", 1)
	line := 1 + strings.Count(src[:strings.Index(src, "weight: heavy")], "\n")
	st, out := ts.sendYAML(t, sup.token, http.MethodPost, "/api/rubric/validate", src)
	if st != http.StatusOK || out["valid"] != false {
		t.Fatalf("validate: %d %v", st, out)
	}
	ps := out["problems"].([]any)
	if len(ps) == 0 || num(ps[0].(map[string]any)["line"]) != line {
		t.Errorf("problems %v, want one at line %d", ps, line)
	}
	if st, _ := ts.sendYAML(t, sup.token, http.MethodPut, "/api/rubric", src); st != http.StatusUnprocessableEntity {
		t.Errorf("saving a broken rubric: %d", st)
	}
}

// A rubric's problems name only the scenarios the supervisor may see;
// another cohort's are counted.
func TestRubricBreaksKeepOtherCohortsPrivate(t *testing.T) {
	ts := newTestServer(t)
	sam := ts.user(t, "sam", "supervisor", "c1")
	sue := ts.user(t, "sue", "supervisor", "c2")
	// just-the-facts branches on exploration, which the rubric below drops.
	own := strings.Replace(librarySource(t, "just-the-facts"), "id: just-the-facts", "id: own-one", 1)
	if st, out := ts.sendYAML(t, sam.token, http.MethodPut, "/api/scenarios/own-one?share=cohort", own); st != http.StatusOK {
		t.Fatalf("save: %d %v", st, out)
	}
	v2 := strings.Replace(string(grading.DefaultRubricSource()), "version: 1", "version: 2", 1)
	v2 = strings.Replace(v2, "id: exploration", "id: inquiry", 1)
	_, out := ts.sendYAML(t, sue.token, http.MethodPost, "/api/rubric/validate", v2)
	all := fmt.Sprint(out["problems"])
	if strings.Contains(all, "own-one") || !strings.Contains(all, "1 scenario version kept to other cohorts") || !strings.Contains(all, "just-the-facts") {
		t.Errorf("sue's problems: %s", all)
	}
	_, out = ts.sendYAML(t, sam.token, http.MethodPost, "/api/rubric/validate", v2)
	if all := fmt.Sprint(out["problems"]); !strings.Contains(all, "own-one") || strings.Contains(all, "other cohorts") {
		t.Errorf("sam's problems: %s", all)
	}
}
