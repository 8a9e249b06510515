package llm

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// breaker stops calls for a while after repeated failures, so that a dead
// endpoint is not hammered and sessions fall back at once instead of
// waiting out a timeout on every line. After the cooldown one call is let
// through to try; its success closes the breaker.
type breaker struct {
	after    int
	cooldown time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

// rejects reports whether the breaker is open, without taking the
// half-open call's turn.
func (b *breaker) rejects(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return now.Before(b.openUntil)
}

func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Before(b.openUntil) {
		return false
	}
	if b.failures >= b.after {
		// Half open: let this call try, and keep the others out until it
		// has been answered. Should it end with no verdict (its caller
		// gave up), the next call tries after another cooldown.
		b.openUntil = now.Add(b.cooldown)
	}
	return true
}

func (b *breaker) succeed() {
	b.mu.Lock()
	b.failures, b.openUntil = 0, time.Time{}
	b.mu.Unlock()
}

// fail counts a failure, and reports whether it opened the breaker
// from closed.
func (b *breaker) fail(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.failures >= b.after {
		b.openUntil = now.Add(b.cooldown)
	}
	return b.failures == b.after
}

// limits bounds the calls in flight: across the server, and per user so
// that one trainee's tabs cannot take every slot.
type limits struct {
	global  chan struct{}
	perUser int

	mu     sync.Mutex
	byUser map[string]int
}

func newLimits(global, perUser int) *limits {
	return &limits{global: make(chan struct{}, global), perUser: perUser, byUser: map[string]int{}}
}

// acquire takes a slot, waiting for a global one while ctx allows; a user
// at their own limit is refused at once, since their earlier call will
// answer soon enough.
func (l *limits) acquire(ctx context.Context, user string) (func(), error) {
	if user != "" {
		l.mu.Lock()
		if l.byUser[user] >= l.perUser {
			l.mu.Unlock()
			return nil, ErrBusy
		}
		l.byUser[user]++
		l.mu.Unlock()
	}
	releaseUser := func() {
		if user == "" {
			return
		}
		l.mu.Lock()
		if l.byUser[user]--; l.byUser[user] <= 0 {
			delete(l.byUser, user)
		}
		l.mu.Unlock()
	}
	select {
	case l.global <- struct{}{}:
	case <-ctx.Done():
		releaseUser()
		return nil, ErrBusy
	}
	return func() {
		<-l.global
		releaseUser()
	}, nil
}

type userKey struct{}

// WithUser marks the calls made under ctx as one user's, for the per-user
// limit.
func WithUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey{}).(string)
	return u
}

// A Meter adds up the tokens of the calls made under a context, so that a
// session can record what its lines and grades cost. It is safe for
// concurrent use; a nil Meter counts nothing.
type Meter struct {
	mu    sync.Mutex
	usage Usage
}

// Add counts a call's tokens.
func (m *Meter) Add(u Usage) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.usage.Prompt += u.Prompt
	m.usage.Completion += u.Completion
	m.mu.Unlock()
}

// Usage returns the tokens counted so far.
func (m *Meter) Usage() Usage {
	if m == nil {
		return Usage{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usage
}

type meterKey struct{}

// WithMeter counts the tokens of the calls made under ctx on m.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

func meterFrom(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}

// retryAfter carries a response's Retry-After out of the HTTP client,
// which go-openai's errors do not expose.
type retryAfter struct {
	mu sync.Mutex
	d  time.Duration
}

func (r *retryAfter) get() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.d
}

type retryAfterKey struct{}

// retryAfterDoer sends requests, noting a Retry-After header (in seconds
// or as a date) on the retryAfter in the request's context.
type retryAfterDoer struct{ c *http.Client }

func (d retryAfterDoer) Do(req *http.Request) (*http.Response, error) {
	res, err := d.c.Do(req)
	if err != nil || res.Header.Get("Retry-After") == "" {
		return res, err
	}
	if ra, ok := req.Context().Value(retryAfterKey{}).(*retryAfter); ok {
		v := res.Header.Get("Retry-After")
		var wait time.Duration
		if secs, err := strconv.Atoi(v); err == nil {
			wait = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			wait = time.Until(t)
		}
		ra.mu.Lock()
		ra.d = wait
		ra.mu.Unlock()
	}
	return res, nil
}
