package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/report"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/web/chart"
)

// dashboardRoutes registers the progress pages' data, the cohort and
// scenario tables, calibration, and their charts.
func (s *Server) dashboardRoutes(g *echo.Group) {
	staff := s.roles(engine.RoleAdmin, engine.RoleSupervisor)
	g.GET("/progress", s.progress)
	g.GET("/progress/chart.svg", s.progressChart)
	g.GET("/cohort", s.cohort, staff)
	g.GET("/cohort/chart.svg", s.cohortChart, staff)
	g.GET("/scenario-stats", s.scenarioStats, staff)
	g.GET("/scenario-stats/chart.svg", s.scenarioChart, staff)
	g.GET("/calibration", s.calibration, staff)
}

// oneDecimal writes a score with one decimal, never as "-0.0": a tick
// computed a hair below zero is zero.
func oneDecimal(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // not -0
	}
	return fmt.Sprintf("%.1f", v)
}

// criterionJSON names a criterion for the pages' tables.
type criterionJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func criteriaOf(r *grading.Rubric) []criterionJSON {
	out := make([]criterionJSON, len(r.Criteria))
	for i, c := range r.Criteria {
		out[i] = criterionJSON{c.ID, c.Name}
	}
	return out
}

// progressSubject returns whose progress is asked for: the caller's own,
// or with ?trainee= (an id or username) a trainee the caller may see. A
// trainee asking after anyone else, or a supervisor after someone outside
// their cohort, is told "not found", so that ids are not confirmed.
func (s *Server) progressSubject(c echo.Context) (engine.User, error) {
	me := currentUser(c)
	q := strings.TrimSpace(c.QueryParam("trainee"))
	if q == "" || q == me.ID || q == me.Username {
		return me, nil
	}
	ctx := c.Request().Context()
	u, err := s.cfg.Store.UserByID(ctx, q)
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		u, err = s.cfg.Store.UserByName(ctx, q)
	}
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		return engine.User{}, notFound("trainee")
	}
	if err != nil {
		return engine.User{}, err
	}
	switch me.Role {
	case engine.RoleAdmin:
		return u, nil
	case engine.RoleSupervisor:
		if me.Cohort != "" && u.Cohort == me.Cohort {
			return u, nil
		}
	}
	return engine.User{}, notFound("trainee")
}

// progressFor loads a trainee's sessions and sums them up. The scores of
// an assessment still running are not theirs to see yet: in a trainee's
// own progress the session counts, its scores do not.
func (s *Server) progressFor(ctx context.Context, viewer, u engine.User) (report.Progress, error) {
	recs, err := s.cfg.Store.Sessions(ctx, engine.SessionFilter{Trainee: u.ID})
	if err != nil {
		return report.Progress{}, err
	}
	for i, rec := range recs {
		if !scoresVisible(viewer, rec) {
			recs[i].State = withoutScores(rec.State)
		}
	}
	return report.TraineeProgress(recs, s.scoring().Rubric, s.cfg.Catalog.ListFor(u.Sees)), nil
}

// withoutScores returns a copy of a session's state with no grades in it.
func withoutScores(st engine.State) engine.State {
	st = st.Clone()
	for i := range st.Turns {
		st.Turns[i].Scores, st.Turns[i].Overall = nil, nil
	}
	st.Summary = nil
	return st
}

// progressOf returns the progress a request asks for, and whose it is.
func (s *Server) progressOf(c echo.Context) (engine.User, report.Progress, error) {
	u, err := s.progressSubject(c)
	if err != nil {
		return u, report.Progress{}, err
	}
	p, err := s.progressFor(c.Request().Context(), currentUser(c), u)
	return u, p, err
}

// progress serves GET /api/progress: a trainee's progress per criterion
// over time, scenarios done, repair rate and what to practise next.
func (s *Server) progress(c echo.Context) error {
	u, p, err := s.progressOf(c)
	if err != nil {
		return err
	}
	r := s.scoring().Rubric
	return c.JSON(http.StatusOK, map[string]any{
		"trainee":    publicUser(u),
		"criteria":   criteriaOf(r),
		"scale":      map[string]int{"min": r.Min, "max": r.Max},
		"progress":   p,
		"chart_url":  "/api/progress/chart.svg?trainee=" + u.ID,
		"chart_note": "Each point is one finished session: the mean of its responses on each criterion.",
	})
}

