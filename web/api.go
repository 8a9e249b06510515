package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func (s *Server) lookupScenario(viewer engine.User, id string) (string, string, bool) {
	scn, ok := s.cfg.Catalog.LatestFor(id, viewer.Sees)
	if !ok {
		return "", "", false
	}
	return scn.Rupture.Type, scn.Rupture.Marker, true
}

func (s *Server) grade(c echo.Context) error {
	var req grading.Request
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if me := currentUser(c); me.Role == engine.RoleTrainee {
		// Otherwise a trainee could try drafts here until one scores
		// well, and then send it in the assessment.
		busy, err := s.inAssessment(c.Request().Context(), me.ID)
		if err != nil {
			return err
		}
		if busy {
			return newError(http.StatusForbidden, engine.ENOTALLOWED, "grading is closed while you have an assessment in progress; finish or end it first")
		}
	}
	in, err := req.Input(func(id string) (string, string, bool) { return s.lookupScenario(currentUser(c), id) })
	if err != nil {
		return badRequest(err.Error())
	}
	// A draft is the trainee's call to the model as much as a session's
	// lines are: the same per-user limit holds.
	res, err := s.scoring().Grader.Grade(llm.WithUser(c.Request().Context(), currentUser(c).ID), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, grading.NewReply(req.ID, res))
}

// maxOpenSessions bounds a user's unfinished sessions, so that nobody can
// fill memory and the store by starting sessions in a loop.
const maxOpenSessions = 20

// openSessions returns a user's sessions that have not ended.
func (s *Server) openSessions(ctx context.Context, traineeID string) ([]engine.SessionRecord, error) {
	var open []engine.SessionRecord
	for _, status := range []string{engine.Active, engine.Paused} {
		recs, err := s.cfg.Store.Sessions(ctx, engine.SessionFilter{Trainee: traineeID, Status: status})
		if err != nil {
			return nil, err
		}
		open = append(open, recs...)
	}
	return open, nil
}

// inAssessment reports whether a trainee has an assessment not yet ended.
func (s *Server) inAssessment(ctx context.Context, traineeID string) (bool, error) {
	open, err := s.openSessions(ctx, traineeID)
	if err != nil {
		return false, err
	}
	for _, rec := range open {
		if rec.State.Mode == engine.Assessment {
			return true, nil
		}
	}
	return false, nil
}

type scenarioSummary struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	RuptureType string `json:"rupture_type"`
	Marker      string `json:"marker"`
	Difficulty  string `json:"difficulty"`
	Summary     string `json:"summary"`
	Version     int    `json:"version"`
	// Cohort is set when the scenario is kept to one cohort.
	Cohort string `json:"cohort,omitempty"`
}

func (s *Server) listScenarios(c echo.Context) error {
	rt, diff := c.QueryParam("rupture_type"), c.QueryParam("difficulty")
	out := []scenarioSummary{}
	for _, scn := range s.cfg.Catalog.ListFor(currentUser(c).Sees) {
		if (rt != "" && scn.Rupture.Type != rt) || (diff != "" && scn.Difficulty != diff) {
			continue
		}
		out = append(out, scenarioSummary{ID: scn.ID, Title: scn.Title, RuptureType: scn.Rupture.Type, Marker: scn.Rupture.Marker,
			Difficulty: scn.Difficulty, Summary: scn.Summary, Version: scn.Version, Cohort: scn.Cohort})
	}
	return c.JSON(http.StatusOK, out)
}

// scenarioBrief is what a trainee sees of a scenario: who and what, not
// the stages, whose exemplars are the answers.
type scenarioBrief struct {
	ID         string            `json:"id"`
	Title      string            `json:"title"`
	Version    int               `json:"version"`
	Difficulty string            `json:"difficulty"`
	Summary    string            `json:"summary"`
	Rupture    scenarios.Rupture `json:"rupture"`
	Persona    scenarios.Persona `json:"persona"`
	MaxTurns   int               `json:"max_turns"`
}

