package llm_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// A stream that goes quiet after it started fails after ChunkGap, not
// after Total: a trainee is not left looking at half a line for a
// minute.
func TestChunkGap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		gap    time.Duration // 0: the default, FirstToken's
		reply  llmtest.Reply
		pieces string
	}{
		{"stall after the first piece", 0, llmtest.Reply{Text: "I just feel unheard.", StallAfter: 1}, "I "},
		{"stall mid-reply", 150 * time.Millisecond, llmtest.Reply{Text: "I just feel unheard.", StallAfter: 3}, "I just feel "},
		// Thinking aloud started the reply; its stalling is a stall, not
		// a missed first token.
		{"stall mid-reasoning", 150 * time.Millisecond, llmtest.Reply{Reasoning: "they sound hurt", Text: "That stung.", StallAfter: 2}, ""},
		// Empty chunks, as servers send to keep a connection open, are
		// no progress: the trainee sees nothing either way.
		{"empty pieces are no progress", 350 * time.Millisecond,
			llmtest.Reply{Chunks: []string{"I ", "", "", "", "", "", "", "", "go."}, ChunkDelay: 100 * time.Millisecond}, "I "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(t)
			c := newClient(t, srv, func(cfg *llm.Config) {
				cfg.FirstToken, cfg.ChunkGap, cfg.Total = 150*time.Millisecond, tc.gap, 5*time.Second
			})
			srv.Push(tc.reply)
			start := time.Now()
			text, pieces, err := call(context.Background(), c, true)
			if !errors.Is(err, llm.ErrStalled) || text != "" {
				t.Fatalf("%q %q %v, want ErrStalled", text, pieces, err)
			}
			if got := strings.Join(pieces, ""); got != tc.pieces {
				t.Errorf("pieces %q, want %q", got, tc.pieces)
			}
			// Not retried: pieces were sent, and a stalled endpoint is
			// likely to stall again.
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if d := time.Since(start); d > 2500*time.Millisecond {
				t.Errorf("took %v: waited for Total", d)
			}
		})
	}

	// Pieces that each come within the gap keep the call going however
	// long it takes in all, reasoning pieces included.
	t.Run("steady pieces", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.FirstToken, cfg.ChunkGap = 5*time.Second, 2*time.Second })
		srv.Push(llmtest.Reply{Reasoning: "they sound hurt so name it", Text: "That stung, I think.", ChunkDelay: 100 * time.Millisecond})
		text, pieces, err := call(context.Background(), c, true)
		if err != nil || text != "That stung, I think." || strings.Join(pieces, "") != text {
			t.Fatalf("%q %q %v", text, pieces, err)
		}
	})

	// A stall is the endpoint failing.
	t.Run("opens the breaker", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) {
			cfg.BreakerAfter, cfg.ChunkGap, cfg.Total = 1, 100*time.Millisecond, 5*time.Second
		})
		srv.Push(llmtest.Reply{Text: "Half a line.", StallAfter: 1})
		if _, _, err := c.Stream(context.Background(), hi, nil); !errors.Is(err, llm.ErrStalled) {
			t.Fatalf("%v, want ErrStalled", err)
		}
		if _, _, err := c.Stream(context.Background(), hi, nil); !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("%v, want ErrUnavailable", err)
		}
	})
}

