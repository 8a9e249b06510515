package web

import (
	"net/http"
	"testing"

	"github.com/repairgym/repairgym/engine"
)

// A recognition session over the socket: each line is flagged or let
// pass, the next follows, and the end scores every judgement; the
// transcript keeps the flags.
func TestRecognitionOverTheSocket(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", "trainee", "c1")
	id := tess.startSession("late-again", "recognition")
	ws := tess.dial(id)
	defer ws.close()
	st := ws.state()
	if st["mode"] != "recognition" || len(st["turns"].([]any)) != 1 {
		t.Fatalf("state: %v", st)
	}
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "hello"})
	if m := ws.next(); m["type"] != "error" || m["code"] != engine.ENOTALLOWED {
		t.Errorf("answering in recognition mode: %v", m)
	}

	flagged := 0
	var end map[string]any
	for n := 1; end == nil; n++ {
		if n > 12 {
			t.Fatal("the session does not end")
		}
		if n%2 == 1 {
			ws.send(map[string]any{"type": "flag", "turn": n, "rupture_type": "withdrawal", "marker": "denial"})
			flagged++
		} else {
			ws.send(map[string]any{"type": "pass", "turn": n})
		}
		res := ws.next()
		if res["type"] != "flag_result" || num(res["turn"]) != n || res["flagged"] != (n%2 == 1) {
			t.Fatalf("line %d: %v", n, res)
		}
		if _, ok := res["expected"]; !ok {
			t.Errorf("line %d: recognition feedback does not say what the line was: %v", n, res)
		}
		switch m := ws.next(); m["type"] {
		case "client_turn":
			if num(m["turn"]) != n+1 {
				t.Fatalf("after line %d came line %v", n, m["turn"])
			}
		case "end":
			end = m
		default:
			t.Fatalf("after line %d: %v", n, m)
		}
	}
	if end["outcome"] != engine.Completed {
		t.Errorf("outcome %v, want completed", end["outcome"])
	}
	rec := end["summary"].(map[string]any)["recognition"].(map[string]any)
	judged := num(rec["ruptures"]) + num(rec["ordinary"])
	if num(rec["hits"])+num(rec["false_alarms"]) != flagged || num(rec["hits"])+num(rec["misses"]) != num(rec["ruptures"]) || judged == 0 {
		t.Errorf("recognition %v does not add up with %d flagged", rec, flagged)
	}

	var view struct {
		Turns []map[string]any `json:"turns"`
		Flags []map[string]any `json:"flags"`
	}
	if st := tess.do(http.MethodGet, "/api/sessions/"+id, nil, &view); st != http.StatusOK {
		t.Fatal(st)
	}
	if len(view.Flags) != flagged || len(view.Turns) != judged {
		t.Errorf("the transcript has %d lines and %d flags, want %d and %d", len(view.Turns), len(view.Flags), judged, flagged)
	}
	for _, f := range view.Flags {
		if _, ok := f["correct"]; !ok {
			t.Errorf("flag without its result: %v", f)
		}
	}
}

// In assessment mode a flag is taken but not judged until the end.
func TestFlagsInAssessmentWaitForTheEnd(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", "trainee", "c1")
	id := tess.startSession("late-again", "assessment")
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	ws.send(map[string]any{"type": "flag", "turn": 1, "rupture_type": "confrontation"})
	res := ws.next()
	if res["type"] != "flag_result" {
		t.Fatalf("flag: %v", res)
	}
	for _, k := range []string{"correct", "expected"} {
		if _, ok := res[k]; ok {
			t.Errorf("assessment flag result gives away %q: %v", k, res)
		}
	}
	ws.send(map[string]any{"type": "flag", "turn": 1})
	if m := ws.next(); m["type"] != "error" || m["code"] != engine.EINVALID {
		t.Errorf("a flag without a type: %v", m)
	}
}
