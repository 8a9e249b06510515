package report_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/report"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

var (
	rubric = grading.DefaultRubric()
	day0   = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
)

// An exchange is one client line at a stage and, unless pending, the
// trainee's answer scored validation, non_defensiveness, exploration.
type exchange struct {
	stage    string
	v, nd, x int
	pending  bool
}

func answer(stage string, v, nd, x int) exchange { return exchange{stage: stage, v: v, nd: nd, x: x} }

// ask is a client line left unanswered: where an abandoned or active
// session stands.
func ask(stage string) exchange { return exchange{stage: stage, pending: true} }

func scores(v, nd, x int) map[string]grading.Score {
	return map[string]grading.Score{
		grading.Validation:       {Score: v},
		grading.NonDefensiveness: {Score: nd},
		grading.Exploration:      {Score: x},
	}
}

// session builds a practice session's record by hand. outcome "" leaves it
// active; repaired and unrepaired add the closing line.
func session(id, trainee, scenario string, day int, outcome string, exs ...exchange) engine.SessionRecord {
	start := day0.AddDate(0, 0, day)
	st := engine.State{
		ID: id, ScenarioID: scenario, Mode: engine.Practice, Status: engine.Active,
		Started: start, Updated: start.Add(30 * time.Minute),
	}
	n := 0
	for _, e := range exs {
		n++
		st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Client, Stage: e.stage, Text: "client line"})
		st.Stage = e.stage
		if e.pending {
			continue
		}
		n++
		sc := scores(e.v, e.nd, e.x)
		overall := rubric.WeightedOverall(sc)
		st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Trainee, Text: "answer", Scores: sc, Overall: &overall})
	}
	if outcome != "" {
		st.Status, st.Outcome = engine.Ended, outcome
		if outcome == engine.Repaired || outcome == engine.Unrepaired {
			n++
			st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Client, Stage: outcome, Text: "closing line"})
		}
	}
	return engine.SessionRecord{State: st, Trainee: trainee, Cohort: "c1"}
}

func withMode(r engine.SessionRecord, mode string) engine.SessionRecord {
	r.State.Mode = mode
	return r
}

// recognition builds a completed recognition session: client lines only.
func recognition(id, trainee, scenario string, day int) engine.SessionRecord {
	r := withMode(session(id, trainee, scenario, day, "", ask("opening"), ask("guarded")), engine.Recognition)
	r.State.Status, r.State.Outcome = engine.Ended, engine.Completed
	return r
}

func mustLibrary(tb testing.TB) []*scenarios.Scenario {
	tb.Helper()
	set, err := scenarios.LoadFS(scenarios.Library(), ".", rubric.Scale())
	if err != nil {
		tb.Fatal(err)
	}
	if len(set.Problems) > 0 {
		tb.Fatalf("library problems: %v", set.Problems)
	}
	return set.Scenarios
}

func ptr(x float64) *float64 { return &x }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func sameRate(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || near(*a, *b))
}

func rateString(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

func sameMeans(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: means %v, want %v", what, got, want)
		return
	}
	for c, w := range want {
		if g, ok := got[c]; !ok || !near(g, w) {
			t.Errorf("%s: mean %s = %v, want %v", what, c, g, w)
		}
	}
}

// history is trainee t1's record: listed out of order on purpose.
func history() []engine.SessionRecord {
	return []engine.SessionRecord{
		// Overalls: (2,2,0)=40, (1,1,0)=20.
		session("s1", "t1", "late-again", 1, engine.Unrepaired, answer("opening", 2, 2, 0), answer("escalating", 1, 1, 0)),
		// Abandoned before answering anything: ended, but no point.
		session("s6", "t1", "i-dunno", 0, engine.Abandoned, ask("opening")),
		// (3,3,1)=65, (4,4,2)=90.
		session("s2", "t1", "late-again", 2, engine.Repaired, answer("opening", 3, 3, 1), answer("softening", 4, 4, 2)),
		withMode(session("s3", "t1", "i-dunno", 3, engine.Abandoned, answer("opening", 3, 3, 1), ask("thawing")), engine.Assessment),
		recognition("s4", "t1", "cancellation-fee", 4),
		// Active: its response counts in the means, not as a point.
		session("s5", "t1", "pointless-homework", 5, "", answer("opening", 3, 2, 1), ask("guarded")),
	}
}

