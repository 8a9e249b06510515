package grading

import (
	"context"
	"strings"
	"testing"
)

var benchInput = Input{
	Client:      "You were late again. Fifteen minutes. That's the second time this month.",
	Response:    "You're right, I was late again, and you waited fifteen minutes with no word from me. Of course you're angry. I'm glad you told me straight away. What was it like sitting out there?",
	RuptureType: Confrontation,
}

// BenchmarkGrade measures grading one response. The baseline in the same
// run is the text work every grader must do anyway: splitting into clauses
// and normalising them.
func BenchmarkGrade(b *testing.B) {
	b.Run("baseline=split-and-normalise", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			splitClauses(benchInput.Response)
			normalize(benchInput.Client)
		}
	})
	g := NewLexicon(DefaultRubric())
	ctx := context.Background()
	b.Run("lexicon", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Grade(ctx, benchInput); err != nil {
				b.Fatal(err)
			}
		}
	})
	long := benchInput
	long.Response = strings.Repeat(benchInput.Response+" ", 25)[:3990]
	b.Run("lexicon-4000-chars", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := g.Grade(ctx, long); err != nil {
				b.Fatal(err)
			}
		}
	})
}
