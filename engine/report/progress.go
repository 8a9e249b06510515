package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// Recent is how many of a trainee's latest sessions with responses decide
// their weakest criterion: enough to even out one bad day, few enough to
// follow improvement.
const Recent = 5

// A Point is one ended session on a trainee's progress chart.
type Point struct {
	Session  string    `json:"session"`
	Scenario string    `json:"scenario"`
	Title    string    `json:"title"`
	Mode     string    `json:"mode"`
	Outcome  string    `json:"outcome"`
	At       time.Time `json:"at"` // when the session started
	// Responses counts the scored responses the means are over.
	Responses int                `json:"responses"`
	Means     map[string]float64 `json:"means"`
	Overall   float64            `json:"overall"`
}

// A Suggestion is what a trainee might practise next: their weakest
// criterion and a scenario whose course turns on it.
type Suggestion struct {
	Criterion     string `json:"criterion"`
	CriterionName string `json:"criterion_name"`
	Scenario      string `json:"scenario"`
	Title         string `json:"title"`
	Difficulty    string `json:"difficulty"`
	// Branches counts the scenario's transitions that test the criterion.
	Branches int `json:"branches"`
	// Why is a plain sentence or two for the trainee.
	Why string `json:"why"`
}

// Progress is one trainee's record over their sessions.
type Progress struct {
	// Sessions counts every session, whatever its mode or state.
	Sessions int `json:"sessions"`
	// Ended and Repaired count ended practice and assessment sessions:
	// recognition sessions have no repair to count.
	Ended    int `json:"ended"`
	Repaired int `json:"repaired"`
	// RepairRate is Repaired/Ended, abandoned sessions counting as not
	// repaired; nil when none ended.
	RepairRate *float64 `json:"repair_rate"`
	// ScenariosDone lists, sorted, the scenarios with at least one ended
	// session of any mode.
	ScenariosDone []string `json:"scenarios_done"`
	// Points holds one per ended practice or assessment session with
	// responses, oldest first.
	Points []Point `json:"points"`
	// Means holds each criterion's mean over every scored response.
	Means map[string]float64 `json:"means"`
	// Weakest is the rubric criterion with the lowest mean over the last
	// Recent sessions with responses, "" when there are none.
	Weakest string `json:"weakest"`
	// Next is what to practise next; nil without a weakest criterion or
	// a scenario in the library that branches on it.
	Next *Suggestion `json:"next"`
}

// TraineeProgress summarises one trainee's sessions: pass only theirs (see
// Filter). r is the rubric the criteria come from; library holds the
// scenarios the trainee may practise, one version per id (the newest is
// used if there are several).
func TraineeProgress(recs []engine.SessionRecord, r *grading.Rubric, library []*scenarios.Scenario) Progress {
	r = orDefault(r)
	lib := latest(library)
	p := Progress{ScenariosDone: []string{}, Points: []Point{}}
	recs = slices.SortedStableFunc(slices.Values(recs), byStart)

	done := map[string]bool{}
	repaired := map[string]bool{}
	all := &tally{}
	var withResponses [][]response // oldest first
	for _, rec := range recs {
		st := rec.State
		p.Sessions++
		if st.Status == engine.Ended {
			done[st.ScenarioID] = true
		}
		if !repairs(st) {
			continue
		}
		resps := responses(st, r)
		for _, resp := range resps {
			all.add(resp)
		}
		if len(resps) > 0 {
			withResponses = append(withResponses, resps)
		}
		if !ended(st) {
			continue
		}
		p.Ended++
		if st.Outcome == engine.Repaired {
			p.Repaired++
			repaired[st.ScenarioID] = true
		}
		if len(resps) == 0 {
			continue
		}
		t := &tally{}
		for _, resp := range resps {
			t.add(resp)
		}
		title := st.ScenarioID
		if s := lib[st.ScenarioID]; s != nil && s.Title != "" {
			title = s.Title
		}
		p.Points = append(p.Points, Point{
			Session: st.ID, Scenario: st.ScenarioID, Title: title, Mode: st.Mode, Outcome: st.Outcome,
			At: st.Started, Responses: t.n, Means: t.means(), Overall: t.overall / float64(t.n),
		})
	}
	p.RepairRate = rate(p.Repaired, p.Ended)
	p.ScenariosDone = sortedKeys(done)
	p.Means = all.means()

	recent := &tally{}
	for _, resps := range withResponses[max(0, len(withResponses)-Recent):] {
		for _, resp := range resps {
			recent.add(resp)
		}
	}
	weakMeans := recent.means()
	p.Weakest = weakest(weakMeans, r)
	if p.Weakest != "" {
		p.Next = suggest(p.Weakest, weakMeans[p.Weakest], r, lib, recs, repaired)
	}
	return p
}

