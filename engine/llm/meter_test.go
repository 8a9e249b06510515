package llm_test

import (
	"context"
	"sync"
	"testing"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

func TestMeter(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv)
	m := &llm.Meter{}
	ctx := llm.WithMeter(context.Background(), m)
	srv.Push(
		llmtest.Reply{Text: "I don't know.", Usage: &llmtest.Usage{Prompt: 40, Completion: 4}},
		llmtest.Reply{Text: `{"score": 3}`, Usage: &llmtest.Usage{Prompt: 300, Completion: 6}},
		// A failed attempt costs nothing; the retry is counted.
		llmtest.Reply{Status: 503},
		llmtest.Reply{Text: "Maybe.", Usage: &llmtest.Usage{Prompt: 50, Completion: 2}},
	)
	want := []llm.Usage{{Prompt: 40, Completion: 4}, {Prompt: 300, Completion: 6}, {Prompt: 50, Completion: 2}}
	for i, stream := range []bool{true, false, true} {
		var u llm.Usage
		var err error
		if stream {
			_, u, err = c.Stream(ctx, hi, nil)
		} else {
			_, u, err = c.Complete(ctx, hi)
		}
		if err != nil || u != want[i] {
			t.Fatalf("call %d: %+v %v, want %+v", i, u, err, want[i])
		}
	}
	if got := m.Usage(); got != (llm.Usage{Prompt: 390, Completion: 12}) || got.Total() != 402 {
		t.Errorf("meter %+v", got)
	}
	// Streams ask for their usage; without it, servers send none.
	for _, r := range srv.Requests() {
		if r.Stream && !r.IncludeUsage {
			t.Errorf("stream without include_usage: %+v", r)
		}
	}

	// Calls made at once, on one meter.
	shared := &llm.Meter{}
	srv.Default(llmtest.Reply{Text: "Yes.", Usage: &llmtest.Usage{Prompt: 3, Completion: 1}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, _, err := c.Stream(llm.WithMeter(ctx, shared), hi, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := shared.Usage(); got != (llm.Usage{Prompt: 24, Completion: 8}) {
		t.Errorf("shared meter %+v", got)
	}
	// The inner meter took those calls, not the outer one.
	if got := m.Usage(); got.Total() != 402 {
		t.Errorf("outer meter %+v", got)
	}
	// A nil meter counts nothing and does not fail.
	var none *llm.Meter
	if _, _, err := c.Stream(llm.WithMeter(ctx, none), hi, nil); err != nil || none.Usage() != (llm.Usage{}) {
		t.Fatal(err)
	}
}
