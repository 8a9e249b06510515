package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/redisstore/redistest"
	"github.com/repairgym/repairgym/engine/storetest"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

var prefixes atomic.Int64

// freshPrefix gives each test its own keys, so that the tests can share
// one server.
func freshPrefix() string {
	return fmt.Sprintf("test%d:", prefixes.Add(1))
}

// mustOpen opens a store on srv with the prefix, closed at the test's end.
func mustOpen(tb testing.TB, url, prefix string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), url, Options{Prefix: prefix})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T) (engine.Store, func() engine.Store) {
		prefix := freshPrefix()
		s := mustOpen(t, srv.URL(), prefix)
		return s, func() engine.Store {
			s.Close()
			return mustOpen(t, srv.URL(), prefix)
		}
	})
}

func session(id string, started time.Time) engine.SessionRecord {
	return engine.SessionRecord{Trainee: "u1", Cohort: "c1", Persona: "scripted",
		State: engine.State{ID: id, ScenarioID: "late-again", ScenarioVersion: 1, Mode: engine.Practice,
			Status: engine.Active, Started: started,
			Turns: []engine.Turn{{N: 1, Speaker: engine.Client, Text: "You're late again."}}}}
}

// Two saves at the same version, released together, many times over:
// exactly one wins each round, the other gets ECONFLICT, and the stored
// record is the winner's.
func TestConcurrentSaveOneWins(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	ctx := context.Background()
	if err := s.CreateSession(ctx, session("s1", time.Now())); err != nil {
		t.Fatal(err)
	}
	for round := range 50 {
		base, err := s.SessionByID(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		var versions [2]int64
		var errs [2]error
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec := base
				rec.State.Turns = append(append([]engine.Turn(nil), base.State.Turns...),
					engine.Turn{N: len(base.State.Turns) + 1, Speaker: engine.Trainee, Text: fmt.Sprintf("round %d writer %d", round, w)})
				<-start
				versions[w], errs[w] = s.SaveSession(ctx, rec)
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: both writers saved on version %d", round, base.Version)
			case err == nil:
				winner = w
			case engine.ErrorCode(err) != engine.ECONFLICT:
				t.Fatalf("round %d writer %d: %v, want %s", round, w, err, engine.ECONFLICT)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer won", round)
		}
		if versions[winner] != base.Version+1 {
			t.Fatalf("round %d: new version %d, want %d", round, versions[winner], base.Version+1)
		}
		got, _ := s.SessionByID(ctx, "s1")
		if last := got.State.Turns[len(got.State.Turns)-1].Text; last != fmt.Sprintf("round %d writer %d", round, winner) {
			t.Fatalf("round %d: stored %q, but writer %d won", round, last, winner)
		}
	}
}

