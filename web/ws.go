package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/scenarios"
)

// maxFrame bounds a message from the browser: a response of 4,000
// characters, each up to four bytes, with room for the envelope and for
// escapes. A larger frame closes the socket with 1009.
const maxFrame = 32 << 10

// sendQueue is how many messages may wait for a slow socket before it is
// dropped; the client resumes from the state message on reconnecting.
const sendQueue = 64

// Socket error codes besides the engine's.
const (
	codeBadMessage  = "bad_message"
	codeUnknownType = "unknown_type"
)

// inbound is any message from the browser.
type inbound struct {
	Type        string `json:"type"`
	Turn        int    `json:"turn"`
	Text        string `json:"text"`
	RuptureType string `json:"rupture_type"`
	Marker      string `json:"marker"`
}

// conn is one practice socket. Only its write loop writes to the socket
// and only its read loop reads, as gorilla/websocket requires.
type conn struct {
	ws        *websocket.Conn
	sessionID string
	user      engine.User
	// observer marks a supervisor's read-only socket; seen is the
	// version of the session last sent to it, under stateMu, which keeps
	// an older state from being queued after a newer one.
	observer bool
	stateMu  sync.Mutex
	seen     int64
	// unsaved is the turn whose answer this socket was last told was not
	// saved; only the read loop uses it.
	unsaved int
	// tokenHash and expires are the login the socket was opened with;
	// the socket closes when it ends.
	tokenHash string
	expires   time.Time
	send      chan any
	// closing is closed to make the write loop send a close frame with
	// closeCode and stop.
	closing   chan struct{}
	closeOnce sync.Once
	closeCode int
	closeText string
}

// enqueue queues a message without blocking. A socket too slow to keep up
// is closed; the browser reconnects and resumes from the state.
func (c *conn) enqueue(msg any) bool {
	select {
	case c.send <- msg:
		return true
	default:
		c.close(websocket.CloseTryAgainLater, "too slow")
		return false
	}
}

func (c *conn) close(code int, text string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeText = code, text
		close(c.closing)
	})
}

// hub tracks the sockets of every session, so that a change made through
// one socket reaches every socket open on the session, and listens on
// the bus to the sessions that have sockets here.
type hub struct {
	s     *Server
	mu    sync.Mutex
	conns map[string]map[*conn]bool
	wg    sync.WaitGroup
	// draining is set on shutdown: no new messages are taken.
	draining bool

	// dirty holds the sessions whose bus subscription may need making
	// or dropping; wake tells the follower so. followed is the sessions
	// subscribed to, the follower's alone.
	dirty    map[string]bool
	wake     chan struct{}
	followed map[string]bool

	// hints are the hints sent to another server to record, by
	// reference, waiting for its answer.
	hints map[string]*pendingHint
}

// A pendingHint is an observer's hint that another server was asked to
// record: the observer hears if it fails or nobody answers.
type pendingHint struct {
	c     *conn
	timer *time.Timer
}

func newHub(s *Server) *hub {
	return &hub{s: s, conns: map[string]map[*conn]bool{}, dirty: map[string]bool{}, wake: make(chan struct{}, 1),
		followed: map[string]bool{}, hints: map[string]*pendingHint{}}
}

