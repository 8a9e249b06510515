package web

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/report"
	"github.com/repairgym/repairgym/grading"
)

// The data exports: every session a supervisor's cohort (or, for an admin,
// the program) practised, as a spreadsheet, as transcript lines for
// analysis, and as xAPI statements for a learning record store. Each is
// streamed a session at a time from the store, so that an export of
// years of transcripts holds a chunk of them in memory, never all.

// exportRoutes registers the exports on the /api group.
func (s *Server) exportRoutes(g *echo.Group) {
	who := s.roles(engine.RoleAdmin, engine.RoleSupervisor)
	g.GET("/export/sessions.csv", s.exportSessions, who)
	g.GET("/export/turns.jsonl", s.exportTurns, who)
	g.GET("/export/xapi.json", s.exportXAPI, who)
}

// exportWriteWait is how long a download may take to accept one
// session's worth of data. Each write moves the deadline on, so that a
// long export is not cut by the server's write timeout while the client
// keeps reading.
const exportWriteWait = time.Minute

// A sessionScope is the sessions an export or a dashboard covers: what
// the store filters on, and what it does not.
type sessionScope struct {
	viewer engine.User
	filter engine.SessionFilter
	// from and before bound the start, from ≤ start < before; zero is
	// open.
	from, before time.Time
	mode         string
	// none is set for a supervisor without a cohort, who has no
	// sessions to export.
	none bool
}

var (
	scopeStatuses = []string{engine.Active, engine.Paused, engine.Ended, engine.Repaired, engine.Unrepaired, engine.Abandoned, engine.Completed}
	scopeModes    = []string{engine.Practice, engine.Assessment, engine.Recognition}
)

// sessionScope reads the filters of an export or a dashboard from the
// query: from, to, scenario, trainee, status, mode, and cohort for an
// admin. A supervisor sees their own cohort's sessions only.
func (s *Server) sessionScope(c echo.Context) (sessionScope, error) {
	q := c.QueryParams()
	sc := sessionScope{viewer: currentUser(c)}
	cohort := q.Get("cohort")
	switch sc.viewer.Role {
	case engine.RoleAdmin:
		sc.filter.Cohort = cohort
	case engine.RoleSupervisor:
		if cohort != "" && cohort != sc.viewer.Cohort {
			return sc, newError(http.StatusForbidden, codeForbidden, "you can see your own cohort's sessions only")
		}
		sc.filter.Cohort = sc.viewer.Cohort
		sc.none = sc.viewer.Cohort == ""
	default:
		return sc, newError(http.StatusForbidden, codeForbidden, "your account does not have access to this")
	}
	var err error
	if sc.from, err = queryTime("from", q.Get("from"), false); err != nil {
		return sc, err
	}
	if sc.before, err = queryTime("to", q.Get("to"), true); err != nil {
		return sc, err
	}
	if !sc.from.IsZero() && !sc.before.IsZero() && !sc.from.Before(sc.before) {
		return sc, badRequest("from must come before to")
	}
	if st := q.Get("status"); st != "" {
		if !slices.Contains(scopeStatuses, st) {
			return sc, badRequest("status must be one of " + strings.Join(scopeStatuses, ", "))
		}
		sc.filter.Status = st
	}
	if m := q.Get("mode"); m != "" {
		if !slices.Contains(scopeModes, m) {
			return sc, badRequest("mode must be one of " + strings.Join(scopeModes, ", "))
		}
		sc.mode = m
	}
	sc.filter.Scenario = q.Get("scenario")
	if t := q.Get("trainee"); t != "" {
		// A username or an id, as in GET /api/sessions. An unknown name
		// is taken for an id and matches nothing: saying it does not
		// exist would tell a supervisor about other cohorts' people.
		u, err := s.cfg.Store.UserByName(c.Request().Context(), t)
		switch {
		case err == nil && (sc.viewer.Role == engine.RoleAdmin || u.Cohort == sc.viewer.Cohort):
			sc.filter.Trainee = u.ID
		case err == nil:
			// Someone in another cohort: as unknown, for the same reason.
			sc.filter.Trainee = t
		case engine.ErrorCode(err) == engine.ENOTFOUND:
			sc.filter.Trainee = t
		default:
			return sc, err
		}
	}
	return sc, nil
}

