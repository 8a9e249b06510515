package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/web"
)

// The load benchmark runs the server in this process and the clients in a
// child process, so that the memory it reports is the server's alone. For
// each session count it first measures a bare gorilla/websocket echo
// server under the same load, as the baseline.

type benchConfig struct {
	sessions []int
	turns    int
	think    time.Duration
	// redis, when set, runs the server on Redis instead.
	redis string
}

func runBench(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "bench", "[--sessions 100,500,2000] [--turns 4] [--think 1s] [--redis URL]",
		`Runs concurrent scripted practice sessions over loopback WebSockets against
an in-process server with a fresh embedded store (every turn durably
committed), and reports turn latency (response sent to the client's next
line received) and throughput, beside a bare gorilla/websocket echo round
trip measured under the same load in the same run. It also reports the
server's memory per idle session: sessions with an open socket, waiting for
the trainee. The clients run in a child process.

With --redis the server runs on that Redis instead, its keys under a fresh
prefix, repairgym-bench-<pid>-<sessions>:, which stay there afterwards.
Delete them with:
  redis-cli --scan --pattern 'repairgym-bench-*' | xargs redis-cli unlink`)
	list := fs.String("sessions", "100,500,2000", "comma-separated `counts` of concurrent sessions")
	turns := fs.Int("turns", 4, "responses per session")
	think := fs.Duration("think", time.Second, "mean pause before each response, randomised ±50%")
	cpuProfile := fs.String("cpuprofile", "", "write the server's CPU profile to `file`")
	redisURL := fs.String("redis", "", "run the server on the Redis at `url`, its keys left under a fresh prefix (see above)")
	_, code := parseFlags(fs, e, args)
	if code >= 0 {
		return code
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "repairgym bench: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	cfg := benchConfig{turns: *turns, think: *think, redis: *redisURL}
	for _, s := range strings.Split(*list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 20000 {
			fmt.Fprintf(e.stderr, "repairgym bench: bad session count %q\n", s)
			return exitUsage
		}
		cfg.sessions = append(cfg.sessions, n)
	}
	if cfg.turns < 1 || cfg.turns > 5 {
		fmt.Fprintln(e.stderr, "repairgym bench: --turns must be 1–5 (the scenario ends after six)")
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(e.stderr, "repairgym bench: %v\n", err)
		return exitProblems
	}
	fmt.Fprintf(e.stdout, "%d turns per session, think time %v ±50%%, %d CPUs\n\n", cfg.turns, cfg.think, runtime.NumCPU())
	fmt.Fprintf(e.stdout, "| sessions | echo p50 | echo p99 | echo max | turn p50 | turn p99 | turn max | p99 ÷ echo p99 | turns/s | memory per idle session |\n")
	fmt.Fprintf(e.stdout, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range cfg.sessions {
		row, err := benchOnce(ctx, self, n, cfg)
		if err != nil {
			fmt.Fprintf(e.stderr, "repairgym bench: %d sessions: %v\n", n, err)
			return exitProblems
		}
		fmt.Fprintf(e.stdout, "| %d | %s | %s | %s | %s | %s | %s | %.1f× | %.0f | %.1f KiB |\n", n,
			ms(row.echo.p50), ms(row.echo.p99), ms(row.echo.max), ms(row.turn.p50), ms(row.turn.p99), ms(row.turn.max),
			float64(row.turn.p99)/float64(max(row.echo.p99, time.Microsecond)), row.throughput, row.idleBytes/1024)
	}
	return exitOK
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

type latencies struct{ p50, p99, max time.Duration }

func summarize(xs []time.Duration) latencies {
	if len(xs) == 0 {
		return latencies{}
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	at := func(q float64) time.Duration { return xs[min(len(xs)-1, int(q*float64(len(xs))))] }
	return latencies{p50: at(0.50), p99: at(0.99), max: xs[len(xs)-1]}
}

type benchRow struct {
	echo, turn latencies
	throughput float64
	idleBytes  float64
}

// clientReport is what the child process prints.
type clientReport struct {
	Latencies []time.Duration `json:"latencies_ns"`
	Elapsed   time.Duration   `json:"elapsed_ns"`
	Errors    int             `json:"errors"`
	// FirstError describes the first error, if any.
	FirstError string `json:"first_error,omitempty"`
}

func benchOnce(ctx context.Context, self string, n int, cfg benchConfig) (benchRow, error) {
	var row benchRow

	// The baseline: a bare echo server under the same clients.
	echoLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return row, err
	}
	echoSrv := &http.Server{Handler: http.HandlerFunc(echoHandler)}
	go echoSrv.Serve(echoLn)
	rep, err := runClients(ctx, self, "echo", "ws://"+echoLn.Addr().String()+"/", nil, n, cfg, nil)
	echoSrv.Close()
	if err != nil {
		return row, fmt.Errorf("echo baseline: %w", err)
	}
	row.echo = summarize(rep.Latencies)

	// repairgym with a fresh store: embedded, or keys of their own on
	// Redis.
	dir, err := os.MkdirTemp("", "repairgym-bench")
	if err != nil {
		return row, err
	}
	defer os.RemoveAll(dir)
	store, err := openStore(ctx, cfg.redis, fmt.Sprintf("repairgym-bench-%d-%d:", os.Getpid(), n), dir)
	if err != nil {
		return row, err
	}
	defer store.Close()
	rubric := grading.DefaultRubric()
	log := slog.New(slog.DiscardHandler)
	catalog, err := buildCatalog(ctx, store, "", rubric, log) // as serve builds it
	if err != nil {
		return row, err
	}
	reg := prometheus.NewRegistry()
	wcfg := web.Config{Store: store, Catalog: catalog, Rubric: rubric,
		Logger: log, BcryptCost: bcrypt.MinCost, Registry: reg}
	defer shareStore(ctx, store, &wcfg, engine.DefaultLeaseTTL)() // as serve does
	srv, err := web.New(wcfg)
	if err != nil {
		return row, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return row, err
	}
	hs := srv.HTTPServer(ln.Addr().String())
	go hs.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		srv.Shutdown(sctx)
	}()
	base := "http://" + ln.Addr().String()
	// Measured from before the sessions start, so that the figure holds
	// the session in memory as well as its socket.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	targets, err := prepareSessions(ctx, srv, base, n)
	if err != nil {
		return row, err
	}
	idle := func() {
		// All sockets are open and waiting: measure what they cost.
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := float64(after.HeapInuse+after.StackInuse) - float64(before.HeapInuse+before.StackInuse)
		row.idleBytes = used / float64(n)
	}
	rep, err = runClients(ctx, self, "repairgym", "ws://"+ln.Addr().String(), targets, n, cfg, idle)
	if err != nil {
		return row, fmt.Errorf("repairgym: %w", err)
	}
	if rep.Errors > 0 {
		return row, fmt.Errorf("%d client errors: %s", rep.Errors, rep.FirstError)
	}
	row.turn = summarize(rep.Latencies)
	if os.Getenv("REPAIRGYM_BENCH_DEBUG") != "" {
		mfs, _ := reg.Gather()
		for _, mf := range mfs {
			if h := mf.GetMetric(); strings.HasSuffix(mf.GetName(), "_seconds") && len(h) > 0 && h[0].GetHistogram() != nil {
				hist := h[0].GetHistogram()
				fmt.Fprintf(os.Stderr, "%s: n=%d mean=%.2fms\n", mf.GetName(), hist.GetSampleCount(), 1000*hist.GetSampleSum()/float64(max(hist.GetSampleCount(), 1)))
				for _, b := range hist.GetBucket() {
					fmt.Fprintf(os.Stderr, "  <=%.4fs %d\n", b.GetUpperBound(), b.GetCumulativeCount())
				}
			}
		}
	}
	row.throughput = float64(len(rep.Latencies)) / rep.Elapsed.Seconds()
	return row, nil
}

type benchTarget struct {
	Token   string `json:"token"`
	Session string `json:"session"`
}

// prepareSessions creates n trainees, logs each in and starts a session.
func prepareSessions(ctx context.Context, srv *web.Server, base string, n int) ([]benchTarget, error) {
	targets := make([]benchTarget, n)
	sem := make(chan struct{}, 16)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			name := fmt.Sprintf("trainee%05d", i)
			if _, err := srv.NewUser(ctx, name, "bench-password", engine.RoleTrainee, "bench"); err != nil {
				errc <- err
				return
			}
			var login struct{ Token string }
			if err := postJSON(base+"/api/login", "", map[string]string{"username": name, "password": "bench-password"}, &login); err != nil {
				errc <- err
				return
			}
			var sess struct{ ID string }
			if err := postJSON(base+"/api/sessions", login.Token, map[string]string{"scenario_id": "late-again"}, &sess); err != nil {
				errc <- err
				return
			}
			targets[i] = benchTarget{Token: login.Token, Session: sess.ID}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return targets, nil
}

func postJSON(url, token string, body, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		data, _ := io.ReadAll(res.Body)
		return fmt.Errorf("POST %s: %d %s", url, res.StatusCode, data)
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// echoHandler is the baseline: a WebSocket that sends back every message.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	for {
		typ, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if err := ws.WriteMessage(typ, data); err != nil {
			return
		}
	}
}

