package engine

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// A Gym runs many trainees' sessions. It serialises the changes to each
// session, saves every change before returning it, and keeps the sessions
// in use in memory. Transports call it; it knows nothing of them.
type Gym struct {
	store   Store
	catalog *scenarios.Catalog
	rubrics *Rubrics
	voices  map[string]Voice
	now     func() time.Time

	leases   Leases
	owner    string
	leaseTTL time.Duration

	mu   sync.Mutex
	live map[string]*live
	// held counts the holds on each session: the trainee's sockets open
	// on this server.
	held map[string]int
}

// Leases let one server at a time drive a session when several share a
// store. A lease names its holder and lapses unless renewed, so that the
// sessions of a server that dies pass to the servers their trainees
// reconnect to.
//
// Leases are about who drives, not about correctness: saves are checked
// against the version they were read at, so a turn is never applied
// twice even by servers whose clocks disagree about a lease.
type Leases interface {
	// Acquire takes the lease on a session for owner, or extends it if
	// owner holds it, for ttl. If another owner holds it, it returns
	// false and how long that lease has left.
	Acquire(ctx context.Context, session, owner string, ttl time.Duration) (ok bool, left time.Duration, err error)
	// Release gives up owner's lease on a session, if owner holds it.
	Release(ctx context.Context, session, owner string) error
}

// DefaultLeaseTTL is how long a lease lasts unless renewed: how long a
// session waits after its server dies before another may take it over.
const DefaultLeaseTTL = 15 * time.Second

// live is a session in memory, with the lock that serialises its changes.
type live struct {
	mu   sync.Mutex
	sess *Session
	rec  SessionRecord // the last saved record, the state to roll back to
	// saved is rec for readers, who must not wait for a turn in progress
	// (one with a language model can take a minute) to read it.
	saved atomic.Pointer[SessionRecord]
	// leased is when this server last took or renewed the session's
	// lease; zero without one.
	leased time.Time
	// lastUsed is read by Evict without the lock: unix nanoseconds.
	lastUsed atomic.Int64
}

func (l *live) touch(t time.Time) { l.lastUsed.Store(t.UnixNano()) }

// GymConfig holds a Gym's dependencies.
type GymConfig struct {
	Store   Store
	Catalog *scenarios.Catalog
	// Rubrics scores sessions. When it is nil, sessions are scored on the
	// default rubric with Grader.
	Rubrics *Rubrics
	Grader  Grader
	// Voices maps a persona kind ("scripted", "llm") to its voice. The
	// scripted voice is always there.
	Voices map[string]Voice
	Now    func() time.Time

	// Leases, if set, make this server drive a session only while it
	// holds its lease; servers sharing a store need them. Owner names
	// this server (a random id if empty); LeaseTTL defaults to
	// DefaultLeaseTTL.
	Leases   Leases
	Owner    string
	LeaseTTL time.Duration
}

// NewGym returns a Gym.
func NewGym(cfg GymConfig) *Gym {
	g := &Gym{
		store: cfg.Store, catalog: cfg.Catalog, rubrics: cfg.Rubrics,
		voices: map[string]Voice{Scripted{}.Name(): Scripted{}}, now: cfg.Now, live: map[string]*live{}, held: map[string]int{},
		leases: cfg.Leases, owner: cfg.Owner, leaseTTL: cfg.LeaseTTL,
	}
	if g.owner == "" {
		g.owner = NewID()
	}
	if g.leaseTTL <= 0 {
		g.leaseTTL = DefaultLeaseTTL
	}
	for k, v := range cfg.Voices {
		g.voices[k] = v
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.rubrics == nil {
		g.rubrics = NewRubrics(func(*grading.Rubric) Grader { return cfg.Grader }, grading.DefaultRubric())
	}
	return g
}

// NewID returns a random identifier for a session, user or review.
func NewID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b[:])
}

func newSeed() int64 {
	var b [8]byte
	rand.Read(b[:]) // never fails: it crashes the program first
	return int64(binary.LittleEndian.Uint64(b[:]) >> 1)
}

func (g *Gym) config(persona string, sc Scoring) Config {
	return Config{Voice: g.voices[persona], Grader: sc.Grader, Rubric: sc.Rubric, Now: g.now}
}

