package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

func TestHealthReadyMetrics(t *testing.T) {
	ts := newTestServer(t)
	var body map[string]string
	if st := ts.do(t, "", http.MethodGet, "/healthz", nil, &body); st != 200 || body["status"] != "ok" {
		t.Errorf("healthz: %d %v", st, body)
	}
	if st := ts.do(t, "", http.MethodGet, "/readyz", nil, &body); st != 200 {
		t.Errorf("readyz: %d", st)
	}
	res, err := http.Get(ts.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, name := range []string{"repairgym_sockets", "repairgym_active_sessions", "repairgym_turns_total", "repairgym_grading_seconds", "repairgym_store_commit_seconds"} {
		if !strings.Contains(string(data), name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	// With the store gone, the server is not ready.
	ts.store.Close()
	if st := ts.do(t, "", http.MethodGet, "/readyz", nil, nil); st != http.StatusServiceUnavailable {
		t.Errorf("readyz with the store closed: %d", st)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	res, err := http.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "script-src 'self'",
		"Referrer-Policy":         "no-referrer",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if res.Header.Get(echoRequestID) == "" {
		t.Error("no request id header")
	}
	// HSTS only when the browser came over HTTPS, here through a proxy.
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS over plain HTTP: %q", h)
	}
	req, _ := http.NewRequest(http.MethodGet, ts.url+"/", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if h := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS over HTTPS = %q", h)
	}
}

const echoRequestID = "X-Request-Id"

func TestLoginAndLogout(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	var e apiErrorBody
	if st := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "tess", "password": "wrong-password"}, &e); st != 401 || e.Error.Code != codeUnauthorized {
		t.Errorf("wrong password: %d %+v", st, e)
	}
	if st := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "nobody", "password": "whatever-pw"}, &e); st != 401 || e.Error.Message != "wrong username or password" {
		t.Errorf("unknown user: %d %+v (must read like a wrong password)", st, e)
	}
	c := ts.login(t, "tess")
	if c.user.Role != engine.RoleTrainee || c.user.Username != "tess" {
		t.Errorf("login user = %+v", c.user)
	}
	var u userJSON
	if st := c.do(http.MethodGet, "/api/me", nil, &u); st != 200 || u.ID != c.user.ID {
		t.Errorf("me: %d %+v", st, u)
	}
	// Tokens are stored hashed: the token itself is not a key.
	if _, err := ts.store.TokenByHash(context.Background(), c.token); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("the raw token is stored: %v", err)
	}
	if st := c.do(http.MethodPost, "/api/logout", nil, nil); st != http.StatusNoContent {
		t.Errorf("logout: %d", st)
	}
	if st := c.do(http.MethodGet, "/api/me", nil, nil); st != 401 {
		t.Errorf("after logout: %d, want 401", st)
	}
	if st := ts.do(t, "", http.MethodGet, "/api/scenarios", nil, nil); st != 401 {
		t.Errorf("no token: %d", st)
	}
	if st := ts.do(t, "not-a-token", http.MethodGet, "/api/scenarios", nil, nil); st != 401 {
		t.Errorf("bad token: %d", st)
	}
}