// runClients starts the child process with n clients, calls idle once they
// are all connected and waiting, then lets them run and returns their
// report.
func runClients(ctx context.Context, self, mode, url string, targets []benchTarget, n int, cfg benchConfig, idle func()) (clientReport, error) {
	var rep clientReport
	args := []string{"bench-client", "--mode", mode, "--url", url, "--n", strconv.Itoa(n),
		"--turns", strconv.Itoa(cfg.turns), "--think", cfg.think.String()}
	if targets != nil {
		f, err := os.CreateTemp("", "repairgym-bench-targets")
		if err != nil {
			return rep, err
		}
		defer os.Remove(f.Name())
		json.NewEncoder(f).Encode(targets)
		f.Close()
		args = append(args, "--targets", f.Name())
	}
	cmd := exec.CommandContext(ctx, self, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return rep, err
	}
	lines := bufio.NewScanner(stdout)
	lines.Buffer(make([]byte, 0, 1<<20), 64<<20)
	if !lines.Scan() || lines.Text() != "connected" {
		cmd.Wait()
		return rep, fmt.Errorf("clients did not connect: %s", stderr.String())
	}
	if idle != nil {
		idle()
	}
	io.WriteString(stdin, "go\n")
	if !lines.Scan() {
		cmd.Wait()
		return rep, fmt.Errorf("no report from the clients: %s", stderr.String())
	}
	if err := json.Unmarshal(lines.Bytes(), &rep); err != nil {
		return rep, err
	}
	if err := cmd.Wait(); err != nil {
		return rep, fmt.Errorf("clients: %v: %s", err, stderr.String())
	}
	return rep, nil
}

