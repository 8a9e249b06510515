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

	mu   sync.Mutex
	live map[string]*live
}

// live is a session in memory, with the lock that serialises its changes.
type live struct {
	mu   sync.Mutex
	sess *Session
	rec  SessionRecord // the last saved record, the state to roll back to
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
}

// NewGym returns a Gym.
func NewGym(cfg GymConfig) *Gym {
	g := &Gym{
		store: cfg.Store, catalog: cfg.Catalog, rubrics: cfg.Rubrics,
		voices: map[string]Voice{Scripted{}.Name(): Scripted{}}, now: cfg.Now, live: map[string]*live{},
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
	if _, ok := g.voices[persona]; !ok {
		return SessionRecord{}, Errorf(EINVALID, "the %q client voice is not set up on this server; choose the scripted client", persona)
	}
	if mode == Recognition {
		// Recognition scores each line against its annotation: the lines
		// must be the annotated ones, not a model's rewording, which could
		// add a sign of rupture to an ordinary line or take one away.
		persona = Scripted{}.Name()
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
	l := &live{sess: sess, rec: rec}
	l.touch(g.now())
	g.mu.Lock()
	g.live[rec.State.ID] = l
	g.mu.Unlock()
	return rec, nil
}

// Record returns a session's record as last saved.
func (g *Gym) Record(ctx context.Context, id string) (SessionRecord, error) {
	g.mu.Lock()
	l := g.live[id]
	g.mu.Unlock()
	if l != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		rec := l.rec
		rec.State = l.sess.State()
		return rec, nil
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
	rec, err := g.store.SessionByID(ctx, id)
	if err != nil {
		return nil, err
	}
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
	sess, err := Restore(rec.State, scn, g.config(persona, sc))
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if existing := g.live[id]; existing != nil {
		return existing, nil // loaded meanwhile by another caller
	}
	l = &live{sess: sess, rec: rec}
	l.touch(g.now())
	g.live[id] = l
	return l, nil
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
	if err := fn(llm.WithUser(ctx, l.rec.Trainee), l.sess); err != nil {
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
		return SessionRecord{}, &Error{Code: EUNAVAILABLE, Message: "not saved, try again", Err: err}
	}
	rec.Version = v
	l.rec = rec
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
	l, err := g.load(ctx, id)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sess.Feedback(), nil
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
		case errors.Is(err, errUnchanged):
		case firstErr == nil:
			firstErr = fmt.Errorf("end idle session %s: %w", rec.State.ID, err)
		}
	}
	return ended, firstErr
}

// errUnchanged tells change that fn decided to leave the session alone.
var errUnchanged = errors.New("unchanged")

// Evict drops from memory the sessions untouched since before; their
// state is in the store. It returns how many it dropped.
func (g *Gym) Evict(before time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for id, l := range g.live {
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
