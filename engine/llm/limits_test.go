package llm_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// inFlight starts n calls that the server holds until release, and waits
// until the server has them all.
func inFlight(t *testing.T, srv *llmtest.Server, c *llm.Client, ctx context.Context, n int) (release func(), done <-chan error) {
	t.Helper()
	hold, release := holdFor(t)
	before := len(srv.Requests())
	for range n {
		srv.Push(llmtest.Reply{Hold: hold, Text: "Held."})
	}
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := c.Stream(ctx, hi, nil)
			errs <- err
		}()
	}
	waitFor(t, "the calls in flight", func() bool { return len(srv.Requests()) == before+n })
	return release, errs
}

func TestPerUserLimit(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	// Total keeps a wrong wait from hanging the test.
	c := newClient(t, srv, func(cfg *llm.Config) { cfg.MaxPerUser, cfg.MaxConcurrent, cfg.Total = 2, 10, 5*time.Second })
	ana := llm.WithUser(context.Background(), "ana")
	release, done := inFlight(t, srv, c, ana, 2)

	// Ana's third call is refused at once, unsent.
	start := time.Now()
	if _, _, err := c.Complete(ana, hi); !errors.Is(err, llm.ErrBusy) || len(srv.Requests()) != 2 {
		t.Fatalf("ana's third: %v after %d requests, want ErrBusy", err, len(srv.Requests()))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusal took %v", d)
	}
	// Ben's and an anonymous call go ahead.
	for _, ctx := range []context.Context{llm.WithUser(context.Background(), "ben"), context.Background()} {
		if text, _, err := c.Complete(ctx, hi); err != nil || text != "Okay." {
			t.Fatalf("other: %q %v", text, err)
		}
	}
	release()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// Ana's slots are free again.
	if _, _, err := c.Complete(ana, hi); err != nil {
		t.Fatal(err)
	}
}

func TestGlobalLimit(t *testing.T) {
	t.Parallel()
	srv := llmtest.New(t)
	c := newClient(t, srv, func(cfg *llm.Config) { cfg.MaxConcurrent, cfg.Total = 1, 5*time.Second })
	release, done := inFlight(t, srv, c, context.Background(), 1)

	// A call that cannot get a slot before its context ends is busy.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, _, err := c.Complete(ctx, hi); !errors.Is(err, llm.ErrBusy) || len(srv.Requests()) != 1 {
		t.Fatalf("%v after %d requests, want ErrBusy", err, len(srv.Requests()))
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("gave up after %v without waiting", d)
	}

	// One that can wait gets the slot when it frees.
	var wg sync.WaitGroup
	var waitedErr error
	wg.Go(func() { _, _, waitedErr = c.Complete(context.Background(), hi) })
	time.Sleep(20 * time.Millisecond) // let it queue; it passes either way
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests while the slot was taken", n)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if waitedErr != nil || len(srv.Requests()) != 2 {
		t.Fatalf("waiting call: %v after %d requests", waitedErr, len(srv.Requests()))
	}
}
