package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/engine/redisstore/redistest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds repairgym once for the tests that run it as a process.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "repairgym-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "repairgym")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a running repairgym serve.
type process struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	// exited is closed when the process has exited, with its error in err.
	exited chan struct{}
	err    error
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const adminPassword = "admin-password-for-tests"

func startServer(t *testing.T, data string, extraEnv ...string) *process {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--data", data)
	// The tests say which endpoint the server talks to, if any; one in
	// the environment of whoever runs them is not theirs to call.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENAI_") && !strings.HasPrefix(kv, "REPAIRGYM_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "REPAIRGYM_ADMIN_PASSWORD="+adminPassword, "REPAIRGYM_BCRYPT_COST=4")
	cmd.Env = append(cmd.Env, extraEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
	})
	lines := bufio.NewScanner(stdout)
	ready := make(chan string, 1)
	go func() {
		for lines.Scan() {
			if url, ok := strings.CutPrefix(lines.Text(), "repairgym is ready at "); ok {
				ready <- strings.TrimSuffix(url, "/")
			}
		}
	}()
	select {
	case p.url = <-ready:
	case <-p.exited:
		t.Fatalf("server exited: %v\n%s", p.err, p.stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not start:\n%s", p.stderr)
	}
	return p
}

func (p *process) call(t *testing.T, token, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, p.url+path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func (p *process) login(t *testing.T, username, password string) string {
	t.Helper()
	var res struct{ Token string }
	if st := p.call(t, "", http.MethodPost, "/api/login", map[string]string{"username": username, "password": password}, &res); st != 200 {
		t.Fatalf("login %s: %d", username, st)
	}
	return res.Token
}

func (p *process) dial(t *testing.T, token, id string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(p.url, "http") + "/api/sessions/" + id + "/ws"
	ws, _, err := websocket.DefaultDialer.Dial(u, http.Header{"Authorization": {"Bearer " + token}, "Origin": {p.url}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return ws
}

func readUntil(t *testing.T, ws *websocket.Conn, typ string) map[string]any {
	t.Helper()
	for {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m map[string]any
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m["type"] == typ {
			return m
		}
	}
}

// TestKillNine checks that every turn the server acknowledged survives the
// process being killed without warning, and that the session continues on
// a restarted server.
func TestKillNine(t *testing.T) {
	data := t.TempDir()
	killNineAndResume(t, func() *process { return startServer(t, data) })
}

// On Redis, the session carries on at another server, with its own data
// folder: everything the first acknowledged is in Redis. The other server
// takes the session over once the dead one's lease lapses.
func TestKillNineOnRedis(t *testing.T) {
	redis := redistest.Start(t)
	killNineAndResume(t, func() *process {
		return startServer(t, t.TempDir(), "REPAIRGYM_REDIS_URL="+redis.URL(), "REPAIRGYM_LEASE_TTL="+testLease.String())
	})
}

// killNineAndResume plays two turns on a server, kills it without
// warning, and finishes the session on the server start gives next.
func killNineAndResume(t *testing.T, start func() *process) {
	p := start()
	admin := p.login(t, "admin", adminPassword)
	if st := p.call(t, admin, http.MethodPost, "/api/users", map[string]string{"username": "tess", "password": "password-tess", "role": "trainee", "cohort": "c1"}, nil); st != 201 {
		t.Fatalf("create trainee: %d", st)
	}
	token := p.login(t, "tess", "password-tess")
	var sess struct{ ID string }
	if st := p.call(t, token, http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again"}, &sess); st != 201 {
		t.Fatalf("start session: %d", st)
	}
	ws := p.dial(t, token, sess.ID)
	readUntil(t, ws, "state")
	answers := []string{"I was late, and that's on me.", "It makes sense you're fed up with me."}
	var acknowledged []string
	for i, a := range answers {
		ws.WriteJSON(map[string]any{"type": "response", "turn": 1 + 2*i, "text": a})
		ct := readUntil(t, ws, "client_turn")
		acknowledged = append(acknowledged, a, ct["text"].(string))
	}

	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited

	p2 := start()
	ws2 := p2.dial(t, token, sess.ID) // the login survives too
	defer ws2.Close()
	state := readUntil(t, ws2, "state")["session"].(map[string]any)
	turns := state["turns"].([]any)
	if len(turns) != 1+len(acknowledged) {
		t.Fatalf("after kill -9: %d turns, want %d", len(turns), 1+len(acknowledged))
	}
	for i, want := range acknowledged {
		if got := turns[i+1].(map[string]any)["text"]; got != want {
			t.Errorf("turn %d: %q, want %q", i+2, got, want)
		}
	}
	// The session goes on to its end.
	if pending := int(state["pending"].(float64)); pending != 5 {
		t.Fatalf("after restart: pending %d, want 5", pending)
	}
	answerWhenFree(t, ws2, 5, "Thank you for telling me. What is it like to say this to me now?")
	ws2.WriteJSON(map[string]any{"type": "end"})
	if end := readUntil(t, ws2, "end"); end["summary"] == nil {
		t.Errorf("end after restart: %v", end)
	}
}

// TestSIGTERM checks graceful shutdown: sockets get a close frame, the
// process exits cleanly, and the store is closed so it opens at once.
func TestSIGTERM(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	admin := p.login(t, "admin", adminPassword)
	var sess struct{ ID string }
	p.call(t, admin, http.MethodPost, "/api/sessions", map[string]string{"scenario_id": "late-again"}, &sess)
	ws := p.dial(t, admin, sess.ID)
	readUntil(t, ws, "state")

	p.cmd.Process.Signal(syscall.SIGTERM)
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _, err := ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("socket on SIGTERM: %v, want close 1001", err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			t.Errorf("exit: %v\n%s", p.err, p.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
	s, err := boltstore.Open(data)
	if err != nil {
		t.Fatalf("the store was not closed cleanly: %v", err)
	}
	s.Close()
	if !strings.Contains(p.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no stop in the log:\n%s", p.stderr)
	}
}

// TestFirstRunPrintsAPassword checks the first run without
// REPAIRGYM_ADMIN_PASSWORD: a generated password, printed once, works, and
// does not reach the log.
func TestFirstRunPrintsAPassword(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "REPAIRGYM_BCRYPT_COST=4", "REPAIRGYM_ADMIN_PASSWORD=")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}
	defer stop()
	type ready struct{ url, password string }
	found := make(chan ready, 1)
	go func() {
		var r ready
		sc := bufio.NewScanner(stdout)
		for r.password == "" && sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "repairgym is ready at "); ok {
				r.url = strings.TrimSuffix(u, "/")
			}
			if rest, ok := strings.CutPrefix(line, "Log in as admin with password "); ok {
				r.password, _, _ = strings.Cut(rest, " ")
			}
		}
		found <- r
		io.Copy(io.Discard, stdout)
	}()
	var r ready
	select {
	case r = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("no password printed within 30 s")
	}
	if r.url == "" || len(r.password) < 12 {
		t.Fatalf("url %q, password %q", r.url, r.password)
	}
	p := &process{url: r.url}
	p.login(t, "admin", r.password)
	// The log is complete once the process has stopped.
	stop()
	if log := stderr.String(); !strings.Contains(log, `"msg":"stopped"`) || strings.Contains(log, r.password) {
		t.Errorf("the log is incomplete or holds the generated password:\n%s", log)
	}
}

// TestBenchRuns runs the load benchmark small, to keep it working.
func TestBenchRuns(t *testing.T) {
	out, err := exec.Command(binary(t), "bench", "--sessions", "3", "--turns", "2", "--think", "10ms").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "| 3 | ") || !strings.Contains(string(out), "KiB |") {
		t.Errorf("bench output:\n%s", out)
	}
}

// /readyz answers for the store: with Redis gone, the server is up but not
// ready.
func TestReadyzFollowsRedis(t *testing.T) {
	redis := redistest.Start(t)
	p := startServer(t, t.TempDir(), "REPAIRGYM_REDIS_URL="+redis.URL())
	if st := p.call(t, "", http.MethodGet, "/readyz", nil, nil); st != http.StatusOK {
		t.Fatalf("readyz with Redis: %d", st)
	}
	redis.Stop()
	if st := p.call(t, "", http.MethodGet, "/readyz", nil, nil); st != http.StatusServiceUnavailable {
		t.Errorf("readyz without Redis: %d, want 503", st)
	}
	if st := p.call(t, "", http.MethodGet, "/healthz", nil, nil); st != http.StatusOK {
		t.Errorf("healthz without Redis: %d, want 200", st)
	}
}
