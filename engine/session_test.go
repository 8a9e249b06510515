package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// scores is a grade by criterion, in the order validation,
// non-defensiveness, exploration.
type scores [3]int

// fixedGrader returns the grades it is given, one per call, so that a test
// can steer a session down a chosen path. It stands in for a grader only
// where the test is about the state machine, not about grading.
type fixedGrader struct {
	rubric *grading.Rubric
	queue  []scores
	calls  []grading.Input
	err    error
}

func (g *fixedGrader) Grade(_ context.Context, in grading.Input) (grading.Result, error) {
	g.calls = append(g.calls, in)
	if g.err != nil {
		return grading.Result{}, g.err
	}
	if len(g.queue) == 0 {
		return grading.Result{}, errors.New("fixedGrader: no grade queued")
	}
	sc := g.queue[0]
	g.queue = g.queue[1:]
	return result(g.rubric, sc), nil
}

func result(r *grading.Rubric, sc scores) grading.Result {
	m := map[string]grading.Score{}
	for i, id := range []string{grading.Validation, grading.NonDefensiveness, grading.Exploration} {
		m[id] = grading.Score{Score: sc[i], Evidence: []string{}, Rationale: fmt.Sprintf("%s scored %d", id, sc[i])}
	}
	return grading.Result{Scores: m, Overall: r.WeightedOverall(m), Grader: "fixed"}
}

func library(t testing.TB) *scenarios.Set {
	t.Helper()
	set, err := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Problems) > 0 {
		t.Fatalf("library problems: %v", set.Problems)
	}
	return set
}

func mustScenario(t testing.TB, id string) *scenarios.Scenario {
	t.Helper()
	s := library(t).Get(id)
	if s == nil {
		t.Fatalf("no scenario %q", id)
	}
	return s
}

// clock returns a Now that advances a second per call from a fixed start.
func clock() func() time.Time {
	t := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

// gradeFor finds scores that take stage st along its i-th transition: all
// of its conditions hold and none of the earlier transitions' do.
func gradeFor(r *grading.Rubric, st *scenarios.Stage, i int) (scores, bool) {
	for v := 0; v <= 4; v++ {
		for n := 0; n <= 4; n++ {
			for e := 0; e <= 4; e++ {
				sc := scores{v, n, e}
				m := result(r, sc).Int()
				m[grading.Overall] = result(r, sc).Overall
				if st.Transitions[i].Holds(m) && firstHolding(st, m) == i {
					return sc, true
				}
			}
		}
	}
	return scores{}, false
}

func firstHolding(st *scenarios.Stage, m map[string]int) int {
	for i, t := range st.Transitions {
		if t.Holds(m) {
			return i
		}
	}
	return -1
}

// pathTo finds the shortest list of grades that leads from the start to
// the ending, within the scenario's turn limit.
func pathTo(t *testing.T, r *grading.Rubric, s *scenarios.Scenario, ending string) []scores {
	t.Helper()
	type node struct {
		stage string
		path  []scores
	}
	queue := []node{{stage: s.Start().ID}}
	seen := map[string]bool{s.Start().ID: true}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		st := s.Stage(cur.stage)
		for i, tr := range st.Transitions {
			sc, ok := gradeFor(r, st, i)
			if !ok {
				continue
			}
			path := append(append([]scores(nil), cur.path...), sc)
			if len(path) > s.MaxTurns {
				continue
			}
			if tr.To == ending {
				return path
			}
			if !scenarios.IsEnding(tr.To) && !seen[tr.To] {
				seen[tr.To] = true
				queue = append(queue, node{tr.To, path})
			}
		}
	}
	t.Fatalf("%s: no path to %s within %d turns", s.ID, ending, s.MaxTurns)
	return nil
}

