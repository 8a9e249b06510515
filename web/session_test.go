package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

func readLibraryFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "scenarios", "library", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const defensive = "It was only a few minutes and I was just trying to help. You need to calm down."

// bestExemplar picks, for the stage a session is at, the exemplar the
// grader scores highest: a path of good answers to "repaired".
func bestExemplar(t *testing.T, ts *testServer, sessionID string) string {
	t.Helper()
	rec, err := ts.store.SessionByID(context.Background(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	scn, _ := ts.cfg.Catalog.Version(rec.State.ScenarioID, rec.State.ScenarioVersion)
	g := grading.NewLexicon(grading.DefaultRubric())
	best, line := -1, ""
	for _, ex := range scn.Stage(rec.State.Stage).Exemplars {
		res, _ := g.Grade(context.Background(), grading.Input{Response: ex, RuptureType: scn.Rupture.Type})
		if res.Overall > best {
			best, line = res.Overall, ex
		}
	}
	return line
}

func TestSessionToEachEnding(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	for _, s := range ts.cfg.Catalog.List() {
		for _, ending := range []string{engine.Repaired, engine.Unrepaired} {
			t.Run(s.ID+"/"+ending, func(t *testing.T) {
				id := tess.startSession(s.ID, engine.Practice)
				ws := tess.dial(id)
				defer ws.close()
				st := ws.state()
				if st["status"] != "active" || num(st["pending"]) != 1 || len(st["turns"].([]any)) != 1 {
					t.Fatalf("initial state: %v", st)
				}
				turn := 1
				var end map[string]any
				for i := 0; i < 20 && end == nil; i++ {
					text := defensive
					if ending == engine.Repaired {
						text = bestExemplar(t, ts, id)
					}
					ws.send(map[string]any{"type": "response", "turn": turn, "text": text})
					fb := ws.next()
					if fb["type"] != "feedback" || num(fb["turn"]) != turn+1 || fb["exemplar"] == "" || fb["scores"] == nil {
						t.Fatalf("after a response, got %v; want feedback on turn %d", fb, turn+1)
					}
					ct := ws.next()
					if ct["type"] != "client_turn" || num(ct["turn"]) != turn+2 || ct["text"] == "" {
						t.Fatalf("want client_turn %d, got %v", turn+2, ct)
					}
					turn += 2
					if st := ts.mustRecord(t, id); st.State.Status == engine.Ended {
						end = ws.next()
					}
				}
				if end == nil || end["type"] != "end" || end["outcome"] != ending || end["summary"] == nil {
					t.Fatalf("end = %v, want %s with a summary", end, ending)
				}
				var got sessionJSON
				if code := tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got); code != 200 || got.Outcome != ending || got.Summary == nil || len(got.Turns) != turn {
					t.Fatalf("GET session: %d, outcome %q, %d turns", code, got.Outcome, len(got.Turns))
				}
				if got.Turns[1].Scores == nil || got.Turns[1].Speaker != "trainee" {
					t.Errorf("trainee turn lacks scores: %+v", got.Turns[1])
				}
			})
		}
	}
}

func (ts *testServer) mustRecord(t *testing.T, id string) engine.SessionRecord {
	t.Helper()
	rec, err := ts.store.SessionByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestRetryOverSocket(t *testing.T) {
	ts, tess, id, ws := practising(t)
	defer ws.close()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": defensive})
	ws.until("client_turn")
	ws.send(map[string]any{"type": "retry", "turn": 1})
	st := ws.state()
	if num(st["pending"]) != 1 || len(st["turns"].([]any)) != 1 || len(st["retracted"].([]any)) != 1 {
		t.Fatalf("after retry: %v", st)
	}
	ws.send(map[string]any{"type": "response", "turn": 1, "text": bestExemplar(t, ts, id)})
	ws.until("client_turn")
	rec := ts.mustRecord(t, id)
	if a := rec.State.Turns[1].Attempts; len(a) != 1 || a[0].Text != defensive {
		t.Errorf("attempts on turn 2 = %+v", a)
	}
	// Not in assessment mode.
	aid := tess.startSession("late-again", engine.Assessment)
	aws := tess.dial(aid)
	defer aws.close()
	aws.state()
	aws.send(map[string]any{"type": "response", "turn": 1, "text": defensive})
	if ct := aws.next(); ct["type"] != "client_turn" {
		t.Fatalf("assessment mode sent %v before the client's turn", ct["type"])
	}
	aws.send(map[string]any{"type": "retry", "turn": 1})
	if e := aws.next(); e["type"] != "error" || e["code"] != engine.ENOTALLOWED {
		t.Errorf("retry in assessment: %v", e)
	}
}

func TestAssessmentHoldsFeedbackUntilTheEnd(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Assessment)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": bestExemplar(t, ts, id)})
	if m := ws.next(); m["type"] != "client_turn" {
		t.Fatalf("assessment mode sent %v after a response", m["type"])
	}
	// Whether a marked rupture was right is a score too.
	ws.send(map[string]any{"type": "flag", "turn": 3, "rupture_type": "confrontation"})
	if m := ws.next(); m["type"] != "flag_result" || m["correct"] != nil {
		t.Errorf("flag in assessment: %v; want flag_result without correct", m)
	}
	var got sessionJSON
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got)
	if got.Turns[1].Scores != nil || got.Turns[1].Overall != nil {
		t.Error("the trainee sees scores before the end of an assessment")
	}
	if len(got.Flags) != 1 || got.Flags[0].Correct != nil || got.Flags[0].Hit != nil || got.Flags[0].Expected != nil {
		t.Errorf("flags before the end = %+v; want one, without correct, hit or expected", got.Flags)
	}
	// Neither a supervisor's rating nor a draft graded on the side gives
	// the score away before the end.
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	if st := sue.do(http.MethodPost, "/api/sessions/"+id+"/reviews", map[string]any{"turn": 2, "scores": map[string]int{"validation": 3}}, nil); st != http.StatusCreated {
		t.Fatalf("review mid-assessment: %d", st)
	}
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got)
	if len(got.Reviews) != 0 {
		t.Errorf("the trainee sees %d reviews before the end", len(got.Reviews))
	}
	draft := map[string]string{"client": "You were late again.", "response": "I was late, and that's on me.", "scenario": "late-again"}
	if st := tess.do(http.MethodPost, "/api/grade", draft, nil); st != http.StatusForbidden {
		t.Errorf("grading a draft mid-assessment: %d, want 403", st)
	}
	var list []sessionJSON
	tess.do(http.MethodGet, "/api/sessions", nil, &list)
	for _, sj := range list {
		if sj.ID == id && sj.Summary != nil {
			t.Error("the session list shows the summary of an assessment in progress")
		}
	}
	var fbs []engine.Feedback
	if tess.do(http.MethodGet, "/api/sessions/"+id+"/feedback", nil, &fbs); len(fbs) != 0 {
		t.Errorf("feedback before the end: %d items", len(fbs))
	}
	// Feedback frames are for practice alone: the assessment ends with
	// the end frame, and its feedback is read from the session.
	ws.send(map[string]any{"type": "end"})
	if end := ws.next(); end["type"] != "end" || end["outcome"] != engine.Abandoned {
		t.Fatalf("at the end: %v; want end, and no feedback frame", end)
	}
	if tess.do(http.MethodGet, "/api/sessions/"+id+"/feedback", nil, &fbs); len(fbs) != 1 || fbs[0].Turn != 2 {
		t.Errorf("feedback after the end: %+v, want the card of turn 2", fbs)
	}
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got)
	if got.Turns[1].Scores == nil || len(got.Flags) != 1 || got.Flags[0].Correct == nil || len(got.Reviews) != 1 {
		t.Error("scores, flag results or reviews still hidden after the end")
	}
	if st := tess.do(http.MethodPost, "/api/grade", draft, nil); st != http.StatusOK {
		t.Errorf("grading a draft after the assessment: %d, want 200", st)
	}
}

