package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/boltstore"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// testServer is a real server on a random loopback port, with its own
// embedded store in a temporary folder.
type testServer struct {
	*Server
	http  *httptest.Server
	store engine.Store
	url   string
}

func newTestServer(t testing.TB, mutate ...func(*Config)) *testServer {
	t.Helper()
	store, err := boltstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Closed after the server has stopped: cleanups run last first.
	t.Cleanup(func() { store.Close() })
	return serveStore(t, store, mutate...)
}

// serveStore starts a server on a store, with the built-in library; a
// second server on the same store is a second process sharing it. The
// test's cleanup stops the server, not the store.
func serveStore(t testing.TB, store engine.Store, mutate ...func(*Config)) *testServer {
	t.Helper()
	set, err := scenarios.LoadFS(scenarios.Library(), ".", grading.DefaultRubric().Scale())
	if err != nil || len(set.Problems) > 0 {
		t.Fatalf("library: %v %v", err, set.Problems)
	}
	cfg := Config{
		Store:      store,
		Catalog:    scenarios.NewCatalog(set.Scenarios...),
		BcryptCost: bcrypt.MinCost,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &testServer{Server: srv, http: hs, store: store, url: hs.URL}
}

// client is a logged-in API user.
type client struct {
	t     testing.TB
	ts    *testServer
	user  userJSON
	token string
}

func (ts *testServer) addUser(t testing.TB, username, role, cohort string) {
	t.Helper()
	if _, err := ts.NewUser(context.Background(), username, "password-"+username, role, cohort); err != nil {
		t.Fatal(err)
	}
}

// login logs in with a bearer token.
func (ts *testServer) login(t testing.TB, username string) *client {
	t.Helper()
	var res struct {
		Token string   `json:"token"`
		User  userJSON `json:"user"`
	}
	status := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": username, "password": "password-" + username}, &res)
	if status != http.StatusOK || res.Token == "" {
		t.Fatalf("login %s: status %d", username, status)
	}
	return &client{t: t, ts: ts, user: res.User, token: res.Token}
}

// user creates a user and logs them in.
func (ts *testServer) user(t testing.TB, username, role, cohort string) *client {
	t.Helper()
	ts.addUser(t, username, role, cohort)
	return ts.login(t, username)
}

// do sends a JSON request with an optional bearer token and decodes the
// JSON answer into out, returning the status.
func (ts *testServer) do(t testing.TB, token, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, ts.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, body %q: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode
}

// getRaw fetches a path with a bearer token and returns the status, the
// content type and the body.
func (ts *testServer) getRaw(t testing.TB, token, path string) (int, string, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ts.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), data
}

func (c *client) do(method, path string, body, out any) int {
	c.t.Helper()
	return c.ts.do(c.t, c.token, method, path, body, out)
}

// errorCode decodes an API error body.
type apiErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (c *client) startSession(scenario, mode string) string {
	c.t.Helper()
	var res map[string]any
	if st := c.do(http.MethodPost, "/api/sessions", map[string]string{"scenario_id": scenario, "mode": mode}, &res); st != http.StatusCreated {
		c.t.Fatalf("start session: %d %v", st, res)
	}
	if !strings.HasPrefix(res["ws_url"].(string), "ws://") {
		c.t.Fatalf("ws_url = %v", res["ws_url"])
	}
	return res["id"].(string)
}

// practising starts a test server with a trainee, tess, in a practice
// session of late-again, connected and past the first state message.
func practising(t testing.TB) (*testServer, *client, string, *socket) {
	t.Helper()
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	ws.state()
	return ts, tess, id, ws
}

// answerFirst answers a session's opening line over a socket and waits
// for the client's reply.
func (c *client) answerFirst(sessionID, text string) {
	c.t.Helper()
	ws := c.dial(sessionID)
	defer ws.close()
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": text})
	ws.until("client_turn")
}

// socket is a real WebSocket client on a practice session.
type socket struct {
	t  testing.TB
	ws *websocket.Conn
}

func (c *client) dial(sessionID string) *socket {
	c.t.Helper()
	s, res, err := c.ts.dialWith(sessionID, http.Header{"Authorization": {"Bearer " + c.token}, "Origin": {c.ts.url}})
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		c.t.Fatalf("dial: %v (status %d)", err, status)
	}
	s.t = c.t
	return s
}

func (ts *testServer) dialWith(sessionID string, h http.Header) (*socket, *http.Response, error) {
	id, query, _ := strings.Cut(sessionID, "?")
	u := "ws" + strings.TrimPrefix(ts.url, "http") + "/api/sessions/" + url.PathEscape(id) + "/ws"
	if query != "" {
		u += "?" + query
	}
	ws, res, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		return nil, res, err
	}
	return &socket{ws: ws}, res, nil
}

func (s *socket) send(msg any) {
	s.t.Helper()
	if err := s.ws.WriteJSON(msg); err != nil {
		s.t.Fatalf("send: %v", err)
	}
}

// next reads the next message, failing after a few seconds.
func (s *socket) next() map[string]any {
	s.t.Helper()
	s.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]any
	if err := s.ws.ReadJSON(&m); err != nil {
		s.t.Fatalf("read: %v", err)
	}
	return m
}

// until reads messages until one of the given type, returning it and all
// read on the way.
func (s *socket) until(typ string) (map[string]any, []map[string]any) {
	s.t.Helper()
	var seen []map[string]any
	for {
		m := s.next()
		seen = append(seen, m)
		if m["type"] == typ {
			return m, seen
		}
	}
}

func (s *socket) close() { s.ws.Close() }

// state reads the state message every connection starts with.
func (s *socket) state() map[string]any {
	s.t.Helper()
	m := s.next()
	if m["type"] != "state" {
		s.t.Fatalf("first message is %v, want state", m["type"])
	}
	return m["session"].(map[string]any)
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// cookieClient is a browser-like client holding the session cookie.
type cookieClient struct {
	*http.Client
	csrf string
}

func (ts *testServer) cookieLogin(t testing.TB, username string) *cookieClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	body := strings.NewReader(`{"username":"` + username + `","password":"password-` + username + `"}`)
	res, err := hc.Post(ts.url+"/api/login", "application/json", body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("cookie login: %v %v", err, res)
	}
	res.Body.Close()
	cc := &cookieClient{Client: hc}
	u, _ := url.Parse(ts.url)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == csrfCookie {
			cc.csrf = ck.Value
		}
	}
	if cc.csrf == "" {
		t.Fatal("no CSRF cookie after login")
	}
	return cc
}

// sendYAML sends a YAML body, as the authoring endpoints take it, and
// decodes the JSON answer.
func (ts *testServer) sendYAML(t testing.TB, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, ts.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(res.Body)
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %d, body %q: %v", method, path, res.StatusCode, data, err)
		}
	}
	return res.StatusCode, out
}