func TestEveryScenarioReachesEachEnding(t *testing.T) {
	r := grading.DefaultRubric()
	for _, s := range library(t).Scenarios {
		for _, ending := range []string{engine.Repaired, engine.Unrepaired} {
			t.Run(s.ID+"/"+ending, func(t *testing.T) {
				path := pathTo(t, r, s, ending)
				g := &fixedGrader{rubric: r, queue: path}
				sess, err := engine.New("s1", s, engine.Practice, 7, engine.Config{Grader: g, Now: clock()})
				if err != nil {
					t.Fatal(err)
				}
				open, err := sess.Start(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				if open.N != 1 || open.Speaker != engine.Client || !contains(s.Start().Client, open.Text) {
					t.Fatalf("opening turn = %+v", open)
				}
				var last engine.Step
				for i := range path {
					n := sess.Pending()
					if n != 1+2*i {
						t.Fatalf("pending = %d before response %d, want %d", n, i+1, 1+2*i)
					}
					last, err = sess.Respond(context.Background(), n, fmt.Sprintf("response %d", i+1), nil)
					if err != nil {
						t.Fatalf("response %d: %v", i+1, err)
					}
					if last.Trainee.N != n+1 || last.Client.N != n+2 {
						t.Fatalf("turn numbers %d, %d after answering %d", last.Trainee.N, last.Client.N, n)
					}
					if g.calls[i].RuptureType != s.Rupture.Type || g.calls[i].Client == "" {
						t.Fatalf("grader input %+v lacks context", g.calls[i])
					}
				}
				st := sess.State()
				if st.Status != engine.Ended || st.Outcome != ending {
					t.Fatalf("status %s, outcome %q, want ended %s", st.Status, st.Outcome, ending)
				}
				if last.Summary == nil || last.Summary.Outcome != ending || last.Summary.Responses != len(path) {
					t.Fatalf("summary = %+v", last.Summary)
				}
				if !contains(s.Endings[ending].Client, last.Client.Text) {
					t.Errorf("closing line %q is not one of the %s ending's", last.Client.Text, ending)
				}
				if sess.Pending() != 0 {
					t.Errorf("pending = %d after the end", sess.Pending())
				}
				if _, err := sess.Respond(context.Background(), last.Client.N, "more", nil); engine.ErrorCode(err) != engine.EENDED {
					t.Errorf("responding after the end: %v, want %s", err, engine.EENDED)
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func play(t *testing.T, s *scenarios.Scenario, seed int64, grades []scores) engine.State {
	t.Helper()
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: grades}
	sess, err := engine.New("s", s, engine.Practice, seed, engine.Config{Grader: g, Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Start(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	for range grades {
		if sess.Pending() == 0 {
			break
		}
		if _, err := sess.Respond(context.Background(), sess.Pending(), "a response", nil); err != nil {
			t.Fatal(err)
		}
	}
	return sess.State()
}

func TestSameSeedReplaysExactly(t *testing.T) {
	s := mustScenario(t, "late-again")
	grades := []scores{{1, 1, 0}, {2, 2, 2}, {1, 1, 0}, {2, 2, 2}, {1, 1, 1}, {2, 2, 2}}
	a, b := play(t, s, 42, grades), play(t, s, 42, grades)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different sessions:\n%+v\n%+v", a.Turns, b.Turns)
	}
	// Across seeds the wording varies somewhere.
	differs := false
	for seed := int64(1); seed < 20 && !differs; seed++ {
		c := play(t, s, seed, grades)
		for i := range a.Turns {
			if a.Turns[i].Text != c.Turns[i].Text {
				differs = true
			}
		}
	}
	if !differs {
		t.Error("twenty seeds produced the same wording everywhere")
	}
}

const loop = `id: loop
title: Loop
version: 1
difficulty: beginner
summary: A stage that repeats until the trainee validates.
rupture: {type: withdrawal, marker: minimal response, trigger: A suggestion.}
persona: {name: Ana, age: 30, pronouns: she/her, background: Nurse., presenting_concern: Stress., speaking_style: Brief.}
max_turns: 8
stages:
  quiet:
    client: [Fine., Sure., Whatever.]
    direction: Withdrawn.
    exemplars: [You went quiet when I suggested it.]
    transitions:
      - when: {validation: ">=3"}
        to: repaired
      - to: quiet
endings:
  repaired: {client: [Okay.]}
  unrepaired: {client: [Bye.]}
`

func TestLoopingStageVariesItsWording(t *testing.T) {
	s, problems := scenarios.Parse("loop.yaml", []byte(loop), grading.DefaultRubric().Scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	grades := make([]scores, 7)
	for seed := int64(0); seed < 30; seed++ {
		st := play(t, s, seed, grades)
		if len(st.Turns) != 15 {
			t.Fatalf("seed %d: %d turns", seed, len(st.Turns))
		}
		for i := 2; i < len(st.Turns)-1; i += 2 {
			if st.Turns[i].Text == st.Turns[i-2].Text {
				t.Fatalf("seed %d: client said %q twice in a row (turns %d and %d)", seed, st.Turns[i].Text, i-1, i+1)
			}
		}
	}
}

func TestRespondErrors(t *testing.T) {
	s := mustScenario(t, "late-again")
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{2, 2, 2}, {2, 2, 2}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	ctx := context.Background()
	if _, err := sess.Respond(ctx, 1, "too early", nil); engine.ErrorCode(err) != engine.EWRONGTURN {
		t.Errorf("before start: %v, want %s", err, engine.EWRONGTURN)
	}
	sess.Start(ctx, nil)
	tests := []struct {
		name string
		turn int
		text string
		code string
	}{
		{"empty", 1, "   ", engine.EINVALID},
		{"too long", 1, strings.Repeat("é", engine.MaxResponseRunes+1), engine.EINVALID},
		{"invalid utf-8", 1, "\xff\xfe", engine.EINVALID},
		{"future turn", 3, "hello", engine.EWRONGTURN},
		{"trainee's own turn", 2, "hello", engine.EWRONGTURN},
		{"zero", 0, "hello", engine.EWRONGTURN},
		{"negative", -1, "hello", engine.EWRONGTURN},
	}
	for _, tt := range tests {
		if _, err := sess.Respond(ctx, tt.turn, tt.text, nil); engine.ErrorCode(err) != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
	if len(g.calls) != 0 || len(sess.State().Turns) != 1 {
		t.Fatalf("rejected responses reached the grader or the transcript")
	}
	// A response exactly at the limit is fine.
	if _, err := sess.Respond(ctx, 1, strings.Repeat("é", engine.MaxResponseRunes), nil); err != nil {
		t.Fatalf("response at the limit: %v", err)
	}
	// A resend of the answered turn is a duplicate, safe to ignore.
	before := sess.State()
	if _, err := sess.Respond(ctx, 1, "resent", nil); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("resend: %v, want %s", err, engine.EDUPLICATE)
	}
	if !reflect.DeepEqual(before, sess.State()) {
		t.Error("a duplicate changed the session")
	}
}

func TestGraderFailureChangesNothing(t *testing.T) {
	s := mustScenario(t, "late-again")
	g := &fixedGrader{rubric: grading.DefaultRubric(), err: errors.New("judge unavailable")}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	sess.Start(context.Background(), nil)
	before := sess.State()
	_, err := sess.Respond(context.Background(), 1, "I was late, and that's on me.", nil)
	if err == nil || !strings.Contains(err.Error(), "judge unavailable") {
		t.Fatalf("err = %v, want the grader's error", err)
	}
	if !reflect.DeepEqual(before, sess.State()) {
		t.Error("a failed grade changed the session")
	}
	// The same turn can be answered once the grader is back.
	g.err = nil
	g.queue = []scores{{3, 3, 3}}
	if _, err := sess.Respond(context.Background(), 1, "I was late, and that's on me.", nil); err != nil {
		t.Fatalf("after the grader recovered: %v", err)
	}
}

// brokenVoice fails, or says nothing, so the scripted line must stand in.
type brokenVoice struct {
	err    error
	deltas []string
}

func (brokenVoice) Name() string { return "llm" }

func (v brokenVoice) Speak(_ context.Context, _ engine.Cue, deltas func(string)) (string, error) {
	for _, d := range v.deltas {
		if deltas != nil {
			deltas(d)
		}
	}
	return "", v.err
}

func TestVoiceFallsBackToScript(t *testing.T) {
	s := mustScenario(t, "late-again")
	for _, tt := range []struct {
		name     string
		voice    brokenVoice
		fallback string
	}{
		{"error", brokenVoice{err: errors.New("first token deadline exceeded")}, "first token deadline exceeded"},
		{"empty line", brokenVoice{deltas: []string{"  "}}, "the voice returned an empty line"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{3, 3, 3}}}
			sess, _ := engine.New("s", s, engine.Practice, 3, engine.Config{Grader: g, Voice: tt.voice, Now: clock()})
			var got []string
			open, _ := sess.Start(context.Background(), func(d string) { got = append(got, d) })
			if !contains(s.Start().Client, open.Text) || open.Fallback != tt.fallback || open.Voice != "scripted" {
				t.Fatalf("opening = %+v, want a scripted line with fallback %q", open, tt.fallback)
			}
			step, err := sess.Respond(context.Background(), 1, "I was late.", nil)
			if err != nil {
				t.Fatal(err)
			}
			if step.Client.Fallback != tt.fallback || step.Client.Text == "" {
				t.Errorf("next line = %+v", step.Client)
			}
		})
	}
}

// echoVoice speaks in "its own words" and streams them.
type echoVoice struct{ cues []engine.Cue }

func (*echoVoice) Name() string { return "llm" }

func (v *echoVoice) Speak(_ context.Context, cue engine.Cue, deltas func(string)) (string, error) {
	v.cues = append(v.cues, cue)
	words := []string{"In ", "my ", "words: ", cue.Stage}
	for _, w := range words {
		deltas(w)
	}
	return strings.Join(words, ""), nil
}

func TestVoiceGetsTheCue(t *testing.T) {
	s := mustScenario(t, "late-again")
	v := &echoVoice{}
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{4, 4, 4}, {4, 4, 4}}}
	sess, _ := engine.New("s", s, engine.Practice, 3, engine.Config{Grader: g, Voice: v, Now: clock()})
	var deltas []string
	stream := func(d string) { deltas = append(deltas, d) }
	sess.Start(context.Background(), stream)
	step, _ := sess.Respond(context.Background(), 1, "I was late, twice.", stream)
	if step.Client.Text != "In my words: softening" || step.Client.Voice != "llm" {
		t.Errorf("client turn = %+v", step.Client)
	}
	if strings.Join(deltas, "") != "In my words: openingIn my words: softening" {
		t.Errorf("deltas = %q", deltas)
	}
	cue := v.cues[1]
	if cue.Stage != "softening" || cue.Direction != s.Stage("softening").Direction || !contains(s.Stage("softening").Client, cue.Scripted) {
		t.Errorf("cue = %+v", cue)
	}
	if cue.Turn != 3 || len(cue.Transcript) != 2 || cue.Transcript[1].Text != "I was late, twice." {
		t.Errorf("cue transcript = %+v", cue.Transcript)
	}
	sess.Respond(context.Background(), 3, "It makes sense.", stream)
	if closing := v.cues[2]; !closing.Closing || closing.Stage != engine.Repaired || closing.Direction != "" {
		t.Errorf("closing cue = %+v", closing)
	}
}

func TestRetry(t *testing.T) {
	s := mustScenario(t, "late-again")
	ctx := context.Background()
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 0, 0}, {4, 4, 4}, {4, 4, 4}}}
	sess, _ := engine.New("s", s, engine.Practice, 5, engine.Config{Grader: g, Now: clock()})
	open, _ := sess.Start(ctx, nil)

	first, _ := sess.Respond(ctx, 1, "It was only fifteen minutes.", nil)
	if first.Client.Stage != "escalating" {
		t.Fatalf("a defensive answer led to %q", first.Client.Stage)
	}
	if err := sess.Retry(3); engine.ErrorCode(err) != engine.EWRONGTURN {
		t.Errorf("retry of a line not yet answered: %v, want %s", err, engine.EWRONGTURN)
	}
	if err := sess.Retry(1); err != nil {
		t.Fatalf("retry: %v", err)
	}
	st := sess.State()
	if len(st.Turns) != 1 || st.Stage != "opening" || sess.Pending() != 1 || len(st.Retracted) != 1 {
		t.Fatalf("after retry: %d turns, stage %q, pending %d, %d retracted", len(st.Turns), st.Stage, sess.Pending(), len(st.Retracted))
	}
	if r := st.Retracted[0]; r.Text != "It was only fifteen minutes." || r.Reply != first.Client.Text || r.Overall != *first.Trainee.Overall {
		t.Errorf("retracted attempt = %+v", r)
	}

	second, err := sess.Respond(ctx, 1, "I was late again, and that's on me.", nil)
	if err != nil {
		t.Fatal(err)
	}
	if second.Trainee.N != 2 || second.Client.N != 3 || second.Client.Stage != "softening" {
		t.Errorf("second attempt: turns %d/%d, stage %q", second.Trainee.N, second.Client.N, second.Client.Stage)
	}
	if len(second.Trainee.Attempts) != 1 || second.Trainee.Attempts[0].Text != "It was only fifteen minutes." {
		t.Errorf("attempts = %+v", second.Trainee.Attempts)
	}
	if sess.State().Turns[0].Text != open.Text {
		t.Error("retry changed the client's line")
	}

	// Retry reopens a session the answer had ended.
	end, _ := sess.Respond(ctx, 3, "Thank you for telling me.", nil)
	if end.Summary == nil || end.Summary.Retries != 1 {
		t.Fatalf("summary = %+v, want one retry counted", end.Summary)
	}
	if err := sess.Retry(3); err != nil {
		t.Fatalf("retry after the end: %v", err)
	}
	if st := sess.State(); st.Status != engine.Active || st.Outcome != "" || st.Summary != nil {
		t.Errorf("after retrying the last answer: %s %q %v", st.Status, st.Outcome, st.Summary)
	}
	sess.Abandon()
	if err := sess.Retry(3); engine.ErrorCode(err) != engine.ENOTALLOWED {
		t.Errorf("retry after abandoning: %v, want %s", err, engine.ENOTALLOWED)
	}
}

func TestResendOfEndingAnswerIsDuplicate(t *testing.T) {
	s := mustScenario(t, "late-again")
	ctx := context.Background()
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: pathTo(t, grading.DefaultRubric(), s, scenarios.Repaired)}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	sess.Start(ctx, nil)
	n := 1
	for sess.State().Status != engine.Ended {
		if _, err := sess.Respond(ctx, n, "I hear you.", nil); err != nil {
			t.Fatal(err)
		}
		n += 2
	}
	// The browser resends the last answer because it never saw the end:
	// that must read as "already answered", not as "session over".
	if _, err := sess.Respond(ctx, n-2, "I hear you.", nil); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("resend of the ending answer: %v, want %s", err, engine.EDUPLICATE)
	}
	if _, err := sess.Respond(ctx, n, "anything more?", nil); engine.ErrorCode(err) != engine.EENDED {
		t.Errorf("answer after the end: %v, want %s", err, engine.EENDED)
	}
}

