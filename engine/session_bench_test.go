package engine_test

import (
	"context"
	"testing"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// BenchmarkTurn measures one engine turn with the offline grader: grade a
// response, pick the transition, speak the next scripted line. The
// baseline in the same run is grading alone, so the difference is the
// engine's own cost.
func BenchmarkTurn(b *testing.B) {
	s := mustScenario(b, "late-again")
	r := grading.DefaultRubric()
	g := grading.NewLexicon(r)
	ctx := context.Background()
	response := "I was late, and that's on me. It makes sense you're fed up. What was the wait like?"
	b.Run("baseline=grade-only", func(b *testing.B) {
		in := grading.Input{Client: s.Start().Client[0], Response: response, RuptureType: s.Rupture.Type}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Grade(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("turn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			sess, _ := engine.New("bench", s, engine.Practice, 1, engine.Config{Grader: g, Rubric: r})
			sess.Start(ctx, nil)
			b.StartTimer()
			if _, err := sess.Respond(ctx, 1, response, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
