package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// another starts a second server on the first one's store, as a second
// process on a shared Redis would be: its own catalog of the library,
// knowing nothing of what the first has saved since.
func (ts *testServer) another(t *testing.T, mutate ...func(*Config)) *testServer {
	t.Helper()
	return serveStore(t, ts.store, mutate...)
}

// A scenario version saved on one server reaches the others: at the next
// sweep for the library, and at once for a session started on it.
func TestVersionsSavedElsewhere(t *testing.T) {
	a := newTestServer(t)
	sup := a.user(t, "sam", "supervisor", "c1")
	a.addUser(t, "tess", "trainee", "c1")
	b, c := a.another(t), a.another(t)
	v2 := strings.Replace(strings.Replace(librarySource(t, "late-again"), "version: 1", "version: 2", 1), "title: Late again", "title: Late, again", 1)
	if st, out := a.sendYAML(t, sup.token, http.MethodPut, "/api/scenarios/late-again", v2); st != http.StatusOK {
		t.Fatalf("save v2 on a: %d %v", st, out)
	}

	tessB := b.login(t, "tess")
	title := func() string {
		var scn map[string]any
		tessB.do(http.MethodGet, "/api/scenarios/late-again", nil, &scn)
		return scn["title"].(string)
	}
	if got := title(); got != "Late again" {
		t.Fatalf("before the sweep, b shows %q", got)
	}
	b.sweepOnce(context.Background())
	if got := title(); got != "Late, again" {
		t.Errorf("after the sweep, b shows %q, want the version saved on a", got)
	}

	// A session of version 2 started on a carries on at c, which has
	// not swept since.
	tessA := a.login(t, "tess")
	id := tessA.startSession("late-again", "practice")
	tessC := c.login(t, "tess")
	ws := tessC.dial(id)
	defer ws.close()
	if st := ws.state(); num(st["scenario_version"]) != 2 || st["title"] != "Late, again" {
		t.Fatalf("c's state: version %v, title %v", st["scenario_version"], st["title"])
	}
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me."})
	if m, seen := ws.until("client_turn"); m == nil {
		t.Fatalf("no reply on c: %v", seen)
	}
}

// Versions saved out of order from two servers are all picked up: a
// server that saved version 3 itself still learns of version 2.
func TestVersionSavedInTheMiddle(t *testing.T) {
	a := newTestServer(t)
	supA := a.user(t, "sam", "supervisor", "c1")
	b := a.another(t)
	supB := b.login(t, "sam")
	src := librarySource(t, "late-again")
	if st, out := a.sendYAML(t, supA.token, http.MethodPut, "/api/scenarios/late-again", strings.Replace(src, "version: 1", "version: 2", 1)); st != http.StatusOK {
		t.Fatalf("v2 on a: %d %v", st, out)
	}
	// b has not swept: saving v2 there is refused by what the store
	// holds, and it learns of v2 on the way.
	if st, _ := b.sendYAML(t, supB.token, http.MethodPut, "/api/scenarios/late-again", strings.Replace(src, "version: 1", "version: 2", 1)); st != http.StatusConflict {
		t.Errorf("v2 again on b: %d, want 409", st)
	}
	if st, out := b.sendYAML(t, supB.token, http.MethodPut, "/api/scenarios/late-again", strings.Replace(src, "version: 1", "version: 3", 1)); st != http.StatusOK {
		t.Fatalf("v3 on b: %d %v", st, out)
	}
	if _, ok := b.cfg.Catalog.Version("late-again", 2); !ok {
		t.Error("b never learned of version 2")
	}
}
