package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// failOnScriptErrors fails the test, at its end, for every uncaught
// exception in the page: a broken handler shows only as a step that does
// nothing.
func failOnScriptErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			mu.Lock()
			errs = append(errs, msg)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			t.Errorf("script error in the page: %s", e)
		}
	})
}

// jsString quotes a Go string for a JavaScript expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Expressions given to waitFor must not throw: chromedp polls them in the
// page, and one that throws after the first try leaves the poll hanging
// until the test's deadline. Hence the (x || {textContent: ''}) guards.

// evalBool runs a JavaScript expression and fails the test unless it is
// true. In it, shown(selector) says whether an element takes up room on
// the page, whatever hides it.
func evalBool(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const shown = (sel) => { const e = document.querySelector(sel); return !!e && e.getClientRects().length > 0; };
		return `+expr+`;
	})()`))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !ok {
		t.Errorf("%s: %s is false", what, expr)
	}
}

// text returns the text of the first element a selector matches, or ""
// when none does.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ''`, jsString(sel))))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// putCaretAfter places the editor's caret just after the first match of
// needle, as a click there would.
func putCaretAfter(t *testing.T, ctx context.Context, needle string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const ta = document.querySelector('#source');
		const i = ta.value.indexOf(%s);
		if (i < 0) throw new Error('not in the editor: ' + %s);
		ta.focus();
		ta.setSelectionRange(i + %d, i + %d);
	})()`, jsString(needle), jsString(needle), len(needle), len(needle)))); err != nil {
		t.Fatal(err)
	}
}

// lineOf returns the line number, from 1, of the first line of src that
// contains needle.
func lineOf(t *testing.T, src, needle string) int {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 {
		t.Fatalf("%q not found", needle)
	}
	return strings.Count(src[:i], "\n") + 1
}

// TestBrowserAuthoring edits a library scenario the way a supervisor
// would: a typo shows up as a problem at its line, the fix clears it, a
// playtest plays the draft, and saving raises the version and shows what
// changed.
func TestBrowserAuthoring(t *testing.T) {
	ts := newTestServer(t)
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)
	src := readLibraryFile(t, "late-again.yaml")
	scn, ok := ts.cfg.Catalog.Latest("late-again")
	if !ok || len(scn.Tests) == 0 || len(scn.Tests[0].Responses) < 2 {
		t.Fatal("late-again has no test with two responses to playtest")
	}
	repair := scn.Tests[0] // softening, then repaired

	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#nav a[href="#/author"]`),
		chromedp.Click(`#nav a[href="#/author"]`),
		chromedp.WaitVisible(`#author-rows tr[data-id="late-again"]`),
	); err != nil {
		t.Fatal(err)
	}
	shots.take(ctx, "list")
	evalBool(t, ctx, "the download link", `document.querySelector('a[aria-label="Download Late again"]').getAttribute('href') === '/api/scenarios/late-again/source?download=1'`)

	if err := chromedp.Do(ctx, chromedp.Click(`a[aria-label="Edit Late again"]`), chromedp.WaitVisible("#source")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the source in the editor", `document.querySelector('#source').value.startsWith('# yaml-language-server')`)
	waitFor(t, ctx, "a clean check", `document.querySelector('#check-status').textContent.includes('No problems') && document.querySelector('#check-status').textContent.includes('All 3 tests pass')`)
	waitFor(t, ctx, "the stage map", `!document.querySelector('#graph').hidden && document.querySelector('#graph').src.startsWith('data:image/svg+xml;base64,')`)
	// The map is an image: none of its markup is in the page.
	evalBool(t, ctx, "no SVG in the page", `document.querySelector('main svg') === null`)
	evalBool(t, ctx, "the gutter numbers every line", `document.querySelectorAll('#gutter .ln').length === document.querySelector('#source').value.split('\n').length`)
	evalBool(t, ctx, "the tests listed", `document.querySelectorAll('#checks .test.passed').length === 3`)
	shots.take(ctx, "editor")

	// A typo: one transition now leads nowhere.
	typoLine := lineOf(t, src, "to: softening")
	putCaretAfter(t, ctx, "to: softening")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b")); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("line %d, col 13:", typoLine)
	waitFor(t, ctx, "the problem listed", fmt.Sprintf(`[...document.querySelectorAll('#problems li')].some(li => li.textContent.startsWith(%s) && li.textContent.includes('"softenin"'))`, jsString(want)))
	waitFor(t, ctx, "the gutter marked", fmt.Sprintf(`document.querySelector('#gutter .ln[data-line="%d"].has-problem.severity-error') !== null`, typoLine))
	evalBool(t, ctx, "only problem lines marked", `[...document.querySelectorAll('#gutter .has-problem')].every(d => document.querySelector('#source').value.split('\n')[d.dataset.line - 1].includes('softenin'))`)
	if got := text(t, ctx, "#check-status"); !strings.Contains(got, "to fix") {
		t.Errorf("check status %q does not say there is something to fix", got)
	}
	shots.take(ctx, "problem")

	// Choosing the problem takes the caret to its line.
	chooseProblem(t, ctx, typoLine)

	// The fix clears it.
	putCaretAfter(t, ctx, "to: softenin\n")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b"), chromedp.KeyEvent("g\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the problem cleared", `document.querySelectorAll('#problems li').length === 0 && document.querySelector('#check-status').textContent.includes('No problems')`)
	evalBool(t, ctx, "the gutter cleared", `document.querySelectorAll('#gutter .has-problem').length === 0`)
	if v, _ := chromedp.Run(ctx, chromedp.Value("#source")); v != src {
		t.Fatal("the fixed draft differs from the library file")
	}
	// A real change, to see in the history.
	putCaretAfter(t, ctx, "title: Late again")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(", and again")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the heading to follow the title", `document.querySelector('.author-head .title').textContent === 'Late again, and again'`)

	// Playtest two responses: the client answers each, and the second
	// reaches the ending.
	if err := chromedp.Do(ctx, chromedp.Click("#pt-start")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('#pt-transcript li.line.client').length === 1`)
	if !strings.Contains(text(t, ctx, "#pt-transcript li.line.client .speaker"), `stage “opening”`) {
		t.Errorf("the opening line does not name its stage: %q", text(t, ctx, "#pt-transcript li.line.client .speaker"))
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys("#pt-response", repair.Responses[0]), chromedp.Click(`#pt-form button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the client's reply", `document.querySelectorAll('#pt-transcript li.line.client').length === 2`)
	evalBool(t, ctx, "the response's scores", `/Validation \d\/4 · Non-defensiveness \d\/4 · Exploration \d\/4 · overall \d+\/100/.test(document.querySelector('#pt-transcript li.line.trainee .scores').textContent)`)
	if got := text(t, ctx, "#pt-status"); !strings.Contains(got, `stage “softening”`) {
		t.Errorf("playtest status %q, want the stage reached", got)
	}
	evalBool(t, ctx, "the response box emptied", `document.querySelector('#pt-response').value === ''`)
	shots.take(ctx, "playtest")
	if err := chromedp.Do(ctx, chromedp.SendKeys("#pt-response", repair.Responses[1]), chromedp.Click(`#pt-form button[type=submit]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the ending", `document.querySelectorAll('#pt-transcript li.line.client').length === 3 && document.querySelector('#pt-status').textContent.startsWith('Ended: Repaired')`)
	evalBool(t, ctx, "the composer gone at the end, Reset offered", `!shown('#pt-form') && shown('#pt-reset')`)
	shots.take(ctx, "playtest-ended")
	if err := chromedp.Do(ctx, chromedp.Click("#pt-reset")); err != nil {
		t.Fatal(err)
	}
	evalBool(t, ctx, "reset", `document.querySelectorAll('#pt-transcript li').length === 0 && shown('#pt-start') && !shown('#pt-reset')`)

	// Leaving with unsaved changes asks first; saying no keeps the draft.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.asked = ''; window.confirm = (q) => { window.asked = q; return false; }`),
		chromedp.Click(`a.back`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the question", `window.asked.includes('not saved')`)
	evalBool(t, ctx, "still editing", `location.hash === '#/author/late-again' && document.querySelector('#source').value.includes('title: Late again, and again')`)

	// Saving raises the version past the saved one.
	if err := chromedp.Do(ctx, chromedp.Click("#save")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the save", `document.querySelector('#save-status').textContent.startsWith('Saved version 2.')`)
	if got := text(t, ctx, "#save-status"); !strings.Contains(got, "raised to 2") {
		t.Errorf("save status %q does not say the version was raised", got)
	}
	evalBool(t, ctx, "the draft's version raised", `/^version: 2$/m.test(document.querySelector('#source').value)`)
	waitFor(t, ctx, "version 2 in the history", `document.querySelector('#version-rows tr[data-version="2"]') !== null`)
	row := text(t, ctx, `#version-rows tr[data-version="2"]`)
	if !strings.Contains(row, "Saved here") || !strings.Contains(row, "sue") || !strings.Contains(row, "latest") {
		t.Errorf("version 2 row reads %q", row)
	}
	if got := text(t, ctx, `#version-rows tr[data-version="1"]`); !strings.Contains(got, "Built-in library") {
		t.Errorf("version 1 row reads %q", got)
	}
	// The history shows what the save changed.
	waitFor(t, ctx, "the diff", `!document.querySelector('#diff').hidden`)
	diff, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](`({
		add: [...document.querySelectorAll('#diff .diff-line.add ins')].map(e => e.textContent),
		del: [...document.querySelectorAll('#diff .diff-line.del del')].map(e => e.textContent),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	titleLine, versionLine := lineOf(t, src, "title: Late again"), lineOf(t, src, "version: 1")
	wantAdd := []string{fmt.Sprintf("Added, line %d: title: Late again, and again", titleLine), fmt.Sprintf("Added, line %d: version: 2", versionLine)}
	wantDel := []string{fmt.Sprintf("Removed, line %d: title: Late again", titleLine), fmt.Sprintf("Removed, line %d: version: 1", versionLine)}
	if strings.Join(diff["add"], "|") != strings.Join(wantAdd, "|") || strings.Join(diff["del"], "|") != strings.Join(wantDel, "|") {
		t.Errorf("diff of 1 and 2: added %q, removed %q; want %q and %q", diff["add"], diff["del"], wantAdd, wantDel)
	}
	if got := text(t, ctx, "#diff-summary"); got != "From version 1 to version 2: 2 lines added, 2 lines removed." {
		t.Errorf("diff summary %q", got)
	}
	shots.take(ctx, "saved")

	var versions []map[string]any
	if st := sue.do(http.MethodGet, "/api/scenarios/late-again/versions", nil, &versions); st != http.StatusOK {
		t.Fatalf("versions: %d", st)
	}
	if len(versions) != 2 || num(versions[1]["version"]) != 2 || versions[1]["origin"] != "saved" || versions[1]["author"] != "sue" {
		t.Errorf("versions after the save: %v", versions)
	}
	if latest, _ := ts.cfg.Catalog.Latest("late-again"); latest.Title != "Late again, and again" {
		t.Errorf("the saved title is %q", latest.Title)
	}
}

// TestBrowserAuthoringNewScenarios starts scenarios from the template and
// from a file, and saves one under its own id. Trainees have no way in.
func TestBrowserAuthoringNewScenarios(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)

	logIn(t, ctx, ts.url, "tess")
	evalBool(t, ctx, "no authoring link for a trainee", `!shown('#nav a[href="#/author"]')`)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/author")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", `document.querySelector('main').textContent.includes('for supervisors') && document.querySelector('#author-rows') === null`)

	if err := chromedp.Do(ctx, chromedp.Click("#logout"), chromedp.WaitVisible("#login-form")); err != nil {
		t.Fatal(err)
	}
	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/#/author"),
		chromedp.WaitVisible("#new-scenario"),
		chromedp.Click("#new-scenario"),
		chromedp.WaitVisible("#source"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the template", `document.querySelector('#source').value.includes('id: my-scenario')`)
	waitFor(t, ctx, "a clean check of the template", `document.querySelector('#check-status').textContent.startsWith('No problems')`)
	evalBool(t, ctx, "a new draft has no history", `shown('.empty-versions') && shown('#draft-tag') && !shown('#download') && !shown('#compare')`)
	shots.take(ctx, "template")

	// A file from disk opens in the editor, and saves as a new scenario.
	file := filepath.Join(t.TempDir(), "my-import.yaml")
	src := strings.Replace(readLibraryFile(t, "weekend-email.yaml"), "id: weekend-email", "id: my-import", 1)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/#/author"),
		chromedp.WaitVisible("#import-file"),
		chromedp.SetUploadFiles("#import-file", []string{file}),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the imported file", `location.hash === '#/author/:new' && (document.querySelector('#source') || {value: ''}).value.includes('id: my-import')`)
	if got := text(t, ctx, "#save-status"); !strings.Contains(got, "my-import.yaml") {
		t.Errorf("the editor does not say where the draft came from: %q", got)
	}
	waitFor(t, ctx, "a clean check of the import", `document.querySelector('#check-status').textContent.startsWith('No problems')`)
	if err := chromedp.Do(ctx, chromedp.Click("#save")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the save", `document.querySelector('#save-status').textContent.startsWith('Saved version 1.')`)
	waitFor(t, ctx, "the address of the saved scenario", `location.hash === '#/author/my-import' && document.querySelector('#version-rows tr[data-version="1"]') !== null`)
	evalBool(t, ctx, "the download link", `shown('#download') && !shown('#draft-tag') && document.querySelector('#download').getAttribute('href') === '/api/scenarios/my-import/source?download=1'`)
	shots.take(ctx, "imported")
	if _, ok := ts.cfg.Catalog.Latest("my-import"); !ok {
		t.Error("the imported scenario is not in the catalog")
	}

	// At phone width the editor is one column and does not scroll sideways.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	evalBool(t, ctx, "the editor fits a phone", `document.documentElement.scrollWidth <= window.innerWidth + 1`)
	shots.take(ctx, "phone")
}

// TestBrowserRecognition runs a recognition session to its end: each of
// the client's lines is judged, the judgement is answered, and the end
// sums up how many ruptures were noticed.
func TestBrowserRecognition(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)
	logIn(t, ctx, ts.url, "tess")

	if err := chromedp.Do(ctx,
		chromedp.Click(`button[aria-label="Recognition practice: Late again"]`),
		chromedp.WaitVisible("#judge"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the first line", `document.querySelectorAll('#conversation li.line.client.on-show').length === 1`)
	if got := text(t, ctx, ".recognition .intro"); !strings.Contains(got, "therapist's replies are left out") || !strings.Contains(got, "withdrawal") {
		t.Errorf("the introduction reads %q", got)
	}
	evalBool(t, ctx, "no composer", `document.querySelector('#response') === null`)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	shots.take(ctx, "first-line")

	// The opening line is a confrontation, a complaint about the
	// therapist; choosing the sign chooses its type.
	if err := chromedp.Do(ctx,
		chromedp.Click("#rupture"),
		chromedp.WaitVisible("#rupture-box"),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.querySelector('#flag-marker');
			s.value = 'complaint-about-therapist';
			s.dispatchEvent(new Event('change', {bubbles: true}));
		})()`),
	); err != nil {
		t.Fatal(err)
	}
	evalBool(t, ctx, "the sign's type chosen", `document.querySelector('input[name="flag-type"][value="confrontation"]').checked`)
	shots.take(ctx, "choosing")
	if err := chromedp.Do(ctx, chromedp.Click("#rupture-confirm")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the answer to the first judgement", `(document.querySelector('#conversation li[data-turn="1"] .result') || {}).textContent === 'Yes — that line was a confrontation (complaint about the therapist).'`)
	waitFor(t, ctx, "the second line", `document.querySelector('#conversation li[data-turn="2"].on-show') !== null`)
	shots.take(ctx, "feedback")

	// Every later line is let pass, which is right for some and a miss
	// for others; each is answered in words.
	for n := 2; ; n++ {
		if n > 12 {
			t.Fatal("the session does not end")
		}
		if err := chromedp.Do(ctx, chromedp.Click("#ordinary")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf("the answer to line %d", n), fmt.Sprintf(`(document.querySelector('#conversation li[data-turn="%d"] .result') || {textContent: ''}).textContent !== ''`, n))
		res := text(t, ctx, fmt.Sprintf(`#conversation li[data-turn="%d"] .result`, n))
		if res != "Right — that line was an ordinary one." && !strings.HasSuffix(res, "— a rupture worth noticing.") {
			t.Errorf("line %d let pass: %q", n, res)
		}
		waitFor(t, ctx, fmt.Sprintf("what follows line %d", n), fmt.Sprintf(`!document.querySelector('#debrief').hidden || document.querySelector('#conversation li[data-turn="%d"].on-show') !== null`, n+1))
		if ended, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector('#debrief').hidden`)); ended {
			break
		}
	}
	debrief := text(t, ctx, "#debrief")
	for _, want := range []string{"Completed", "Ruptures noticed", "Missed", "False alarms", "Right kind named1 of 1"} {
		if !strings.Contains(debrief, want) {
			t.Errorf("the summary lacks %q: %q", want, debrief)
		}
	}
	evalBool(t, ctx, "the judging is over", `!shown('#judge')`)
	shots.take(ctx, "summary")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	evalBool(t, ctx, "the page fits a phone", `document.documentElement.scrollWidth <= window.innerWidth + 1`)
	shots.take(ctx, "phone")
	// The transcript keeps the marks and what each line was.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/history/"+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the transcript's marks", `(document.querySelector('#conversation li[data-turn="1"] .verdict .result') || {textContent: ''}).textContent === 'Yes — that line was a confrontation (complaint about the therapist).'`)
	if got := text(t, ctx, "#debrief"); !strings.Contains(got, "Ruptures noticed1 of") {
		t.Errorf("the transcript's summary reads %q", got)
	}
	rec := ts.mustRecord(t, id)
	if rec.State.Outcome != engine.Completed || rec.State.Summary.Recognition.Hits != 1 {
		t.Errorf("session %s: outcome %q, recognition %+v", id, rec.State.Outcome, rec.State.Summary.Recognition)
	}
}

// TestBrowserPracticeFlags marks ruptures in practice, where the answer
// comes at once and the debrief counts them, and in assessment, where it
// waits for the end.
func TestBrowserPracticeFlags(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)
	logIn(t, ctx, ts.url, "tess")

	id := tess.startSession("late-again", engine.Practice)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/practice/"+id), chromedp.WaitVisible("#composer")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)
	// A wrong type: the answer is shown at once, so the first mark counts
	// and the line cannot be marked again.
	if err := chromedp.Do(ctx,
		chromedp.Click("#flag"),
		chromedp.Click(`#flag-box input[value="withdrawal"]`),
		chromedp.Click("#flag-send"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the answer to a wrong mark", `document.querySelector('#flag-result').textContent === 'It was a rupture, but a confrontation (complaint about the therapist), not a withdrawal.'`)
	waitFor(t, ctx, "marking closed for this line", `document.querySelector('#flag').disabled && document.querySelector('#flag-undo').hidden`)
	shots.take(ctx, "flag")
	shots.take(ctx, "flag")

	for turn := 1; ; turn++ {
		if err := chromedp.Do(ctx,
			chromedp.SendKeys("#response", bestExemplar(t, ts, id)),
			chromedp.Click("#composer button[type=submit]"),
		); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf("the client's line %d", turn+1), fmt.Sprintf(`document.querySelectorAll('li.line.client').length >= %d`, turn+1))
		if ts.mustRecord(t, id).State.Status == engine.Ended {
			break
		}
		if turn > 8 {
			t.Fatal("the session did not end")
		}
	}
	waitFor(t, ctx, "the debrief", `!document.querySelector('#debrief').hidden`)
	debrief := text(t, ctx, "#debrief")
	if !strings.Contains(debrief, "Noticing ruptures") || !strings.Contains(debrief, "Ruptures noticed1 of 1") || !strings.Contains(debrief, "Right kind named0 of 1") {
		t.Errorf("the debrief does not count the marks: %q", debrief)
	}
	shots.take(ctx, "debrief")

	aid := tess.startSession("late-again", engine.Assessment)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/practice/"+aid), chromedp.WaitVisible("#composer")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)
	if err := chromedp.Do(ctx,
		chromedp.Click("#flag"),
		chromedp.Click(`#flag-box input[value="confrontation"]`),
		chromedp.Click("#flag-send"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the assessment's answer", `document.querySelector('#flag-result').textContent === 'Marked; you’ll see how you did at the end.'`)
	// Nothing was revealed, so the mark can be taken back.
	if err := chromedp.Do(ctx, chromedp.Click("#flag-undo")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the mark taken back", `document.querySelector('#flag-result').textContent === 'Mark taken back.'`)
	if flags := ts.mustRecord(t, aid).State.Flags; len(flags) != 0 {
		t.Errorf("flags after taking the mark back: %+v", flags)
	}
	// The assessment's feedback comes with its end, not before.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#response", "I was late, and that's on me."),
		chromedp.Click("#composer button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the client's reply", `document.querySelectorAll('li.line.client').length === 2`)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('li.feedback').length`)); n != 0 {
		t.Errorf("%d feedback cards during the assessment", n)
	}
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click("#end"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the held feedback at the end", `document.querySelectorAll('li.feedback').length === 1`)
	shots.take(ctx, "assessment-ended")
}

// chooseProblem selects the problem listed at a line of the editor and
// checks that the caret lands on that line, in the editor.
func chooseProblem(t *testing.T, ctx context.Context, line int) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#source').setSelectionRange(0, 0)`),
		chromedp.Click(fmt.Sprintf(`#problems li[data-line="%d"] button`, line)),
	); err != nil {
		t.Fatal(err)
	}
	caret, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
		const ta = document.querySelector('#source');
		return document.activeElement === ta ? ta.value.slice(0, ta.selectionStart).split('\n').length : -1;
	})()`))
	if err != nil || caret != line {
		t.Errorf("after choosing the problem the caret is on line %d (%v), want %d in the editor", caret, err, line)
	}
}