func TestRetryIsBounded(t *testing.T) {
	s := mustScenario(t, "late-again")
	ctx := context.Background()
	g := &fixedGrader{rubric: grading.DefaultRubric()}
	for range engine.MaxAttempts + 1 {
		g.queue = append(g.queue, scores{2, 2, 2})
	}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	sess.Start(ctx, nil)
	for i := 1; i < engine.MaxAttempts; i++ {
		if _, err := sess.Respond(ctx, 1, fmt.Sprintf("attempt %d", i), nil); err != nil {
			t.Fatal(err)
		}
		if err := sess.Retry(1); err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
	}
	last, err := sess.Respond(ctx, 1, "the last attempt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Trainee.Attempts) != engine.MaxAttempts-1 {
		t.Errorf("%d earlier attempts kept, want %d", len(last.Trainee.Attempts), engine.MaxAttempts-1)
	}
	if err := sess.Retry(1); engine.ErrorCode(err) != engine.ENOTALLOWED {
		t.Errorf("retry past the limit: %v, want %s", err, engine.ENOTALLOWED)
	}
	if st := sess.State(); len(st.Turns) != 3 || st.Turns[1].Text != "the last attempt" {
		t.Errorf("a refused retry changed the transcript: %d turns", len(st.Turns))
	}
}

