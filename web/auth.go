package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
)

const (
	sessionCookie = "repairgym_session"
	csrfCookie    = "repairgym_csrf"
	csrfHeader    = "X-CSRF-Token"

	ctxUser       = "user"
	ctxLogin      = "login"
	ctxCookieAuth = "cookie_auth"
)

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is what the store keeps of a token: enough to recognise it,
// not enough to use it.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type userJSON struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
	Cohort   string `json:"cohort,omitempty"`
}

func publicUser(u engine.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Role: u.Role, Cohort: u.Cohort}
}

// bindJSON decodes a JSON body, refusing other content types: a
// cross-site form cannot send application/json without the browser
// asking first.
func bindJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return newError(http.StatusUnsupportedMediaType, engine.EINVALID, "send JSON with Content-Type: application/json")
	}
	if err := (&echo.DefaultBinder{}).BindBody(c, v); err != nil {
		return badRequest("the body is not valid JSON for this request")
	}
	return nil
}

func (s *Server) login(c echo.Context) error {
	if !s.sameOrigin(c.Request()) {
		return newError(http.StatusForbidden, codeForbidden, "this origin may not log in here")
	}
	var req loginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ip := c.RealIP()
	// The attempt counts as a failure before the password is checked, so
	// that many guesses sent at once cannot all slip in under the limit.
	at, wait := s.logins.attempt(req.Username, ip)
	if wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		return newError(http.StatusTooManyRequests, codeRateLimited, "too many failed logins; try again in a few minutes")
	}
	ctx := c.Request().Context()
	u, err := s.cfg.Store.UserByName(ctx, req.Username)
	hash := u.PasswordHash
	if err != nil {
		if engine.ErrorCode(err) != engine.ENOTFOUND {
			s.logins.release(req.Username, ip, at) // not a guess
			return err
		}
		hash = s.dummyHash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || err != nil {
		s.log.Info("failed login", "request_id", requestID(c), "remote", ip)
		return newError(http.StatusUnauthorized, codeUnauthorized, "wrong username or password")
	}
	s.logins.succeed(req.Username, ip, at)
	token := randomToken()
	now := time.Now()
	if err := s.cfg.Store.SaveToken(ctx, engine.Token{Hash: hashToken(token), UserID: u.ID, Created: now, Expires: now.Add(s.cfg.TokenTTL)}); err != nil {
		return err
	}
	secure := isHTTPS(c.Request())
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode, Expires: now.Add(s.cfg.TokenTTL)})
	// The CSRF cookie is readable by the app's own script, which echoes
	// it in a header; a page on another site cannot read it.
	c.SetCookie(&http.Cookie{Name: csrfCookie, Value: randomToken(), Path: "/", Secure: secure,
		SameSite: http.SameSiteLaxMode, Expires: now.Add(s.cfg.TokenTTL)})
	return c.JSON(http.StatusOK, map[string]any{"token": token, "user": publicUser(u)})
}

func (s *Server) logout(c echo.Context) error {
	if token := requestToken(c); token != "" {
		if err := s.cfg.Store.DeleteToken(c.Request().Context(), hashToken(token)); err != nil {
			return err
		}
		s.hub.closeLogin(hashToken(token))
	}
	for _, name := range []string{sessionCookie, csrfCookie} {
		c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1})
	}
	return c.NoContent(http.StatusNoContent)
}

// me answers who the caller is, and which client voices the server has,
// so that the app can offer the LLM voice only where there is one.
func (s *Server) me(c echo.Context) error {
	voices := []string{engine.Scripted{}.Name()}
	for name := range s.cfg.Voices {
		if name != voices[0] {
			voices = append(voices, name)
		}
	}
	sort.Strings(voices[1:])
	return c.JSON(http.StatusOK, struct {
		userJSON
		Voices []string `json:"voices"`
	}{publicUser(currentUser(c)), voices})
}

