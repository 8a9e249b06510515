// Package web serves repairgym over HTTP: the JSON API, the practice
// WebSocket, and the browser app. It translates requests into calls on the
// engine and keeps no practice logic of its own.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// Config holds a Server's settings and dependencies.
type Config struct {
	Store   engine.Store
	Catalog *scenarios.Catalog
	// Rubric is the rubric the program starts with; versions saved later
	// by supervisors are read from the store and take over from it.
	Rubric *grading.Rubric
	// RubricSource is Rubric's YAML, for the editor. With neither, the
	// program starts with the built-in rubric.
	RubricSource []byte
	// NewGrader makes the grader for a rubric; nil makes the offline one.
	NewGrader func(*grading.Rubric) engine.Grader
	// Voices are the persona voices besides the scripted one.
	Voices map[string]engine.Voice
	Logger *slog.Logger
	// Registry receives the server's metrics; nil makes a fresh one.
	Registry *prometheus.Registry

	// AllowedOrigins are origins, besides the server's own, whose pages
	// may open sockets and send cookie-authenticated writes, such as
	// "https://training.example.org".
	AllowedOrigins []string
	// IdleTimeout ends active sessions untouched for this long as
	// abandoned. Paused sessions wait for their trainee.
	IdleTimeout time.Duration
	// TokenTTL is how long a login lasts.
	TokenTTL time.Duration
	// BcryptCost is the cost of password hashes; tests lower it.
	BcryptCost int
	// TrustedProxies are the addresses, in CIDR notation, of reverse
	// proxies in front of the server. Behind them, a client's address is
	// read from X-Forwarded-For; without them the header is ignored,
	// since anyone can send it.
	TrustedProxies []string
	// SweepEvery is how often idle sessions are ended and unused ones
	// dropped from memory.
	SweepEvery time.Duration
	// Retention is how long a transcript is kept after its session last
	// changed, once it has ended: the sweep deletes older ones, with
	// their reviews. Paused and active sessions are never deleted this
	// way. Zero keeps transcripts forever.
	Retention time.Duration
	// Leases and Bus are for servers that share a store. Leases let one
	// server at a time drive a session (for LeaseTTL, renewed; default
	// engine.DefaultLeaseTTL); the bus carries session events between
	// servers, for observers and hints. Without them the server runs
	// alone: it drives every session, and events stay in the process.
	Leases   engine.Leases
	LeaseTTL time.Duration
	Bus      Bus
	// PongWait is how long a socket may stay silent, pongs included,
	// before it is dropped; pings go out twice as often. WriteWait
	// bounds one write to a socket.
	PongWait, WriteWait time.Duration
}

// Server is the repairgym HTTP server.
type Server struct {
	cfg       Config
	echo      *echo.Echo
	gym       *engine.Gym
	rubrics   *engine.Rubrics
	rubricSrc rubricSources
	log       *slog.Logger
	metrics   *metrics
	hub       *hub
	bus       Bus
	scopes    scopeCache
	logins    *loginLimiter
	// dummyHash is compared against when a username is unknown, so that
	// a failed login takes as long either way and does not reveal which
	// usernames exist.
	dummyHash []byte
	origins   map[string]bool
	// parsing holds a token for each scenario being parsed; parseWait is
	// how long a request waits for one.
	parsing   chan struct{}
	parseWait time.Duration

	// ctx is the parent of the server's own work — sockets and sweeps —
	// cancelled once Shutdown returns, so that nothing outlives it.
	ctx    context.Context
	cancel context.CancelFunc
	// cancelBackground stops the listener and the lease keeper, once
	// the sockets have closed.
	cancelBackground context.CancelFunc
	stop             chan struct{}
	stopOnce         sync.Once
	wg               sync.WaitGroup
}

//go:embed ui
var uiFiles embed.FS