// follow asks for a session's events while it has sockets here, and for
// them to stop once it has none. The subscription is made in the
// background, by follower: a bus that waits on the network must not hold
// up a socket, nor one session's socket another's.
func (h *hub) follow(session string) {
	h.mu.Lock()
	h.dirty[session] = true
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// follower makes and drops subscriptions as sockets come and go, until
// ctx ends. A subscription once made reports itself on the bus (an empty
// event), and observers then read their session again: nothing published
// before it was made is missed.
func (h *hub) follower(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		h.mu.Lock()
		want := make(map[string]bool, len(h.dirty))
		for session := range h.dirty {
			want[session] = len(h.conns[session]) > 0
		}
		clear(h.dirty)
		h.mu.Unlock()
		for session, on := range want {
			if on == h.followed[session] {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			var err error
			if on {
				h.followed[session] = true
				err = h.s.bus.Subscribe(sctx, session)
			} else {
				delete(h.followed, session)
				err = h.s.bus.Unsubscribe(sctx, session)
			}
			cancel()
			if err != nil {
				// The Redis bus keeps the subscription and makes it when
				// Redis is back.
				h.s.log.Warn("following session events", "session", session, "subscribe", on, "err", err)
			}
		}
	}
}

// awaitHint remembers a hint another server was asked to record, and
// tells the observer if no answer comes within wait.
func (h *hub) awaitHint(ref string, c *conn, wait time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hints[ref] = &pendingHint{c: c, timer: time.AfterFunc(wait, func() {
		if p := h.answered(ref); p != nil {
			h.s.sendError(p.c, engine.EUNAVAILABLE, "the server the trainee is on has not confirmed the hint; if it does not appear in the transcript, send it again")
		}
	})}
}

// answered forgets a hint waiting for an answer and returns it, or nil if
// it is not waited for here.
func (h *hub) answered(ref string) *pendingHint {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.hints[ref]
	if p != nil {
		p.timer.Stop()
		delete(h.hints, ref)
	}
	return p
}

// observers returns the observers' sockets on a session.
func (h *hub) observers(session string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*conn
	for c := range h.conns[session] {
		if c.observer {
			out = append(out, c)
		}
	}
	return out
}

// hasTrainee reports whether the trainee has a socket on a session here.
func (h *hub) hasTrainee(session string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.conns[session] {
		if !c.observer {
			return true
		}
	}
	return false
}

func (h *hub) add(c *conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	if h.conns[c.sessionID] == nil {
		h.conns[c.sessionID] = map[*conn]bool{}
	}
	h.conns[c.sessionID][c] = true
	// One for the read loop, one for the write loop.
	h.wg.Add(2)
	h.s.metrics.sockets.Inc()
	return true
}

func (h *hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if set := h.conns[c.sessionID]; set[c] {
		delete(set, c)
		if len(set) == 0 {
			delete(h.conns, c.sessionID)
		}
		h.s.metrics.sockets.Dec()
	}
}

// broadcast sends messages to every trainee socket of a session.
// Observers get states instead, through the bus.
func (h *hub) broadcast(sessionID string, msgs ...any) {
	h.mu.Lock()
	targets := make([]*conn, 0, len(h.conns[sessionID]))
	for c := range h.conns[sessionID] {
		if !c.observer {
			targets = append(targets, c)
		}
	}
	h.mu.Unlock()
	for _, c := range targets {
		for _, m := range msgs {
			if !c.enqueue(m) {
				break
			}
		}
	}
}

// loginLives reports whether a socket's login is still in the store. Only
// a login known to be gone counts: a store that cannot answer now keeps
// the socket open.
func (s *Server) loginLives(c *conn) bool {
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
	defer cancel()
	_, err := s.cfg.Store.TokenByHash(ctx, c.tokenHash)
	return engine.ErrorCode(err) != engine.ENOTFOUND
}

// closeLogin closes the sockets opened with a login that has ended.
func (h *hub) closeLogin(tokenHash string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.conns {
		for c := range set {
			if c.tokenHash == tokenHash {
				c.close(websocket.ClosePolicyViolation, "logged out")
			}
		}
	}
}

// shutdown stops taking messages, lets each socket finish the message it
// is handling, and closes every socket with 1001.
func (h *hub) shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.draining = true
	var all []*conn
	for _, set := range h.conns {
		for c := range set {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		// Wakes a read loop waiting for the next message; one handling a
		// message finishes it first.
		c.ws.SetReadDeadline(time.Now())
	}
	if err := wait(ctx, &h.wg); err != nil {
		return fmt.Errorf("sockets still open at the shutdown deadline: %w", err)
	}
	return nil
}

func (h *hub) isDraining() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.draining
}

// upgrader accepts sockets from the server's own origin or an allowed one.
func (s *Server) upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      s.sameOrigin,
	}
}

// socket serves GET /api/sessions/:id/ws. After the upgrade the
// connection belongs to the socket: errors are logged, never returned to
// Echo, which would write an HTTP response into it.
func (s *Server) socket(c echo.Context) error {
	rec, err := s.visibleSession(c)
	if err != nil {
		return err
	}
	if rec.Trainee != currentUser(c).ID {
		// Supervisors watch through /observe; the practice socket is
		// the trainee's alone.
		return notFound("session")
	}
	return s.openSocket(c, rec, false)
}