// weakest returns the rubric criterion with the lowest mean, the earlier
// in the rubric on a tie; "" when no rubric criterion has a mean.
// Criteria the rubric no longer has are left out: a suggestion must name
// something the trainee is scored on now.
func weakest(means map[string]float64, r *grading.Rubric) string {
	best, low := "", math.Inf(1)
	for _, c := range r.Criteria {
		if m, ok := means[c.ID]; ok && m < low {
			best, low = c.ID, m
		}
	}
	return best
}

// Difficulty ranks, so that a suggestion stays within reach.
var levels = map[string]int{scenarios.Beginner: 0, scenarios.Intermediate: 1, scenarios.Advanced: 2}

// suggest picks a scenario to practise a criterion in. Candidates are the
// scenarios with at least one transition testing the criterion: where the
// client goes next depends on it, so practising there gives the trainee
// feedback on it through the client, not only through the scores. Among
// them it prefers, in order: one the trainee has not repaired yet; one no
// more than a level above the hardest they have ended (beginner counts as
// within reach for someone who has ended none); the one that branches on
// the criterion most; and the lower id.
func suggest(criterion string, mean float64, r *grading.Rubric, lib map[string]*scenarios.Scenario, recs []engine.SessionRecord, repaired map[string]bool) *Suggestion {
	hardest := -1
	for _, rec := range recs {
		if s := lib[rec.State.ScenarioID]; s != nil && ended(rec.State) {
			hardest = max(hardest, levels[s.Difficulty])
		}
	}
	reach := hardest + 1
	type candidate struct {
		s        *scenarios.Scenario
		branches int
		repaired bool
		above    int
	}
	var cands []candidate
	for _, s := range lib {
		n := branches(s, criterion)
		if n == 0 {
			continue
		}
		cands = append(cands, candidate{s: s, branches: n, repaired: repaired[s.ID], above: max(0, levels[s.Difficulty]-reach)})
	}
	if len(cands) == 0 {
		return nil
	}
	best := slices.MinFunc(cands, func(a, b candidate) int {
		return cmp.Or(
			boolOrder(a.repaired, b.repaired),
			cmp.Compare(a.above, b.above),
			cmp.Compare(b.branches, a.branches),
			strings.Compare(a.s.ID, b.s.ID))
	})
	c, _ := r.Criterion(criterion)
	name := cmp.Or(c.Name, criterion)
	title := cmp.Or(best.s.Title, best.s.ID)
	return &Suggestion{
		Criterion: criterion, CriterionName: name,
		Scenario: best.s.ID, Title: title, Difficulty: best.s.Difficulty, Branches: best.branches,
		Why: why(name, mean, r, best.s, criterion, best.branches),
	}
}

// boolOrder puts false before true.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// latest keeps the newest version of each scenario.
func latest(library []*scenarios.Scenario) map[string]*scenarios.Scenario {
	lib := map[string]*scenarios.Scenario{}
	for _, s := range library {
		if s == nil || len(s.Stages) == 0 {
			continue
		}
		if prev := lib[s.ID]; prev == nil || s.Version > prev.Version {
			lib[s.ID] = s
		}
	}
	return lib
}

