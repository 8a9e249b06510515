// Package boltstore is the embedded store: one bbolt file in a data folder,
// nothing to install. Writes of sessions go through bbolt's batching, so
// that many sessions' turns share one durable commit.
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/repairgym/repairgym/engine"
)

var _ engine.Store = (*Store)(nil)

var (
	bucketUsers     = []byte("users")
	bucketUsernames = []byte("usernames")
	bucketTokens    = []byte("tokens")
	bucketSessions  = []byte("sessions")
	// bucketHeads holds, for each session, the little that listing and
	// saving need, so that neither decodes whole transcripts.
	bucketHeads = []byte("session_heads")
	// bucketOrder lists the sessions in Sessions' order, newest first,
	// keyed by orderKey, so that EachSession can walk it a chunk at a
	// time and resume after the last key it saw.
	bucketOrder     = []byte("session_order")
	bucketReviews   = []byte("reviews")
	bucketScenarios = []byte("scenarios")
	bucketRubrics   = []byte("rubrics")
)

// Store is an engine.Store in a bbolt file.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// FileName is the store's file inside the data folder.
const FileName = "repairgym.db"

// Open opens (or creates) the store in dir. bbolt locks the file: a second
// process gets an error after a second rather than waiting for ever.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: time.Second,
		// The free list is rebuilt from the pages on open rather than
		// written at every commit, which keeps commits small; a hash map
		// keeps finding free pages fast as the file grows.
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		// Growing the file remaps it, which stalls every transaction;
		// start large and grow in big steps.
		InitialMmapSize: 256 << 20,
	})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: another repairgym is using it", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	// Turns from many sessions arriving together share a commit; a turn
	// waits at most this long for company.
	db.MaxBatchDelay = 2 * time.Millisecond
	db.AllocSize = 16 << 20
	err = db.Update(func(tx *bolt.Tx) error {
		newOrder := tx.Bucket(bucketOrder) == nil
		for _, b := range [][]byte{bucketUsers, bucketUsernames, bucketTokens, bucketSessions, bucketHeads, bucketOrder, bucketReviews, bucketScenarios, bucketRubrics} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := indexSessions(tx); err != nil {
			return err
		}
		return orderSessions(tx, newOrder)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Close closes the file; in-flight batches are committed first.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the file can be read.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions) == nil {
			return errors.New("store is not initialised")
		}
		return nil
	})
}

func notFound(what, id string) error {
	return engine.Errorf(engine.ENOTFOUND, "%s %q not found", what, id)
}

func get[T any](tx *bolt.Tx, bucket, key []byte) (T, bool, error) {
	var v T
	data := tx.Bucket(bucket).Get(key)
	if data == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, false, fmt.Errorf("decode %s %q: %w", bucket, key, err)
	}
	return v, true, nil
}

func put(tx *bolt.Tx, bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, data)
}

// storedUser keeps the password hash, which User hides from JSON.
type storedUser struct {
	engine.User
	PasswordHash []byte `json:"password_hash"`
}

func (u storedUser) user() engine.User {
	out := u.User
	out.PasswordHash = u.PasswordHash
	return out
}

func (s *Store) CreateUser(ctx context.Context, u engine.User) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUsers).Get([]byte(u.ID)) != nil {
			return engine.Errorf(engine.ECONFLICT, "user %q exists", u.ID)
		}
		if tx.Bucket(bucketUsernames).Get([]byte(u.Username)) != nil {
			return engine.Errorf(engine.ECONFLICT, "username %q is taken", u.Username)
		}
		if err := tx.Bucket(bucketUsernames).Put([]byte(u.Username), []byte(u.ID)); err != nil {
			return err
		}
		return put(tx, bucketUsers, []byte(u.ID), storedUser{User: u, PasswordHash: u.PasswordHash})
	})
}

func (s *Store) UserByID(ctx context.Context, id string) (engine.User, error) {
	var u storedUser
	err := s.db.View(func(tx *bolt.Tx) error {
		v, ok, err := get[storedUser](tx, bucketUsers, []byte(id))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("user", id)
		}
		u = v
		return nil
	})
	return u.user(), err
}