// openSocket upgrades a request to a trainee's or an observer's socket
// and serves it until it closes.
func (s *Server) openSocket(c echo.Context, rec engine.SessionRecord, observer bool) error {
	me := currentUser(c)
	if !s.sameOrigin(c.Request()) {
		s.metrics.wsErrors.WithLabelValues(codeForbidden).Inc()
		return newError(http.StatusForbidden, codeForbidden, "this origin may not open practice sockets")
	}
	ws, err := s.upgrader().Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		s.log.Info("websocket upgrade failed", "request_id", requestID(c), "err", err)
		return nil // the upgrader has answered
	}
	login := currentLogin(c)
	// The session may have been started on another server, on a scenario
	// version saved there a moment ago.
	s.knowsVersion(c.Request().Context(), rec)
	cn := &conn{ws: ws, sessionID: rec.State.ID, user: me, observer: observer, tokenHash: login.Hash, expires: login.Expires,
		send: make(chan any, sendQueue), closing: make(chan struct{})}
	if !s.hub.add(cn) {
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		ws.Close()
		return nil
	}
	// The read side is done, for shutdown, only once the socket has let
	// its session go (deferred below, so run before this).
	defer s.hub.wg.Done()
	s.hub.follow(cn.sessionID)
	defer s.hub.follow(cn.sessionID)
	ctx, cancel := context.WithCancel(s.ctx)
	if !observer {
		// The trainee's server drives the session. If another still
		// holds it (one that died, until its lease lapses), the first
		// change takes it over.
		if err := s.gym.Hold(ctx, cn.sessionID); err != nil && engine.ErrorCode(err) != engine.EBUSY {
			s.log.Warn("socket: hold session", "session", cn.sessionID, "err", err)
		}
		defer s.gym.Let(context.WithoutCancel(ctx), cn.sessionID)
	}
	go s.writeLoop(cn, cancel)
	s.readLoop(ctx, cn)
	cancel()
	return nil
}

// writeLoop is the only writer of a socket: queued messages, pings, and
// the close frame.
func (s *Server) writeLoop(c *conn, cancel context.CancelFunc) {
	ping := time.NewTicker(s.cfg.PongWait / 2)
	defer func() {
		ping.Stop()
		c.ws.Close()
		cancel()
		s.hub.wg.Done()
	}()
	for {
		select {
		case msg := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteWait))
			if err := c.ws.WriteJSON(msg); err != nil {
				c.close(websocket.CloseAbnormalClosure, "")
				return
			}
		case <-ping.C:
			// The tick's own time may be stale when the loop runs late.
			now := time.Now()
			if now.After(c.expires) {
				c.close(websocket.ClosePolicyViolation, "login expired")
				continue
			}
			if !s.loginLives(c) {
				if time.Now().After(c.expires) {
					// Expired during the lookup: the store no longer has
					// it, and that is why.
					c.close(websocket.ClosePolicyViolation, "login expired")
					continue
				}
				// Logged out or deleted, perhaps through another server.
				c.close(websocket.ClosePolicyViolation, "logged out")
				continue
			}
			if err := c.ws.WriteControl(websocket.PingMessage, nil, now.Add(s.cfg.WriteWait)); err != nil {
				return
			}
		case <-c.closing:
			// Flush what is queued, then say goodbye.
		drain:
			for {
				select {
				case msg := <-c.send:
					c.ws.SetWriteDeadline(time.Now().Add(s.cfg.WriteWait))
					if c.ws.WriteJSON(msg) != nil {
						return
					}
				default:
					break drain
				}
			}
			if c.closeCode != websocket.CloseAbnormalClosure {
				c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText), time.Now().Add(s.cfg.WriteWait))
			}
			return
		}
	}
}