// Start begins a session of the latest version of a scenario the trainee
// may see, speaks the opening line and saves it.
//
// Errors: ENOTFOUND for an unknown scenario; EINVALID for an unknown mode
// or persona.
func (g *Gym) Start(ctx context.Context, trainee User, scenarioID, persona, mode string) (SessionRecord, error) {
	scn, ok := g.catalog.LatestFor(scenarioID, trainee.Sees)
	if !ok {
		return SessionRecord{}, Errorf(ENOTFOUND, "scenario %q not found", scenarioID)
	}
	if mode == Recognition {
		// Recognition scores each line against its annotation: the lines
		// must be the annotated ones, not a model's rewording, which could
		// add a sign of rupture to an ordinary line or take one away.
		persona = Scripted{}.Name()
	}
	if _, ok := g.voices[persona]; !ok {
		return SessionRecord{}, Errorf(EINVALID, "the %q client voice is not set up on this server; choose the scripted client", persona)
	}
	sess, err := New(NewID(), scn, mode, newSeed(), g.config(persona, g.rubrics.Current()))
	if err != nil {
		return SessionRecord{}, err
	}
	if _, err := sess.Start(llm.WithUser(ctx, trainee.ID), nil); err != nil {
		return SessionRecord{}, err
	}
	rec := SessionRecord{State: sess.State(), Trainee: trainee.ID, Cohort: trainee.Cohort, Persona: persona}
	if err := g.store.CreateSession(ctx, rec); err != nil {
		return SessionRecord{}, fmt.Errorf("start session: %w", err)
	}
	rec.Version = 1
	// The trainee's socket, which comes next, takes the session; until
	// then no server needs to hold it.
	if g.leases == nil {
		l := &live{sess: sess, rec: rec}
		l.saved.Store(&rec)
		l.touch(g.now())
		g.mu.Lock()
		g.live[rec.State.ID] = l
		g.mu.Unlock()
	}
	return rec, nil
}

// inMemory returns the session in memory, or nil.
func (g *Gym) inMemory(id string) *live {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.live[id]
}

// Record returns a session's record as last saved. It does not wait for
// a change in progress.
func (g *Gym) Record(ctx context.Context, id string) (SessionRecord, error) {
	if l := g.inMemory(id); l != nil {
		if rec := l.saved.Load(); rec != nil {
			return *rec, nil
		}
	}
	return g.store.SessionByID(ctx, id)
}

