package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// Agreement is grading.Agreement fit for JSON: Kappa and Spearman are nil
// where they are undefined. Both are nil with fewer than two pairs.
// Kappa is nil too when both sides gave every pair one and the same
// score; when a side's scores are all alike but differ from the other's,
// kappa is 0, no better than chance, and that is kept. Spearman is nil
// when either side's scores are all alike.
type Agreement struct {
	N         int      `json:"n"`
	Exact     float64  `json:"exact"`
	WithinOne float64  `json:"within_one"`
	Kappa     *float64 `json:"kappa"`
	Spearman  *float64 `json:"spearman"`
	// MeanDiff is the machine's score minus the supervisor's, on average:
	// positive when the machine is the more generous.
	MeanDiff float64 `json:"mean_diff"`
}

// A SupervisorCalibration is how far one supervisor's ratings agree with
// the machine's scores.
type SupervisorCalibration struct {
	Reviewer   string `json:"reviewer"` // display name
	ReviewerID string `json:"reviewer_id"`
	RatedTurns int    `json:"rated_turns"`
	BlindTurns int    `json:"blind_turns"`
	// Criteria holds the agreement on each criterion the supervisor
	// rated.
	Criteria map[string]Agreement `json:"criteria"`
}

// Calibration says how far the machine's scores agree with supervisors'
// ratings of the same turns.
type Calibration struct {
	// RatedTurns counts the distinct (session, turn) with at least one
	// supervisor score and a machine score on the same criterion.
	RatedTurns int `json:"rated_turns"`
	// BlindTurns counts those of them rated blind by at least one
	// reviewer.
	BlindTurns int `json:"blind_turns"`
	// Criteria holds the program-wide agreement on each criterion, every
	// reviewer's pair counted; Blind the same over blind ratings only,
	// the fair test of the machine.
	Criteria map[string]Agreement `json:"criteria"`
	Blind    map[string]Agreement `json:"blind"`
	// Supervisors are sorted by name.
	Supervisors []SupervisorCalibration `json:"supervisors"`
	// Scale is the rubric's range the agreement was computed on.
	Scale struct {
		Min int `json:"min"`
		Max int `json:"max"`
	} `json:"scale"`
}

// Calibrate pairs supervisors' ratings with the machine's scores. A pair
// is a review's score on criterion c of turn n where the transcript's
// turn n is a trainee turn with a machine score for c. When a reviewer
// rated the same turn more than once, only their latest review counts
// (by At; the later in the list on a tie, stores listing oldest first).
// reviews are by session id; names gives reviewers' display names by id.
func Calibrate(recs []engine.SessionRecord, reviews map[string][]engine.Review, names map[string]string, r *grading.Rubric) Calibration {
	r = orDefault(r)
	type turnKey struct {
		session string
		turn    int
	}
	type sup struct {
		pairs map[string]*pairs
		rated map[turnKey]bool
		blind map[turnKey]bool
	}
	all, blind := map[string]*pairs{}, map[string]*pairs{}
	rated, blindRated := map[turnKey]bool{}, map[turnKey]bool{}
	sups := map[string]*sup{}

	recs = slices.SortedStableFunc(slices.Values(recs), func(a, b engine.SessionRecord) int {
		return cmp.Compare(a.State.ID, b.State.ID)
	})
	for _, rec := range recs {
		id := rec.State.ID
		if len(reviews[id]) == 0 {
			continue
		}
		turns := map[int]engine.Turn{}
		for _, t := range rec.State.Turns {
			if t.Speaker == engine.Trainee {
				turns[t.N] = t
			}
		}
		for _, rt := range latestRatings(reviews[id], turns) {
			machine, ok := turns[rt.turn].Scores[rt.criterion]
			if !ok {
				continue
			}
			s := sups[rt.reviewer]
			if s == nil {
				s = &sup{pairs: map[string]*pairs{}, rated: map[turnKey]bool{}, blind: map[turnKey]bool{}}
				sups[rt.reviewer] = s
			}
			key := turnKey{id, rt.turn}
			add(all, rt.criterion, machine.Score, rt.score)
			add(s.pairs, rt.criterion, machine.Score, rt.score)
			rated[key], s.rated[key] = true, true
			if rt.blind {
				add(blind, rt.criterion, machine.Score, rt.score)
				blindRated[key], s.blind[key] = true, true
			}
		}
	}

	cal := Calibration{
		RatedTurns: len(rated), BlindTurns: len(blindRated),
		Criteria: agreements(all, r), Blind: agreements(blind, r),
		Supervisors: []SupervisorCalibration{},
	}
	cal.Scale.Min, cal.Scale.Max = r.Min, r.Max
	for id, s := range sups {
		if len(s.rated) == 0 {
			continue
		}
		cal.Supervisors = append(cal.Supervisors, SupervisorCalibration{
			Reviewer: nameOf(names, id), ReviewerID: id,
			RatedTurns: len(s.rated), BlindTurns: len(s.blind),
			Criteria: agreements(s.pairs, r),
		})
	}
	slices.SortFunc(cal.Supervisors, func(a, b SupervisorCalibration) int {
		return byName(a.Reviewer, a.ReviewerID, b.Reviewer, b.ReviewerID)
	})
	return cal
}