// New returns a server ready to serve; Close stops its background work.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Catalog == nil {
		return nil, errors.New("web: a store and a catalog are required")
	}
	if cfg.Rubric == nil {
		cfg.Rubric, cfg.RubricSource = grading.DefaultRubric(), grading.DefaultRubricSource()
	}
	if cfg.NewGrader == nil {
		cfg.NewGrader = func(r *grading.Rubric) engine.Grader { return grading.NewLexicon(r) }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = 12
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.PongWait <= 0 {
		cfg.PongWait = 60 * time.Second
	}
	if cfg.WriteWait <= 0 {
		cfg.WriteWait = 10 * time.Second
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		logins:  newLoginLimiter(),
		origins: map[string]bool{},
		// Two at least: an author's page checks a draft and plays it at
		// once, and one must not wait out the other.
		parsing:   make(chan struct{}, max(2, runtime.NumCPU()/2)),
		parseWait: 5 * time.Second,
		stop:      make(chan struct{}),
	}
	for _, o := range cfg.AllowedOrigins {
		u, err := url.Parse(strings.TrimSpace(o))
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("web: allowed origin %q must look like https://host[:port]", o)
		}
		s.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	var err error
	if s.dummyHash, err = bcrypt.GenerateFromPassword([]byte("not anyone's password"), cfg.BcryptCost); err != nil {
		return nil, fmt.Errorf("web: bcrypt cost %d: %w", cfg.BcryptCost, err)
	}
	ipExtractor := echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range cfg.TrustedProxies {
			_, ipnet, err := net.ParseCIDR(strings.TrimSpace(p))
			if err != nil {
				return nil, fmt.Errorf("web: trusted proxy %q must be an address range such as 10.0.0.0/8: %w", p, err)
			}
			opts = append(opts, echo.TrustIPRange(ipnet))
		}
		ipExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.metrics = newMetrics(cfg.Registry)
	s.rubrics = engine.NewRubrics(func(r *grading.Rubric) engine.Grader {
		return timedGrader{Grader: cfg.NewGrader(r), m: s.metrics}
	}, cfg.Rubric)
	if err := s.loadRubrics(context.Background()); err != nil {
		return nil, err
	}
	s.gym = engine.NewGym(engine.GymConfig{
		Store:    timedStore{Store: cfg.Store, m: s.metrics},
		Catalog:  cfg.Catalog,
		Rubrics:  s.rubrics,
		Voices:   cfg.Voices,
		Leases:   cfg.Leases,
		LeaseTTL: cfg.LeaseTTL,
	})
	s.bus = cfg.Bus
	if s.bus == nil {
		s.bus = newLocalBus()
	}
	s.metrics.watch(s.gym)
	s.hub = newHub(s)
	s.echo = s.routes(ipExtractor)

	s.ctx, s.cancel = context.WithCancel(context.Background())
	var bg context.Context
	bg, s.cancelBackground = context.WithCancel(s.ctx)
	s.wg.Add(4)
	go s.sweep()
	go s.listen(bg)
	go func() {
		defer s.wg.Done()
		s.hub.follower(bg)
	}()
	go func() {
		defer s.wg.Done()
		s.gym.KeepLeases(bg)
	}()
	return s, nil
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// HTTPServer returns an http.Server for the handler with timeouts set. The
// write timeout does not apply to sockets, which set their own deadlines.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Shutdown lets turns in progress finish, closes every socket with a close
// frame, and stops background work. The caller shuts the http.Server down
// first, so no new requests arrive, and closes the store afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.cancel()
	s.stopOnce.Do(func() { close(s.stop) })
	err := s.hub.shutdown(ctx)
	// The sockets are closed: nothing more to hear on the bus, and no
	// session left to hold.
	s.cancelBackground()
	if waitErr := wait(ctx, &s.wg); waitErr != nil {
		return errors.Join(err, fmt.Errorf("background work still running: %w", waitErr))
	}
	return err
}

// wait waits for wg, or until ctx is done.
func wait(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sweep ends idle sessions and drops unused ones from memory, until the
// server stops.
func (s *Server) sweep() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweepOnce(s.ctx)
		}
	}
}

func (s *Server) sweepOnce(ctx context.Context) {
	now := time.Now()
	ended, err := s.gym.AbandonIdle(ctx, now.Add(-s.cfg.IdleTimeout))
	if err != nil {
		s.log.Warn("ending idle sessions", "err", err)
	}
	if len(ended) > 0 {
		s.log.Info("ended idle sessions", "count", len(ended))
	}
	// A socket may still be open on a session that timed out: say so.
	for _, rec := range ended {
		s.hub.broadcast(rec.State.ID, endMessage(rec))
		s.changed(ctx, rec.State.ID)
	}
	if err := s.syncSaved(ctx); err != nil {
		s.log.Warn("reading versions saved by other servers", "err", err)
	}
	if n, err := s.deleteOldTranscripts(ctx, now); err != nil {
		s.log.Warn("deleting old transcripts", "deleted", n, "err", err)
	} else if n > 0 {
		s.log.Info("deleted old transcripts", "count", n)
	}
	if n, err := s.cfg.Store.DeleteExpiredTokens(ctx, now); err != nil {
		s.log.Warn("deleting expired logins", "err", err)
	} else if n > 0 {
		s.log.Info("deleted expired logins", "count", n)
	}
	s.logins.prune()
	// Sessions nobody has touched for a while cost memory for nothing:
	// their state is in the store.
	s.gym.Evict(now.Add(-5 * time.Minute))
}

