package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/redisstore/redistest"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// leasedGym is one server's gym on a shared Redis, with leases.
func leasedGym(t *testing.T, url, prefix, owner string, grader engine.Grader, ttl time.Duration) *engine.Gym {
	t.Helper()
	set, err := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	if err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, url, prefix)
	return engine.NewGym(engine.GymConfig{Store: s, Catalog: scenarios.NewCatalog(set.Scenarios...),
		Grader: grader, Leases: s, Owner: owner, LeaseTTL: ttl})
}

// A lease has one holder at a time: others learn how long it has left,
// only the holder can release it, and it passes on when it lapses.
func TestLease(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	ctx := context.Background()
	acquire := func(owner string, ttl time.Duration) (bool, time.Duration) {
		t.Helper()
		ok, left, err := s.Acquire(ctx, "s1", owner, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok, left
	}
	if ok, _ := acquire("a", time.Minute); !ok {
		t.Fatal("a free lease was refused")
	}
	if ok, left := acquire("b", time.Minute); ok || left <= 50*time.Second || left > time.Minute {
		t.Fatalf("b while a holds it: ok %v, left %v", ok, left)
	}
	if ok, _ := acquire("a", time.Minute); !ok {
		t.Fatal("the holder could not renew")
	}
	if err := s.Release(ctx, "s1", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := acquire("b", time.Minute); ok {
		t.Fatal("b released a's lease")
	}
	if err := s.Release(ctx, "s1", "a"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := acquire("b", 200*time.Millisecond); !ok {
		t.Fatal("a released lease was refused")
	}
	time.Sleep(300 * time.Millisecond)
	if ok, _ := acquire("a", time.Minute); !ok {
		t.Fatal("a lapsed lease was refused")
	}
	if _, _, err := s.Acquire(ctx, "s1", "a", 0); err == nil {
		t.Error("a lease of no time was taken")
	}
}

// Two servers' gyms on one Redis take turns at a session: the one holding
// it drives it; the other is told the session is busy until it is let go
// or its lease lapses (its server died), then takes it over with every
// turn intact. No turn is applied twice.
func TestGymsShareSessionsByLease(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	const ttl = 2 * time.Second
	lexicon := grading.NewLexicon(grading.DefaultRubric())
	a, b := leasedGym(t, srv.URL(), prefix, "a", lexicon, ttl), leasedGym(t, srv.URL(), prefix, "b", lexicon, ttl)
	ctx := context.Background()
	rec, err := a.Start(ctx, engine.User{ID: "u1", Role: engine.RoleTrainee, Cohort: "c1"}, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	id := rec.State.ID

	// The trainee's socket is on a.
	if err := a.Hold(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Respond(ctx, id, 1, "I was late, and that's on me.", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Hold(ctx, id); engine.ErrorCode(err) != engine.EBUSY {
		t.Fatalf("b holds a's session: %v", err)
	}
	if _, _, err := b.Respond(ctx, id, 3, "from b", nil); engine.ErrorCode(err) != engine.EBUSY {
		t.Fatalf("b answered while a holds the session: %v", err)
	}

	// The trainee moves: a lets go, and b takes over at once.
	a.Let(ctx, id)
	if _, _, err := b.Respond(ctx, id, 3, "It makes sense you're fed up with me.", nil); err != nil {
		t.Fatalf("b after a let go: %v", err)
	}
	// a's memory of the session is gone with its lease: it cannot save
	// over b's turn.
	if _, _, err := a.Respond(ctx, id, 3, "a stale answer", nil); err == nil {
		t.Fatal("a answered a turn b had answered")
	}

	// b dies holding the session: no Let, no renewals. a must wait for
	// the lease to lapse.
	if err := b.Hold(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Respond(ctx, id, 5, "What is that like for you?", nil); engine.ErrorCode(err) != engine.EBUSY {
		t.Fatalf("a took a live lease: %v", err)
	}
	time.Sleep(ttl + 200*time.Millisecond)
	if _, _, err := a.Respond(ctx, id, 5, "What is that like for you?", nil); err != nil {
		t.Fatalf("a after b's lease lapsed: %v", err)
	}

	got, err := a.Record(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var answers []string
	for _, tr := range got.State.Turns {
		if tr.Speaker == engine.Trainee {
			answers = append(answers, tr.Text)
		}
	}
	want := []string{"I was late, and that's on me.", "It makes sense you're fed up with me.", "What is that like for you?"}
	if len(answers) != len(want) {
		t.Fatalf("answers %q, want %q", answers, want)
	}
	for i := range want {
		if answers[i] != want[i] {
			t.Errorf("answer %d: %q, want %q", i, answers[i], want[i])
		}
	}
}

// A server keeps the leases of the sessions held on it alive while it
// runs, so a session held longer than one lease stays its own.
func TestKeepLeasesRenews(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	// Renewals come every third of the lease: only a stall of a whole
	// second could let it lapse.
	const ttl = time.Second
	s := mustOpen(t, srv.URL(), prefix)
	a := leasedGym(t, srv.URL(), prefix, "a", grading.NewLexicon(grading.DefaultRubric()), ttl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.KeepLeases(ctx)
	rec, err := a.Start(ctx, engine.User{ID: "u1", Role: engine.RoleTrainee, Cohort: "c1"}, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Hold(ctx, rec.State.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * ttl / 2)
	if ok, _, err := s.Acquire(ctx, rec.State.ID, "b", ttl); err != nil || ok {
		t.Fatalf("after more than two lease times, another server took a held session: ok %v, err %v", ok, err)
	}
	a.Let(ctx, rec.State.ID)
	if ok, _, err := s.Acquire(ctx, rec.State.ID, "b", ttl); err != nil || !ok {
		t.Fatalf("after Let, the session is still leased: ok %v, err %v", ok, err)
	}
}

// slowGrader takes its time, as a language model does.
type slowGrader struct {
	engine.Grader
	wait time.Duration
}

func (g slowGrader) Grade(ctx context.Context, in grading.Input) (grading.Result, error) {
	time.Sleep(g.wait)
	return g.Grader.Grade(ctx, in)
}

// A turn that outlasts the lease keeps it: another server cannot take the
// session over in the middle of the turn.
func TestLeaseHeldThroughALongTurn(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	const ttl = time.Second
	lexicon := grading.NewLexicon(grading.DefaultRubric())
	a, b := leasedGym(t, srv.URL(), prefix, "a", slowGrader{lexicon, 3 * ttl}, ttl), leasedGym(t, srv.URL(), prefix, "b", lexicon, ttl)
	ctx := context.Background()
	rec, err := a.Start(ctx, engine.User{ID: "u1", Role: engine.RoleTrainee, Cohort: "c1"}, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	id := rec.State.ID
	if err := a.Hold(ctx, id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := a.Respond(ctx, id, 1, "I was late, and that's on me.", nil)
		done <- err
	}()
	time.Sleep(2 * ttl)
	sup := engine.User{ID: "s1", Username: "sam", Role: engine.RoleSupervisor, Cohort: "c1"}
	if _, _, err := b.Hint(ctx, id, sup, "Slow down.", ""); engine.ErrorCode(err) != engine.EBUSY {
		t.Errorf("b changed the session in the middle of a's turn: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("a's long turn: %v", err)
	}
}
