package llm_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// call makes one call, streamed or not, and returns the pieces delivered.
func call(ctx context.Context, c *llm.Client, stream bool) (string, []string, error) {
	if !stream {
		text, _, err := c.Complete(ctx, hi)
		return text, nil, err
	}
	delta, pieces := collect()
	text, _, err := c.Stream(ctx, hi, delta)
	return text, pieces(), err
}

func status(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// noBreaker keeps the breaker out of tests about something else.
func noBreaker(cfg *llm.Config) { cfg.BreakerAfter = 1000 }

func TestRetries(t *testing.T) {
	t.Parallel()
	for _, stream := range []bool{false, true} {
		name := map[bool]string{false: "complete", true: "stream"}[stream]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, first := range []llmtest.Reply{{Status: 500}, {Status: 503}, {Status: 429}} {
				srv := llmtest.New(t)
				c := newClient(t, srv, noBreaker)
				srv.Push(first, llmtest.Reply{Text: "Fine, I'm here."})
				text, _, err := call(context.Background(), c, stream)
				if err != nil || text != "Fine, I'm here." || len(srv.Requests()) != 2 {
					t.Errorf("after %d: %q, %v, %d requests", first.Status, text, err, len(srv.Requests()))
				}
			}
		})
	}
}

func TestRetriesRunOut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		retries, requests int
		stream            bool
	}{
		{retries: 0, requests: 3}, // the default, 2
		{retries: 1, requests: 2, stream: true},
		{retries: -1, requests: 1},
		{retries: -1, requests: 1, stream: true},
	} {
		srv := llmtest.New(t)
		srv.Default(llmtest.Reply{Status: http.StatusInternalServerError})
		c := newClient(t, srv, noBreaker, func(cfg *llm.Config) { cfg.Retries = tc.retries })
		_, _, err := call(context.Background(), c, tc.stream)
		if status(err) != 500 || len(srv.Requests()) != tc.requests {
			t.Errorf("retries %d, stream %v: %v after %d requests, want status 500 after %d", tc.retries, tc.stream, err, len(srv.Requests()), tc.requests)
		}
	}
}

// gap returns the time between the first two requests.
func gap(t *testing.T, srv *llmtest.Server) time.Duration {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	return reqs[1].At.Sub(reqs[0].At)
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	// Without Retry-After the first backoff is at most 375ms, so a gap of
	// 900ms or more shows that the header was followed. Only lower bounds
	// are checked: a loaded machine can make any wait longer.
	for _, tc := range []struct {
		name       string
		retryAfter func() string
		cap        time.Duration
		min        time.Duration
	}{
		{"seconds", func() string { return "1" }, 0, 900 * time.Millisecond},
		// An HTTP date has whole seconds; two seconds ahead is at least
		// one second away.
		{"date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 0, 900 * time.Millisecond},
		{"huge seconds, capped", func() string { return "86400" }, 150 * time.Millisecond, 150 * time.Millisecond},
		{"far date, capped", func() string { return time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat) }, 150 * time.Millisecond, 150 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(t)
			c := newClient(t, srv, noBreaker, func(cfg *llm.Config) { cfg.MaxRetryAfter = tc.cap })
			srv.Push(llmtest.Reply{Status: http.StatusTooManyRequests, RetryAfter: tc.retryAfter()}, llmtest.Reply{Text: "Go on."})
			text, _, err := c.Stream(context.Background(), hi, nil)
			if err != nil || text != "Go on." {
				t.Fatalf("%q, %v", text, err)
			}
			if g := gap(t, srv); g < tc.min {
				t.Errorf("retried after %v, want at least %v", g, tc.min)
			}
		})
	}
}

// The default cap, 10s, is not waited when Total would run out first:
// the 429 comes back at once instead of a deadline error later.
func TestRetryAfterBeyondTotal(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	srv.Default(llmtest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "30"})
	c := newClient(t, srv, noBreaker, func(cfg *llm.Config) { cfg.Total = 3 * time.Second })
	start := time.Now()
	_, _, err := c.Complete(context.Background(), hi)
	if status(err) != 429 || len(srv.Requests()) != 1 {
		t.Fatalf("%v after %d requests, want a 429 after 1", err, len(srv.Requests()))
	}
	if d := time.Since(start); d >= 3*time.Second {
		t.Errorf("took %v: waited for nothing", d)
	}
}

func TestFirstToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		reply llmtest.Reply
	}{
		// The headers came, the first piece does not.
		{"slow piece", llmtest.Reply{Text: "Too late.", FirstDelay: 10 * time.Second}},
		// Not even the headers come.
		{"slow headers", llmtest.Reply{Text: "Too late.", Hold: make(chan struct{})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(t)
			c := newClient(t, srv, func(cfg *llm.Config) { cfg.FirstToken = 100 * time.Millisecond })
			srv.Default(tc.reply)
			start := time.Now()
			text, pieces, err := call(context.Background(), c, true)
			if !errors.Is(err, llm.ErrFirstToken) || text != "" || len(pieces) != 0 {
				t.Fatalf("%q %q %v, want ErrFirstToken", text, pieces, err)
			}
			// Not retried: a second try would double the wait.
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}

	// Once started, slow pieces are no concern of the first-token
	// deadline, only of the chunk gap's.
	t.Run("slow pieces after a prompt start", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.FirstToken, cfg.ChunkGap = 50*time.Millisecond, 5*time.Second })
		srv.Push(llmtest.Reply{Text: "I just feel unheard.", ChunkDelay: 80 * time.Millisecond})
		text, pieces, err := call(context.Background(), c, true)
		if err != nil || text != "I just feel unheard." || len(pieces) != 4 {
			t.Fatalf("%q %q %v", text, pieces, err)
		}
	})

	// A reasoning model thinking aloud has started answering; its
	// thoughts are not delivered.
	t.Run("reasoning counts as a start", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.FirstToken, cfg.ChunkGap = 50*time.Millisecond, 5*time.Second })
		srv.Push(llmtest.Reply{Reasoning: "they sound hurt, so name it", Text: "That stung.", ChunkDelay: 30 * time.Millisecond})
		text, pieces, err := call(context.Background(), c, true)
		if err != nil || text != "That stung." || strings.Join(pieces, "") != text {
			t.Fatalf("%q %q %v", text, pieces, err)
		}
	})

	// Empty pieces, as servers send to keep a connection open, are not a
	// start.
	t.Run("empty pieces are no start", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.FirstToken = 100 * time.Millisecond })
		srv.Push(llmtest.Reply{Chunks: []string{"", "", "", "", "Hm."}, ChunkDelay: 40 * time.Millisecond})
		if _, _, err := call(context.Background(), c, true); !errors.Is(err, llm.ErrFirstToken) {
			t.Fatalf("%v, want ErrFirstToken", err)
		}
	})
}