func (s *Store) UserByName(ctx context.Context, username string) (engine.User, error) {
	var u storedUser
	err := s.db.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketUsernames).Get([]byte(username))
		if id == nil {
			return notFound("user", username)
		}
		v, ok, err := get[storedUser](tx, bucketUsers, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("user", username)
		}
		u = v
		return nil
	})
	return u.user(), err
}

func (s *Store) Users(ctx context.Context, cohort string) ([]engine.User, error) {
	var out []engine.User
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUsers).ForEach(func(_, data []byte) error {
			var u storedUser
			if err := json.Unmarshal(data, &u); err != nil {
				return err
			}
			if cohort == "" || u.Cohort == cohort {
				out = append(out, u.user())
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, err
}

func (s *Store) SaveToken(ctx context.Context, t engine.Token) error {
	return s.db.Batch(func(tx *bolt.Tx) error {
		return put(tx, bucketTokens, []byte(t.Hash), t)
	})
}

func (s *Store) TokenByHash(ctx context.Context, hash string) (engine.Token, error) {
	var t engine.Token
	err := s.db.View(func(tx *bolt.Tx) error {
		v, ok, err := get[engine.Token](tx, bucketTokens, []byte(hash))
		if err != nil {
			return err
		}
		if !ok || !v.Expires.After(s.now()) {
			return engine.Errorf(engine.ENOTFOUND, "token not found")
		}
		t = v
		return nil
	})
	return t, err
}

func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).Delete([]byte(hash))
	})
}

func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTokens)
		var expired [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var t struct {
				Expires time.Time `json:"expires"`
			}
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode token: %w", err)
			}
			if !t.Expires.After(now) {
				expired = append(expired, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Keys are deleted after the walk: bbolt's cursor does not
		// survive deletes under it.
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	return n, err
}

// DeleteUser forgets a user, the username and the user's tokens in one
// transaction. Tokens are kept by hash alone, so finding the user's means
// reading them all; a program has a few thousand at most, and deletes are
// rare.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		u, ok, err := get[storedUser](tx, bucketUsers, []byte(id))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("user", id)
		}
		if err := tx.Bucket(bucketUsers).Delete([]byte(id)); err != nil {
			return fmt.Errorf("delete user %q: %w", id, err)
		}
		// The username is freed only if it is still this user's, so a
		// damaged index cannot make one user's delete take another's name.
		names := tx.Bucket(bucketUsernames)
		if bytes.Equal(names.Get([]byte(u.Username)), []byte(id)) {
			if err := names.Delete([]byte(u.Username)); err != nil {
				return fmt.Errorf("delete user %q: username: %w", id, err)
			}
		}
		tokens := tx.Bucket(bucketTokens)
		var theirs [][]byte
		err = tokens.ForEach(func(k, v []byte) error {
			var t struct {
				UserID string `json:"user_id"`
			}
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode token: %w", err)
			}
			if t.UserID == id {
				theirs = append(theirs, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("delete user %q: %w", id, err)
		}
		for _, k := range theirs {
			if err := tokens.Delete(k); err != nil {
				return fmt.Errorf("delete user %q: token: %w", id, err)
			}
		}
		return nil
	})
}

// sessionHead is a session's entry in bucketHeads.
type sessionHead struct {
	Trainee  string    `json:"t"`
	Cohort   string    `json:"c,omitempty"`
	Scenario string    `json:"s"`
	Status   string    `json:"st"`
	Outcome  string    `json:"o,omitempty"`
	Started  time.Time `json:"at"`
	// Updated is zero in a head written before heads kept it; the
	// session's next save fills it in.
	Updated time.Time `json:"u,omitzero"`
	Version int64     `json:"v"`
}

