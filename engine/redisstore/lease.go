package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/repairgym/repairgym/engine"
)

var _ engine.Leases = (*Store)(nil)

// acquireLease takes a free lease or extends the caller's own, and
// otherwise answers how many milliseconds the holder's has left.
var acquireLease = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return -1
end
return redis.call('PTTL', KEYS[1])
`)

// releaseLease deletes a lease only if the caller still holds it: one
// that lapsed and passed to another server stays theirs.
var releaseLease = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Acquire takes or extends owner's lease on a session; it lives in the
// session's slot, {sess:<id>}:lease, and expires on Redis's clock.
func (s *Store) Acquire(ctx context.Context, session, owner string, ttl time.Duration) (bool, time.Duration, error) {
	ms := ttl.Milliseconds()
	if ms < 1 {
		return false, 0, fmt.Errorf("lease session %s: the lease time %v is under a millisecond", session, ttl)
	}
	left, err := acquireLease.Run(ctx, s.rdb, []string{s.sessionKey(session, "lease")}, owner, ms).Int64()
	if err != nil {
		return false, 0, fmt.Errorf("lease session %s: %w", session, err)
	}
	if left < 0 {
		return true, 0, nil
	}
	return false, time.Duration(left) * time.Millisecond, nil
}

// Release gives up owner's lease on a session, if owner still holds it.
func (s *Store) Release(ctx context.Context, session, owner string) error {
	if err := releaseLease.Run(ctx, s.rdb, []string{s.sessionKey(session, "lease")}, owner).Err(); err != nil {
		return fmt.Errorf("release session %s: %w", session, err)
	}
	return nil
}
