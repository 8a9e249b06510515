package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
)

// A supervisor rates a finished session blind: the machine's scores, its
// feedback and the summary stay hidden until they have rated a response;
// then they are shown beside the rating. The trainee reads the review on
// their own transcript.
func TestBrowserReviewBlind(t *testing.T) {
	ts := newTestServer(t)
	tess := ts.user(t, "tess", engine.RoleTrainee, "c1")
	ts.addUser(t, "sue", engine.RoleSupervisor, "c1")
	id := tess.startSession("late-again", engine.Practice)
	ws := tess.dial(id)
	ws.state()
	ws.send(map[string]any{"type": "response", "turn": 1, "text": "I was late, and that's on me. It makes sense you're angry."})
	ws.until("client_turn")
	ws.send(map[string]any{"type": "response", "turn": 3, "text": "What was it like, sitting there waiting for me?"})
	ws.until("client_turn")
	ws.send(map[string]any{"type": "end"})
	ws.until("end")
	ws.close()

	sup := browser(t)
	shots := newScreenshots(t)
	logIn(t, sup, ts.url, "sue")
	if err := chromedp.Do(sup, chromedp.Navigate(ts.url+"/#/sessions/"+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the rating controls", `document.querySelectorAll('li.rate-control button').length === 2`)
	hidden, err := chromedp.Run(sup, chromedp.Evaluate[map[string]any](`({
		blind: document.querySelector('#blind-toggle').checked,
		feedback: document.querySelectorAll('#conversation li.feedback').length,
		marks: document.querySelectorAll('#conversation li.line.trainee mark').length,
		summary: document.querySelector('#debrief').textContent,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if hidden["blind"] != true || hidden["feedback"] != float64(0) || hidden["marks"] != float64(0) {
		t.Fatalf("blind rating shows the machine's scores: %v", hidden)
	}
	shots.take(sup, "blind-before-rating")

	if err := chromedp.Do(sup,
		chromedp.Click(`li.rate-control[data-rate-for="2"] button`),
		chromedp.WaitVisible(`form.rate-form[data-rate-for="2"]`),
	); err != nil {
		t.Fatal(err)
	}
	anchors, err := chromedp.Run(sup, chromedp.Evaluate[int](`document.querySelectorAll('form.rate-form .rate-level .anchor').length`))
	if err != nil || anchors < 3 {
		t.Errorf("the rubric's anchors are not beside the scores: %d %v", anchors, err)
	}
	shots.take(sup, "rating-form")
	if err := chromedp.Do(sup,
		chromedp.Click(`#rate-2-validation-3`),
		chromedp.Click(`#rate-2-non_defensiveness-4`),
		chromedp.Click(`#rate-2-exploration-1`),
		chromedp.SendKeys(`#rate-comment-2`, "Good ownership. Next time ask how the wait felt."),
		chromedp.Click(`form.rate-form[data-rate-for="2"] button[type=submit]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, sup, "the machine's feedback on the rated response", `document.querySelector('#conversation li.feedback[data-feedback-for="2"]') !== null`)
	after, err := chromedp.Run(sup, chromedp.Evaluate[map[string]any](`({
		review: document.querySelector('#conversation li.review[data-review-for="2"]')?.textContent || '',
		other: document.querySelector('#conversation li.feedback[data-feedback-for="4"]') !== null,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if after["other"] == true {
		t.Error("rating one response revealed the machine's scores of another")
	}
	shots.take(sup, "after-rating")

	reviews, err := ts.store.Reviews(context.Background(), id)
	if err != nil || len(reviews) != 1 {
		t.Fatalf("reviews: %v %v", reviews, err)
	}
	if r := reviews[0]; !r.Blind || r.Turn != 2 || r.Scores["validation"] != 3 || r.Scores["non_defensiveness"] != 4 || r.Scores["exploration"] != 1 {
		t.Errorf("stored review: %+v", r)
	}
	if got := fmt.Sprint(after["review"]); got == "" {
		t.Error("the rating is not shown under the response")
	}

	trainee := browser(t)
	logIn(t, trainee, ts.url, "tess")
	if err := chromedp.Do(trainee, chromedp.Navigate(ts.url+"/#/history/"+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, trainee, "the review on the trainee's transcript", `(document.querySelector('#conversation li.review')?.textContent || '').includes('Good ownership')`)
	text, err := chromedp.Run(trainee, chromedp.Text(`#conversation li.review`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Rated by sue (blind)", "Validation 3/4", "Non-defensiveness 4/4", "Exploration 1/4"} {
		if !strings.Contains(text, want) {
			t.Errorf("the trainee's view of the review lacks %q: %q", want, text)
		}
	}
	controls, _ := chromedp.Run(trainee, chromedp.Evaluate[int](`document.querySelectorAll('li.rate-control').length`))
	if controls != 0 {
		t.Error("the trainee is offered to rate their own responses")
	}
	shots.take(trainee, "trainee-reads-review")
}
