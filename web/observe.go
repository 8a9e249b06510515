package web

import (
	"context"
	"encoding/json"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
)

// codeReadOnly answers an observer who sends anything but a hint.
const codeReadOnly = "read_only"

// observe serves GET /api/sessions/:id/observe: a supervisor of the
// trainee's cohort, or an admin, follows a session as it is played, on
// whichever server the trainee is, and may send the trainee hints.
func (s *Server) observe(c echo.Context) error {
	rec, err := s.visibleSession(c)
	if err != nil {
		return err
	}
	// The route admits supervisors and admins only; visibleSession
	// keeps a supervisor to their cohort.
	return s.openSocket(c, rec, true)
}

// observerState renders a session for an observer, and remembers the
// version sent so that an older one never follows it.
func (s *Server) observerState(ctx context.Context, c *conn, rec engine.SessionRecord) {
	name := rec.Trainee
	if u, err := s.cfg.Store.UserByID(ctx, rec.Trainee); err == nil {
		name = u.Username
	}
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	if rec.Version != 0 && rec.Version <= c.seen {
		return
	}
	c.seen = rec.Version
	c.enqueue(map[string]any{"type": "state", "session": s.sessionView(c.user, rec, name, true)})
}

// hintWait is how long an observer waits for another server to confirm a
// hint before being told it may not have arrived.
const hintWait = 5 * time.Second

// handleObserverMessage takes a hint from an observer; observing is
// otherwise read-only.
func (s *Server) handleObserverMessage(ctx context.Context, c *conn, data []byte) {
	var msg inbound
	if err := decodeStrict(data, &msg); err != nil {
		s.sendError(c, codeBadMessage, "messages must be JSON objects with a known type and fields")
		return
	}
	if msg.Type != "hint" {
		s.sendError(c, codeReadOnly, "observing is read-only: you can send the trainee a hint, nothing else")
		return
	}
	// The reference lets a server asked twice (a resent PUBLISH) record
	// the hint once, and the answer find its way back here.
	ref := engine.NewID()
	h, _, err := s.gym.Hint(ctx, c.sessionID, c.user, msg.Text, ref)
	switch engine.ErrorCode(err) {
	case "":
		s.hinted(ctx, c.sessionID, h)
	case engine.EBUSY:
		// The trainee is on another server, which holds the session:
		// ask it to record the hint, and wait for its answer.
		s.hub.awaitHint(ref, c, hintWait)
		ev := event{Kind: eventHintRequest, Ref: ref, From: c.user.ID, Name: c.user.Username, Text: msg.Text}
		if s.publish(ctx, c.sessionID, ev) != nil {
			s.hub.answered(ref)
			s.sendError(c, engine.EUNAVAILABLE, "the hint was not sent; try again")
		}
	default:
		s.sendEngineError(c, err)
	}
}

// hinted tells the trainee's sockets and the observers, wherever they
// are, that a hint was recorded.
func (s *Server) hinted(ctx context.Context, session string, h engine.Hint) {
	s.publish(ctx, session, event{Kind: eventHint, Hint: &h})
	s.publish(ctx, session, event{Kind: eventChanged})
}

// changed tells observers that a session was saved.
func (s *Server) changed(ctx context.Context, session string) {
	s.publish(ctx, session, event{Kind: eventChanged})
}

// listen handles the events of the sessions followed here until the
// server stops.
func (s *Server) listen(ctx context.Context) {
	defer s.wg.Done()
	for {
		session, data, err := s.bus.Receive(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("receiving session events", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		s.dispatch(s.ctx, session, data)
	}
}

// dispatch handles one event. It runs on the listener, one event at a
// time, so that observers see a session's states in order; the one slow
// piece of work, recording a hint, runs on its own.
func (s *Server) dispatch(ctx context.Context, session string, data []byte) {
	var ev event
	if len(data) == 0 {
		// Events may have been missed: observers catch up.
		ev.Kind = eventChanged
	} else if err := json.Unmarshal(data, &ev); err != nil {
		s.log.Warn("unreadable session event", "session", session, "err", err)
		return
	}
	switch ev.Kind {
	case eventChanged:
		obs := s.hub.observers(session)
		if len(obs) == 0 {
			return
		}
		// Read from the store, not through the gym: a turn in progress
		// holds the session in memory, and the listener must not wait
		// for it.
		rec, err := s.cfg.Store.SessionByID(ctx, session)
		if err != nil {
			s.log.Warn("observers: load session", "session", session, "err", err)
			return
		}
		for _, c := range obs {
			s.observerState(ctx, c, rec)
		}
	case eventHint:
		if ev.Hint != nil {
			s.hub.answered(ev.Hint.Ref)
			s.hub.broadcast(session, coachMessage(*ev.Hint))
		}
	case eventHintRequest:
		if !s.hub.hasTrainee(session) {
			return // the server with the trainee's socket records it
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			h, _, err := s.gym.Hint(ctx, session, engine.User{ID: ev.From, Username: ev.Name}, ev.Text, ev.Ref)
			switch engine.ErrorCode(err) {
			case "":
				s.hinted(ctx, session, h)
			case engine.EBUSY, engine.EDUPLICATE:
				// Another of the trainee's windows is on the server that
				// holds the session, which records it; or it is recorded
				// already. Failing that, the observer's server says no
				// answer came.
			default:
				s.publish(ctx, session, event{Kind: eventHintFailed, Ref: ev.Ref, Code: engine.ErrorCode(err), Message: engine.ErrorMessage(err)})
			}
		}()
	case eventDeleted:
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			// Waits for a turn under way, so not on the listener.
			s.gym.Drop(ctx, session)
		}()
		s.hub.closeSession(session, "session deleted")
	case eventHintFailed:
		if p := s.hub.answered(ev.Ref); p != nil {
			s.sendError(p.c, ev.Code, ev.Message)
		}
	}
}

// coachMessage is a hint as the trainee sees it: a coach's note, not a
// line of the client's.
func coachMessage(h engine.Hint) map[string]any {
	return map[string]any{"type": "coach", "after": h.After, "from": h.From, "text": h.Text, "at": h.At}
}
