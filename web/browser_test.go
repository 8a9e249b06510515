package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// chromiumPath finds Debian's Chromium. make test installs it; a plain go
// test without it skips, except in CI, where a missing browser must fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; make test installs it")
	}
	t.Skip("chromium is not installed; run make test, which installs it")
	return ""
}

// browser starts a headless Chromium for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// screenshots keeps a test's screenshots in a folder that outlives it, to
// be looked at.
type screenshots struct {
	t   *testing.T
	dir string
	n   int
}

func newScreenshots(t *testing.T) *screenshots {
	dir := filepath.Join(os.TempDir(), "repairgym-screenshots", t.Name())
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return &screenshots{t: t, dir: dir}
}

func (s *screenshots) take(ctx context.Context, name string) {
	s.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	s.n++
	if err := os.WriteFile(filepath.Join(s.dir, fmt.Sprintf("%02d-%s.png", s.n, name)), png, 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// waitFor polls a JavaScript condition until it is true.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func TestBrowserPractiseToTheEnd(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	shots := newScreenshots(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/"),
		chromedp.WaitVisible("#login-form"),
	); err != nil {
		t.Fatal(err)
	}
	shots.take(ctx, "login")
	// A wrong password is explained, not crashed on.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#username", "tess"),
		chromedp.SendKeys("#password", "not-my-password"),
		chromedp.Click("#login-form button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the login error", `document.querySelector('#login-error').textContent.toLowerCase().includes('wrong username or password')`)
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#password').value = ''`),
		chromedp.SendKeys("#password", "password-tess"),
		chromedp.Click("#login-form button[type=submit]"),
		chromedp.WaitVisible("#scenario-list li.scenario"),
	); err != nil {
		t.Fatal(err)
	}
	shots.take(ctx, "library")

	if err := chromedp.Do(ctx,
		chromedp.Click(`button[aria-label="Practise: Late again"]`),
		chromedp.WaitVisible("#composer"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the client's opening line", `document.querySelectorAll('li.line.client').length === 1`)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	if ts.mustRecord(t, id).Trainee == "" {
		t.Fatalf("no session %s", id)
	}

	for turn := 1; ; turn++ {
		answer := bestExemplar(t, ts, id)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys("#response", answer),
			chromedp.Click("#composer button[type=submit]"),
		); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf("feedback %d", turn), fmt.Sprintf(`document.querySelectorAll('li.feedback').length >= %d`, turn))
		waitFor(t, ctx, fmt.Sprintf("the client's line %d", turn+1), fmt.Sprintf(`document.querySelectorAll('li.line.client').length >= %d`, turn+1))
		if turn == 1 {
			shots.take(ctx, "feedback")
			marks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('li.line.trainee mark').length`))
			if err != nil || marks == 0 {
				t.Errorf("no evidence marked in the trainee's words (%d, %v)", marks, err)
			}
			bars, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('li.feedback .bar[role=img][aria-label]').length`))
			if bars != 3 {
				t.Errorf("%d labelled criterion bars, want 3", bars)
			}
		}
		if ts.mustRecord(t, id).State.Status == engine.Ended {
			break
		}
		if turn > 8 {
			t.Fatal("the session did not end")
		}
	}
	waitFor(t, ctx, "the debrief", `!document.querySelector('#debrief').hidden`)
	text, err := chromedp.Run(ctx, chromedp.Text("#debrief"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Repaired") || !strings.Contains(text, "Average score") || !strings.Contains(text, "strongest response") {
		t.Errorf("debrief reads %q", text)
	}
	shots.take(ctx, "summary")

	// The session is in the history, and its transcript opens.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/#/history"),
		chromedp.WaitVisible("#session-rows tr a"),
		chromedp.Click("#session-rows tr a"),
		chromedp.WaitVisible("#debrief"),
	); err != nil {
		t.Fatal(err)
	}
	shots.take(ctx, "transcript")

	// At phone width the practice page still fits.
	id2 := ts.login(t, "tess").startSession("too-quick-yes", engine.Practice)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(ts.url+"/#/practice/"+id2),
		chromedp.WaitVisible("#composer"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the practice page scrolls sideways at phone width")
	}
	shots.take(ctx, "phone")
}

