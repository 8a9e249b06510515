package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// seeded is a server with two cohorts' practice history written straight
// into the store, so that the numbers the dashboards show are known.
type seeded struct {
	ts                       *testServer
	tess, tom, uma           *client // tess and tom in c1, uma in c2
	sam, olga, ada           *client // sam supervises c1, olga c2; ada is an admin
	tessA, tessB, tomA, umaA string  // session ids
	tessAssessment           string  // an assessment tess has not finished
}

func scored(v, nd, x int) map[string]grading.Score {
	return map[string]grading.Score{
		grading.Validation:       {Score: v, Evidence: []string{}},
		grading.NonDefensiveness: {Score: nd, Evidence: []string{}},
		grading.Exploration:      {Score: x, Evidence: []string{}},
	}
}

// seedSession stores an ended (or, with outcome "", active) session of
// late-again with one answer per triple of scores.
func (sd *seeded) seedSession(t *testing.T, trainee *client, mode, outcome string, day int, answers ...[3]int) string {
	t.Helper()
	start := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, day)
	st := engine.State{ID: engine.NewID(), ScenarioID: "late-again", ScenarioVersion: 1, Mode: mode, Status: engine.Active,
		Started: start, Updated: start.Add(20 * time.Minute), Stage: "opening"}
	n := 0
	for _, a := range answers {
		n++
		st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Client, Stage: "opening", Text: "You're late again.", At: start})
		n++
		overall := int(math.Round(100 * float64(a[0]+a[1]+a[2]) / 12))
		st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Trainee, Text: fmt.Sprintf("answer %d", n), At: start,
			Scores: scored(a[0], a[1], a[2]), Overall: &overall, Grader: "lexicon"})
	}
	n++
	st.Turns = append(st.Turns, engine.Turn{N: n, Speaker: engine.Client, Stage: "opening", Text: "Fine.", At: start})
	if outcome != "" {
		st.Status, st.Outcome = engine.Ended, outcome
		st.Summary = &engine.Summary{Outcome: outcome, Responses: len(answers)}
	}
	rec := engine.SessionRecord{State: st, Trainee: trainee.user.ID, Cohort: trainee.user.Cohort, Persona: "scripted"}
	if err := sd.ts.store.CreateSession(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return st.ID
}

func seed(t *testing.T) *seeded {
	t.Helper()
	ts := newTestServer(t)
	sd := &seeded{ts: ts,
		tess: ts.user(t, "tess", engine.RoleTrainee, "c1"), tom: ts.user(t, "tom", engine.RoleTrainee, "c1"),
		uma: ts.user(t, "uma", engine.RoleTrainee, "c2"),
		sam: ts.user(t, "sam", engine.RoleSupervisor, "c1"), olga: ts.user(t, "olga", engine.RoleSupervisor, "c2"),
		ada: ts.user(t, "ada", engine.RoleAdmin, ""),
	}
	sd.tessA = sd.seedSession(t, sd.tess, engine.Practice, engine.Unrepaired, 0, [3]int{1, 1, 0}, [3]int{2, 1, 1})
	sd.tessB = sd.seedSession(t, sd.tess, engine.Practice, engine.Repaired, 3, [3]int{3, 3, 1}, [3]int{4, 3, 2})
	sd.tomA = sd.seedSession(t, sd.tom, engine.Practice, engine.Repaired, 1, [3]int{2, 2, 2})
	sd.umaA = sd.seedSession(t, sd.uma, engine.Practice, engine.Abandoned, 2, [3]int{0, 0, 0})
	sd.tessAssessment = sd.seedSession(t, sd.tess, engine.Assessment, "", 5, [3]int{0, 4, 0})
	return sd
}

