// Package redisstore is the engine.Store in Redis, for running several
// repairgym servers on one set of data: a single Redis, one behind
// Sentinel, or a Redis Cluster.
//
// Key layout, each key after Options.Prefix ("repairgym:" by default):
//
//	{users}:id                hash  user id → user JSON (with password hash)
//	{users}:name              hash  username → user id
//	{tokens}:t:<hash>         string token JSON, expiring at the token's expiry
//	{tokens}:expiry           zset  token hash, scored by expiry (unix µs)
//	{tokens}:owner            hash  token hash → user id, which outlives the
//	                                 token's own key, so that a purge can
//	                                 find the user's set
//	{tokens}:user:<user id>   set   the user's token hashes, so that
//	                                 deleting a user finds their logins
//	{sess:<id>}:head          hash  v (version), t, c, s, st, o, at, u: what
//	                                 listing and saving need
//	{sess:<id>}:record        string the whole SessionRecord JSON
//	{sess:<id>}:reviews       hash  "<unix ns, 20 digits>\x00<review id>" → review JSON
//	{sess:<id>}:lease         string the id of the server driving the session,
//	                                 expiring unless renewed (lease.go)
//	sessions:all              zset  session id, scored by start (unix µs)
//	sessions:trainee:<id>     zset  the same, one trainee's
//	sessions:cohort:<cohort>  zset  the same, one cohort's
//	sessions:scenario:<id>    zset  the same, one scenario's
//	{scenarios}:v:<id>        hash  version → scenario version JSON
//	{scenarios}:latest        hash  scenario id → newest version number
//	rubrics                   hash  version → rubric version JSON
//
// and one pub/sub channel per session followed, events:{sess:<id>}
// (events.go).
//
// The braces are Cluster hash tags: the keys written together atomically
// (a session's, the users', the tokens', the scenarios') share a slot, so
// that their scripts and transactions run on one node. The session
// indexes hold only fields a session keeps for life, so saving a session
// touches its own slot alone.
package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/repairgym/repairgym/engine"
)

var _ engine.Store = (*Store)(nil)

// DefaultPrefix starts every key when Options.Prefix is empty.
const DefaultPrefix = "repairgym:"

// Options configure a Store; the zero value is ready to use.
type Options struct {
	// Prefix starts every key, so that several programs (or tests) can
	// share a Redis. It must not contain braces, which would take the
	// place of the keys' hash tags. Empty means DefaultPrefix.
	Prefix string
}

// Store is an engine.Store in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// Open connects to the Redis at url and checks that it answers. The URL
// forms:
//
//	redis://[user:password@]host[:port][/db][?option=value...]
//	rediss://...                          the same over TLS
//	unix://[user:password@]/path/redis.sock[?db=N]
//	redis-sentinel://[user:password@]host1[:port][,host2[:port]...]/mastername[/db][?...]
//	rediss-sentinel://...                 the same over TLS
//	redis-cluster://[user:password@]host1[:port][,host2[:port]...][?...]
//	rediss-cluster://...                  the same over TLS
//
// Ports default to 6379, and to 26379 for Sentinels. For Sentinel the
// user and password are the data nodes'; the Sentinels' own, if any, go
// in sentinel_username and sentinel_password. The options are go-redis's
// URL options in snake case: dial_timeout=2s, pool_size=50, max_retries=5,
// and so on. ("redis+sentinel" and "redis+cluster" are accepted too.)
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if strings.ContainsAny(prefix, "{}") {
		return nil, fmt.Errorf("open redis store: the key prefix %q must not contain braces", prefix)
	}
	cfg, err := parseURL(url)
	if err != nil {
		return nil, fmt.Errorf("open redis store: %w", err)
	}
	s := &Store{rdb: cfg.client(), prefix: prefix, now: time.Now}
	if err := s.Ping(ctx); err != nil {
		s.rdb.Close()
		return nil, fmt.Errorf("open redis store %s: %w", redact(url), err)
	}
	return s, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// Ping checks that Redis answers; in a Cluster, that every master does.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c, ok := s.rdb.(*redis.ClusterClient); ok {
		err := c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
			return n.Ping(ctx).Err()
		})
		if err != nil {
			return fmt.Errorf("ping redis: %w", err)
		}
		return nil
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Keys.