// TestBrowserRendersTextAsText saves a scenario whose title is HTML and
// checks the library shows it as text and runs none of it.
func TestBrowserRendersTextAsText(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	sup := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	src := readLibraryFile(t, "late-again.yaml")
	evil := `<img src=x onerror="window.pwned=1">`
	src = strings.Replace(src, "version: 1", "version: 2", 1)
	src = strings.Replace(src, "title: Late again", "title: '"+evil+"'", 1)
	if st, out := ts.sendYAML(t, sup.token, http.MethodPut, "/api/scenarios/late-again", src); st != 200 {
		t.Fatalf("save: %d %v", st, out)
	}

	ctx := browser(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/"),
		chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#username", "tess"),
		chromedp.SendKeys("#password", "password-tess"),
		chromedp.Click("#login-form button[type=submit]"),
		chromedp.WaitVisible("#scenario-list li.scenario"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the titles", `[...document.querySelectorAll('#scenario-list h2')].some(h => h.textContent.includes('onerror'))`)
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.pwned === 1 || document.querySelector('#scenario-list img') !== null`))
	if err != nil {
		t.Fatal(err)
	}
	if pwned {
		t.Fatal("a scenario title was rendered as HTML")
	}
}

// logIn logs a user in through the login page.
func logIn(t *testing.T, ctx context.Context, url, username string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(url+"/"),
		chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#username", username),
		chromedp.SendKeys("#password", "password-"+username),
		chromedp.Click("#login-form button[type=submit]"),
		chromedp.WaitVisible("#scenario-list li.scenario"),
	); err != nil {
		t.Fatalf("log in as %s: %v", username, err)
	}
}

// TestBrowserPracticeEdges covers what goes wrong mid-practice: a response
// the server refuses, a session that is not there, and getting around
// from the keyboard.
func TestBrowserPracticeEdges(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ctx := browser(t)
	logIn(t, ctx, ts.url, "tess")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/practice/"+id), chromedp.WaitVisible("#composer")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)

	// A response the server refuses leaves no line behind that looks
	// sent, and keeps the words to edit. The textarea's maxlength stops
	// typing past the limit; a script can still set more.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#response').value = 'x'.repeat(4001)`),
		chromedp.Click("#composer button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", `document.querySelector('#composer-error').textContent !== ''`)
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		trainee: document.querySelectorAll('li.line.trainee').length,
		kept: document.querySelector('#response').value.length,
		readOnly: document.querySelector('#response').readOnly,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if state["trainee"] != 0.0 || state["kept"] != 4001.0 || state["readOnly"] != false {
		t.Errorf("after a refused response: %v; want no trainee line, the words kept, the textarea editable", state)
	}
	if rec := ts.mustRecord(t, id); len(rec.State.Turns) != 1 {
		t.Errorf("a refused response reached the transcript: %d turns", len(rec.State.Turns))
	}

	// The rupture marker says whether it is open.
	expanded := func() string {
		v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#flag').getAttribute('aria-expanded')`))
		return v
	}
	if got := expanded(); got != "false" {
		t.Errorf("aria-expanded before opening: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#flag")); err != nil {
		t.Fatal(err)
	}
	if got := expanded(); got != "true" {
		t.Errorf("aria-expanded after opening: %q", got)
	}

	// The skip link moves focus to the content without leaving the page.
	if err := chromedp.Do(ctx,
		chromedp.Focus(".skip"),
		chromedp.KeyEvent("\r"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "focus on the content", `document.activeElement === document.querySelector('#main')`)
	after, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({hash: location.hash, composer: document.querySelector('#composer') !== null})`))
	if err != nil {
		t.Fatal(err)
	}
	if after["hash"] != "#/practice/"+id || after["composer"] != true {
		t.Errorf("after the skip link: %v; want the practice page as it was", after)
	}

	// A session that is not there says so, instead of reconnecting for
	// ever.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/practice/no-such-session")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the explanation", `document.querySelector('.status') !== null && document.querySelector('.status').textContent.includes('cannot be opened')`)
}

// TestBrowserSupervisorReadsCohortSessions checks that a supervisor's
// cohort list opens a trainee's session as a transcript to read, not as a
// practice page to write in.
func TestBrowserSupervisorReadsCohortSessions(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	id := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(id, "I was late, and that's on me.")

	ctx := browser(t)
	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/#/sessions"),
		chromedp.WaitVisible("#session-rows tr a"),
	); err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#session-rows tr a').getAttribute('href')`))
	if err != nil || href != "#/sessions/"+id {
		t.Fatalf("the cohort list links to %q (%v), want the transcript #/sessions/%s", href, err, id)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#session-rows tr a")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the transcript", `document.querySelectorAll('#conversation li.line.trainee').length === 1`)
	composer, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#composer') !== null`))
	if err != nil {
		t.Fatal(err)
	}
	if composer {
		t.Error("a supervisor got a composer for a trainee's session")
	}
}
