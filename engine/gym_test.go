package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// flakyStore fails its saves while down is set, as a store does when its
// disk or network goes away.
type flakyStore struct {
	engine.Store
	down atomic.Bool
}

func (f *flakyStore) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	if f.down.Load() {
		return 0, errors.New("disk unavailable")
	}
	return f.Store.SaveSession(ctx, rec)
}

func newGym(t *testing.T, store engine.Store) *engine.Gym {
	t.Helper()
	set := library(t)
	return engine.NewGym(engine.GymConfig{
		Store:   store,
		Catalog: scenarios.NewCatalog(set.Scenarios...),
		Grader:  grading.NewLexicon(grading.DefaultRubric()),
	})
}

func openStore(t *testing.T) engine.Store {
	t.Helper()
	s, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var trainee = engine.User{ID: "t1", Username: "tess", Role: engine.RoleTrainee, Cohort: "c1"}

func TestGymSavesEveryChange(t *testing.T) {
	store := openStore(t)
	g := newGym(t, store)
	ctx := context.Background()
	rec, err := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.SessionByID(ctx, rec.State.ID)
	if err != nil || len(stored.State.Turns) != 1 || stored.Trainee != "t1" || stored.Cohort != "c1" {
		t.Fatalf("stored after start: %+v, %v", stored, err)
	}
	step, rec, err := g.Respond(ctx, rec.State.ID, 1, "You're right, I was late again. Of course you're angry. What was the wait like?", nil)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ = store.SessionByID(ctx, rec.State.ID)
	if len(stored.State.Turns) != 3 || stored.State.Turns[2].Text != step.Client.Text || stored.Version != rec.Version {
		t.Fatalf("stored after a response: %d turns, version %d (gym says %d)", len(stored.State.Turns), stored.Version, rec.Version)
	}

	// Another process on the same data continues where this one stopped.
	g2 := newGym(t, store)
	if _, _, err := g2.Respond(ctx, rec.State.ID, 1, "resent", nil); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("resend after reload: %v, want %s", err, engine.EDUPLICATE)
	}
	if _, _, err := g2.Respond(ctx, rec.State.ID, 3, "It makes sense it's about more than the minutes. How is it telling me this?", nil); err != nil {
		t.Fatalf("continue after reload: %v", err)
	}
}

func TestGymKeepsNothingHalfWritten(t *testing.T) {
	store := &flakyStore{Store: openStore(t)}
	g := newGym(t, store)
	ctx := context.Background()
	rec, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	before, _ := g.Record(ctx, rec.State.ID)

	store.down.Store(true)
	_, _, err := g.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil)
	if engine.ErrorCode(err) != engine.EUNAVAILABLE || engine.ErrorMessage(err) != "not saved, try again" {
		t.Fatalf("respond while the store is down: %v", err)
	}
	after, _ := g.Record(ctx, rec.State.ID)
	if len(after.State.Turns) != len(before.State.Turns) {
		t.Fatalf("a failed save left %d turns in memory, want %d", len(after.State.Turns), len(before.State.Turns))
	}
	if _, err := g.Pause(ctx, rec.State.ID); engine.ErrorCode(err) != engine.EUNAVAILABLE {
		t.Errorf("pause while down: %v", err)
	}
	if got, _ := g.Record(ctx, rec.State.ID); got.State.Status != engine.Active {
		t.Errorf("a failed pause left status %s", got.State.Status)
	}

	store.down.Store(false)
	if _, _, err := g.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil); err != nil {
		t.Fatalf("the same turn after the store came back: %v", err)
	}
}

func TestGymConflictBetweenServers(t *testing.T) {
	store := openStore(t)
	a, b := newGym(t, store), newGym(t, store)
	ctx := context.Background()
	rec, _ := a.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if _, err := b.Record(ctx, rec.State.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Respond(ctx, rec.State.ID, 1, "warm-up", nil); err != nil {
		t.Fatal(err) // b holds version 2 in memory now
	}
	// a still holds version 1: its answer to the same turn loses.
	if _, _, err := a.Respond(ctx, rec.State.ID, 1, "It was only fifteen minutes.", nil); engine.ErrorCode(err) != engine.ECONFLICT {
		t.Fatalf("stale server's answer: %v, want %s", err, engine.ECONFLICT)
	}
	// a reloads and sees b's answer.
	if _, _, err := a.Respond(ctx, rec.State.ID, 1, "again", nil); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("after the conflict a reloads: %v, want %s", err, engine.EDUPLICATE)
	}
	stored, _ := store.SessionByID(ctx, rec.State.ID)
	if stored.State.Turns[1].Text != "warm-up" {
		t.Errorf("stored answer %q, want b's", stored.State.Turns[1].Text)
	}
}

