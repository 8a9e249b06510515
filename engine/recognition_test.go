package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// annotatedYAML marks each line: the opening is a confrontation, the
// softer stage ordinary, the colder one a withdrawal; one ending is
// ordinary and the other left unannotated, to show it is not scored.
const annotatedYAML = `id: marked
title: Marked
version: 1
difficulty: beginner
summary: Annotated lines for recognition tests.
rupture: {type: confrontation, marker: complaint about the therapist, trigger: Late.}
persona: {name: Ana, age: 33, pronouns: she/her, background: Baker., presenting_concern: Sleep., speaking_style: Short.}
max_turns: 4
stages:
  opening:
    client: [You were late., Late again.]
    direction: Angry.
    marker: {type: confrontation, subtype: complaint-about-therapist}
    exemplars: [I was late. What was that like?]
    transitions:
      - when: {validation: ">=3"}
        to: softer
      - to: colder
  softer:
    client: [Okay. Thanks., Right. Okay.]
    direction: Softening.
    marker: none
    exemplars: [Thank you for telling me.]
    transitions:
      - when: {validation: ">=3"}
        to: repaired
      - to: colder
  colder:
    client: [It's fine., Whatever.]
    direction: Closing off.
    marker: {type: withdrawal, subtype: denial}
    exemplars: [I don't think it is fine.]
    transitions:
      - when: {validation: ">=3"}
        to: softer
      - to: unrepaired
endings:
  repaired:
    client: [Thanks.]
    marker: none
  unrepaired:
    client: [Let's just start.]
`

func annotated(t *testing.T) *scenarios.Scenario {
	t.Helper()
	s, problems := scenarios.Parse("marked.yaml", []byte(annotatedYAML), grading.DefaultRubric().Scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return s
}

func TestFlagsScoredAgainstAnnotations(t *testing.T) {
	ctx := context.Background()
	// opening (confrontation) → colder (withdrawal) → softer (ordinary)
	// → repaired (closing line, not markable).
	g := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 2, 2}, {3, 3, 3}, {4, 4, 4}}}
	sess, _ := engine.New("s", annotated(t), engine.Practice, 1, engine.Config{Grader: g})
	sess.Start(ctx, nil)

	f, err := sess.Flag(1, scenarios.Withdrawal, "")
	if err != nil || !f.Hit || f.Correct || f.Expected == nil || f.Expected.Subtype != "complaint-about-therapist" {
		t.Errorf("flagging a confrontation as a withdrawal: %+v, %v; want a hit of the wrong type", f, err)
	}
	sess.Respond(ctx, 1, "Let's move on.", nil)
	// Line 3 (colder, a withdrawal) is let pass: a miss.
	sess.Respond(ctx, 3, "I hear that it's fine. It matters to me.", nil)
	// Line 5 (softer, ordinary) flagged: a false alarm.
	if f, err := sess.Flag(5, scenarios.Withdrawal, "denial"); err != nil || f.Hit || f.Correct {
		t.Errorf("flagging an ordinary line: %+v, %v; want neither hit nor correct", f, err)
	}
	if _, err := sess.Flag(6, scenarios.Withdrawal, ""); engine.ErrorCode(err) != engine.EWRONGTURN {
		t.Errorf("flagging a line not yet spoken: %v", err)
	}
	sess.Respond(ctx, 5, "It means a lot that you said it.", nil)

	st := sess.State()
	if st.Outcome != engine.Repaired || st.Summary == nil {
		t.Fatalf("the session ended %q with summary %v", st.Outcome, st.Summary)
	}
	want := engine.RecognitionScore{Ruptures: 2, Ordinary: 1, Hits: 1, Misses: 1, FalseAlarms: 1, TypeRight: 0}
	if got := st.Summary.Recognition; got != want {
		t.Errorf("recognition = %+v, want %+v", got, want)
	}
	if st.Summary.Flags != 2 || st.Summary.Flagged != 0 {
		t.Errorf("flags = %d right of %d, want 0 of 2", st.Summary.Flagged, st.Summary.Flags)
	}
	if len(st.Flags) != 2 {
		t.Errorf("the transcript keeps %d flags, want 2", len(st.Flags))
	}
}