func TestRetryTakesBackLaterFlags(t *testing.T) {
	s := mustScenario(t, "late-again")
	ctx := context.Background()
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 0, 0}, {2, 2, 2}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	sess.Start(ctx, nil)
	if _, err := sess.Flag(1, "confrontation", "first line"); err != nil {
		t.Fatal(err)
	}
	sess.Respond(ctx, 1, "It was only fifteen minutes.", nil)
	if _, err := sess.Flag(3, "confrontation", "the reply"); err != nil {
		t.Fatal(err)
	}
	if err := sess.Retry(1); err != nil {
		t.Fatal(err)
	}
	// The reply that was flagged is gone; the flag on the line still
	// being answered stays.
	if flags := sess.State().Flags; len(flags) != 1 || flags[0].Turn != 1 {
		t.Errorf("flags after retry = %+v, want only the one on turn 1", flags)
	}
}

func TestRetryNotInAssessment(t *testing.T) {
	s := mustScenario(t, "late-again")
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 1, 1}}}
	sess, _ := engine.New("s", s, engine.Assessment, 1, engine.Config{Grader: g})
	sess.Start(context.Background(), nil)
	sess.Respond(context.Background(), 1, "Sorry.", nil)
	if err := sess.Retry(1); engine.ErrorCode(err) != engine.ENOTALLOWED {
		t.Errorf("retry in assessment: %v, want %s", err, engine.ENOTALLOWED)
	}
}

