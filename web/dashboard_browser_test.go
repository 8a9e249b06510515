package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// fitsPhone checks, at a phone's width, that the page does not scroll
// sideways: only a table's own scroller may be wider than the screen.
func fitsPhone(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const out = [];
		if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('the page: ' + document.documentElement.scrollWidth + 'px');
		// Anything sticking out of the window, unless it sits in a table's scroller.
		for (const e of document.querySelectorAll('#main *')) {
			if (e.closest('.table-wrap') || e.closest('.sr-only') || e.offsetParent === null) continue;
			const r = e.getBoundingClientRect();
			if (r.right > window.innerWidth + 1) out.push(e.tagName.toLowerCase() + '.' + e.className + ': right edge at ' + Math.round(r.right));
		}
		return out.slice(0, 5);
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(wide) > 0 {
		t.Errorf("%s is wider than a phone: %v", page, wide)
	}
}

// shoot takes a screenshot once the page's layout is up to date: reading
// a size makes the browser lay the page out, so that the screenshot is
// as tall as the page is now, not as it was a moment ago.
func shoot(t *testing.T, ctx context.Context, shots *screenshots, name string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`)); err != nil {
		t.Fatal(err)
	}
	shots.take(ctx, name)
}

// A trainee's own progress: the summary in words, the chart with its
// table, and the suggestion of what to practise next, which starts a
// session.
func TestBrowserDashboardProgress(t *testing.T) {
	sd := seed(t)
	ctx := browser(t)
	shots := newScreenshots(t)
	logIn(t, ctx, sd.ts.url, "tess")
	if err := chromedp.Do(ctx,
		chromedp.Click(`#nav a[href="#/progress"]`),
		chromedp.WaitVisible(".summary-list"),
	); err != nil {
		t.Fatal(err)
	}
	summary, err := chromedp.Run(ctx, chromedp.Text(".summary-list"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "1 of 2 finished sessions repaired (50%)") {
		t.Errorf("summary reads %q", summary)
	}
	waitFor(t, ctx, "the chart", `(() => { const i = document.querySelector('figure.chart img'); return i && i.complete && i.naturalWidth > 0; })()`)
	page, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		heading: document.querySelector('h1').textContent,
		alt: document.querySelector('figure.chart img').alt,
		caption: document.querySelector('figure.chart figcaption').textContent,
		rows: document.querySelectorAll('table.progress-table tbody tr').length,
		cols: [...document.querySelectorAll('table.progress-table thead th')].map(th => th.textContent),
		next: document.querySelector('.next-card').textContent,
		button: document.querySelector('.next-card button.primary')?.textContent || '',
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if page["heading"] != "My progress" {
		t.Errorf("heading %q", page["heading"])
	}
	if alt, _ := page["alt"].(string); !strings.Contains(alt, "Validation rose from 1.5 to 3.5") {
		t.Errorf("the chart's alt text does not give the trend: %q", alt)
	}
	if caption, _ := page["caption"].(string); !strings.Contains(caption, "one finished session") {
		t.Errorf("the chart's caption: %q", caption)
	}
	if page["rows"] != 2.0 {
		t.Errorf("%v rows in the progress table, want 2", page["rows"])
	}
	if cols := page["cols"].([]any); len(cols) < 6 || cols[2] != "Validation" || cols[4] != "Exploration" {
		t.Errorf("progress table columns: %v", cols)
	}
	if next, _ := page["next"].(string); !strings.Contains(next, "Exploration") {
		t.Errorf("the practise-next card reads %q", next)
	}
	if page["button"] == "" {
		t.Error("no button to start the suggested scenario")
	}
	shoot(t, ctx, shots, "progress")

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	fitsPhone(t, ctx, "my progress")
	shoot(t, ctx, shots, "progress-phone")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Click(".next-card button.primary")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the practice page", `location.hash.startsWith('#/practice/') && document.querySelector('#composer') !== null`)
	waitFor(t, ctx, "the client's opening line", `document.querySelectorAll('li.line.client').length === 1`)
}

