package web

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/repairgym/repairgym/engine"
)

// A Bus carries short events about sessions between the servers that
// share a store, so that a supervisor watching on one server follows a
// session played on another. Events are nudges, never the only copy of
// anything: what they point at is in the store.
type Bus interface {
	Publish(ctx context.Context, session string, event []byte) error
	// Subscribe starts delivering a session's events to Receive.
	Subscribe(ctx context.Context, session string) error
	Unsubscribe(ctx context.Context, session string) error
	// Receive returns the next event of a subscribed session, waiting
	// until one comes or ctx ends. An empty event says the session's
	// events may have been missed (the bus lost its connection): the
	// listener reads the session again.
	Receive(ctx context.Context) (session string, event []byte, err error)
}

// Event kinds.
const (
	// eventChanged says a session was saved: observers reload it.
	eventChanged = "changed"
	// eventHint carries a hint that was recorded, for the trainee's
	// sockets wherever they are.
	eventHint = "hint"
	// eventHintRequest asks the server driving a session to record a
	// hint; eventHintFailed answers the supervisor who sent it.
	eventHintRequest = "hint_request"
	eventHintFailed  = "hint_failed"
	// eventDeleted says a session was deleted: other servers drop their
	// copy and close its sockets.
	eventDeleted = "deleted"
)

// event is what goes over the bus, as JSON.
type event struct {
	Kind string       `json:"kind"`
	Hint *engine.Hint `json:"hint,omitempty"`
	// Ref names a hint request, for its answer and against recording
	// it twice.
	Ref string `json:"ref,omitempty"`
	// From is the id and Name the username of the supervisor who asked
	// for a hint; Text is the hint. A failed request says why in Code
	// and Message.
	From    string `json:"from,omitempty"`
	Name    string `json:"name,omitempty"`
	Text    string `json:"text,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// publish sends an event about a session. A lost event costs an
// observer a refresh, not data, so failures are logged and go no
// further.
func (s *Server) publish(ctx context.Context, session string, ev event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := s.bus.Publish(ctx, session, data); err != nil {
		s.log.Warn("publishing a session event", "session", session, "kind", ev.Kind, "err", err)
		return err
	}
	return nil
}

// localBus is the Bus of a server that runs alone: events pass from one
// socket to another within the process.
type localBus struct {
	mu    sync.Mutex
	subs  map[string]bool
	queue []localEvent
	// ready holds a token while the queue has events.
	ready chan struct{}
}

type localEvent struct {
	session string
	data    []byte
}

func newLocalBus() *localBus {
	return &localBus{subs: map[string]bool{}, ready: make(chan struct{}, 1)}
}

// Publish queues the event if anyone here listens to the session. The
// queue has no bound, so that the listener, which publishes too, never
// waits on itself; events are small and taken at once.
func (b *localBus) Publish(_ context.Context, session string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.subs[session] {
		return nil
	}
	b.queue = append(b.queue, localEvent{session, data})
	select {
	case b.ready <- struct{}{}:
	default:
	}
	return nil
}

// Subscribe starts delivering a session's events, and says so with an
// empty event, as the Redis bus does.
func (b *localBus) Subscribe(ctx context.Context, session string) error {
	b.mu.Lock()
	b.subs[session] = true
	b.mu.Unlock()
	return b.Publish(ctx, session, nil)
}

func (b *localBus) Unsubscribe(_ context.Context, session string) error {
	b.mu.Lock()
	delete(b.subs, session)
	b.mu.Unlock()
	return nil
}

func (b *localBus) Receive(ctx context.Context) (string, []byte, error) {
	for {
		b.mu.Lock()
		if len(b.queue) > 0 {
			ev := b.queue[0]
			b.queue[0] = localEvent{}
			b.queue = b.queue[1:]
			if len(b.queue) > 0 {
				select {
				case b.ready <- struct{}{}:
				default:
				}
			}
			b.mu.Unlock()
			return ev.session, ev.data, nil
		}
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", nil, ctx.Err()
		case <-b.ready:
		}
	}
}