func (s *Server) getScenario(c echo.Context) error {
	scn, ok := s.cfg.Catalog.LatestFor(c.Param("id"), currentUser(c).Sees)
	if !ok {
		return notFound("scenario")
	}
	if currentUser(c).Role == engine.RoleTrainee {
		return c.JSON(http.StatusOK, scenarioBrief{ID: scn.ID, Title: scn.Title, Version: scn.Version, Difficulty: scn.Difficulty,
			Summary: scn.Summary, Rupture: scn.Rupture, Persona: scn.Persona, MaxTurns: scn.MaxTurns})
	}
	return c.JSON(http.StatusOK, scn)
}

// withScenarioBody reads a YAML body of at most a scenario's size and
// hands it to withScenario.
func (s *Server) withScenarioBody(c echo.Context, name string, fn func(src []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error) error {
	src, err := io.ReadAll(io.LimitReader(c.Request().Body, scenarios.MaxFileSize+1))
	if err != nil {
		return badRequest("could not read the scenario")
	}
	return s.withScenario(c, name, src, fn)
}

// withScenario parses a scenario and calls fn with the result. Parsing a
// large file takes a good part of a second, and fn may play the scenario,
// so only a few run at once; a request that cannot get a turn soon is told
// to retry.
func (s *Server) withScenario(c echo.Context, name string, src []byte, fn func(src []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error) error {
	if len(src) > scenarios.MaxFileSize {
		return newError(http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("a scenario can be at most %d KiB", scenarios.MaxFileSize>>10))
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.parseWait)
	defer cancel()
	select {
	case s.parsing <- struct{}{}:
		defer func() { <-s.parsing }()
	case <-ctx.Done():
		return newError(http.StatusServiceUnavailable, engine.EUNAVAILABLE, "the server is busy checking other scenarios; try again in a moment")
	}
	scn, problems := scenarios.Parse(name, src, s.scoring().Rubric.Scale())
	return fn(src, scn, problems)
}

type problemJSON struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity,omitempty"`
	Message  string `json:"message"`
}

func problemsJSON(ps []scenarios.Problem) []problemJSON {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{Line: p.Line, Col: p.Col, Severity: p.Severity, Message: p.Message}
	}
	return out
}

func (s *Server) validateScenario(c echo.Context) error {
	return s.withScenarioBody(c, "scenario.yaml", func(_ []byte, _ *scenarios.Scenario, problems []scenarios.Problem) error {
		return c.JSON(http.StatusOK, map[string]any{"valid": len(problems) == 0, "problems": problemsJSON(problems)})
	})
}

// invalidScenario answers a request whose scenario has problems.
func invalidScenario(c echo.Context, problems []scenarios.Problem) error {
	return c.JSON(http.StatusUnprocessableEntity, map[string]any{
		"error":    map[string]string{"code": engine.EINVALID, "message": "the scenario has problems"},
		"problems": problemsJSON(problems),
	})
}

