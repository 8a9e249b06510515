package report

import (
	"cmp"
	"slices"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// Agreement is grading.Agreement fit for JSON: Kappa and Spearman are nil
// where they are undefined: fewer than two pairs, or (for Spearman, and
// for kappa when both sides did) a side that gave every pair the same
// score. Where only one side did, grading.Agree gives a kappa of 0, no
// better than chance, and that is kept.
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
		for _, rv := range latestReviews(reviews[id]) {
			t, ok := turns[rv.Turn]
			if !ok {
				continue
			}
			s := sups[rv.Reviewer]
			if s == nil {
				s = &sup{pairs: map[string]*pairs{}, rated: map[turnKey]bool{}, blind: map[turnKey]bool{}}
				sups[rv.Reviewer] = s
			}
			key := turnKey{id, rv.Turn}
			for _, c := range sortedKeys(rv.Scores) {
				machine, ok := t.Scores[c]
				if !ok {
					continue
				}
				human := rv.Scores[c]
				add(all, c, machine.Score, human)
				add(s.pairs, c, machine.Score, human)
				rated[key], s.rated[key] = true, true
				if rv.Blind {
					add(blind, c, machine.Score, human)
					blindRated[key], s.blind[key] = true, true
				}
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

// latestReviews keeps each reviewer's latest review of each turn, in turn
// then reviewer order: a reviewer who rates a turn again has changed
// their mind, and the earlier rating would count their view twice.
func latestReviews(reviews []engine.Review) []engine.Review {
	type key struct {
		reviewer string
		turn     int
	}
	last := map[key]engine.Review{}
	for _, rv := range reviews {
		k := key{rv.Reviewer, rv.Turn}
		if prev, ok := last[k]; !ok || !rv.At.Before(prev.At) {
			last[k] = rv
		}
	}
	out := make([]engine.Review, 0, len(last))
	for _, rv := range last {
		out = append(out, rv)
	}
	slices.SortFunc(out, func(a, b engine.Review) int {
		return cmp.Or(cmp.Compare(a.Turn, b.Turn), cmp.Compare(a.Reviewer, b.Reviewer))
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

// fromGrading turns NaN into nil. grading.Agree documents kappa as
// undefined on fewer than two items, but on a single pair that differs
// its formula gives 0 rather than NaN; a kappa of one pair says nothing,
// so it is nil here too.
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