// Who sees which dashboard: a trainee only their own progress; a
// supervisor their cohort's; an admin everyone's. Anyone else's trainee
// is "not found".
func TestDashboardRoles(t *testing.T) {
	sd := seed(t)
	for _, tt := range []struct {
		who  *client
		path string
		want int
	}{
		{sd.tess, "/api/progress", http.StatusOK},
		{sd.tess, "/api/progress/chart.svg", http.StatusOK},
		{sd.tess, "/api/progress?trainee=" + sd.tom.user.ID, http.StatusNotFound},
		{sd.tess, "/api/progress?trainee=tom", http.StatusNotFound},
		{sd.sam, "/api/progress?trainee=tess", http.StatusOK},
		{sd.sam, "/api/progress/chart.svg?trainee=" + sd.tess.user.ID, http.StatusOK},
		{sd.olga, "/api/progress?trainee=tess", http.StatusNotFound},
		{sd.olga, "/api/progress/chart.svg?trainee=tess", http.StatusNotFound},
		{sd.ada, "/api/progress?trainee=uma", http.StatusOK},
		{sd.tess, "/api/cohort", http.StatusForbidden},
		{sd.tess, "/api/cohort/chart.svg", http.StatusForbidden},
		{sd.tess, "/api/scenario-stats", http.StatusForbidden},
		{sd.tess, "/api/scenario-stats/chart.svg", http.StatusForbidden},
		{sd.tess, "/api/calibration", http.StatusForbidden},
		{sd.sam, "/api/cohort", http.StatusOK},
		{sd.sam, "/api/calibration", http.StatusOK},
		{sd.ada, "/api/scenario-stats", http.StatusOK},
		{nil, "/api/progress", http.StatusUnauthorized},
		{nil, "/api/calibration", http.StatusUnauthorized},
	} {
		token, name := "", "nobody"
		if tt.who != nil {
			token, name = tt.who.token, tt.who.user.Username
		}
		if st, _, _ := sd.ts.getRaw(t, token, tt.path); st != tt.want {
			t.Errorf("%s GET %s: %d, want %d", name, tt.path, st, tt.want)
		}
	}
}