func TestMaxTurnsEndsUnrepaired(t *testing.T) {
	s := mustScenario(t, "late-again")
	// Middling answers never repair and never escalate to the end.
	var grades []scores
	for range s.MaxTurns {
		grades = append(grades, scores{2, 2, 2})
	}
	st := play(t, s, 9, grades)
	if st.Outcome != engine.Unrepaired || st.Summary.Responses != s.MaxTurns {
		t.Fatalf("outcome %q after %d responses, want unrepaired after %d", st.Outcome, st.Summary.Responses, s.MaxTurns)
	}
	last := st.Turns[len(st.Turns)-1]
	if !contains(s.Endings[engine.Unrepaired].Client, last.Text) {
		t.Errorf("closing line %q is not an unrepaired ending line", last.Text)
	}
}

func TestSummary(t *testing.T) {
	s := mustScenario(t, "late-again")
	st := play(t, s, 1, []scores{{1, 1, 1}, {4, 4, 4}, {4, 4, 3}})
	sum := st.Summary
	if sum == nil || sum.Outcome != engine.Repaired || sum.Responses != 3 {
		t.Fatalf("summary = %+v", sum)
	}
	want := map[string]float64{grading.Validation: 3, grading.NonDefensiveness: 3, grading.Exploration: 8.0 / 3}
	for id, w := range want {
		if got := sum.Means[id]; fmt.Sprintf("%.4f", got) != fmt.Sprintf("%.4f", w) {
			t.Errorf("mean %s = %v, want %v", id, got, w)
		}
	}
	if sum.Strongest.Turn != 4 || sum.Weakest.Turn != 2 {
		t.Errorf("strongest turn %d, weakest %d; want 4 and 2", sum.Strongest.Turn, sum.Weakest.Turn)
	}
	if sum.Weakest.Exemplar == "" || !contains(s.Stage("opening").Exemplars, sum.Weakest.Exemplar) {
		t.Errorf("weakest moment's exemplar %q is not one of the opening stage's", sum.Weakest.Exemplar)
	}
	if sum.Weakest.Client != st.Turns[0].Text {
		t.Errorf("weakest moment's client line = %q", sum.Weakest.Client)
	}

	// With one response there is no strongest moment to single out, only
	// the one to try another way.
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 1, 1}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g, Now: clock()})
	sess.Start(context.Background(), nil)
	sess.Respond(context.Background(), 1, "It was only fifteen minutes.", nil)
	sess.Abandon()
	if one := sess.State().Summary; one == nil || one.Strongest != nil || one.Weakest == nil || one.Weakest.Turn != 2 {
		t.Errorf("summary of one response = %+v; want a weakest moment and no strongest", one)
	}
}

