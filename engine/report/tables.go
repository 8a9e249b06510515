package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// A CohortRow is one trainee's line in a supervisor's table.
type CohortRow struct {
	TraineeID string `json:"trainee_id"`
	Trainee   string `json:"trainee"`
	// Sessions counts every session; Ended and Repaired count ended
	// practice and assessment sessions, as in Progress.
	Sessions   int      `json:"sessions"`
	Ended      int      `json:"ended"`
	Repaired   int      `json:"repaired"`
	RepairRate *float64 `json:"repair_rate"`
	// Responses counts the scored responses the means are over.
	Responses int                `json:"responses"`
	Means     map[string]float64 `json:"means"`
	// Overall is the mean overall of the responses; nil without any.
	Overall *float64 `json:"overall"`
	// LastActive is the latest time any of the trainee's sessions was
	// updated.
	LastActive time.Time `json:"last_active"`
}

// Cohort returns one row per trainee in recs, sorted by name (from names,
// by trainee id; the id stands in for a missing name).
func Cohort(recs []engine.SessionRecord, names map[string]string, r *grading.Rubric) []CohortRow {
	r = orDefault(r)
	rows := map[string]*CohortRow{}
	tallies := map[string]*tally{}
	for _, rec := range recs {
		row := rows[rec.Trainee]
		if row == nil {
			row = &CohortRow{TraineeID: rec.Trainee, Trainee: nameOf(names, rec.Trainee)}
			rows[rec.Trainee] = row
			tallies[rec.Trainee] = &tally{}
		}
		st := rec.State
		row.Sessions++
		if last := cmp.Or(st.Updated, st.Started); last.After(row.LastActive) {
			row.LastActive = last
		}
		if !repairs(st) {
			continue
		}
		for _, resp := range responses(st, r) {
			tallies[rec.Trainee].add(resp)
		}
		if ended(st) {
			row.Ended++
			if st.Outcome == engine.Repaired {
				row.Repaired++
			}
		}
	}
	out := make([]CohortRow, 0, len(rows))
	for id, row := range rows {
		t := tallies[id]
		row.RepairRate = rate(row.Repaired, row.Ended)
		row.Responses, row.Means, row.Overall = t.n, t.means(), t.meanOverall()
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b CohortRow) int { return byName(a.Trainee, a.TraineeID, b.Trainee, b.TraineeID) })
	return out
}

// A StageStat says how trainees fare at one stage of a scenario.
type StageStat struct {
	Stage string `json:"stage"`
	// Responses counts the scored responses to the stage's line;
	// MeanOverall is their mean overall, 0 when there are none.
	Responses   int     `json:"responses"`
	MeanOverall float64 `json:"mean_overall"`
	// EndedHere counts the sessions that ended unrepaired or abandoned
	// while answering this stage.
	EndedHere int `json:"ended_here"`
}

// A ScenarioRow says how hard a scenario is in practice.
type ScenarioRow struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	// Sessions counts every session; Ended and Repaired count ended
	// practice and assessment sessions, as in Progress.
	Sessions   int                `json:"sessions"`
	Ended      int                `json:"ended"`
	Repaired   int                `json:"repaired"`
	RepairRate *float64           `json:"repair_rate"`
	Responses  int                `json:"responses"`
	Means      map[string]float64 `json:"means"`
	Overall    *float64           `json:"overall"`
	// Stuck lists the stages answered or ended at, where trainees get
	// stuck most first: EndedHere descending, then MeanOverall ascending,
	// then by stage id.
	Stuck []StageStat `json:"stuck"`
}

// Scenarios returns one row per scenario in recs, hardest first: by repair
// rate ascending, rows without a rate last, then by title and id. title
// names a scenario by id; nil, or an empty name, leaves the id.
func Scenarios(recs []engine.SessionRecord, title func(id string) string, r *grading.Rubric) []ScenarioRow {
	r = orDefault(r)
	type acc struct {
		row    ScenarioRow
		all    tally
		stages map[string]*tally
		ended  map[string]int
	}
	accs := map[string]*acc{}
	for _, rec := range recs {
		st := rec.State
		a := accs[st.ScenarioID]
		if a == nil {
			name := ""
			if title != nil {
				name = title(st.ScenarioID)
			}
			a = &acc{
				row:    ScenarioRow{Scenario: st.ScenarioID, Title: cmp.Or(name, st.ScenarioID)},
				stages: map[string]*tally{}, ended: map[string]int{},
			}
			accs[st.ScenarioID] = a
		}
		a.row.Sessions++
		if !repairs(st) {
			continue
		}
		for _, resp := range responses(st, r) {
			a.all.add(resp)
			if resp.stage == "" {
				continue
			}
			t := a.stages[resp.stage]
			if t == nil {
				t = &tally{}
				a.stages[resp.stage] = t
			}
			t.add(resp)
		}
		if !ended(st) {
			continue
		}
		a.row.Ended++
		if st.Outcome == engine.Repaired {
			a.row.Repaired++
		}
		if stage := stuckAt(st); stage != "" {
			a.ended[stage]++
		}
	}

	out := make([]ScenarioRow, 0, len(accs))
	for _, a := range accs {
		row := a.row
		row.RepairRate = rate(row.Repaired, row.Ended)
		row.Responses, row.Means, row.Overall = a.all.n, a.all.means(), a.all.meanOverall()
		row.Stuck = []StageStat{}
		for _, id := range sortedKeys(mergeKeys(a.stages, a.ended)) {
			stat := StageStat{Stage: id, EndedHere: a.ended[id]}
			if t := a.stages[id]; t != nil && t.n > 0 {
				stat.Responses, stat.MeanOverall = t.n, t.overall/float64(t.n)
			}
			row.Stuck = append(row.Stuck, stat)
		}
		slices.SortStableFunc(row.Stuck, func(x, y StageStat) int {
			return cmp.Or(cmp.Compare(y.EndedHere, x.EndedHere), cmp.Compare(x.MeanOverall, y.MeanOverall))
		})
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b ScenarioRow) int {
		return cmp.Or(compareRates(a.RepairRate, b.RepairRate),
			strings.Compare(a.Title, b.Title), strings.Compare(a.Scenario, b.Scenario))
	})
	return out
}

// compareRates orders rates ascending, undefined ones last.
func compareRates(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}

// mergeKeys returns the union of two maps' keys, as a set.
func mergeKeys[A, B any](a map[string]A, b map[string]B) map[string]bool {
	keys := make(map[string]bool, len(a)+len(b))
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}
