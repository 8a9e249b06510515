package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine"
)

// dialObserve opens an observer's socket on a session, returning the HTTP
// status when the upgrade is refused.
func (ts *testServer) dialObserve(t testing.TB, token, sessionID, origin string) (*socket, int) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(ts.url, "http") + "/api/sessions/" + url.PathEscape(sessionID) + "/observe"
	ws, res, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}, "Origin": {origin}})
	if err != nil {
		if res == nil {
			t.Fatalf("dial observe: %v", err)
		}
		return nil, res.StatusCode
	}
	return &socket{t: t, ws: ws}, http.StatusSwitchingProtocols
}

// untilState reads an observer's states until one passes ok.
func (s *socket) untilState(ok func(map[string]any) bool) map[string]any {
	s.t.Helper()
	for {
		m, _ := s.until("state")
		if sess := m["session"].(map[string]any); ok(sess) {
			return sess
		}
	}
}

func turnsOf(sess map[string]any) []map[string]any {
	var out []map[string]any
	for _, tr := range sess["turns"].([]any) {
		out = append(out, tr.(map[string]any))
	}
	return out
}

// Who may observe a session: the supervisor of the trainee's cohort and
// admins. Everyone else learns nothing about it, and a page from another
// site cannot open the socket.
func TestObserveRoles(t *testing.T) {
	ts, tess, id, ws := practising(t)
	defer ws.close()
	sup := ts.user(t, "sam", engine.RoleSupervisor, "c1")
	other := ts.user(t, "olga", engine.RoleSupervisor, "c2")
	admin := ts.user(t, "ada", engine.RoleAdmin, "")
	trainee := ts.user(t, "tim", engine.RoleTrainee, "c1")
	for _, tt := range []struct {
		name, token, origin string
		want                int
	}{
		{"supervisor of the cohort", sup.token, ts.url, http.StatusSwitchingProtocols},
		{"admin", admin.token, ts.url, http.StatusSwitchingProtocols},
		{"the trainee themselves", tess.token, ts.url, http.StatusForbidden},
		{"another trainee", trainee.token, ts.url, http.StatusForbidden},
		{"supervisor of another cohort", other.token, ts.url, http.StatusNotFound},
		{"no login", "", ts.url, http.StatusUnauthorized},
		{"another site's page", sup.token, "https://evil.example", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obs, status := ts.dialObserve(t, tt.token, id, tt.origin)
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			if obs != nil {
				obs.close()
			}
		})
	}
	if _, status := ts.dialObserve(t, sup.token, "no-such-session", ts.url); status != http.StatusNotFound {
		t.Errorf("unknown session: %d, want 404", status)
	}
}

// A supervisor watches a practice session as it happens: each answer
// arrives with its scores; a hint reaches the trainee as a coach's note,
// not a line of the client's, and is kept with the session. Observing is
// otherwise read-only.
func TestObserveAndHint(t *testing.T) {
	ts, tess, id, ws := practising(t)
	defer ws.close()
	sup := ts.user(t, "sam", engine.RoleSupervisor, "c1")
	obs, _ := ts.dialObserve(t, sup.token, id, ts.url)
	defer obs.close()
	first := obs.state()
	if first["trainee"] != "tess" || len(turnsOf(first)) != 1 {
		t.Fatalf("first state: trainee %v, %d turns", first["trainee"], len(turnsOf(first)))
	}

	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late again, and that's on me."})
	ws.until("client_turn")
	sess := obs.untilState(func(s map[string]any) bool { return len(turnsOf(s)) >= 3 })
	answer := turnsOf(sess)[1]
	if answer["speaker"] != engine.Trainee || answer["text"] != "I was late again, and that's on me." || answer["scores"] == nil {
		t.Fatalf("the observer's view of the answer: %v", answer)
	}

	obs.send(map[string]any{"type": "hint", "text": "Ask what being kept waiting was like for her."})
	coach, seen := ws.until("coach")
	for _, m := range seen {
		if m["type"] == "client_turn" || m["type"] == "client_delta" {
			t.Errorf("the hint reached the trainee as the client: %v", m)
		}
	}
	if coach["text"] != "Ask what being kept waiting was like for her." || coach["from"] != "sam" || num(coach["after"]) != 3 {
		t.Errorf("coach message: %v", coach)
	}
	sess = obs.untilState(func(s map[string]any) bool { return s["hints"] != nil })
	if hints := sess["hints"].([]any); len(hints) != 1 {
		t.Errorf("observer's hints: %v", hints)
	}
	// Kept in the transcript: the trainee sees it on reload, and the
	// turn numbers are the conversation's alone.
	var got map[string]any
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &got)
	if hints, _ := got["hints"].([]any); len(hints) != 1 || hints[0].(map[string]any)["text"] != "Ask what being kept waiting was like for her." {
		t.Errorf("hints in the session: %v", got["hints"])
	}
	if n := len(got["turns"].([]any)); n != 3 {
		t.Errorf("a hint added a turn: %d turns", n)
	}

	for _, tt := range []struct {
		msg  map[string]any
		code string
	}{
		{map[string]any{"type": "response", "turn": 3, "text": "from the supervisor"}, codeReadOnly},
		{map[string]any{"type": "end"}, codeReadOnly},
		{map[string]any{"type": "hint", "text": "  "}, engine.EINVALID},
		{map[string]any{"type": "hint", "text": strings.Repeat("a", engine.MaxHintRunes+1)}, engine.EINVALID},
		{map[string]any{"type": "hint", "txt": "typo"}, codeBadMessage},
	} {
		obs.send(tt.msg)
		if e, _ := obs.until("error"); e["code"] != tt.code {
			t.Errorf("%v: error %v, want %s", tt.msg, e, tt.code)
		}
	}
	// The session is as it was: nothing the observer sent changed it.
	var after map[string]any
	tess.do(http.MethodGet, "/api/sessions/"+id, nil, &after)
	if n := len(after["turns"].([]any)); n != 3 || after["status"] != engine.Active {
		t.Errorf("after refused messages: %d turns, status %v", n, after["status"])
	}
}

// In an assessment the supervisor watches but may not help.
func TestObserveAssessmentRefusesHints(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	sup := ts.user(t, "sam", engine.RoleSupervisor, "c1")
	id := tess.startSession("late-again", engine.Assessment)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	obs, _ := ts.dialObserve(t, sup.token, id, ts.url)
	defer obs.close()
	obs.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	ws.until("client_turn")
	// The supervisor sees the scores the trainee does not see yet.
	sess := obs.untilState(func(s map[string]any) bool { return len(turnsOf(s)) >= 3 })
	if turnsOf(sess)[1]["scores"] == nil {
		t.Error("the supervisor cannot see an assessment's scores as it happens")
	}
	obs.send(map[string]any{"type": "hint", "text": "Slow down."})
	if e, _ := obs.until("error"); e["code"] != engine.ENOTALLOWED {
		t.Errorf("hint in assessment: %v", e)
	}
	ws.ws.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var m map[string]any
	if err := ws.ws.ReadJSON(&m); err == nil {
		t.Errorf("the trainee got %v after a refused hint", m)
	}
}