// queryTime reads a date (YYYY-MM-DD, a day in UTC) or an RFC 3339 time.
// As the end of a range, it returns the first instant after it: the next
// day's start for a date, so that the day is included.
func queryTime(name, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, badRequest(fmt.Sprintf("%s must be a date such as 2026-11-26 or a time such as 2026-11-26T09:30:00Z, not %q", name, v))
	}
	if end {
		t = t.Add(time.Nanosecond)
	}
	return t, nil
}

// report is the scope as the reports filter: the dates, the mode and the
// fields the store filters on too.
func (sc sessionScope) report() report.Filter {
	return report.Filter{From: sc.from, To: sc.before, Scenario: sc.filter.Scenario, Trainee: sc.filter.Trainee, Cohort: sc.filter.Cohort, Mode: sc.mode}
}

// errPastFrom stops a walk of the sessions at the first one started
// before the scope's from: the rest, newer first, started earlier still.
var errPastFrom = errors.New("past the start of the range")

// eachInScope calls fn with each session in the scope, newest first.
func (s *Server) eachInScope(ctx context.Context, sc sessionScope, fn func(engine.SessionRecord) error) error {
	if sc.none {
		return nil
	}
	f := sc.report()
	err := s.cfg.Store.EachSession(ctx, sc.filter, func(rec engine.SessionRecord) error {
		switch {
		case !f.From.IsZero() && rec.State.Started.Before(f.From):
			return errPastFrom
		case !f.Matches(rec),
			// The filter keeps to the cohort already; this is the
			// rule every other route applies, kept here too.
			!canSee(sc.viewer, rec):
			return nil
		}
		return fn(rec)
	})
	if errors.Is(err, errPastFrom) {
		return nil
	}
	return err
}

// nameCache looks usernames up for one request, remembering each; a deleted
// user's is "".
type nameCache struct {
	store engine.Store
	byID  map[string]string
}

func newNameCache(store engine.Store) *nameCache {
	return &nameCache{store: store, byID: map[string]string{}}
}

func (n *nameCache) of(ctx context.Context, id string) (string, error) {
	if name, ok := n.byID[id]; ok {
		return name, nil
	}
	u, err := n.store.UserByID(ctx, id)
	switch {
	case err == nil:
	case engine.ErrorCode(err) == engine.ENOTFOUND:
		u = engine.User{}
	default:
		return "", fmt.Errorf("user %s: %w", id, err)
	}
	n.byID[id] = u.Username
	return u.Username, nil
}

// A download is one export being written.
type download struct {
	kind, filename, contentType string
	// head is written before the first session, tail after the last.
	head, tail []byte
	// write renders one session into buf.
	write func(ctx context.Context, buf *bytes.Buffer, rec engine.SessionRecord) error
}

