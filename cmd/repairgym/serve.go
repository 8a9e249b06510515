package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/engine/llm"
	"github.com/repairgym/repairgym/engine/redisstore"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
	"github.com/repairgym/repairgym/web"
)

// serveConfig is the server's configuration: flags, defaulted from the
// environment.
type serveConfig struct {
	addr           string
	data           string
	redis          string
	scenarioDir    string
	allowedOrigins string
	trustedProxies string
	idleTimeout    time.Duration
	tokenTTL       time.Duration
	retention      time.Duration
	leaseTTL       time.Duration
	adminPassword  string
	bcryptCost     int
	grader         string
}

// serveEnv names the environment variable behind each flag.
var serveEnv = []struct{ name, flag string }{
	{"REPAIRGYM_ADDR", "addr"},
	{"REPAIRGYM_DATA", "data"},
	{"REPAIRGYM_REDIS_URL", "redis"},
	{"REPAIRGYM_SCENARIOS", "scenarios"},
	{"REPAIRGYM_ALLOWED_ORIGINS", "allowed-origins"},
	{"REPAIRGYM_TRUSTED_PROXIES", "trusted-proxies"},
	{"REPAIRGYM_IDLE_TIMEOUT", "idle-timeout"},
	{"REPAIRGYM_TOKEN_TTL", "token-ttl"},
	{"REPAIRGYM_RETENTION", "retention"},
	{"REPAIRGYM_LEASE_TTL", "lease-ttl"},
	{"REPAIRGYM_GRADER", "grader"},
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func runServe(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "serve", "[flags]",
		`Runs the repairgym web server on the embedded store in the data folder.
Every flag can also be set in the environment:

  REPAIRGYM_ADDR              --addr
  REPAIRGYM_DATA              --data
  REPAIRGYM_REDIS_URL         --redis
  REPAIRGYM_SCENARIOS         --scenarios
  REPAIRGYM_ALLOWED_ORIGINS   --allowed-origins
  REPAIRGYM_TRUSTED_PROXIES   --trusted-proxies
  REPAIRGYM_IDLE_TIMEOUT      --idle-timeout
  REPAIRGYM_TOKEN_TTL         --token-ttl
  REPAIRGYM_RETENTION         --retention
  REPAIRGYM_LEASE_TTL         --lease-ttl
  REPAIRGYM_GRADER            --grader
  REPAIRGYM_ADMIN_PASSWORD    the password of the first admin, created on
                              the first run; without it a random one is
                              generated and printed once
  REPAIRGYM_BCRYPT_COST       the cost of password hashes (default 12)
  OPENAI_API_KEY              the key of an OpenAI-compatible endpoint
                              (any value for a local server that takes
                              none); without it the client is scripted
                              and responses are graded offline
  OPENAI_BASE_URL             the endpoint, if not OpenAI's: such as
                              http://localhost:11434/v1 for Ollama
  REPAIRGYM_LLM_MODEL         the model that voices the client
  REPAIRGYM_JUDGE_MODEL       the model that grades, if not the same`)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "listen on `host:port`")
	fs.StringVar(&cfg.data, "data", "./data", "keep the embedded store in `folder`")
	fs.StringVar(&cfg.redis, "redis", "", "use Redis at `url` instead of the embedded store")
	fs.StringVar(&cfg.scenarioDir, "scenarios", "", "add the scenarios in `folder` to the built-in library")
	fs.StringVar(&cfg.allowedOrigins, "allowed-origins", "", "also accept browser pages from these comma-separated `origins`")
	fs.StringVar(&cfg.trustedProxies, "trusted-proxies", "", "read client addresses from X-Forwarded-For sent by these comma-separated address `ranges`")
	fs.DurationVar(&cfg.idleTimeout, "idle-timeout", 30*time.Minute, "end active sessions untouched this `long` as abandoned")
	fs.DurationVar(&cfg.tokenTTL, "token-ttl", 12*time.Hour, "keep logins for this `long`")
	fs.Var((*retentionValue)(&cfg.retention), "retention", "delete the transcripts of ended sessions this `long` after their last change, such as 365d or 720h (default 0: keep them forever)")
	fs.DurationVar(&cfg.leaseTTL, "lease-ttl", engine.DefaultLeaseTTL, "with Redis, let another server take over a session this `long` after its server stops answering")
	fs.StringVar(&cfg.grader, "grader", "lexicon", "grade responses with the `grader`: lexicon (offline), llm (the LLM judge, offline when it fails) or ensemble (both)")
	// The environment sets the defaults; flags on the command line win.
	for _, v := range serveEnv {
		if val := e.getenv(v.name); val != "" {
			if err := fs.Set(v.flag, val); err != nil {
				fmt.Fprintf(e.stderr, "repairgym serve: %s=%q: %v\n", v.name, val, err)
				return exitUsage
			}
		}
	}
	pos, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "repairgym serve: unexpected argument %q\n", pos[0])
		return exitUsage
	}
	for name, d := range map[string]time.Duration{"idle-timeout": cfg.idleTimeout, "token-ttl": cfg.tokenTTL} {
		if d <= 0 {
			fmt.Fprintf(e.stderr, "repairgym serve: --%s must be longer than zero, not %s\n", name, d)
			return exitUsage
		}
	}
	if cfg.leaseTTL < time.Second {
		// Shorter, and the lease would lapse between renewals.
		fmt.Fprintf(e.stderr, "repairgym serve: --lease-ttl must be at least 1s, not %s\n", cfg.leaseTTL)
		return exitUsage
	}
	cfg.adminPassword = e.getenv("REPAIRGYM_ADMIN_PASSWORD")
	cfg.bcryptCost = 12
	if v := e.getenv("REPAIRGYM_BCRYPT_COST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < bcrypt.MinCost || n > bcrypt.MaxCost {
			fmt.Fprintf(e.stderr, "repairgym serve: REPAIRGYM_BCRYPT_COST=%q: want a whole number from %d to %d\n", v, bcrypt.MinCost, bcrypt.MaxCost)
			return exitUsage
		}
		cfg.bcryptCost = n
	}
	log := newLogger(e.stderr)
	models, err := newModels(e, cfg.grader, log)
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym serve: %v\n", err)
		return exitUsage
	}
	if err := serve(ctx, e, cfg, models, log); err != nil {
		log.Error("repairgym serve stopped", "err", err)
		fmt.Fprintf(e.stderr, "repairgym serve: %v\n", err)
		return exitProblems
	}
	return exitOK
}

