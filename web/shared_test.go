package web

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/redisstore"
	"github.com/repairgym/repairgym/engine/redisstore/redistest"
)

// onRedis starts a server on a Redis shared with others, with leases and
// the Redis bus, as serve --redis runs.
func onRedis(t *testing.T, url string, lease time.Duration) *testServer {
	t.Helper()
	ctx := context.Background()
	store, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: "web-" + t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	events := store.Events(ctx)
	t.Cleanup(func() {
		events.Close()
		store.Close()
	})
	return serveStore(t, store, func(c *Config) { c.Leases, c.LeaseTTL, c.Bus = store, lease, events })
}

// A hint for a session another server holds, where no server answers
// (that server died with the session's lease), is not lost in silence:
// the supervisor is told it was not confirmed.
func TestHintNobodyRecords(t *testing.T) {
	redis := redistest.Start(t)
	a := onRedis(t, redis.URL(), 10*time.Second)
	tess := a.user(t, "tess", engine.RoleTrainee, "c1")
	sam := a.user(t, "sam", engine.RoleSupervisor, "c1")
	id := tess.startSession("late-again", engine.Practice)
	// A server that has died holds the session.
	if ok, _, err := a.store.(*redisstore.Store).Acquire(context.Background(), id, "a-dead-server", 10*time.Second); err != nil || !ok {
		t.Fatalf("ghost lease: %v %v", ok, err)
	}
	obs, _ := a.dialObserve(t, sam.token, id, a.url)
	defer obs.close()
	obs.state()
	start := time.Now()
	obs.send(map[string]any{"type": "hint", "text": "Name the lateness."})
	var e map[string]any
	obs.ws.SetReadDeadline(time.Now().Add(hintWait + 5*time.Second))
	for e == nil || e["type"] != "error" {
		if err := obs.ws.ReadJSON(&e); err != nil {
			t.Fatalf("waiting for the error: %v", err)
		}
	}
	if e["code"] != engine.EUNAVAILABLE || time.Since(start) < hintWait-time.Second {
		t.Errorf("after %v: %v", time.Since(start), e)
	}
}

// A login ended on one server closes its sockets on the others, at their
// next ping.
func TestLogoutReachesOtherServers(t *testing.T) {
	a := newTestServer(t)
	b := a.another(t, func(c *Config) { c.PongWait = 400 * time.Millisecond })
	a.addUser(t, "tess", engine.RoleTrainee, "c1")
	tess := b.login(t, "tess")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	if st := a.do(t, tess.token, http.MethodPost, "/api/logout", nil, nil); st != http.StatusNoContent && st != http.StatusOK {
		t.Fatalf("logout on a: %d", st)
	}
	ws.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ws.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
				t.Errorf("socket on b after logout on a: %v, want close 1008", err)
			}
			return
		}
	}
}

// loseOneReply saves, then once reports a failure, as a store does whose
// answer is lost on the network after the write landed.
type loseOneReply struct {
	engine.Store
	lose atomic.Bool
}

func (s *loseOneReply) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	v, err := s.Store.SaveSession(ctx, rec)
	if err == nil && s.lose.CompareAndSwap(true, false) {
		return 0, errors.New("read tcp: connection reset by peer")
	}
	return v, err
}

// Told "not saved" about an answer that was in fact saved, the trainee
// sends it again, and gets the session as it stands rather than silence.
func TestAnswerSavedButNotConfirmed(t *testing.T) {
	var store *loseOneReply
	ts := newTestServer(t, func(c *Config) {
		store = &loseOneReply{Store: c.Store}
		c.Store = store
	})
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	store.lose.Store(true)
	answer := map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."}
	ws.send(answer)
	if e, _ := ws.until("error"); e["code"] != engine.EUNAVAILABLE {
		t.Fatalf("first try: %v", e)
	}
	ws.send(answer)
	st := ws.state()
	if num(st["pending"]) != 3 || num(st["responses"]) != 1 {
		t.Errorf("after the second try: pending %v, responses %v; want 3 and 1", st["pending"], st["responses"])
	}
}

// Deleting a trainee on one server closes their session's sockets on the
// others, which drop their copy of it: nothing of it is served after.
func TestDeleteReachesOtherServers(t *testing.T) {
	redis := redistest.Start(t)
	a := onRedis(t, redis.URL(), 10*time.Second)
	b := onRedis(t, redis.URL(), 10*time.Second)
	a.addUser(t, "tess", engine.RoleTrainee, "c1")
	ada := a.user(t, "ada", engine.RoleAdmin, "")
	tess := b.login(t, "tess")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	sam := b.user(t, "sam", engine.RoleSupervisor, "c1")
	obs, _ := b.dialObserve(t, sam.token, id, b.url)
	defer obs.close()
	obs.state()

	if st := ada.do(http.MethodDelete, "/api/users/"+tess.user.ID, nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete on a: %d", st)
	}
	for name, s := range map[string]*socket{"the trainee's": ws, "the observer's": obs} {
		s.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := s.ws.ReadMessage(); err != nil {
				if !websocket.IsCloseError(err, websocket.ClosePolicyViolation) {
					t.Errorf("%s socket on b: %v, want close 1008", name, err)
				}
				break
			}
		}
	}
	var got map[string]any
	if st := sam.do(http.MethodGet, "/api/sessions/"+id, nil, &got); st != http.StatusNotFound {
		t.Errorf("the session on b after the delete: %d, want 404", st)
	}
}
