// Package report summarises stored sessions for the people who read them:
// a trainee's progress, a cohort's table, how hard each scenario is in
// practice, and how far the machine's scores agree with supervisors'.
//
// Every function is pure: it takes records the caller has already loaded
// and returns plain values that encode to JSON without NaN, so that the web
// layer can serve them as they are. Numbers that can be undefined (a rate
// with nothing to divide by, a kappa on constant scores) are pointers, nil
// when undefined.
package report

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// A Filter narrows the sessions a report covers; zero fields match all.
type Filter struct {
	// From and To bound State.Started: From inclusive, To exclusive.
	From time.Time `json:"from,omitzero"`
	To   time.Time `json:"to,omitzero"`
	// Scenario is a scenario id, Trainee a user id.
	Scenario string `json:"scenario,omitempty"`
	Trainee  string `json:"trainee,omitempty"`
	Cohort   string `json:"cohort,omitempty"`
	Mode     string `json:"mode,omitempty"`
}

// Matches reports whether a record passes every set field of the filter.
func (f Filter) Matches(r engine.SessionRecord) bool {
	st := r.State
	return (f.From.IsZero() || !st.Started.Before(f.From)) &&
		(f.To.IsZero() || st.Started.Before(f.To)) &&
		(f.Scenario == "" || st.ScenarioID == f.Scenario) &&
		(f.Trainee == "" || r.Trainee == f.Trainee) &&
		(f.Cohort == "" || r.Cohort == f.Cohort) &&
		(f.Mode == "" || st.Mode == f.Mode)
}

// Select returns the records the filter matches, in their order.
func (f Filter) Select(recs []engine.SessionRecord) []engine.SessionRecord {
	out := []engine.SessionRecord{}
	for _, r := range recs {
		if f.Matches(r) {
			out = append(out, r)
		}
	}
	return out
}

// repairs reports whether a session is one where the trainee answers the
// client and the outcome says whether they repaired the rupture: practice
// and assessment, not recognition, where nobody answers. An empty mode is
// taken as practice, the default.
func repairs(st engine.State) bool {
	return st.Mode != engine.Recognition
}

// ended reports whether a repair session has ended, and so counts in a
// repair rate: abandoned sessions count as not repaired.
func ended(st engine.State) bool {
	return repairs(st) && st.Status == engine.Ended
}

// rate returns num/den, or nil when there is nothing to divide by.
func rate(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	return finite(float64(num) / float64(den))
}

// finite returns a pointer to x, or nil when x is NaN or infinite: JSON
// cannot carry those.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// orDefault returns r, or the built-in rubric when the caller has none.
func orDefault(r *grading.Rubric) *grading.Rubric {
	if r == nil {
		return grading.DefaultRubric()
	}
	return r
}

// A response is one scored trainee turn and the stage it answered.
type response struct {
	stage   string
	scores  map[string]grading.Score
	overall float64
}

// responses returns the scored trainee turns of a session, in order. A
// trainee turn answers the client line before it, so that line's stage is
// the stage answered. A turn without an overall of its own (older records)
// is given the rubric's weighted overall of its scores.
func responses(st engine.State, r *grading.Rubric) []response {
	var out []response
	for i, t := range st.Turns {
		if t.Speaker != engine.Trainee || (len(t.Scores) == 0 && t.Overall == nil) {
			continue
		}
		resp := response{scores: t.Scores}
		if i > 0 && st.Turns[i-1].Speaker == engine.Client {
			resp.stage = st.Turns[i-1].Stage
		}
		if t.Overall != nil {
			resp.overall = float64(*t.Overall)
		} else {
			resp.overall = float64(r.WeightedOverall(t.Scores))
		}
		out = append(out, resp)
	}
	return out
}

// stuckAt returns the stage a session was answering when it ended
// unrepaired or abandoned, or "" when it did not end that way. Unrepaired
// sessions end with the closing line after the trainee's last answer, so
// the stage is the one that answer responded to; abandoned ones end with
// a line still waiting for an answer.
func stuckAt(st engine.State) string {
	if !ended(st) || (st.Outcome != engine.Unrepaired && st.Outcome != engine.Abandoned) {
		return ""
	}
	turns := st.Turns
	if st.Outcome == engine.Abandoned && len(turns) > 0 && turns[len(turns)-1].Speaker == engine.Client {
		return turns[len(turns)-1].Stage
	}
	for i := len(turns) - 1; i > 0; i-- {
		if turns[i].Speaker == engine.Trainee && turns[i-1].Speaker == engine.Client {
			return turns[i-1].Stage
		}
	}
	// No transcript to go by: the state keeps the stage last awaiting an
	// answer.
	return st.Stage
}

// A tally accumulates criterion scores and overalls over responses.
type tally struct {
	sums    map[string]float64
	counts  map[string]int
	overall float64
	n       int
}

func (t *tally) add(resp response) {
	if t.sums == nil {
		t.sums, t.counts = map[string]float64{}, map[string]int{}
	}
	for c, s := range resp.scores {
		t.sums[c] += float64(s.Score)
		t.counts[c]++
	}
	t.overall += resp.overall
	t.n++
}

// means returns each criterion's mean over the responses scored on it;
// empty, never nil, so that it encodes as {}.
func (t *tally) means() map[string]float64 {
	out := make(map[string]float64, len(t.sums))
	for c, sum := range t.sums {
		out[c] = sum / float64(t.counts[c])
	}
	return out
}

// meanOverall returns the mean overall, or nil without responses.
func (t *tally) meanOverall() *float64 {
	if t.n == 0 {
		return nil
	}
	return finite(t.overall / float64(t.n))
}

// byStart orders records oldest first, by id when they started together,
// so that reports do not depend on the order a store lists them in.
func byStart(a, b engine.SessionRecord) int {
	return cmp.Or(a.State.Started.Compare(b.State.Started), strings.Compare(a.State.ID, b.State.ID))
}

// nameOf returns a display name from names, or the id itself.
func nameOf(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return id
}

// byName orders display names case-insensitively, then by id.
func byName(nameA, idA, nameB, idB string) int {
	return cmp.Or(
		strings.Compare(strings.ToLower(nameA), strings.ToLower(nameB)),
		strings.Compare(nameA, nameB),
		strings.Compare(idA, idB))
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