// progressChart draws a trainee's criterion means session by session.
func (s *Server) progressChart(c echo.Context) error {
	u, p, err := s.progressOf(c)
	if err != nil {
		return err
	}
	r := s.scoring().Rubric
	lines := chart.Lines{
		Title:  fmt.Sprintf("%s: scores per criterion, session by session", u.Username),
		YLabel: fmt.Sprintf("mean score (%d–%d)", r.Min, r.Max),
		YMin:   float64(r.Min), YMax: float64(r.Max),
		Format: oneDecimal,
	}
	for _, cr := range r.Criteria {
		sr := chart.Series{Name: cr.Name}
		for _, pt := range p.Points {
			if m, ok := pt.Means[cr.ID]; ok {
				sr.Points = append(sr.Points, chart.Point{X: pt.At, Y: m, Label: pt.Title})
			}
		}
		lines.Series = append(lines.Series, sr)
	}
	return svg(c, lines.SVG)
}

// reportScope reads the filters of the dashboards, as the exports read
// them, and loads the sessions they cover, with the usernames of the
// people in them. What it loads is shared, read-only, with the requests
// the same page makes at the same moment (see scopeCache).
func (s *Server) reportScope(c echo.Context) (report.Filter, []engine.SessionRecord, map[string]string, error) {
	ctx := c.Request().Context()
	sc, err := s.sessionScope(c)
	if err != nil {
		return report.Filter{}, nil, nil, err
	}
	f := sc.report()
	if sc.none {
		return f, nil, map[string]string{}, nil
	}
	key := sc.viewer.ID + "\x00" + c.QueryParams().Encode()
	if e, ok := s.scopes.get(key); ok {
		return f, e.recs, e.names, nil
	}
	// As the exports read them: newest first, stopping at the start of
	// the range.
	var recs []engine.SessionRecord
	err = s.eachInScope(ctx, sc, func(rec engine.SessionRecord) error {
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		return f, nil, nil, err
	}
	users, err := s.cfg.Store.Users(ctx, f.Cohort)
	if err != nil {
		return f, nil, nil, err
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Username
	}
	s.scopes.put(key, scopeEntry{recs: recs, names: names})
	return f, recs, names, nil
}

// scopeCache keeps the sessions a dashboard loaded for a few seconds. The
// page asks for its tables and its charts at once, and each would
// otherwise read every session in scope again.
type scopeCache struct {
	mu      sync.Mutex
	entries map[string]scopeEntry
}

type scopeEntry struct {
	at    time.Time
	recs  []engine.SessionRecord
	names map[string]string
}

// scopeTTL is how long a dashboard's sessions are reused: long enough for
// one page's requests, short enough that a reload shows what changed.
const scopeTTL = 5 * time.Second

func (sc *scopeCache) get(key string) (scopeEntry, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.entries[key]
	if !ok || time.Since(e.at) > scopeTTL {
		return scopeEntry{}, false
	}
	return e, true
}

func (sc *scopeCache) put(key string, e scopeEntry) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.entries == nil {
		sc.entries = map[string]scopeEntry{}
	}
	for k, old := range sc.entries {
		if time.Since(old.at) > scopeTTL {
			delete(sc.entries, k)
		}
	}
	if len(sc.entries) >= 32 {
		// Many people at once: keep none rather than grow.
		clear(sc.entries)
	}
	e.at = time.Now()
	sc.entries[key] = e
}