// load returns the live session, loading it from the store if needed.
func (g *Gym) load(ctx context.Context, id string) (*live, error) {
	g.mu.Lock()
	l := g.live[id]
	if l != nil {
		// Touched under the map lock, so that Evict cannot drop it
		// between here and the caller taking its lock.
		l.touch(g.now())
	}
	g.mu.Unlock()
	if l != nil {
		return l, nil
	}
	// The lease comes first, so that the record read next is not
	// changed by another server while this one holds it.
	var leased time.Time
	if g.leases != nil {
		var err error
		if leased, err = g.acquire(ctx, id); err != nil {
			return nil, err
		}
	}
	rec, err := g.store.SessionByID(ctx, id)
	if err != nil {
		g.release(ctx, id, leased)
		return nil, err
	}
	sess, err := g.restore(rec)
	if err != nil {
		g.release(ctx, id, leased)
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if existing := g.live[id]; existing != nil {
		return existing, nil // loaded meanwhile by another caller
	}
	l = &live{sess: sess, rec: rec, leased: leased}
	l.saved.Store(&rec)
	l.touch(g.now())
	g.live[id] = l
	return l, nil
}

// restore rebuilds a stored session with its scenario version, voice and
// rubric.
func (g *Gym) restore(rec SessionRecord) (*Session, error) {
	scn, ok := g.catalog.Version(rec.State.ScenarioID, rec.State.ScenarioVersion)
	if !ok {
		return nil, Errorf(ENOTFOUND, "the version of scenario %q this session was started on (version %d) is no longer available", rec.State.ScenarioID, rec.State.ScenarioVersion)
	}
	persona := rec.Persona
	if _, ok := g.voices[persona]; !ok {
		persona = Scripted{}.Name()
	}
	// A session goes on with the rubric it started with; one from before
	// rubrics had versions, or whose version is gone, with the current.
	sc, ok := g.rubrics.Version(rec.State.RubricVersion)
	if !ok {
		sc = g.rubrics.Current()
	}
	return Restore(rec.State, scn, g.config(persona, sc))
}

// acquire takes or renews this server's lease on a session, and returns
// when it did so.
func (g *Gym) acquire(ctx context.Context, id string) (time.Time, error) {
	at := time.Now()
	ok, left, err := g.leases.Acquire(ctx, id, g.owner, g.leaseTTL)
	if err != nil {
		return time.Time{}, &Error{Code: EUNAVAILABLE, Message: "not saved, try again", Err: fmt.Errorf("lease session %s: %w", id, err)}
	}
	if !ok {
		secs := int(left.Round(time.Second) / time.Second)
		return time.Time{}, Errorf(EBUSY, "this session is open on another server: close other windows with it, or wait %d seconds and try again", max(secs, 1))
	}
	return at, nil
}

// release gives up a lease taken at leased, if one was.
func (g *Gym) release(ctx context.Context, id string, leased time.Time) {
	if g.leases == nil || leased.IsZero() {
		return
	}
	// The lease lapses by itself if this fails: nothing to undo.
	g.leases.Release(context.WithoutCancel(ctx), id, g.owner)
}

// renew renews l's lease when half its time has gone; called with l.mu
// held, before a change.
func (g *Gym) renew(ctx context.Context, id string, l *live) error {
	if g.leases == nil || time.Since(l.leased) < g.leaseTTL/2 {
		return nil
	}
	at, err := g.acquire(ctx, id)
	if err != nil {
		if ErrorCode(err) == EBUSY {
			// Another server took it over: our copy is stale.
			l.leased = time.Time{}
			g.forget(id, l)
		}
		return err
	}
	l.leased = at
	return nil
}

// leaseDuring renews l's lease while a change runs, since a turn with a
// language model can outlast the lease; KeepLeases leaves a session
// under change alone. The returned function stops the renewals and keeps
// the last. Called with l.mu held.
func (g *Gym) leaseDuring(ctx context.Context, id string, l *live) (stop func()) {
	if g.leases == nil {
		return func() {}
	}
	done := make(chan struct{})
	var last atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(g.leaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// A failure is the save's to report: it is checked
				// against the version it was read at all the same.
				if at, err := g.acquire(ctx, id); err == nil {
					last.Store(at.UnixNano())
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		if n := last.Load(); n != 0 {
			l.leased = time.Unix(0, n)
		}
	}
}

// settle gives up a session after a change when no socket on this server
// holds it, so that the server the trainee is on can take it. Called
// with l.mu held.
func (g *Gym) settle(ctx context.Context, id string, l *live) {
	if g.leases == nil {
		return
	}
	g.mu.Lock()
	held := g.held[id] > 0
	g.mu.Unlock()
	if held {
		return
	}
	g.forget(id, l)
	g.release(ctx, id, l.leased)
	l.leased = time.Time{}
}

// Hold keeps a session on this server while a trainee's socket is open
// on it, taking its lease when servers share a store; Let undoes it.
// When another server has the lease, Hold returns EBUSY but the hold
// stands: the session is taken over at the first change once that lease
// lapses.
func (g *Gym) Hold(ctx context.Context, id string) error {
	g.mu.Lock()
	g.held[id]++
	g.mu.Unlock()
	_, err := g.load(ctx, id)
	return err
}

// Let releases a hold taken with Hold. When the last is released, the
// session's lease is given up at once rather than left to lapse, so that
// the trainee can carry on at another server straight away.
func (g *Gym) Let(ctx context.Context, id string) {
	g.mu.Lock()
	g.held[id]--
	n := g.held[id]
	if n <= 0 {
		delete(g.held, id)
	}
	l := g.live[id]
	g.mu.Unlock()
	if n > 0 || g.leases == nil || l == nil {
		return
	}
	// A change under way settles the session itself when it is done;
	// one that missed this is caught by KeepLeases.
	if l.mu.TryLock() {
		g.settle(ctx, id, l)
		l.mu.Unlock()
	}
}

// KeepLeases renews the leases of the sessions held on this server, and
// gives up those nobody holds any more, every third of the lease's time,
// until ctx ends. Without leases it returns at once.
func (g *Gym) KeepLeases(ctx context.Context) {
	if g.leases == nil {
		return
	}
	t := time.NewTicker(g.leaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			g.renewLeases(ctx)
		}
	}
}

func (g *Gym) renewLeases(ctx context.Context) {
	g.mu.Lock()
	ls := make(map[string]*live, len(g.live))
	for id, l := range g.live {
		ls[id] = l
	}
	g.mu.Unlock()
	for id, l := range ls {
		if !l.mu.TryLock() {
			continue // a change is under way; it renews the lease itself (leaseDuring)
		}
		g.mu.Lock()
		held := g.held[id] > 0
		g.mu.Unlock()
		if !held {
			g.settle(ctx, id, l)
		} else if at, err := g.acquire(ctx, id); err == nil {
			l.leased = at
		} else if ErrorCode(err) == EBUSY {
			l.leased = time.Time{}
			g.forget(id, l)
		}
		// Any other error (the store is down) is left for the next round
		// and for the next change, which renews before it saves.
		l.mu.Unlock()
	}
}

// change applies fn to a session under its lock and saves the result. If
// fn or the save fails the session is left as it was, in memory and in the
// store: nothing is half-written.
//
// fn gets a context that names the session's trainee, for the per-user
// limit on calls to a language model.
func (g *Gym) change(ctx context.Context, id string, fn func(context.Context, *Session) error) (SessionRecord, error) {
	l, err := g.load(ctx, id)
	if err != nil {
		return SessionRecord{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := g.renew(ctx, id, l); err != nil {
		return SessionRecord{}, err
	}
	defer g.settle(ctx, id, l)
	stopLease := g.leaseDuring(ctx, id, l)
	err = fn(llm.WithUser(ctx, l.rec.Trainee), l.sess)
	stopLease()
	if err != nil {
		l.rollback(g)
		return SessionRecord{}, err
	}
	rec := l.rec
	rec.State = l.sess.State()
	v, err := g.store.SaveSession(ctx, rec)
	if err != nil {
		l.rollback(g)
		if ErrorCode(err) == ECONFLICT {
			// Another server changed it: forget our copy and reload
			// next time.
			g.forget(id, l)
			return SessionRecord{}, Errorf(ECONFLICT, "this session was changed in another window; reload it")
		}
		if ErrorCode(err) == ENOTFOUND {
			// Deleted meanwhile (see Delete): the copy in memory is all
			// that is left of it, and must not outlive it.
			g.forget(id, l)
			return SessionRecord{}, Errorf(ENOTFOUND, "this session has been deleted")
		}
		// The save may have landed and only its answer been lost: the
		// copy in memory can no longer be trusted, so the next try
		// reads the session again, and finds the turn there if it was.
		g.forget(id, l)
		return SessionRecord{}, &Error{Code: EUNAVAILABLE, Message: "not saved, try again", Err: err}
	}
	rec.Version = v
	l.rec = rec
	l.saved.Store(&rec)
	l.touch(g.now())
	return rec, nil
}

// rollback restores the session to its last saved state after a failed
// change. Restoring the state it was built from cannot fail; if it ever
// did, the session is dropped from memory and reloaded from the store.
func (l *live) rollback(g *Gym) {
	sess, err := Restore(l.rec.State, l.sess.Scenario(), Config{Voice: l.sess.voice, Grader: l.sess.grader, Rubric: l.sess.rubric, Now: g.now})
	if err != nil {
		g.forget(l.rec.State.ID, l)
		return
	}
	l.sess = sess
}

func (g *Gym) forget(id string, l *live) {
	g.mu.Lock()
	if g.live[id] == l {
		delete(g.live, id)
	}
	g.mu.Unlock()
}

// Respond answers client turn n of a session; see Session.Respond. The
// returned step has been saved.
func (g *Gym) Respond(ctx context.Context, id string, n int, text string, deltas func(string)) (Step, SessionRecord, error) {
	var step Step
	rec, err := g.change(ctx, id, func(ctx context.Context, s *Session) error {
		var err error
		step, err = s.Respond(ctx, n, text, deltas)
		return err
	})
	return step, rec, err
}

// Retry takes back the answer to client turn n; see Session.Retry.
func (g *Gym) Retry(ctx context.Context, id string, n int) (SessionRecord, error) {
	return g.change(ctx, id, func(_ context.Context, s *Session) error { return s.Retry(n) })
}

// Mark records the trainee's judgement of client line n: a rupture of the
// given type, or, when ruptureType is empty, not a rupture (taking back a
// flag). In recognition mode, judging the line on show moves the session
// on (see Session.Next), and the step says what came next; otherwise the
// step is empty.
func (g *Gym) Mark(ctx context.Context, id string, n int, ruptureType, marker string, deltas func(string)) (Flag, Step, SessionRecord, error) {
	var f Flag
	var step Step
	rec, err := g.change(ctx, id, func(ctx context.Context, s *Session) error {
		var err error
		if ruptureType == "" {
			err = s.Unflag(n)
		} else {
			f, err = s.Flag(n, ruptureType, marker)
		}
		if err != nil || s.st.Mode != Recognition || n != s.Pending() {
			return err
		}
		step, err = s.Next(ctx, n, deltas)
		return err
	})
	return f, step, rec, err
}

// Pause pauses a session.
func (g *Gym) Pause(ctx context.Context, id string) (SessionRecord, error) {
	return g.change(ctx, id, func(_ context.Context, s *Session) error { return s.Pause() })
}

// Abandon ends a session unfinished.
func (g *Gym) Abandon(ctx context.Context, id string) (SessionRecord, error) {
	return g.change(ctx, id, func(_ context.Context, s *Session) error {
		s.Abandon()
		return nil
	})
}

// Feedback returns the feedback on every response of a session.
func (g *Gym) Feedback(ctx context.Context, id string) ([]Feedback, error) {
	// Reading needs no lease nor the session's lock: rebuild the session
	// as last saved.
	rec, err := g.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	sess, err := g.restore(rec)
	if err != nil {
		return nil, err
	}
	return sess.Feedback(), nil
}

// Hint records a supervisor's note to the trainee; see Session.Hint.
func (g *Gym) Hint(ctx context.Context, id string, from User, text, ref string) (Hint, SessionRecord, error) {
	var h Hint
	rec, err := g.change(ctx, id, func(_ context.Context, s *Session) error {
		var err error
		h, err = s.Hint(from.Username, text, ref)
		return err
	})
	return h, rec, err
}

// AbandonIdle ends every active session untouched since before, and
// returns the records of those it ended. Paused sessions are left alone:
// pausing means coming back later. A session that cannot be ended (its
// scenario version is gone, say) is skipped, and the first such error
// returned after the rest are done.
func (g *Gym) AbandonIdle(ctx context.Context, before time.Time) ([]SessionRecord, error) {
	recs, err := g.store.Sessions(ctx, SessionFilter{Status: Active})
	if err != nil {
		return nil, err
	}
	var ended []SessionRecord
	var firstErr error
	for _, rec := range recs {
		if !rec.State.Updated.Before(before) {
			continue
		}
		// The record may be stale if the session is in memory; check
		// again under its lock.
		done, err := g.change(ctx, rec.State.ID, func(_ context.Context, s *Session) error {
			if s.st.Status != Active || !s.st.Updated.Before(before) {
				return errUnchanged
			}
			s.Abandon()
			return nil
		})
		switch {
		case err == nil:
			ended = append(ended, done)
		case errors.Is(err, errUnchanged), ErrorCode(err) == EBUSY:
			// Left alone, or driven by another server, whose sweep sees
			// to it.
		case firstErr == nil:
			firstErr = fmt.Errorf("end idle session %s: %w", rec.State.ID, err)
		}
	}
	return ended, firstErr
}

// errUnchanged tells change that fn decided to leave the session alone.
var errUnchanged = errors.New("unchanged")

// Evict drops from memory the sessions untouched since before; their
// state is in the store. Sessions held by a trainee's socket stay, with
// their leases. It returns how many it dropped.
func (g *Gym) Evict(before time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for id, l := range g.live {
		if g.held[id] > 0 {
			continue // a trainee's socket is open on it
		}
		if l.mu.TryLock() {
			if l.lastUsed.Load() < before.UnixNano() {
				delete(g.live, id)
				n++
			}
			l.mu.Unlock()
		}
	}
	return n
}

// Live returns how many sessions are in memory.
func (g *Gym) Live() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.live)
}