func TestPauseAndAbandon(t *testing.T) {
	s := mustScenario(t, "late-again")
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{2, 2, 2}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g})
	sess.Start(context.Background(), nil)
	if err := sess.Pause(); err != nil || sess.State().Status != engine.Paused {
		t.Fatalf("pause: %v, status %s", err, sess.State().Status)
	}
	if _, err := sess.Respond(context.Background(), 1, "I'm back.", nil); err != nil || sess.State().Status != engine.Active {
		t.Fatalf("answering resumes: %v, status %s", err, sess.State().Status)
	}
	sess.Abandon()
	st := sess.State()
	if st.Status != engine.Ended || st.Outcome != engine.Abandoned || st.Summary == nil || st.Summary.Responses != 1 {
		t.Fatalf("abandoned: %+v", st)
	}
	sess.Abandon() // twice is harmless
	if err := sess.Pause(); engine.ErrorCode(err) != engine.EENDED {
		t.Errorf("pause after the end: %v", err)
	}
}

func TestRestoreContinuesExactly(t *testing.T) {
	s := mustScenario(t, "late-again")
	grades := []scores{{1, 1, 1}, {3, 3, 3}, {4, 4, 4}, {4, 4, 4}}
	want := play(t, s, 11, grades)

	now := clock()
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: append([]scores(nil), grades...)}
	sess, _ := engine.New("s", s, engine.Practice, 11, engine.Config{Grader: g, Now: now})
	sess.Start(context.Background(), nil)
	sess.Respond(context.Background(), 1, "a response", nil)

	// Save as a store would, and continue in a new process.
	saved, err := json.Marshal(sess.State())
	if err != nil {
		t.Fatal(err)
	}
	var st engine.State
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	resumed, err := engine.Restore(st, s, engine.Config{Grader: g, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for resumed.Pending() != 0 {
		if _, err := resumed.Respond(context.Background(), resumed.Pending(), "a response", nil); err != nil {
			t.Fatal(err)
		}
	}
	got := resumed.State()
	if len(got.Turns) != len(want.Turns) || got.Outcome != want.Outcome {
		t.Fatalf("restored run: %d turns %q, uninterrupted: %d turns %q", len(got.Turns), got.Outcome, len(want.Turns), want.Outcome)
	}
	for i := range want.Turns {
		if got.Turns[i].Text != want.Turns[i].Text {
			t.Errorf("turn %d: %q, uninterrupted %q", i+1, got.Turns[i].Text, want.Turns[i].Text)
		}
	}

	edited := *s
	edited.Version++
	if _, err := engine.Restore(st, &edited, engine.Config{Grader: g}); err == nil {
		t.Error("restored a session onto another version of its scenario")
	}
}

func TestStateIsACopy(t *testing.T) {
	s := mustScenario(t, "late-again")
	st := play(t, s, 1, []scores{{2, 2, 2}})
	st2 := st.Clone()
	st2.Turns[1].Scores[grading.Validation] = grading.Score{Score: 0}
	st2.Turns[1].Text = "changed"
	if st.Turns[1].Text == "changed" || st.Turns[1].Scores[grading.Validation].Score == 0 {
		t.Error("Clone shares memory with the original")
	}
}

func TestFeedbackNotes(t *testing.T) {
	s := mustScenario(t, "late-again")
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{3, 1, 2}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g})
	sess.Start(context.Background(), nil)
	step, _ := sess.Respond(context.Background(), 1, "I'm sorry, but traffic.", nil)
	fb := step.Feedback
	if fb.Turn != 2 || len(fb.Notes) != 3 || !strings.HasPrefix(fb.Notes[0], "Non-defensiveness 1/4: ") {
		t.Errorf("feedback = %+v; want the weakest criterion first", fb)
	}
	if !contains(s.Stage("opening").Exemplars, fb.Exemplar) {
		t.Errorf("exemplar %q is not the opening stage's", fb.Exemplar)
	}
	if all := sess.Feedback(); len(all) != 1 || all[0].Exemplar != fb.Exemplar {
		t.Errorf("Feedback() = %+v", all)
	}
}