func TestTraineeProgress(t *testing.T) {
	lib := mustLibrary(t)
	p := report.TraineeProgress(history(), rubric, lib)

	if p.Sessions != 6 || p.Ended != 4 || p.Repaired != 1 {
		t.Errorf("sessions, ended, repaired = %d, %d, %d; want 6, 4, 1", p.Sessions, p.Ended, p.Repaired)
	}
	if !sameRate(p.RepairRate, ptr(0.25)) {
		t.Errorf("repair rate %s, want 0.25", rateString(p.RepairRate))
	}
	if want := []string{"cancellation-fee", "i-dunno", "late-again"}; !slices.Equal(p.ScenariosDone, want) {
		t.Errorf("scenarios done %v, want %v", p.ScenariosDone, want)
	}
	wantPoints := []struct {
		session, title string
		means          map[string]float64
		overall        float64
	}{
		{"s1", "Late again", map[string]float64{"validation": 1.5, "non_defensiveness": 1.5, "exploration": 0}, 30},
		{"s2", "Late again", map[string]float64{"validation": 3.5, "non_defensiveness": 3.5, "exploration": 1.5}, 77.5},
		{"s3", "Dunno", map[string]float64{"validation": 3, "non_defensiveness": 3, "exploration": 1}, 65},
	}
	if len(p.Points) != len(wantPoints) {
		t.Fatalf("points %+v, want %d", p.Points, len(wantPoints))
	}
	for i, w := range wantPoints {
		got := p.Points[i]
		if got.Session != w.session || got.Title != w.title || !near(got.Overall, w.overall) {
			t.Errorf("point %d = %s %q overall %v, want %s %q %v", i, got.Session, got.Title, got.Overall, w.session, w.title, w.overall)
		}
		sameMeans(t, "point "+w.session, got.Means, w.means)
	}
	if !p.Points[0].At.Equal(day0.AddDate(0, 0, 1)) {
		t.Errorf("point at %v, want the session's start", p.Points[0].At)
	}
	// Over (2,2,0) (1,1,0) (3,3,1) (4,4,2) (3,3,1) (3,2,1).
	sameMeans(t, "progress", p.Means, map[string]float64{"validation": 16.0 / 6, "non_defensiveness": 15.0 / 6, "exploration": 5.0 / 6})
	if p.Weakest != grading.Exploration {
		t.Errorf("weakest %q, want exploration", p.Weakest)
	}
}

func TestWeakestUsesRecentSessions(t *testing.T) {
	// The first session's four responses pull exploration down overall;
	// the last five sessions are weakest on validation.
	recs := []engine.SessionRecord{session("old", "t1", "late-again", 0, engine.Unrepaired,
		answer("opening", 4, 4, 0), answer("guarded", 4, 4, 0), answer("withdrawing", 4, 4, 0), answer("guarded", 4, 4, 0))}
	for i := range 5 {
		recs = append(recs, session("new"+string(rune('a'+i)), "t1", "late-again", i+1, engine.Unrepaired, answer("opening", 2, 4, 3)))
	}
	p := report.TraineeProgress(recs, rubric, mustLibrary(t))
	if p.Means[grading.Exploration] >= p.Means[grading.Validation] {
		t.Fatalf("fixture: overall means %v should have exploration lowest", p.Means)
	}
	if p.Weakest != grading.Validation {
		t.Errorf("weakest %q, want validation (the last %d sessions)", p.Weakest, report.Recent)
	}
}