func headOf(rec engine.SessionRecord) sessionHead {
	return sessionHead{Trainee: rec.Trainee, Cohort: rec.Cohort, Scenario: rec.State.ScenarioID,
		Status: rec.State.Status, Outcome: rec.State.Outcome, Started: rec.State.Started, Updated: rec.State.Updated,
		Version: rec.Version}
}

// record is what a filter needs to see of a head.
func (h sessionHead) record() engine.SessionRecord {
	rec := engine.SessionRecord{Trainee: h.Trainee, Cohort: h.Cohort, Version: h.Version}
	rec.State.ScenarioID, rec.State.Status, rec.State.Outcome = h.Scenario, h.Status, h.Outcome
	rec.State.Started, rec.State.Updated = h.Started, h.Updated
	return rec
}

// indexSessions writes the heads of sessions that have none, as in a
// file written before heads were kept.
func indexSessions(tx *bolt.Tx) error {
	heads := tx.Bucket(bucketHeads)
	var missing []engine.SessionRecord
	err := tx.Bucket(bucketSessions).ForEach(func(k, data []byte) error {
		if heads.Get(k) != nil {
			return nil
		}
		var rec engine.SessionRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("decode session %q: %w", k, err)
		}
		missing = append(missing, rec)
		return nil
	})
	if err != nil {
		return err
	}
	for _, rec := range missing {
		if err := put(tx, bucketHeads, []byte(rec.State.ID), headOf(rec)); err != nil {
			return err
		}
	}
	return nil
}

// orderTimeLen is the length of the start time that begins an orderKey.
const orderTimeLen = 12

// orderKey is a session's key in bucketOrder: its start time, seconds and
// nanoseconds with every bit inverted so that later times sort first,
// then its id, so that sessions started together sort by id, as in
// Sessions.
func orderKey(started time.Time, id string) []byte {
	k := make([]byte, orderTimeLen+len(id))
	// Flipping the sign bit makes the seconds, negative ones included,
	// sort as unsigned big-endian numbers.
	binary.BigEndian.PutUint64(k, ^(uint64(started.Unix()) ^ 1<<63))
	binary.BigEndian.PutUint32(k[8:], ^uint32(started.Nanosecond()))
	copy(k[orderTimeLen:], id)
	return k
}

// orderSessions fills bucketOrder from the heads when the bucket is new,
// as in a file written before it was kept, or when it counts a different
// number of sessions than the heads, as after an older version wrote to
// the file. Counting walks the pages without decoding any record.
func orderSessions(tx *bolt.Tx, fresh bool) error {
	heads := tx.Bucket(bucketHeads)
	if !fresh && tx.Bucket(bucketOrder).Stats().KeyN == heads.Stats().KeyN {
		return nil
	}
	if !fresh {
		if err := tx.DeleteBucket(bucketOrder); err != nil {
			return fmt.Errorf("rebuild session order: %w", err)
		}
	}
	order, err := tx.CreateBucketIfNotExists(bucketOrder)
	if err != nil {
		return fmt.Errorf("rebuild session order: %w", err)
	}
	return heads.ForEach(func(k, data []byte) error {
		var h sessionHead
		if err := json.Unmarshal(data, &h); err != nil {
			return fmt.Errorf("decode session head %q: %w", k, err)
		}
		return order.Put(orderKey(h.Started, string(k)), []byte{})
	})
}

// putSession writes an encoded record and its head, and its entry in
// bucketOrder under started, removing the one under was if that differs;
// was is nil for a new session.
func putSession(tx *bolt.Tx, id []byte, data, head []byte, was *time.Time, started time.Time) error {
	if err := tx.Bucket(bucketSessions).Put(id, data); err != nil {
		return err
	}
	if err := tx.Bucket(bucketHeads).Put(id, head); err != nil {
		return err
	}
	order := tx.Bucket(bucketOrder)
	if was != nil {
		if was.Equal(started) {
			// The usual save: the entry is there already, and writing it
			// again would dirty a page of the index for nothing.
			return nil
		}
		if err := order.Delete(orderKey(*was, string(id))); err != nil {
			return err
		}
	}
	return order.Put(orderKey(started, string(id)), []byte{})
}

