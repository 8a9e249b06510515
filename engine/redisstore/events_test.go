package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine/redisstore/redistest"
)

// receive waits for the next event, failing after a while. It passes
// over the empty events that say a subscription was made.
func receive(t *testing.T, e *Events) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		session, data, err := e.Receive(ctx)
		if err != nil {
			t.Errorf("receive: %v", err)
			return "", ""
		}
		if len(data) > 0 {
			return session, string(data)
		}
	}
}

// resubscribed waits for the empty event that says a session's
// subscription was made.
func resubscribed(t *testing.T, e *Events, session string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		s, data, err := e.Receive(ctx)
		if err != nil {
			t.Fatalf("no subscription of %s: %v", session, err)
		}
		if s == session && len(data) == 0 {
			return
		}
	}
}

// Events reach the servers listening to a session, and only those; a
// subscription survives Redis going away and coming back.
func TestEvents(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	a, b := mustOpen(t, srv.URL(), prefix), mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	ea, eb := a.Events(ctx), b.Events(ctx)
	defer ea.Close()
	defer eb.Close()
	if err := eb.Subscribe(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	resubscribed(t, eb, "s1")
	// A subscription is live once a publish reaches it; the first may
	// race the SUBSCRIBE.
	if err := ea.Publish(ctx, "s2", []byte("not followed")); err != nil {
		t.Fatal(err)
	}
	if err := ea.Publish(ctx, "s1", []byte("changed")); err != nil {
		t.Fatal(err)
	}
	if s, d := receive(t, eb); s != "s1" || d != "changed" {
		t.Fatalf("got %q %q", s, d)
	}

	srv.Stop()
	if err := ea.Publish(ctx, "s1", []byte("lost")); err == nil {
		t.Error("publishing without Redis succeeded")
	}
	srv.Restart(t)
	// go-redis reconnects and subscribes again in the background, and
	// says so, so that the listener can catch up on what it missed.
	resubscribed(t, eb, "s1")
	if err := ea.Publish(ctx, "s1", []byte("after")); err != nil {
		t.Fatal(err)
	}
	if s, d := receive(t, eb); s != "s1" || d != "after" {
		t.Fatalf("after the restart: %q %q", s, d)
	}
}