// retentionValue is the --retention flag: a Go duration, or whole days.
type retentionValue time.Duration

func (r *retentionValue) String() string { return time.Duration(*r).String() }

func (r *retentionValue) Set(s string) error {
	d, err := parseRetention(s)
	if err != nil {
		return err
	}
	*r = retentionValue(d)
	return nil
}

// parseRetention reads how long to keep transcripts: a Go duration such
// as 720h, or whole days such as 365d, since retention policies are
// written in days and time.ParseDuration stops at hours. Empty or zero
// keeps them forever.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil {
			return 0, errors.New("not a whole number of days: write days as 365d, or a duration such as 720h")
		}
		if n < 0 {
			return 0, errors.New("cannot be negative: to keep transcripts forever, use 0")
		}
		if n > int64(math.MaxInt64/(24*time.Hour)) {
			return 0, errors.New("too long: to keep transcripts forever, use 0")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("not a duration: write whole days such as 365d, or a duration such as 720h")
		}
	}
	if d < 0 {
		return 0, errors.New("cannot be negative: to keep transcripts forever, use 0")
	}
	return d, nil
}

// newLogger logs JSON, or text when writing to a terminal.
func newLogger(w io.Writer) *slog.Logger {
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			return slog.New(slog.NewTextHandler(w, nil))
		}
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

// models is what the server has of language models: a voice for the
// client, and how to grade on a rubric.
type models struct {
	voices    map[string]engine.Voice
	newGrader func(*grading.Rubric) engine.Grader
}

// newModels sets up the LLM voice when the environment names an endpoint,
// and the grader chosen. The voice and the judge get a client each, so
// that a judge in trouble does not open the voice's circuit breaker.
func newModels(e env, grader string, log *slog.Logger) (models, error) {
	m := models{newGrader: func(r *grading.Rubric) engine.Grader { return grading.NewLexicon(r) }}
	if grader != "lexicon" && grader != "llm" && grader != "ensemble" {
		return m, fmt.Errorf("--grader must be lexicon, llm or ensemble, not %q", grader)
	}
	key := e.getenv("OPENAI_API_KEY")
	if key == "" {
		if grader != "lexicon" {
			return m, fmt.Errorf("--grader %s needs a language model: set OPENAI_API_KEY and REPAIRGYM_LLM_MODEL (and OPENAI_BASE_URL for an endpoint other than OpenAI's, REPAIRGYM_JUDGE_MODEL for another model to grade)", grader)
		}
		log.Info("no OPENAI_API_KEY: the client speaks its scripted lines and responses are graded offline")
		return m, nil
	}
	model := e.getenv("REPAIRGYM_LLM_MODEL")
	if model == "" {
		return m, errors.New("OPENAI_API_KEY is set but REPAIRGYM_LLM_MODEL is not; name the model that voices the client")
	}
	// A line is waited for inside a request (the opening line) or a
	// turn; its deadline stays well inside the server's write timeout.
	voice, err := llm.New(llm.Config{APIKey: key, BaseURL: e.getenv("OPENAI_BASE_URL"), Model: model, Total: 30 * time.Second, Logger: log})
	if err != nil {
		return m, err
	}
	m.voices = map[string]engine.Voice{"llm": engine.NewLLMVoice(voice)}
	log.Info("the client can be voiced by a language model", "model", model, "grader", grader)
	if grader == "lexicon" {
		return m, nil
	}
	judge, err := newJudgeClient(e, log)
	if err != nil {
		return m, err
	}
	m.newGrader = func(r *grading.Rubric) engine.Grader {
		if grader == "llm" {
			return grading.NewJudgeOrOffline(grading.NewJudge(judge, r), grading.NewLexicon(r))
		}
		return grading.NewEnsemble(grading.NewLexicon(r), grading.NewJudge(judge, r), r)
	}
	return m, nil
}