func TestGymStartErrors(t *testing.T) {
	g := newGym(t, openStore(t))
	ctx := context.Background()
	tests := []struct {
		scenario, persona, mode, code string
	}{
		{"no-such-scenario", "scripted", engine.Practice, engine.ENOTFOUND},
		{"late-again", "llm", engine.Practice, engine.EINVALID},
		{"late-again", "scripted", "exam", engine.EINVALID},
	}
	for _, tt := range tests {
		if _, err := g.Start(ctx, trainee, tt.scenario, tt.persona, tt.mode); engine.ErrorCode(err) != tt.code {
			t.Errorf("Start(%s, %s, %s): %v, want %s", tt.scenario, tt.persona, tt.mode, err, tt.code)
		}
	}
}

func TestGymAbandonsIdleSessions(t *testing.T) {
	store := openStore(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	set := library(t)
	g := engine.NewGym(engine.GymConfig{Store: store, Catalog: scenarios.NewCatalog(set.Scenarios...), Grader: grading.NewLexicon(grading.DefaultRubric()), Now: clock})
	ctx := context.Background()
	old, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	now = now.Add(2 * time.Hour)
	paused, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if _, err := g.Pause(ctx, paused.State.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	fresh, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	ended, err := g.AbandonIdle(ctx, now.Add(-time.Hour))
	if err != nil || len(ended) != 1 || ended[0].State.ID != old.State.ID || ended[0].State.Outcome != engine.Abandoned {
		t.Fatalf("AbandonIdle = %d records, %v; want the old session, abandoned", len(ended), err)
	}
	// Pausing means coming back later, however much later.
	if rec, _ := store.SessionByID(ctx, paused.State.ID); rec.State.Status != engine.Paused {
		t.Errorf("paused session: %s %q", rec.State.Status, rec.State.Outcome)
	}
	if rec, _ := store.SessionByID(ctx, old.State.ID); rec.State.Outcome != engine.Abandoned {
		t.Errorf("idle session: %s %q", rec.State.Status, rec.State.Outcome)
	}
	if rec, _ := store.SessionByID(ctx, fresh.State.ID); rec.State.Status != engine.Active {
		t.Errorf("fresh session: %s", rec.State.Status)
	}
	if g.Live() != 3 || g.Evict(now.Add(time.Minute)) != 3 || g.Live() != 0 {
		t.Errorf("eviction left %d live sessions", g.Live())
	}
	if _, err := g.Record(ctx, fresh.State.ID); err != nil {
		t.Errorf("an evicted session reloads: %v", err)
	}
}

// lostReplyStore saves, then reports a failure, as a store does whose
// answer is lost on the network after the write landed.
type lostReplyStore struct {
	engine.Store
	lose atomic.Bool
}

func (s *lostReplyStore) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	v, err := s.Store.SaveSession(ctx, rec)
	if err == nil && s.lose.CompareAndSwap(true, false) {
		return 0, errors.New("read tcp: connection reset by peer")
	}
	return v, err
}

// When the answer to a save is lost, the trainee is told to try again; the
// retry finds the turn saved, and reports it as answered rather than
// conflicting with itself or applying it twice.
func TestGymSaveWhoseAnswerWasLost(t *testing.T) {
	store := &lostReplyStore{Store: openStore(t)}
	g := newGym(t, store)
	ctx := context.Background()
	rec, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	store.lose.Store(true)
	if _, _, err := g.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil); engine.ErrorCode(err) != engine.EUNAVAILABLE {
		t.Fatalf("respond with the answer lost: %v", err)
	}
	if _, _, err := g.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Fatalf("the retry: %v, want duplicate (the turn was saved)", err)
	}
	got, err := g.Record(ctx, rec.State.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := got.State.Responses(); n != 1 || got.State.Pending() != 3 {
		t.Errorf("after the retry: %d responses, pending %d; want 1 and 3", n, got.State.Pending())
	}
}

