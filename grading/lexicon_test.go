package grading

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// span is an inclusive range of acceptable scores. The grader is measured
// for exact agreement elsewhere (grade --eval); these cases pin down the
// readings the rubric's notes call out, where a wrong side of the line
// would be a real mistake.
type span [2]int

func TestLexiconReadsTheRubricNotes(t *testing.T) {
	const late = "You were late again. Fifteen minutes. That's the second time this month."
	const fee = "You charged me for cancelling when my son was in hospital. That's heartless."
	const quiet = "Yeah, sure. That's a good idea. I'll do it."
	tests := []struct {
		name, client, rupture, response string
		v, n, e                         span
	}{
		{"validates, owns and asks about the experience", late, Confrontation,
			"You're right, I was late again and you sat out there waiting. Of course you're angry. I'm glad you said it. What was the wait like for you?",
			span{3, 4}, span{3, 4}, span{3, 3}},
		{"but undoes the acknowledgement", late, Confrontation,
			"I hear you, but the traffic was terrible and honestly it was only fifteen minutes.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		{"sorry you feel that way", late, Confrontation,
			"I'm sorry you feel that way.",
			span{0, 1}, span{1, 2}, span{0, 0}},
		{"conditional apology and intention", late, Confrontation,
			"Sorry if it came across like I don't value your time. That was never my intention.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		{"negation is still a correction", late, Confrontation,
			"I'm not saying you're wrong, but everyone runs late sometimes.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		{"you're not wrong agrees", late, Confrontation,
			"You're not wrong. I was late, twice, and it makes sense you're fed up with me.",
			span{3, 4}, span{3, 4}, span{0, 0}},
		{"long but defensive", late, Confrontation,
			"I completely understand, and I really appreciate you being honest, that takes courage. Your time matters to me so much. It's just that this month has been chaotic with the office move, and I've been doing my best, so I hope you can cut me a little slack.",
			span{0, 2}, span{0, 1}, span{0, 0}},
		{"an open question that redirects", late, Confrontation,
			"Okay. Anyway, how was your week?",
			span{0, 1}, span{1, 2}, span{0, 0}},
		{"closed question about the concern", late, Confrontation,
			"Are we okay?",
			span{0, 2}, span{1, 2}, span{1, 1}},
		{"here and now", late, Confrontation,
			"I kept you waiting, and that's on me. What's it like to tell me this, right now?",
			span{2, 3}, span{3, 4}, span{4, 4}},
		{"appeasement drops the boundary", fee, Confrontation,
			"Oh gosh, of course, don't worry about it at all, I'll waive the fee this time.",
			span{0, 2}, span{2, 2}, span{0, 0}},
		{"boundary held warmly", fee, Confrontation,
			"Your boy was in hospital and then a bill arrived from me. No wonder it felt heartless. The fee does stand, and I'm not going to pretend that feels good. What's it like to hear me say that?",
			span{3, 4}, span{3, 4}, span{4, 4}},
		{"hiding behind the policy", fee, Confrontation,
			"The policy is in the agreement you signed. Forty-eight hours, no exceptions.",
			span{0, 0}, span{0, 1}, span{0, 0}},
		{"withdrawal taken at face value", quiet, Withdrawal,
			"Great, I'm glad you're on board. Let's set a reminder on your phone now.",
			span{0, 1}, span{2, 2}, span{0, 0}},
		{"withdrawal noticed, safe to disagree", quiet, Withdrawal,
			"That was a quick yes, and I may have rushed you into it. It's completely okay to tell me it doesn't fit. What's it like for you right now, with me suggesting things?",
			span{2, 4}, span{3, 4}, span{4, 4}},
		{"texting style", late, Confrontation,
			"ur right, im sorry, i was late again n thats on me. whats it like telling me this?",
			span{1, 3}, span{3, 4}, span{4, 4}},
		{"lecturing", quiet, Withdrawal,
			"You really need to commit to the homework if things are going to change.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		// Ownership said in the negative is denial, not ownership.
		{"wasn't my fault", "You were late again.", Confrontation,
			"It wasn't my fault, there was nothing I could do about it.",
			span{0, 0}, span{0, 0}, span{0, 0}},
		{"not my fault, nothing I could do", late, Confrontation,
			"Not my fault. Nothing I could do.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		{"not on me", late, Confrontation,
			"It's not on me, the clinic moved the booking.",
			span{0, 1}, span{0, 1}, span{0, 0}},
		{"sorry, but an emergency", "You were late again.", Confrontation,
			"I'm sorry, but it was a family emergency, so it really couldn't be helped",
			span{0, 1}, span{1, 1}, span{0, 0}},
		{"sorry I was late, but something came up", late, Confrontation,
			"I'm sorry I was late, but something came up at home.",
			span{0, 1}, span{1, 1}, span{0, 0}},
		// …and the denials a therapist refuses to make still own.
		{"won't pretend it wasn't my fault", late, Confrontation,
			"I won't pretend it wasn't my fault. I was late, and you waited.",
			span{0, 3}, span{3, 4}, span{0, 0}},
		{"not your fault, mine", late, Confrontation,
			"It's not your fault at all, it's mine - I was late.",
			span{0, 3}, span{3, 4}, span{0, 0}},
		{"sorry, but without an excuse", late, Confrontation,
			"I'm sorry, but I don't want to rush past this. What was the wait like?",
			span{1, 3}, span{2, 4}, span{3, 3}},
	}
	g := NewLexicon(DefaultRubric())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := g.Grade(context.Background(), Input{Client: tt.client, Response: tt.response, RuptureType: tt.rupture})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				id   string
				want span
			}{{Validation, tt.v}, {NonDefensiveness, tt.n}, {Exploration, tt.e}} {
				got := res.Scores[c.id]
				if got.Score < c.want[0] || got.Score > c.want[1] {
					t.Errorf("%s = %d (%s), want %d–%d", c.id, got.Score, got.Rationale, c.want[0], c.want[1])
				}
				if got.Rationale == "" || got.Evidence == nil {
					t.Errorf("%s has no rationale or a nil evidence list", c.id)
				}
				for _, ev := range got.Evidence {
					if !strings.Contains(tt.response, ev) {
						t.Errorf("%s evidence %q is not part of the response", c.id, ev)
					}
				}
			}
			if res.Overall != DefaultRubric().WeightedOverall(res.Scores) || res.Grader != "lexicon" {
				t.Errorf("overall %d, grader %q", res.Overall, res.Grader)
			}
		})
	}
}