// encodeSession encodes a record and its head, outside any transaction:
// a batch holds the writer lock, and should only write.
func encodeSession(rec engine.SessionRecord) (data, head []byte, err error) {
	if data, err = json.Marshal(rec); err != nil {
		return nil, nil, fmt.Errorf("encode session %q: %w", rec.State.ID, err)
	}
	if head, err = json.Marshal(headOf(rec)); err != nil {
		return nil, nil, fmt.Errorf("encode session %q: %w", rec.State.ID, err)
	}
	return data, head, nil
}

func (s *Store) CreateSession(ctx context.Context, rec engine.SessionRecord) error {
	rec.Version = 1
	data, head, err := encodeSession(rec)
	if err != nil {
		return err
	}
	id := []byte(rec.State.ID)
	return s.db.Batch(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions).Get(id) != nil {
			return engine.Errorf(engine.ECONFLICT, "session %q exists", rec.State.ID)
		}
		return putSession(tx, id, data, head, nil, rec.State.Started)
	})
}

func (s *Store) SessionByID(ctx context.Context, id string) (engine.SessionRecord, error) {
	var rec engine.SessionRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		v, ok, err := get[engine.SessionRecord](tx, bucketSessions, []byte(id))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("session", id)
		}
		rec = v
		return nil
	})
	return rec, err
}

// SaveSession commits through Batch, which may run the function more than
// once; the version check makes a second run of a committed save fail
// rather than apply twice.
func (s *Store) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	expect := rec.Version
	rec.Version = expect + 1
	data, head, err := encodeSession(rec)
	if err != nil {
		return 0, err
	}
	id := []byte(rec.State.ID)
	err = s.db.Batch(func(tx *bolt.Tx) error {
		cur, ok, err := get[sessionHead](tx, bucketHeads, id)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("session", rec.State.ID)
		}
		if cur.Version != expect {
			return engine.Errorf(engine.ECONFLICT, "session %q changed since it was read (version %d, not %d)", rec.State.ID, cur.Version, expect)
		}
		return putSession(tx, id, data, head, &cur.Started, rec.State.Started)
	})
	if err != nil {
		return 0, err
	}
	return rec.Version, nil
}

func (s *Store) Sessions(ctx context.Context, f engine.SessionFilter) ([]engine.SessionRecord, error) {
	var out []engine.SessionRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		// Filter and order on the heads; decode only the transcripts
		// that are returned.
		type match struct {
			id      string
			started time.Time
		}
		var matches []match
		err := tx.Bucket(bucketHeads).ForEach(func(k, data []byte) error {
			var h sessionHead
			if err := json.Unmarshal(data, &h); err != nil {
				return fmt.Errorf("decode session head %q: %w", k, err)
			}
			rec := h.record()
			if !f.UpdatedBefore.IsZero() && h.Updated.IsZero() {
				// A head from before heads kept the update time: a
				// zero time would pass for "long ago", and retention
				// would delete a session in use. Ask the record.
				full, ok, err := get[engine.SessionRecord](tx, bucketSessions, k)
				if err != nil {
					return err
				}
				if !ok {
					return nil
				}
				rec = full
			}
			if f.Matches(rec) {
				matches = append(matches, match{string(k), h.Started})
			}
			return nil
		})
		if err != nil {
			return err
		}
		sort.Slice(matches, func(i, j int) bool {
			if !matches[i].started.Equal(matches[j].started) {
				return matches[i].started.After(matches[j].started)
			}
			return matches[i].id < matches[j].id
		})
		if f.Limit > 0 && len(matches) > f.Limit {
			matches = matches[:f.Limit]
		}
		out = make([]engine.SessionRecord, 0, len(matches))
		for _, m := range matches {
			rec, ok, err := get[engine.SessionRecord](tx, bucketSessions, []byte(m.id))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, rec)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachChunk is how many sessions EachSession reads in one transaction,
// and eachScan how many entries of the order it looks at in one at most:
// a filter that passes few sessions must not hold a read transaction, and
// with it the growth of the file, across the whole index.
const (
	eachChunk = 100
	eachScan  = 2000
)

// EachSession walks bucketOrder a chunk at a time, each chunk in a read
// transaction of its own that ends before fn is called, resuming after the
// last key the chunk looked at.
func (s *Store) EachSession(ctx context.Context, f engine.SessionFilter, fn func(engine.SessionRecord) error) error {
	var after []byte
	passed := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := eachChunk
		if f.Limit > 0 {
			want = min(want, f.Limit-passed)
		}
		chunk, last, err := s.sessionChunk(f, after, want)
		if err != nil {
			return err
		}
		for _, rec := range chunk {
			if err := fn(rec); err != nil {
				return err
			}
			passed++
		}
		if last == nil || (f.Limit > 0 && passed >= f.Limit) {
			return nil
		}
		after = last
	}
}