// Hints belong beside the transcript: a retry keeps them, placed after the
// line answered again; they do not make an idle session look busy; and a
// session keeps a bounded number.
func TestGymHints(t *testing.T) {
	g := newGym(t, openStore(t))
	ctx := context.Background()
	rec, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	id := rec.State.ID
	if _, _, err := g.Respond(ctx, id, 1, "Sorry, traffic was awful.", nil); err != nil {
		t.Fatal(err)
	}
	before, _ := g.Record(ctx, id)
	sup := engine.User{ID: "s1", Username: "sam", Role: engine.RoleSupervisor, Cohort: "c1"}
	h, after, err := g.Hint(ctx, id, sup, "  Try owning the lateness.  ", "")
	if err != nil {
		t.Fatal(err)
	}
	if h.After != 3 || h.From != "sam" || h.Text != "Try owning the lateness." {
		t.Errorf("hint: %+v", h)
	}
	if !after.State.Updated.Equal(before.State.Updated) {
		t.Error("a hint made the session look active")
	}
	got, err := g.Retry(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.State.Hints) != 1 || got.State.Hints[0].After != 1 {
		t.Fatalf("hints after the retry: %+v, want the hint after line 1", got.State.Hints)
	}
	for i := 1; i < engine.MaxHints; i++ {
		if _, _, err := g.Hint(ctx, id, sup, "Stay with it.", ""); err != nil {
			t.Fatalf("hint %d: %v", i+1, err)
		}
	}
	if _, _, err := g.Hint(ctx, id, sup, "One more.", ""); engine.ErrorCode(err) != engine.ENOTALLOWED {
		t.Errorf("hint over the limit: %v", err)
	}
}

// A hint asked for twice under one reference (a message delivered twice)
// is recorded once.
func TestGymHintOnce(t *testing.T) {
	g := newGym(t, openStore(t))
	ctx := context.Background()
	rec, _ := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	sup := engine.User{ID: "s1", Username: "sam", Role: engine.RoleSupervisor, Cohort: "c1"}
	if _, _, err := g.Hint(ctx, rec.State.ID, sup, "Breathe.", "ref-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.Hint(ctx, rec.State.ID, sup, "Breathe.", "ref-1"); engine.ErrorCode(err) != engine.EDUPLICATE {
		t.Errorf("the same request again: %v", err)
	}
	got, _ := g.Record(ctx, rec.State.ID)
	if len(got.State.Hints) != 1 {
		t.Errorf("%d hints, want 1", len(got.State.Hints))
	}
}

// Reading a session does not wait for a turn in progress: a trainee who
// reconnects, or a supervisor who starts watching, gets the session as
// last saved at once.
func TestGymRecordDuringATurn(t *testing.T) {
	grader := gatedGrader{Grader: grading.NewLexicon(grading.DefaultRubric()), entered: make(chan struct{}, 1), release: make(chan struct{})}
	g := engine.NewGym(engine.GymConfig{Store: openStore(t), Catalog: scenarios.NewCatalog(library(t).Scenarios...), Grader: grader})
	ctx := context.Background()
	rec, err := g.Start(ctx, trainee, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := g.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil)
		done <- err
	}()
	<-grader.entered
	read := make(chan engine.SessionRecord, 1)
	go func() {
		got, _ := g.Record(ctx, rec.State.ID)
		read <- got
	}()
	var got engine.SessionRecord
	select {
	case got = <-read:
	case <-done:
		t.Fatal("the turn finished before the gate opened")
	case <-time.After(5 * time.Second):
		close(grader.release)
		t.Fatal("Record waited for the turn in progress")
	}
	if len(got.State.Turns) != 1 {
		t.Errorf("during the turn: %d turns, want the opening line as saved", len(got.State.Turns))
	}
	if _, err := g.Feedback(ctx, rec.State.ID); err != nil {
		t.Errorf("feedback during the turn: %v", err)
	}
	close(grader.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if after, _ := g.Record(ctx, rec.State.ID); len(after.State.Turns) != 3 {
		t.Errorf("after the turn: %d turns, want 3", len(after.State.Turns))
	}
}