// A trainee's progress: the numbers from their finished sessions, with
// the assessment still running kept out until it ends.
func TestProgress(t *testing.T) {
	sd := seed(t)
	var res struct {
		Progress struct {
			Sessions, Ended, Repaired int
			RepairRate                *float64 `json:"repair_rate"`
			ScenariosDone             []string `json:"scenarios_done"`
			Points                    []struct {
				Session string
				Means   map[string]float64
			}
			Means   map[string]float64
			Weakest string
			Next    *struct{ Criterion, Scenario, Why string }
		}
		ChartURL string `json:"chart_url"`
	}
	if st := sd.tess.do(http.MethodGet, "/api/progress", nil, &res); st != http.StatusOK {
		t.Fatalf("progress: %d", st)
	}
	p := res.Progress
	if p.Sessions != 3 {
		t.Errorf("sessions %d, want 3 (the running assessment counts, without its scores)", p.Sessions)
	}
	if p.Ended != 2 || p.Repaired != 1 || p.RepairRate == nil || *p.RepairRate != 0.5 {
		t.Errorf("ended %d, repaired %d, rate %v; want 2, 1, 0.5", p.Ended, p.Repaired, p.RepairRate)
	}
	if len(p.Points) != 2 || p.Points[0].Session != sd.tessA || p.Points[1].Session != sd.tessB {
		t.Fatalf("points: %+v", p.Points)
	}
	if got := p.Points[1].Means[grading.Validation]; got != 3.5 {
		t.Errorf("second session's validation mean %v, want 3.5", got)
	}
	// Exploration is lowest (0, 1, 1, 2); the running assessment's
	// non-defensiveness of 4 must not count yet.
	if p.Weakest != grading.Exploration {
		t.Errorf("weakest %q, want exploration", p.Weakest)
	}
	if got := p.Means[grading.NonDefensiveness]; got != 2 {
		t.Errorf("non-defensiveness mean %v, want 2 (the unfinished assessment left out)", got)
	}
	if p.Next == nil || p.Next.Criterion != grading.Exploration || p.Next.Scenario == "" || p.Next.Why == "" {
		t.Errorf("next: %+v", p.Next)
	}
	// The supervisor sees the assessment's scores as it runs.
	var sup struct {
		Progress struct{ Means map[string]float64 }
	}
	sd.sam.do(http.MethodGet, "/api/progress?trainee=tess", nil, &sup)
	if got := sup.Progress.Means[grading.NonDefensiveness]; got == 2 {
		t.Errorf("the supervisor's view left out the running assessment")
	}

	st, ctype, body := sd.ts.getRaw(t, sd.tess.token, res.ChartURL)
	if st != http.StatusOK || !strings.HasPrefix(ctype, "image/svg+xml") {
		t.Fatalf("chart: %d %s", st, ctype)
	}
	var doc struct {
		XMLName xml.Name
		Role    string `xml:"role,attr"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "svg" || doc.Role != "img" {
		t.Fatalf("chart is not an accessible SVG: %v %+v", err, doc)
	}
	if n := strings.Count(string(body), "<polyline"); n != 3 {
		t.Errorf("%d lines in the chart, want one per criterion", n)
	}
}

// The cohort table and scenario difficulty cover the supervisor's cohort
// only, and follow the filters.
func TestCohortAndScenarioStats(t *testing.T) {
	sd := seed(t)
	type row struct {
		Trainee                   string
		Sessions, Ended, Repaired int
		Means                     map[string]float64
	}
	var res struct{ Rows []row }
	if st := sd.sam.do(http.MethodGet, "/api/cohort", nil, &res); st != http.StatusOK {
		t.Fatalf("cohort: %d", st)
	}
	if len(res.Rows) != 2 || res.Rows[0].Trainee != "tess" || res.Rows[1].Trainee != "tom" {
		t.Fatalf("sam's cohort rows: %+v", res.Rows)
	}
	if r := res.Rows[1]; r.Sessions != 1 || r.Repaired != 1 || r.Means[grading.Validation] != 2 {
		t.Errorf("tom's row: %+v", r)
	}
	var other struct{ Rows []row }
	sd.olga.do(http.MethodGet, "/api/cohort", nil, &other)
	if len(other.Rows) != 1 || other.Rows[0].Trainee != "uma" {
		t.Errorf("olga's cohort rows: %+v", other.Rows)
	}
	// A supervisor cannot widen their view with ?cohort=.
	if st := sd.olga.do(http.MethodGet, "/api/cohort?cohort=c1", nil, nil); st != http.StatusForbidden {
		t.Errorf("olga with ?cohort=c1: %d, want 403", st)
	}
	var all struct{ Rows []row }
	sd.ada.do(http.MethodGet, "/api/cohort", nil, &all)
	if len(all.Rows) != 3 {
		t.Errorf("admin rows: %+v", all.Rows)
	}

	for _, tt := range []struct {
		query string
		want  []string
	}{
		{"?from=2026-10-03", []string{"tess"}},     // tess: days 3 and 5; tom: day 1
		{"?to=2026-10-01", []string{"tess"}},       // day 0 only, the whole day
		{"?trainee=tom", []string{"tom"}},          // by username
		{"?scenario=no-such-scenario", []string{}}, // nothing
		{"?mode=assessment", []string{"tess"}},     // the running assessment
	} {
		var got struct{ Rows []row }
		if st := sd.sam.do(http.MethodGet, "/api/cohort"+tt.query, nil, &got); st != http.StatusOK {
			t.Errorf("%s: %d", tt.query, st)
			continue
		}
		var names []string
		for _, r := range got.Rows {
			names = append(names, r.Trainee)
		}
		if strings.Join(names, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: %v, want %v", tt.query, names, tt.want)
		}
	}
	for _, bad := range []string{"?from=yesterday", "?to=2026-13-01", "?mode=chat", "?from=2026-10-05&to=2026-10-01"} {
		if st := sd.sam.do(http.MethodGet, "/api/cohort"+bad, nil, nil); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, st)
		}
	}

	var stats struct {
		Scenarios []struct {
			Scenario, Title string
			Ended, Repaired int
			RepairRate      *float64 `json:"repair_rate"`
			Stuck           []struct{ Stage string }
		}
	}
	if st := sd.sam.do(http.MethodGet, "/api/scenario-stats", nil, &stats); st != http.StatusOK || len(stats.Scenarios) != 1 {
		t.Fatalf("scenario stats: %d %+v", st, stats)
	}
	if s := stats.Scenarios[0]; s.Title != "Late again" || s.Ended != 3 || s.Repaired != 2 || len(s.Stuck) == 0 {
		t.Errorf("late-again in c1: %+v", s)
	}
	_, _, body := sd.ts.getRaw(t, sd.sam.token, "/api/scenario-stats/chart.svg")
	if !strings.Contains(string(body), "Late again") || !strings.Contains(string(body), "2 of 3 repaired") {
		t.Errorf("scenario chart: %s", body)
	}
}

// Calibration over the HTTP API, on ratings with known answers: for
// validation the machine said 1, 2 and 3 on three of tess's turns, the
// supervisor 1, 3 and 3 (rated blind on the first two).
func TestCalibrationAPI(t *testing.T) {
	sd := seed(t)
	rate := func(who *client, session string, turn, v int, blind bool) {
		t.Helper()
		body := map[string]any{"turn": turn, "scores": map[string]int{grading.Validation: v}, "blind": blind}
		if st := who.do(http.MethodPost, "/api/sessions/"+session+"/reviews", body, nil); st != http.StatusCreated {
			t.Fatalf("review: %d", st)
		}
	}
	rate(sd.sam, sd.tessA, 2, 1, true)  // machine 1
	rate(sd.sam, sd.tessA, 4, 3, true)  // machine 2
	rate(sd.sam, sd.tessB, 2, 3, false) // machine 3
	rate(sd.olga, sd.umaA, 2, 4, true)  // another cohort: not sam's

	type agreement struct {
		N         int
		Exact     float64
		WithinOne float64 `json:"within_one"`
		Kappa     *float64
		MeanDiff  float64 `json:"mean_diff"`
	}
	var res struct {
		Calibration struct {
			RatedTurns  int `json:"rated_turns"`
			BlindTurns  int `json:"blind_turns"`
			Criteria    map[string]agreement
			Blind       map[string]agreement
			Supervisors []struct {
				Reviewer   string
				RatedTurns int `json:"rated_turns"`
			}
		}
	}
	if st := sd.sam.do(http.MethodGet, "/api/calibration", nil, &res); st != http.StatusOK {
		t.Fatalf("calibration: %d", st)
	}
	c := res.Calibration
	if c.RatedTurns != 3 || c.BlindTurns != 2 {
		t.Errorf("rated %d, blind %d; want 3 and 2", c.RatedTurns, c.BlindTurns)
	}
	v := c.Criteria[grading.Validation]
	if v.N != 3 || math.Abs(v.Exact-2.0/3) > 1e-9 || v.WithinOne != 1 || math.Abs(v.MeanDiff-(-1.0/3)) > 1e-9 || v.Kappa == nil {
		t.Errorf("validation agreement: %+v", v)
	}
	if b := c.Blind[grading.Validation]; b.N != 2 || b.Exact != 0.5 {
		t.Errorf("blind agreement: %+v", b)
	}
	if len(c.Supervisors) != 1 || c.Supervisors[0].Reviewer != "sam" || c.Supervisors[0].RatedTurns != 3 {
		t.Errorf("supervisors: %+v", c.Supervisors)
	}
	var all struct {
		Calibration struct {
			RatedTurns int `json:"rated_turns"`
		}
	}
	sd.ada.do(http.MethodGet, "/api/calibration", nil, &all)
	if all.Calibration.RatedTurns != 4 {
		t.Errorf("admin sees %d rated turns, want 4", all.Calibration.RatedTurns)
	}
}

func TestOneDecimal(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{{-1e-17, "0.0"}, {math.Copysign(0, -1), "0.0"}, {2.25, "2.3"}, {3.94, "3.9"}, {-0.5, "-0.5"}} {
		if got := oneDecimal(tt.v); got != tt.want {
			t.Errorf("oneDecimal(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// A review keeps the response it rated; a second rating of a response by
// the same reviewer is not blind, whatever the browser says, since they
// have seen the machine's scores after the first.
func TestReviewBlindOnce(t *testing.T) {
	sd := seed(t)
	post := func(blind bool) {
		t.Helper()
		body := map[string]any{"turn": 2, "scores": map[string]int{grading.Validation: 2}, "blind": blind}
		if st := sd.sam.do(http.MethodPost, "/api/sessions/"+sd.tessA+"/reviews", body, nil); st != http.StatusCreated {
			t.Fatalf("review: %d", st)
		}
	}
	post(true)
	post(true)
	reviews, err := sd.ts.store.Reviews(context.Background(), sd.tessA)
	if err != nil || len(reviews) != 2 {
		t.Fatalf("reviews: %v %v", reviews, err)
	}
	rec, _ := sd.ts.store.SessionByID(context.Background(), sd.tessA)
	if !reviews[0].Blind || reviews[1].Blind {
		t.Errorf("blind flags %v, %v; want true, false", reviews[0].Blind, reviews[1].Blind)
	}
	if !reviews[0].ResponseAt.Equal(rec.State.Turns[1].At) {
		t.Errorf("the review does not name the response it rated: %v", reviews[0].ResponseAt)
	}
}

// The filters a dashboard echoes tell a supervisor nothing about other
// cohorts: another cohort's trainee is taken as unknown, like a name
// that does not exist.
func TestDashboardFilterDoesNotResolveOtherCohorts(t *testing.T) {
	sd := seed(t)
	var res struct {
		Filter struct{ Trainee string }
		Rows   []any
	}
	for _, name := range []string{"uma", "nobody-by-this-name"} {
		if st := sd.sam.do(http.MethodGet, "/api/cohort?trainee="+name, nil, &res); st != http.StatusOK {
			t.Fatalf("%s: %d", name, st)
		}
		if res.Filter.Trainee != name || len(res.Rows) != 0 {
			t.Errorf("?trainee=%s echoed %q with %d rows", name, res.Filter.Trainee, len(res.Rows))
		}
	}
}

// countingStore counts the reads of every session in a scope.
type countingStore struct {
	engine.Store
	each atomic.Int32
}

func (s *countingStore) EachSession(ctx context.Context, f engine.SessionFilter, fn func(engine.SessionRecord) error) error {
	s.each.Add(1)
	return s.Store.EachSession(ctx, f, fn)
}

// One dashboard page reads its sessions once, however many of its tables
// and charts ask for them; other filters read again.
func TestDashboardReadsOncePerPage(t *testing.T) {
	var store *countingStore
	ts := newTestServer(t, func(c *Config) {
		store = &countingStore{Store: c.Store}
		c.Store = store
	})
	sam := ts.user(t, "sam", engine.RoleSupervisor, "c1")
	for _, path := range []string{"/api/cohort?to=2026-12-01", "/api/scenario-stats?to=2026-12-01", "/api/calibration?to=2026-12-01", "/api/cohort/chart.svg?to=2026-12-01"} {
		if st, _, _ := ts.getRaw(t, sam.token, path); st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
	}
	if n := store.each.Load(); n != 1 {
		t.Errorf("one page read its sessions %d times, want once", n)
	}
	ts.getRaw(t, sam.token, "/api/cohort?to=2026-11-01")
	if n := store.each.Load(); n != 2 {
		t.Errorf("another filter read %d times in all, want 2", n)
	}
}
