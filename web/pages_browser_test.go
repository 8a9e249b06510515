package web

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// Each page shows a person only what the API lets them have: a trainee
// sent to the dashboard gets their own progress, and another trainee's
// progress or session is "not found"; a supervisor of another cohort
// cannot open this cohort's sessions or progress.
func TestBrowserPagesByRole(t *testing.T) {
	sd := seed(t)
	ts := sd.ts
	tess := browser(t)
	logIn(t, tess, ts.url, "tess")
	for _, tt := range []struct {
		name, hash, want string
	}{
		{"the dashboard", "#/cohort", `document.querySelector('h1')?.textContent === 'My progress' && document.querySelector('#main table th button') === null`},
		{"another trainee's progress", "#/progress/" + sd.tom.user.ID, `(document.querySelector('h1')?.textContent || '') === 'Trainee not found'`},
		{"another trainee's session", "#/history/" + sd.tomA, `(document.querySelector('h1')?.textContent || '') === 'Not found'`},
	} {
		t.Run("trainee opens "+tt.name, func(t *testing.T) {
			if err := chromedp.Do(tess, chromedp.Navigate(ts.url+"/"+tt.hash)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, tess, tt.name, tt.want)
		})
	}

	olga := browser(t)
	logIn(t, olga, ts.url, "olga")
	for _, tt := range []struct {
		name, hash, want string
	}{
		{"another cohort's session", "#/sessions/" + sd.tessA, `(document.querySelector('h1')?.textContent || '') === 'Not found' && document.querySelector('li.rate-control') === null`},
		{"another cohort's trainee", "#/progress/" + sd.tess.user.ID, `(document.querySelector('h1')?.textContent || '') === 'Trainee not found'`},
		{"the dashboard", "#/cohort", `(() => { const first = [...document.querySelectorAll('#main tbody tr')].map((r) => r.cells[0].textContent.trim()); return first.includes('uma') && !first.includes('tess') && !first.includes('tom'); })()`},
	} {
		t.Run("supervisor of another cohort opens "+tt.name, func(t *testing.T) {
			if err := chromedp.Do(olga, chromedp.Navigate(ts.url+"/"+tt.hash)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, olga, tt.name, tt.want)
		})
	}
}