func TestLoginCookie(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	res, err := http.Post(ts.url+"/api/login", "application/json", strings.NewReader(`{"username":"tess","password":"password-tess"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax", session)
	}
	if res, err := http.Post(ts.url+"/api/login", "text/plain", strings.NewReader(`{"username":"tess","password":"password-tess"}`)); err != nil || res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("login as text/plain: %v %v", err, res.StatusCode)
	}
}

func TestFailedLoginsAreLimited(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	for i := range 5 {
		if st := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "tess", "password": "guess-" + string(rune('a'+i))}, nil); st != 401 {
			t.Fatalf("attempt %d: %d", i+1, st)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/login", strings.NewReader(`{"username":"tess","password":"password-tess"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("sixth attempt, right password: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Other users are not locked out by tess's failures...
	ts.addUser(t, "uma", engine.RoleTrainee, "c1")
	ts.login(t, "uma")
	// ...until the address has failed too often.
	for i := range 15 {
		ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "spray" + string(rune('a'+i)), "password": "password1"}, nil)
	}
	if st := ts.do(t, "", http.MethodPost, "/api/login", map[string]string{"username": "uma", "password": "password-uma"}, nil); st != http.StatusTooManyRequests {
		t.Errorf("after 20 failures from one address: %d, want 429", st)
	}
}

// loginFrom logs in as if from the address a trusted proxy forwards.
func loginFrom(t *testing.T, ts *testServer, forwardedFor, username, password string) int {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", forwardedFor)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestStrangersCannotLockSomeoneOut checks that failures for a username
// from one address do not stop its owner logging in from another, while
// guessing spread over many addresses still meets a limit.
func TestStrangersCannotLockSomeoneOut(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.TrustedProxies = []string{"127.0.0.0/8"} })
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	login := func(from, password string) int { return loginFrom(t, ts, from, "tess", password) }
	for range 5 {
		login("203.0.113.7", "a-wrong-guess")
	}
	if st := login("203.0.113.7", "password-tess"); st != http.StatusTooManyRequests {
		t.Errorf("the guessing address, right password: %d, want 429", st)
	}
	if st := login("198.51.100.2", "password-tess"); st != http.StatusOK {
		t.Errorf("tess from her own address: %d, want 200", st)
	}
	// Fifty failures in all, from addresses of five failures each, close
	// the username everywhere.
	for i := range 9 {
		for range 5 {
			login(fmt.Sprintf("192.0.2.%d", i+1), "a-wrong-guess")
		}
	}
	if st := login("198.51.100.2", "password-tess"); st != http.StatusTooManyRequests {
		t.Errorf("after 50 failures spread over addresses: %d, want 429", st)
	}
}

func TestParallelGuessesAreLimitedToo(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	// Guesses sent all at once must not slip in while the first ones are
	// still being checked.
	statuses := make(chan int, 20)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Post(ts.url+"/api/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username":"tess","password":"guess-%d"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[http.StatusUnauthorized] != 5 || count[http.StatusTooManyRequests] != 15 {
		t.Errorf("20 parallel guesses: %v; want 5 checked and 15 refused", count)
	}
}

func TestLoginLimitByForwardedAddress(t *testing.T) {
	login := func(ts *testServer, forwardedFor, username string) int {
		return loginFrom(t, ts, forwardedFor, username, "password-"+username)
	}
	tests := []struct {
		name    string
		proxies []string
		// other is the status of a right password from another
		// forwarded address after one address has failed too often.
		other int
	}{
		// Without a trusted proxy the header is anyone's to forge, and
		// changing it must not escape the limit.
		{"no trusted proxy", nil, http.StatusTooManyRequests},
		// Behind a trusted proxy each client has its own count.
		{"behind a trusted proxy", []string{"127.0.0.0/8"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, func(c *Config) { c.TrustedProxies = tt.proxies })
			ts.addUser(t, "uma", engine.RoleTrainee, "c1")
			for i := range 20 {
				login(ts, "203.0.113.7", fmt.Sprint("nobody", i))
			}
			if st := login(ts, "203.0.113.7", "uma"); st != http.StatusTooManyRequests {
				t.Errorf("from the failing address: %d, want 429", st)
			}
			if st := login(ts, "198.51.100.2", "uma"); st != tt.other {
				t.Errorf("from another address: %d, want %d", st, tt.other)
			}
		})
	}
	if _, err := New(Config{Store: newTestServer(t).store, Catalog: scenarios.NewCatalog(),
		BcryptCost: bcrypt.MinCost, TrustedProxies: []string{"10.0.0.1"}}); err == nil || !strings.Contains(err.Error(), "10.0.0.1") {
		t.Errorf("a proxy that is not a range: %v", err)
	}
}

func TestCSRF(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	cc := ts.cookieLogin(t, "tess")
	post := func(csrf, origin string) int {
		req, _ := http.NewRequest(http.MethodPost, ts.url+"/api/sessions", strings.NewReader(`{"scenario_id":"late-again"}`))
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set(csrfHeader, csrf)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := cc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := post("", ""); st != http.StatusForbidden {
		t.Errorf("cookie write without CSRF token: %d, want 403", st)
	}
	if st := post("forged", ""); st != http.StatusForbidden {
		t.Errorf("cookie write with a wrong CSRF token: %d, want 403", st)
	}
	if st := post(cc.csrf, "https://evil.example"); st != http.StatusForbidden {
		t.Errorf("cookie write from another origin: %d, want 403", st)
	}
	if st := post(cc.csrf, ts.url); st != http.StatusCreated {
		t.Errorf("cookie write with the CSRF token from our origin: %d, want 201", st)
	}
	// A GET needs no token.
	res, err := cc.Get(ts.url + "/api/sessions")
	if err != nil || res.StatusCode != 200 {
		t.Errorf("cookie GET: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
}

func TestUsersAPI(t *testing.T) {
	ts := newTestServer(t)
	admin := ts.user(t, "root", engine.RoleAdmin, "")
	var created userJSON
	if st := admin.do(http.MethodPost, "/api/users", map[string]string{"username": "tess", "password": "password-tess", "role": "trainee", "cohort": "c1"}, &created); st != 201 || created.ID == "" || created.Cohort != "c1" {
		t.Fatalf("create: %d %+v", st, created)
	}
	var e apiErrorBody
	tests := []struct {
		body map[string]string
		code int
	}{
		{map[string]string{"username": "tess", "password": "a-long-password", "role": "trainee"}, 409},
		{map[string]string{"username": "x", "password": "a-long-password", "role": "trainee"}, 400},
		{map[string]string{"username": "vic", "password": "short", "role": "trainee"}, 400},
		{map[string]string{"username": "vic", "password": "a-long-password", "role": "wizard"}, 400},
		{map[string]string{"username": "<script>", "password": "a-long-password", "role": "trainee"}, 400},
	}
	for _, tt := range tests {
		if st := admin.do(http.MethodPost, "/api/users", tt.body, &e); st != tt.code {
			t.Errorf("create %v: %d %+v, want %d", tt.body, st, e, tt.code)
		}
	}
	ts.addUser(t, "uma", engine.RoleTrainee, "c2")
	sup := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	var list []userJSON
	if st := sup.do(http.MethodGet, "/api/users", nil, &list); st != 200 || len(list) != 2 { // tess and sue
		t.Errorf("supervisor's list: %d %+v, want their cohort only", st, list)
	}
	for _, u := range list {
		if u.Cohort != "c1" {
			t.Errorf("supervisor sees %s of cohort %q", u.Username, u.Cohort)
		}
	}
	if st := sup.do(http.MethodPost, "/api/users", map[string]string{"username": "zed", "password": "a-long-password", "role": "admin"}, nil); st != 403 {
		t.Errorf("supervisor creates a user: %d, want 403", st)
	}
	tess := ts.login(t, "tess")
	if st := tess.do(http.MethodGet, "/api/users", nil, nil); st != 403 {
		t.Errorf("trainee lists users: %d, want 403", st)
	}
	if st := admin.do(http.MethodGet, "/api/users", nil, &list); st != 200 || len(list) != 4 {
		t.Errorf("admin's list: %d, %d users", st, len(list))
	}
}

func TestScenariosAPI(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	sup := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	var list []scenarioSummary
	if st := tess.do(http.MethodGet, "/api/scenarios", nil, &list); st != 200 || len(list) < 3 {
		t.Fatalf("list: %d %d", st, len(list))
	}
	if st := tess.do(http.MethodGet, "/api/scenarios?rupture_type=withdrawal", nil, &list); st != 200 || len(list) == 0 {
		t.Fatalf("filter: %d", st)
	}
	for _, s := range list {
		if s.RuptureType != "withdrawal" {
			t.Errorf("filter by withdrawal returned %s", s.ID)
		}
	}
	var brief map[string]any
	tess.do(http.MethodGet, "/api/scenarios/late-again", nil, &brief)
	if brief["title"] != "Late again" || brief["stages"] != nil {
		t.Errorf("trainee's view of a scenario: %v (the stages hold the answers)", brief)
	}
	var full map[string]any
	sup.do(http.MethodGet, "/api/scenarios/late-again", nil, &full)
	if full["stages"] == nil {
		t.Error("supervisor's view lacks the stages")
	}
	if st := tess.do(http.MethodGet, "/api/scenarios/nope", nil, nil); st != 404 {
		t.Errorf("unknown scenario: %d", st)
	}

	validate := func(c *client, body string) (int, map[string]any) {
		return ts.sendYAML(t, c.token, http.MethodPost, "/api/scenarios/validate", body)
	}
	st, out := validate(sup, "id: broken\ntitle: [unclosed\n")
	problems, _ := out["problems"].([]any)
	if st != 200 || out["valid"] != false || len(problems) != 1 || num(problems[0].(map[string]any)["line"]) != 2 {
		t.Errorf("validate broken YAML: %d %v", st, out)
	}
	// Checking stores nothing; saving is for supervisors.
	if st, out := validate(tess, "id: x\n"); st != 200 || out["valid"] != false {
		t.Errorf("trainee validates: %d %v, want 200 with problems", st, out)
	}
	if st, _ := ts.sendYAML(t, tess.token, http.MethodPut, "/api/scenarios/late-again", "id: x\n"); st != 403 {
		t.Errorf("trainee saves a scenario: %d, want 403", st)
	}

	src := readLibraryFile(t, "late-again.yaml")
	put := func(body string) (int, map[string]any) {
		return ts.sendYAML(t, sup.token, http.MethodPut, "/api/scenarios/late-again", body)
	}
	if st, out := put(src); st != 409 {
		t.Errorf("saving the same version again: %d %v", st, out)
	}
	v2 := strings.Replace(strings.Replace(src, "version: 1", "version: 2", 1), "title: Late again", "title: Late again, revised", 1)
	if st, out := put(v2); st != 200 || num(out["version"]) != 2 {
		t.Fatalf("save version 2: %d %v", st, out)
	}
	tess.do(http.MethodGet, "/api/scenarios/late-again", nil, &brief)
	if brief["title"] != "Late again, revised" {
		t.Errorf("after saving, the scenario is %v", brief["title"])
	}
	if st, out := put("id: late-again\n"); st != 422 || out["problems"] == nil {
		t.Errorf("saving an invalid scenario: %d %v", st, out)
	}
	vs, _ := ts.store.ScenarioVersions(context.Background(), "late-again")
	if len(vs) != 1 || vs[0].Version != 2 {
		t.Errorf("stored versions: %+v", vs)
	}
}

func TestScenarioChecksAreBounded(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	// The parser's time grows with the square of the keys: a file past
	// the limit is refused before it is parsed.
	big := "id: x\n" + strings.Repeat("k: v\n", scenarios.MaxFileSize/5)
	if st, out := ts.sendYAML(t, tess.token, http.MethodPost, "/api/scenarios/validate", big); st != http.StatusRequestEntityTooLarge {
		t.Errorf("validate %d bytes: %d %v, want 413", len(big), st, out)
	}
	// While every parsing slot is taken, a check waits a little, then is
	// told to come back; nothing is lost, since it stores nothing.
	ts.parseWait = 50 * time.Millisecond
	for range cap(ts.parsing) {
		ts.parsing <- struct{}{}
	}
	st, out := ts.sendYAML(t, tess.token, http.MethodPost, "/api/scenarios/validate", "id: x\n")
	if e, _ := out["error"].(map[string]any); st != http.StatusServiceUnavailable || e["code"] != engine.EUNAVAILABLE {
		t.Errorf("validate while busy: %d %v, want 503 %s", st, out, engine.EUNAVAILABLE)
	}
	for range cap(ts.parsing) {
		<-ts.parsing
	}
	if st, out := ts.sendYAML(t, tess.token, http.MethodPost, "/api/scenarios/validate", "id: x\n"); st != http.StatusOK || out["valid"] != false {
		t.Errorf("validate once free: %d %v", st, out)
	}
}

func TestRubricAndGradeAPI(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	var r grading.Rubric
	if st := tess.do(http.MethodGet, "/api/rubric", nil, &r); st != 200 || len(r.Criteria) != 3 {
		t.Errorf("rubric: %d %+v", st, r)
	}
	var reply grading.Reply
	st := tess.do(http.MethodPost, "/api/grade", map[string]string{"client": "You were late again.", "response": "I was late, and that's on me. What was the wait like?", "scenario": "late-again"}, &reply)
	if st != 200 || reply.Overall == nil || len(reply.Scores) != 3 || reply.Scores[grading.Exploration].Score != 3 {
		t.Errorf("grade: %d %+v", st, reply)
	}
	var e apiErrorBody
	if st := tess.do(http.MethodPost, "/api/grade", map[string]string{"client": "x", "response": ""}, &e); st != 400 || e.Error.Code != engine.EINVALID {
		t.Errorf("grade an empty response: %d %+v", st, e)
	}
}

// The app offers the language-model voice only where the server has one.
func TestMeListsTheVoices(t *testing.T) {
	for _, tt := range []struct {
		voices map[string]engine.Voice
		want   string
	}{
		{nil, "scripted"},
		{map[string]engine.Voice{"llm": engine.Scripted{}}, "scripted llm"},
	} {
		ts := newTestServer(t, func(c *Config) { c.Voices = tt.voices })
		c := ts.user(t, "tess", engine.RoleTrainee, "c1")
		var me struct {
			Username string   `json:"username"`
			Voices   []string `json:"voices"`
		}
		if st := c.do(http.MethodGet, "/api/me", nil, &me); st != 200 || me.Username != "tess" || strings.Join(me.Voices, " ") != tt.want {
			t.Errorf("me: %d %+v, want voices %q", st, me, tt.want)
		}
	}
}