// putScenario saves a new version, shared with the whole program or, with
// ?share=cohort, kept to the saver's cohort.
func (s *Server) putScenario(c echo.Context) error {
	id := c.Param("id")
	me := currentUser(c)
	cohort := ""
	switch c.QueryParam("share") {
	case "", "program":
	case "cohort":
		if me.Cohort == "" {
			return badRequest("your account is not in a cohort, so the scenario can only be shared with everyone in the program")
		}
		cohort = me.Cohort
	default:
		return badRequest(`share must be "program" or "cohort"`)
	}
	return s.withScenarioBody(c, id+".yaml", func(src []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error {
		if len(problems) > 0 {
			return invalidScenario(c, problems)
		}
		if scn.ID != id {
			return badRequest(fmt.Sprintf("this file is scenario %q, but it was sent as %q; change id: back to %q, or save it as a new scenario", scn.ID, id, id))
		}
		// Another server may have saved versions of it this one has
		// not seen yet; the checks below need them all.
		if err := s.syncScenario(c.Request().Context(), id); err != nil {
			return err
		}
		// A scenario whose newest version is kept to a cohort belongs to
		// that cohort: no one else may put a version above it, which
		// would take it over. The answer confirms no more than that the
		// id is taken.
		cur, exists := s.cfg.Catalog.Latest(id)
		if exists && !me.Sees(cur) {
			return newError(http.StatusConflict, engine.ECONFLICT, fmt.Sprintf("the id %q is taken by another cohort's scenario; change id: at the top to a name of your own", id))
		}
		// Version numbers run across cohorts, so the latest may be one the
		// saver has not seen; the answer says which number to go above.
		if exists && scn.Version <= cur.Version {
			return c.JSON(http.StatusConflict, map[string]any{
				"error":  map[string]string{"code": engine.ECONFLICT, "message": fmt.Sprintf("version %d is already saved; change version: near the top to %d or higher, then save", scn.Version, cur.Version+1)},
				"latest": cur.Version,
			})
		}
		err := s.cfg.Store.SaveScenario(c.Request().Context(), engine.ScenarioVersion{
			ID: id, Version: scn.Version, Cohort: cohort, Source: src, Author: me.ID, Saved: time.Now().UTC()})
		if err != nil {
			return err
		}
		scn.Cohort = cohort
		s.cfg.Catalog.Add(scn)
		s.log.Info("scenario saved", "request_id", requestID(c), "scenario", id, "version", scn.Version, "cohort", cohort, "by", me.ID)
		return c.JSON(http.StatusOK, map[string]any{"id": id, "version": scn.Version, "cohort": cohort})
	})
}

type createSessionRequest struct {
	ScenarioID string `json:"scenario_id"`
	Persona    string `json:"persona"`
	Mode       string `json:"mode"`
}

func (s *Server) createSession(c echo.Context) error {
	var req createSessionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Persona == "" {
		req.Persona = "scripted"
	}
	if req.Mode == "" {
		req.Mode = engine.Practice
	}
	me := currentUser(c)
	open, err := s.openSessions(c.Request().Context(), me.ID)
	if err != nil {
		return err
	}
	if len(open) >= maxOpenSessions {
		return newError(http.StatusConflict, engine.ENOTALLOWED, fmt.Sprintf("you have %d sessions not yet finished; carry one on or end it from My sessions first", len(open)))
	}
	rec, err := s.gym.Start(c.Request().Context(), me, req.ScenarioID, req.Persona, req.Mode)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": rec.State.ID, "scenario_id": rec.State.ScenarioID, "persona": rec.Persona, "mode": rec.State.Mode,
		"status": rec.State.Status, "ws_url": wsURL(c, rec.State.ID),
	})
}

func wsURL(c echo.Context, id string) string {
	scheme := "ws"
	if isHTTPS(c.Request()) {
		scheme = "wss"
	}
	return scheme + "://" + c.Request().Host + "/api/sessions/" + id + "/ws"
}

// canSee reports whether a user may see a session: their own, their
// cohort's if they supervise it, or any if they are an admin.
func canSee(u engine.User, rec engine.SessionRecord) bool {
	switch {
	case rec.Trainee == u.ID, u.Role == engine.RoleAdmin:
		return true
	case u.Role == engine.RoleSupervisor:
		return u.Cohort != "" && rec.Cohort == u.Cohort
	}
	return false
}

// visibleSession loads a session the caller may see; any other is "not
// found", so that ids are not confirmed.
func (s *Server) visibleSession(c echo.Context) (engine.SessionRecord, error) {
	rec, err := s.gym.Record(c.Request().Context(), c.Param("id"))
	if engine.ErrorCode(err) == engine.ENOTFOUND || (err == nil && !canSee(currentUser(c), rec)) {
		return engine.SessionRecord{}, notFound("session")
	}
	return rec, err
}