func (s *Store) usersKey() string            { return s.prefix + "{users}:id" }
func (s *Store) usernamesKey() string        { return s.prefix + "{users}:name" }
func (s *Store) tokenKey(hash string) string { return s.prefix + "{tokens}:t:" + hash }
func (s *Store) tokenExpiryKey() string      { return s.prefix + "{tokens}:expiry" }
func (s *Store) tokenOwnersKey() string      { return s.prefix + "{tokens}:owner" }
func (s *Store) userTokensKey(userID string) string {
	return s.prefix + "{tokens}:user:" + userID
}

// sessionKey names one of a session's keys: head, record or reviews. An id
// holding braces still gives all of them one slot, since the hash tag
// ends at the first "}" and what precedes it is the same for the three.
func (s *Store) sessionKey(id, kind string) string {
	return s.prefix + "{sess:" + id + "}:" + kind
}

func (s *Store) sessionIndexKey(field, value string) string {
	if field == "" {
		return s.prefix + "sessions:all"
	}
	return s.prefix + "sessions:" + field + ":" + value
}

func (s *Store) scenarioKey(id string) string { return s.prefix + "{scenarios}:v:" + id }
func (s *Store) latestScenariosKey() string   { return s.prefix + "{scenarios}:latest" }
func (s *Store) rubricsKey() string           { return s.prefix + "rubrics" }

func notFound(what, id string) error {
	return engine.Errorf(engine.ENOTFOUND, "%s %q not found", what, id)
}

// Users.

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

