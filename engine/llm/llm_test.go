package llm_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// testKey is long enough to be masked rather than starred out, so that
// the masking is checked too.
const testKey = "sk-test-secret-0123456789abcdef"

func newClient(t *testing.T, srv *llmtest.Server, mutate ...func(*llm.Config)) *llm.Client {
	t.Helper()
	cfg := llm.Config{APIKey: testKey, BaseURL: srv.BaseURL, Model: "voice-model", JudgeModel: "judge-model"}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hi is a request with nothing particular about it.
var hi = llm.Request{Messages: []llm.Message{{Role: "user", Content: "hi"}}}

// waitFor polls until cond holds, rather than sleeping a guessed time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// holdFor returns a channel that holds llmtest replies back until
// release is called (at the latest when the test ends).
func holdFor(t *testing.T) (hold chan struct{}, release func()) {
	hold = make(chan struct{})
	release = sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release)
	return hold, release
}

// collect returns a delta func that records the pieces, and a way to read
// them.
func collect() (func(string), func() []string) {
	var mu sync.Mutex
	var pieces []string
	return func(p string) {
			mu.Lock()
			pieces = append(pieces, p)
			mu.Unlock()
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), pieces...)
		}
}

func TestStreamAndComplete(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv)
	srv.Push(llmtest.Reply{Text: "You were late again. Fifteen minutes."})
	var pieces []string
	m := &llm.Meter{}
	ctx := llm.WithMeter(context.Background(), m)
	text, usage, err := c.Stream(ctx, hi, func(p string) { pieces = append(pieces, p) })
	if err != nil || text != "You were late again. Fifteen minutes." || len(pieces) != 6 || strings.Join(pieces, "") != text {
		t.Fatalf("stream: %q %v %q", text, err, pieces)
	}
	if usage.Completion != 6 || m.Usage() != usage {
		t.Errorf("usage %+v, meter %+v", usage, m.Usage())
	}
	srv.Push(llmtest.Reply{Text: `{"ok": true}`})
	text, _, err = c.Complete(ctx, llm.Request{Judge: true, JSONObject: true, Messages: []llm.Message{{Role: "user", Content: "grade"}}})
	if err != nil || text != `{"ok": true}` {
		t.Fatalf("complete: %q %v", text, err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Model != "voice-model" || !reqs[0].Stream || reqs[1].Model != "judge-model" || reqs[1].Stream ||
		reqs[0].Auth != "Bearer "+testKey || reqs[1].ResponseFormat["type"] != "json_object" || reqs[0].Path != "/v1/chat/completions" {
		t.Errorf("requests = %+v", reqs)
	}
}

// A reasoning model refuses max_tokens and temperatures; go-openai
// refuses them before sending. The limit goes as max_completion_tokens.
func TestReasoningModelRequest(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv, func(cfg *llm.Config) { cfg.Model = "gpt-5-mini" })
	req := hi
	req.MaxTokens, req.Temperature = 120, 0.7
	for _, stream := range []bool{false, true} {
		var err error
		if stream {
			_, _, err = c.Stream(context.Background(), req, nil)
		} else {
			_, _, err = c.Complete(context.Background(), req)
		}
		if err != nil {
			t.Fatalf("stream %v: %v", stream, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.MaxTokens != 0 || r.MaxCompletionTokens != 120 || r.Temperature != 0 {
			t.Errorf("request = %+v", r)
		}
	}

	// Other models keep max_tokens, which local servers understand.
	c = newClient(t, srv, func(cfg *llm.Config) { cfg.Model = "llama3.1:8b" })
	if _, _, err := c.Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[2]; r.MaxTokens != 120 || r.MaxCompletionTokens != 0 || r.Temperature < 0.69 {
		t.Errorf("request = %+v", r)
	}
}