// hashTag is the part of a key Redis Cluster hashes: between the first
// "{" and the next "}", when that is not empty.
func hashTag(key string) string {
	open := strings.Index(key, "{")
	if open < 0 {
		return key
	}
	end := strings.Index(key[open+1:], "}")
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// A session's keys share a hash tag, so that its scripts run in one
// Cluster slot; so do the users', the tokens' and the scenarios'.
func TestKeysShareHashTags(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	s := mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	for _, id := range []string{"s1", "odd}id{x"} {
		if err := s.CreateSession(ctx, session(id, time.Now())); err != nil {
			t.Fatal(err)
		}
		if err := s.AddReview(ctx, engine.Review{ID: "r1", SessionID: id, Turn: 1, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateUser(ctx, engine.User{ID: "u1", Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveToken(ctx, engine.Token{Hash: "h1", UserID: "u1", Expires: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveScenario(ctx, engine.ScenarioVersion{ID: "late-again", Version: 1}); err != nil {
		t.Fatal(err)
	}

	var keys []string
	iter := s.rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	tags := map[string][]string{}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			t.Errorf("key %q lacks the prefix %q", k, prefix)
		}
		tags[hashTag(k)] = append(tags[hashTag(k)], strings.TrimPrefix(k, prefix))
	}
	for tag, want := range map[string]int{
		"sess:s1": 3, "sess:odd": 3, // head, record, reviews
		"users": 2, "tokens": 4, "scenarios": 2, // tokens: t:h1, expiry, owner, user:u1
	} {
		if len(tags[tag]) != want {
			t.Errorf("hash tag {%s} has keys %q, want %d", tag, tags[tag], want)
		}
	}
	if t.Failed() {
		t.Logf("all keys: %q", keys)
	}
}

// With Redis gone, every method returns an error, quickly, and none
// panics or passes for "not found" or "conflict".
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	// No retries: the test is about the answer, not the patience.
	s := mustOpen(t, srv.URL()+"?max_retries=-1&dial_timeout=1s", freshPrefix())
	ctx := context.Background()
	if err := s.CreateSession(ctx, session("s1", time.Now())); err != nil {
		t.Fatal(err)
	}
	srv.Stop()

	calls := map[string]func(context.Context) error{
		"Ping":       s.Ping,
		"CreateUser": func(ctx context.Context) error { return s.CreateUser(ctx, engine.User{ID: "u1", Username: "a"}) },
		"UserByID":   func(ctx context.Context) error { _, err := s.UserByID(ctx, "u1"); return err },
		"UserByName": func(ctx context.Context) error { _, err := s.UserByName(ctx, "a"); return err },
		"Users":      func(ctx context.Context) error { _, err := s.Users(ctx, ""); return err },
		"SaveToken": func(ctx context.Context) error {
			return s.SaveToken(ctx, engine.Token{Hash: "h", Expires: time.Now().Add(time.Hour)})
		},
		"TokenByHash":         func(ctx context.Context) error { _, err := s.TokenByHash(ctx, "h"); return err },
		"DeleteToken":         func(ctx context.Context) error { return s.DeleteToken(ctx, "h") },
		"DeleteExpiredTokens": func(ctx context.Context) error { _, err := s.DeleteExpiredTokens(ctx, time.Now()); return err },
		"DeleteUser":          func(ctx context.Context) error { return s.DeleteUser(ctx, "u1") },
		"DeleteSession":       func(ctx context.Context) error { return s.DeleteSession(ctx, "s1") },
		"CreateSession":       func(ctx context.Context) error { return s.CreateSession(ctx, session("s2", time.Now())) },
		"SessionByID":         func(ctx context.Context) error { _, err := s.SessionByID(ctx, "s1"); return err },
		"SaveSession": func(ctx context.Context) error {
			rec := session("s1", time.Now())
			rec.Version = 1
			_, err := s.SaveSession(ctx, rec)
			return err
		},
		"Sessions":  func(ctx context.Context) error { _, err := s.Sessions(ctx, engine.SessionFilter{Limit: 3}); return err },
		"AddReview": func(ctx context.Context) error { return s.AddReview(ctx, engine.Review{ID: "r", SessionID: "s1"}) },
		"Reviews":   func(ctx context.Context) error { _, err := s.Reviews(ctx, "s1"); return err },
		"SaveScenario": func(ctx context.Context) error {
			return s.SaveScenario(ctx, engine.ScenarioVersion{ID: "x", Version: 1})
		},
		"ScenarioVersions": func(ctx context.Context) error { _, err := s.ScenarioVersions(ctx, "x"); return err },
		"LatestScenarios":  func(ctx context.Context) error { _, err := s.LatestScenarios(ctx); return err },
		"SaveRubric":       func(ctx context.Context) error { return s.SaveRubric(ctx, engine.RubricVersion{Version: 1}) },
		"RubricVersions":   func(ctx context.Context) error { _, err := s.RubricVersions(ctx); return err },
	}
	t.Run("calls", func(t *testing.T) {
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				began := time.Now()
				err := call(ctx)
				if err == nil {
					t.Fatal("succeeded with Redis down")
				}
				if code := engine.ErrorCode(err); code != engine.EINTERNAL {
					t.Errorf("error %v has code %s; a store that cannot be reached is not %s", err, code, code)
				}
				if d := time.Since(began); d > 5*time.Second {
					t.Errorf("took %v to fail", d)
				}
			})
		}
	})
	if _, err := Open(ctx, srv.URL()+"?max_retries=-1", Options{}); err == nil {
		t.Error("Open succeeded with Redis down")
	}
}

// Listing with a Limit reads the index in chunks and stops early; the
// answer is the same as sorting everything, ties on the start time
// included.
func TestSessionsLimitAcrossChunks(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const n = 2*eachChunk + 10
	for i := range n {
		// Groups of three start together, and two sessions a nanosecond
		// apart share an index score.
		started := t0.Add(time.Duration(i/3) * time.Second)
		if i%3 == 2 {
			started = started.Add(time.Nanosecond)
		}
		rec := session(fmt.Sprintf("s%04d", i), started)
		if i%2 == 1 {
			rec.State.Status = engine.Ended
		}
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Sessions(ctx, engine.SessionFilter{})
	if err != nil || len(all) != n {
		t.Fatalf("all sessions: %d, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.State.Started.Before(b.State.Started) || (a.State.Started.Equal(b.State.Started) && a.State.ID > b.State.ID) {
			t.Fatalf("out of order: %s (%v) before %s (%v)", a.State.ID, a.State.Started, b.State.ID, b.State.Started)
		}
	}
	for _, f := range []engine.SessionFilter{
		{Limit: 1}, {Limit: 5}, {Limit: eachChunk + 1}, {Limit: n + 5},
		{Status: engine.Ended, Limit: 7}, {Status: engine.Ended, Limit: eachChunk}, {Trainee: "u1", Status: engine.Active, Limit: 4},
	} {
		got, err := s.Sessions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, r := range all {
			if f.Matches(r) && len(want) < f.Limit {
				want = append(want, r.State.ID)
			}
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.State.ID)
		}
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Errorf("Sessions(%+v) = %v, want %v", f, ids, want)
		}
	}
}

// A save that changes a field the indexes are kept by moves the session's
// entries.
func TestSaveMovesIndexEntries(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	ctx := context.Background()
	rec := session("s1", time.Now())
	if err := s.CreateSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Version, rec.Cohort = 1, "c2"
	if _, err := s.SaveSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Sessions(ctx, engine.SessionFilter{Cohort: "c1"}); len(got) != 0 {
		t.Errorf("still listed in the old cohort: %d", len(got))
	}
	if got, _ := s.Sessions(ctx, engine.SessionFilter{Cohort: "c2"}); len(got) != 1 {
		t.Errorf("listed %d times in the new cohort, want 1", len(got))
	}
}

// allKeys lists the keys under a prefix, without it.
func allKeys(t *testing.T, s *Store, prefix string) []string {
	t.Helper()
	var keys []string
	iter := s.rdb.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, strings.TrimPrefix(iter.Val(), prefix))
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}

