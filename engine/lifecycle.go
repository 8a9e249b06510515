package engine

import (
	"context"
	"fmt"
	"time"
)

// Drop forgets this server's copy of a session another server deleted,
// without touching the store. A change under way finishes first; its
// save then finds the session gone.
func (g *Gym) Drop(ctx context.Context, id string) {
	l := g.inMemory(id)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	g.forget(id, l)
	g.release(ctx, id, l.leased)
	l.leased = time.Time{}
}

// Delete forgets a session for good: in the store, with its reviews, and
// in this server's memory, so that nothing can show or save it again. A
// change in progress on it finishes first; a change that was waiting for
// it, or one on another server sharing the store, finds the session gone
// when it saves, and reports ENOTFOUND.
//
// Errors: ENOTFOUND if the store has no such session (the copy in memory,
// if there was one, is dropped all the same).
func (g *Gym) Delete(ctx context.Context, id string) error {
	l := g.inMemory(id)
	if l != nil {
		// Wait for the change under way, so that its save lands before
		// the delete rather than failing halfway through the turn.
		l.mu.Lock()
		defer l.mu.Unlock()
	}
	err := g.store.DeleteSession(ctx, id)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	if l != nil {
		g.forget(id, l)
		g.release(ctx, id, l.leased)
		l.leased = time.Time{}
	}
	// A load that read the record before the delete may have put a copy
	// in memory since; drop it too. One that slips in later still cannot
	// save: its save finds the session gone and forgets the copy.
	g.mu.Lock()
	if other := g.live[id]; other != nil && other != l {
		// Not waiting for its lock: that copy cannot have saved anything
		// the store still holds, and waiting here could stall behind a
		// turn with a language model.
		delete(g.live, id)
	}
	g.mu.Unlock()
	return err
}
