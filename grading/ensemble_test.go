package grading

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// fixedGrader returns the same result, or error, for every response.
type fixedGrader struct {
	name  string
	res   Result
	err   error
	calls int
}

func (g *fixedGrader) Name() string { return g.name }

func (g *fixedGrader) Grade(context.Context, Input) (Result, error) {
	g.calls++
	if g.err != nil {
		return Result{}, g.err
	}
	res := g.res
	res.Grader = g.name
	return res, nil
}

func score(n int, rationale string, evidence ...string) Score {
	if evidence == nil {
		evidence = []string{}
	}
	return Score{Score: n, Evidence: evidence, Rationale: rationale}
}

func TestEnsembleCombinesScores(t *testing.T) {
	r := DefaultRubric()
	r.Criteria = append(r.Criteria, Criterion{ID: "cultural_humility", Weight: 0.5, Levels: r.Criteria[0].Levels})
	r.Criteria = append(r.Criteria, Criterion{ID: "pacing", Weight: 0.5, Levels: r.Criteria[0].Levels})
	offline := &fixedGrader{name: "lexicon", res: Result{
		Scores: map[string]Score{
			Validation:       score(1, "Offline on validation.", "I hear you"),
			NonDefensiveness: score(2, "Offline on openness.", "that's on me"),
			Exploration:      score(0, "Offline on exploration."),
		},
		Unscored: []string{"cultural_humility", "pacing"},
	}}
	judge := &fixedGrader{name: "llm", res: Result{Scores: map[string]Score{
		Validation:          score(3, "Judge on validation.", "Of course you're angry", "I hear you"),
		NonDefensiveness:    score(3, "Judge on openness.", "I was late"),
		Exploration:         score(3, "Judge on exploration.", "What was that like?"),
		"cultural_humility": score(2, "Judge on culture."),
	}}}
	res, err := NewEnsemble(offline, judge, r).Grade(context.Background(), lateInput)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id        string
		want      Score
		rationale string // a prefix, then the note if any
		note      string
	}{
		// 1 and 3: the mean, with the disagreement said.
		{Validation, score(2, "", "Of course you're angry", "I hear you"), "Judge on validation.", "The offline grader gave 1 and the LLM judge 3; this score is their mean."},
		// 2 and 3: between levels, the lower, and the rationale of the
		// grader that gave it.
		{NonDefensiveness, score(2, "", "that's on me", "I was late"), "Offline on openness.", ""},
		// 0 and 3: the mean 1.5, rounded down.
		{Exploration, score(1, "", "What was that like?"), "Judge on exploration.", "The offline grader gave 0 and the LLM judge 3; this score is their mean, rounded down."},
		// Only the judge can score a program's own criterion.
		{"cultural_humility", score(2, ""), "Judge on culture.", ""},
	}
	for _, tt := range tests {
		got, ok := res.Scores[tt.id]
		if !ok || got.Score != tt.want.Score || strings.Join(got.Evidence, "|") != strings.Join(tt.want.Evidence, "|") {
			t.Errorf("%s = %+v, want score %d, evidence %q", tt.id, got, tt.want.Score, tt.want.Evidence)
		}
		wantRationale := strings.TrimSpace(tt.rationale + " " + tt.note)
		if got.Rationale != wantRationale {
			t.Errorf("%s rationale = %q, want %q", tt.id, got.Rationale, wantRationale)
		}
	}
	if res.Grader != "ensemble" || res.Fallback != "" {
		t.Errorf("grader %q, fallback %q", res.Grader, res.Fallback)
	}
	if len(res.Unscored) != 1 || res.Unscored[0] != "pacing" {
		t.Errorf("unscored = %v, want the criterion neither grader scored", res.Unscored)
	}
	if res.Overall != r.WeightedOverall(res.Scores) {
		t.Errorf("overall = %d, want %d", res.Overall, r.WeightedOverall(res.Scores))
	}
}

func TestCombineScores(t *testing.T) {
	tests := []struct {
		off, judge, want int
		note             bool
	}{
		{3, 3, 3, false},
		{2, 3, 2, false},
		{3, 2, 2, false},
		{1, 3, 2, true},
		{4, 2, 3, true},
		{0, 4, 2, true},
		{4, 1, 2, true},
	}
	for _, tt := range tests {
		got := combineScores(score(tt.off, "Off."), score(tt.judge, "Judge."))
		if got.Score != tt.want || strings.Contains(got.Rationale, "The offline grader gave") != tt.note {
			t.Errorf("combine(%d, %d) = %+v, want %d (note %v)", tt.off, tt.judge, got, tt.want, tt.note)
		}
	}
}