// branches counts a scenario's transitions that test a criterion.
func branches(s *scenarios.Scenario, criterion string) int {
	n := 0
	for _, st := range s.Stages {
		for _, t := range st.Transitions {
			if slices.ContainsFunc(t.When, func(c scenarios.Condition) bool { return c.Criterion == criterion }) {
				n++
			}
		}
	}
	return n
}

// why explains a suggestion from the scenario itself: how many of the
// client's turning points test the criterion, and the score on it that
// takes the conversation closer to repair, or the one that takes it
// further away.
func why(name string, mean float64, r *grading.Rubric, s *scenarios.Scenario, criterion string, n int) string {
	client := "the client"
	if first, _, _ := strings.Cut(strings.TrimSpace(s.Persona.Name), " "); first != "" {
		client = first
	}
	lower := lowerFirst(name)
	var b strings.Builder
	fmt.Fprintf(&b, "%s is your lowest score lately (%.1f out of %d). In “%s”, your %s decides where %s goes next at %s in the conversation",
		name, mean, r.Max, cmp.Or(s.Title, s.ID), lower, client, plural(n, "turning point", "turning points"))
	toward, away := thresholds(s, criterion)
	switch {
	case toward != nil:
		fmt.Fprintf(&b, "; repairing the rupture takes a %d or higher.", *toward)
	case away != nil:
		fmt.Fprintf(&b, "; a %d or lower takes the conversation away from repair.", *away)
	default:
		b.WriteString(".")
	}
	return b.String()
}

// thresholds reads a scenario's conditions on a criterion: the lowest
// score that a transition toward repair asks for, and the highest score
// that sends the conversation away from it. Toward and away are measured
// as the number of steps left to the repaired ending.
func thresholds(s *scenarios.Scenario, criterion string) (toward, away *int) {
	dist := stepsToRepair(s)
	far := len(s.Stages) + 2 // further than any stage; unrepaired is here
	d := func(id string) int {
		if v, ok := dist[id]; ok {
			return v
		}
		return far
	}
	for _, st := range s.Stages {
		for _, t := range st.Transitions {
			for _, c := range t.When {
				if c.Criterion != criterion {
					continue
				}
				switch {
				case d(t.To) < d(st.ID):
					if lo, ok := lowest(c); ok && (toward == nil || lo < *toward) {
						toward = &lo
					}
				case d(t.To) > d(st.ID):
					if hi, ok := highest(c); ok && (away == nil || hi > *away) {
						away = &hi
					}
				}
			}
		}
	}
	return toward, away
}

// lowest returns the lowest score a lower-bound condition accepts.
func lowest(c scenarios.Condition) (int, bool) {
	switch c.Op {
	case ">=", "==":
		return c.Value, true
	case ">":
		return c.Value + 1, true
	}
	return 0, false
}

// highest returns the highest score an upper-bound condition accepts.
func highest(c scenarios.Condition) (int, bool) {
	switch c.Op {
	case "<=", "==":
		return c.Value, true
	case "<":
		return c.Value - 1, true
	}
	return 0, false
}

// stepsToRepair returns, for each stage from which the repaired ending
// can be reached, the fewest responses it takes; the ending itself is 0.
func stepsToRepair(s *scenarios.Scenario) map[string]int {
	dist := map[string]int{scenarios.Repaired: 0}
	for changed := true; changed; {
		changed = false
		for _, st := range s.Stages {
			for _, t := range st.Transitions {
				if dt, ok := dist[t.To]; ok {
					if cur, ok := dist[st.ID]; !ok || dt+1 < cur {
						dist[st.ID] = dt + 1
						changed = true
					}
				}
			}
		}
	}
	return dist
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// lowerFirst lowercases a criterion's name to use it mid-sentence, unless
// it starts with an acronym.
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}
