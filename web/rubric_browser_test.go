package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// TestBrowserRubricEditor adjusts the rubric the way a supervisor would:
// validation weighs more, a mistake shows at its line until it is fixed,
// saving raises the version and puts it in force, and the history shows
// what changed. Trainees have no way in.
func TestBrowserRubricEditor(t *testing.T) {
	ts := newTestServer(t)
	sue := ts.user(t, "sue", engine.RoleSupervisor, "c1")
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)
	src := string(grading.DefaultRubricSource())

	logIn(t, ctx, ts.url, "tess")
	evalBool(t, ctx, "no rubric link for a trainee", `!shown('#nav a[href="#/rubric"]')`)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/rubric")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the note", `document.querySelector('main').textContent.includes('for supervisors') && document.querySelector('#source') === null`)
	shots.take(ctx, "trainee")
	if err := chromedp.Do(ctx, chromedp.Click("#logout"), chromedp.WaitVisible("#login-form")); err != nil {
		t.Fatal(err)
	}

	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`#nav a[href="#/rubric"]`),
		chromedp.Click(`#nav a[href="#/rubric"]`),
		chromedp.WaitVisible("#source"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the rubric in the editor", `document.querySelector('#source').value.startsWith('# The default rubric')`)
	waitFor(t, ctx, "a clean check", `document.querySelector('#check-status').textContent === 'No problems.'`)
	waitFor(t, ctx, "version 1 in the history", `document.querySelector('#version-rows tr[data-version="1"]') !== null`)
	evalBool(t, ctx, "the gutter numbers every line", `document.querySelectorAll('#gutter .ln').length === document.querySelector('#source').value.split('\n').length`)
	evalBool(t, ctx, "the version in force", `document.querySelector('#rubric-version').textContent === 'Version 1 in force'`)
	evalBool(t, ctx, "the note on criteria of one's own", `document.querySelector('.rubric-intro').textContent.includes('Criteria you add are scored by the LLM judge when one is set up; the offline grader leaves them out and the overall is weighed over the criteria it scores.')`)
	preview := text(t, ctx, "#rubric-preview")
	for _, want := range []string{"Validation", "Non-defensiveness", "Exploration", "0.4", "40%", "deeply validates", "Tells the client their reaction is wrong"} {
		if !strings.Contains(preview, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	if got := text(t, ctx, `#rubric-preview tr[data-criterion="validation"]`); got != "Validation0.440%" {
		t.Errorf("validation's weight reads %q", got)
	}
	shots.take(ctx, "rubric")

	// Validation weighs more; a slip makes exploration's weight a word.
	weightLine := lineOf(t, src, "weight: 0.4")
	putCaretAfter(t, ctx, "weight: 0.4")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b5")); err != nil {
		t.Fatal(err)
	}
	slipLine := lineOf(t, src, "weight: 0.2")
	putCaretAfter(t, ctx, "weight: 0.2")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b\b\bheavy")); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("line %d, col 13:", slipLine)
	waitFor(t, ctx, "the problem listed", fmt.Sprintf(`[...document.querySelectorAll('#problems li')].some(li => li.textContent.startsWith(%s) && li.textContent.includes('"heavy"'))`, jsString(want)))
	waitFor(t, ctx, "the gutter marked", fmt.Sprintf(`document.querySelector('#gutter .ln[data-line="%d"].has-problem.severity-error') !== null`, slipLine))
	evalBool(t, ctx, "only the problem's line marked", `document.querySelectorAll('#gutter .has-problem').length === 1`)
	if got := text(t, ctx, "#check-status"); got != "1 problem to fix. Select one to go to its line." {
		t.Errorf("check status %q", got)
	}
	shots.take(ctx, "problem")

	// Choosing the problem takes the caret to its line; the fix clears it.
	chooseProblem(t, ctx, slipLine)
	putCaretAfter(t, ctx, "weight: heavy")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b\b\b\b\b0.2")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the problem cleared", `document.querySelectorAll('#problems li').length === 0 && document.querySelector('#check-status').textContent === 'No problems.'`)
	evalBool(t, ctx, "the gutter cleared", `document.querySelectorAll('#gutter .has-problem').length === 0`)

	// Saving raises the version above the one in force.
	if err := chromedp.Do(ctx, chromedp.Click("#save")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the save", `document.querySelector('#save-status').textContent.startsWith('Saved version 2.')`)
	if got := text(t, ctx, "#save-status"); !strings.Contains(got, "raised to 2") {
		t.Errorf("save status %q does not say the version was raised", got)
	}
	evalBool(t, ctx, "the draft's version raised", `/^version: 2$/m.test(document.querySelector('#source').value)`)
	waitFor(t, ctx, "version 2 in the history", `document.querySelector('#version-rows tr[data-version="2"]') !== null`)
	if row := text(t, ctx, `#version-rows tr[data-version="2"]`); !strings.Contains(row, "Saved here") || !strings.Contains(row, "sue") || !strings.Contains(row, "latest") {
		t.Errorf("version 2 row reads %q", row)
	}
	if row := text(t, ctx, `#version-rows tr[data-version="1"]`); !strings.Contains(row, "Built in") {
		t.Errorf("version 1 row reads %q", row)
	}
	waitFor(t, ctx, "the diff", `!document.querySelector('#diff').hidden`)
	diff, err := chromedp.Run(ctx, chromedp.Evaluate[map[string][]string](`({
		add: [...document.querySelectorAll('#diff .diff-line.add ins')].map(e => e.textContent),
		del: [...document.querySelectorAll('#diff .diff-line.del del')].map(e => e.textContent),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	versionLine := lineOf(t, src, "version: 1")
	wantAdd := []string{fmt.Sprintf("Added, line %d: version: 2", versionLine), fmt.Sprintf("Added, line %d:     weight: 0.5", weightLine)}
	wantDel := []string{fmt.Sprintf("Removed, line %d: version: 1", versionLine), fmt.Sprintf("Removed, line %d:     weight: 0.4", weightLine)}
	if strings.Join(diff["add"], "|") != strings.Join(wantAdd, "|") || strings.Join(diff["del"], "|") != strings.Join(wantDel, "|") {
		t.Errorf("diff of 1 and 2: added %q, removed %q; want %q and %q", diff["add"], diff["del"], wantAdd, wantDel)
	}
	if got := text(t, ctx, "#diff-summary"); got != "From version 1 to version 2: 2 lines added, 2 lines removed." {
		t.Errorf("diff summary %q", got)
	}
	// The preview follows the rubric now in force.
	waitFor(t, ctx, "the preview of version 2", `document.querySelector('#rubric-version').textContent === 'Version 2 in force'`)
	if got := text(t, ctx, `#rubric-preview tr[data-criterion="validation"]`); got != "Validation0.545%" {
		t.Errorf("validation's weight now reads %q", got)
	}
	shots.take(ctx, "saved")

	var r grading.Rubric
	if st := sue.do(http.MethodGet, "/api/rubric", nil, &r); st != http.StatusOK {
		t.Fatalf("rubric: %d", st)
	}
	if c, ok := r.Criterion("validation"); r.Version != 2 || !ok || c.Weight != 0.5 {
		t.Errorf("in force: version %d, validation %+v", r.Version, c)
	}

	// Renaming a criterion scenarios branch on is a problem at the top.
	putCaretAfter(t, ctx, "id: exploration")
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\b\b\b\b\b\b\b\b\b\b\bcuriosity")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the broken scenarios", `[...document.querySelectorAll('#problems li[data-line="1"]')].some(li => li.textContent.includes('would no longer work with this rubric'))`)
	evalBool(t, ctx, "line 1 marked", `document.querySelector('#gutter .ln[data-line="1"].has-problem') !== null`)
	// Opening version 2 again puts the draft back.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(`button[aria-label="Open version 2 in the editor"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "version 2 back", `document.querySelector('#save-status').textContent === 'Opened version 2, the latest.' && document.querySelector('#check-status').textContent === 'No problems.'`)
	evalBool(t, ctx, "the draft is version 2", `document.querySelector('#source').value.includes('id: exploration') && /^version: 2$/m.test(document.querySelector('#source').value)`)

	// At phone width the page still fits.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	evalBool(t, ctx, "the page fits a phone", `document.documentElement.scrollWidth <= window.innerWidth + 1`)
	shots.take(ctx, "phone")
}

// TestBrowserPlaytestNamesTheClient checks that the editor's playtest
// calls the client by the persona's first name, as practice does.
func TestBrowserPlaytestNamesTheClient(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.url+"/#/author/late-again"),
		chromedp.WaitVisible("#pt-start"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the source in the editor", `document.querySelector('#source').value.includes('id: late-again')`)
	if err := chromedp.Do(ctx, chromedp.Click("#pt-start")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('#pt-transcript li.line.client').length === 1`)
	if got := text(t, ctx, "#pt-transcript li.line.client .speaker"); got != "Marcus · stage “opening”" {
		t.Errorf("the opening line's speaker reads %q", got)
	}
}
