package llm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

func TestBreaker(t *testing.T) {
	t.Parallel()
	// Long enough that a busy machine's scheduling does not outlast the
	// half-open window, which lasts one cooldown.
	const cooldown = time.Second
	srv := llmtest.New(t)
	c := newClient(t, srv, func(cfg *llm.Config) {
		cfg.BreakerAfter, cfg.BreakerCooldown, cfg.Retries = 2, cooldown, -1
	})
	requests := func() int { return len(srv.Requests()) }
	ctx := context.Background()

	// Two failures open it: the next calls fail at once, unsent.
	srv.Default(llmtest.Reply{Status: 500})
	for range 2 {
		if _, _, err := c.Complete(ctx, hi); status(err) != 500 {
			t.Fatalf("%v, want status 500", err)
		}
	}
	for _, stream := range []bool{false, true} {
		if _, _, err := call(ctx, c, stream); !errors.Is(err, llm.ErrUnavailable) || requests() != 2 {
			t.Fatalf("open: %v after %d requests, want ErrUnavailable after 2", err, requests())
		}
	}

	// After the cooldown one call goes through; the others stay out
	// while it is answered.
	time.Sleep(cooldown)
	hold, release := holdFor(t)
	srv.Push(llmtest.Reply{Hold: hold, Text: "I'm back."})
	probe := make(chan error)
	go func() {
		text, _, err := c.Stream(ctx, hi, nil)
		if err == nil && text != "I'm back." {
			err = errors.New("the probe got " + text)
		}
		probe <- err
	}()
	waitFor(t, "the probe", func() bool { return requests() == 3 })
	if _, _, err := c.Complete(ctx, hi); !errors.Is(err, llm.ErrUnavailable) || requests() != 3 {
		t.Fatalf("half open: %v after %d requests, want ErrUnavailable after 3", err, requests())
	}
	release()
	if err := <-probe; err != nil {
		t.Fatalf("probe: %v", err)
	}

	// Its success closed the breaker.
	srv.Default(llmtest.Reply{Text: "Okay."})
	for range 3 {
		if _, _, err := c.Complete(ctx, hi); err != nil {
			t.Fatalf("closed: %v", err)
		}
	}

	// A failed probe opens it again at once.
	srv.Default(llmtest.Reply{Status: 503})
	for range 2 {
		c.Complete(ctx, hi)
	}
	time.Sleep(cooldown)
	before := requests()
	if _, _, err := c.Complete(ctx, hi); status(err) != 503 || requests() != before+1 {
		t.Fatalf("probe: %v after %d requests, want a 503 after %d", err, requests(), before+1)
	}
	if _, _, err := c.Complete(ctx, hi); !errors.Is(err, llm.ErrUnavailable) || requests() != before+1 {
		t.Fatalf("reopened: %v after %d requests, want ErrUnavailable", err, requests())
	}
}

// An open breaker refuses a call at once even when the call would first
// have to wait for a slot.
func TestBreakerBeforeSlot(t *testing.T) {
	t.Parallel()
	const cooldown = 50 * time.Millisecond
	srv := llmtest.New(t)
	c := newClient(t, srv, func(cfg *llm.Config) {
		cfg.BreakerAfter, cfg.BreakerCooldown, cfg.Retries, cfg.MaxConcurrent = 1, cooldown, -1, 1
	})
	srv.Push(llmtest.Reply{Status: 500})
	c.Complete(context.Background(), hi)
	time.Sleep(cooldown)
	// The half-open probe takes the only slot.
	release, done := inFlight(t, srv, c, context.Background(), 1)
	defer func() { release(); <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := c.Complete(ctx, hi); !errors.Is(err, llm.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
	if ctx.Err() != nil {
		t.Error("waited for a slot")
	}
}

// Retries are attempts: each failed one counts, and once the breaker is
// open the call stops retrying.
func TestBreakerStopsRetries(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter, cfg.Retries, cfg.MaxRetryAfter = 2, 5, 10*time.Millisecond })
	// Retry-After with a small cap keeps the test quick.
	srv.Default(llmtest.Reply{Status: 500, RetryAfter: "1"})
	_, _, err := c.Complete(context.Background(), hi)
	if !errors.Is(err, llm.ErrUnavailable) || len(srv.Requests()) != 2 {
		t.Fatalf("%v after %d requests, want ErrUnavailable after 2", err, len(srv.Requests()))
	}
	// The last failure is kept in the chain, not in the message.
	if status(err) != 500 || err.Error() != "llm: "+llm.ErrUnavailable.Error() {
		t.Errorf("%q, status %d", err, status(err))
	}
}

// A missed deadline and a broken stream are failures; a caller that gives
// up is not.
func TestBreakerCounts(t *testing.T) {
	t.Parallel()
	t.Run("first token", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter, cfg.FirstToken = 1, 50*time.Millisecond })
		srv.Push(llmtest.Reply{FirstDelay: 10 * time.Second, Text: "Late."})
		if _, _, err := c.Stream(context.Background(), hi, nil); !errors.Is(err, llm.ErrFirstToken) {
			t.Fatal(err)
		}
		if _, _, err := c.Stream(context.Background(), hi, nil); !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("%v, want ErrUnavailable", err)
		}
	})
	t.Run("dropped", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter = 1 })
		srv.Push(llmtest.Reply{DropAfter: 1, Text: "Half a"})
		if _, _, err := c.Stream(context.Background(), hi, nil); err == nil {
			t.Fatal("no error")
		}
		if _, _, err := c.Stream(context.Background(), hi, nil); !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("%v, want ErrUnavailable", err)
		}
	})
	t.Run("caller cancels", func(t *testing.T) {
		t.Parallel()
		srv := llmtest.New(t)
		c := newClient(t, srv, func(cfg *llm.Config) { cfg.BreakerAfter = 1 })
		hold, _ := holdFor(t)
		srv.Push(llmtest.Reply{Hold: hold})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			waitFor(t, "the request", func() bool { return len(srv.Requests()) == 1 })
			cancel()
		}()
		if _, _, err := c.Stream(ctx, hi, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("%v, want Canceled", err)
		}
		if _, _, err := c.Stream(context.Background(), hi, nil); err != nil || len(srv.Requests()) != 2 {
			t.Fatalf("%v after %d requests: the breaker opened", err, len(srv.Requests()))
		}
	})
}