// createUser claims the id and the username together.
var createUser = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 2 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 0
`)

// CreateUser adds a user; ECONFLICT if the id or username is taken.
func (s *Store) CreateUser(ctx context.Context, u engine.User) error {
	data, err := json.Marshal(storedUser{User: u, PasswordHash: u.PasswordHash})
	if err != nil {
		return fmt.Errorf("encode user %q: %w", u.ID, err)
	}
	res, err := createUser.Run(ctx, s.rdb, []string{s.usersKey(), s.usernamesKey()}, u.ID, u.Username, data).Int()
	if err != nil {
		return fmt.Errorf("create user %q: %w", u.ID, err)
	}
	switch res {
	case 1:
		return engine.Errorf(engine.ECONFLICT, "user %q exists", u.ID)
	case 2:
		return engine.Errorf(engine.ECONFLICT, "username %q is taken", u.Username)
	}
	return nil
}

// UserByID returns a user; ENOTFOUND if there is none.
func (s *Store) UserByID(ctx context.Context, id string) (engine.User, error) {
	data, err := s.rdb.HGet(ctx, s.usersKey(), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return engine.User{}, notFound("user", id)
	}
	if err != nil {
		return engine.User{}, fmt.Errorf("read user %q: %w", id, err)
	}
	var u storedUser
	if err := json.Unmarshal(data, &u); err != nil {
		return engine.User{}, fmt.Errorf("decode user %q: %w", id, err)
	}
	return u.user(), nil
}

// UserByName returns a user; ENOTFOUND if there is none.
func (s *Store) UserByName(ctx context.Context, username string) (engine.User, error) {
	id, err := s.rdb.HGet(ctx, s.usernamesKey(), username).Result()
	if errors.Is(err, redis.Nil) {
		return engine.User{}, notFound("user", username)
	}
	if err != nil {
		return engine.User{}, fmt.Errorf("read user %q: %w", username, err)
	}
	u, err := s.UserByID(ctx, id)
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		return engine.User{}, notFound("user", username)
	}
	return u, err
}

// Users lists users, all of them or one cohort's, by username. A program
// has hundreds of users, not millions: one hash read is the simple way.
func (s *Store) Users(ctx context.Context, cohort string) ([]engine.User, error) {
	all, err := s.rdb.HVals(ctx, s.usersKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []engine.User
	for _, data := range all {
		var u storedUser
		if err := json.Unmarshal([]byte(data), &u); err != nil {
			return nil, fmt.Errorf("decode user: %w", err)
		}
		if cohort == "" || u.Cohort == cohort {
			out = append(out, u.user())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Username < out[j].Username })
	return out, nil
}

// Tokens.

// SaveToken stores a login until it expires. Redis forgets the token at its
// expiry by itself; the expiry index lets DeleteExpiredTokens count what
// it purges, as the contract asks. The owner and the user's set let
// DeleteUser find the user's tokens without reading everyone's.
func (s *Store) SaveToken(ctx context.Context, t engine.Token) error {
	data, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		// PXAT in the past deletes the key at once, which is what a
		// token already expired deserves; PXAT must be positive. The
		// index entries stay until DeleteExpiredTokens counts it.
		p.Do(ctx, "SET", s.tokenKey(t.Hash), data, "PXAT", max(t.Expires.UnixMilli()+1, 1))
		p.ZAdd(ctx, s.tokenExpiryKey(), redis.Z{Score: float64(t.Expires.UnixMicro()), Member: t.Hash})
		p.HSet(ctx, s.tokenOwnersKey(), t.Hash, t.UserID)
		p.SAdd(ctx, s.userTokensKey(t.UserID), t.Hash)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	return nil
}

// TokenByHash returns a token; ENOTFOUND also when it has expired.
func (s *Store) TokenByHash(ctx context.Context, hash string) (engine.Token, error) {
	data, err := s.rdb.Get(ctx, s.tokenKey(hash)).Bytes()
	if errors.Is(err, redis.Nil) {
		return engine.Token{}, engine.Errorf(engine.ENOTFOUND, "token not found")
	}
	if err != nil {
		return engine.Token{}, fmt.Errorf("read token: %w", err)
	}
	var t engine.Token
	if err := json.Unmarshal(data, &t); err != nil {
		return engine.Token{}, fmt.Errorf("decode token: %w", err)
	}
	// Redis expires keys to the millisecond, and lazily; the record's
	// own expiry is the word.
	if !t.Expires.After(s.now()) {
		return engine.Token{}, engine.Errorf(engine.ENOTFOUND, "token not found")
	}
	return t, nil
}

// DeleteToken forgets a token; a missing one is no error. The owner is
// read first, to name the user's set: a script could not declare that key
// before knowing it, and Cluster wants every key a script touches
// declared.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	owner, err := s.rdb.HGet(ctx, s.tokenOwnersKey(), hash).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("delete token: %w", err)
	}
	if err := s.deleteTokens(ctx, []string{hash}, []string{owner}); err != nil {
		return fmt.Errorf("delete token: %w", err)
	}
	return nil
}

// deleteTokens forgets tokens and their index entries in one
// transaction. owners[i] is hashes[i]'s user, or "" when unknown (a token
// saved before owners were kept, which is in no user's set).
func (s *Store) deleteTokens(ctx context.Context, hashes, owners []string) error {
	if len(hashes) == 0 {
		return nil
	}
	keys := make([]string, len(hashes))
	members := make([]any, len(hashes))
	byOwner := map[string][]any{}
	for i, h := range hashes {
		keys[i], members[i] = s.tokenKey(h), h
		if owners[i] != "" {
			byOwner[owners[i]] = append(byOwner[owners[i]], h)
		}
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, keys...)
		p.ZRem(ctx, s.tokenExpiryKey(), members...)
		p.HDel(ctx, s.tokenOwnersKey(), hashes...)
		for owner, hs := range byOwner {
			p.SRem(ctx, s.userTokensKey(owner), hs...)
		}
		return nil
	})
	return err
}

// DeleteExpiredTokens forgets the tokens expired by now and counts them.
// A token counts once even when two servers purge together: the one whose
// ZREM removed it counts it.
func (s *Store) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	hashes, err := s.rdb.ZRangeByScore(ctx, s.tokenExpiryKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMicro(), 10),
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("list expired tokens: %w", err)
	}
	if len(hashes) == 0 {
		return 0, nil
	}
	// The tokens' own keys are mostly gone by now (Redis expired them),
	// so the owners come from the owner hash.
	owners, err := s.rdb.HMGet(ctx, s.tokenOwnersKey(), hashes...).Result()
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: read owners: %w", err)
	}
	members := make([]any, len(hashes))
	keys := make([]string, len(hashes))
	byOwner := map[string][]any{}
	for i, h := range hashes {
		members[i], keys[i] = h, s.tokenKey(h)
		if owner, _ := owners[i].(string); owner != "" {
			byOwner[owner] = append(byOwner[owner], h)
		}
	}
	var removed *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, keys...)
		removed = p.ZRem(ctx, s.tokenExpiryKey(), members...)
		p.HDel(ctx, s.tokenOwnersKey(), hashes...)
		for owner, hs := range byOwner {
			p.SRem(ctx, s.userTokensKey(owner), hs...)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	return int(removed.Val()), nil
}

// deleteUser removes a user's record, and the username if it is still
// theirs, so that a damaged index cannot make one delete free another
// user's name. It returns 1 if there is no such user.
var deleteUser = redis.NewScript(`
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 1 end
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
return 0
`)

// DeleteUser forgets a user: the user's tokens first, then the record and
// the username in one script. In that order a failure part way leaves the
// user in place, and the delete can be tried again; the other way round
// would leave tokens no retry could find by the user.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	hashes, err := s.tokensOf(ctx, id)
	if err != nil {
		return fmt.Errorf("delete user %q: %w", id, err)
	}
	owners := make([]string, len(hashes))
	for i := range owners {
		owners[i] = id
	}
	if err := s.deleteTokens(ctx, hashes, owners); err != nil {
		return fmt.Errorf("delete user %q: tokens: %w", id, err)
	}
	res, err := deleteUser.Run(ctx, s.rdb, []string{s.usersKey(), s.usernamesKey()}, id, u.Username).Int()
	if err != nil {
		return fmt.Errorf("delete user %q: %w", id, err)
	}
	if res == 1 {
		// Someone else deleted the user meanwhile.
		return notFound("user", id)
	}
	return nil
}

// tokensOf returns the hashes of a user's tokens: those in the user's set,
// and those saved before owners and sets were kept, which only their own
// JSON ties to the user. The latter are found through the expiry index,
// which lists every token and lives in the tokens' slot, rather than by
// SCAN, which in a Cluster would walk whichever node it reached. That
// reads the whole index; deleting a user is rare, and a program holds a
// few thousand logins at most.
func (s *Store) tokensOf(ctx context.Context, userID string) ([]string, error) {
	var own *redis.StringSliceCmd
	var all *redis.StringSliceCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		own = p.SMembers(ctx, s.userTokensKey(userID))
		all = p.ZRange(ctx, s.tokenExpiryKey(), 0, -1)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	hashes := own.Val()
	if len(all.Val()) == 0 {
		return hashes, nil
	}
	owners, err := s.rdb.HMGet(ctx, s.tokenOwnersKey(), all.Val()...).Result()
	if err != nil {
		return nil, fmt.Errorf("list token owners: %w", err)
	}
	var unowned, keys []string
	for i, h := range all.Val() {
		if owners[i] == nil {
			unowned = append(unowned, h)
			keys = append(keys, s.tokenKey(h))
		}
	}
	if len(keys) == 0 {
		return hashes, nil
	}
	// One slot, so MGET works in a Cluster too.
	tokens, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	for i, v := range tokens {
		data, ok := v.(string)
		if !ok {
			continue // expired by Redis already
		}
		var t engine.Token
		if err := json.Unmarshal([]byte(data), &t); err != nil {
			return nil, fmt.Errorf("decode token: %w", err)
		}
		if t.UserID == userID && !slices.Contains(hashes, unowned[i]) {
			hashes = append(hashes, unowned[i])
		}
	}
	return hashes, nil
}

// Sessions.

// head is a session's head hash: the fields a listing filters and orders
// on, and the version a save checks.
func headFields(rec engine.SessionRecord) []any {
	return []any{
		"v", rec.Version,
		"t", rec.Trainee,
		"c", rec.Cohort,
		"s", rec.State.ScenarioID,
		"st", rec.State.Status,
		"o", rec.State.Outcome,
		"at", rec.State.Started.Format(time.RFC3339Nano),
		"u", rec.State.Updated.Format(time.RFC3339Nano),
	}
}

// headRecord is what a filter needs to see of a head hash.
func headRecord(id string, h map[string]string) (engine.SessionRecord, error) {
	rec := engine.SessionRecord{Trainee: h["t"], Cohort: h["c"]}
	rec.State.ID, rec.State.ScenarioID, rec.State.Status, rec.State.Outcome = id, h["s"], h["st"], h["o"]
	var err error
	if rec.Version, err = strconv.ParseInt(h["v"], 10, 64); err != nil {
		return rec, fmt.Errorf("decode session head %q: version %q: %w", id, h["v"], err)
	}
	if rec.State.Started, err = time.Parse(time.RFC3339Nano, h["at"]); err != nil {
		return rec, fmt.Errorf("decode session head %q: %w", id, err)
	}
	// A head written before heads kept "u" leaves Updated zero; Sessions
	// asks the record when a filter needs it.
	if u := h["u"]; u != "" {
		if rec.State.Updated, err = time.Parse(time.RFC3339Nano, u); err != nil {
			return rec, fmt.Errorf("decode session head %q: %w", id, err)
		}
	}
	return rec, nil
}

// startScore orders sessions in the indexes: microseconds fit a float64
// exactly for dates this side of year 2255; ties and the nanoseconds are
// settled on the heads.
func startScore(t time.Time) float64 { return float64(t.UnixMicro()) }

// indexes are the session's index entries: the sorted sets it belongs in.
func (s *Store) indexes(trainee, cohort, scenario string) []string {
	keys := []string{s.sessionIndexKey("", "")}
	if trainee != "" {
		keys = append(keys, s.sessionIndexKey("trainee", trainee))
	}
	if cohort != "" {
		keys = append(keys, s.sessionIndexKey("cohort", cohort))
	}
	if scenario != "" {
		keys = append(keys, s.sessionIndexKey("scenario", scenario))
	}
	return keys
}

// createSession writes a new session's record and head unless it exists.
var createSession = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 0
`)

