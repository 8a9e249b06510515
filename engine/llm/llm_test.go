package llm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

func newClient(t *testing.T, srv *llmtest.Server, mutate ...func(*llm.Config)) *llm.Client {
	t.Helper()
	cfg := llm.Config{APIKey: "sk-test-secret", BaseURL: srv.BaseURL, Model: "voice-model", JudgeModel: "judge-model"}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := llm.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStreamAndComplete(t *testing.T) {
	srv := llmtest.New(t)
	c := newClient(t, srv)
	srv.Push(llmtest.Reply{Text: "You were late again. Fifteen minutes."})
	var pieces []string
	m := &llm.Meter{}
	ctx := llm.WithMeter(context.Background(), m)
	text, usage, err := c.Stream(ctx, llm.Request{Messages: []llm.Message{{Role: "user", Content: "hi"}}}, func(p string) { pieces = append(pieces, p) })
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
		reqs[0].Auth != "Bearer sk-test-secret" || reqs[1].ResponseFormat["type"] != "json_object" {
		t.Errorf("requests = %+v", reqs)
	}
}