// runBenchClient is the child process: it opens n sockets, reports
// "connected", waits for "go", runs the turns and prints its report.
func runBenchClient(ctx context.Context, e env, args []string) int {
	fs := newFlags(e, "bench-client", "", "The load generator behind repairgym bench; not for direct use.")
	mode := fs.String("mode", "echo", "echo or repairgym")
	url := fs.String("url", "", "server")
	n := fs.Int("n", 1, "clients")
	turns := fs.Int("turns", 4, "turns")
	think := fs.Duration("think", time.Second, "think time")
	targetsPath := fs.String("targets", "", "sessions")
	if _, code := parseFlags(fs, e, args); code >= 0 {
		return code
	}
	var targets []benchTarget
	if *targetsPath != "" {
		data, err := os.ReadFile(*targetsPath)
		if err != nil || json.Unmarshal(data, &targets) != nil || len(targets) != *n {
			fmt.Fprintln(e.stderr, "bad targets")
			return exitProblems
		}
	}
	conns := make([]*websocket.Conn, *n)
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	var wg sync.WaitGroup
	var failed sync.Map
	sem := make(chan struct{}, 64)
	for i := range *n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			u, h := *url, http.Header{}
			if *mode == "repairgym" {
				u += "/api/sessions/" + targets[i].Session + "/ws"
				h.Set("Authorization", "Bearer "+targets[i].Token)
				h.Set("Origin", strings.Replace(*url, "ws://", "http://", 1))
			}
			ws, _, err := dialer.DialContext(ctx, u, h)
			if err != nil {
				failed.Store(i, err)
				return
			}
			if *mode == "repairgym" {
				var m map[string]any
				ws.SetReadDeadline(time.Now().Add(30 * time.Second))
				if err := ws.ReadJSON(&m); err != nil || m["type"] != "state" {
					failed.Store(i, fmt.Errorf("no state: %v", err))
					return
				}
			}
			conns[i] = ws
		}()
	}
	wg.Wait()
	failures := 0
	failed.Range(func(_, v any) bool {
		if failures == 0 {
			fmt.Fprintln(e.stderr, v)
		}
		failures++
		return true
	})
	if failures > 0 {
		fmt.Fprintf(e.stderr, "%d connections failed\n", failures)
		return exitProblems
	}
	fmt.Fprintln(e.stdout, "connected")
	bufio.NewReader(e.stdin).ReadString('\n')

	// Middling answers: they name what happened without repairing it,
	// so the client stays guarded and the session runs all its turns.
	answers := []string{
		"It sounds like the waiting was really hard.",
		"You sound pretty fed up with all of this.",
		"You were stuck out there waiting again.",
		"It sounds like that was frustrating.",
	}
	var mu sync.Mutex
	var lat []time.Duration
	turnErrors := 0
	firstError := ""
	start := time.Now()
	for i, ws := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ws.Close()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			turn := 1
			for k := range *turns {
				pause := time.Duration(float64(*think) * (0.5 + r.Float64()))
				time.Sleep(pause)
				text := answers[k%len(answers)]
				t0 := time.Now()
				var err error
				if *mode == "echo" {
					err = echoRoundTrip(ws, turn, text)
				} else {
					turn, err = practiceTurn(ws, turn, text)
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					if turnErrors == 0 {
						firstError = err.Error()
					}
					turnErrors++
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	rep := clientReport{Latencies: lat, Elapsed: time.Since(start), Errors: turnErrors, FirstError: firstError}
	json.NewEncoder(e.stdout).Encode(rep)
	return exitOK
}

var errEnded = errors.New("the session ended before its turns were done")

func echoRoundTrip(ws *websocket.Conn, turn int, text string) error {
	msg := map[string]any{"type": "response", "turn": turn, "text": text}
	if err := ws.WriteJSON(msg); err != nil {
		return err
	}
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	var back map[string]any
	return ws.ReadJSON(&back)
}

// practiceTurn sends a response and waits for the client's next line,
// returning the next turn to answer.
func practiceTurn(ws *websocket.Conn, turn int, text string) (int, error) {
	if err := ws.WriteJSON(map[string]any{"type": "response", "turn": turn, "text": text}); err != nil {
		return 0, err
	}
	for {
		ws.SetReadDeadline(time.Now().Add(60 * time.Second))
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			return 0, err
		}
		switch m["type"] {
		case "client_turn":
			return int(m["turn"].(float64)), nil
		case "error":
			return 0, fmt.Errorf("server error: %v", m["message"])
		case "end":
			return 0, errEnded
		}
	}
}