func TestEnsembleFallsBackWhenTheJudgeFails(t *testing.T) {
	r := DefaultRubric()
	lex := NewLexicon(r)
	want, err := lex.Grade(context.Background(), lateInput)
	if err != nil {
		t.Fatal(err)
	}
	j, srv := mustJudge(t, r)
	srv.Default(llmtest.Reply{Status: http.StatusServiceUnavailable})
	res, err := NewEnsemble(lex, j, r).Grade(context.Background(), lateInput)
	if err != nil {
		t.Fatal(err)
	}
	if res.Grader != "lexicon" {
		t.Errorf("grader = %q, want the offline grader's name", res.Grader)
	}
	if !strings.Contains(res.Fallback, "LLM judge was unavailable") || !strings.Contains(res.Fallback, "503") {
		t.Errorf("fallback = %q, want it to say the judge was unavailable and why", res.Fallback)
	}
	for id, s := range want.Scores {
		if got := res.Scores[id]; got.Score != s.Score || got.Rationale != s.Rationale {
			t.Errorf("%s = %+v, want the offline %+v", id, got, s)
		}
	}
	if res.Overall != want.Overall {
		t.Errorf("overall %d, want %d", res.Overall, want.Overall)
	}
}

func TestEnsembleFallbackKeepsTheJudgesCriteriaUnscored(t *testing.T) {
	r := DefaultRubric()
	r.Criteria = append(r.Criteria, Criterion{ID: "cultural_humility", Weight: 0.5, Levels: r.Criteria[0].Levels})
	judge := &fixedGrader{name: "llm", err: errors.New("boom")}
	res, err := NewEnsemble(NewLexicon(r), judge, r).Grade(context.Background(), lateInput)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unscored) != 1 || res.Unscored[0] != "cultural_humility" || res.Fallback == "" {
		t.Errorf("unscored %v, fallback %q", res.Unscored, res.Fallback)
	}
}

func TestEnsembleFailsOnlyWithTheOfflineGrader(t *testing.T) {
	r := DefaultRubric()
	judge := &fixedGrader{name: "llm"}
	_, err := NewEnsemble(NewLexicon(r), judge, r).Grade(context.Background(), Input{Client: "x", Response: " "})
	if !errors.Is(err, ErrEmptyResponse) {
		t.Errorf("err = %v, want ErrEmptyResponse", err)
	}
	if judge.calls != 0 {
		t.Error("the judge was asked about an empty response")
	}
}

// With a real judge on the test endpoint: both graders are heard.
func TestEnsembleWithTheJudge(t *testing.T) {
	r := DefaultRubric()
	lex := NewLexicon(r)
	off, _ := lex.Grade(context.Background(), lateInput)
	j, srv := mustJudge(t, r)
	srv.Push(llmtest.Reply{Text: validJudgement(t)})
	res, err := NewEnsemble(lex, j, r).Grade(context.Background(), lateInput)
	if err != nil {
		t.Fatal(err)
	}
	judged := map[string]int{Validation: 3, NonDefensiveness: 4, Exploration: 3}
	for id, js := range judged {
		want := (off.Scores[id].Score + js) / 2
		if got := res.Scores[id].Score; got != want {
			t.Errorf("%s = %d, want %d (offline %d, judge %d)", id, got, want, off.Scores[id].Score, js)
		}
		for _, ev := range res.Scores[id].Evidence {
			if !strings.Contains(lateResponse, ev) {
				t.Errorf("%s evidence %q is not in the response", id, ev)
			}
		}
	}
	if res.Grader != "ensemble" {
		t.Errorf("grader = %q", res.Grader)
	}
}

func TestJudgeOrOfflineFallsBack(t *testing.T) {
	srv := llmtest.New(t)
	srv.Default(llmtest.Reply{Status: http.StatusServiceUnavailable})
	c, err := llm.New(llm.Config{APIKey: "k", BaseURL: srv.BaseURL, Model: "m", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := DefaultRubric()
	g := NewJudgeOrOffline(NewJudge(c, r), NewLexicon(r))
	res, err := g.Grade(context.Background(), Input{Client: "You were late again.", Response: "I was late, and that's on me."})
	if err != nil || res.Grader != "lexicon" || !strings.Contains(res.Fallback, "LLM judge was unavailable") || len(res.Scores) != 3 {
		t.Errorf("judge down: %+v, %v", res, err)
	}
	if _, err := g.Grade(context.Background(), Input{Client: "x", Response: " "}); err == nil {
		t.Error("an empty response was graded")
	}
}