// requestToken finds the caller's token: the Authorization header, the
// session cookie, or — for sockets, which browsers open without headers —
// the token query parameter.
func requestToken(c echo.Context) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		c.Set(ctxCookieAuth, true)
		return ck.Value
	}
	if strings.HasSuffix(c.Path(), "/ws") {
		return c.QueryParam("token")
	}
	return ""
}

// authenticate admits requests with a valid token and puts the user in the
// context.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := requestToken(c)
		if token == "" {
			return newError(http.StatusUnauthorized, codeUnauthorized, "log in first")
		}
		ctx := c.Request().Context()
		t, err := s.cfg.Store.TokenByHash(ctx, hashToken(token))
		if engine.ErrorCode(err) == engine.ENOTFOUND {
			return newError(http.StatusUnauthorized, codeUnauthorized, "your login has expired; log in again")
		}
		if err != nil {
			return err
		}
		u, err := s.cfg.Store.UserByID(ctx, t.UserID)
		if engine.ErrorCode(err) == engine.ENOTFOUND {
			return newError(http.StatusUnauthorized, codeUnauthorized, "log in again")
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxLogin, t)
		return next(c)
	}
}

// checkCSRF guards writes made with the session cookie: they must come
// from the server's own origin and echo the CSRF cookie in a header.
// Requests authenticated with a bearer token carry no ambient credential
// and pass.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if cookieAuth, _ := c.Get(ctxCookieAuth).(bool); !cookieAuth {
			return next(c)
		}
		ck, err := c.Cookie(csrfCookie)
		header := c.Request().Header.Get(csrfHeader)
		if err != nil || ck.Value == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(header)) != 1 || !s.sameOrigin(c.Request()) {
			return newError(http.StatusForbidden, codeForbidden, "this page is out of date; reload it and try again")
		}
		return next(c)
	}
}

func currentUser(c echo.Context) engine.User {
	u, _ := c.Get(ctxUser).(engine.User)
	return u
}

// currentLogin returns the token the request was authenticated with.
func currentLogin(c echo.Context) engine.Token {
	t, _ := c.Get(ctxLogin).(engine.Token)
	return t
}

// roles admits only users with one of the given roles.
func (s *Server) roles(allowed ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			role := currentUser(c).Role
			for _, r := range allowed {
				if r == role {
					return next(c)
				}
			}
			return newError(http.StatusForbidden, codeForbidden, "your account does not have access to this")
		}
	}
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)

type createUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
	Cohort   string `json:"cohort"`
}

func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	u, err := s.NewUser(c.Request().Context(), req.Username, req.Password, req.Role, req.Cohort)
	if err != nil {
		return err
	}
	s.log.Info("user created", "request_id", requestID(c), "by", currentUser(c).ID, "user", u.ID, "role", u.Role)
	return c.JSON(http.StatusCreated, publicUser(u))
}

// NewUser checks and creates a user with a hashed password.
func (s *Server) NewUser(ctx context.Context, username, password, role, cohort string) (engine.User, error) {
	cohort = strings.TrimSpace(cohort)
	switch {
	case !usernamePattern.MatchString(username):
		return engine.User{}, badRequest("a username is 2–64 letters, digits, dots, dashes or underscores")
	case utf8.RuneCountInString(password) < 8:
		return engine.User{}, badRequest("a password needs at least 8 characters")
	case len(password) > 72:
		return engine.User{}, badRequest("a password can be at most 72 bytes (72 letters without accents)")
	case role != engine.RoleTrainee && role != engine.RoleSupervisor && role != engine.RoleAdmin:
		return engine.User{}, badRequest(`role must be "trainee", "supervisor" or "admin"`)
	case utf8.RuneCountInString(cohort) > 64:
		return engine.User{}, badRequest("a cohort name can be at most 64 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if err != nil {
		return engine.User{}, fmt.Errorf("hash password: %w", err)
	}
	u := engine.User{ID: engine.NewID(), Username: username, Role: role, Cohort: cohort, Created: time.Now().UTC(), PasswordHash: hash}
	if err := s.cfg.Store.CreateUser(ctx, u); err != nil {
		if engine.ErrorCode(err) == engine.ECONFLICT {
			return engine.User{}, newError(http.StatusConflict, engine.ECONFLICT, "that username is taken")
		}
		return engine.User{}, err
	}
	return u, nil
}

// EnsureAdmin creates the user "admin" on a first run. With no password
// given it generates one and returns it, to be shown once; if an admin
// exists it does nothing and returns "".
func (s *Server) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	users, err := s.cfg.Store.Users(ctx, "")
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if u.Role == engine.RoleAdmin {
			return "", nil
		}
	}
	if password == "" {
		generated = randomToken()[:20]
		password = generated
	}
	if _, err := s.NewUser(ctx, "admin", password, engine.RoleAdmin, ""); err != nil {
		return "", fmt.Errorf("create admin: %w", err)
	}
	return generated, nil
}