// A rating is one reviewer's score of one response on one criterion, and
// whether they gave it blind.
type rating struct {
	reviewer  string
	turn      int
	criterion string
	score     int
	blind     bool
	at        time.Time
}

// latestRatings keeps each reviewer's latest score of each response on
// each criterion, in turn, reviewer and criterion order: a reviewer who
// rates again has changed their mind, and the earlier score would count
// their view twice. A later review that leaves a criterion out (a comment
// alone, say) leaves the earlier score of it standing. Reviews of a
// response taken back since (see engine.Review.Rates) are not about the
// response now there, and are left out.
func latestRatings(reviews []engine.Review, turns map[int]engine.Turn) []rating {
	type key struct {
		reviewer  string
		turn      int
		criterion string
	}
	last := map[key]rating{}
	for _, rv := range reviews {
		t, ok := turns[rv.Turn]
		if !ok || !rv.Rates(t) {
			continue
		}
		for c, v := range rv.Scores {
			k := key{rv.Reviewer, rv.Turn, c}
			if prev, ok := last[k]; !ok || !rv.At.Before(prev.at) {
				last[k] = rating{reviewer: rv.Reviewer, turn: rv.Turn, criterion: c, score: v, blind: rv.Blind, at: rv.At}
			}
		}
	}
	out := make([]rating, 0, len(last))
	for _, rt := range last {
		out = append(out, rt)
	}
	slices.SortFunc(out, func(a, b rating) int {
		return cmp.Or(cmp.Compare(a.turn, b.turn), cmp.Compare(a.reviewer, b.reviewer), cmp.Compare(a.criterion, b.criterion))
	})
	return out
}

// pairs holds one criterion's paired scores.
type pairs struct {
	machine, human []int
}

func add(m map[string]*pairs, criterion string, machine, human int) {
	p := m[criterion]
	if p == nil {
		p = &pairs{}
		m[criterion] = p
	}
	p.machine = append(p.machine, machine)
	p.human = append(p.human, human)
}

// agreements computes the agreement on each criterion on the rubric's
// scale.
func agreements(m map[string]*pairs, r *grading.Rubric) map[string]Agreement {
	out := make(map[string]Agreement, len(m))
	for c, p := range m {
		out[c] = fromGrading(grading.Agree(p.machine, p.human, r.Min, r.Max))
	}
	return out
}

// fromGrading turns NaN into nil. On a single pair that differs,
// grading.Agree's kappa is 0 rather than NaN; a kappa of one pair says
// nothing, so it is nil here too.
func fromGrading(a grading.Agreement) Agreement {
	ag := Agreement{
		N: a.N, Exact: a.Exact, WithinOne: a.WithinOne,
		Kappa: finite(a.Kappa), Spearman: finite(a.Spearman), MeanDiff: a.MeanDiff,
	}
	if a.N < 2 {
		ag.Kappa, ag.Spearman = nil, nil
	}
	return ag
}