// sessionChunk reads, in one transaction, up to want sessions matching f
// that follow the key after in bucketOrder (from the first when after is
// nil), looking at eachScan keys at most. It returns them and the last
// key it looked at, or nil when it reached the end of the order.
func (s *Store) sessionChunk(f engine.SessionFilter, after []byte, want int) ([]engine.SessionRecord, []byte, error) {
	var out []engine.SessionRecord
	var last []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOrder).Cursor()
		k, _ := c.First()
		if after != nil {
			// A session deleted since may have taken the key away:
			// Seek lands on the next one then.
			if k, _ = c.Seek(after); bytes.Equal(k, after) {
				k, _ = c.Next()
			}
		}
		for scanned := 0; k != nil; k, _ = c.Next() {
			if scanned == eachScan || len(out) == want {
				return nil
			}
			scanned++
			// bbolt's keys are valid only during the transaction.
			last = bytes.Clone(k)
			rec, ok, err := matchSession(tx, k, f)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, rec)
			}
		}
		last = nil
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, last, nil
}

// matchSession returns the session of an order key if it matches f.
func matchSession(tx *bolt.Tx, key []byte, f engine.SessionFilter) (engine.SessionRecord, bool, error) {
	id := key[orderTimeLen:]
	h, ok, err := get[sessionHead](tx, bucketHeads, id)
	if err != nil || !ok {
		return engine.SessionRecord{}, false, err
	}
	if !bytes.Equal(key[:orderTimeLen], orderKey(h.Started, "")) {
		// Left behind by a start time that changed: the session is
		// listed under its new one.
		return engine.SessionRecord{}, false, nil
	}
	var full engine.SessionRecord
	decoded := false
	rec := h.record()
	if !f.UpdatedBefore.IsZero() && h.Updated.IsZero() {
		// As in Sessions: a head from before heads kept the update
		// time must not pass for one updated long ago.
		if full, ok, err = get[engine.SessionRecord](tx, bucketSessions, id); err != nil || !ok {
			return engine.SessionRecord{}, false, err
		}
		rec, decoded = full, true
	}
	if !f.Matches(rec) {
		return engine.SessionRecord{}, false, nil
	}
	if !decoded {
		if full, ok, err = get[engine.SessionRecord](tx, bucketSessions, id); err != nil || !ok {
			return engine.SessionRecord{}, false, err
		}
	}
	return full, true, nil
}