// Deleting what was created leaves no key behind: no index entry, owner
// or set that would keep a deleted user's or session's trace, or grow.
func TestDeletesLeaveNoKeys(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	s := mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	now := time.Now()
	for _, u := range []engine.User{{ID: "u1", Username: "alice", Cohort: "c1"}, {ID: "u2", Username: "bea"}} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []engine.Token{
		{Hash: "a1", UserID: "u1", Expires: now.Add(time.Hour)},
		{Hash: "a-old", UserID: "u1", Expires: now.Add(-time.Hour)},
		{Hash: "b1", UserID: "u2", Expires: now.Add(time.Hour)},
		{Hash: "b-old", UserID: "u2", Expires: now.Add(-time.Hour)},
	} {
		if err := s.SaveToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, session("s1", now)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddReview(ctx, engine.Review{ID: "r1", SessionID: "s1", Turn: 1, At: now}); err != nil {
		t.Fatal(err)
	}
	// Each way a token goes: logged out, purged, with its user.
	if err := s.DeleteToken(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteExpiredTokens(ctx, now); err != nil || n != 2 {
		t.Fatalf("DeleteExpiredTokens = %d, %v; want 2", n, err)
	}
	if err := s.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "u2"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if keys := allKeys(t, s, prefix); len(keys) != 0 {
		t.Errorf("keys left after deleting everything: %q", keys)
	}
}

// Tokens saved before owners and users' sets were kept are found by
// DeleteUser all the same.
func TestDeleteUserFindsOlderTokens(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	s := mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	now := time.Now()
	if err := s.CreateUser(ctx, engine.User{ID: "u1", Username: "alice"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []engine.Token{
		{Hash: "old1", UserID: "u1", Expires: now.Add(time.Hour)},
		{Hash: "old2", UserID: "u2", Expires: now.Add(time.Hour)},
		{Hash: "new1", UserID: "u1", Expires: now.Add(time.Hour)},
	} {
		if err := s.SaveToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	// Make old1 and old2 look as an older version left them.
	if err := s.rdb.HDel(ctx, s.tokenOwnersKey(), "old1", "old2").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.SRem(ctx, s.userTokensKey("u1"), "old1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.Del(ctx, s.userTokensKey("u2")).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"old1", "new1"} {
		if _, err := s.TokenByHash(ctx, h); engine.ErrorCode(err) != engine.ENOTFOUND {
			t.Errorf("token %s of a deleted user: %v, want %s", h, err, engine.ENOTFOUND)
		}
	}
	if _, err := s.TokenByHash(ctx, "old2"); err != nil {
		t.Errorf("another user's older token: %v", err)
	}
	if n, _ := s.rdb.ZCard(ctx, s.tokenExpiryKey()).Result(); n != 1 {
		t.Errorf("expiry index holds %d tokens, want 1 (old2)", n)
	}
}

// A head written before heads kept the update time is not taken for one
// updated long ago: the filter asks the record.
func TestUpdatedBeforeOnOlderHeads(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, id := range []string{"old", "recent"} {
		rec := session(id, t0.Add(time.Duration(i)*time.Hour))
		rec.State.Updated = t0.Add(time.Duration(i) * 24 * time.Hour)
		if err := s.CreateSession(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.rdb.HDel(ctx, s.sessionKey(id, "head"), "u").Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Sessions(ctx, engine.SessionFilter{UpdatedBefore: t0.Add(time.Hour)})
	if err != nil || len(got) != 1 || got[0].State.ID != "old" {
		t.Fatalf("Sessions(updated before) on older heads = %+v, %v; want old alone", got, err)
	}
	if got, _ := s.Sessions(ctx, engine.SessionFilter{}); len(got) != 2 {
		t.Errorf("Sessions() on older heads = %d, want 2", len(got))
	}
}

// A session's delete takes its index entries whatever the save moved them
// to.
func TestDeleteSessionAfterReindex(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	s := mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	rec := session("s1", time.Now())
	if err := s.CreateSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
	rec.Version, rec.Cohort, rec.Trainee = 1, "c2", "u2"
	if _, err := s.SaveSession(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if keys := allKeys(t, s, prefix); len(keys) != 0 {
		t.Errorf("keys left after the delete: %q", keys)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ url, prefix, want string }{
		{"redis://localhost", "a{b}:", "braces"},
		{"http://localhost", "", "unknown scheme"},
		{"localhost:6379", "", "no scheme"},
		{"redis-sentinel://h1,h2", "", "no master name"},
		{"redis-cluster://h1,h2/3", "", "only database 0"},
		{"redis://localhost/1?no_such_option=1", "", "unexpected option"},
	} {
		_, err := Open(ctx, tt.url, Options{Prefix: tt.prefix})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q, %q) = %v, want an error with %q", tt.url, tt.prefix, err, tt.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want string // kind addrs db user password [master sentinel-password] [tls]
	}{
		{"redis://localhost", "simple [localhost:6379] 0 : "},
		{"redis://u:p@10.0.0.1:6380/2", "simple [10.0.0.1:6380] 2 u:p "},
		{"rediss://:secret@cache.example.com", "simple [cache.example.com:6379] 0 :secret tls"},
		{"redis-sentinel://s1,s2:5000,[::1]/mymaster", "failover [s1:26379 s2:5000 [::1]:26379] 0 : mymaster "},
		{"redis-sentinel://u:p@s1/mymaster/3?sentinel_password=sp", "failover [s1:26379] 3 u:p mymaster sp "},
		{"redis+sentinel://s1?master_name=m&db=1", "failover [s1:26379] 1 : m "},
		{"rediss-sentinel://s1/m", "failover [s1:26379] 0 : m  tls"},
		{"redis-cluster://n1,n2:7001,n3:7002?dial_timeout=2s", "cluster [n1:6379 n2:7001 n3:7002] 0 : "},
		{"rediss-cluster://u:p@n1:7000", "cluster [n1:7000] 0 u:p tls"},
	}
	for _, tt := range tests {
		cfg, err := parseURL(tt.url)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tt.url, err)
			continue
		}
		var got string
		switch {
		case cfg.simple != nil:
			o := cfg.simple
			got = fmt.Sprintf("simple [%s] %d %s:%s %s", o.Addr, o.DB, o.Username, o.Password, tlsWord(o.TLSConfig != nil))
			if !o.ContextTimeoutEnabled {
				t.Errorf("%q: context timeouts off", tt.url)
			}
		case cfg.failover != nil:
			o := cfg.failover
			got = fmt.Sprintf("failover %v %d %s:%s %s %s %s", o.SentinelAddrs, o.DB, o.Username, o.Password, o.MasterName, o.SentinelPassword, tlsWord(o.TLSConfig != nil))
			if !o.ContextTimeoutEnabled {
				t.Errorf("%q: context timeouts off", tt.url)
			}
		case cfg.cluster != nil:
			o := cfg.cluster
			got = fmt.Sprintf("cluster %v 0 %s:%s %s", o.Addrs, o.Username, o.Password, tlsWord(o.TLSConfig != nil))
			if !o.ContextTimeoutEnabled {
				t.Errorf("%q: context timeouts off", tt.url)
			}
		}
		if strings.TrimSpace(got) != strings.TrimSpace(tt.want) {
			t.Errorf("parseURL(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func tlsWord(on bool) string {
	if on {
		return "tls"
	}
	return ""
}

func TestRedactHidesPasswords(t *testing.T) {
	for _, raw := range []string{
		"redis://u:hunter2@h/0",
		"redis-sentinel://u:hunter2@h1,h2/m?sentinel_password=hunter2",
		"redis://h?password=hunter2&db=1",
	} {
		if got := redact(raw); strings.Contains(got, "hunter2") {
			t.Errorf("redact(%q) = %q", raw, got)
		}
	}
	if _, err := parseURL("ftp://u:hunter2@h"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error names the password: %v", err)
	}
}

// roundTrips counts the commands and pipelines a client sends: each is
// one round trip to Redis.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		r.n.Add(1)
		return next(ctx, cmds)
	}
}

// A turn costs Redis at most two round trips (the aim), measured through
// the engine as a server drives it: the session is in memory under its
// lease, and saving the answered turn is one script. (The web server adds
// one PUBLISH to tell observers: two in all.)
func TestTurnRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	s := mustOpen(t, srv.URL(), freshPrefix())
	set, err := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	if err != nil {
		t.Fatal(err)
	}
	gym := engine.NewGym(engine.GymConfig{Store: s, Catalog: scenarios.NewCatalog(set.Scenarios...), Grader: grading.NewLexicon(grading.DefaultRubric()), Leases: s})
	ctx := context.Background()
	rec, err := gym.Start(ctx, engine.User{ID: "u1", Role: engine.RoleTrainee, Cohort: "c1"}, "late-again", "scripted", engine.Practice)
	if err != nil {
		t.Fatal(err)
	}
	// As the trainee's socket does: the server holds the session and its
	// lease, renewed in the background, not turn by turn.
	if err := gym.Hold(ctx, rec.State.ID); err != nil {
		t.Fatal(err)
	}
	defer gym.Let(ctx, rec.State.ID)
	counter := &roundTrips{}
	s.rdb.AddHook(counter)
	// A first save may load the script into Redis (EVAL after a NOSCRIPT
	// EVALSHA); count the turns after it.
	if _, _, err := gym.Respond(ctx, rec.State.ID, 1, "I was late, and that's on me.", nil); err != nil {
		t.Fatal(err)
	}
	counter.n.Store(0)
	if _, _, err := gym.Respond(ctx, rec.State.ID, 3, "It makes sense you're fed up with me. What's that like?", nil); err != nil {
		t.Fatal(err)
	}
	if n := counter.n.Load(); n != 1 {
		t.Errorf("a turn took %d round trips to Redis, want 1: the save", n)
	}
	t.Logf("round trips for one turn: %d", counter.n.Load())
}

// afterFirstPage runs once, after the first page of an index is read.
type afterFirstPage struct {
	once sync.Once
	do   func()
}

func (h *afterFirstPage) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *afterFirstPage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if name := cmd.Name(); name == "zrevrangebyscore" || name == "zrevrange" {
			h.once.Do(h.do)
		}
		return err
	}
}

func (h *afterFirstPage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A session started while a listing pages through the index neither
// makes it pass another session twice nor miss one.
func TestSessionsWhileSessionsStart(t *testing.T) {
	srv := redistest.Start(t)
	prefix := freshPrefix()
	s, other := mustOpen(t, srv.URL(), prefix), mustOpen(t, srv.URL(), prefix)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const n = eachChunk + 20
	for i := range n {
		if err := s.CreateSession(ctx, session(fmt.Sprintf("s%04d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	s.rdb.AddHook(&afterFirstPage{do: func() {
		if err := other.CreateSession(ctx, session("newest", t0.Add(time.Hour))); err != nil {
			t.Error(err)
		}
	}})
	got, err := s.Sessions(ctx, engine.SessionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.State.ID] {
			t.Fatalf("%s listed twice", r.State.ID)
		}
		seen[r.State.ID] = true
	}
	for i := range n {
		if id := fmt.Sprintf("s%04d", i); !seen[id] {
			t.Errorf("%s missing", id)
		}
	}
}
