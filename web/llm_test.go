package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
	"github.com/repairgym/repairgym/grading"
)

// llmServer is a test server whose client can be voiced by the test
// endpoint and whose responses are graded by the ensemble, as serve sets
// them up with a key. Retries and the breaker are kept small so that a
// failing endpoint fails fast.
func llmServer(t *testing.T, srv *llmtest.Server) *testServer {
	t.Helper()
	client := func(model string) *llm.Client {
		c, err := llm.New(llm.Config{APIKey: "sk-test", BaseURL: srv.BaseURL, Model: model, Retries: -1,
			FirstToken: 300 * time.Millisecond, Total: 2 * time.Second, BreakerAfter: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	voice, judge := client("voice"), client("judge")
	return newTestServer(t, func(c *Config) {
		c.Voices = map[string]engine.Voice{"llm": engine.NewLLMVoice(voice)}
		c.NewGrader = func(r *grading.Rubric) engine.Grader {
			return grading.NewEnsemble(grading.NewLexicon(r), grading.NewJudge(judge, r), r)
		}
	})
}

// Whatever the endpoint does, over the real socket the trainee gets a
// client line for every response and the session reaches its end; the
// transcript says where the model was left out.
func TestLanguageModelFailuresFallBack(t *testing.T) {
	valid := `{"validation":{"evidence":[],"rationale":"Fine.","score":1},"non_defensiveness":{"evidence":[],"rationale":"Fine.","score":1},"exploration":{"evidence":[],"rationale":"Fine.","score":1}}`
	tests := []struct {
		name  string
		reply llmtest.Reply
		// voiceFails and judgeFails say which part must have fallen back.
		voiceFails, judgeFails bool
	}{
		{"server error", llmtest.Reply{Status: http.StatusInternalServerError}, true, true},
		{"rate limited", llmtest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "1"}, true, true},
		{"no first token in time", llmtest.Reply{Text: "Too late.", FirstDelay: time.Second}, true, true},
		{"disconnect mid-stream", llmtest.Reply{Text: "You were late again and I", DropAfter: 2}, true, true},
		{"a role-breaking line, which is not JSON either", llmtest.Reply{Text: "As an AI language model, I cannot pretend to be a client."}, true, true},
		{"an empty line", llmtest.Reply{Text: ""}, true, true},
		{"non-JSON judge output", llmtest.Reply{Text: "I'd give it a three, roughly."}, false, true},
		{"out-of-range scores", llmtest.Reply{Text: strings.ReplaceAll(valid, `"score":1`, `"score":9`)}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := llmtest.New(t)
			srv.Default(tt.reply)
			if !tt.voiceFails {
				srv.DefaultFor("voice", llmtest.Reply{Text: "Right. Fifteen minutes, again."})
			}
			if !tt.judgeFails {
				srv.DefaultFor("judge", tt.reply)
			}
			ts := llmServer(t, srv)
			tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
			var started map[string]any
			if st := tess.do(http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again", "persona": "llm"}, &started); st != http.StatusCreated {
				t.Fatalf("start: %d", st)
			}
			id := started["id"].(string)
			ws := tess.dial(id)
			defer ws.close()
			ws.state()
			// Defensive answers end late-again unrepaired in two turns.
			for turn := 1; ; turn += 2 {
				if turn > 12 {
					t.Fatal("the session did not end")
				}
				ws.send(map[string]any{"type": "response", "turn": turn, "text": "Well, traffic was bad. It happens to everyone."})
				line, seen := ws.until("client_turn")
				// The trainee is told in plain words that the scores are
				// the built-in grader's, and not the endpoint's trouble.
				for _, m := range seen {
					if m["type"] != "feedback" || !tt.judgeFails {
						continue
					}
					notes := fmt.Sprint(m["notes"])
					if !strings.Contains(notes, "built-in grader alone") || strings.Contains(notes, "503") || strings.Contains(notes, "LLM judge") {
						t.Errorf("turn %d: the feedback notes on the fallback read %s", turn, notes)
					}
				}
				if strings.TrimSpace(line["text"].(string)) == "" {
					t.Fatalf("turn %d: an empty client line", turn)
				}
				if ts.mustRecord(t, id).State.Status == engine.Ended {
					break
				}
			}
			rec := ts.mustRecord(t, id)
			for _, turn := range rec.State.Turns {
				switch {
				case turn.Speaker == engine.Client && tt.voiceFails && (turn.Voice != "scripted" || turn.Fallback == ""):
					t.Errorf("line %d: voice %q, fallback %q; want the scripted line and why", turn.N, turn.Voice, turn.Fallback)
				case turn.Speaker == engine.Client && !tt.voiceFails && turn.Voice != "llm":
					t.Errorf("line %d: voice %q, want llm", turn.N, turn.Voice)
				case turn.Speaker == engine.Trainee && tt.judgeFails && (turn.Grader != "lexicon" || !strings.Contains(turn.Fallback, "LLM judge was unavailable")):
					t.Errorf("response %d: grader %q, fallback %q; want the offline grader and why", turn.N, turn.Grader, turn.Fallback)
				case turn.Speaker == engine.Trainee && !tt.judgeFails && turn.Grader != "ensemble":
					t.Errorf("response %d: grader %q, want ensemble", turn.N, turn.Grader)
				}
				for id, sc := range turn.Scores {
					if sc.Score < 0 || sc.Score > 4 {
						t.Errorf("response %d: %s scored %d", turn.N, id, sc.Score)
					}
				}
			}
		})
	}
}

// slowGrader takes its time, as a language model can.
type slowGrader struct {
	engine.Grader
	delay time.Duration
}

func (g slowGrader) Grade(ctx context.Context, in grading.Input) (grading.Result, error) {
	time.Sleep(g.delay)
	return g.Grader.Grade(ctx, in)
}

// A turn longer than the pong wait, during which nothing is read, does
// not cost the trainee the socket.
func TestLongTurnKeepsTheSocket(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.PongWait = 300 * time.Millisecond
		c.NewGrader = func(r *grading.Rubric) engine.Grader {
			return slowGrader{grading.NewLexicon(r), 700 * time.Millisecond}
		}
	})
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	defer ws.close()
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "Well, traffic was bad."})
	ws.until("client_turn")
	ws.send(map[string]any{"type": "flag", "turn": 3, "rupture_type": "confrontation"})
	if m := ws.next(); m["type"] != "flag_result" {
		t.Errorf("after a long turn the socket answered %v", m)
	}
}

// Recognition scores lines against their annotations, so it plays the
// scenario's own lines even where a model could voice them.
func TestRecognitionKeepsTheScriptedLines(t *testing.T) {
	srv := llmtest.New(t)
	ts := llmServer(t, srv)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	var started map[string]any
	if st := tess.do(http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again", "persona": "llm", "mode": "recognition"}, &started); st != http.StatusCreated {
		t.Fatalf("start: %d", st)
	}
	if started["persona"] != "scripted" || len(srv.Requests()) != 0 {
		t.Errorf("recognition with the llm voice: persona %v, %d calls to the model", started["persona"], len(srv.Requests()))
	}
}