// readLoop reads and handles messages one at a time until the socket
// closes, the session ends, or the server drains.
func (s *Server) readLoop(ctx context.Context, c *conn) {
	defer func() {
		s.hub.remove(c)
		if s.hub.isDraining() {
			c.close(websocket.CloseGoingAway, "server restarting")
		} else {
			c.close(websocket.CloseNormalClosure, "")
		}
	}()
	c.ws.SetReadLimit(maxFrame)
	c.ws.SetReadDeadline(time.Now().Add(s.cfg.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(s.cfg.PongWait))
	})
	// Shutdown may have woken the sockets before this one set its
	// deadline, which undid the wake-up.
	if s.hub.isDraining() {
		return
	}

	rec, err := s.gym.Record(ctx, c.sessionID)
	if err != nil {
		s.log.Error("socket: load session", "session", c.sessionID, "err", err)
		return
	}
	if c.observer {
		s.observerState(ctx, c, rec)
	} else {
		c.enqueue(s.stateMessage(c.user, rec))
		if rec.State.Status == engine.Ended {
			c.enqueue(endMessage(rec))
		}
	}
	for {
		kind, data, err := c.ws.ReadMessage()
		if err != nil {
			switch {
			case errors.Is(err, websocket.ErrReadLimit):
				s.metrics.wsErrors.WithLabelValues(codeTooLarge).Inc()
				c.close(websocket.CloseMessageTooBig, "message too large")
			case websocket.IsUnexpectedCloseError(err, websocket.CloseGoingAway, websocket.CloseNormalClosure, websocket.CloseNoStatusReceived) && !s.hub.isDraining():
				s.log.Info("socket closed", "session", c.sessionID, "err", err)
			}
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(s.cfg.PongWait))
		if s.hub.isDraining() {
			return
		}
		if kind != websocket.TextMessage {
			s.sendError(c, codeBadMessage, "messages must be text frames of UTF-8 JSON")
			continue
		}
		if c.observer {
			s.handleObserverMessage(ctx, c, data)
		} else if stop := s.handleMessage(ctx, c, data); stop {
			return
		}
		// A turn with a language model can outlast the pong wait, and
		// nothing is read meanwhile: the wait starts again after it,
		// unless shutdown has begun (it wakes readers with a deadline of
		// now, which this would undo; it sets draining first).
		c.ws.SetReadDeadline(time.Now().Add(s.cfg.PongWait))
		if s.hub.isDraining() {
			return
		}
	}
}

func (s *Server) sendError(c *conn, code, message string) {
	s.metrics.wsErrors.WithLabelValues(code).Inc()
	c.enqueue(map[string]any{"type": "error", "code": code, "message": message})
}

func (s *Server) sendEngineError(c *conn, err error) {
	code := engine.ErrorCode(err)
	if code == engine.EINTERNAL {
		s.log.Error("socket: internal error", "session", c.sessionID, "err", err)
	} else if ee := (*engine.Error)(nil); errors.As(err, &ee) && ee.Err != nil {
		s.log.Warn("socket: request failed", "session", c.sessionID, "code", code, "err", ee.Err)
	}
	s.sendError(c, code, engine.ErrorMessage(err))
}

