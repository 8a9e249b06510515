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

// A Server is a private redis-server for one test: no persistence, its
// files in a temporary folder.
type Server struct {
	// Addr is host:port.
	Addr string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// Start starts a redis-server on a free port and waits until it answers;
// the test's cleanup stops it. Without redis-server the test is skipped,
// except in CI, where it fails: make test installs it.
func Start(t testing.TB) *Server {
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
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		srv := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
		go func() { cmd.Wait(); close(srv.done) }()
		if lastErr = srv.waitReady(); lastErr == nil {
			t.Cleanup(srv.Stop)
			return srv
		}
		srv.Stop()
		lastErr = fmt.Errorf("%w\n%s", lastErr, out.String())
	}
	t.Fatalf("redis-server did not start: %v", lastErr)
	return nil
}

// waitReady polls PING until the server answers or exits.
func (r *Server) waitReady() error {
	// Dial until the port is open, so that go-redis does not log refusals.
	for deadline := time.Now().Add(10 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", r.Addr, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		select {
		case <-r.done:
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
		case <-r.done:
			return fmt.Errorf("redis-server exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server, as a crash would.
func (r *Server) Stop() {
	r.once.Do(func() {
		r.cmd.Process.Kill()
		<-r.done
	})
}

// URL is the server's redis:// URL.
func (r *Server) URL() string { return "redis://" + r.Addr }