func TestSuggestion(t *testing.T) {
	lib := mustLibrary(t)
	byID := map[string]*scenarios.Scenario{}
	for _, s := range lib {
		byID[s.ID] = s
	}
	level := map[string]int{scenarios.Beginner: 0, scenarios.Intermediate: 1, scenarios.Advanced: 2}
	tests := []struct {
		name      string
		recs      []engine.SessionRecord
		criterion string
		// scenario, when set, is the one expected; the properties below
		// are checked either way.
		scenario string
		maxLevel int
	}{
		{
			// Only advanced scenarios branch on exploration, one level
			// beyond a trainee who has done beginners; too-quick-yes tests
			// it on the most transitions.
			name: "exploration after beginners", recs: history(),
			criterion: grading.Exploration, scenario: "too-quick-yes", maxLevel: 2,
		},
		{
			// Once too-quick-yes is repaired, another that branches on
			// exploration comes first.
			name: "repaired scenarios come last",
			recs: append(history(), session("s7", "t1", "too-quick-yes", 6, engine.Repaired,
				answer("opening", 4, 4, 3), answer("cracking", 4, 4, 3))),
			criterion: grading.Exploration, scenario: "whats-the-point", maxLevel: 2,
		},
		{
			// Validation is tested everywhere: stay within a level of the
			// beginner scenarios done.
			name: "within reach",
			recs: []engine.SessionRecord{session("v1", "t1", "late-again", 0, engine.Unrepaired,
				answer("opening", 0, 2, 2), answer("withdrawing", 1, 2, 2))},
			criterion: grading.Validation, maxLevel: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := report.TraineeProgress(tt.recs, rubric, lib)
			if p.Weakest != tt.criterion {
				t.Fatalf("weakest %q, want %q", p.Weakest, tt.criterion)
			}
			s := p.Next
			if s == nil {
				t.Fatal("no suggestion")
			}
			if s.Criterion != tt.criterion {
				t.Errorf("criterion %q, want %q", s.Criterion, tt.criterion)
			}
			if tt.scenario != "" && s.Scenario != tt.scenario {
				t.Errorf("scenario %q, want %q", s.Scenario, tt.scenario)
			}
			scn := byID[s.Scenario]
			if scn == nil {
				t.Fatalf("scenario %q is not in the library", s.Scenario)
			}
			if n := branchesOn(scn, tt.criterion); n == 0 || n != s.Branches {
				t.Errorf("%s branches on %s %d times, suggestion says %d", scn.ID, tt.criterion, n, s.Branches)
			}
			if level[scn.Difficulty] > tt.maxLevel {
				t.Errorf("%s is %s, beyond reach", scn.ID, scn.Difficulty)
			}
			if s.Title != scn.Title {
				t.Errorf("title %q, want %q", s.Title, scn.Title)
			}
			c, _ := rubric.Criterion(tt.criterion)
			if s.CriterionName != c.Name || !strings.HasPrefix(s.Why, c.Name+" is your lowest score lately") ||
				!strings.Contains(s.Why, scn.Title) || !strings.HasSuffix(s.Why, ".") || strings.Count(s.Why, ". ") > 1 {
				t.Errorf("why = %q: want a sentence or two naming %s and %s", s.Why, c.Name, scn.Title)
			}
			t.Logf("why: %s", s.Why)
			// The same history suggests the same, whatever the order.
			rev := slices.Clone(tt.recs)
			slices.Reverse(rev)
			libRev := slices.Clone(lib)
			slices.Reverse(libRev)
			if again := report.TraineeProgress(rev, rubric, libRev).Next; again == nil || *again != *s {
				t.Errorf("suggestion changed with input order: %+v, then %+v", s, again)
			}
		})
	}
}

func TestSuggestionWhy(t *testing.T) {
	p := report.TraineeProgress(history(), rubric, mustLibrary(t))
	// Mean exploration 5/6 over the last sessions; too-quick-yes asks for
	// exploration of 3 or more on its way to repair.
	want := "Exploration is your lowest score lately (0.8 out of 4). In “A yes that came too quickly”, " +
		"your exploration decides where Daniel goes next at 7 turning points in the conversation; repairing the rupture takes a 3 or higher."
	if p.Next == nil || p.Next.Why != want {
		t.Errorf("why:\n got %+v\nwant %q", p.Next, want)
	}
}

func TestNoSuggestionWithoutScenario(t *testing.T) {
	// A library that never branches on the weakest criterion has nothing
	// to suggest for it.
	var lib []*scenarios.Scenario
	for _, s := range mustLibrary(t) {
		if branchesOn(s, grading.Exploration) == 0 {
			lib = append(lib, s)
		}
	}
	p := report.TraineeProgress(history(), rubric, lib)
	if p.Weakest != grading.Exploration || p.Next != nil {
		t.Errorf("weakest %q next %+v; want exploration and no suggestion", p.Weakest, p.Next)
	}
}

func branchesOn(s *scenarios.Scenario, criterion string) int {
	n := 0
	for _, st := range s.Stages {
		for _, tr := range st.Transitions {
			for _, c := range tr.When {
				if c.Criterion == criterion {
					n++
				}
			}
		}
	}
	return n
}

