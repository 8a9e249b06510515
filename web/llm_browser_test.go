package web

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/engine/llm/llmtest"
)

// With a language model, the library offers its voice, and the client's
// reply appears piece by piece before the finished line replaces it.
func TestBrowserStreamsTheClientsLine(t *testing.T) {
	srv := llmtest.New(t)
	reply := "Okay. I did not expect you to just say it like that, without the reasons."
	srv.DefaultFor("voice", llmtest.Reply{Text: reply, ChunkDelay: 80 * time.Millisecond})
	ts := llmServer(t, srv)
	ts.addUser(t, "tess", engine.RoleTrainee, "c1")
	ctx := browser(t)
	failOnScriptErrors(t, ctx)
	shots := newScreenshots(t)
	logIn(t, ctx, ts.url, "tess")

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.url+"/#/library")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the voice choice", `!document.querySelector('#voice-choice').hidden && document.querySelector('#voice').value === 'llm'`)
	waitFor(t, ctx, "the library", `document.querySelector('button.start[aria-label="Practise: Late again"]') !== null`)
	if err := chromedp.Do(ctx, chromedp.Click(`button.start[aria-label="Practise: Late again"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the opening line", `document.querySelectorAll('li.line.client').length === 1`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys("#response", "You're right, I was late again and you waited. I'm sorry. What was it like sitting out there?"),
		chromedp.Click("#composer button[type=submit]"),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "a line streaming in", `(() => {
		const s = document.querySelector('li.line.client.streaming .text');
		return s !== null && s.textContent.length > 0 && s.textContent.length < `+jsString(reply)+`.length;
	})()`)
	shots.take(ctx, "streaming")
	waitFor(t, ctx, "the finished line", `document.querySelector('li.line.client.streaming') === null &&
		[...document.querySelectorAll('li.line.client .text')].some(e => e.textContent === `+jsString(reply)+`)`)
	shots.take(ctx, "finished")
}