func TestLexiconRejectsEmptyResponse(t *testing.T) {
	for _, r := range []string{"", "   \n\t"} {
		if _, err := NewLexicon(DefaultRubric()).Grade(context.Background(), Input{Client: "x", Response: r}); err == nil {
			t.Errorf("Grade(%q) succeeded", r)
		}
	}
}

// A rubric with a criterion of the program's own: the offline grader
// scores the built-in ones and leaves the rest to a judge.
func TestLexiconLeavesCustomCriteriaUnscored(t *testing.T) {
	r := DefaultRubric()
	r.Criteria = append(r.Criteria, Criterion{ID: "cultural_humility", Weight: 0.2, Levels: r.Criteria[0].Levels})
	res, err := NewLexicon(r).Grade(context.Background(), Input{Client: "x", Response: "I was late, that's on me."})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Scores["cultural_humility"]; ok || len(res.Scores) != 3 {
		t.Errorf("scores = %v, want the three built-in criteria only", res.Scores)
	}
}

func TestLexiconIsDeterministic(t *testing.T) {
	g := NewLexicon(DefaultRubric())
	in := Input{Client: "It's fine.", Response: "You said it's fine, but you went quiet when I suggested it. What's going on for you right now?"}
	a, _ := g.Grade(context.Background(), in)
	for range 20 {
		b, _ := g.Grade(context.Background(), in)
		if a.Overall != b.Overall || a.Scores[Validation].Rationale != b.Scores[Validation].Rationale {
			t.Fatal("the same input graded differently")
		}
	}
}

// The matchers skip patterns whose words a clause lacks; they must agree
// with the plain patterns on every clause of the labelled data.
func TestMatchersAgreeWithPatterns(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.jsonl")
	var combined [actCount]*regexp.Regexp
	for a, src := range actSources {
		combined[a] = patterns(src...)
	}
	n := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		items, err := ReadLabelled(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			for _, c := range splitClauses(it.Response) {
				n++
				for a := range actCount {
					if got, want := actPatterns[a].MatchString(c.norm), combined[a].MatchString(c.norm); got != want {
						t.Fatalf("%s on %q: matcher %v, pattern %v", act(a), c.norm, got, want)
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d clauses checked", n)
	}
}

// Ownership words in the negative deny; the refusals to deny, and
// ownership beside a denial, still own.
func TestDeniesOwnership(t *testing.T) {
	tests := []struct {
		text          string
		denies, other bool
	}{
		{"It wasn't my fault.", true, false},
		{"That's not on me.", true, false},
		{"There was nothing I could do about it.", true, false},
		{"It really couldn't be helped.", true, false},
		{"Through no fault of my own.", true, false},
		{"It wasn't all my fault, but I did forget to call you.", true, true},
		{"It was my fault.", false, false},
		{"It's not your fault, it's mine.", false, false},
		{"I won't pretend it wasn't my fault.", false, false},
		{"It's not on me to decide that for you.", false, false},
		{"I'm not saying it wasn't my fault.", false, false},
		{"I have to say it was not my fault.", true, false},
		{"As I keep saying, it was not my fault.", true, false},
	}
	for _, tt := range tests {
		denies, other := deniesOwnership(normalize(tt.text))
		if denies != tt.denies || other != tt.other {
			t.Errorf("deniesOwnership(%q) = %v, %v; want %v, %v", tt.text, denies, other, tt.denies, tt.other)
		}
	}
}