func (s *Server) listUsers(c echo.Context) error {
	me := currentUser(c)
	cohort := ""
	if me.Role == engine.RoleSupervisor {
		cohort = me.Cohort
		if cohort == "" {
			return c.JSON(http.StatusOK, []userJSON{})
		}
	}
	users, err := s.cfg.Store.Users(c.Request().Context(), cohort)
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, publicUser(u))
	}
	return c.JSON(http.StatusOK, out)
}

// loginLimiter counts failed logins over a window, for each username from
// each address, for each username, and for each address, and blocks an
// attempt once any of them passes its limit. Guessing one person's
// password from one place is stopped quickly; the per-username limit is
// high, so that a stranger cannot easily lock someone out, and it still
// caps guessing spread over many addresses; spraying many accounts from
// one address is stopped too.
type loginLimiter struct {
	mu      sync.Mutex
	window  time.Duration
	perPair int
	perUser int
	perIP   int
	fails   map[string][]time.Time
	now     func() time.Time
}

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{window: 15 * time.Minute, perPair: 5, perUser: 50, perIP: 20, fails: map[string][]time.Time{}, now: time.Now}
}

func (l *loginLimiter) recent(key string) []time.Time {
	cutoff := l.now().Add(-l.window)
	ts := l.fails[key]
	i := 0
	for i < len(ts) && ts[i].Before(cutoff) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
	return ts
}

// attempt records a login attempt as failed, unless one of its limits is
// already reached, in which case it returns how long to wait. The time it
// returns identifies the attempt to succeed or release.
func (l *loginLimiter) attempt(user, ip string) (at time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	keys := []struct {
		key   string
		limit int
	}{{pairKey(user, ip), l.perPair}, {userKey(user), l.perUser}, {ipKey(ip), l.perIP}}
	for _, k := range keys {
		ts := l.recent(k.key)
		if len(ts) >= k.limit {
			if w := ts[len(ts)-k.limit].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		return time.Time{}, wait
	}
	for _, k := range keys {
		l.fails[k.key] = append(l.fails[k.key], now)
	}
	return now, 0
}

// succeed takes the attempt back from every count, and clears the
// failures of this username from this address. Failures from elsewhere
// stand: a login does not wipe out someone else's guessing.
func (l *loginLimiter) succeed(user, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, pairKey(user, ip))
	l.remove(userKey(user), at)
	l.remove(ipKey(ip), at)
}

// release takes back an attempt that was neither right nor wrong.
func (l *loginLimiter) release(user, ip string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.remove(pairKey(user, ip), at)
	l.remove(userKey(user), at)
	l.remove(ipKey(ip), at)
}

func (l *loginLimiter) remove(key string, at time.Time) {
	ts := l.fails[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			ts = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
}

func pairKey(user, ip string) string { return "p:" + ip + " " + strings.ToLower(user) }
func userKey(user string) string     { return "u:" + strings.ToLower(user) }
func ipKey(ip string) string         { return "ip:" + ip }

// prune forgets failures older than the window.
func (l *loginLimiter) prune() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key := range l.fails {
		l.recent(key)
	}
}