// shareStore sets up what servers sharing a Redis need: they take turns
// at a session by lease, and tell each other about sessions over
// pub/sub. It returns what to close once the server has stopped.
func shareStore(ctx context.Context, store engine.Store, wcfg *web.Config, leaseTTL time.Duration) (close func()) {
	rs, ok := store.(*redisstore.Store)
	if !ok {
		return func() {}
	}
	events := rs.Events(ctx)
	wcfg.Leases, wcfg.LeaseTTL, wcfg.Bus = rs, leaseTTL, events
	return func() { events.Close() }
}

// openStore opens Redis when a URL is given, with keys under prefix (""
// for the default), else the embedded store in dir.
func openStore(ctx context.Context, redisURL, prefix, dir string) (engine.Store, error) {
	if redisURL != "" {
		s, err := redisstore.Open(ctx, redisURL, redisstore.Options{Prefix: prefix})
		if err != nil {
			return nil, err // redisstore says "open redis store"
		}
		return s, nil
	}
	return boltstore.Open(dir)
}

func serve(ctx context.Context, e env, cfg serveConfig, m models, log *slog.Logger) error {
	store, err := openStore(ctx, cfg.redis, "", cfg.data)
	if err != nil {
		return err
	}
	defer store.Close()
	// The server reads the rubric versions supervisors saved; scenarios
	// are checked against the one in force, so the catalog is filled
	// after, before the server takes requests.
	catalog := scenarios.NewCatalog()
	wcfg := web.Config{
		Store: store, Catalog: catalog, Logger: log, Voices: m.voices, NewGrader: m.newGrader,
		AllowedOrigins: splitList(cfg.allowedOrigins), TrustedProxies: splitList(cfg.trustedProxies), IdleTimeout: cfg.idleTimeout, TokenTTL: cfg.tokenTTL, BcryptCost: cfg.bcryptCost,
		Retention: cfg.retention,
	}
	defer shareStore(ctx, store, &wcfg, cfg.leaseTTL)()
	srv, err := web.New(wcfg)
	if err != nil {
		return err
	}
	if err := fillCatalog(ctx, catalog, store, cfg.scenarioDir, srv.Rubric(), log); err != nil {
		srv.Shutdown(ctx)
		return err
	}
	generated, err := srv.EnsureAdmin(ctx, cfg.adminPassword)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := srv.HTTPServer(cfg.addr)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()

	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, "repairgym is ready at %s\n", url)
	if generated != "" {
		// Printed once, to the terminal, never to the log.
		fmt.Fprintf(e.stdout, "Log in as admin with password %s — it is shown only this once.\n", generated)
	}
	log.Info("serving", "addr", ln.Addr().String(), "data", cfg.data, "scenarios", len(catalog.List()))
	if cfg.retention > 0 {
		log.Info("transcripts of ended sessions are deleted this long after their last change", "retention", cfg.retention.String())
	}

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing turns in progress")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Stop taking requests first, then let sockets finish their turns and
	// close, then close the store (deferred above).
	herr := hs.Shutdown(shutdownCtx)
	serr := srv.Shutdown(shutdownCtx)
	if err := errors.Join(herr, serr); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown", "err", err)
	}
	log.Info("stopped")
	return nil
}

// buildCatalog gathers every scenario version the server can run: the
// built-in library, the extra folder, and versions saved in the store.
func buildCatalog(ctx context.Context, store engine.Store, dir string, r *grading.Rubric, log *slog.Logger) (*scenarios.Catalog, error) {
	catalog := scenarios.NewCatalog()
	if err := fillCatalog(ctx, catalog, store, dir, r, log); err != nil {
		return nil, err
	}
	return catalog, nil
}

// fillCatalog adds to a catalog what buildCatalog gathers.
func fillCatalog(ctx context.Context, catalog *scenarios.Catalog, store engine.Store, dir string, r *grading.Rubric, log *slog.Logger) error {
	lib, err := loadLibrary(dir, r)
	if err != nil {
		return err
	}
	for _, s := range lib {
		catalog.Add(s)
	}
	latest, err := store.LatestScenarios(ctx)
	if err != nil {
		return fmt.Errorf("load saved scenarios: %w", err)
	}
	for _, l := range latest {
		versions, err := store.ScenarioVersions(ctx, l.ID)
		if err != nil {
			return fmt.Errorf("load saved scenario %s: %w", l.ID, err)
		}
		for _, v := range versions {
			s, problems := scenarios.Parse(fmt.Sprintf("%s v%d", v.ID, v.Version), v.Source, r.Scale())
			if len(problems) > 0 {
				// A saved version that no longer validates (the rubric
				// changed, say) is skipped, not fatal.
				log.Warn("saved scenario version does not validate", "scenario", v.ID, "version", v.Version, "problem", problems[0].String())
				continue
			}
			s.Cohort = v.Cohort
			catalog.Add(s)
		}
	}
	return nil
}
