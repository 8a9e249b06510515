package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// A TestResult is how one of a scenario's own tests went.
type TestResult struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Path is where each response led: a stage, or the ending.
	Path []string `json:"path"`
	// Scores holds each response's scores, overall included.
	Scores  []map[string]int `json:"scores"`
	Failure string           `json:"failure,omitempty"`

	Pos scenarios.Pos `json:"-"`
}

// RunTests plays each of a scenario's tests as a practice session with the
// scripted voice and the configured grader, so that a test sees exactly
// what a trainee giving the same responses would. An error means the
// grader failed, not a test.
func RunTests(ctx context.Context, scn *scenarios.Scenario, cfg Config) ([]TestResult, error) {
	cfg.Voice = Scripted{}
	out := make([]TestResult, 0, len(scn.Tests))
	for _, t := range scn.Tests {
		r, err := runTest(ctx, scn, t, cfg)
		if err != nil {
			return nil, fmt.Errorf("test %q: %w", t.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func runTest(ctx context.Context, scn *scenarios.Scenario, t scenarios.Test, cfg Config) (TestResult, error) {
	r := TestResult{Name: t.Name, Pos: t.Pos}
	s, err := New("test", scn, Practice, 0, cfg)
	if err != nil {
		return r, err
	}
	client, err := s.Start(ctx, nil)
	if err != nil {
		return r, err
	}
	n := client.N
	for i, text := range t.Responses {
		if s.st.Status == Ended {
			r.Failure = fmt.Sprintf("the scenario ended %s after response %d, before the test's %d responses ran out", s.st.Outcome, i, len(t.Responses))
			return r, nil
		}
		step, err := s.Respond(ctx, n, text, nil)
		if ErrorCode(err) == EINVALID {
			// The test's own response is at fault: too long, say.
			r.Failure = fmt.Sprintf("response %d: %s", i+1, ErrorMessage(err))
			return r, nil
		}
		if err != nil {
			return r, err
		}
		scores := map[string]int{grading.Overall: derefInt(step.Trainee.Overall)}
		for id, sc := range step.Trainee.Scores {
			scores[id] = sc.Score
		}
		r.Scores = append(r.Scores, scores)
		to := s.st.Stage
		if step.Summary != nil {
			to = step.Summary.Outcome
		}
		r.Path = append(r.Path, to)
		if i < len(t.Path) && t.Path[i] != to {
			r.Failure = fmt.Sprintf("response %d (%s) led to %s, not %s", i+1, describeScores(scores), to, t.Path[i])
			return r, nil
		}
		n = step.Client.N
	}
	if t.Ending != "" {
		outcome := "no ending yet"
		if s.st.Status == Ended {
			outcome = s.st.Outcome
		}
		if outcome != t.Ending {
			r.Failure = fmt.Sprintf("the responses led to %s, ending %s, not %s", strings.Join(r.Path, " → "), outcome, t.Ending)
			return r, nil
		}
	}
	r.Passed = true
	return r, nil
}

// describeScores writes scores as "validation 3, non_defensiveness 1, …",
// criteria in name order and overall last.
func describeScores(scores map[string]int) string {
	var names []string
	for id := range scores {
		if id != grading.Overall {
			names = append(names, id)
		}
	}
	slices.Sort(names)
	parts := make([]string, 0, len(scores))
	for _, id := range names {
		parts = append(parts, fmt.Sprintf("%s %d", id, scores[id]))
	}
	return strings.Join(append(parts, fmt.Sprintf("overall %d", scores[grading.Overall])), ", ")
}

// Lint checks a parsed scenario as repairgym lint does: the simulation of
// every path in scenarios.Lint, then the scenario's own tests, each failing
// test an error at the test.
func Lint(ctx context.Context, scn *scenarios.Scenario, scale scenarios.Scale, cfg Config) ([]scenarios.Problem, []TestResult, error) {
	problems := scenarios.Lint(scn, scale)
	results, err := RunTests(ctx, scn, cfg)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range results {
		if !r.Passed {
			problems = append(problems, scenarios.Problem{File: scn.File, Line: r.Pos.Line, Col: r.Pos.Col,
				Severity: scenarios.SeverityError, Message: fmt.Sprintf("test %q failed: %s", r.Name, r.Failure)})
		}
	}
	slices.SortStableFunc(problems, func(a, b scenarios.Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	return problems, results, nil
}