type turnJSON struct {
	N        int                      `json:"n"`
	Speaker  string                   `json:"speaker"`
	Text     string                   `json:"text"`
	At       time.Time                `json:"at"`
	Scores   map[string]grading.Score `json:"scores,omitempty"`
	Overall  *int                     `json:"overall,omitempty"`
	Attempts []engine.Attempt         `json:"attempts,omitempty"`
	Voice    string                   `json:"voice,omitempty"`
	// Grader names the grader that scored a response: with an LLM
	// judge set up, the offline one when the judge failed.
	Grader   string `json:"grader,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	// Tokens is shown to admins, who see what the model costs.
	Tokens int `json:"tokens,omitempty"`
}

type sessionJSON struct {
	ID              string           `json:"id"`
	Trainee         string           `json:"trainee"`
	TraineeID       string           `json:"trainee_id"`
	ScenarioID      string           `json:"scenario_id"`
	ScenarioVersion int              `json:"scenario_version"`
	RubricVersion   int              `json:"rubric_version,omitempty"`
	Title           string           `json:"title"`
	ClientName      string           `json:"client_name"`
	Persona         string           `json:"persona"`
	Mode            string           `json:"mode"`
	Status          string           `json:"status"`
	Outcome         string           `json:"outcome"`
	Started         time.Time        `json:"started"`
	Updated         time.Time        `json:"updated"`
	Pending         int              `json:"pending"`
	Responses       int              `json:"responses"`
	Turns           []turnJSON       `json:"turns,omitempty"`
	Retracted       []engine.Attempt `json:"retracted,omitempty"`
	Flags           []flagJSON       `json:"flags,omitempty"`
	Hints           []engine.Hint    `json:"hints,omitempty"`
	Summary         *engine.Summary  `json:"summary,omitempty"`
	Reviews         []reviewJSON     `json:"reviews"`
	// Tokens is the language-model tokens the session cost, for admins.
	Tokens int `json:"tokens,omitempty"`
}

// flagJSON is a rupture the trainee marked; whether it was right is
// left out where scores are hidden.
type flagJSON struct {
	Turn        int    `json:"turn"`
	RuptureType string `json:"rupture_type"`
	Marker      string `json:"marker,omitempty"`
	Correct     *bool  `json:"correct,omitempty"`
	// Hit and Expected say whether the line was a rupture, and which.
	Hit      *bool             `json:"hit,omitempty"`
	Expected *scenarios.Marker `json:"expected,omitempty"`
	At       time.Time         `json:"at"`
}

// scoresVisible reports whether a viewer may see a session's scores: in
// assessment mode a trainee sees them only at the end.
func scoresVisible(viewer engine.User, rec engine.SessionRecord) bool {
	return rec.State.Mode != engine.Assessment || rec.State.Status == engine.Ended || viewer.ID != rec.Trainee
}

// sessionView renders a record for a viewer; withTurns adds the
// transcript.
func (s *Server) sessionView(viewer engine.User, rec engine.SessionRecord, traineeName string, withTurns bool) sessionJSON {
	st := rec.State
	v := sessionJSON{ID: st.ID, Trainee: traineeName, TraineeID: rec.Trainee, ScenarioID: st.ScenarioID, ScenarioVersion: st.ScenarioVersion, RubricVersion: st.RubricVersion,
		Persona: rec.Persona, Mode: st.Mode, Status: st.Status, Outcome: st.Outcome, Started: st.Started, Updated: st.Updated,
		Summary: st.Summary, Reviews: []reviewJSON{}}
	if scn, ok := s.cfg.Catalog.Version(st.ScenarioID, st.ScenarioVersion); ok {
		v.Title = scn.Title
		v.ClientName, _, _ = strings.Cut(scn.Persona.Name, " ")
	}
	v.Pending, v.Responses = st.Pending(), st.Responses()
	if viewer.Role == engine.RoleAdmin {
		v.Tokens = st.Tokens
	}
	show := scoresVisible(viewer, rec)
	for _, f := range st.Flags {
		fj := flagJSON{Turn: f.Turn, RuptureType: f.RuptureType, Marker: f.Marker, At: f.At}
		if show {
			fj.Correct, fj.Hit, fj.Expected = &f.Correct, &f.Hit, f.Expected
		}
		v.Flags = append(v.Flags, fj)
	}
	if !withTurns {
		return v
	}
	for _, t := range st.Turns {
		tj := turnJSON{N: t.N, Speaker: t.Speaker, Text: t.Text, At: t.At, Attempts: t.Attempts, Voice: t.Voice}
		if show {
			tj.Scores, tj.Overall, tj.Grader = t.Scores, t.Overall, t.Grader
		} else {
			tj.Attempts = hideAttemptScores(t.Attempts)
		}
		if viewer.Role != engine.RoleTrainee {
			tj.Fallback = t.Fallback
		}
		if viewer.Role == engine.RoleAdmin {
			tj.Tokens = t.Tokens
		}
		v.Turns = append(v.Turns, tj)
	}
	v.Hints = st.Hints
	v.Retracted = st.Retracted
	if !show {
		v.Retracted = hideAttemptScores(st.Retracted)
	}
	return v
}

func hideAttemptScores(as []engine.Attempt) []engine.Attempt {
	if as == nil {
		return nil
	}
	out := make([]engine.Attempt, len(as))
	for i, a := range as {
		out[i] = engine.Attempt{Text: a.Text, At: a.At, Reply: a.Reply}
	}
	return out
}

// reviewJSON is a review with its reviewer's name, for the people who
// read it: the trainee among them.
type reviewJSON struct {
	engine.Review
	ReviewerName string `json:"reviewer_name"`
}

// reviewViews returns a session's reviews, oldest first, with their
// reviewers' names ("" for one since deleted).
func (s *Server) reviewViews(ctx context.Context, sessionID string) ([]reviewJSON, error) {
	reviews, err := s.cfg.Store.Reviews(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]reviewJSON, len(reviews))
	for i, r := range reviews {
		name, ok := names[r.Reviewer]
		if !ok {
			if u, err := s.cfg.Store.UserByID(ctx, r.Reviewer); err == nil {
				name = u.Username
			}
			names[r.Reviewer] = name
		}
		out[i] = reviewJSON{Review: r, ReviewerName: name}
	}
	return out, nil
}

// userName returns the username of a user id, or "" if there is none,
// remembering names in cache for the rest of the request.
func (s *Server) userName(c echo.Context, id string, cache map[string]string) string {
	if name, ok := cache[id]; ok {
		return name
	}
	name := ""
	if u, err := s.cfg.Store.UserByID(c.Request().Context(), id); err == nil {
		name = u.Username
	}
	cache[id] = name
	return name
}

func (s *Server) getSession(c echo.Context) error {
	rec, err := s.visibleSession(c)
	if err != nil {
		return err
	}
	me := currentUser(c)
	v := s.sessionView(me, rec, s.userName(c, rec.Trainee, map[string]string{}), true)
	// A supervisor's ratings are scores too: held back, like the
	// machine's, until an assessment ends.
	if !scoresVisible(me, rec) {
		return c.JSON(http.StatusOK, v)
	}
	if v.Reviews, err = s.reviewViews(c.Request().Context(), rec.State.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) listSessions(c echo.Context) error {
	me := currentUser(c)
	f := engine.SessionFilter{Trainee: c.QueryParam("trainee"), Scenario: c.QueryParam("scenario"), Status: c.QueryParam("status"), Limit: 500}
	if f.Trainee != "" && f.Trainee != me.ID {
		// Accept a username as well as an id.
		u, err := s.cfg.Store.UserByName(c.Request().Context(), f.Trainee)
		switch {
		case err == nil:
			f.Trainee = u.ID
		case engine.ErrorCode(err) != engine.ENOTFOUND:
			return err
		}
	}
	switch me.Role {
	case engine.RoleTrainee:
		f.Trainee = me.ID
	case engine.RoleSupervisor:
		if f.Trainee != me.ID {
			if me.Cohort == "" {
				return c.JSON(http.StatusOK, []sessionJSON{})
			}
			f.Cohort = me.Cohort
		}
	}
	recs, err := s.cfg.Store.Sessions(c.Request().Context(), f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	out := make([]sessionJSON, 0, len(recs))
	for _, rec := range recs {
		if canSee(me, rec) {
			out = append(out, s.sessionView(me, rec, s.userName(c, rec.Trainee, names), false))
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) sessionFeedback(c echo.Context) error {
	rec, err := s.visibleSession(c)
	if err != nil {
		return err
	}
	if !scoresVisible(currentUser(c), rec) {
		return c.JSON(http.StatusOK, []engine.Feedback{})
	}
	fb, err := s.gym.Feedback(c.Request().Context(), rec.State.ID)
	if err != nil {
		return err
	}
	if fb == nil {
		fb = []engine.Feedback{}
	}
	return c.JSON(http.StatusOK, fb)
}

type reviewRequest struct {
	Turn    int            `json:"turn"`
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
	// Blind is sent by a reviewer who rated before seeing the machine's
	// scores for the turn.
	Blind bool `json:"blind"`
}

func (s *Server) addReview(c echo.Context) error {
	rec, err := s.visibleSession(c)
	if err != nil {
		return err
	}
	me := currentUser(c)
	if rec.Trainee == me.ID {
		return newError(http.StatusForbidden, codeForbidden, "you cannot review your own practice")
	}
	var req reviewRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Turn < 1 || req.Turn > len(rec.State.Turns) || rec.State.Turns[req.Turn-1].Speaker != engine.Trainee {
		return badRequest(fmt.Sprintf("turn %d is not one of the trainee's responses", req.Turn))
	}
	if len(req.Scores) == 0 && strings.TrimSpace(req.Comment) == "" {
		return badRequest("rate at least one criterion or write a comment")
	}
	ids := make([]string, 0, len(req.Scores))
	for id := range req.Scores {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rubric := s.rubricOf(rec)
	for _, id := range ids {
		if _, ok := rubric.Criterion(id); !ok {
			return badRequest(fmt.Sprintf("unknown criterion %q", id))
		}
		if sc := req.Scores[id]; sc < rubric.Min || sc > rubric.Max {
			return badRequest(fmt.Sprintf("%s must be %d–%d", id, rubric.Min, rubric.Max))
		}
	}
	if utf8.RuneCountInString(req.Comment) > 4000 {
		return badRequest("a comment can be at most 4000 characters")
	}
	answer := rec.State.Turns[req.Turn-1]
	r := engine.Review{ID: engine.NewID(), SessionID: rec.State.ID, Reviewer: me.ID, Turn: req.Turn, Scores: req.Scores,
		Comment: strings.TrimSpace(req.Comment), Blind: req.Blind, At: time.Now().UTC(), ResponseAt: answer.At}
	if r.Blind {
		// Whoever has rated a response before has seen its machine
		// scores since: a second rating of it cannot be blind.
		earlier, err := s.cfg.Store.Reviews(c.Request().Context(), rec.State.ID)
		if err != nil {
			return err
		}
		for _, e := range earlier {
			if e.Reviewer == me.ID && e.Turn == req.Turn && e.Rates(answer) {
				r.Blind = false
				break
			}
		}
	}
	if err := s.cfg.Store.AddReview(c.Request().Context(), r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

// decodeStrict decodes one JSON object from data, rejecting unknown
// fields: a typo in a socket message should be an error, not silence.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}