// CreateSession stores a new session at version 1; ECONFLICT if the id
// exists.
//
// The index entries are written first, in their own slots: if Redis fails
// between the two steps, a listing skips an entry without a head, whereas
// a session without its entries would never be listed.
func (s *Store) CreateSession(ctx context.Context, rec engine.SessionRecord) error {
	rec.Version = 1
	id := rec.State.ID
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode session %q: %w", id, err)
	}
	score := startScore(rec.State.Started)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		// NX: a create that turns out to clash must not move the
		// existing session's entries, whose scores listing trusts.
		for _, k := range s.indexes(rec.Trainee, rec.Cohort, rec.State.ScenarioID) {
			p.ZAddNX(ctx, k, redis.Z{Score: score, Member: id})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index session %q: %w", id, err)
	}
	args := append([]any{data}, headFields(rec)...)
	res, err := createSession.Run(ctx, s.rdb, []string{s.sessionKey(id, "head"), s.sessionKey(id, "record")}, args...).Int()
	if err != nil {
		return fmt.Errorf("create session %q: %w", id, err)
	}
	if res == 1 {
		return engine.Errorf(engine.ECONFLICT, "session %q exists", id)
	}
	return nil
}

// SessionByID returns a session; ENOTFOUND if there is none.
func (s *Store) SessionByID(ctx context.Context, id string) (engine.SessionRecord, error) {
	data, err := s.rdb.Get(ctx, s.sessionKey(id, "record")).Bytes()
	if errors.Is(err, redis.Nil) {
		return engine.SessionRecord{}, notFound("session", id)
	}
	if err != nil {
		return engine.SessionRecord{}, fmt.Errorf("read session %q: %w", id, err)
	}
	var rec engine.SessionRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return engine.SessionRecord{}, fmt.Errorf("decode session %q: %w", id, err)
	}
	return rec, nil
}