// DeleteSession forgets a session, its head and its reviews in one
// transaction, so that no listing can see a part of it.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := []byte(id)
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions).Get(key) == nil {
			return notFound("session", id)
		}
		h, ok, err := get[sessionHead](tx, bucketHeads, key)
		if err != nil {
			return fmt.Errorf("delete session %q: %w", id, err)
		}
		if ok {
			if err := tx.Bucket(bucketOrder).Delete(orderKey(h.Started, id)); err != nil {
				return fmt.Errorf("delete session %q: %w", id, err)
			}
		}
		if err := tx.Bucket(bucketSessions).Delete(key); err != nil {
			return fmt.Errorf("delete session %q: %w", id, err)
		}
		if err := tx.Bucket(bucketHeads).Delete(key); err != nil {
			return fmt.Errorf("delete session %q: %w", id, err)
		}
		reviews := tx.Bucket(bucketReviews)
		prefix := reviewPrefix(id)
		var keys [][]byte
		c := reviews.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			// bbolt's keys are valid only during the transaction, and
			// the cursor does not survive deletes under it: copy, then
			// delete after the walk.
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := reviews.Delete(k); err != nil {
				return fmt.Errorf("delete session %q: review: %w", id, err)
			}
		}
		return nil
	})
}

// reviewPrefix starts the keys of one session's reviews.
func reviewPrefix(sessionID string) []byte { return []byte(sessionID + "\x00") }

func reviewKey(sessionID string, at time.Time, id string) []byte {
	return []byte(fmt.Sprintf("%s\x00%020d\x00%s", sessionID, at.UnixNano(), id))
}

func (s *Store) AddReview(ctx context.Context, r engine.Review) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions).Get([]byte(r.SessionID)) == nil {
			return notFound("session", r.SessionID)
		}
		return put(tx, bucketReviews, reviewKey(r.SessionID, r.At, r.ID), r)
	})
}

func (s *Store) Reviews(ctx context.Context, sessionID string) ([]engine.Review, error) {
	var out []engine.Review
	prefix := reviewPrefix(sessionID)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketReviews).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r engine.Review
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

func scenarioKey(id string, version int) []byte {
	return []byte(fmt.Sprintf("%s\x00%010d", id, version))
}

func (s *Store) SaveScenario(ctx context.Context, v engine.ScenarioVersion) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		key := scenarioKey(v.ID, v.Version)
		if tx.Bucket(bucketScenarios).Get(key) != nil {
			return engine.Errorf(engine.ECONFLICT, "scenario %q version %d exists", v.ID, v.Version)
		}
		return put(tx, bucketScenarios, key, v)
	})
}

func (s *Store) ScenarioVersions(ctx context.Context, id string) ([]engine.ScenarioVersion, error) {
	var out []engine.ScenarioVersion
	prefix := []byte(id + "\x00")
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketScenarios).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sv engine.ScenarioVersion
			if err := json.Unmarshal(v, &sv); err != nil {
				return err
			}
			out = append(out, sv)
		}
		return nil
	})
	return out, err
}

func (s *Store) LatestScenarios(ctx context.Context) ([]engine.ScenarioVersion, error) {
	latest := map[string]engine.ScenarioVersion{}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketScenarios).ForEach(func(_, data []byte) error {
			var sv engine.ScenarioVersion
			if err := json.Unmarshal(data, &sv); err != nil {
				return err
			}
			if cur, ok := latest[sv.ID]; !ok || sv.Version > cur.Version {
				latest[sv.ID] = sv
			}
			return nil
		})
	})
	out := make([]engine.ScenarioVersion, 0, len(latest))
	for _, sv := range latest {
		out = append(out, sv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

func rubricKey(version int) []byte {
	return []byte(fmt.Sprintf("%010d", version))
}

func (s *Store) SaveRubric(ctx context.Context, v engine.RubricVersion) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		key := rubricKey(v.Version)
		if tx.Bucket(bucketRubrics).Get(key) != nil {
			return engine.Errorf(engine.ECONFLICT, "rubric version %d exists", v.Version)
		}
		return put(tx, bucketRubrics, key, v)
	})
}

func (s *Store) RubricVersions(ctx context.Context) ([]engine.RubricVersion, error) {
	var out []engine.RubricVersion
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRubrics).ForEach(func(_, data []byte) error {
			var rv engine.RubricVersion
			if err := json.Unmarshal(data, &rv); err != nil {
				return err
			}
			out = append(out, rv)
			return nil
		})
	})
	return out, err
}