// A reply cut off at its token limit is no reply: a voice line that
// stops mid-sentence, a judgement whose JSON never closes.
func TestTruncated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stream bool
		reply  llmtest.Reply
		pieces string
	}{
		{"complete", false, llmtest.Reply{Text: `{"scores": {"empathy": 4, "valid`, FinishReason: "length"}, ""},
		// The pieces went out before the end said they were all there
		// would be; the caller decides what to do with them.
		{"stream", true, llmtest.Reply{Text: "I was going to say that", FinishReason: "length"}, "I was going to say that"},
		// A reasoning model can think its whole budget away.
		{"stream, all reasoning", true, llmtest.Reply{Reasoning: "first, consider what they", FinishReason: "length"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(t)
			c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter = 1 })
			srv.Push(tc.reply)
			m := &llm.Meter{}
			text, pieces, err := call(llm.WithMeter(context.Background(), m), c, tc.stream)
			if !errors.Is(err, llm.ErrTruncated) || text != "" {
				t.Fatalf("%q, %v: want ErrTruncated", text, err)
			}
			if got := strings.Join(pieces, ""); got != tc.pieces {
				t.Errorf("pieces %q, want %q", got, tc.pieces)
			}
			// Not retried: the same request would be cut off again.
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			// The tokens were spent all the same.
			if m.Usage().Prompt == 0 {
				t.Errorf("metered %+v", m.Usage())
			}
			// The endpoint answered: the breaker stays closed.
			if _, _, err := call(context.Background(), c, tc.stream); err != nil {
				t.Errorf("then: %v", err)
			}
		})
	}
}

// Servers that check for unknown fields refuse stream_options; streams
// go on without it, and without token counts.
func TestStreamOptionsRefused(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusBadRequest, http.StatusUnprocessableEntity} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			srv := llmtest.New(t)
			srv.RejectStreamOptions(code)
			c := newClient(t, srv, func(cfg *llm.Config) {
				cfg.Retries, cfg.Logger = -1, slog.New(slog.NewTextHandler(&logs, nil))
			})
			srv.Push(llmtest.Reply{Text: "Fine, whatever."})
			m := &llm.Meter{}
			text, usage, err := c.Stream(llm.WithMeter(context.Background(), m), hi, nil)
			if err != nil || text != "Fine, whatever." {
				t.Fatalf("%q %v", text, err)
			}
			if usage != (llm.Usage{}) || m.Usage() != (llm.Usage{}) {
				t.Errorf("usage %+v, metered %+v, want none", usage, m.Usage())
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || !reqs[0].StreamOptions || !reqs[0].IncludeUsage || reqs[1].StreamOptions {
				t.Fatalf("requests %+v, want one with stream_options and one without", reqs)
			}

			// It is not sent again, whoever calls.
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					if _, _, err := c.Stream(context.Background(), hi, nil); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			reqs = srv.Requests()
			if len(reqs) != 6 {
				t.Fatalf("%d requests, want 6", len(reqs))
			}
			for _, r := range reqs[2:] {
				if r.StreamOptions {
					t.Errorf("sent stream_options again: %+v", r)
				}
			}
			if n := strings.Count(logs.String(), "stream_options"); n != 1 {
				t.Errorf("logged %d times, want once:\n%s", n, logs.String())
			}
		})
	}

	// A 400 that the request without stream_options gets too was about
	// something else: the call fails with it, and stream_options stays.
	t.Run("refused for another reason", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv)
		srv.Push(llmtest.Reply{Status: 400}, llmtest.Reply{Status: 400})
		if _, _, err := c.Stream(context.Background(), hi, nil); status(err) != 400 || len(srv.Requests()) != 2 {
			t.Fatalf("%v after %d requests, want a 400 after 2", err, len(srv.Requests()))
		}
		srv.Push(llmtest.Reply{Text: "Okay then."})
		_, usage, err := c.Stream(context.Background(), hi, nil)
		if reqs := srv.Requests(); err != nil || len(reqs) != 3 || !reqs[2].IncludeUsage || usage.Completion != 2 {
			t.Fatalf("%v, usage %+v, requests %+v", err, usage, reqs)
		}
	})

	// Complete never sends it.
	t.Run("complete", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		srv.RejectStreamOptions(http.StatusBadRequest)
		c := newClient(t, srv)
		if _, usage, err := c.Complete(context.Background(), hi); err != nil || usage.Completion == 0 || len(srv.Requests()) != 1 {
			t.Fatalf("%v, usage %+v, after %d requests", err, usage, len(srv.Requests()))
		}
	})
}
