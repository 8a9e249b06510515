package web

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// A supervisor watches a trainee's practice live in one browser and sends
// a hint; in the trainee's browser it appears as a coach's note, set apart
// from the client's lines, and it is there again after a reload.
func TestBrowserWatchAndHint(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")

	trainee := browser(t)
	shots := newScreenshots(t)
	logIn(t, trainee, ts.url, "tess")
	if err := chromedp.Do(trainee,
		chromedp.Click(`button[aria-label="Practise: Late again"]`),
		chromedp.WaitVisible("#composer"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, trainee, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)
	loc, err := chromedp.Run(trainee, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[len(loc)-24:]

	sup := browser(t)
	logIn(t, sup, ts.url, "sue")
	if err := chromedp.Do(sup, chromedp.Navigate(ts.url+"/#/sessions/"+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the live view", `(document.querySelector('#live-status')?.textContent || '').includes('Watching live')`)

	if err := chromedp.Do(trainee,
		chromedp.SendKeys("#response", "I was late again, and I can see it matters to you."),
		chromedp.Click("#composer button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the answer, live", `document.querySelectorAll('#conversation li.line.trainee').length === 1 && document.querySelectorAll('#conversation li.line.client').length === 2`)
	waitFor(t, sup, "the answer's scores", `document.querySelector('#conversation li.line.trainee mark, #conversation li.feedback') !== null || document.querySelectorAll('#conversation li.line').length >= 3`)

	hint := `Ask what waiting felt like <b>for her</b>.`
	if err := chromedp.Do(sup,
		chromedp.SendKeys("#hint-text", hint),
		chromedp.Click("#hint-form button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, trainee, "the coach's note", `document.querySelectorAll('#conversation li.line.coach').length === 1`)
	waitFor(t, sup, "the hint in the supervisor's view", `document.querySelectorAll('#conversation li.line.coach').length === 1`)
	shots.take(trainee, "trainee-sees-hint")
	shots.take(sup, "supervisor-watching")

	note, err := chromedp.Run(trainee, chromedp.Evaluate[map[string]any](`(() => {
		const li = document.querySelector('#conversation li.line.coach');
		return {text: li.querySelector('.text').textContent, speaker: li.querySelector('.speaker').textContent,
			bold: li.querySelector('b') !== null, client: li.classList.contains('client'),
			last: li === document.querySelector('#conversation').lastElementChild};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if note["text"] != hint || note["bold"] == true {
		t.Errorf("the hint was not shown as text: %v", note)
	}
	if note["speaker"] != "Coach's note from sue" || note["client"] == true {
		t.Errorf("the hint is not set apart as a coach's note: %v", note)
	}

	// After a reload the note is still in its place in the conversation.
	if err := chromedp.Do(trainee, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, trainee, "the note after a reload", `(() => {
		const li = document.querySelector('#conversation li.line.coach');
		return li !== null && li.previousElementSibling !== null && li.previousElementSibling.matches('li.line.client, li.feedback');
	})()`)
}

// A session deleted while a supervisor watches it ends the live view with
// a word on what happened, rather than reconnecting for ever.
func TestBrowserWatchedSessionDeleted(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	ada := ts.user(t, "ada", engine.RoleAdmin, "")
	id := tess.startSession("late-again", engine.Practice)
	sup := browser(t)
	logIn(t, sup, ts.url, "sue")
	if err := chromedp.Do(sup, chromedp.Navigate(ts.url+"/#/sessions/"+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the live view", `(document.querySelector('#live-status')?.textContent || '').includes('Watching live')`)
	if st := ada.do(http.MethodDelete, "/api/users/"+tess.user.ID, nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	waitFor(t, sup, "the end of the live view", `(document.querySelector('#live-status')?.textContent || '').includes('no longer there') && document.querySelector('#hint-form').hidden`)
}