func TestFlagMarkerIsBounded(t *testing.T) {
	sess, _ := engine.New("s", annotated(t), engine.Practice, 1, engine.Config{Grader: &fixedGrader{rubric: grading.DefaultRubric()}})
	sess.Start(context.Background(), nil)
	long := strings.Repeat("x", engine.MaxMarkerRunes+1)
	if _, err := sess.Flag(1, scenarios.Confrontation, long); engine.ErrorCode(err) != engine.EINVALID {
		t.Errorf("a %d-character marker: %v", len(long), err)
	}
	if len(sess.State().Flags) != 0 {
		t.Error("the refused flag was kept")
	}
}

// In assessment nothing is revealed, so a mark can be changed or taken
// back; in practice and recognition the first judgement of a line counts.
func TestJudgementsAreFinalOnceRevealed(t *testing.T) {
	ctx := context.Background()
	grader := &fixedGrader{rubric: grading.DefaultRubric(), queue: []scores{{1, 1, 1}}}
	exam, _ := engine.New("a", annotated(t), engine.Assessment, 1, engine.Config{Grader: grader})
	exam.Start(ctx, nil)
	exam.Flag(1, scenarios.Withdrawal, "")
	if _, err := exam.Flag(1, scenarios.Confrontation, ""); err != nil {
		t.Errorf("changing a mark in assessment: %v", err)
	}
	if err := exam.Unflag(1); err != nil || len(exam.State().Flags) != 0 {
		t.Errorf("taking a mark back in assessment: %v, %d flags left", err, len(exam.State().Flags))
	}
	if err := exam.Unflag(2); engine.ErrorCode(err) != engine.EWRONGTURN {
		t.Errorf("unflagging a line not spoken: %v", err)
	}

	practice, _ := engine.New("p", annotated(t), engine.Practice, 1, engine.Config{Grader: grader})
	practice.Start(ctx, nil)
	practice.Flag(1, scenarios.Withdrawal, "")
	if _, err := practice.Flag(1, scenarios.Confrontation, ""); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("changing a revealed mark in practice: %v", err)
	}
	if err := practice.Unflag(1); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("taking back a revealed mark in practice: %v", err)
	}
	// Letting a line pass shows the answer too: it cannot be flagged
	// after.
	passed, _ := engine.New("q", annotated(t), engine.Practice, 1, engine.Config{Grader: grader})
	passed.Start(ctx, nil)
	if err := passed.Unflag(1); err != nil {
		t.Fatal(err)
	}
	if _, err := passed.Flag(1, scenarios.Confrontation, ""); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("flagging a line let pass in practice: %v", err)
	}
	if err := passed.Unflag(1); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("letting a line pass twice in practice: %v", err)
	}
	if len(passed.State().Flags) != 0 {
		t.Errorf("flags after a pass: %+v", passed.State().Flags)
	}

	rec, _ := engine.New("r", annotated(t), engine.Recognition, 1, engine.Config{})
	rec.Start(ctx, nil)
	if err := rec.Unflag(1); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Next(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	// Line 1 was let pass and the answer shown: it cannot become a hit.
	if _, err := rec.Flag(1, scenarios.Confrontation, ""); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("flagging a line already judged: %v", err)
	}
}