func TestFilter(t *testing.T) {
	rec := withMode(session("s", "t1", "late-again", 2, engine.Repaired, answer("opening", 3, 3, 3)), engine.Assessment)
	start := rec.State.Started
	tests := []struct {
		name string
		f    report.Filter
		want bool
	}{
		{"zero matches all", report.Filter{}, true},
		{"from is inclusive", report.Filter{From: start}, true},
		{"from after", report.Filter{From: start.Add(time.Second)}, false},
		{"to is exclusive", report.Filter{To: start}, false},
		{"to after", report.Filter{To: start.Add(time.Second)}, true},
		{"window", report.Filter{From: start.Add(-time.Hour), To: start.Add(time.Hour)}, true},
		{"scenario", report.Filter{Scenario: "late-again"}, true},
		{"other scenario", report.Filter{Scenario: "i-dunno"}, false},
		{"trainee", report.Filter{Trainee: "t1"}, true},
		{"other trainee", report.Filter{Trainee: "t2"}, false},
		{"mode", report.Filter{Mode: engine.Assessment}, true},
		{"other mode", report.Filter{Mode: engine.Practice}, false},
		{"cohort", report.Filter{Cohort: "c1"}, true},
		{"other cohort", report.Filter{Cohort: "c2"}, false},
		{"all fields", report.Filter{From: start, To: start.Add(time.Hour), Scenario: "late-again", Trainee: "t1", Mode: engine.Assessment}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Matches(rec); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
	got := report.Filter{Trainee: "t1", Mode: engine.Practice}.Select(append(history(), session("x", "t2", "late-again", 0, "")))
	var ids []string
	for _, r := range got {
		ids = append(ids, r.State.ID)
	}
	if want := []string{"s1", "s6", "s2", "s5"}; !slices.Equal(ids, want) {
		t.Errorf("selected %v, want %v", ids, want)
	}
}

func TestCohort(t *testing.T) {
	recs := append(history(),
		session("b1", "t2", "late-again", 7, engine.Repaired, answer("opening", 4, 4, 4)),
		session("b2", "t2", "i-dunno", 8, engine.Repaired, answer("opening", 2, 2, 2)),
		session("c1", "t3", "i-dunno", 9, "", ask("opening")),
	)
	names := map[string]string{"t1": "Zoe", "t2": "adam"}
	rows := report.Cohort(recs, names, rubric)
	want := []report.CohortRow{
		{TraineeID: "t2", Trainee: "adam", Sessions: 2, Ended: 2, Repaired: 2, RepairRate: ptr(1), Responses: 2,
			Means:   map[string]float64{"validation": 3, "non_defensiveness": 3, "exploration": 3},
			Overall: ptr(75), LastActive: day0.AddDate(0, 0, 8).Add(30 * time.Minute)},
		// No name: the id stands in, and sorts as one.
		{TraineeID: "t3", Trainee: "t3", Sessions: 1, Means: map[string]float64{},
			LastActive: day0.AddDate(0, 0, 9).Add(30 * time.Minute)},
		// Responses 40 20 65 90 65 55.
		{TraineeID: "t1", Trainee: "Zoe", Sessions: 6, Ended: 4, Repaired: 1, RepairRate: ptr(0.25), Responses: 6,
			Means:   map[string]float64{"validation": 16.0 / 6, "non_defensiveness": 15.0 / 6, "exploration": 5.0 / 6},
			Overall: ptr(335.0 / 6), LastActive: day0.AddDate(0, 0, 5).Add(30 * time.Minute)},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v, want %d", rows, len(want))
	}
	for i, w := range want {
		g := rows[i]
		if g.TraineeID != w.TraineeID || g.Trainee != w.Trainee || g.Sessions != w.Sessions || g.Ended != w.Ended ||
			g.Repaired != w.Repaired || g.Responses != w.Responses || !sameRate(g.RepairRate, w.RepairRate) ||
			!sameRate(g.Overall, w.Overall) || !g.LastActive.Equal(w.LastActive) {
			t.Errorf("row %d:\n got %+v rate %s overall %s\nwant %+v rate %s overall %s", i,
				g, rateString(g.RepairRate), rateString(g.Overall), w, rateString(w.RepairRate), rateString(w.Overall))
		}
		sameMeans(t, w.TraineeID, g.Means, w.Means)
	}
}

func TestScenarios(t *testing.T) {
	recs := []engine.SessionRecord{
		// late-again: one repaired of four.
		session("a", "t1", "late-again", 0, engine.Repaired, answer("opening", 3, 3, 3), answer("softening", 4, 4, 4)),
		session("b", "t1", "late-again", 1, engine.Unrepaired, answer("opening", 1, 1, 1), answer("escalating", 1, 1, 1)),
		session("c", "t2", "late-again", 2, engine.Abandoned, answer("opening", 2, 2, 2), ask("guarded")),
		session("d", "t2", "late-again", 3, engine.Unrepaired, answer("opening", 1, 1, 1), answer("escalating", 1, 0, 0)),
		// i-dunno: the recognition session counts as a session, not as
		// ended.
		session("e", "t1", "i-dunno", 4, engine.Repaired, answer("opening", 3, 3, 3), answer("thawing", 4, 4, 4)),
		recognition("f", "t2", "i-dunno", 5),
		// pointless-homework: nothing ended, no rate.
		session("g", "t1", "pointless-homework", 6, "", answer("opening", 2, 2, 2), ask("guarded")),
	}
	titles := map[string]string{"late-again": "Late again", "i-dunno": "Dunno"}
	rows := report.Scenarios(recs, func(id string) string { return titles[id] }, rubric)
	type row struct {
		id, title                 string
		sessions, ended, repaired int
		rate, overall             *float64
		stuck                     []report.StageStat
	}
	want := []row{
		// Overalls: 75 100 | 25 25 | 50 | 25 10.
		{"late-again", "Late again", 4, 4, 1, ptr(0.25), ptr(310.0 / 7), []report.StageStat{
			{Stage: "escalating", Responses: 2, MeanOverall: 17.5, EndedHere: 2},
			{Stage: "guarded", Responses: 0, MeanOverall: 0, EndedHere: 1},
			{Stage: "opening", Responses: 4, MeanOverall: 43.75},
			{Stage: "softening", Responses: 1, MeanOverall: 100},
		}},
		{"i-dunno", "Dunno", 2, 1, 1, ptr(1), ptr(87.5), []report.StageStat{
			{Stage: "opening", Responses: 1, MeanOverall: 75},
			{Stage: "thawing", Responses: 1, MeanOverall: 100},
		}},
		{"pointless-homework", "pointless-homework", 1, 0, 0, nil, ptr(50), []report.StageStat{
			{Stage: "opening", Responses: 1, MeanOverall: 50},
		}},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v, want %d", rows, len(want))
	}
	for i, w := range want {
		g := rows[i]
		if g.Scenario != w.id || g.Title != w.title || g.Sessions != w.sessions || g.Ended != w.ended ||
			g.Repaired != w.repaired || !sameRate(g.RepairRate, w.rate) || !sameRate(g.Overall, w.overall) {
			t.Errorf("row %d: got %s %q %d/%d/%d rate %s overall %s; want %s %q %d/%d/%d rate %s overall %s", i,
				g.Scenario, g.Title, g.Sessions, g.Ended, g.Repaired, rateString(g.RepairRate), rateString(g.Overall),
				w.id, w.title, w.sessions, w.ended, w.repaired, rateString(w.rate), rateString(w.overall))
		}
		if !slices.EqualFunc(g.Stuck, w.stuck, func(a, b report.StageStat) bool {
			return a.Stage == b.Stage && a.Responses == b.Responses && a.EndedHere == b.EndedHere && near(a.MeanOverall, b.MeanOverall)
		}) {
			t.Errorf("%s stuck:\n got %+v\nwant %+v", w.id, g.Stuck, w.stuck)
		}
	}
	sameMeans(t, "late-again", rows[0].Means, map[string]float64{"validation": 13.0 / 7, "non_defensiveness": 12.0 / 7, "exploration": 12.0 / 7})

	// Without a title function the id stands in.
	if rows := report.Scenarios(recs[:1], nil, rubric); rows[0].Title != "late-again" {
		t.Errorf("title %q without a title function, want the id", rows[0].Title)
	}
}

// calibrationFixture has machine scores (v, nd, x) on trainee turns
//
//	s1: turn 2 (3,2,1), turn 4 (2,2,2), turn 6 (4,3,3)
//	s2: turn 2 (1,0,0)
//
// and reviews giving these pairs (machine, supervisor):
//
//	validation:        s1/2 a (3,3) blind, s1/2 b (3,2) blind, s1/4 a (2,2), s1/6 b (4,4), s2/2 a (1,0) blind
//	non_defensiveness: s1/2 a (2,3) blind, s1/6 b (3,1)
func calibrationFixture() ([]engine.SessionRecord, map[string][]engine.Review) {
	recs := []engine.SessionRecord{
		session("s2", "t1", "late-again", 1, engine.Unrepaired, answer("opening", 1, 0, 0)),
		session("s1", "t1", "late-again", 0, engine.Repaired,
			answer("opening", 3, 2, 1), answer("guarded", 2, 2, 2), answer("softening", 4, 3, 3)),
	}
	at := func(min int) time.Time { return day0.Add(time.Duration(min) * time.Minute) }
	reviews := map[string][]engine.Review{
		"s1": {
			// Listed before the review it replaces: the time decides.
			{Reviewer: "sup-a", Turn: 2, Scores: map[string]int{"validation": 3, "non_defensiveness": 3}, Blind: true, At: at(20)},
			{Reviewer: "sup-a", Turn: 2, Scores: map[string]int{"validation": 1}, At: at(10)},
			{Reviewer: "sup-a", Turn: 4, Scores: map[string]int{"validation": 2}, At: at(11)},
			{Reviewer: "sup-b", Turn: 2, Scores: map[string]int{"validation": 2}, Blind: true, At: at(12)},
			{Reviewer: "sup-b", Turn: 6, Scores: map[string]int{"validation": 4, "non_defensiveness": 1}, At: at(13)},
			// A client line, and a criterion the machine does not score:
			// no pairs.
			{Reviewer: "sup-b", Turn: 3, Scores: map[string]int{"validation": 2}, At: at(14)},
			{Reviewer: "sup-b", Turn: 4, Scores: map[string]int{"warmth": 3}, At: at(15)},
			{Reviewer: "sup-c", Turn: 1, Scores: map[string]int{"validation": 2}, At: at(16)},
		},
		"s2": {{Reviewer: "sup-a", Turn: 2, Scores: map[string]int{"validation": 0}, Blind: true, At: at(17)}},
		// A session not loaded is left out.
		"gone": {{Reviewer: "sup-c", Turn: 2, Scores: map[string]int{"validation": 4}, At: at(18)}},
	}
	return recs, reviews
}

type wantAgreement struct {
	n                       int
	exact, within, meanDiff float64
	kappa, spearman         *float64 // nil: undefined
}

func checkAgreement(t *testing.T, what string, got report.Agreement, ok bool, w wantAgreement) {
	t.Helper()
	if !ok {
		t.Errorf("%s: missing", what)
		return
	}
	if got.N != w.n || !near(got.Exact, w.exact) || !near(got.WithinOne, w.within) || !near(got.MeanDiff, w.meanDiff) ||
		!sameRate(got.Kappa, w.kappa) || !sameRate(got.Spearman, w.spearman) {
		t.Errorf("%s:\n got n=%d exact=%v within=%v diff=%v kappa=%s spearman=%s\nwant n=%d exact=%v within=%v diff=%v kappa=%s spearman=%s",
			what, got.N, got.Exact, got.WithinOne, got.MeanDiff, rateString(got.Kappa), rateString(got.Spearman),
			w.n, w.exact, w.within, w.meanDiff, rateString(w.kappa), rateString(w.spearman))
	}
}

func TestCalibrate(t *testing.T) {
	recs, reviews := calibrationFixture()
	names := map[string]string{"sup-a": "Beth", "sup-b": "Alan"}
	cal := report.Calibrate(recs, reviews, names, rubric)

	if cal.RatedTurns != 4 || cal.BlindTurns != 2 {
		t.Errorf("rated, blind turns = %d, %d; want 4, 2", cal.RatedTurns, cal.BlindTurns)
	}
	if cal.Scale.Min != 0 || cal.Scale.Max != 4 {
		t.Errorf("scale %+v, want 0–4", cal.Scale)
	}
	// Validation, machine 3 3 2 4 1 against 3 2 2 4 0: Σw·O = 2; the
	// expected Σw·E = (nΣa² + nΣb² − 2ΣaΣb)/n = (195 + 165 − 286)/5 = 14.8,
	// so kappa = 1 − 2/14.8 = 32/37.
	machine, human := []int{3, 3, 2, 4, 1}, []int{3, 2, 2, 4, 0}
	ref := grading.Agree(machine, human, 0, 4)
	if !near(ref.Kappa, 32.0/37) {
		t.Fatalf("hand-computed kappa 32/37 disagrees with grading.Agree: %v", ref.Kappa)
	}
	tests := []struct {
		name string
		got  map[string]report.Agreement
		c    string
		want wantAgreement
	}{
		{"all validation", cal.Criteria, "validation", wantAgreement{n: 5, exact: 0.6, within: 1, meanDiff: 0.4,
			kappa: ptr(32.0 / 37), spearman: ptr(ref.Spearman)}},
		// Machine 2 3 against 3 1: Σw·O = 1 + 4 = 5, Σw·E = (1+1+0+4)/2 = 3,
		// kappa = 1 − 5/3; ranks exactly reversed.
		{"all non_defensiveness", cal.Criteria, "non_defensiveness", wantAgreement{n: 2, exact: 0, within: 0.5, meanDiff: 0.5,
			kappa: ptr(-2.0 / 3), spearman: ptr(-1)}},
		// Machine 3 3 1 against 3 2 0.
		{"blind validation", cal.Blind, "validation", wantAgreement{n: 3, exact: 1.0 / 3, within: 1, meanDiff: 2.0 / 3,
			kappa: ptr(grading.Agree([]int{3, 3, 1}, []int{3, 2, 0}, 0, 4).Kappa), spearman: ptr(grading.Agree([]int{3, 3, 1}, []int{3, 2, 0}, 0, 4).Spearman)}},
		// One pair: kappa and Spearman are undefined.
		{"blind non_defensiveness", cal.Blind, "non_defensiveness", wantAgreement{n: 1, exact: 0, within: 1, meanDiff: -1}},
	}
	for _, tt := range tests {
		a, ok := tt.got[tt.c]
		checkAgreement(t, tt.name, a, ok, tt.want)
	}
	if _, ok := cal.Criteria["exploration"]; ok || len(cal.Criteria) != 2 || len(cal.Blind) != 2 {
		t.Errorf("criteria %v, blind %v: want validation and non_defensiveness only", cal.Criteria, cal.Blind)
	}

	// Alan (sup-b) before Beth (sup-a); sup-c rated nothing pairable.
	if len(cal.Supervisors) != 2 {
		t.Fatalf("supervisors %+v, want 2", cal.Supervisors)
	}
	alan, beth := cal.Supervisors[0], cal.Supervisors[1]
	if alan.Reviewer != "Alan" || alan.ReviewerID != "sup-b" || alan.RatedTurns != 2 || alan.BlindTurns != 1 {
		t.Errorf("first supervisor %+v, want Alan (sup-b), 2 turns, 1 blind", alan)
	}
	if beth.Reviewer != "Beth" || beth.ReviewerID != "sup-a" || beth.RatedTurns != 3 || beth.BlindTurns != 2 {
		t.Errorf("second supervisor %+v, want Beth (sup-a), 3 turns, 2 blind", beth)
	}
	// Alan: machine 3 4 against 2 4: Σw·O = 1, Σw·E = (1+1+4+0)/2 = 3.
	a, ok := alan.Criteria["validation"]
	checkAgreement(t, "Alan validation", a, ok, wantAgreement{n: 2, exact: 0.5, within: 1, meanDiff: 0.5, kappa: ptr(2.0 / 3), spearman: ptr(1)})
	a, ok = alan.Criteria["non_defensiveness"]
	checkAgreement(t, "Alan non_defensiveness", a, ok, wantAgreement{n: 1, exact: 0, within: 0, meanDiff: 2})
	// Beth: machine 3 2 1 against 3 2 0 — her earlier 1 on s1/2 is
	// replaced by her later 3.
	b3 := grading.Agree([]int{3, 2, 1}, []int{3, 2, 0}, 0, 4)
	a, ok = beth.Criteria["validation"]
	checkAgreement(t, "Beth validation", a, ok, wantAgreement{n: 3, exact: 2.0 / 3, within: 1, meanDiff: 1.0 / 3, kappa: ptr(b3.Kappa), spearman: ptr(b3.Spearman)})

	// The undefined numbers encode as null.
	data, err := json.Marshal(cal)
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Blind map[string]map[string]any `json:"blind"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	nd := decoded.Blind["non_defensiveness"]
	if v, ok := nd["kappa"]; !ok || v != nil {
		t.Errorf("blind non_defensiveness kappa encodes as %v, want null; %s", v, data)
	}
}

func TestCalibrateConstantScores(t *testing.T) {
	// The machine scores both turns 3 on validation.
	recs := []engine.SessionRecord{session("s", "t1", "late-again", 0, engine.Repaired,
		answer("opening", 3, 3, 3), answer("softening", 3, 3, 3))}
	tests := []struct {
		name   string
		review []int // the supervisor's validation on turns 2 and 4
		want   wantAgreement
	}{
		// Both sides constant: exact agreement, yet kappa and Spearman
		// are undefined.
		{"both constant", []int{3, 3}, wantAgreement{n: 2, exact: 1, within: 1}},
		// Only the machine constant: Spearman is undefined; grading.Agree
		// gives kappa 0, no better than chance.
		{"machine constant", []int{3, 2}, wantAgreement{n: 2, exact: 0.5, within: 1, meanDiff: 0.5, kappa: ptr(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reviews := map[string][]engine.Review{"s": {
				{Reviewer: "sup", Turn: 2, Scores: map[string]int{"validation": tt.review[0]}},
				{Reviewer: "sup", Turn: 4, Scores: map[string]int{"validation": tt.review[1]}},
			}}
			cal := report.Calibrate(recs, reviews, nil, rubric)
			a, ok := cal.Criteria["validation"]
			checkAgreement(t, tt.name, a, ok, tt.want)
			if len(cal.Blind) != 0 || cal.BlindTurns != 0 {
				t.Errorf("blind %v (%d turns), want none", cal.Blind, cal.BlindTurns)
			}
			if len(cal.Supervisors) != 1 || cal.Supervisors[0].Reviewer != "sup" {
				t.Errorf("supervisors %+v, want one named by id", cal.Supervisors)
			}
			if data, err := json.Marshal(cal); err != nil || strings.Contains(string(data), "NaN") {
				t.Errorf("marshal: %s, %v", data, err)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	lib := mustLibrary(t)
	recs, reviews := calibrationFixture()
	recs = append(recs, history()...)
	tests := []struct {
		name string
		v    any
		// want holds fragments the encoding must contain.
		want []string
	}{
		{"empty progress", report.TraineeProgress(nil, rubric, nil),
			[]string{`"repair_rate":null`, `"scenarios_done":[]`, `"points":[]`, `"means":{}`, `"weakest":""`, `"next":null`}},
		{"empty progress, nil rubric", report.TraineeProgress(nil, nil, lib), []string{`"points":[]`}},
		{"empty cohort", report.Cohort(nil, nil, rubric), []string{`[]`}},
		{"empty scenarios", report.Scenarios(nil, nil, rubric), []string{`[]`}},
		{"empty calibration", report.Calibrate(nil, nil, nil, rubric),
			[]string{`"rated_turns":0`, `"criteria":{}`, `"blind":{}`, `"supervisors":[]`, `"scale":{"min":0,"max":4}`}},
		{"calibration without reviews", report.Calibrate(recs, nil, nil, nil), []string{`"supervisors":[]`}},
		{"progress", report.TraineeProgress(history(), rubric, lib), []string{`"repair_rate":0.25`, `"next":{"criterion":"exploration"`}},
		{"progress without library", report.TraineeProgress(history(), rubric, nil), []string{`"next":null`}},
		{"cohort", report.Cohort(recs, nil, rubric), []string{`"trainee_id":"t1"`, `"last_active":`}},
		{"cohort without responses", report.Cohort([]engine.SessionRecord{session("x", "t9", "late-again", 0, "", ask("opening"))}, nil, rubric),
			[]string{`"repair_rate":null`, `"overall":null`, `"means":{}`}},
		{"scenarios", report.Scenarios(recs, nil, rubric), []string{`"stuck":[`, `"ended_here":`}},
		{"calibration", report.Calibrate(recs, reviews, nil, rubric), []string{`"kappa":null`, `"mean_diff":`}},
		{"filter", report.Filter{Trainee: "t1"}, []string{`{"trainee":"t1"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			s := string(data)
			if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("encoding holds NaN or Inf: %s", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("encoding lacks %s: %s", w, s)
				}
			}
		})
	}
}

// A later review that scores only some criteria, or none (a comment),
// leaves the reviewer's earlier scores of the others standing; a review
// of a response since taken back is not paired with the new one.
func TestCalibrationLatestPerCriterion(t *testing.T) {
	rec := session("s1", "t1", "late-again", 0, engine.Repaired, answer("opening", 1, 2, 3))
	answered := rec.State.Turns[1]
	at := answered.At
	reviews := map[string][]engine.Review{"s1": {
		{Reviewer: "sup", Turn: 2, Scores: map[string]int{grading.Validation: 1, grading.Exploration: 3}, Blind: true, At: at.Add(time.Minute), ResponseAt: at},
		{Reviewer: "sup", Turn: 2, Scores: map[string]int{grading.Validation: 2}, At: at.Add(2 * time.Minute), ResponseAt: at},
		{Reviewer: "sup", Turn: 2, Comment: "nice tone", At: at.Add(3 * time.Minute), ResponseAt: at},
		// Of an answer taken back before this one was given.
		{Reviewer: "other", Turn: 2, Scores: map[string]int{grading.Validation: 0}, At: at.Add(-time.Minute), ResponseAt: at.Add(-2 * time.Minute)},
	}}
	cal := report.Calibrate([]engine.SessionRecord{rec}, reviews, map[string]string{"sup": "sam", "other": "olga"}, rubric)
	if cal.RatedTurns != 1 || cal.BlindTurns != 1 {
		t.Errorf("rated %d, blind %d; want 1 and 1", cal.RatedTurns, cal.BlindTurns)
	}
	v := cal.Criteria[grading.Validation]
	if v.N != 1 || v.MeanDiff != -1 { // machine 1, sam's latest 2
		t.Errorf("validation: %+v, want one pair, machine 1 against 2", v)
	}
	if x := cal.Criteria[grading.Exploration]; x.N != 1 || x.Exact != 1 {
		t.Errorf("exploration: %+v, want the earlier score of 3 kept", x)
	}
	if b := cal.Blind[grading.Validation]; b.N != 0 {
		t.Errorf("blind validation: %+v, want none (the latest validation score was not blind)", b)
	}
	if len(cal.Supervisors) != 1 || cal.Supervisors[0].Reviewer != "sam" {
		t.Errorf("supervisors: %+v, want sam alone", cal.Supervisors)
	}
}
