package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
)

// exportedUser is the account part of an export: what the person is
// known by, never their password hash.
type exportedUser struct {
	userJSON
	Created time.Time `json:"created"`
}

// exportUser serves GET /api/users/:id/export: one person's account and
// every session they practised, as a file an admin can hand them or
// archive. Sessions are rendered and written one at a time, so that the
// JSON of years of transcripts is never held whole beside the records.
func (s *Server) exportUser(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := s.cfg.Store.UserByID(ctx, c.Param("id"))
	if engine.ErrorCode(err) == engine.ENOTFOUND {
		return notFound("user")
	}
	if err != nil {
		return err
	}
	recs, err := s.cfg.Store.Sessions(ctx, engine.SessionFilter{Trainee: u.ID})
	if err != nil {
		return err
	}
	// Everything that can fail before the first byte is answered as an
	// error; after it, a failure can only cut the download short.
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSONCharsetUTF8)
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="repairgym-%s.json"`, fileSafe(u.Username)))
	res.WriteHeader(http.StatusOK)
	if err := s.writeExport(ctx, res, currentUser(c), u, recs); err != nil {
		s.log.Error("export cut short", "request_id", requestID(c), "user", u.ID, "err", err)
		// Abort the connection, so that the admin's browser reports a
		// failed download instead of saving a file that looks whole.
		panic(http.ErrAbortHandler)
	}
	s.log.Info("user exported", "request_id", requestID(c), "by", currentUser(c).ID, "user", u.ID, "sessions", len(recs))
	return nil
}

// writeExport writes {"user": …, "exported": …, "sessions": [ … ]}, each
// session as the admin sees it, with its transcript, hints and reviews.
func (s *Server) writeExport(ctx context.Context, res *echo.Response, admin, u engine.User, recs []engine.SessionRecord) error {
	enc := json.NewEncoder(res)
	write := func(text string) error {
		_, err := res.Write([]byte(text))
		return err
	}
	if err := write(`{"user":`); err != nil {
		return err
	}
	if err := enc.Encode(exportedUser{userJSON: publicUser(u), Created: u.Created}); err != nil {
		return err
	}
	if err := write(`,"exported":`); err != nil {
		return err
	}
	if err := enc.Encode(time.Now().UTC()); err != nil {
		return err
	}
	if err := write(`,"sessions":[`); err != nil {
		return err
	}
	for i := range recs {
		v := s.sessionView(admin, recs[i], u.Username, true)
		// As in getSession: ratings are held back with the scores, which
		// matters only for an admin exporting their own assessment.
		if scoresVisible(admin, recs[i]) {
			reviews, err := s.reviewViews(ctx, recs[i].State.ID)
			if err != nil {
				return fmt.Errorf("reviews of session %s: %w", recs[i].State.ID, err)
			}
			v.Reviews = reviews
		}
		if i > 0 {
			if err := write(","); err != nil {
				return err
			}
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("write session %s: %w", recs[i].State.ID, err)
		}
		recs[i] = engine.SessionRecord{} // written: let it go
	}
	return write("]}\n")
}

// fileSafe keeps a name to the characters a username may have, so that
// nothing in it can break out of the Content-Disposition header.
func fileSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return '_'
	}, name)
}

// deleteUser serves DELETE /api/users/:id: it removes a person and
// everything they practised, and ends their logins and sockets. Sessions
// go first and the account last, so that if the server fails halfway,
// running the delete again finishes it: the account is still there to
// name.
func (s *Server) deleteUser(c echo.Context) error {
	ctx := c.Request().Context()
	me, id := currentUser(c), c.Param("id")
	if id == me.ID {
		return newError(http.StatusConflict, engine.ECONFLICT, "you cannot delete your own account; ask another admin to do it")
	}
	_, err := s.cfg.Store.UserByID(ctx, id)
	exists := err == nil
	if err != nil && engine.ErrorCode(err) != engine.ENOTFOUND {
		return err
	}
	n, err := s.deleteSessionsOf(ctx, id)
	if err != nil {
		s.log.Warn("user delete cut short", "request_id", requestID(c), "by", me.ID, "user", id, "sessions", n)
		return err
	}
	if !exists && n == 0 {
		return notFound("user")
	}
	if exists {
		if err := s.cfg.Store.DeleteUser(ctx, id); err != nil && engine.ErrorCode(err) != engine.ENOTFOUND {
			s.log.Warn("user delete cut short", "request_id", requestID(c), "by", me.ID, "user", id, "sessions", n)
			return fmt.Errorf("delete user %s: %w", id, err)
		}
		// A session the user started while the first pass ran, on a
		// login that has only just ended.
		more, err := s.deleteSessionsOf(ctx, id)
		n += more
		if err != nil {
			s.log.Warn("user deleted, a late session left", "request_id", requestID(c), "by", me.ID, "user", id, "sessions", n)
			return err
		}
	}
	s.hub.closeUser(id)
	s.log.Info("user deleted", "request_id", requestID(c), "by", me.ID, "user", id, "sessions", n)
	return c.NoContent(http.StatusNoContent)
}

// deleteSessionsOf deletes every session of a user, from the store and
// from memory, and returns how many it deleted. One deleted meanwhile
// (by retention, say) counts as done.
func (s *Server) deleteSessionsOf(ctx context.Context, userID string) (int, error) {
	recs, err := s.cfg.Store.Sessions(ctx, engine.SessionFilter{Trainee: userID})
	if err != nil {
		return 0, fmt.Errorf("list sessions of %s: %w", userID, err)
	}
	n := 0
	for _, rec := range recs {
		err := s.deleteSession(ctx, rec.State.ID, "account deleted")
		switch engine.ErrorCode(err) {
		case "":
			n++
		case engine.ENOTFOUND:
		default:
			return n, err
		}
	}
	return n, nil
}

// deleteSession deletes a session, closes its sockets here saying why,
// and tells the other servers, which drop their copy of it and close its
// sockets there.
func (s *Server) deleteSession(ctx context.Context, id, why string) error {
	if err := s.gym.Delete(ctx, id); err != nil {
		return err
	}
	s.hub.closeSession(id, why)
	s.publish(ctx, id, event{Kind: eventDeleted})
	return nil
}

// closeSession closes every socket open on a session.
func (h *hub) closeSession(id, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns[id] {
		c.close(websocket.ClosePolicyViolation, why)
	}
}

// closeUser closes every socket of a user, practising or observing, and
// returns how many it closed. It reaches the sockets on this server only;
// on another, a socket finds the session gone at the next change.
func (h *hub) closeUser(userID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.conns {
		for c := range set {
			if c.user.ID == userID {
				c.close(websocket.ClosePolicyViolation, "account deleted")
				n++
			}
		}
	}
	return n
}

// deleteOldTranscripts deletes the sessions that ended more than the
// retention period before now, and returns how many it deleted. Paused
// and active sessions are kept however old: their trainee means to come
// back. With no retention period, transcripts are kept forever.
func (s *Server) deleteOldTranscripts(ctx context.Context, now time.Time) (int, error) {
	if s.cfg.Retention <= 0 {
		return 0, nil
	}
	cutoff := now.Add(-s.cfg.Retention)
	recs, err := s.cfg.Store.Sessions(ctx, engine.SessionFilter{Status: engine.Ended, UpdatedBefore: cutoff})
	if err != nil {
		return 0, fmt.Errorf("list old transcripts: %w", err)
	}
	n := 0
	var firstErr error
	for _, rec := range recs {
		// Ask again just before deleting: a trainee may have taken back
		// the last answer of an ended practice since the listing, which
		// makes it active and recent again.
		cur, err := s.gym.Record(ctx, rec.State.ID)
		if err == nil && (cur.State.Status != engine.Ended || !cur.State.Updated.Before(cutoff)) {
			continue
		}
		if err == nil {
			err = s.deleteSession(ctx, rec.State.ID, "session deleted")
		}
		switch engine.ErrorCode(err) {
		case "":
			n++
		case engine.ENOTFOUND:
		default:
			if firstErr == nil {
				firstErr = fmt.Errorf("delete old transcript %s: %w", rec.State.ID, err)
			}
		}
	}
	return n, firstErr
}