func TestTotalDeadline(t *testing.T) {
	t.Parallel()
	t.Run("complete", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.Total = 1500 * time.Millisecond })
		srv.Default(llmtest.Reply{Text: "Too late.", FirstDelay: 10 * time.Second})
		start := time.Now()
		_, _, err := c.Complete(context.Background(), hi)
		if !errors.Is(err, context.DeadlineExceeded) || len(srv.Requests()) != 1 {
			t.Fatalf("%v after %d requests, want DeadlineExceeded after 1", err, len(srv.Requests()))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.Total = 300 * time.Millisecond })
		srv.Default(llmtest.Reply{Text: "I keep. Stopping.", ChunkDelay: 10 * time.Second})
		text, pieces, err := call(context.Background(), c, true)
		if !errors.Is(err, context.DeadlineExceeded) || text != "" || strings.Join(pieces, "") != "I " || len(srv.Requests()) != 1 {
			t.Fatalf("%q %q %v after %d requests", text, pieces, err, len(srv.Requests()))
		}
	})
	// Retries stay within Total: backoffs that would outlast it are not
	// waited.
	t.Run("retries", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, noBreaker, func(cfg *llm.Config) { cfg.Total, cfg.Retries = 400*time.Millisecond, 50 })
		srv.Default(llmtest.Reply{Status: 502})
		start := time.Now()
		_, _, err := c.Complete(context.Background(), hi)
		if err == nil || len(srv.Requests()) >= 50 {
			t.Fatalf("%v after %d requests", err, len(srv.Requests()))
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	// The caller's own cancellation ends the call as such.
	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv)
		hold, _ := holdFor(t)
		srv.Default(llmtest.Reply{Hold: hold})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			waitFor(t, "the request", func() bool { return len(srv.Requests()) == 1 })
			cancel()
		}()
		if _, _, err := c.Stream(ctx, hi, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v, want Canceled", err)
		}
	})
}

// Local servers send comments while a model loads, far more than
// go-openai's default limit of 300 lines that are not data.
func TestKeepAlives(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv)
	srv.Push(llmtest.Reply{Text: "Loaded.", KeepAlives: 2000})
	if text, _, err := c.Stream(context.Background(), hi, nil); err != nil || text != "Loaded." {
		t.Fatalf("%q %v", text, err)
	}
}

func TestBrokenStreams(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		reply  llmtest.Reply
		pieces string
	}{
		{"connection dropped", llmtest.Reply{Text: "I was going to say something.", DropAfter: 2}, "I was "},
		{"clean end without a finish", llmtest.Reply{Text: "I was going to say something.", DropAfter: 3, Truncate: true}, "I was going "},
		{"error event", llmtest.Reply{Text: "I was going to say something.", DropAfter: 1, ErrorEvent: "the model crashed"}, "I "},
		{"error event first", llmtest.Reply{Text: "I was going to say something.", ErrorEvent: "overloaded"}, ""},
		{"garbage", llmtest.Reply{Text: "one two three four", Garbage: true}, "one two "},
		{"dropped before any piece", llmtest.Reply{Chunks: []string{"", "Well."}, DropAfter: 1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := llmtest.New(t)
			c := newClient(t, srv)
			srv.Push(tc.reply)
			text, pieces, err := call(context.Background(), c, true)
			if err == nil || text != "" {
				t.Fatalf("%q, %v: want an error", text, err)
			}
			if got := strings.Join(pieces, ""); got != tc.pieces {
				t.Errorf("pieces %q, want %q", got, tc.pieces)
			}
			// Neither retried after pieces were delivered nor, these being
			// no 429 or 5xx, before.
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 422} {
		for _, stream := range []bool{false, true} {
			srv := llmtest.New(t)
			c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter = 1 })
			// A streamed request refused with 400 or 422 is asked once
			// more without stream_options (see TestStreamOptionsRefused);
			// that is no retry, and it is refused too.
			requests := 1
			if stream && (code == 400 || code == 422) {
				requests = 2
			}
			for range requests {
				srv.Push(llmtest.Reply{Status: code})
			}
			if _, _, err := call(context.Background(), c, stream); status(err) != code || len(srv.Requests()) != requests {
				t.Errorf("%d, stream %v: %v after %d requests, want %d", code, stream, err, len(srv.Requests()), requests)
			}
			// The endpoint answered: the breaker stays closed.
			if _, _, err := call(context.Background(), c, stream); err != nil || len(srv.Requests()) != requests+1 {
				t.Errorf("%d, stream %v, then: %v after %d requests", code, stream, err, len(srv.Requests()))
			}
		}
	}
}