// A line the scenario does not annotate is scored by the scenario's
// rupture type, as before markers, and left out of recognition.
func TestUnannotatedLines(t *testing.T) {
	src := strings.Replace(annotatedYAML, "    marker: {type: confrontation, subtype: complaint-about-therapist}\n", "", 1)
	s, problems := scenarios.Parse("marked.yaml", []byte(src), grading.DefaultRubric().Scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	sess, _ := engine.New("s", s, engine.Practice, 1, engine.Config{Grader: &fixedGrader{rubric: grading.DefaultRubric()}})
	sess.Start(context.Background(), nil)
	f, err := sess.Flag(1, scenarios.Confrontation, "")
	if err != nil || !f.Correct || f.Expected != nil {
		t.Errorf("flag on an unannotated line: %+v, %v", f, err)
	}
	sess.Abandon()
	if r := sess.State().Summary.Recognition; r != (engine.RecognitionScore{}) {
		t.Errorf("an unannotated line was scored: %+v", r)
	}
}

func TestRecognitionSession(t *testing.T) {
	ctx := context.Background()
	scn := annotated(t)
	for seed := int64(1); seed <= 20; seed++ {
		sess, err := engine.New("r", scn, engine.Recognition, seed, engine.Config{})
		if err != nil {
			t.Fatal(err)
		}
		sess.Start(ctx, nil)
		if _, err := sess.Respond(ctx, 1, "hello", nil); engine.ErrorCode(err) != engine.ENOTALLOWED {
			t.Fatalf("answering in recognition mode: %v", err)
		}
		// Flag every line as a confrontation, and work out the score the
		// annotations call for, line by line.
		var want engine.RecognitionScore
		for n := 1; sess.State().Status != engine.Ended; n++ {
			if n > scn.MaxTurns+2 {
				t.Fatalf("seed %d: still going after %d lines", seed, n)
			}
			st := sess.State()
			if got := st.Pending(); got != n {
				t.Fatalf("seed %d: line on show is %d, want %d", seed, got, n)
			}
			line := st.Turns[n-1]
			var m *scenarios.Marker
			if scenarios.IsEnding(line.Stage) {
				m = scn.Endings[line.Stage].Marker
			} else {
				m = scn.Stage(line.Stage).Marker
			}
			flag := n%2 == 1
			switch {
			case m == nil:
			case m.IsRupture() && flag:
				want.Ruptures++
				want.Hits++
				if m.Type == scenarios.Confrontation {
					want.TypeRight++
				}
			case m.IsRupture():
				want.Ruptures++
				want.Misses++
			case flag:
				want.Ordinary++
				want.FalseAlarms++
			default:
				want.Ordinary++
			}
			if flag {
				if _, err := sess.Flag(n, scenarios.Confrontation, ""); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := sess.Next(ctx, n, nil); err != nil {
				t.Fatalf("seed %d: Next(%d): %v", seed, n, err)
			}
			if n > 1 {
				if _, err := sess.Next(ctx, n-1, nil); engine.ErrorCode(err) != engine.EDUPLICATE && sess.State().Status != engine.Ended {
					t.Fatalf("moving on from an earlier line: %v", err)
				}
			}
		}
		st := sess.State()
		if st.Outcome != engine.Completed {
			t.Errorf("seed %d: outcome %q, want completed", seed, st.Outcome)
		}
		if got := st.Summary.Recognition; got != want {
			t.Errorf("seed %d: recognition = %+v, want %+v", seed, got, want)
		}
		for _, turn := range st.Turns {
			if turn.Speaker != engine.Client {
				t.Errorf("seed %d: a %s line in a recognition transcript", seed, turn.Speaker)
			}
		}
	}
}

func TestNextOnlyInRecognition(t *testing.T) {
	sess, _ := engine.New("s", annotated(t), engine.Practice, 1, engine.Config{Grader: &fixedGrader{rubric: grading.DefaultRubric()}})
	sess.Start(context.Background(), nil)
	if _, err := sess.Next(context.Background(), 1, nil); engine.ErrorCode(err) != engine.ENOTALLOWED {
		t.Errorf("Next in practice mode: %v", err)
	}
}

// A session left before the end still counts the line on show: the
// trainee could have marked it.
func TestAbandonedSessionCountsTheLastLine(t *testing.T) {
	sess, _ := engine.New("s", annotated(t), engine.Practice, 1, engine.Config{Grader: &fixedGrader{rubric: grading.DefaultRubric()}})
	sess.Start(context.Background(), nil)
	sess.Abandon()
	want := engine.RecognitionScore{Ruptures: 1, Misses: 1}
	if got := sess.State().Summary.Recognition; got != want {
		t.Errorf("recognition = %+v, want %+v", got, want)
	}
}
