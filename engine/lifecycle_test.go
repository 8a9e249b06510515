package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func TestGymDeleteForgetsSession(t *testing.T) {
	store := openStore(t)
	g := newGym(t, store)
	ctx := context.Background()
	rec, err := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	id := rec.State.ID
	if _, _, err := g.Respond(ctx, id, 1, "You're right, I was late again. What was the wait like?", nil); err != nil {
		t.Fatal(err)
	}
	if err := store.AddReview(ctx, engine.Review{ID: "r1", SessionID: id, Reviewer: "s1", Turn: 2, Comment: "warm", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	kept, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)

	if err := g.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := store.SessionByID(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("store after Delete: %v, want %s", err, engine.ENOTFOUND)
	}
	if rs, err := store.Reviews(ctx, id); err != nil || len(rs) != 0 {
		t.Errorf("reviews after Delete: %d, %v", len(rs), err)
	}
	if _, err := g.Record(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("Record after Delete: %v, want %s: the copy in memory must go too", err, engine.ENOTFOUND)
	}
	if g.Live() != 1 {
		t.Errorf("%d sessions in memory, want only the other one", g.Live())
	}
	if _, _, err := g.Respond(ctx, id, 3, "Tell me more.", nil); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("Respond after Delete: %v, want %s", err, engine.ENOTFOUND)
	}
	if err := g.Delete(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("second Delete: %v, want %s", err, engine.ENOTFOUND)
	}
	if _, err := g.Record(ctx, kept.State.ID); err != nil {
		t.Errorf("another session after Delete: %v", err)
	}
}

// TestGymSaveAfterDeleteSaysDeleted deletes a session through one gym
// while another, sharing the store like a second server, holds it in
// memory: that gym's next change must say the session is gone, not ask
// the trainee to try again, and drop its copy.
func TestGymSaveAfterDeleteSaysDeleted(t *testing.T) {
	store := openStore(t)
	a, b := newGym(t, store), newGym(t, store)
	ctx := context.Background()
	rec, _ := a.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	id := rec.State.ID
	if err := b.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, _, err := a.Respond(ctx, id, 1, "I was late, and that's on me.", nil)
	if engine.ErrorCode(err) != engine.ENOTFOUND || engine.ErrorMessage(err) != "this session has been deleted" {
		t.Fatalf("respond on a deleted session: %v", err)
	}
	if a.Live() != 0 {
		t.Errorf("%d sessions left in memory after the save found the session deleted", a.Live())
	}
	if _, err := a.Pause(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("pause after that: %v, want %s", err, engine.ENOTFOUND)
	}
}

// gatedGrader holds every grading until released, so that a test can
// delete a session while a turn on it is under way.
type gatedGrader struct {
	engine.Grader
	entered chan struct{}
	release chan struct{}
}

func (g gatedGrader) Grade(ctx context.Context, in grading.Input) (grading.Result, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.Grader.Grade(ctx, in)
}

func TestGymDeleteWaitsForChangeInProgress(t *testing.T) {
	store := openStore(t)
	gate := gatedGrader{Grader: grading.NewLexicon(grading.DefaultRubric()), entered: make(chan struct{}, 1), release: make(chan struct{})}
	g := engine.NewGym(engine.GymConfig{Store: store, Catalog: scenarios.NewCatalog(library(t).Scenarios...), Grader: gate})
	ctx := context.Background()
	rec, err := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	id := rec.State.ID

	responded := make(chan error, 1)
	go func() {
		_, _, err := g.Respond(ctx, id, 1, "You're right, I was late again. Of course you're angry.", nil)
		responded <- err
	}()
	select {
	case <-gate.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the response was never graded")
	}
	deleted := make(chan error, 1)
	go func() { deleted <- g.Delete(ctx, id) }()
	// While the turn holds the session, the delete waits: the record
	// stays. (If the delete has not reached the lock yet, this proves
	// less, but cannot fail wrongly.)
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if _, err := store.SessionByID(ctx, id); err != nil {
			t.Fatalf("the session was deleted under a turn in progress: %v", err)
		}
	}
	close(gate.release)
	if err := <-responded; err != nil {
		t.Errorf("the turn under way when the delete came: %v, want it saved first", err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := store.SessionByID(ctx, id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("store after Delete: %v", err)
	}
	if g.Live() != 0 {
		t.Errorf("%d sessions in memory after Delete", g.Live())
	}
}