func (s *Server) routes(ipExtractor echo.IPExtractor) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor

	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: engine.NewID}))
	e.Use(s.logRequests)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "request_id", requestID(c), "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "no-referrer",
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
		// Sent only over HTTPS (directly or from a proxy), so a plain
		// HTTP setup on a private network is not locked out.
		HSTSMaxAge:            180 * 24 * 60 * 60,
		HSTSExcludeSubdomains: true,
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: "64K",
		// Scenario bodies are read by their handler, which can say how
		// large a scenario may be.
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Path(), "/api/scenarios") },
	}))

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))

	api := e.Group("/api", noStore)
	api.POST("/login", s.login)
	auth := api.Group("", s.authenticate, s.checkCSRF)
	authors := s.roles(engine.RoleAdmin, engine.RoleSupervisor)
	auth.POST("/logout", s.logout)
	auth.GET("/me", s.me)
	auth.GET("/users", s.listUsers, s.roles(engine.RoleAdmin, engine.RoleSupervisor))
	auth.POST("/users", s.createUser, s.roles(engine.RoleAdmin))
	auth.GET("/users/:id/export", s.exportUser, s.roles(engine.RoleAdmin))
	auth.DELETE("/users/:id", s.deleteUser, s.roles(engine.RoleAdmin))
	auth.GET("/rubric", s.getRubric)
	auth.GET("/rubric/source", s.rubricSource, authors)
	auth.GET("/rubric/versions", s.rubricVersions, authors)
	auth.POST("/rubric/validate", s.validateRubric, authors)
	auth.PUT("/rubric", s.putRubric, authors)
	auth.POST("/grade", s.grade)
	auth.GET("/scenarios", s.listScenarios)
	auth.GET("/scenarios/:id", s.getScenario)
	// Checking a scenario stores nothing, so anyone logged in may.
	auth.POST("/scenarios/validate", s.validateScenario)
	auth.PUT("/scenarios/:id", s.putScenario, authors)
	// Authoring: what the editor needs besides validate and PUT. Tests,
	// drawings and playtests show the stages and exemplars, which are the
	// answers, so trainees have none of them.
	auth.GET("/scenario-template", s.scenarioTemplate, authors)
	auth.POST("/scenarios/lint", s.lintScenario, authors)
	auth.POST("/scenarios/graph.svg", s.draftGraph, authors)
	auth.POST("/scenarios/playtest", s.playtest, authors)
	auth.GET("/scenarios/:id/graph.svg", s.scenarioGraph, authors)
	auth.GET("/scenarios/:id/source", s.scenarioSource, authors)
	auth.GET("/scenarios/:id/versions", s.scenarioVersions, authors)
	auth.POST("/sessions", s.createSession)
	auth.GET("/sessions", s.listSessions)
	auth.GET("/sessions/:id", s.getSession)
	auth.GET("/sessions/:id/feedback", s.sessionFeedback)
	auth.POST("/sessions/:id/reviews", s.addReview, s.roles(engine.RoleAdmin, engine.RoleSupervisor))
	auth.GET("/sessions/:id/ws", s.socket)
	auth.GET("/sessions/:id/observe", s.observe, s.roles(engine.RoleAdmin, engine.RoleSupervisor))
	s.exportRoutes(auth)
	s.dashboardRoutes(auth)

	static, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // embedded above
	}
	e.GET("/*", echo.WrapHandler(http.FileServerFS(static)), cacheStatic)
	return e
}

func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func cacheStatic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-cache")
		return next(c)
	}
}

func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Warn("store not ready", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// logRequests logs each request once it is answered. The query string is
// left out: a socket may carry its token there.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"request_id", requestID(c), "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", status, "duration_ms", time.Since(start).Milliseconds(), "remote", c.RealIP()}
		if u, ok := c.Get(ctxUser).(engine.User); ok {
			attrs = append(attrs, "user", u.ID)
		}
		s.log.Log(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// sameOrigin reports whether a request's Origin is the server's own host,
// with the scheme it was reached by, or one of the allowed origins. A
// request without Origin is not from a browser page and passes.
func (s *Server) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	key := strings.ToLower(u.Scheme + "://" + u.Host)
	if s.origins[key] {
		return true
	}
	scheme := "http"
	if isHTTPS(r) {
		scheme = "https"
	}
	return key == scheme+"://"+strings.ToLower(r.Host)
}

// isHTTPS reports whether the browser reached the server over HTTPS,
// directly or through a proxy that terminates it. The header is trusted
// from anyone: it only makes cookies Secure and addresses https, which a
// client gains nothing by forging.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