// handleMessage handles one message and reports whether the socket should
// close.
func (s *Server) handleMessage(ctx context.Context, c *conn, data []byte) (stop bool) {
	var msg inbound
	if !utf8.Valid(data) {
		s.sendError(c, codeBadMessage, "messages must be UTF-8 JSON")
		return false
	}
	if err := decodeStrict(data, &msg); err != nil {
		s.sendError(c, codeBadMessage, "messages must be JSON objects with a known type and fields")
		return false
	}
	switch msg.Type {
	case "response":
		step, rec, err := s.gym.Respond(ctx, c.sessionID, msg.Turn, msg.Text, func(delta string) {
			s.hub.broadcast(c.sessionID, map[string]any{"type": "client_delta", "turn": msg.Turn + 2, "delta": delta})
		})
		switch engine.ErrorCode(err) {
		case "":
		case engine.EDUPLICATE:
			// A resend after reconnecting is ignored. But if this socket
			// was told "not saved" for the turn, the save may have landed
			// with only its answer lost: the browser, which believes
			// otherwise, gets the session as it stands.
			if c.unsaved == msg.Turn {
				c.unsaved = 0
				if rec, err := s.gym.Record(ctx, c.sessionID); err == nil {
					c.enqueue(s.stateMessage(c.user, rec))
				}
			}
			return false
		case engine.EUNAVAILABLE:
			c.unsaved = msg.Turn
			s.sendEngineError(c, err)
			return false
		default:
			s.sendEngineError(c, err)
			return false
		}
		s.metrics.turns.Inc()
		var out []any
		if rec.State.Mode == engine.Practice {
			out = append(out, feedbackMessage(step.Feedback))
		}
		out = append(out, map[string]any{"type": "client_turn", "turn": step.Client.N, "text": step.Client.Text})
		if step.Summary != nil {
			out = append(out, endMessage(rec))
		}
		s.hub.broadcast(c.sessionID, out...)
		s.changed(ctx, c.sessionID)
	case "retry":
		rec, err := s.gym.Retry(ctx, c.sessionID, msg.Turn)
		if err != nil {
			s.sendEngineError(c, err)
			return false
		}
		s.hub.broadcast(c.sessionID, s.stateMessage(c.user, rec))
		s.changed(ctx, c.sessionID)
	case "flag", "pass":
		// pass says a line is not a rupture: it takes back a flag, and in
		// recognition practice moves on like a flag does.
		kind, marker := msg.RuptureType, msg.Marker
		if msg.Type == "pass" {
			kind, marker = "", ""
		} else if kind == "" {
			s.sendError(c, engine.EINVALID, "say which kind of rupture: confrontation or withdrawal")
			return false
		}
		f, step, rec, err := s.gym.Mark(ctx, c.sessionID, msg.Turn, kind, marker, func(delta string) {
			s.hub.broadcast(c.sessionID, map[string]any{"type": "client_delta", "turn": msg.Turn + 1, "delta": delta})
		})
		if err != nil {
			s.sendEngineError(c, err)
			return false
		}
		reply := map[string]any{"type": "flag_result", "turn": msg.Turn, "flagged": kind != ""}
		if rec.State.Mode != engine.Assessment {
			// Practice and recognition say at once whether the line was
			// a rupture; assessment keeps it for the end. Letting a line
			// pass is right when it was an ordinary one.
			expected := s.annotation(rec, msg.Turn)
			reply["correct"] = f.Correct
			if kind == "" {
				reply["correct"] = expected != nil && !expected.IsRupture()
			} else {
				reply["rupture_type"] = f.RuptureType
			}
			reply["expected"] = expected
		}
		out := []any{reply}
		if step.Client.N > 0 {
			out = append(out, map[string]any{"type": "client_turn", "turn": step.Client.N, "text": step.Client.Text})
		}
		if step.Summary != nil {
			out = append(out, endMessage(rec))
		}
		s.hub.broadcast(c.sessionID, out...)
		s.changed(ctx, c.sessionID)
	case "pause":
		rec, err := s.gym.Pause(ctx, c.sessionID)
		if err != nil {
			s.sendEngineError(c, err)
			return false
		}
		s.hub.broadcast(c.sessionID, s.stateMessage(c.user, rec))
		s.changed(ctx, c.sessionID)
		return true
	case "end":
		rec, err := s.gym.Abandon(ctx, c.sessionID)
		if err != nil {
			s.sendEngineError(c, err)
			return false
		}
		s.hub.broadcast(c.sessionID, endMessage(rec))
		s.changed(ctx, c.sessionID)
		return true
	default:
		s.sendError(c, codeUnknownType, "unknown message type; use response, retry, flag, pass, pause or end")
	}
	return false
}

// annotation returns the marker of line n of a session's transcript, for
// feedback on a flag.
func (s *Server) annotation(rec engine.SessionRecord, n int) *scenarios.Marker {
	scn, ok := s.cfg.Catalog.Version(rec.State.ScenarioID, rec.State.ScenarioVersion)
	if !ok || n < 1 || n > len(rec.State.Turns) {
		return nil
	}
	return engine.LineMarker(scn, rec.State.Turns[n-1])
}

func (s *Server) stateMessage(viewer engine.User, rec engine.SessionRecord) map[string]any {
	return map[string]any{"type": "state", "session": s.sessionView(viewer, rec, viewer.Username, true)}
}

func feedbackMessage(fb engine.Feedback) map[string]any {
	return map[string]any{"type": "feedback", "turn": fb.Turn, "scores": fb.Scores, "overall": fb.Overall, "notes": fb.Notes, "exemplar": fb.Exemplar}
}

func endMessage(rec engine.SessionRecord) map[string]any {
	return map[string]any{"type": "end", "outcome": rec.State.Outcome, "summary": rec.State.Summary}
}