// stream writes an export: the head, each session in the scope as soon
// as it is rendered, flushed to the client, then the tail. The response
// is committed with the first session, or at the end: a failure before
// that is answered as any API error; after it the connection is aborted,
// so that the download is reported as failed instead of saved as a file
// that looks whole.
func (s *Server) stream(c echo.Context, sc sessionScope, ex download) error {
	ctx := c.Request().Context()
	res := c.Response()
	rc := http.NewResponseController(res)
	var buf bytes.Buffer
	buf.Write(ex.head)
	send := func() error {
		if !res.Committed {
			res.Header().Set(echo.HeaderContentType, ex.contentType)
			res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, ex.filename))
			res.WriteHeader(http.StatusOK)
		}
		// Not every writer has deadlines (a recorder in a test has
		// none); the server's own connections do.
		_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWait))
		if _, err := res.Write(buf.Bytes()); err != nil {
			return err
		}
		buf.Reset()
		return rc.Flush()
	}
	n := 0
	err := s.eachInScope(ctx, sc, func(rec engine.SessionRecord) error {
		if err := ex.write(ctx, &buf, rec); err != nil {
			return fmt.Errorf("session %s: %w", rec.State.ID, err)
		}
		n++
		return send()
	})
	if err == nil {
		buf.Write(ex.tail)
		err = send()
	}
	by := currentUser(c).ID
	if err != nil {
		if !res.Committed {
			return err
		}
		if ctx.Err() != nil {
			s.log.Warn("export cut short: the client went away", "request_id", requestID(c), "by", by, "export", ex.kind, "sessions", n)
		} else {
			s.log.Error("export cut short", "request_id", requestID(c), "by", by, "export", ex.kind, "sessions", n, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	s.log.Info("exported", "request_id", requestID(c), "by", by, "export", ex.kind, "sessions", n, "query", c.QueryString())
	return nil
}

// exportFilename names a download: repairgym-sessions-2026-11-26.csv.
func exportFilename(kind, ext string) string {
	return fmt.Sprintf("repairgym-%s-%s.%s", kind, time.Now().UTC().Format(time.DateOnly), ext)
}

// csvSafe keeps a spreadsheet from taking a cell for a formula: a cell
// that begins with = + - @, a tab or a carriage return gets a leading
// apostrophe, as OWASP recommends against CSV injection. Numbers the
// export writes itself do not pass through it, so that they stay numbers.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// A sessionTally is what a session's responses add up to: the summary of an
// ended session, computed the same way for one still going.
type sessionTally struct {
	responses, retries int
	flags, flagged     int
	// overall and means are meaningful only with responses.
	overall float64
	means   map[string]float64
}

func tallyOf(st engine.State) sessionTally {
	if sum := st.Summary; sum != nil {
		return sessionTally{responses: sum.Responses, retries: sum.Retries, flags: sum.Flags, flagged: sum.Flagged, overall: sum.Overall, means: sum.Means}
	}
	t := sessionTally{means: map[string]float64{}, retries: len(st.Retracted)}
	totals := map[string]int{}
	for _, turn := range st.Turns {
		if turn.Speaker != engine.Trainee {
			continue
		}
		t.responses++
		t.retries += len(turn.Attempts)
		for id, sc := range turn.Scores {
			totals[id] += sc.Score
		}
		if turn.Overall != nil {
			t.overall += float64(*turn.Overall)
		}
	}
	for _, f := range st.Flags {
		t.flags++
		if f.Correct {
			t.flagged++
		}
	}
	if t.responses > 0 {
		for id, total := range totals {
			t.means[id] = float64(total) / float64(t.responses)
		}
		t.overall /= float64(t.responses)
	}
	return t
}

// criterionIDs lists a rubric's criteria, in its order.
func criterionIDs(r *grading.Rubric) []string {
	ids := make([]string, len(r.Criteria))
	for i, c := range r.Criteria {
		ids[i] = c.ID
	}
	return ids
}

// sessionsHeader is the header row of sessions.csv; a mean_<criterion>
// column for each criterion goes after overall.
func sessionsHeader(criteria []string) []string {
	h := []string{"id", "trainee", "trainee_id", "cohort", "scenario_id", "scenario_version", "rubric_version", "mode", "persona",
		"status", "outcome", "started", "updated", "responses", "retries", "overall"}
	for _, id := range criteria {
		h = append(h, "mean_"+id)
	}
	return append(h, "flags", "flags_correct", "reviews", "reviewed_turns")
}

// sessionRow is one session's row of sessions.csv.
func sessionRow(rec engine.SessionRecord, trainee string, reviews []engine.Review, criteria []string) []string {
	st := rec.State
	t := tallyOf(st)
	stamp := func(at time.Time) string {
		if at.IsZero() {
			return ""
		}
		return at.UTC().Format(time.RFC3339)
	}
	row := []string{csvSafe(st.ID), csvSafe(trainee), csvSafe(rec.Trainee), csvSafe(rec.Cohort), csvSafe(st.ScenarioID),
		strconv.Itoa(st.ScenarioVersion), strconv.Itoa(st.RubricVersion), csvSafe(st.Mode), csvSafe(rec.Persona),
		csvSafe(st.Status), csvSafe(st.Outcome), stamp(st.Started), stamp(st.Updated),
		strconv.Itoa(t.responses), strconv.Itoa(t.retries), ""}
	if t.responses > 0 {
		row[len(row)-1] = strconv.FormatFloat(t.overall, 'f', 1, 64)
	}
	for _, id := range criteria {
		mean, ok := t.means[id]
		if t.responses == 0 || !ok {
			row = append(row, "")
			continue
		}
		row = append(row, strconv.FormatFloat(mean, 'f', 2, 64))
	}
	turns := map[int]bool{}
	for _, r := range reviews {
		turns[r.Turn] = true
	}
	return append(row, strconv.Itoa(t.flags), strconv.Itoa(t.flagged), strconv.Itoa(len(reviews)), strconv.Itoa(len(turns)))
}

// exportSessions serves GET /api/export/sessions.csv: one row a session,
// with its scores summed up and its reviews counted.
func (s *Server) exportSessions(c echo.Context) error {
	sc, err := s.sessionScope(c)
	if err != nil {
		return err
	}
	criteria := criterionIDs(s.scoring().Rubric)
	var head bytes.Buffer
	if err := writeCSV(&head, sessionsHeader(criteria)); err != nil {
		return err
	}
	users := newNameCache(s.cfg.Store)
	return s.stream(c, sc, download{
		kind: "sessions.csv", filename: exportFilename("sessions", "csv"), contentType: "text/csv; charset=utf-8",
		head: head.Bytes(),
		write: func(ctx context.Context, buf *bytes.Buffer, rec engine.SessionRecord) error {
			trainee, err := users.of(ctx, rec.Trainee)
			if err != nil {
				return err
			}
			reviews, err := s.cfg.Store.Reviews(ctx, rec.State.ID)
			if err != nil {
				return fmt.Errorf("reviews: %w", err)
			}
			return writeCSV(buf, sessionRow(rec, trainee, reviews, criteria))
		},
	})
}

// writeCSV writes one record with CRLF line ends, as RFC 4180 has them.
func writeCSV(buf *bytes.Buffer, record []string) error {
	w := csv.NewWriter(buf)
	w.UseCRLF = true
	if err := w.Write(record); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// turnLine is one line of turns.jsonl: a line of a transcript, with its
// session's particulars, and for a trainee's line its grade and reviews.
type turnLine struct {
	SessionID       string    `json:"session_id"`
	Trainee         string    `json:"trainee"`
	TraineeID       string    `json:"trainee_id"`
	Cohort          string    `json:"cohort"`
	ScenarioID      string    `json:"scenario_id"`
	ScenarioVersion int       `json:"scenario_version"`
	RubricVersion   int       `json:"rubric_version"`
	Mode            string    `json:"mode"`
	N               int       `json:"n"`
	Speaker         string    `json:"speaker"`
	Text            string    `json:"text"`
	At              time.Time `json:"at"`
	// Stage is set on the client's lines.
	Stage string `json:"stage,omitempty"`
	// The rest is set on the trainee's lines; supervisor is [] when no
	// one reviewed the line.
	Scores     map[string]int      `json:"scores,omitzero"`
	Overall    *int                `json:"overall,omitempty"`
	Grader     string              `json:"grader,omitempty"`
	Evidence   map[string][]string `json:"evidence,omitzero"`
	Supervisor []reviewLine        `json:"supervisor,omitzero"`
}

// reviewLine is a supervisor's review of a line in turns.jsonl.
type reviewLine struct {
	Reviewer   string         `json:"reviewer"`
	ReviewerID string         `json:"reviewer_id"`
	Scores     map[string]int `json:"scores"`
	Comment    string         `json:"comment"`
	Blind      bool           `json:"blind"`
	At         time.Time      `json:"at"`
}

// exportTurns serves GET /api/export/turns.jsonl: one JSON object a line
// for every line of every transcript.
func (s *Server) exportTurns(c echo.Context) error {
	sc, err := s.sessionScope(c)
	if err != nil {
		return err
	}
	users := newNameCache(s.cfg.Store)
	return s.stream(c, sc, download{
		kind: "turns.jsonl", filename: exportFilename("turns", "jsonl"), contentType: "application/x-ndjson",
		write: func(ctx context.Context, buf *bytes.Buffer, rec engine.SessionRecord) error {
			return s.writeTurns(ctx, buf, users, rec)
		},
	})
}

func (s *Server) writeTurns(ctx context.Context, buf *bytes.Buffer, users *nameCache, rec engine.SessionRecord) error {
	st := rec.State
	trainee, err := users.of(ctx, rec.Trainee)
	if err != nil {
		return err
	}
	reviews, err := s.cfg.Store.Reviews(ctx, st.ID)
	if err != nil {
		return fmt.Errorf("reviews: %w", err)
	}
	answers := map[int]engine.Turn{}
	for _, t := range st.Turns {
		answers[t.N] = t
	}
	byTurn := map[int][]reviewLine{}
	for _, r := range reviews {
		if t, ok := answers[r.Turn]; !ok || !r.Rates(t) {
			continue // of an answer taken back since
		}
		name, err := users.of(ctx, r.Reviewer)
		if err != nil {
			return err
		}
		scores := r.Scores
		if scores == nil {
			scores = map[string]int{}
		}
		byTurn[r.Turn] = append(byTurn[r.Turn], reviewLine{Reviewer: name, ReviewerID: r.Reviewer, Scores: scores,
			Comment: r.Comment, Blind: r.Blind, At: r.At.UTC()})
	}
	enc := json.NewEncoder(buf)
	// The text is the trainee's, exactly: "<" stays "<".
	enc.SetEscapeHTML(false)
	for _, t := range st.Turns {
		line := turnLine{SessionID: st.ID, Trainee: trainee, TraineeID: rec.Trainee, Cohort: rec.Cohort,
			ScenarioID: st.ScenarioID, ScenarioVersion: st.ScenarioVersion, RubricVersion: st.RubricVersion, Mode: st.Mode,
			N: t.N, Speaker: t.Speaker, Text: t.Text, At: t.At.UTC()}
		if t.Speaker == engine.Client {
			line.Stage = t.Stage
		} else {
			line.Scores, line.Evidence = map[string]int{}, map[string][]string{}
			for id, sc := range t.Scores {
				line.Scores[id] = sc.Score
				line.Evidence[id] = append([]string{}, sc.Evidence...)
			}
			line.Overall, line.Grader = t.Overall, t.Grader
			line.Supervisor = byTurn[t.N]
			if line.Supervisor == nil {
				line.Supervisor = []reviewLine{}
			}
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

// xAPI 1.0.3 statements, one for each ended session.
const (
	xapiCompleted  = "http://adlnet.gov/expapi/verbs/completed"
	xapiAbandoned  = "https://w3id.org/xapi/adl/verbs/abandoned"
	xapiSimulation = "http://adlnet.gov/expapi/activities/simulation"
)

type xapiStatement struct {
	ID        string       `json:"id"`
	Actor     xapiActor    `json:"actor"`
	Verb      xapiVerb     `json:"verb"`
	Object    xapiActivity `json:"object"`
	Result    xapiResult   `json:"result"`
	Context   xapiContext  `json:"context"`
	Timestamp string       `json:"timestamp"`
}

// xapiActor is the trainee by their account on this server, named by id:
// the statements leave the program, and carry no username or email.
type xapiActor struct {
	ObjectType string      `json:"objectType"`
	Account    xapiAccount `json:"account"`
}

type xapiAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

type xapiVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

type xapiActivity struct {
	ObjectType string         `json:"objectType"`
	ID         string         `json:"id"`
	Definition xapiDefinition `json:"definition"`
}

type xapiDefinition struct {
	Name map[string]string `json:"name"`
	Type string            `json:"type"`
}

type xapiResult struct {
	Score      *xapiScore     `json:"score,omitempty"`
	Success    *bool          `json:"success,omitempty"`
	Completion bool           `json:"completion"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type xapiScore struct {
	Scaled float64 `json:"scaled"`
	Raw    float64 `json:"raw"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

type xapiContext struct {
	Platform   string         `json:"platform"`
	Extensions map[string]any `json:"extensions"`
}

// exportXAPI serves GET /api/export/xapi.json: a JSON array of xAPI
// statements, one for each ended session in the scope.
func (s *Server) exportXAPI(c echo.Context) error {
	sc, err := s.sessionScope(c)
	if err != nil {
		return err
	}
	// Only ended sessions make statements: an export asked for active or
	// paused ones has none.
	switch sc.filter.Status {
	case "":
		sc.filter.Status = engine.Ended
	case engine.Active, engine.Paused:
		sc.none = true
	}
	base := baseURL(c.Request())
	first := true
	return s.stream(c, sc, download{
		kind: "xapi.json", filename: exportFilename("xapi", "json"), contentType: echo.MIMEApplicationJSONCharsetUTF8,
		head: []byte("["), tail: []byte("\n]\n"),
		write: func(_ context.Context, buf *bytes.Buffer, rec engine.SessionRecord) error {
			if rec.State.Status != engine.Ended {
				return nil
			}
			if !first {
				buf.WriteByte(',')
			}
			first = false
			buf.WriteByte('\n')
			data, err := json.Marshal(s.statement(base, rec))
			if err != nil {
				return err
			}
			buf.Write(data)
			return nil
		},
	})
}

// baseURL is the address the request reached the server at.
func baseURL(r *http.Request) string {
	scheme := "http"
	if isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// statement describes an ended session in xAPI. A session played to an
// ending is completed, and succeeded if the rupture was repaired; one the
// trainee left (or that timed out) is abandoned, with completion false,
// and no score, since it stopped halfway; a recognition drill is
// completed, with its hits and misses instead of a score. The mode in
// the context tells a drill from practice.
func (s *Server) statement(base string, rec engine.SessionRecord) xapiStatement {
	st := rec.State
	title := st.ScenarioID
	if scn, ok := s.cfg.Catalog.Version(st.ScenarioID, st.ScenarioVersion); ok {
		title = scn.Title
	}
	ext := func(name string) string { return base + "/xapi/" + name }
	stmt := xapiStatement{
		ID:    statementID(base, rec),
		Actor: xapiActor{ObjectType: "Agent", Account: xapiAccount{HomePage: base, Name: rec.Trainee}},
		Verb:  xapiVerb{ID: xapiCompleted, Display: map[string]string{"en-US": "completed"}},
		Object: xapiActivity{ObjectType: "Activity", ID: base + "/scenarios/" + url.PathEscape(st.ScenarioID),
			Definition: xapiDefinition{Name: map[string]string{"en-US": title}, Type: xapiSimulation}},
		Context: xapiContext{Platform: "repairgym", Extensions: map[string]any{
			ext("session"): st.ID, ext("mode"): st.Mode, ext("scenario_version"): st.ScenarioVersion,
			ext("rubric_version"): st.RubricVersion, ext("outcome"): st.Outcome,
		}},
		Timestamp: st.Updated.UTC().Format(time.RFC3339Nano),
	}
	switch {
	case st.Outcome == engine.Abandoned:
		stmt.Verb = xapiVerb{ID: xapiAbandoned, Display: map[string]string{"en-US": "abandoned"}}
	case st.Mode == engine.Recognition:
		stmt.Result.Completion = true
		if st.Summary != nil {
			r := st.Summary.Recognition
			stmt.Result.Extensions = map[string]any{ext("recognition"): map[string]int{
				"ruptures": r.Ruptures, "ordinary": r.Ordinary, "hits": r.Hits, "misses": r.Misses,
				"false_alarms": r.FalseAlarms, "type_right": r.TypeRight}}
		}
	default:
		stmt.Result.Completion = true
		success := st.Outcome == engine.Repaired
		stmt.Result.Success = &success
		if t := tallyOf(st); t.responses > 0 {
			raw := math.Round(t.overall*10) / 10
			stmt.Result.Score = &xapiScore{Scaled: raw / 100, Raw: raw, Min: 0, Max: 100}
			stmt.Result.Extensions = map[string]any{}
			for id, mean := range t.means {
				stmt.Result.Extensions[ext("criteria/"+id)] = mean
			}
		}
	}
	return stmt
}

// statementNamespace is the namespace of statement ids: the name-based
// UUID of the project's address.
var statementNamespace = nameUUID(
	[16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, // RFC 9562's namespace for URLs
	"https://github.com/repairgym/repairgym/xapi/statements")

// statementID names a session's statement, the same at every export, so
// that a record store sent the same export twice keeps one statement. The
// end time is in the name as well as the session: a practice can be
// taken up again after it ended (a retry of its last answer), and its
// second ending is a new statement rather than a conflicting one under
// the first one's id. The server's address is in it too, since the
// statement's addresses are: the same session exported through two
// addresses makes two statements, not one id with two contents, which a
// record store refuses.
func statementID(base string, rec engine.SessionRecord) string {
	return formatUUID(nameUUID(statementNamespace, base+"\x00"+rec.State.ID+"@"+rec.State.Updated.UTC().Format(time.RFC3339Nano)))
}

// nameUUID returns the name-based UUID of a name in a namespace, version
// 5 (SHA-1), as RFC 9562 defines it.
func nameUUID(namespace [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // the RFC's variant
	return u
}

func formatUUID(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