func TestResumeAfterTheConnectionDrops(t *testing.T) {
	ts, tess, id, ws := practising(t)
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	ws.until("client_turn")
	// The connection drops without a close frame.
	ws.ws.UnderlyingConn().Close()

	ws2 := tess.dial(id)
	defer ws2.close()
	st := ws2.state()
	turns := st["turns"].([]any)
	if len(turns) != 3 || num(st["pending"]) != 3 {
		t.Fatalf("resumed state: %d turns, pending %v", len(turns), st["pending"])
	}
	// The browser resends the answer it is unsure about: ignored.
	ws2.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	ws2.send(map[string]any{"type": "response", "turn": 3, "text": "It makes sense it's about more than the minutes."})
	if m := ws2.next(); m["type"] != "feedback" || num(m["turn"]) != 4 {
		t.Fatalf("after the resend and a new answer: %v (the resend must be ignored silently)", m)
	}
	if rec := ts.mustRecord(t, id); len(rec.State.Turns) < 5 || rec.State.Turns[1].Text != "I was late, and that's on me." {
		t.Errorf("stored transcript: %d turns", len(rec.State.Turns))
	}
}

func TestBadInputLeavesTheSessionIntact(t *testing.T) {
	ts, _, id, ws := practising(t)
	defer ws.close()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late."})
	ws.until("client_turn")
	before := ts.mustRecord(t, id)

	tests := []struct {
		name string
		raw  string
		code string
	}{
		{"invalid JSON", `{"type": "response", "turn": 3, "text": `, codeBadMessage},
		{"not an object", `[1, 2, 3]`, codeBadMessage},
		{"unknown field", `{"type": "response", "turn": 3, "txt": "hi"}`, codeBadMessage},
		{"unknown type", `{"type": "shout"}`, codeUnknownType},
		{"wrong turn", `{"type": "response", "turn": 7, "text": "hi"}`, engine.EWRONGTURN},
		{"trainee's own turn", `{"type": "response", "turn": 2, "text": "hi"}`, engine.EWRONGTURN},
		{"empty response", `{"type": "response", "turn": 3, "text": "   "}`, engine.EINVALID},
		{"too long", `{"type": "response", "turn": 3, "text": "` + strings.Repeat("a", engine.MaxResponseRunes+1) + `"}`, engine.EINVALID},
		{"retry a line not answered", `{"type": "retry", "turn": 3}`, engine.EWRONGTURN},
		{"flag a trainee line", `{"type": "flag", "turn": 2, "rupture_type": "withdrawal"}`, engine.EWRONGTURN},
		{"flag with no type", `{"type": "flag", "turn": 3}`, engine.EINVALID},
	}
	for _, tt := range tests {
		if err := ws.ws.WriteMessage(websocket.TextMessage, []byte(tt.raw)); err != nil {
			t.Fatal(err)
		}
		m := ws.next()
		if m["type"] != "error" || m["code"] != tt.code || m["message"] == "" {
			t.Errorf("%s: got %v, want error %s", tt.name, m, tt.code)
		}
	}
	if err := ws.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"type": "end"}`)); err != nil {
		t.Fatal(err)
	}
	if m := ws.next(); m["type"] != "error" || m["code"] != codeBadMessage {
		t.Errorf("binary frame: got %v, want error %s", m, codeBadMessage)
	}
	after := ts.mustRecord(t, id)
	if after.Version != before.Version || len(after.State.Turns) != len(before.State.Turns) {
		t.Fatalf("bad messages changed the session: version %d→%d", before.Version, after.Version)
	}
	// The connection is still usable.
	// Line 3 is the withdrawing stage's "it doesn't matter": a denial.
	ws.send(map[string]any{"type": "flag", "turn": 3, "rupture_type": "withdrawal"})
	if m := ws.next(); m["type"] != "flag_result" || m["correct"] != true || fmt.Sprint(m["expected"]) != "map[subtype:denial type:withdrawal]" {
		t.Errorf("flag: %v", m)
	}
	ws.send(map[string]any{"type": "response", "turn": 3, "text": "It makes sense."})
	if m := ws.next(); m["type"] != "feedback" {
		t.Errorf("a good message after the bad ones: %v", m)
	}
}

func TestOversizedFrameCloses1009(t *testing.T) {
	ts, tess, id, ws := practising(t)
	big := `{"type":"response","turn":1,"text":"` + strings.Repeat("x", maxFrame) + `"}`
	ws.ws.WriteMessage(websocket.TextMessage, []byte(big))
	ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ws.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Fatalf("oversized frame: %v, want close 1009", err)
	}
	if rec := ts.mustRecord(t, id); len(rec.State.Turns) != 1 {
		t.Errorf("an oversized frame changed the session: %d turns", len(rec.State.Turns))
	}
	// A new connection works.
	ws2 := tess.dial(id)
	defer ws2.close()
	if st := ws2.state(); num(st["pending"]) != 1 {
		t.Errorf("after 1009: %v", st)
	}
}

func TestSocketAuthAndOrigin(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.AllowedOrigins = []string{"https://training.example.org"} })
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	uma := ts.user(t, "uma", engine.RoleTrainee, "c1")
	sup := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	id := tess.startSession("late-again", engine.Practice)
	tests := []struct {
		name   string
		header http.Header
		query  string
		status int
	}{
		{"no auth", http.Header{"Origin": {ts.url}}, "", 401},
		{"bad token", http.Header{"Authorization": {"Bearer nope"}, "Origin": {ts.url}}, "", 401},
		{"forged origin", http.Header{"Authorization": {"Bearer " + tess.token}, "Origin": {"https://evil.example"}}, "", 403},
		{"origin with another scheme", http.Header{"Authorization": {"Bearer " + tess.token}, "Origin": {strings.Replace(ts.url, "http://", "https://", 1)}}, "", 403},
		{"another trainee", http.Header{"Authorization": {"Bearer " + uma.token}, "Origin": {ts.url}}, "", 404},
		{"a supervisor", http.Header{"Authorization": {"Bearer " + sup.token}, "Origin": {ts.url}}, "", 404},
		{"allowed origin", http.Header{"Authorization": {"Bearer " + tess.token}, "Origin": {"https://training.example.org"}}, "", 101},
		{"token in the query", http.Header{"Origin": {ts.url}}, "?token=" + tess.token, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, res, err := ts.dialWith(id+tt.query, tt.header)
			if tt.status == 101 {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				s.t = t
				s.state()
				s.close()
				return
			}
			if err == nil || res == nil || res.StatusCode != tt.status {
				got := 0
				if res != nil {
					got = res.StatusCode
				}
				t.Errorf("status %d, want %d (err %v)", got, tt.status, err)
			}
		})
	}
	// The query token is only for sockets.
	if st := ts.do(t, "", http.MethodGet, "/api/sessions/"+id+"?token="+tess.token, nil, nil); st != 401 {
		t.Errorf("query token on the API: %d, want 401", st)
	}
}

func TestTraineesSeeOnlyTheirOwn(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	uma := ts.user(t, "uma", engine.RoleTrainee, "c1")
	supSame := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	supOther := ts.user(t, "sam", engine.RoleSupervisor, "c2")
	admin := ts.user(t, "root", engine.RoleAdmin, "")
	id := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(id, "I was late.")

	for _, tt := range []struct {
		who    *client
		status int
	}{{tess, 200}, {uma, 404}, {supOther, 404}, {supSame, 200}, {admin, 200}} {
		if st := tt.who.do(http.MethodGet, "/api/sessions/"+id, nil, nil); st != tt.status {
			t.Errorf("%s GET session: %d, want %d", tt.who.user.Username, st, tt.status)
		}
		if st := tt.who.do(http.MethodGet, "/api/sessions/"+id+"/feedback", nil, nil); st != tt.status {
			t.Errorf("%s GET feedback: %d, want %d", tt.who.user.Username, st, tt.status)
		}
		var list []sessionJSON
		tt.who.do(http.MethodGet, "/api/sessions", nil, &list)
		found := false
		for _, s := range list {
			found = found || s.ID == id
		}
		if found != (tt.status == 200) {
			t.Errorf("%s's list has the session: %v", tt.who.user.Username, found)
		}
	}
	// A trainee cannot list someone else's by asking for them.
	var list []sessionJSON
	uma.do(http.MethodGet, "/api/sessions?trainee=tess", nil, &list)
	if len(list) != 0 {
		t.Errorf("uma asked for tess's sessions and got %d", len(list))
	}
	// Reviews: the supervisor of the cohort and admins only.
	review := map[string]any{"turn": 2, "scores": map[string]int{"validation": 2}, "comment": "Name the wait."}
	for _, tt := range []struct {
		who    *client
		status int
	}{{uma, 403}, {tess, 403}, {supOther, 404}, {supSame, 201}, {admin, 201}} {
		if st := tt.who.do(http.MethodPost, "/api/sessions/"+id+"/reviews", review, nil); st != tt.status {
			t.Errorf("%s reviews: %d, want %d", tt.who.user.Username, st, tt.status)
		}
	}
	if st := supSame.do(http.MethodPost, "/api/sessions/"+id+"/reviews", map[string]any{"turn": 1, "scores": map[string]int{"validation": 2}}, nil); st != 400 {
		t.Errorf("review of a client turn: %d, want 400", st)
	}
	if st := supSame.do(http.MethodPost, "/api/sessions/"+id+"/reviews", map[string]any{"turn": 2, "scores": map[string]int{"validation": 9}}, nil); st != 400 {
		t.Errorf("review out of range: %d, want 400", st)
	}
	var got sessionJSON
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got)
	if len(got.Reviews) != 2 || got.Reviews[0].Comment != "Name the wait." {
		t.Errorf("the trainee sees reviews %+v", got.Reviews)
	}
}

func TestPauseAndEnd(t *testing.T) {
	ts, tess, id, ws := practising(t)
	ws.send(map[string]any{"type": "pause"})
	if st := ws.state(); st["status"] != engine.Paused {
		t.Fatalf("after pause: %v", st["status"])
	}
	ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := ws.ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Errorf("after pause the socket closes normally: %v", err)
	}
	// Coming back later resumes.
	ws2 := tess.dial(id)
	if st := ws2.state(); st["status"] != engine.Paused || num(st["pending"]) != 1 {
		t.Fatalf("coming back: %v", st)
	}
	ws2.send(map[string]any{"type": "response", "turn": 1, "text": "I'm back. I was late, that's on me."})
	ws2.until("client_turn")
	if rec := ts.mustRecord(t, id); rec.State.Status != engine.Active {
		t.Errorf("answering resumes: %s", rec.State.Status)
	}
	ws2.send(map[string]any{"type": "end"})
	end, _ := ws2.until("end")
	if end["outcome"] != engine.Abandoned {
		t.Errorf("end: %v", end)
	}
	ws3 := tess.dial(id)
	defer ws3.close()
	ws3.state()
	if m := ws3.next(); m["type"] != "end" {
		t.Errorf("connecting to an ended session: %v", m)
	}
}

func TestIdleSessionsTimeOut(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.IdleTimeout = 300 * time.Millisecond
		c.SweepEvery = 100 * time.Millisecond
	})
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	end := ws.next() // nothing is sent; the sweep ends it
	if end["type"] != "end" || end["outcome"] != engine.Abandoned {
		t.Fatalf("idle session: %v", end)
	}
	if rec := ts.mustRecord(t, id); rec.State.Outcome != engine.Abandoned {
		t.Errorf("stored outcome %q", rec.State.Outcome)
	}
	// Another session timing out later says nothing more to this socket.
	other := tess.startSession("too-quick-yes", engine.Practice)
	ws.ws.SetReadDeadline(time.Now().Add(time.Second))
	var extra map[string]any
	if err := ws.ws.ReadJSON(&extra); err == nil {
		t.Errorf("a second message after the end: %v", extra)
	}
	if rec := ts.mustRecord(t, other); rec.State.Outcome != engine.Abandoned {
		t.Errorf("the other idle session: %q", rec.State.Outcome)
	}
}

// TestSocketsEndWithTheLogin checks that a socket does not outlive the
// login it was opened with: logging out closes it, and so does expiry.
func TestSocketsEndWithTheLogin(t *testing.T) {
	closed := func(ws *socket) *websocket.CloseError {
		ws.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			if _, _, err := ws.ws.ReadMessage(); err != nil {
				var ce *websocket.CloseError
				errors.As(err, &ce)
				return ce
			}
		}
	}
	ts := newTestServer(t, func(c *Config) {
		// Pings, and the checks on the login with them, come every
		// second: slow enough that a busy machine keeps up.
		c.TokenTTL = 3 * time.Second
		c.PongWait = 2 * time.Second
	})
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")

	tess := ts.login(t, "tess")
	ws := tess.dial(tess.startSession("late-again", engine.Practice))
	ws.state()
	if st := tess.do(http.MethodPost, "/api/logout", nil, nil); st != http.StatusNoContent {
		t.Fatalf("logout: %d", st)
	}
	if ce := closed(ws); ce == nil || ce.Code != websocket.ClosePolicyViolation {
		t.Errorf("after logout the socket ended with %v, want close %d", ce, websocket.ClosePolicyViolation)
	}

	tess = ts.login(t, "tess")
	ws = tess.dial(tess.startSession("late-again", engine.Practice))
	ws.state()
	if ce := closed(ws); ce == nil || ce.Code != websocket.ClosePolicyViolation || ce.Text != "login expired" {
		t.Errorf("after the login expired the socket ended with %v", ce)
	}
}

// gateGrader holds each grading until released, so that a test can act
// while a turn is in progress.
type gateGrader struct {
	engine.Grader
	entered chan struct{}
	release chan struct{}
}

func (g gateGrader) Grade(ctx context.Context, in grading.Input) (grading.Result, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Grader.Grade(ctx, in)
}

func TestShutdownClosesSocketsAfterTheTurn(t *testing.T) {
	gate := gateGrader{entered: make(chan struct{}, 1), release: make(chan struct{})}
	ts := newTestServer(t, func(c *Config) {
		c.NewGrader = func(r *grading.Rubric) engine.Grader {
			gate.Grader = grading.NewLexicon(r)
			return gate
		}
	})
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	<-gate.entered // the turn is being graded
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(ctx) }()
	// Release the turn only once shutdown has begun, so that it is a
	// turn in progress that shutdown waits for.
	for !ts.hub.isDraining() {
		if ctx.Err() != nil {
			t.Fatal("shutdown did not begin")
		}
		time.Sleep(time.Millisecond)
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// The turn in progress finished: its messages arrive, then 1001.
	var types []string
	var closeErr error
	for {
		ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m map[string]any
		if err := ws.ws.ReadJSON(&m); err != nil {
			closeErr = err
			break
		}
		types = append(types, m["type"].(string))
	}
	if !websocket.IsCloseError(closeErr, websocket.CloseGoingAway) {
		t.Errorf("close: %v, want 1001", closeErr)
	}
	if rec := ts.mustRecord(t, id); len(rec.State.Turns) != 3 {
		t.Errorf("the turn in progress was not saved: %d turns (messages %v)", len(rec.State.Turns), types)
	}
	// New sockets are refused during shutdown.
	if s, _, err := ts.dialWith(id, http.Header{"Authorization": {"Bearer " + tess.token}, "Origin": {ts.url}}); err == nil {
		s.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := s.ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("a socket opened during shutdown: %v", err)
		}
	}
}

func TestTwoTabsStayInStep(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	a, b := tess.dial(id), tess.dial(id)
	defer a.close()
	defer b.close()
	a.state()
	b.state()
	a.send(map[string]any{"type": "response", "turn": 1, "text": "I was late."})
	if m, _ := b.until("client_turn"); num(m["turn"]) != 3 {
		t.Errorf("the other tab got %v", m)
	}
}

func TestStoreFailureSaysNotSaved(t *testing.T) {
	var fs *failingStore
	ts := newTestServer(t, func(c *Config) {
		fs = &failingStore{Store: c.Store}
		c.Store = fs
	})
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	fs.fail.Store(true)
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late."})
	m := ws.next()
	if m["type"] != "error" || m["code"] != engine.EUNAVAILABLE || m["message"] != "not saved, try again" {
		t.Fatalf("response while the store fails: %v", m)
	}
	fs.fail.Store(false)
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late."})
	if m, _ := ws.until("client_turn"); num(m["turn"]) != 3 {
		t.Errorf("after the store recovers: %v", m)
	}
}

// failingStore fails session saves while fail is set.
type failingStore struct {
	engine.Store
	fail atomic.Bool
}

func (f *failingStore) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	if f.fail.Load() {
		return 0, errors.New("disk full")
	}
	return f.Store.SaveSession(ctx, rec)
}

func TestStartSessionErrors(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	for _, tt := range []struct {
		body   map[string]string
		status int
	}{
		{map[string]string{"scenario_id": "nope"}, 404},
		{map[string]string{"scenario_id": "late-again", "mode": "exam"}, 400},
		{map[string]string{"scenario_id": "late-again", "persona": "llm"}, 400},
	} {
		var e apiErrorBody
		if st := tess.do(http.MethodPost, "/api/sessions", tt.body, &e); st != tt.status || e.Error.Message == "" {
			t.Errorf("%v: %d %+v, want %d", tt.body, st, e, tt.status)
		}
	}
}

func TestUnfinishedSessionsAreBounded(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	var first string
	for i := range maxOpenSessions {
		id := tess.startSession("late-again", engine.Practice)
		if i == 0 {
			first = id
		}
	}
	var e apiErrorBody
	if st := tess.do(http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again"}, &e); st != http.StatusConflict || e.Error.Message == "" {
		t.Fatalf("session %d: %d %+v, want 409 with a reason", maxOpenSessions+1, st, e)
	}
	// Ending one makes room; other trainees were never affected.
	ws := tess.dial(first)
	ws.state()
	ws.send(map[string]any{"type": "end"})
	ws.until("end")
	ws.close()
	tess.startSession("late-again", engine.Practice)
	ts.user(t, "uma", engine.RoleTrainee, "c1").startSession("late-again", engine.Practice)
}

// A socket whose peer stops answering pings is dropped once the pong wait
// runs out, and its session is untouched.
func TestSilentPeerIsDropped(t *testing.T) {
	const pongWait = time.Second
	ts := newTestServer(t, func(c *Config) { c.PongWait = pongWait })
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	ws.state()
	// Swallow pings instead of answering them.
	ws.ws.SetPingHandler(func(string) error { return nil })
	start := time.Now()
	ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ws.ReadMessage(); err != nil {
			break
		}
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Errorf("the silent socket stayed open %v", waited)
	}
	// A peer that keeps reading answers pings (gorilla's default ping
	// handler) and stays connected well past the pong wait.
	ws2 := tess.dial(id)
	defer ws2.close()
	ws2.state()
	msgs := make(chan map[string]any, 8)
	go func() {
		defer close(msgs)
		for {
			var m map[string]any
			if err := ws2.ws.ReadJSON(&m); err != nil {
				return
			}
			msgs <- m
		}
	}()
	ws2.ws.SetReadDeadline(time.Time{})
	time.Sleep(4 * pongWait)
	ws2.send(map[string]any{"type": "response", "turn": 1, "text": "I was late."})
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("the answering socket was dropped")
			}
			if m["type"] == "client_turn" {
				return
			}
		case <-timeout:
			t.Fatal("no client_turn on the answering socket")
		}
	}
}