// cohort serves GET /api/cohort: a row per trainee with their criterion
// averages, sessions, repair rate and when they last practised.
func (s *Server) cohort(c echo.Context) error {
	f, recs, names, err := s.reportScope(c)
	if err != nil {
		return err
	}
	r := s.scoring().Rubric
	return c.JSON(http.StatusOK, map[string]any{
		"filter":   f,
		"criteria": criteriaOf(r),
		"scale":    map[string]int{"min": r.Min, "max": r.Max},
		"rows":     report.Cohort(recs, names, r),
	})
}

func (s *Server) cohortChart(c echo.Context) error {
	_, recs, names, err := s.reportScope(c)
	if err != nil {
		return err
	}
	r := s.scoring().Rubric
	bars := chart.Bars{Title: "Each trainee's average score", Max: 100, Format: func(v float64) string { return fmt.Sprintf("%.0f/100", v) }}
	for _, row := range report.Cohort(recs, names, r) {
		if row.Overall == nil {
			continue
		}
		bars.Bars = append(bars.Bars, chart.Bar{Label: row.Trainee, Value: *row.Overall, Note: fmt.Sprintf("%d %s", row.Responses, plural(row.Responses, "response", "responses"))})
	}
	return svg(c, bars.SVG)
}

// scenarioStats serves GET /api/scenario-stats: how hard each scenario is
// in practice, and the stages where trainees get stuck.
func (s *Server) scenarioStats(c echo.Context) error {
	f, recs, _, err := s.reportScope(c)
	if err != nil {
		return err
	}
	r := s.scoring().Rubric
	return c.JSON(http.StatusOK, map[string]any{
		"filter":    f,
		"criteria":  criteriaOf(r),
		"scale":     map[string]int{"min": r.Min, "max": r.Max},
		"scenarios": report.Scenarios(recs, s.scenarioTitle, r),
	})
}

func (s *Server) scenarioTitle(id string) string {
	if scn, ok := s.cfg.Catalog.Latest(id); ok {
		return scn.Title
	}
	return id
}

func (s *Server) scenarioChart(c echo.Context) error {
	_, recs, _, err := s.reportScope(c)
	if err != nil {
		return err
	}
	bars := chart.Bars{Title: "Repair rate by scenario", Max: 1, Format: func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }}
	for _, row := range report.Scenarios(recs, s.scenarioTitle, s.scoring().Rubric) {
		if row.RepairRate == nil {
			continue
		}
		bars.Bars = append(bars.Bars, chart.Bar{Label: row.Title, Value: *row.RepairRate, Note: fmt.Sprintf("%d of %d repaired", row.Repaired, row.Ended)})
	}
	return svg(c, bars.SVG)
}

// calibration serves GET /api/calibration: for every turn with both the
// machine's and a supervisor's scores, how far they agree, per criterion,
// for the program and per supervisor, with the number of rated turns.
func (s *Server) calibration(c echo.Context) error {
	f, recs, names, err := s.reportScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reviews := map[string][]engine.Review{}
	for _, rec := range recs {
		rs, err := s.cfg.Store.Reviews(ctx, rec.State.ID)
		if err != nil {
			return err
		}
		if len(rs) > 0 {
			reviews[rec.State.ID] = rs
		}
	}
	// Reviewers may come from outside the cohort (an admin, say).
	for _, rs := range reviews {
		for _, rv := range rs {
			if _, ok := names[rv.Reviewer]; !ok {
				names[rv.Reviewer] = s.userName(c, rv.Reviewer, names)
			}
		}
	}
	r := s.scoring().Rubric
	return c.JSON(http.StatusOK, map[string]any{
		"filter":      f,
		"criteria":    criteriaOf(r),
		"calibration": report.Calibrate(recs, reviews, names, r),
	})
}

// sendSVG sends a drawing with a policy that keeps it, opened on its
// own, from running anything, should text in it ever escape its
// escaping.
func sendSVG(c echo.Context, render func(io.Writer) error, policy string) error {
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Security-Policy", policy)
	return c.Blob(http.StatusOK, "image/svg+xml", buf.Bytes())
}

// svg sends a chart, which needs no style sheet, only its attributes.
func svg(c echo.Context, render func(io.Writer) error) error {
	return sendSVG(c, render, "default-src 'none'")
}
