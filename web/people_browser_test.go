package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// An admin downloads a trainee's data and deletes it from the People
// page; a wrong username typed in confirmation deletes nothing.
func TestBrowserAdminDeletesATrainee(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	ts.addUser(t, "ada", engine.RoleAdmin, "")
	id := tess.startSession("late-again", engine.Practice)
	tess.answerFirst(id, "I was late, and that's on me.")

	ctx := browser(t)
	shots := newScreenshots(t)
	logIn(t, ctx, ts.url, "ada")
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/users")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the people", `document.querySelector('button[aria-label="Delete tess and all their data"]') !== null`)
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('td.data-actions a').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	ada := ts.login(t, "ada")
	if st, ctype, _ := ts.getRaw(t, ada.token, href); st != http.StatusOK || ctype == "" {
		t.Errorf("the download link %s: %d %s", href, st, ctype)
	}
	shots.take(ctx, "people")

	// A mistyped confirmation deletes nothing; the right one deletes.
	answer := func(text string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.prompt = () => `+jsString(text)+`; window.alert = () => {}`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(`button[aria-label="Delete tess and all their data"]`)); err != nil {
			t.Fatal(err)
		}
	}
	answer("tes")
	if _, err := ts.store.UserByName(context.Background(), "tess"); err != nil {
		t.Fatalf("a mistyped confirmation deleted tess: %v", err)
	}
	answer("tess")
	waitFor(t, ctx, "tess gone from the list", `![...document.querySelectorAll('#user-rows td:first-child')].some((td) => td.textContent === 'tess')`)
	if _, err := ts.store.UserByName(context.Background(), "tess"); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("tess after the delete: %v", err)
	}
	if _, err := ts.store.SessionByID(context.Background(), id); engine.ErrorCode(err) != engine.ENOTFOUND {
		t.Errorf("tess's session after the delete: %v", err)
	}
	own, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('button[aria-label="Delete ada and all their data"]').length`))
	if own != 0 {
		t.Error("an admin is offered to delete their own account")
	}
	shots.take(ctx, "after-delete")
}
