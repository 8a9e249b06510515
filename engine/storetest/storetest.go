// Package storetest is the contract every engine.Store implementation must
// pass. An implementation's tests call Run with a function that opens a
// fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// Opener returns a new empty store, and a function that closes it and opens
// the same data again, as a restarted server would.
type Opener func(t *testing.T) (s engine.Store, reopen func() engine.Store)

// Run runs the contract suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, Opener)
	}{
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Sessions", testSessions},
		{"SaveSessionVersions", testSaveSessionVersions},
		{"ConcurrentSavesOneWins", testConcurrentSaves},
		{"ManySessionsInParallel", testParallelSessions},
		{"SessionFilters", testSessionFilters},
		{"UpdatedBefore", testUpdatedBefore},
		{"EachSessionOrderAndFilters", testEachSession},
		{"EachSessionStops", testEachSessionStops},
		{"EachSessionManyChunks", testEachSessionMany},
		{"EachSessionWhileCreating", testEachSessionWhileCreating},
		{"DeleteSession", testDeleteSession},
		{"DeleteUser", testDeleteUser},
		{"Reviews", testReviews},
		{"Scenarios", testScenarios},
		{"Rubrics", testRubrics},
		{"SurvivesReopen", testReopen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

var ctx = context.Background()

func code(err error) string { return engine.ErrorCode(err) }

func mustNoError(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func testUsers(t *testing.T, open Opener) {
	s, _ := open(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	alice := engine.User{ID: "u1", Username: "alice", Role: engine.RoleTrainee, Cohort: "2026a", Created: created, PasswordHash: []byte("$2a$hash")}
	mustNoError(t, s.CreateUser(ctx, alice), "create alice")
	if err := s.CreateUser(ctx, engine.User{ID: "u2", Username: "alice", Role: engine.RoleTrainee}); code(err) != engine.ECONFLICT {
		t.Errorf("duplicate username: %v, want %s", err, engine.ECONFLICT)
	}
	if err := s.CreateUser(ctx, engine.User{ID: "u1", Username: "other", Role: engine.RoleTrainee}); code(err) != engine.ECONFLICT {
		t.Errorf("duplicate id: %v, want %s", err, engine.ECONFLICT)
	}
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u3", Username: "bea", Role: engine.RoleSupervisor, Cohort: "2026a"}), "create bea")
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u4", Username: "cal", Role: engine.RoleTrainee, Cohort: "2026b"}), "create cal")

	got, err := s.UserByID(ctx, "u1")
	mustNoError(t, err, "user by id")
	if got.Username != "alice" || got.Role != engine.RoleTrainee || got.Cohort != "2026a" || string(got.PasswordHash) != "$2a$hash" || !got.Created.Equal(created) {
		t.Errorf("UserByID = %+v", got)
	}
	got, err = s.UserByName(ctx, "alice")
	if err != nil || got.ID != "u1" {
		t.Errorf("UserByName = %+v, %v", got, err)
	}
	if _, err := s.UserByName(ctx, "nobody"); code(err) != engine.ENOTFOUND {
		t.Errorf("unknown username: %v", err)
	}
	if _, err := s.UserByID(ctx, "u9"); code(err) != engine.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
	all, err := s.Users(ctx, "")
	mustNoError(t, err, "users")
	if len(all) != 3 || all[0].Username != "alice" || all[2].Username != "cal" {
		t.Errorf("Users() = %+v, want alice, bea, cal", all)
	}
	cohort, _ := s.Users(ctx, "2026a")
	if len(cohort) != 2 {
		t.Errorf("Users(2026a) = %+v, want 2", cohort)
	}
}

func testTokens(t *testing.T, open Opener) {
	s, _ := open(t)
	now := time.Now()
	mustNoError(t, s.SaveToken(ctx, engine.Token{Hash: "h1", UserID: "u1", Created: now, Expires: now.Add(time.Hour)}), "save token")
	mustNoError(t, s.SaveToken(ctx, engine.Token{Hash: "old", UserID: "u1", Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)}), "save expired token")
	tok, err := s.TokenByHash(ctx, "h1")
	if err != nil || tok.UserID != "u1" {
		t.Fatalf("TokenByHash = %+v, %v", tok, err)
	}
	if _, err := s.TokenByHash(ctx, "old"); code(err) != engine.ENOTFOUND {
		t.Errorf("expired token: %v, want %s", err, engine.ENOTFOUND)
	}
	mustNoError(t, s.DeleteToken(ctx, "h1"), "delete token")
	if _, err := s.TokenByHash(ctx, "h1"); code(err) != engine.ENOTFOUND {
		t.Errorf("deleted token: %v", err)
	}
	mustNoError(t, s.DeleteToken(ctx, "never-existed"), "deleting a missing token")

	// Expired tokens are purged; live ones stay.
	mustNoError(t, s.SaveToken(ctx, engine.Token{Hash: "h2", UserID: "u1", Created: now, Expires: now.Add(time.Hour)}), "save token")
	n, err := s.DeleteExpiredTokens(ctx, now)
	if err != nil || n != 1 {
		t.Errorf("DeleteExpiredTokens = %d, %v; want 1 (the expired one)", n, err)
	}
	if _, err := s.TokenByHash(ctx, "h2"); err != nil {
		t.Errorf("a live token after the purge: %v", err)
	}
	if n, err := s.DeleteExpiredTokens(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Errorf("DeleteExpiredTokens later = %d, %v; want 1", n, err)
	}
}

// record builds a session record with a transcript of n turns.
func record(id, trainee, cohort, scenario string, started time.Time, turns int) engine.SessionRecord {
	st := engine.State{ID: id, ScenarioID: scenario, ScenarioVersion: 1, Mode: engine.Practice, Seed: 7,
		Status: engine.Active, Stage: "opening", Started: started, Updated: started}
	for i := 1; i <= turns; i++ {
		tt := engine.Turn{N: i, Speaker: engine.Client, Text: fmt.Sprintf("line %d", i), At: started.Add(time.Duration(i) * time.Second), Stage: "opening"}
		if i%2 == 0 {
			o := 60
			tt.Speaker, tt.Stage = engine.Trainee, ""
			tt.Overall = &o
			tt.Scores = map[string]grading.Score{grading.Validation: {Score: 3, Evidence: []string{"it makes sense"}, Rationale: "r"}}
		}
		st.Turns = append(st.Turns, tt)
	}
	return engine.SessionRecord{State: st, Trainee: trainee, Cohort: cohort, Persona: "scripted"}
}

func testSessions(t *testing.T, open Opener) {
	s, _ := open(t)
	rec := record("s1", "u1", "2026a", "late-again", time.Now().UTC().Truncate(time.Millisecond), 3)
	mustNoError(t, s.CreateSession(ctx, rec), "create session")
	if err := s.CreateSession(ctx, rec); code(err) != engine.ECONFLICT {
		t.Errorf("creating it twice: %v, want %s", err, engine.ECONFLICT)
	}
	got, err := s.SessionByID(ctx, "s1")
	mustNoError(t, err, "session by id")
	if got.Version != 1 || got.Trainee != "u1" || got.Persona != "scripted" || len(got.State.Turns) != 3 {
		t.Fatalf("SessionByID = %+v", got)
	}
	tr := got.State.Turns[1]
	if tr.Speaker != engine.Trainee || *tr.Overall != 60 || tr.Scores[grading.Validation].Evidence[0] != "it makes sense" {
		t.Errorf("trainee turn came back as %+v", tr)
	}
	if !got.State.Turns[0].At.Equal(rec.State.Turns[0].At) {
		t.Errorf("turn time %v, stored %v", got.State.Turns[0].At, rec.State.Turns[0].At)
	}
	if _, err := s.SessionByID(ctx, "missing"); code(err) != engine.ENOTFOUND {
		t.Errorf("missing session: %v", err)
	}
	if _, err := s.SaveSession(ctx, record("missing", "u1", "", "x", time.Now(), 1)); code(err) != engine.ENOTFOUND && code(err) != engine.ECONFLICT {
		t.Errorf("saving a session never created: %v", err)
	}
}

func testSaveSessionVersions(t *testing.T, open Opener) {
	s, _ := open(t)
	rec := record("s1", "u1", "", "late-again", time.Now(), 1)
	mustNoError(t, s.CreateSession(ctx, rec), "create")
	rec, _ = s.SessionByID(ctx, "s1")

	stale := rec
	rec.State.Turns = append(rec.State.Turns, engine.Turn{N: 2, Speaker: engine.Trainee, Text: "answer"})
	v, err := s.SaveSession(ctx, rec)
	if err != nil || v != 2 {
		t.Fatalf("save: version %d, %v; want 2", v, err)
	}
	// A writer who read version 1 loses, and the accepted turn survives.
	stale.State.Turns = append(stale.State.Turns, engine.Turn{N: 2, Speaker: engine.Trainee, Text: "a different answer"})
	if _, err := s.SaveSession(ctx, stale); code(err) != engine.ECONFLICT {
		t.Errorf("stale save: %v, want %s", err, engine.ECONFLICT)
	}
	got, _ := s.SessionByID(ctx, "s1")
	if got.Version != 2 || len(got.State.Turns) != 2 || got.State.Turns[1].Text != "answer" {
		t.Errorf("after a stale save: version %d, turns %+v", got.Version, got.State.Turns)
	}
	// Saving on top of the new version works.
	got.State.Status = engine.Ended
	if v, err := s.SaveSession(ctx, got); err != nil || v != 3 {
		t.Errorf("save on version 2: %d, %v", v, err)
	}
}

func testConcurrentSaves(t *testing.T, open Opener) {
	s, _ := open(t)
	mustNoError(t, s.CreateSession(ctx, record("s1", "u1", "", "late-again", time.Now(), 1)), "create")
	base, _ := s.SessionByID(ctx, "s1")
	const writers = 8
	var wg sync.WaitGroup
	results := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := base
			rec.State.Turns = append(append([]engine.Turn(nil), base.State.Turns...), engine.Turn{N: 2, Speaker: engine.Trainee, Text: fmt.Sprintf("writer %d", i)})
			_, results[i] = s.SaveSession(ctx, rec)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range results {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("writers %d and %d both saved on version %d", won, i, base.Version)
		case err == nil:
			won = i
		case code(err) != engine.ECONFLICT:
			t.Errorf("writer %d: %v, want %s", i, err, engine.ECONFLICT)
		}
	}
	if won < 0 {
		t.Fatal("no writer won")
	}
	got, _ := s.SessionByID(ctx, "s1")
	if got.State.Turns[1].Text != fmt.Sprintf("writer %d", won) {
		t.Errorf("stored %q, but writer %d won", got.State.Turns[1].Text, won)
	}
}

func testParallelSessions(t *testing.T, open Opener) {
	s, _ := open(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("p%02d", i)
			if err := s.CreateSession(ctx, record(id, "u1", "", "late-again", time.Now(), 1)); err != nil {
				errs <- err
				return
			}
			for turn := 2; turn <= 6; turn++ {
				rec, err := s.SessionByID(ctx, id)
				if err != nil {
					errs <- err
					return
				}
				rec.State.Turns = append(rec.State.Turns, engine.Turn{N: turn, Speaker: engine.Trainee, Text: "x"})
				if _, err := s.SaveSession(ctx, rec); err != nil {
					errs <- fmt.Errorf("%s turn %d: %w", id, turn, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := s.Sessions(ctx, engine.SessionFilter{})
	mustNoError(t, err, "list")
	if len(all) != n {
		t.Fatalf("%d sessions, want %d", len(all), n)
	}
	for _, rec := range all {
		if len(rec.State.Turns) != 6 || rec.Version != 6 {
			t.Errorf("%s: %d turns at version %d, want 6 and 6", rec.State.ID, len(rec.State.Turns), rec.Version)
		}
	}
}

func testSessionFilters(t *testing.T, open Opener) {
	s, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	recs := []engine.SessionRecord{
		record("a", "u1", "c1", "late-again", t0, 1),
		record("b", "u1", "c1", "too-quick-yes", t0.Add(time.Hour), 1),
		record("c", "u2", "c2", "late-again", t0.Add(2*time.Hour), 1),
	}
	recs[1].State.Status, recs[1].State.Outcome = engine.Ended, engine.Repaired
	for _, r := range recs {
		mustNoError(t, s.CreateSession(ctx, r), "create "+r.State.ID)
	}
	ids := func(f engine.SessionFilter) string {
		got, err := s.Sessions(ctx, f)
		mustNoError(t, err, "list")
		out := ""
		for _, r := range got {
			out += r.State.ID
		}
		return out
	}
	tests := []struct {
		f    engine.SessionFilter
		want string
	}{
		{engine.SessionFilter{}, "cba"},
		{engine.SessionFilter{Trainee: "u1"}, "ba"},
		{engine.SessionFilter{Cohort: "c2"}, "c"},
		{engine.SessionFilter{Scenario: "late-again"}, "ca"},
		{engine.SessionFilter{Status: engine.Ended}, "b"},
		{engine.SessionFilter{Status: engine.Repaired}, "b"},
		{engine.SessionFilter{Status: engine.Active, Trainee: "u1"}, "a"},
		{engine.SessionFilter{Limit: 2}, "cb"},
		{engine.SessionFilter{Trainee: "nobody"}, ""},
	}
	for _, tt := range tests {
		if got := ids(tt.f); got != tt.want {
			t.Errorf("Sessions(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

// ids lists the ids of the sessions f matches, in the order returned.
func ids(t *testing.T, s engine.Store, f engine.SessionFilter) string {
	t.Helper()
	got, err := s.Sessions(ctx, f)
	mustNoError(t, err, "list")
	out := ""
	for _, r := range got {
		out += r.State.ID
	}
	return out
}

// A retention sweep lists the sessions last updated before a cutoff: the
// update time, not the start, decides, and a save moves it.
func testUpdatedBefore(t *testing.T, open Opener) {
	s, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	// Started one an hour apart; updated in another order, so that the
	// listing's order (by start) and the filter's field differ.
	recs := []engine.SessionRecord{
		record("a", "u1", "c1", "late-again", at(0), 1),
		record("b", "u1", "c1", "late-again", at(1), 1),
		record("c", "u2", "c2", "late-again", at(2), 1),
		record("d", "u1", "c1", "too-quick-yes", at(3), 1),
		record("e", "u1", "c1", "too-quick-yes", at(4), 1),
	}
	for i, u := range []float64{5, 1.5, 2, 6, 4} {
		recs[i].State.Updated = at(u)
	}
	recs[4].State.Status, recs[4].State.Outcome = engine.Ended, engine.Repaired
	for _, r := range recs {
		mustNoError(t, s.CreateSession(ctx, r), "create "+r.State.ID)
	}
	cut := at(4.5)
	tests := []struct {
		f    engine.SessionFilter
		want string
	}{
		{engine.SessionFilter{}, "edcba"},
		{engine.SessionFilter{UpdatedBefore: cut}, "ecb"},
		{engine.SessionFilter{UpdatedBefore: at(7)}, "edcba"},
		{engine.SessionFilter{UpdatedBefore: t0}, ""},
		// Strictly before: c, updated at 2, is not before 2.
		{engine.SessionFilter{UpdatedBefore: at(2)}, "b"},
		{engine.SessionFilter{UpdatedBefore: cut, Trainee: "u1"}, "eb"},
		{engine.SessionFilter{UpdatedBefore: cut, Cohort: "c2"}, "c"},
		{engine.SessionFilter{UpdatedBefore: cut, Scenario: "too-quick-yes"}, "e"},
		{engine.SessionFilter{UpdatedBefore: cut, Status: engine.Active}, "cb"},
		{engine.SessionFilter{UpdatedBefore: cut, Status: engine.Repaired}, "e"},
		// The Limit counts matches only: the newest sessions, which do
		// not match, take no place.
		{engine.SessionFilter{UpdatedBefore: cut, Limit: 2}, "ec"},
		{engine.SessionFilter{UpdatedBefore: at(3), Limit: 2}, "cb"},
		{engine.SessionFilter{UpdatedBefore: at(3), Limit: 1}, "c"},
		{engine.SessionFilter{UpdatedBefore: cut, Trainee: "u1", Limit: 1}, "e"},
	}
	for _, tt := range tests {
		if got := ids(t, s, tt.f); got != tt.want {
			t.Errorf("Sessions(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}

	// A save moves the update time, both ways.
	for id, u := range map[string]float64{"a": 1, "c": 5} {
		rec, err := s.SessionByID(ctx, id)
		mustNoError(t, err, "read "+id)
		rec.State.Updated = at(u)
		_, err = s.SaveSession(ctx, rec)
		mustNoError(t, err, "save "+id)
	}
	if got, want := ids(t, s, engine.SessionFilter{UpdatedBefore: cut}), "eba"; got != want {
		t.Errorf("after saves, Sessions(before %v) = %q, want %q", cut, got, want)
	}
}

func testDeleteSession(t *testing.T, open Opener) {
	s, reopen := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	recs := []engine.SessionRecord{
		record("a", "u1", "c1", "late-again", t0, 2),
		record("b", "u1", "c1", "late-again", t0.Add(time.Hour), 2),
		record("c", "u2", "c2", "too-quick-yes", t0.Add(2*time.Hour), 2),
	}
	recs[0].State.Status, recs[0].State.Outcome = engine.Ended, engine.Repaired
	recs[1].State.Status, recs[1].State.Outcome = engine.Ended, engine.Repaired
	for _, r := range recs {
		mustNoError(t, s.CreateSession(ctx, r), "create "+r.State.ID)
		for i := range 2 {
			mustNoError(t, s.AddReview(ctx, engine.Review{ID: fmt.Sprintf("%s-r%d", r.State.ID, i), SessionID: r.State.ID, Reviewer: "sup", Turn: 2,
				Scores: map[string]int{grading.Validation: 3}, At: t0.Add(time.Duration(i) * time.Minute)}), "review "+r.State.ID)
		}
	}
	// A save first, so that the delete is of a session at version 2.
	a, _ := s.SessionByID(ctx, "a")
	_, err := s.SaveSession(ctx, a)
	mustNoError(t, err, "save a")
	before, _ := s.SessionByID(ctx, "b")

	mustNoError(t, s.DeleteSession(ctx, "a"), "delete a")
	check := func(s engine.Store, when string) {
		t.Helper()
		if _, err := s.SessionByID(ctx, "a"); code(err) != engine.ENOTFOUND {
			t.Errorf("%s: SessionByID of a deleted session: %v, want %s", when, err, engine.ENOTFOUND)
		}
		if rs, err := s.Reviews(ctx, "a"); err != nil || len(rs) != 0 {
			t.Errorf("%s: reviews of a deleted session: %+v, %v; want none", when, rs, err)
		}
		// No listing shows it, whichever index it reads.
		for _, tt := range []struct {
			f    engine.SessionFilter
			want string
		}{
			{engine.SessionFilter{}, "cb"},
			{engine.SessionFilter{Trainee: "u1"}, "b"},
			{engine.SessionFilter{Cohort: "c1"}, "b"},
			{engine.SessionFilter{Scenario: "late-again"}, "b"},
			{engine.SessionFilter{Status: engine.Ended}, "b"},
			{engine.SessionFilter{Status: engine.Repaired}, "b"},
			{engine.SessionFilter{Trainee: "u1", Cohort: "c1", Scenario: "late-again", Status: engine.Ended}, "b"},
			{engine.SessionFilter{UpdatedBefore: t0.Add(24 * time.Hour)}, "cb"},
			{engine.SessionFilter{Limit: 5}, "cb"},
		} {
			if got := ids(t, s, tt.f); got != tt.want {
				t.Errorf("%s: Sessions(%+v) = %q, want %q", when, tt.f, got, tt.want)
			}
		}
		// The others are untouched, reviews and all.
		got, err := s.SessionByID(ctx, "b")
		if err != nil || got.Version != before.Version || len(got.State.Turns) != 2 {
			t.Errorf("%s: another session after the delete: %+v, %v", when, got, err)
		}
		for _, id := range []string{"b", "c"} {
			if rs, err := s.Reviews(ctx, id); err != nil || len(rs) != 2 {
				t.Errorf("%s: reviews of %s after another's delete: %d, %v; want 2", when, id, len(rs), err)
			}
		}
	}
	check(s, "after the delete")

	if err := s.DeleteSession(ctx, "a"); code(err) != engine.ENOTFOUND {
		t.Errorf("deleting it twice: %v, want %s", err, engine.ENOTFOUND)
	}
	if err := s.DeleteSession(ctx, "never-existed"); code(err) != engine.ENOTFOUND {
		t.Errorf("deleting a missing session: %v, want %s", err, engine.ENOTFOUND)
	}
	if err := s.AddReview(ctx, engine.Review{ID: "late", SessionID: "a", Turn: 2, At: t0}); code(err) != engine.ENOTFOUND {
		t.Errorf("reviewing a deleted session: %v, want %s", err, engine.ENOTFOUND)
	}
	if _, err := s.SaveSession(ctx, a); code(err) != engine.ENOTFOUND && code(err) != engine.ECONFLICT {
		t.Errorf("saving a deleted session: %v", err)
	}

	s = reopen()
	check(s, "after reopening")

	// The id can be used again, and starts with nothing of the old one.
	mustNoError(t, s.CreateSession(ctx, record("a", "u3", "c3", "another", t0.Add(3*time.Hour), 1)), "create a again")
	if rs, err := s.Reviews(ctx, "a"); err != nil || len(rs) != 0 {
		t.Errorf("reviews of a new session under a deleted one's id: %+v, %v", rs, err)
	}
	if got := ids(t, s, engine.SessionFilter{Trainee: "u1"}); got != "b" {
		t.Errorf("the old trainee's sessions after the id was reused: %q, want %q", got, "b")
	}
	if got := ids(t, s, engine.SessionFilter{Trainee: "u3"}); got != "a" {
		t.Errorf("the new trainee's sessions: %q, want %q", got, "a")
	}
}

func testDeleteUser(t *testing.T, open Opener) {
	s, reopen := open(t)
	now := time.Now()
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u1", Username: "alice", Role: engine.RoleTrainee, Cohort: "c1"}), "create alice")
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u2", Username: "bea", Role: engine.RoleTrainee, Cohort: "c1"}), "create bea")
	tokens := []engine.Token{
		{Hash: "a1", UserID: "u1", Created: now, Expires: now.Add(time.Hour)},
		{Hash: "a2", UserID: "u1", Created: now, Expires: now.Add(2 * time.Hour)},
		{Hash: "a-old", UserID: "u1", Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)},
		{Hash: "b1", UserID: "u2", Created: now, Expires: now.Add(time.Hour)},
		{Hash: "b-old", UserID: "u2", Created: now.Add(-2 * time.Hour), Expires: now.Add(-time.Hour)},
	}
	for _, tok := range tokens {
		mustNoError(t, s.SaveToken(ctx, tok), "save token "+tok.Hash)
	}
	// One logged out already; deleting the user must not trip on it.
	mustNoError(t, s.DeleteToken(ctx, "a2"), "log out")
	mustNoError(t, s.SaveToken(ctx, engine.Token{Hash: "a3", UserID: "u1", Created: now, Expires: now.Add(time.Hour)}), "log in again")
	mustNoError(t, s.CreateSession(ctx, record("s1", "u1", "c1", "late-again", now, 1)), "alice's session")

	mustNoError(t, s.DeleteUser(ctx, "u1"), "delete alice")
	if _, err := s.UserByID(ctx, "u1"); code(err) != engine.ENOTFOUND {
		t.Errorf("UserByID of a deleted user: %v, want %s", err, engine.ENOTFOUND)
	}
	if _, err := s.UserByName(ctx, "alice"); code(err) != engine.ENOTFOUND {
		t.Errorf("UserByName of a deleted user: %v, want %s", err, engine.ENOTFOUND)
	}
	for _, h := range []string{"a1", "a2", "a3"} {
		if _, err := s.TokenByHash(ctx, h); code(err) != engine.ENOTFOUND {
			t.Errorf("a deleted user's token %s: %v, want %s", h, err, engine.ENOTFOUND)
		}
	}
	if tok, err := s.TokenByHash(ctx, "b1"); err != nil || tok.UserID != "u2" {
		t.Errorf("another user's token after the delete: %+v, %v", tok, err)
	}
	if all, err := s.Users(ctx, ""); err != nil || len(all) != 1 || all[0].ID != "u2" {
		t.Errorf("Users() after the delete = %+v, %v; want bea alone", all, err)
	}
	if c1, err := s.Users(ctx, "c1"); err != nil || len(c1) != 1 || c1[0].ID != "u2" {
		t.Errorf("Users(c1) after the delete = %+v, %v; want bea alone", c1, err)
	}
	// Sessions are the caller's to delete.
	if _, err := s.SessionByID(ctx, "s1"); err != nil {
		t.Errorf("DeleteUser took the user's session: %v", err)
	}
	// The deleted user's expired token went with them: the purge counts
	// only the other's.
	if n, err := s.DeleteExpiredTokens(ctx, now); err != nil || n != 1 {
		t.Errorf("DeleteExpiredTokens after the delete = %d, %v; want 1", n, err)
	}

	if err := s.DeleteUser(ctx, "u1"); code(err) != engine.ENOTFOUND {
		t.Errorf("deleting a user twice: %v, want %s", err, engine.ENOTFOUND)
	}
	if err := s.DeleteUser(ctx, "nobody"); code(err) != engine.ENOTFOUND {
		t.Errorf("deleting a missing user: %v, want %s", err, engine.ENOTFOUND)
	}

	s = reopen()
	if _, err := s.UserByName(ctx, "alice"); code(err) != engine.ENOTFOUND {
		t.Errorf("after reopening, UserByName of a deleted user: %v", err)
	}
	if _, err := s.TokenByHash(ctx, "a1"); code(err) != engine.ENOTFOUND {
		t.Errorf("after reopening, a deleted user's token: %v", err)
	}
	// The name is free again, for a new user; the old logins do not
	// become theirs.
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u3", Username: "alice", Role: engine.RoleTrainee}), "create alice again")
	if u, err := s.UserByName(ctx, "alice"); err != nil || u.ID != "u3" {
		t.Errorf("UserByName after the name was taken again: %+v, %v", u, err)
	}
	if _, err := s.TokenByHash(ctx, "a1"); code(err) != engine.ENOTFOUND {
		t.Errorf("an old login after the name was taken again: %v", err)
	}
	if tok, err := s.TokenByHash(ctx, "b1"); err != nil || tok.UserID != "u2" {
		t.Errorf("another user's token after reopening: %+v, %v", tok, err)
	}
}

func testReviews(t *testing.T, open Opener) {
	s, _ := open(t)
	mustNoError(t, s.CreateSession(ctx, record("s1", "u1", "", "late-again", time.Now(), 2)), "create")
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	mustNoError(t, s.AddReview(ctx, engine.Review{ID: "r2", SessionID: "s1", Reviewer: "sup", Turn: 2, Scores: map[string]int{grading.Validation: 2}, At: t0.Add(time.Minute)}), "review 2")
	mustNoError(t, s.AddReview(ctx, engine.Review{ID: "r1", SessionID: "s1", Reviewer: "sup", Turn: 2, Scores: map[string]int{grading.Validation: 3}, Comment: "good", At: t0}), "review 1")
	if err := s.AddReview(ctx, engine.Review{ID: "r3", SessionID: "missing", Turn: 2, At: t0}); code(err) != engine.ENOTFOUND {
		t.Errorf("review of a missing session: %v", err)
	}
	got, err := s.Reviews(ctx, "s1")
	mustNoError(t, err, "reviews")
	if len(got) != 2 || got[0].ID != "r1" || got[1].ID != "r2" || got[0].Comment != "good" || got[0].Scores[grading.Validation] != 3 {
		t.Errorf("Reviews = %+v, want r1 then r2", got)
	}
	none, err := s.Reviews(ctx, "s2")
	if err != nil || len(none) != 0 {
		t.Errorf("reviews of another session: %v, %v", none, err)
	}
}

func testScenarios(t *testing.T, open Opener) {
	s, _ := open(t)
	save := func(id string, v int) error {
		return s.SaveScenario(ctx, engine.ScenarioVersion{ID: id, Version: v, Source: []byte(fmt.Sprintf("id: %s\nversion: %d\n", id, v)), Author: "sup", Saved: time.Now()})
	}
	mustNoError(t, save("late-again", 1), "v1")
	mustNoError(t, save("late-again", 2), "v2")
	mustNoError(t, save("another", 1), "other")
	if err := save("late-again", 2); code(err) != engine.ECONFLICT {
		t.Errorf("saving version 2 twice: %v", err)
	}
	vs, err := s.ScenarioVersions(ctx, "late-again")
	mustNoError(t, err, "versions")
	if len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || string(vs[1].Source) != "id: late-again\nversion: 2\n" {
		t.Errorf("versions = %+v", vs)
	}
	latest, err := s.LatestScenarios(ctx)
	mustNoError(t, err, "latest")
	if len(latest) != 2 || latest[0].ID != "another" || latest[1].Version != 2 {
		t.Errorf("latest = %+v", latest)
	}
}

func testRubrics(t *testing.T, open Opener) {
	s, reopen := open(t)
	if vs, err := s.RubricVersions(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("a new store has rubric versions %v, %v", vs, err)
	}
	save := func(v int) error {
		return s.SaveRubric(ctx, engine.RubricVersion{Version: v, Source: []byte(fmt.Sprintf("version: %d\n", v)), Author: "sup", Saved: time.Now()})
	}
	// Saved out of order, listed in order; 10 after 9, not after 1.
	for _, v := range []int{2, 10, 9} {
		mustNoError(t, save(v), "save")
	}
	if err := save(9); code(err) != engine.ECONFLICT {
		t.Errorf("saving version 9 twice: %v", err)
	}
	s = reopen()
	vs, err := s.RubricVersions(ctx)
	mustNoError(t, err, "versions")
	if len(vs) != 3 || vs[0].Version != 2 || vs[1].Version != 9 || vs[2].Version != 10 || string(vs[2].Source) != "version: 10\n" || vs[2].Author != "sup" {
		t.Errorf("versions = %+v", vs)
	}
}

func testReopen(t *testing.T, open Opener) {
	s, reopen := open(t)
	mustNoError(t, s.CreateUser(ctx, engine.User{ID: "u1", Username: "alice", Role: engine.RoleAdmin}), "user")
	mustNoError(t, s.CreateSession(ctx, record("s1", "u1", "", "late-again", time.Now(), 3)), "session")
	rec, _ := s.SessionByID(ctx, "s1")
	rec.State.Turns = append(rec.State.Turns, engine.Turn{N: 4, Speaker: engine.Trainee, Text: "acknowledged"})
	_, err := s.SaveSession(ctx, rec)
	mustNoError(t, err, "save")

	s = reopen()
	got, err := s.SessionByID(ctx, "s1")
	if err != nil || len(got.State.Turns) != 4 || got.State.Turns[3].Text != "acknowledged" || got.Version != 2 {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
	if _, err := s.UserByName(ctx, "alice"); err != nil {
		t.Errorf("user after reopening: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	if err := s.Ping(cancelled()); err == nil {
		t.Errorf("ping with a cancelled context succeeded")
	}
}

func cancelled() context.Context {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	return c
}

// each lists the ids of the sessions EachSession passes for f, in order,
// separated by spaces.
func each(t *testing.T, s engine.Store, f engine.SessionFilter) string {
	t.Helper()
	var out []string
	err := s.EachSession(ctx, f, func(rec engine.SessionRecord) error {
		out = append(out, rec.State.ID)
		return nil
	})
	mustNoError(t, err, "each session")
	return strings.Join(out, " ")
}

// listed lists the ids of the sessions Sessions returns for f, as each
// does.
func listed(t *testing.T, s engine.Store, f engine.SessionFilter) string {
	t.Helper()
	got, err := s.Sessions(ctx, f)
	mustNoError(t, err, "list")
	out := make([]string, len(got))
	for i, r := range got {
		out[i] = r.State.ID
	}
	return strings.Join(out, " ")
}

// EachSession passes what Sessions returns, in the same order, whatever
// the filter: sessions started together (to the microsecond, and to the
// nanosecond) are ordered by start, then id.
func testEachSession(t *testing.T, open Opener) {
	s, _ := open(t)
	if got := each(t, s, engine.SessionFilter{}); got != "" {
		t.Errorf("EachSession on an empty store passed %q", got)
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	recs := []engine.SessionRecord{
		record("a", "u1", "c1", "late-again", at(0), 1),
		record("b", "u1", "c1", "late-again", at(1), 1),
		record("c", "u2", "c2", "late-again", at(2), 1),
		record("d", "u1", "c1", "too-quick-yes", at(3), 1),
		record("e", "u1", "c1", "too-quick-yes", at(4), 3),
		record("g", "u2", "c2", "too-quick-yes", at(2), 1),
		record("f", "u3", "c2", "late-again", at(2), 1),
		// Within c's microsecond, but later.
		record("h", "u3", "", "late-again", at(2).Add(500*time.Nanosecond), 1),
	}
	for i, u := range []float64{5, 1.5, 2, 6, 4, 1, 3, 7} {
		recs[i].State.Updated = at(u)
	}
	recs[4].State.Status, recs[4].State.Outcome = engine.Ended, engine.Repaired
	recs[6].State.Status, recs[6].State.Outcome = engine.Ended, engine.Abandoned
	recs[1].State.Status = engine.Paused
	for _, r := range recs {
		mustNoError(t, s.CreateSession(ctx, r), "create "+r.State.ID)
	}
	if got, want := each(t, s, engine.SessionFilter{}), "e d h c f g b a"; got != want {
		t.Errorf("EachSession() = %q, want %q", got, want)
	}
	cut := at(4.5)
	for _, f := range []engine.SessionFilter{
		{},
		{Trainee: "u1"},
		{Trainee: "u3"},
		{Cohort: "c2"},
		{Scenario: "late-again"},
		{Scenario: "too-quick-yes", Cohort: "c2"},
		{Status: engine.Active},
		{Status: engine.Paused},
		{Status: engine.Ended},
		{Status: engine.Repaired},
		{Status: engine.Abandoned, Cohort: "c2"},
		{UpdatedBefore: cut},
		{UpdatedBefore: at(2)},
		{UpdatedBefore: cut, Trainee: "u1"},
		{UpdatedBefore: cut, Status: engine.Active},
		{UpdatedBefore: t0},
		{Limit: 1},
		{Limit: 4},
		{Limit: 20},
		{Limit: 2, Cohort: "c2"},
		{Limit: 2, UpdatedBefore: cut},
		{Trainee: "nobody"},
	} {
		if got, want := each(t, s, f), listed(t, s, f); got != want {
			t.Errorf("EachSession(%+v) = %q; Sessions gives %q", f, got, want)
		}
	}
	// Whole records, as SessionByID gives them.
	err := s.EachSession(ctx, engine.SessionFilter{Status: engine.Repaired}, func(rec engine.SessionRecord) error {
		if rec.State.ID != "e" || len(rec.State.Turns) != 3 || rec.Trainee != "u1" || rec.Persona != "scripted" || rec.Version != 1 ||
			*rec.State.Turns[1].Overall != 60 {
			t.Errorf("EachSession passed %+v", rec)
		}
		return nil
	})
	mustNoError(t, err, "each repaired")

	// The engine never moves a start time, but a store must follow a
	// save that does: the session is passed once, in its new place.
	rec, err := s.SessionByID(ctx, "a")
	mustNoError(t, err, "read a")
	rec.State.Started = at(3.5)
	_, err = s.SaveSession(ctx, rec)
	mustNoError(t, err, "save a")
	for _, f := range []engine.SessionFilter{{}, {Trainee: "u1"}, {Cohort: "c1"}} {
		if got, want := each(t, s, f), listed(t, s, f); got != want {
			t.Errorf("after a's start moved, EachSession(%+v) = %q; Sessions gives %q", f, got, want)
		}
	}
	if got, want := each(t, s, engine.SessionFilter{}), "e a d h c f g b"; got != want {
		t.Errorf("after a's start moved, EachSession() = %q, want %q", got, want)
	}
}

// EachSession stops at fn's first error, and returns it.
func testEachSessionStops(t *testing.T, open Opener) {
	s, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 6 {
		mustNoError(t, s.CreateSession(ctx, record(fmt.Sprintf("s%d", i), "u1", "c1", "late-again", t0.Add(time.Duration(i)*time.Minute), 1)), "create")
	}
	errStop := errors.New("the download went away")
	calls := 0
	err := s.EachSession(ctx, engine.SessionFilter{}, func(engine.SessionRecord) error {
		if calls++; calls == 3 {
			return fmt.Errorf("write: %w", errStop)
		}
		return nil
	})
	if !errors.Is(err, errStop) || calls != 3 {
		t.Errorf("EachSession with fn failing at the third call: %d calls, %v; want 3 and fn's error", calls, err)
	}
	calls = 0
	err = s.EachSession(cancelled(), engine.SessionFilter{}, func(engine.SessionRecord) error {
		calls++
		return nil
	})
	if err == nil || calls != 0 {
		t.Errorf("EachSession with a cancelled context: %d calls, %v; want none and an error", calls, err)
	}
}

// manyChunks is more sessions than a store reads in one chunk.
const manyChunks = 250

// createMany creates n sessions a second apart from t0, in two cohorts,
// several at a time, and returns their ids, oldest first.
func createMany(t *testing.T, s engine.Store, t0 time.Time, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	const workers = 10
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				rec := record(fmt.Sprintf("m%03d", i), fmt.Sprintf("u%d", i%7), fmt.Sprintf("c%d", i%2), "late-again", t0.Add(time.Duration(i)*time.Second), 2)
				rec.State.Updated = rec.State.Started.Add(time.Duration(i%5) * time.Hour)
				if i%3 == 0 {
					rec.State.Status, rec.State.Outcome = engine.Ended, engine.Unrepaired
				}
				ids[i] = rec.State.ID
				if err := s.CreateSession(ctx, rec); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// More sessions than one chunk are all passed, once each, in order.
func testEachSessionMany(t *testing.T, open Opener) {
	s, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	createMany(t, s, t0, manyChunks)
	for _, f := range []engine.SessionFilter{
		{},
		{Cohort: "c1"},
		{Trainee: "u3"},
		{Status: engine.Ended},
		{UpdatedBefore: t0.Add(2 * time.Hour)},
		{Limit: 150},
		{Limit: 120, Cohort: "c0"},
		{Limit: 10, Status: engine.Active},
	} {
		got, want := each(t, s, f), listed(t, s, f)
		if got != want {
			t.Errorf("EachSession(%+v) = %q; Sessions gives %q", f, got, want)
		}
	}
	if n := len(strings.Fields(each(t, s, engine.SessionFilter{}))); n != manyChunks {
		t.Errorf("EachSession passed %d sessions, want %d", n, manyChunks)
	}

	// More sessions started in the same instant than fill a chunk, as an
	// import might leave: ordered by id, and none lost at a chunk's end.
	same := t0.Add(100*time.Second + 500*time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, manyChunks)
	for i := range manyChunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.CreateSession(ctx, record(fmt.Sprintf("same%03d", i), "u9", "c1", "late-again", same, 1)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, f := range []engine.SessionFilter{{}, {Cohort: "c1"}, {Trainee: "u9", Limit: 130}} {
		if got, want := each(t, s, f), listed(t, s, f); got != want {
			t.Errorf("with sessions started together, EachSession(%+v) = %q; Sessions gives %q", f, got, want)
		}
	}
	if n := len(strings.Fields(each(t, s, engine.SessionFilter{}))); n != 2*manyChunks {
		t.Errorf("EachSession passed %d sessions, want %d", n, 2*manyChunks)
	}
}

// Sessions created and deleted while EachSession runs do not break it:
// every other session is passed once, in order.
func testEachSessionWhileCreating(t *testing.T, open Opener) {
	s, _ := open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ids := createMany(t, s, t0, manyChunks)
	oldest := ids[0]
	seen := map[string]int{}
	var prev *engine.SessionRecord
	calls := 0
	err := s.EachSession(ctx, engine.SessionFilter{}, func(rec engine.SessionRecord) error {
		calls++
		seen[rec.State.ID]++
		if prev != nil {
			p, r := prev.State, rec.State
			if r.Started.After(p.Started) || (r.Started.Equal(p.Started) && r.ID < p.ID) {
				t.Errorf("%s (started %v) passed after %s (started %v)", r.ID, r.Started, p.ID, p.Started)
			}
		}
		prev = &rec
		switch calls {
		case 10:
			// Newer than all, older than all, and in the middle of
			// what is still to come.
			for i, start := range []time.Time{t0.Add(time.Hour), t0.Add(-time.Hour), t0.Add(30*time.Second + time.Millisecond)} {
				if err := s.CreateSession(ctx, record(fmt.Sprintf("new%d", i), "u1", "c1", "late-again", start, 1)); err != nil {
					return err
				}
			}
			if err := s.DeleteSession(ctx, oldest); err != nil {
				return err
			}
		case 120:
			if err := s.CreateSession(ctx, record("new3", "u1", "c1", "late-again", t0.Add(2*time.Hour), 1)); err != nil {
				return err
			}
		}
		return nil
	})
	mustNoError(t, err, "each while creating")
	for _, id := range ids[1:] {
		if seen[id] != 1 {
			t.Errorf("session %s passed %d times, want once", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("session %s passed %d times", id, n)
		}
	}
	if seen["new0"] > 0 || seen["new3"] > 0 {
		t.Errorf("sessions newer than the iteration's place were passed: %v", seen)
	}
}
