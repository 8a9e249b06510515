package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// A draft whose id is changed to another scenario's would replace that
// scenario for trainees: the author is asked first, and saying no saves
// nothing.
func TestBrowserRenameOntoAnotherScenario(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	ctx := browser(t)
	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/author/late-again")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the source", `(document.querySelector('#source')?.value || '').includes('id: late-again')`)
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const ta = document.querySelector('#source');
		ta.value = ta.value.replace('id: late-again', 'id: too-quick-yes');
		ta.dispatchEvent(new Event('input', { bubbles: true }));
		window.asked = '';
		window.confirm = (q) => { window.asked = q; return false; };
	})()`), chromedp.Click("#save")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the refusal", `document.querySelector('#save-status').textContent.startsWith('Not saved: a scenario with the id “too-quick-yes” already exists')`)
	evalBool(t, ctx, "the question", `window.asked.includes('already exists')`)
	if vs, err := ts.store.ScenarioVersions(context.Background(), "too-quick-yes"); err != nil || len(vs) != 0 {
		t.Fatalf("too-quick-yes after saying no: %v %v", vs, err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), chromedp.Click("#save")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the save", `document.querySelector('#save-status').textContent.startsWith('Saved version 2.')`)
	if got := text(t, ctx, "#save-status"); strings.Contains(got, "of its own") {
		t.Errorf("the status says a scenario of its own: %q", got)
	}
}

// A login that ends while a supervisor edits does not take the draft with
// it: after logging in again, the editor at the same address has it back.
func TestBrowserDraftSurvivesTheLogin(t *testing.T) {
	ts := newTestServer(t)
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	ctx := browser(t)
	logIn(t, ctx, ts.url, "sue")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/author/late-again")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the source", `(document.querySelector('#source')?.value || '').includes('id: late-again')`)
	// Every login ends, as at the end of the day.
	if _, err := ts.store.DeleteExpiredTokens(context.Background(), time.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const ta = document.querySelector('#source');
		ta.value = ta.value.replace('title: Late again', 'title: Late again, kept');
		ta.dispatchEvent(new Event('input', { bubbles: true }));
	})()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the login page", `document.querySelector('#login-form') !== null`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#username", "sue"),
		chromedp.SendKeys("#password", "password-sue"),
		chromedp.Click("#login-form button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the draft back", `(document.querySelector('#source')?.value || '').includes('title: Late again, kept') && document.querySelector('#save-status').textContent.includes('unsaved draft')`)
}