// saveSession replaces the record and head if the head is still at the
// expected version (ARGV[1]). Redis runs a script whole, with no other
// command between its steps, so the check and the write are one step.
// It returns {0, old trainee, cohort, scenario, start} on success, so
// that the caller can move the index entries if those changed; {1} if
// there is no such session; {2, version} if the version moved on.
//
// A resend of a save that succeeded (go-redis retries a command whose
// reply was lost) gets {2}, as it would from boltstore: the save is not
// applied twice, and the caller reloads.
var saveSession = redis.NewScript(`
local old = redis.call('HMGET', KEYS[1], 'v', 't', 'c', 's', 'at')
if not old[1] then return {1} end
if old[1] ~= ARGV[1] then return {2, old[1]} end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
return {0, old[2], old[3], old[4], old[5]}
`)

// SaveSession replaces a session's record if it is still at rec.Version,
// and returns the new version; ECONFLICT if it is not, ENOTFOUND if there
// is no such session. It is one round trip: one script, in the session's
// slot. When it returns nil, the save is as durable as the Redis server's
// persistence makes it (appendonly with appendfsync everysec or always).
func (s *Store) SaveSession(ctx context.Context, rec engine.SessionRecord) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	id := rec.State.ID
	expect := rec.Version
	rec.Version = expect + 1
	data, err := json.Marshal(rec)
	if err != nil {
		return 0, fmt.Errorf("encode session %q: %w", id, err)
	}
	args := append([]any{strconv.FormatInt(expect, 10), data}, headFields(rec)...)
	res, err := saveSession.Run(ctx, s.rdb, []string{s.sessionKey(id, "head"), s.sessionKey(id, "record")}, args...).Slice()
	if err != nil {
		return 0, fmt.Errorf("save session %q: %w", id, err)
	}
	switch code, _ := res[0].(int64); code {
	case 1:
		return 0, notFound("session", id)
	case 2:
		return 0, engine.Errorf(engine.ECONFLICT, "session %q changed since it was read (version %v, not %d)", id, res[1], expect)
	}
	if len(res) == 5 {
		if err := s.reindex(ctx, rec, res[1:]); err != nil {
			return 0, err
		}
	}
	return rec.Version, nil
}