// A newcomer is pointed to the scenarios, not shown empty tables.
func TestBrowserDashboardProgressEmpty(t *testing.T) {
	sd := seed(t)
	sd.ts.addUser(t, "nell", engine.RoleTrainee, "c1")
	ctx := browser(t)
	shots := newScreenshots(t)
	logIn(t, ctx, sd.ts.url, "nell")
	if err := chromedp.Do(ctx, chromedp.Navigate(sd.ts.url+"/#/progress"), chromedp.WaitVisible(".empty-state")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(".empty-state"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Scenarios page") {
		t.Errorf("the empty progress page reads %q", text)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#main table, #main img').length`)); n != 0 {
		t.Errorf("%d tables or charts on an empty progress page", n)
	}
	shoot(t, ctx, shots, "progress-empty")
}

// A supervisor's dashboard: their cohort's table, sortable and filtered,
// the scenarios' difficulty, and calibration before and after a rating;
// a trainee's progress opens from the table and Back returns to the same
// filters.
func TestBrowserDashboardCohort(t *testing.T) {
	sd := seed(t)
	ctx := browser(t)
	shots := newScreenshots(t)
	logIn(t, ctx, sd.ts.url, "sam")
	if err := chromedp.Do(ctx, chromedp.Click(`#nav a[href="#/cohort"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the cohort table", `document.querySelectorAll('table.cohort-table tbody tr').length > 0`)
	waitFor(t, ctx, "the calibration section", `document.querySelector('[aria-labelledby="calibration-heading"] .loading') === null`)
	trainees := func() []string {
		t.Helper()
		names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('table.cohort-table tbody th[scope=row]')].map(th => th.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got := strings.Join(trainees(), ","); got != "tess,tom" {
		t.Errorf("cohort table rows %q, want tess,tom (and not uma)", got)
	}
	waitFor(t, ctx, "the cohort chart", `(() => { const i = document.querySelector('figure.chart img'); return i && i.complete && i.naturalWidth > 0; })()`)

	// Sorting by sessions: tom has 1, tess 3.
	ariaSort := func(key string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('button[data-sort="`+key+`"]').closest('th').getAttribute('aria-sort') || ''`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := ariaSort("trainee"); got != "ascending" {
		t.Errorf("before sorting, the trainee column's aria-sort is %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`button[data-sort="sessions"]`)); err != nil {
		t.Fatal(err)
	}
	if got, tr := ariaSort("sessions"), ariaSort("trainee"); got != "ascending" || tr != "" {
		t.Errorf("after sorting by sessions: aria-sort %q, the trainee column's %q", got, tr)
	}
	if got := strings.Join(trainees(), ","); got != "tom,tess" {
		t.Errorf("sorted by sessions, ascending: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`button[data-sort="sessions"]`)); err != nil {
		t.Fatal(err)
	}
	if got := ariaSort("sessions"); got != "descending" {
		t.Errorf("sorted again: aria-sort %q", got)
	}
	if got := strings.Join(trainees(), ","); got != "tess,tom" {
		t.Errorf("sorted by sessions, descending: %q", got)
	}

	scenarios, err := chromedp.Run(ctx, chromedp.Text("table.scenario-table tbody"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(scenarios, "Late again") || !strings.Contains(scenarios, "ended here") {
		t.Errorf("scenario table reads %q", scenarios)
	}
	calibration, err := chromedp.Run(ctx, chromedp.Text(`[aria-labelledby="calibration-heading"]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(calibration, "No responses") || !strings.Contains(calibration, "Cohort sessions") {
		t.Errorf("calibration without ratings reads %q", calibration)
	}
	shoot(t, ctx, shots, "cohort")

	// The filter: only tess practised on the first day.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form.dash-filters input[name=to]').value = '2026-10-01'`),
		chromedp.Click(`form.dash-filters button[type=submit]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the filtered table", `document.querySelectorAll('table.cohort-table tbody tr').length === 1`)
	if got := strings.Join(trainees(), ","); got != "tess" {
		t.Errorf("to 2026-10-01: %q, want tess", got)
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		hash: location.hash,
		csv: document.querySelector('a[href^="/api/export/sessions.csv"]').getAttribute('href'),
		scope: document.querySelector('.scope').textContent,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if hash, _ := state["hash"].(string); !strings.Contains(hash, "to=2026-10-01") {
		t.Errorf("the filter is not kept in the address: %q", hash)
	}
	// The day goes to the server as the instant it ends in the browser's
	// time zone.
	if csv, _ := state["csv"].(string); !strings.HasPrefix(csv, "/api/export/sessions.csv?to=2026-10-0") || !strings.Contains(csv, "T") {
		t.Errorf("the CSV link is %q", csv)
	}
	if st, _, _ := sd.ts.getRaw(t, sd.sam.token, state["csv"].(string)); st != http.StatusOK {
		t.Errorf("the CSV link answers %d", st)
	}

	// A rating, then a reload: calibration counts it, with no kappa on a
	// single pair; the filter is still in force.
	body := map[string]any{"turn": 2, "scores": map[string]int{grading.Validation: 1}, "blind": true}
	if st := sd.sam.do(http.MethodPost, "/api/sessions/"+sd.tessA+"/reviews", body, nil); st != http.StatusCreated {
		t.Fatalf("review: %d", st)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "calibration with a rating", `(document.querySelector('.based-on')?.textContent || '').includes('Based on 1 response')`)
	after, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		to: document.querySelector('form.dash-filters input[name=to]').value,
		rows: document.querySelectorAll('table.cohort-table tbody tr').length,
		kappa: document.querySelector('.agreement-table tr[data-criterion=validation] td.kappa').textContent,
		rough: document.querySelector('.guidance .rough') !== null,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if after["to"] != "2026-10-01" || after["rows"] != 1.0 {
		t.Errorf("after a reload the filter is lost: %v", after)
	}
	if kappa, _ := after["kappa"].(string); !strings.Contains(kappa, "—") {
		t.Errorf("kappa of one rating shows %q, want a dash", kappa)
	}
	if after["rough"] != true {
		t.Error("one rating is not called rough")
	}
	shoot(t, ctx, shots, "cohort-filtered-rated")

	// tess's progress from the table, and Back to the same view.
	if err := chromedp.Do(ctx, chromedp.Click(`table.cohort-table tbody a`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "tess's progress", `document.querySelector('h1').textContent === 'tess’s progress' && document.querySelector('.summary-list') !== null`)
	back, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		back: document.querySelector('a.back').getAttribute('href'),
		button: document.querySelector('.next-card button') !== null,
		rows: document.querySelectorAll('table.progress-table tbody tr').length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if href, _ := back["back"].(string); !strings.Contains(href, "to=2026-10-01") {
		t.Errorf("the way back is %q, not the filtered dashboard", href)
	}
	if back["rows"] != 2.0 {
		t.Errorf("%v rows in tess's table as her supervisor sees it, want 2", back["rows"])
	}
	if back["button"] == true {
		t.Error("a supervisor is offered to start the trainee's suggested scenario")
	}
	waitFor(t, ctx, "tess's chart", `(() => { const i = document.querySelector('figure.chart img'); return i && i.complete && i.naturalWidth > 0; })()`)
	shoot(t, ctx, shots, "supervisor-sees-progress")
	if err := chromedp.Do(ctx, chromedp.NavigateBack()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dashboard again", `document.querySelectorAll('table.cohort-table tbody tr').length === 1 && document.querySelector('form.dash-filters input[name=to]').value === '2026-10-01'`)

	// At a phone's width only the tables scroll sideways.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the calibration tables", `document.querySelector('.based-on') !== null`)
	fitsPhone(t, ctx, "the dashboard")
	shoot(t, ctx, shots, "cohort-phone")
}
