package redisstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Events carries short messages about sessions between the servers that
// share a Redis, over pub/sub: each session has its own channel, and a
// server listens only to the sessions someone on it is connected to.
//
// Pub/sub delivers to whoever is listening at the time and keeps nothing:
// a message is a nudge ("this session changed"), never the only copy of
// anything. The subscription outlives a lost connection: go-redis
// reconnects and subscribes again to every channel, and Receive then
// returns an empty event for each, since events may have been missed
// meanwhile.
type Events struct {
	s      *Store
	ps     *redis.PubSub
	ch     <-chan any
	mu     sync.Mutex
	closed bool
}

// Events starts listening for session events. Close stops it.
func (s *Store) Events(ctx context.Context) *Events {
	ps := s.rdb.Subscribe(ctx)
	return &Events{s: s, ps: ps, ch: ps.ChannelWithSubscriptions()}
}

func (e *Events) channel(session string) string {
	return e.s.prefix + "events:{sess:" + session + "}"
}

// Publish sends an event to the servers listening to a session.
func (e *Events) Publish(ctx context.Context, session string, event []byte) error {
	if err := e.s.rdb.Publish(ctx, e.channel(session), event).Err(); err != nil {
		return fmt.Errorf("publish to session %s: %w", session, err)
	}
	return nil
}

// Subscribe starts delivering a session's events. The subscription is
// kept even when Redis cannot be reached now, and made when it returns.
func (e *Events) Subscribe(ctx context.Context, session string) error {
	if err := e.ps.Subscribe(ctx, e.channel(session)); err != nil {
		return fmt.Errorf("subscribe to session %s: %w", session, err)
	}
	return nil
}

// Unsubscribe stops delivering a session's events.
func (e *Events) Unsubscribe(ctx context.Context, session string) error {
	if err := e.ps.Unsubscribe(ctx, e.channel(session)); err != nil {
		return fmt.Errorf("unsubscribe from session %s: %w", session, err)
	}
	return nil
}

// Receive returns the next event of a subscribed session, waiting until
// one comes, ctx ends, or Close is called. An empty event says that a
// subscription was made, or made again after Redis came back: events of
// that session may have been missed.
func (e *Events) Receive(ctx context.Context) (session string, event []byte, err error) {
	for {
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case m, ok := <-e.ch:
			if !ok {
				return "", nil, fmt.Errorf("session events: %w", redis.ErrClosed)
			}
			switch m := m.(type) {
			case *redis.Message:
				if id, ok := e.session(m.Channel); ok {
					return id, []byte(m.Payload), nil
				}
			case *redis.Subscription:
				if id, ok := e.session(m.Channel); ok && m.Kind == "subscribe" {
					return id, nil, nil
				}
			}
		}
	}
}

// session returns the session whose channel name is given.
func (e *Events) session(channel string) (string, bool) {
	prefix := e.s.prefix + "events:{sess:"
	if len(channel) < len(prefix)+1 || channel[:len(prefix)] != prefix || channel[len(channel)-1] != '}' {
		return "", false
	}
	return channel[len(prefix) : len(channel)-1], true
}

// Close stops listening.
func (e *Events) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	return e.ps.Close()
}