// reindex moves a session's index entries when a save changed a field
// they are kept by, which the engine never does; a caller that did would
// otherwise see the session listed under the old values.
func (s *Store) reindex(ctx context.Context, rec engine.SessionRecord, old []any) error {
	str := func(v any) string { x, _ := v.(string); return x }
	oldTrainee, oldCohort, oldScenario, oldStart := str(old[0]), str(old[1]), str(old[2]), str(old[3])
	start := rec.State.Started.Format(time.RFC3339Nano)
	if oldTrainee == rec.Trainee && oldCohort == rec.Cohort && oldScenario == rec.State.ScenarioID && oldStart == start {
		return nil
	}
	id := rec.State.ID
	newKeys := s.indexes(rec.Trainee, rec.Cohort, rec.State.ScenarioID)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range s.indexes(oldTrainee, oldCohort, oldScenario) {
			if !slices.Contains(newKeys, k) {
				p.ZRem(ctx, k, id)
			}
		}
		for _, k := range newKeys {
			p.ZAdd(ctx, k, redis.Z{Score: startScore(rec.State.Started), Member: id})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reindex session %q: %w", id, err)
	}
	return nil
}

// filterIndex returns the index a listing reads: that of the most
// selective field the filter gives.
func (s *Store) filterIndex(f engine.SessionFilter) string {
	switch {
	case f.Trainee != "":
		return s.sessionIndexKey("trainee", f.Trainee)
	case f.Scenario != "":
		return s.sessionIndexKey("scenario", f.Scenario)
	case f.Cohort != "":
		return s.sessionIndexKey("cohort", f.Cohort)
	}
	return s.sessionIndexKey("", "")
}

