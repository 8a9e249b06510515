package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine/redisstore/redistest"
)

// testLease is the lease the multi-server tests run with: short, so that
// a takeover after kill -9 comes quickly, and long enough that a slow
// machine still renews in time.
const testLease = 2 * time.Second

// cluster is two repairgym servers on one Redis, with a trainee and the
// supervisor of her cohort.
type cluster struct {
	redis               *redistest.Server
	a, b                *process
	trainee, supervisor string // bearer tokens, good on both servers
}

func startCluster(t *testing.T, opts ...redistest.Option) *cluster {
	t.Helper()
	redis := redistest.Start(t, opts...)
	env := []string{"REPAIRGYM_REDIS_URL=" + redis.URL(), "REPAIRGYM_LEASE_TTL=" + testLease.String()}
	c := &cluster{redis: redis, a: startServer(t, t.TempDir(), env...), b: startServer(t, t.TempDir(), env...)}
	admin := c.a.login(t, "admin", adminPassword)
	for _, u := range []map[string]string{
		{"username": "tess", "password": "password-tess", "role": "trainee", "cohort": "c1"},
		{"username": "sam", "password": "password-sam", "role": "supervisor", "cohort": "c1"},
	} {
		if st := c.a.call(t, admin, http.MethodPost, "/api/users", u, nil); st != http.StatusCreated {
			t.Fatalf("create %s: %d", u["username"], st)
		}
	}
	c.trainee = c.a.login(t, "tess", "password-tess")
	c.supervisor = c.b.login(t, "sam", "password-sam")
	return c
}

func (c *cluster) start(t *testing.T, on *process) string {
	t.Helper()
	var sess struct{ ID string }
	if st := on.call(t, c.trainee, http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again"}, &sess); st != http.StatusCreated {
		t.Fatalf("start session: %d", st)
	}
	return sess.ID
}

func (p *process) observe(t *testing.T, token, id string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(p.url, "http") + "/api/sessions/" + id + "/observe"
	ws, res, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}, "Origin": {p.url}})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		t.Fatalf("observe: %v (%d)", err, status)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// next reads one message, failing after a while.