func TestNewRejectsUnknownMode(t *testing.T) {
	if _, err := engine.New("s", mustScenario(t, "late-again"), "exam", 1, engine.Config{}); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("New with mode exam: %v", err)
	}
}

func TestFlag(t *testing.T) {
	s := mustScenario(t, "late-again") // a confrontation
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{4, 4, 4}, {4, 4, 4}}}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: g})
	sess.Start(context.Background(), nil)
	tests := []struct {
		turn        int
		rupture     string
		code        string
		wantCorrect bool
	}{
		{1, "confrontation", "", true},
		{1, "withdrawal", engine.EDUPLICATE, false}, // the result was shown: the first mark counts
		{2, "confrontation", engine.EWRONGTURN, false},
		{0, "confrontation", engine.EWRONGTURN, false},
		{1, "anger", engine.EINVALID, false},
	}
	for _, tt := range tests {
		f, err := sess.Flag(tt.turn, tt.rupture, "complaint about the therapist")
		if engine.ErrorCode(err) != tt.code {
			t.Errorf("Flag(%d, %s): %v, want %q", tt.turn, tt.rupture, err, tt.code)
		}
		if err == nil && f.Correct != tt.wantCorrect {
			t.Errorf("Flag(%d, %s) correct = %v", tt.turn, tt.rupture, f.Correct)
		}
	}
	if flags := sess.State().Flags; len(flags) != 1 || flags[0].RuptureType != "confrontation" {
		t.Fatalf("flags = %+v, want the first one only", flags)
	}
	sess.Respond(context.Background(), 1, "I was late.", nil)
	sess.Respond(context.Background(), 3, "It makes sense.", nil)
	sum := sess.State().Summary
	if sum == nil || sum.Flags != 1 || sum.Flagged != 1 {
		t.Errorf("summary flags = %+v", sum)
	}
}