// Sessions lists the sessions matching f, newest first (and by id among
// sessions started together), collected from EachSession: paging by score,
// a session created or deleted meanwhile cannot make the listing pass
// another twice or miss it.
func (s *Store) Sessions(ctx context.Context, f engine.SessionFilter) ([]engine.SessionRecord, error) {
	var out []engine.SessionRecord
	err := s.EachSession(ctx, f, func(rec engine.SessionRecord) error {
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// records reads the whole records of the sessions listed, in one round
// trip, in the same order; one deleted meanwhile is left out.
func (s *Store) records(ctx context.Context, matches []engine.SessionRecord) ([]engine.SessionRecord, error) {
	cmds := make([]*redis.StringCmd, len(matches))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range matches {
			cmds[i] = p.Get(ctx, s.sessionKey(m.State.ID, "record"))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := make([]engine.SessionRecord, 0, len(matches))
	for i, m := range matches {
		data, err := cmds[i].Bytes()
		if errors.Is(err, redis.Nil) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("read session %q: %w", m.State.ID, err)
		}
		var rec engine.SessionRecord
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, fmt.Errorf("decode session %q: %w", m.State.ID, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// eachChunk is how many index entries EachSession reads at a time.
const eachChunk = 100

// EachSession pages through the index Sessions would read, newest first,
// by score rather than by rank: a session created meanwhile would shift
// every rank, and a page by rank would then pass a session twice. Each
// page ends with the last whole start time it holds; sessions started in
// the same microsecond are read together and ordered on their heads, as
// Sessions orders them.
func (s *Store) EachSession(ctx context.Context, f engine.SessionFilter, fn func(engine.SessionRecord) error) error {
	index := s.filterIndex(f)
	passed := 0
	below := "+inf"
	for {
		entries, err := s.rdb.ZRevRangeByScoreWithScores(ctx, index, &redis.ZRangeBy{Max: below, Min: "-inf", Count: eachChunk}).Result()
		if err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
		if len(entries) == 0 {
			return nil
		}
		more := len(entries) == eachChunk
		if more {
			// The page may have cut the last start time's sessions in
			// two: leave them to the next page, or, when one start
			// time fills the page, read all of its sessions now.
			lastScore := entries[len(entries)-1].Score
			cut := len(entries)
			for cut > 0 && entries[cut-1].Score == lastScore {
				cut--
			}
			if cut > 0 {
				entries = entries[:cut]
			} else {
				score := strconv.FormatFloat(lastScore, 'f', -1, 64)
				if entries, err = s.rdb.ZRangeByScoreWithScores(ctx, index, &redis.ZRangeBy{Min: score, Max: score}).Result(); err != nil {
					return fmt.Errorf("list sessions: %w", err)
				}
			}
		}
		recs, err := s.sessionPage(ctx, f, entries)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			if err := fn(rec); err != nil {
				return err
			}
			if passed++; f.Limit > 0 && passed >= f.Limit {
				return nil
			}
		}
		if !more {
			return nil
		}
		lowest := entries[0].Score
		for _, e := range entries {
			lowest = min(lowest, e.Score)
		}
		below = "(" + strconv.FormatFloat(lowest, 'f', -1, 64)
	}
}

// sessionPage returns the records of the index entries that match f, in
// Sessions' order.
func (s *Store) sessionPage(ctx context.Context, f engine.SessionFilter, entries []redis.Z) ([]engine.SessionRecord, error) {
	heads := make([]*redis.MapStringStringCmd, len(entries))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range entries {
			heads[i] = p.HGetAll(ctx, s.sessionKey(e.Member.(string), "head"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	recs := make([]engine.SessionRecord, 0, len(entries))
	var undated []int
	for i, e := range entries {
		h := heads[i].Val()
		if len(h) == 0 {
			continue // an entry whose create did not finish, or whose delete did not
		}
		rec, err := headRecord(e.Member.(string), h)
		if err != nil {
			return nil, err
		}
		if h["u"] == "" && !f.UpdatedBefore.IsZero() {
			undated = append(undated, len(recs))
		}
		recs = append(recs, rec)
	}
	if err := s.fillUpdated(ctx, recs, undated); err != nil {
		return nil, err
	}
	matches := recs[:0]
	for _, rec := range recs {
		if f.Matches(rec) {
			matches = append(matches, rec)
		}
	}
	if len(matches) == 0 {
		return nil, nil
	}
	slices.SortFunc(matches, func(a, b engine.SessionRecord) int {
		if c := b.State.Started.Compare(a.State.Started); c != 0 {
			return c
		}
		return strings.Compare(a.State.ID, b.State.ID)
	})
	return s.records(ctx, matches)
}

// fillUpdated sets the update time of recs[i], for each i in which, from
// the whole records. A session deleted meanwhile keeps a zero time; it
// will not be among the records returned anyway.
func (s *Store) fillUpdated(ctx context.Context, recs []engine.SessionRecord, which []int) error {
	if len(which) == 0 {
		return nil
	}
	cmds := make([]*redis.StringCmd, len(which))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for j, i := range which {
			cmds[j] = p.Get(ctx, s.sessionKey(recs[i].State.ID, "record"))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("list sessions: %w", err)
	}
	for j, i := range which {
		data, err := cmds[j].Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read session %q: %w", recs[i].State.ID, err)
		}
		var rec struct {
			State struct {
				Updated time.Time `json:"updated"`
			} `json:"state"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("decode session %q: %w", recs[i].State.ID, err)
		}
		recs[i].State.Updated = rec.State.Updated
	}
	return nil
}

// deleteSession deletes a session's keys, which share its slot, in one
// step, and returns {0, trainee, cohort, scenario} for the caller to
// remove its index entries; {1} if there is no such session.
var deleteSession = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {1} end
local old = redis.call('HMGET', KEYS[1], 't', 'c', 's')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {0, old[1] or '', old[2] or '', old[3] or ''}
`)

// DeleteSession forgets a session: its head, record and reviews in one
// script, then its index entries, which live in other slots. That is the
// reverse of CreateSession's order, for the same reason: if Redis fails
// between the steps, what is left is index entries without a head, which
// listings skip, and not a session no listing can find.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	keys := []string{s.sessionKey(id, "head"), s.sessionKey(id, "record"), s.sessionKey(id, "reviews")}
	res, err := deleteSession.Run(ctx, s.rdb, keys).Slice()
	if err != nil {
		return fmt.Errorf("delete session %q: %w", id, err)
	}
	if code, _ := res[0].(int64); code == 1 || len(res) != 4 {
		return notFound("session", id)
	}
	str := func(v any) string { x, _ := v.(string); return x }
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range s.indexes(str(res[1]), str(res[2]), str(res[3])) {
			p.ZRem(ctx, k, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete session %q: index entries: %w", id, err)
	}
	return nil
}

// Reviews.

// addReview adds a review if its session exists.
var addReview = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 0
`)

// reviewField orders a session's reviews by time, then id.
func reviewField(at time.Time, id string) string {
	return fmt.Sprintf("%020d\x00%s", at.UnixNano(), id)
}

// AddReview stores a review of a turn; ENOTFOUND if the session does not
// exist.
func (s *Store) AddReview(ctx context.Context, r engine.Review) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode review: %w", err)
	}
	keys := []string{s.sessionKey(r.SessionID, "head"), s.sessionKey(r.SessionID, "reviews")}
	res, err := addReview.Run(ctx, s.rdb, keys, reviewField(r.At, r.ID), data).Int()
	if err != nil {
		return fmt.Errorf("add review: %w", err)
	}
	if res == 1 {
		return notFound("session", r.SessionID)
	}
	return nil
}

// Reviews lists a session's reviews, oldest first.
func (s *Store) Reviews(ctx context.Context, sessionID string) ([]engine.Review, error) {
	all, err := s.rdb.HGetAll(ctx, s.sessionKey(sessionID, "reviews")).Result()
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	fields := make([]string, 0, len(all))
	for k := range all {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	var out []engine.Review
	for _, k := range fields {
		var r engine.Review
		if err := json.Unmarshal([]byte(all[k]), &r); err != nil {
			return nil, fmt.Errorf("decode review: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// Scenarios and rubrics.

// saveScenario adds a version unless it exists, and keeps the newest
// version number of each scenario for LatestScenarios.
var saveScenario = redis.NewScript(`
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 0 then return 1 end
local latest = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > latest then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 0
`)

// SaveScenario stores a scenario version; ECONFLICT if that version of that
// id exists.
func (s *Store) SaveScenario(ctx context.Context, v engine.ScenarioVersion) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode scenario %q: %w", v.ID, err)
	}
	keys := []string{s.scenarioKey(v.ID), s.latestScenariosKey()}
	res, err := saveScenario.Run(ctx, s.rdb, keys, v.ID, strconv.Itoa(v.Version), data).Int()
	if err != nil {
		return fmt.Errorf("save scenario %q: %w", v.ID, err)
	}
	if res == 1 {
		return engine.Errorf(engine.ECONFLICT, "scenario %q version %d exists", v.ID, v.Version)
	}
	return nil
}

// decodeVersions decodes a hash of version → JSON, oldest first.
func decodeVersions[T any](all map[string]string, version func(T) int) ([]T, error) {
	out := make([]T, 0, len(all))
	for _, data := range all {
		var v T
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return version(out[i]) < version(out[j]) })
	return out, nil
}

// ScenarioVersions lists one scenario's versions, oldest first.
func (s *Store) ScenarioVersions(ctx context.Context, id string) ([]engine.ScenarioVersion, error) {
	all, err := s.rdb.HGetAll(ctx, s.scenarioKey(id)).Result()
	if err != nil {
		return nil, fmt.Errorf("list scenario %q versions: %w", id, err)
	}
	if len(all) == 0 {
		return nil, nil
	}
	out, err := decodeVersions(all, func(v engine.ScenarioVersion) int { return v.Version })
	if err != nil {
		return nil, fmt.Errorf("decode scenario %q: %w", id, err)
	}
	return out, nil
}

// LatestScenarios returns the newest version of every stored scenario, by
// id.
func (s *Store) LatestScenarios(ctx context.Context) ([]engine.ScenarioVersion, error) {
	latest, err := s.rdb.HGetAll(ctx, s.latestScenariosKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, s.scenarioKey(id), latest[id])
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	out := make([]engine.ScenarioVersion, 0, len(ids))
	for i, id := range ids {
		data, err := cmds[i].Bytes()
		if err != nil {
			return nil, fmt.Errorf("read scenario %q version %s: %w", id, latest[id], err)
		}
		var v engine.ScenarioVersion
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode scenario %q: %w", id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// SaveRubric stores a version of the program's rubric; ECONFLICT if that
// version exists.
func (s *Store) SaveRubric(ctx context.Context, v engine.RubricVersion) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode rubric: %w", err)
	}
	added, err := s.rdb.HSetNX(ctx, s.rubricsKey(), strconv.Itoa(v.Version), data).Result()
	if err != nil {
		return fmt.Errorf("save rubric: %w", err)
	}
	if !added {
		return engine.Errorf(engine.ECONFLICT, "rubric version %d exists", v.Version)
	}
	return nil
}

// RubricVersions lists the saved versions of the rubric, oldest first.
func (s *Store) RubricVersions(ctx context.Context) ([]engine.RubricVersion, error) {
	all, err := s.rdb.HGetAll(ctx, s.rubricsKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list rubric versions: %w", err)
	}
	if len(all) == 0 {
		return nil, nil
	}
	out, err := decodeVersions(all, func(v engine.RubricVersion) int { return v.Version })
	if err != nil {
		return nil, fmt.Errorf("decode rubric: %w", err)
	}
	return out, nil
}