func next(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	var m map[string]any
	if err := ws.ReadJSON(&m); err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// answerWhenFree answers a turn on a socket and waits for the client's
// reply; while another server still holds the session (its lease has
// not lapsed), it is told so and tries again.
func answerWhenFree(t *testing.T, ws *websocket.Conn, turn int, text string) {
	t.Helper()
	deadline := time.Now().Add(3 * testLease)
	for {
		ws.WriteJSON(map[string]any{"type": "response", "turn": turn, "text": text})
		for {
			m := next(t, ws)
			if m["type"] == "client_turn" {
				return
			}
			if m["type"] != "error" {
				continue
			}
			if m["code"] != "busy" || time.Now().After(deadline) {
				t.Fatalf("answering turn %d: %v", turn, m)
			}
			break
		}
		time.Sleep(testLease / 4)
	}
}

// untilObserved reads an observer's states until one has at least n turns
// and passes ok.
func untilObserved(t *testing.T, ws *websocket.Conn, n int, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	for {
		m := next(t, ws)
		if m["type"] != "state" {
			continue
		}
		sess := m["session"].(map[string]any)
		if turns, _ := sess["turns"].([]any); len(turns) >= n && ok(sess) {
			return sess
		}
	}
}

func anyState(map[string]any) bool { return true }

// The same trainee answers the same turn at the same moment through two
// servers: exactly one answer is accepted, the other is told why, and the
// transcript holds the one answer once.
func TestSameTurnOnTwoServers(t *testing.T) {
	c := startCluster(t)
	id := c.start(t, c.a)
	wsA, wsB := c.a.dial(t, c.trainee, id), c.b.dial(t, c.trainee, id)
	defer wsA.Close()
	defer wsB.Close()
	readUntil(t, wsA, "state")
	readUntil(t, wsB, "state")

	texts := map[*websocket.Conn]string{wsA: "I was late, and that's on me.", wsB: "Sorry, traffic was awful."}
	results := map[*websocket.Conn]map[string]any{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for ws, text := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ws.WriteJSON(map[string]any{"type": "response", "turn": 1, "text": text})
			for {
				ws.SetReadDeadline(time.Now().Add(15 * time.Second))
				var m map[string]any
				if err := ws.ReadJSON(&m); err != nil {
					t.Errorf("read: %v", err)
					return
				}
				if m["type"] == "client_turn" || m["type"] == "error" {
					mu.Lock()
					results[ws] = m
					mu.Unlock()
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	var winner *websocket.Conn
	for ws, m := range results {
		if m["type"] == "client_turn" {
			if winner != nil {
				t.Fatalf("both servers accepted turn 1: %v", results)
			}
			winner = ws
		} else if m["code"] != "busy" && m["code"] != "conflict" {
			t.Errorf("the refused answer: %v, want busy or conflict", m)
		}
	}
	if winner == nil {
		t.Fatalf("neither server accepted turn 1: %v", results)
	}
	var sess struct {
		Turns []struct {
			N       int
			Speaker string
			Text    string
		}
	}
	c.b.call(t, c.trainee, http.MethodGet, "/api/sessions/"+id, nil, &sess)
	if len(sess.Turns) != 3 || sess.Turns[1].Text != texts[winner] {
		t.Fatalf("transcript after the race: %+v, want the winner's answer once", sess.Turns)
	}
}

// A supervisor on server B watches a trainee playing on server A, and
// sends a hint that reaches her on A as a coach's note.
func TestObserveAcrossServers(t *testing.T) {
	c := startCluster(t)
	id := c.start(t, c.a)
	ws := c.a.dial(t, c.trainee, id)
	defer ws.Close()
	readUntil(t, ws, "state")
	obs := c.b.observe(t, c.supervisor, id)
	untilObserved(t, obs, 1, anyState)

	ws.WriteJSON(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	readUntil(t, ws, "client_turn")
	sess := untilObserved(t, obs, 3, anyState)
	answer := sess["turns"].([]any)[1].(map[string]any)
	if answer["text"] != "I was late, and that's on me." || answer["scores"] == nil {
		t.Fatalf("observed answer: %v", answer)
	}

	obs.WriteJSON(map[string]any{"type": "hint", "text": "Stay with her anger a moment longer."})
	coach := readUntil(t, ws, "coach")
	if coach["text"] != "Stay with her anger a moment longer." || coach["from"] != "sam" {
		t.Errorf("coach on A: %v", coach)
	}
	untilObserved(t, obs, 3, func(s map[string]any) bool { return s["hints"] != nil })

	// The trainee carries on at A: the hint did not take the session
	// away from her server.
	ws.WriteJSON(map[string]any{"type": "response", "turn": 3, "text": "It makes sense you're fed up with me."})
	readUntil(t, ws, "client_turn")
	untilObserved(t, obs, 5, anyState)
}

// Redis stops in the middle of a session. The trainee's answer is refused
// with "not saved, try again" and nothing of it is written; the servers
// say they are not ready. When Redis is back (with its data), the same
// answer goes through without restarting anything, and the observer on
// the other server, whose subscription was lost with the connection,
// sees it.
func TestRedisRestartMidSession(t *testing.T) {
	c := startCluster(t, redistest.Persistent())
	id := c.start(t, c.a)
	ws := c.a.dial(t, c.trainee, id)
	defer ws.Close()
	readUntil(t, ws, "state")
	obs := c.b.observe(t, c.supervisor, id)
	untilObserved(t, obs, 1, anyState)

	c.redis.Stop()
	ws.WriteJSON(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	e := readUntil(t, ws, "error")
	if e["code"] != "unavailable" || !strings.Contains(e["message"].(string), "not saved, try again") {
		t.Fatalf("answer while Redis is down: %v", e)
	}
	for _, p := range []*process{c.a, c.b} {
		if st := p.call(t, "", http.MethodGet, "/readyz", nil, nil); st != http.StatusServiceUnavailable {
			t.Errorf("readyz without Redis: %d", st)
		}
	}

	c.redis.Restart(t)
	var sess struct{ Turns []any }
	if st := c.b.call(t, c.trainee, http.MethodGet, "/api/sessions/"+id, nil, &sess); st != http.StatusOK || len(sess.Turns) != 1 {
		t.Fatalf("after Redis came back: %d, %d turns, want the opening line alone", st, len(sess.Turns))
	}
	for _, p := range []*process{c.a, c.b} {
		if st := p.call(t, "", http.MethodGet, "/readyz", nil, nil); st != http.StatusOK {
			t.Errorf("readyz with Redis back: %d", st)
		}
	}
	answerWhenFree(t, ws, 1, "I was late, and that's on me.")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("A:\n%s\nB:\n%s", c.a.stderr, c.b.stderr)
		}
	})
	sess2 := untilObserved(t, obs, 3, anyState)
	if got := sess2["turns"].([]any)[1].(map[string]any)["text"]; got != "I was late, and that's on me." {
		t.Errorf("observed after the restart: %v", got)
	}
}
