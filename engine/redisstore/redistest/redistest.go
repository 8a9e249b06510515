// Package redistest runs a private redis-server for tests.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// serverPath finds redis-server. make test installs it; a plain go
// test without it skips, except in CI, where a missing server must fail.
func serverPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("redis-server is not installed; make test installs it")
	}
	t.Skip("redis-server is not installed; run make test, which installs it")
	return ""
}

// A Server is a private redis-server for one test, its files in a
// temporary folder.
type Server struct {
	// Addr is host:port.
	Addr string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *strings.Builder
}

// An Option changes how Start runs the server.
type Option func(*[]string)

// Persistent makes the server write every change to its append-only file
// before it answers, as a production Redis with appendfsync always does,
// so that a server stopped by Stop comes back with its data on Restart.
// Without it the server keeps nothing on disk.
func Persistent() Option {
	return func(args *[]string) {
		*args = append(*args, "--appendonly", "yes", "--appendfsync", "always")
	}
}

// Start starts a redis-server on a free port and waits until it answers;
// the test's cleanup stops it. Without redis-server the test is skipped,
// except in CI, where it fails: make test installs it.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := serverPath(t)
	dir := t.TempDir()
	var lastErr error
	// Another process may take the free port before the server binds it:
	// try a few.
	for range 5 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		args := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}
		for _, o := range opts {
			o(&args)
		}
		srv := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), args: args}
		if lastErr = srv.start(); lastErr == nil {
			t.Cleanup(srv.Stop)
			return srv
		}
		srv.Stop()
		lastErr = fmt.Errorf("%w\n%s", lastErr, srv.out.String())
	}
	t.Fatalf("redis-server did not start: %v", lastErr)
	return nil
}

// start runs the server process and waits until it answers.
func (r *Server) start() error {
	cmd := exec.Command(r.args[0], r.args[1:]...)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	r.mu.Lock()
	r.cmd, r.done, r.out = cmd, done, out
	r.mu.Unlock()
	return r.waitReady()
}

// Restart starts the server again after Stop, on the same port and with
// the same folder: with Persistent, with the data it had.
func (r *Server) Restart(t testing.TB) {
	t.Helper()
	r.Stop()
	if err := r.start(); err != nil {
		t.Fatalf("restart redis-server: %v\n%s", err, r.out.String())
	}
}

// waitReady polls PING until the server answers or exits.
func (r *Server) waitReady() error {
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	// Dial until the port is open, so that go-redis does not log refusals.
	for deadline := time.Now().Add(10 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", r.Addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redis-server exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server, as a crash would. Stopping a stopped server
// does nothing.
func (r *Server) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// URL is the server's redis:// URL.
func (r *Server) URL() string { return "redis://" + r.Addr }
