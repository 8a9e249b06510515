// repairgym dashboards: a trainee's progress, and a cohort's table,
// scenario difficulty and calibration. Uses app.js's helpers; every piece
// of text from the server goes into the page with textContent.
'use strict';

// The page's helpers stay inside this block, out of the global scope that
// app.js shares: only the two pages app.js routes to are made global.
{
  // ---------- shared ----------

  // dashboardHash is the dashboard as last shown, filters and all, so that
  // the way back from a trainee's progress returns to the same view.
  let dashboardHash = '#/cohort';

  // dashboardLoads numbers the dashboard's loads: an answer to an older one,
  // arriving late, is dropped rather than shown over a newer one.
  let dashboardLoads = 0;

  function oneDecimal(x) { return x.toFixed(1); }
  function percent(x) { return `${Math.round(100 * x)}%`; }
  function shortDay(s) { return new Date(s).toLocaleDateString(undefined, { dateStyle: 'medium' }); }
  // calendarDay writes a date picked in the form (YYYY-MM-DD) as the same
  // day wherever the browser is: new Date('2026-10-01') would be midnight
  // UTC, the day before west of Greenwich.
  function calendarDay(s) {
    const [y, m, d] = s.split('-').map(Number);
    return new Date(y, m - 1, d).toLocaleDateString(undefined, { dateStyle: 'medium' });
  }

  // missing stands for a number that cannot be given: a dash to see, and
  // words for a screen reader, which may read a dash as nothing at all.
  function missing(why) {
    return [el('span', { 'aria-hidden': 'true', text: '—' }), el('span', { class: 'sr-only', text: why })];
  }

  // cell makes a table cell; content is text, a node or a list of nodes.
  function cell(content, cls) {
    const td = el('td', cls ? { class: cls } : {});
    if (Array.isArray(content)) td.append(...content);
    else td.append(content);
    return td;
  }

  // stageName makes a stage id readable: "acknowledge-lateness" reads as
  // "Acknowledge lateness".
  function stageName(id) { return label(String(id).replace(/[-_]+/g, ' ')); }

  let tableIds = 0;

  // tableBox puts a table in its scroller, with a note under it on how to
  // read it. The caption stays short: it is as wide as the table and
  // scrolls with it, so on a phone a long one would have to be read
  // sideways; the note is outside the scroller and wraps. The scroller can
  // take focus, so that a keyboard can scroll a table wider than the
  // screen, and is named by the caption.
  function tableBox(table, captionId, note) {
    const box = el('div', { class: 'table-box' },
      el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': captionId }, table));
    if (note) {
      const noteId = `${captionId}-note`;
      box.append(el('p', { id: noteId, class: 'table-note', text: note }));
      table.setAttribute('aria-describedby', noteId);
    }
    return box;
  }

  // dataTable builds a table of numbers. columns are [text, numeric]; each
  // row's first cell is its row header.
  function dataTable(caption, columns, rows, cls, note) {
    const id = `dash-table-${++tableIds}`;
    const head = el('tr');
    for (const [text, num] of columns) head.append(el('th', { scope: 'col', class: num ? 'num' : '', text }));
    const body = el('tbody');
    for (const row of rows) body.append(row);
    const table = el('table', { class: `data ${cls || ''}`.trim() },
      el('caption', { id, text: caption }), el('thead', {}, head), body);
    return tableBox(table, id, note);
  }

  // rowHeader is a row's first cell.
  function rowHeader(content, cls) {
    const th = el('th', cls ? { scope: 'row', class: cls } : { scope: 'row' });
    th.append(content);
    return th;
  }

  // chartFigure shows a chart drawn by the server with its description in
  // words; the table after it has the same numbers.
  function chartFigure(src, alt, caption) {
    return el('figure', { class: 'chart' },
      el('img', { src, alt, decoding: 'async' }),
      el('figcaption', { text: caption }));
  }

  // ---------- a trainee's progress ----------

  // progressAlt describes a progress chart in words: each criterion's mean
  // in the first session and the latest.
  function progressAlt(name, points, crits, scale) {
    if (points.length === 1) {
      const p = points[0];
      const parts = crits.filter(([id]) => id in p.means).map(([id, n]) => `${n} ${oneDecimal(p.means[id])}`);
      return `Chart of ${name} scores from one finished session so far, ${shortDay(p.at)}: ${parts.join(', ')}, on a scale of ${scale.min} to ${scale.max}. The table below has the same numbers.`;
    }
    const parts = [];
    for (const [id, n] of crits) {
      const has = points.filter((p) => id in p.means);
      if (!has.length) continue;
      const first = has[0].means[id];
      const last = has[has.length - 1].means[id];
      const verb = Math.abs(last - first) < 0.05 ? `stayed at ${oneDecimal(last)}` : `${last > first ? 'rose' : 'fell'} from ${oneDecimal(first)} to ${oneDecimal(last)}`;
      parts.push(`${n} ${verb}`);
    }
    return `Line chart of ${name} mean score per criterion over ${points.length} finished sessions, ${shortDay(points[0].at)} to ${shortDay(points[points.length - 1].at)}, on a scale of ${scale.min} to ${scale.max}. From the first session to the latest: ${parts.join('; ')}. The table below has the same numbers.`;
  }

  // showProgress shows a trainee's progress: the caller's own, or with
  // traineeId (supervisors, admins) one of their trainees'.
  async function showProgress(traineeId) {
    const ownGuess = !traineeId || traineeId === me.id || traineeId === me.username;
    const heading = el('h1', { text: ownGuess ? 'My progress' : 'Progress' });
    const page = el('section', { class: 'dash' });
    if (!ownGuess) page.append(el('p', {}, el('a', { href: dashboardHash, class: 'back', text: '← Back to the dashboard' })));
    const body = el('div', { class: 'dash-body' }, el('p', { class: 'loading', text: 'Loading…' }));
    page.append(heading, body);
    show(page, ownGuess ? 'My progress' : 'Progress');

    let data;
    let library = [];
    try {
      const path = ownGuess ? '/api/progress' : `/api/progress?trainee=${encodeURIComponent(traineeId)}`;
      [data, library] = await Promise.all([api('GET', path), api('GET', '/api/scenarios').catch(() => [])]);
    } catch (e) {
      heading.textContent = e.status === 404 ? 'Trainee not found' : heading.textContent;
      body.replaceChildren(el('p', { class: 'error', text: e.status === 404
        ? 'No trainee you may see has this address. Open a trainee from the dashboard’s table instead.'
        : `The progress could not be loaded. ${e.message}` }));
      return;
    }
    const p = data.progress;
    const own = data.trainee.id === me.id;
    const name = data.trainee.username;
    heading.textContent = own ? 'My progress' : `${name}’s progress`;
    document.title = `${heading.textContent} · repairgym`;
    const crits = (data.criteria || []).map((c) => [c.id, c.name]);
    const sc = data.scale || scale;
    const titles = {};
    for (const s of library) titles[s.id] = s.title;
    for (const pt of p.points) titles[pt.scenario] = titles[pt.scenario] || pt.title;

    body.replaceChildren();
    if (!p.sessions) {
      const card = el('div', { class: 'card empty-state' });
      if (own) {
        card.append(el('p', {}, document.createTextNode('You haven’t practised yet. '),
          el('a', { href: '#/library', text: 'Pick a scenario on the Scenarios page' }),
          document.createTextNode(' to start.')));
        card.append(el('p', { class: 'muted', text: 'Once you finish a session, this page shows your scores over time, how often you repaired the rupture, and what to practise next.' }));
      } else {
        card.append(el('p', { text: `${name} hasn’t started a session yet.` }));
        card.append(el('p', { class: 'muted', text: 'Their scores over time and what to practise next appear here once they finish a session.' }));
      }
      body.append(card);
      return;
    }

    // ----- summary -----
    const dl = el('dl', { class: 'summary-list' });
    const item = (term, ...desc) => dl.append(el('dt', { text: term }), el('dd', {}, ...desc));
    item('Sessions started', String(p.sessions));
    item('Finished', `${plural(p.ended, 'practice or assessment session', 'practice or assessment sessions')}`);
    item('Repaired', p.repair_rate == null ? 'No finished sessions yet'
      : `${p.repaired} of ${plural(p.ended, 'finished session', 'finished sessions')} repaired (${percent(p.repair_rate)})`);
    const done = p.scenarios_done.map((id) => titles[id] || id);
    item('Scenarios finished', done.length ? `${done.length}: ${done.join(', ')}` : 'None yet');
    body.append(el('section', { class: 'card summary', 'aria-labelledby': 'summary-heading' },
      el('h2', { id: 'summary-heading', text: 'Summary' }), dl));

    // ----- what to practise next -----
    if (p.next) {
      const n = p.next;
      const why = el('p', { class: 'why', text: n.why });
      const card = el('section', { class: 'card next-card', 'aria-labelledby': 'next-heading' },
        el('h2', { id: 'next-heading', text: own ? 'Practise next' : 'What to practise next' }),
        el('p', { class: 'next-focus' }, document.createTextNode(own ? 'Focus on ' : 'Suggested focus: '), el('strong', { text: n.criterion_name }),
          document.createTextNode(`${own ? '' : ','} in “${n.title}”`), n.difficulty ? document.createTextNode(` (${n.difficulty})`) : ''),
        why);
      if (own) {
        const start = el('button', { type: 'button', class: 'primary', text: `Practise “${n.title}”` });
        start.addEventListener('click', () => startSession(n.scenario, 'practice', start));
        card.append(el('div', { class: 'actions' }, start, el('a', { href: '#/library', text: 'Or choose another scenario' })));
      } else {
        // The sentence is written to the trainee ("your lowest score"):
        // a supervisor reads it as what the trainee is told.
        why.replaceChildren(document.createTextNode(`What ${name} is told: `), el('q', { text: n.why }));
        card.append(el('p', { class: 'muted', text: `${name} sees this suggestion on their own progress page, with a button to start it.` }));
      }
      body.append(card);
    }

    // ----- scores over time -----
    const chartSec = el('section', { class: 'dash-section', 'aria-labelledby': 'scores-heading' },
      el('h2', { id: 'scores-heading', text: 'Scores over time' }));
    body.append(chartSec);
    const pts = p.points;
    if (!pts.length) {
      chartSec.append(el('p', { class: 'muted', text: 'Nothing to chart yet: the chart shows finished practice and assessment sessions with scored responses.' }));
      return;
    }
    const whose = own ? 'your' : `${name}’s`;
    chartSec.append(chartFigure(data.chart_url, progressAlt(whose, pts, crits, sc),
      `${data.chart_note} Scores run from ${sc.min} to ${sc.max}. The table below has the same numbers.`));
    // The outcome goes under the scenario's title, to keep the table
    // within the page's width.
    const columns = [['Date'], ['Scenario and outcome'], ...crits.map(([, n]) => [n, true]), ['Overall', true], ['Responses', true]];
    const rows = [...pts].reverse().map((pt) => {
      const tr = el('tr', {}, rowHeader(shortDay(pt.at), 'nowrap'),
        cell([el('span', { class: 'cell-title', text: pt.title }),
          el('span', { class: `cell-sub outcome-${pt.outcome}`, text: outcomesShort[pt.outcome] || label(pt.outcome) })]));
      for (const [id] of crits) tr.append(cell(id in pt.means ? oneDecimal(pt.means[id]) : missing('not scored'), 'num'));
      tr.append(cell(`${Math.round(pt.overall)}/100`, 'num'), cell(String(pt.responses), 'num'));
      return tr;
    });
    chartSec.append(dataTable('Each finished session, latest first', columns, rows, 'progress-table',
      `A criterion’s score is the mean of the session’s responses on it, from ${sc.min} to ${sc.max}; the overall is out of 100.`));
  }

  // ---------- the dashboard ----------

  // The filters the dashboard passes on to the server, in order.
  const filterKeys = ['from', 'to', 'scenario', 'trainee', 'mode', 'cohort'];

  // hashQuery reads the filters kept in the page's address, after its "?".
  function hashQuery() {
    const i = location.hash.indexOf('?');
    const q = new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
    const out = new URLSearchParams();
    for (const k of filterKeys) {
      const v = (q.get(k) || '').trim();
      if (v && (k !== 'cohort' || me.role === 'admin')) out.set(k, v);
    }
    return out;
  }

  // serverQuery is the filters as the server takes them. The date fields
  // hold days in the browser's time zone, as the tables show them; the
  // server reads a bare date as a day in UTC, so each day goes as the
  // instants it starts and ends at here.
  function serverQuery(q) {
    const out = new URLSearchParams(q);
    const day = (v, end) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v || '');
      if (!m) return v;
      const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0));
      if (end) t.setMilliseconds(t.getMilliseconds() - 1);
      return t.toISOString();
    };
    if (out.get('from')) out.set('from', day(out.get('from'), false));
    if (out.get('to')) out.set('to', day(out.get('to'), true));
    return out;
  }

  function labelled(text, control) {
    const l = el('label', {}, document.createTextNode(text));
    l.append(control);
    return l;
  }

  function selectOf(name, options) {
    const s = el('select', { name });
    for (const [value, text] of options) s.append(el('option', { value, text }));
    return s;
  }

  // showCohort shows the supervisor's dashboard.
  async function showCohort() {
    const isAdmin = me.role === 'admin';
    const page = el('section', { class: 'dash dash-wide' });
    page.append(el('h1', { text: 'Dashboard' }));
    page.append(el('p', { class: 'muted intro', text: isAdmin
      ? 'The program’s practice at a glance: how each trainee is doing, where each scenario is hard, and how far the machine’s scores agree with supervisors’. Every chart has its numbers in a table.'
      : 'Your cohort’s practice at a glance: how each trainee is doing, where each scenario is hard, and how far the machine’s scores agree with supervisors’. Every chart has its numbers in a table.' }));

    // ----- filters -----
    const from = el('input', { type: 'date', name: 'from' });
    const to = el('input', { type: 'date', name: 'to' });
    const scenarioSel = selectOf('scenario', [['', 'All scenarios']]);
    const traineeSel = selectOf('trainee', [['', 'All trainees']]);
    const modeSel = selectOf('mode', [['', 'Any mode'], ['practice', 'Practice'], ['assessment', 'Assessment'], ['recognition', 'Recognition practice']]);
    const cohortIn = el('input', { type: 'text', name: 'cohort', autocomplete: 'off', placeholder: 'All cohorts' });
    const formError = el('p', { class: 'error', role: 'alert' });
    const submit = el('button', { type: 'submit', class: 'primary', text: 'Show' });
    const clear = el('button', { type: 'button', text: 'Clear filters' });
    const form = el('form', { class: 'card dash-filters', 'aria-labelledby': 'filters-heading', novalidate: '' },
      el('h2', { id: 'filters-heading', text: 'Which sessions' }),
      el('div', { class: 'filters' },
        labelled('From', from), labelled('To (and including)', to), labelled('Scenario', scenarioSel),
        labelled('Trainee', traineeSel), labelled('Mode', modeSel)),
      el('div', { class: 'filter-actions' }, submit, clear),
      formError);
    if (isAdmin) form.querySelector('.filters').append(labelled('Cohort', cohortIn));
    const scope = el('p', { class: 'scope', role: 'status' });
    page.append(form, scope);

    // ----- sections -----
    const section = (id, title) => {
      const sec = el('section', { class: 'dash-section', 'aria-labelledby': id }, el('h2', { id, text: title }));
      const box = el('div', {}, el('p', { class: 'loading', text: 'Loading…' }));
      sec.append(box);
      page.append(sec);
      return box;
    };
    const traineesBox = section('trainees-heading', 'Trainees');
    const scenariosBox = section('scenarios-heading', 'Scenario difficulty');
    const calibrationBox = section('calibration-heading', 'Calibration: the machine’s scores and supervisors’');
    const exportsBox = section('exports-heading', 'Download the data');
    // The tables have many columns: the page takes the wide layout.
    show(page, 'Dashboard', true);

    // The trainee table's order, kept when the filters change.
    const sort = { key: 'trainee', dir: 1 };

    // setForm puts the filters into the form's fields.
    const setForm = (q) => {
      from.value = q.get('from') || '';
      to.value = q.get('to') || '';
      modeSel.value = q.get('mode') || '';
      cohortIn.value = q.get('cohort') || '';
      for (const [sel, key] of [[scenarioSel, 'scenario'], [traineeSel, 'trainee']]) {
        const v = q.get(key) || '';
        // A filter for something not in the list (a username typed into
        // the address, say) is still shown as it is.
        if (v && ![...sel.options].some((o) => o.value === v)) sel.append(el('option', { value: v, text: v }));
        sel.value = v;
      }
    };
    const formQuery = () => {
      const q = new URLSearchParams();
      for (const k of filterKeys) {
        const f = form.elements[k];
        const v = f ? f.value.trim() : '';
        if (v) q.set(k, v);
      }
      return q;
    };

    // describe says in words which sessions are shown.
    const describe = (q, nTrainees, nScenarios) => {
      const parts = [];
      const opt = (sel, v) => { const o = [...sel.options].find((x) => x.value === v); return o ? o.textContent : v; };
      if (q.get('from') && q.get('to')) parts.push(`started ${calendarDay(q.get('from'))} to ${calendarDay(q.get('to'))}`);
      else if (q.get('from')) parts.push(`started on or after ${calendarDay(q.get('from'))}`);
      else if (q.get('to')) parts.push(`started on or before ${calendarDay(q.get('to'))}`);
      if (q.get('scenario')) parts.push(`of ${opt(scenarioSel, q.get('scenario'))}`);
      if (q.get('trainee')) parts.push(`by ${opt(traineeSel, q.get('trainee'))}`);
      if (q.get('mode')) parts.push(`in ${opt(modeSel, q.get('mode')).toLowerCase()}`);
      if (q.get('cohort')) parts.push(`in cohort ${q.get('cohort')}`);
      const whose = isAdmin ? 'Sessions' : 'Your cohort’s sessions';
      const what = parts.length ? `${whose} ${parts.join(', ')}` : `All ${whose.charAt(0).toLowerCase()}${whose.slice(1)}`;
      return `${what}: ${plural(nTrainees, 'trainee', 'trainees')}, ${plural(nScenarios, 'scenario', 'scenarios')}.`;
    };

    const load = async (q) => {
      const seq = ++dashboardLoads;
      const sq = serverQuery(q);
      const qs = sq.toString() ? `?${sq}` : '';
      for (const box of [traineesBox, scenariosBox, calibrationBox]) box.setAttribute('aria-busy', 'true');
      renderExports(exportsBox, qs);
      const [cohort, stats, cal] = await Promise.allSettled([
        api('GET', `/api/cohort${qs}`), api('GET', `/api/scenario-stats${qs}`), api('GET', `/api/calibration${qs}`)]);
      if (seq !== dashboardLoads) return;
      for (const box of [traineesBox, scenariosBox, calibrationBox]) box.removeAttribute('aria-busy');
      const failed = [cohort, stats, cal].find((r) => r.status === 'rejected');
      if (failed && failed.reason.status === 400) formError.textContent = failed.reason.message;
      const fail = (box, r, what) => box.replaceChildren(el('p', { class: 'error', text: `The ${what} could not be loaded. ${r.reason.message}` }));
      if (cohort.status === 'fulfilled') renderTrainees(traineesBox, cohort.value, qs, sort, q.toString() !== '');
      else fail(traineesBox, cohort, 'trainee table');
      if (stats.status === 'fulfilled') renderScenarios(scenariosBox, stats.value, qs, q.toString() !== '');
      else fail(scenariosBox, stats, 'scenario table');
      if (cal.status === 'fulfilled') renderCalibration(calibrationBox, cal.value);
      else fail(calibrationBox, cal, 'calibration');
      scope.textContent = cohort.status === 'fulfilled' && stats.status === 'fulfilled'
        ? describe(q, cohort.value.rows.length, stats.value.scenarios.length) : '';
      return { cohort, stats };
    };

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      formError.textContent = '';
      if (from.value && to.value && from.value > to.value) {
        formError.textContent = 'The “From” date must be on or before the “To” date.';
        from.focus();
        return;
      }
      const q = formQuery();
      // The filters go into the address, replacing it rather than adding a
      // step to the history: a reload keeps them, and Back leaves the
      // dashboard as it does from any page. "#/cohort/?…" rather than
      // "#/cohort?…", so that route() still reads the view as "cohort".
      const hash = q.toString() ? `#/cohort/?${q}` : '#/cohort';
      history.replaceState(null, '', hash);
      dashboardHash = hash;
      submit.disabled = true;
      try {
        const res = await load(q);
        if (res && res.cohort.status === 'fulfilled') {
          announce(`Dashboard updated: ${plural(res.cohort.value.rows.length, 'trainee', 'trainees')}.`);
        }
      } finally {
        submit.disabled = false;
      }
    });
    clear.addEventListener('click', () => {
      setForm(new URLSearchParams());
      form.requestSubmit();
    });

    // The lists for the filters and the data load side by side.
    const initial = hashQuery();
    setForm(initial);
    dashboardHash = location.hash;
    const lists = Promise.allSettled([api('GET', '/api/scenarios'), api('GET', '/api/users')]).then(([scns, users]) => {
      if (scns.status === 'fulfilled') {
        for (const s of scns.value) scenarioSel.append(el('option', { value: s.id, text: s.title }));
      }
      if (users.status === 'fulfilled') {
        for (const u of users.value.filter((x) => x.role === 'trainee')) {
          traineeSel.append(el('option', { value: u.id, text: isAdmin && u.cohort ? `${u.username} (${u.cohort})` : u.username }));
        }
      }
      // An option added for the address's filter before the lists came is
      // taken out again where the list has it.
      for (const sel of [scenarioSel, traineeSel]) {
        const seen = new Set();
        for (const o of [...sel.options].reverse()) {
          if (seen.has(o.value)) o.remove();
          seen.add(o.value);
        }
      }
      // The filters in force are the address's: the form shows them.
      setForm(hashQuery());
    });
    const [done] = await Promise.all([load(initial), lists]);
    // The sentence saying what is shown names the scenario and trainee by
    // their titles once the lists are in.
    if (done && done.cohort.status === 'fulfilled' && done.stats.status === 'fulfilled' && hashQuery().toString() === initial.toString()) {
      scope.textContent = describe(initial, done.cohort.value.rows.length, done.stats.value.scenarios.length);
    }
  }

  // ----- trainees -----

  function renderTrainees(box, data, qs, sort, filtered) {
    const rows = data.rows;
    const crits = data.criteria.map((c) => [c.id, c.name]);
    if (!rows.length) {
      box.replaceChildren(el('p', { class: 'muted', text: filtered
        ? 'No sessions match these filters.'
        : 'No sessions yet. Each trainee gets a row here once they start practising.' }));
      return;
    }
    box.replaceChildren();
    const charted = rows.filter((r) => r.overall != null);
    if (charted.length) {
      const parts = charted.map((r) => `${r.trainee} ${Math.round(r.overall)} (${plural(r.responses, 'response', 'responses')})`);
      const left = rows.length - charted.length;
      let alt = `Bar chart of each trainee’s average score out of 100: ${parts.join(', ')}.`;
      if (left) alt += ` ${plural(left, 'trainee has', 'trainees have')} no scored responses and no bar.`;
      box.append(chartFigure(`/api/cohort/chart.svg${qs}`, `${alt} The table below has the same numbers.`,
        'Each trainee’s average overall score over their scored responses, out of 100. The table below has the same numbers and more.'));
    }

    // Columns: key, heading, numeric, value to sort by, cell.
    const columns = [
      ['trainee', 'Trainee', false, (r) => r.trainee.toLowerCase()],
      ...crits.map(([id, name]) => [`c:${id}`, name, true, (r) => (id in r.means ? r.means[id] : null),
        (r) => (id in r.means ? oneDecimal(r.means[id]) : missing('no scores'))]),
      ['overall', 'Overall', true, (r) => r.overall, (r) => (r.overall == null ? missing('no scores') : String(Math.round(r.overall)))],
      ['responses', 'Responses', true, (r) => r.responses, (r) => String(r.responses)],
      ['sessions', 'Sessions', true, (r) => r.sessions, (r) => String(r.sessions)],
      ['ended', 'Finished', true, (r) => r.ended, (r) => String(r.ended)],
      ['repair_rate', 'Repair rate', true, (r) => r.repair_rate,
        (r) => (r.repair_rate == null ? missing('no finished sessions') : `${percent(r.repair_rate)} (${r.repaired} of ${r.ended})`)],
      ['last_active', 'Last active', true, (r) => Date.parse(r.last_active), (r) => shortDay(r.last_active)],
    ];
    if (!columns.some(([key]) => key === sort.key)) { sort.key = 'trainee'; sort.dir = 1; }

    const captionId = `dash-table-${++tableIds}`;
    const headRow = el('tr');
    const body = el('tbody');
    const table = el('table', { class: 'data cohort-table' },
      el('caption', { id: captionId, text: 'One row per trainee; select a heading to sort' }),
      el('thead', {}, headRow), body);
    const ths = {};
    for (const [key, heading, num] of columns) {
      const btn = el('button', { type: 'button', class: 'sort-btn', 'data-sort': key },
        el('span', { text: heading }), el('span', { class: 'sort-mark', 'aria-hidden': 'true' }));
      btn.addEventListener('click', () => {
        sort.dir = sort.key === key ? -sort.dir : 1;
        sort.key = key;
        render();
        announce(`Sorted by ${heading}, ${sort.dir > 0 ? 'ascending' : 'descending'}.`);
      });
      const th = el('th', { scope: 'col', class: num ? 'num' : '' }, btn);
      ths[key] = th;
      headRow.append(th);
    }

    const render = () => {
      const col = columns.find(([key]) => key === sort.key);
      const value = col[3];
      const sorted = [...rows].sort((a, b) => {
        const x = value(a);
        const y = value(b);
        // Rows without a value go last whichever way the column is sorted.
        if (x == null || y == null) return (x == null) - (y == null);
        if (x < y) return -sort.dir;
        if (x > y) return sort.dir;
        return a.trainee.localeCompare(b.trainee);
      });
      for (const [key] of columns) {
        const th = ths[key];
        const on = key === sort.key;
        if (on) th.setAttribute('aria-sort', sort.dir > 0 ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
        th.querySelector('.sort-mark').textContent = on ? (sort.dir > 0 ? '▲' : '▼') : '';
      }
      body.replaceChildren(...sorted.map((r) => {
        const tr = el('tr', { 'data-trainee': r.trainee_id });
        tr.append(rowHeader(el('a', { href: `#/progress/${encodeURIComponent(r.trainee_id)}`, text: r.trainee })));
        for (const c of columns.slice(1)) tr.append(cell(c[4](r), 'num'));
        return tr;
      }));
    };
    render();
    box.append(tableBox(table, captionId,
      `Criterion averages run from ${data.scale.min} to ${data.scale.max} and the overall from 0 to 100, over the responses counted. The repair rate counts finished practice and assessment sessions; abandoned ones count as not repaired.`));
  }

  // ----- scenarios -----

  function renderScenarios(box, data, qs, filtered) {
    const rows = data.scenarios;
    const crits = data.criteria.map((c) => [c.id, c.name]);
    if (!rows.length) {
      box.replaceChildren(el('p', { class: 'muted', text: filtered ? 'No sessions match these filters.' : 'No scenario has been practised yet.' }));
      return;
    }
    box.replaceChildren(el('p', { class: 'muted intro', text: 'Hardest first: the scenarios trainees repair least often. “Where trainees get stuck” names the stages where sessions most often ended without a repair, with the mean score of the responses there.' }));
    const charted = rows.filter((r) => r.repair_rate != null);
    if (charted.length) {
      const parts = charted.map((r) => `${r.title} ${percent(r.repair_rate)} (${r.repaired} of ${r.ended} repaired)`);
      box.append(chartFigure(`/api/scenario-stats/chart.svg${qs}`,
        `Bar chart of the repair rate by scenario: ${parts.join(', ')}. The table below has the same numbers.`,
        'The share of finished practice and assessment sessions that ended repaired. Abandoned sessions count as not repaired.'));
    }
    const trs = rows.map((r) => {
      const tr = el('tr', { 'data-scenario': r.scenario }, rowHeader(r.title),
        cell(String(r.sessions), 'num'), cell(String(r.ended), 'num'),
        cell(r.repair_rate == null ? missing('no finished sessions') : `${percent(r.repair_rate)} (${r.repaired} of ${r.ended})`, 'num'),
        cell(String(r.responses), 'num'));
      for (const [id] of crits) tr.append(cell(id in r.means ? oneDecimal(r.means[id]) : missing('no scores'), 'num'));
      const stuck = (r.stuck || []).filter((s) => s.ended_here > 0 || s.responses > 0).slice(0, 2);
      if (!stuck.length) {
        tr.append(cell(missing('no stage data'), 'stuck'));
      } else {
        const ul = el('ul', { class: 'stuck-list' });
        for (const s of stuck) {
          const score = s.responses ? `mean ${Math.round(s.mean_overall)}/100 over ${plural(s.responses, 'response', 'responses')}` : 'no scored responses';
          ul.append(el('li', {}, el('span', { class: 'stage', text: stageName(s.stage) }),
            el('span', { class: 'small muted', text: `${s.ended_here} ended here · ${score}` })));
        }
        tr.append(cell(ul, 'stuck'));
      }
      return tr;
    });
    box.append(dataTable('One row per scenario, hardest first',
      [['Scenario'], ['Sessions', true], ['Finished', true], ['Repair rate', true], ['Responses', true],
        ...crits.map(([, n]) => [n, true]), ['Where trainees get stuck']],
      trs, 'scenario-table',
      `Criterion means run from ${data.scale.min} to ${data.scale.max}, over the responses counted. A stage’s mean score is out of 100.`));
  }

  // ----- calibration -----

  // diffWords puts the mean difference between machine and supervisor into
  // words.
  function diffWords(d) {
    if (Math.abs(d) < 0.05) return 'about the same on average';
    return `machine scores ${Math.abs(d).toFixed(1)} ${d > 0 ? 'higher' : 'lower'} on average`;
  }

  function agreementTable(caption, agreements, crits, sayUnrated) {
    const ids = [...crits.map(([id]) => id).filter((id) => id in agreements),
      ...Object.keys(agreements).filter((id) => !crits.some(([c]) => c === id)).sort()];
    const names = Object.fromEntries(crits);
    const rows = ids.map((id) => {
      const a = agreements[id];
      return el('tr', { 'data-criterion': id }, rowHeader(names[id] || id),
        cell(String(a.n), 'num'), cell(percent(a.exact), 'num'), cell(percent(a.within_one), 'num'),
        cell(a.kappa == null ? missing('cannot be worked out yet') : a.kappa.toFixed(2), 'num kappa'),
        cell(diffWords(a.mean_diff)));
    });
    const frag = document.createDocumentFragment();
    frag.append(dataTable(caption,
      [['Criterion'], ['Rated responses', true], ['Exact agreement', true], ['Within one point', true], ['Weighted kappa', true], ['Difference']],
      rows, 'agreement-table'));
    const unrated = crits.filter(([id]) => !(id in agreements)).map(([, n]) => n);
    if (sayUnrated && unrated.length) frag.append(el('p', { class: 'muted small', text: `Not rated yet: ${unrated.join(', ')}.` }));
    return frag;
  }

  function renderCalibration(box, data) {
    const c = data.calibration;
    const crits = data.criteria.map((x) => [x.id, x.name]);
    if (!c.rated_turns) {
      box.replaceChildren(el('div', { class: 'card empty-state' },
        el('p', { text: 'No responses in these sessions have been rated by a supervisor yet, so there is nothing to compare the machine’s scores with.' }),
        el('p', {}, document.createTextNode('To rate: open a finished session from '),
          el('a', { href: '#/sessions', text: 'Cohort sessions' }),
          document.createTextNode(' and rate its responses on each criterion. Rate blind where you can — before looking at the machine’s scores — since blind ratings are the fair test of the machine.'))));
      return;
    }
    box.replaceChildren();
    box.append(el('p', { class: 'based-on', text: `Based on ${plural(c.rated_turns, 'response', 'responses')} rated by supervisors (${c.blind_turns} rated blind).` }));
    const notes = el('div', { class: 'guidance' });
    if (c.rated_turns < 30) {
      notes.append(el('p', { class: 'rough', text: `With fewer than 30 rated responses these numbers are rough: a few more ratings can change them a lot. Read them as a first sign, not a verdict.` }));
    }
    notes.append(el('p', { class: 'muted', text: 'Weighted kappa says how far the two agree beyond what chance alone would give, counting near misses as partly agreeing: 1 is perfect agreement, 0 is no better than chance, and 0.6 and above is usually taken as substantial. It shows as a dash with fewer than two rated responses, or when the machine and the supervisors gave every response one and the same score.' }));
    box.append(notes);

    box.append(agreementTable('All ratings, per criterion', c.criteria, crits, true));

    box.append(el('h3', { text: 'Blind ratings only' }));
    if (!c.blind_turns) {
      box.append(el('p', { class: 'muted', text: 'None of the ratings were given blind yet. Blind ratings — given before seeing the machine’s scores — are the fair test of the machine, since seeing a score first tends to pull a rating towards it.' }));
    } else {
      box.append(el('p', { class: 'muted', text: `${plural(c.blind_turns, 'response', 'responses')} rated without seeing the machine’s scores first: the fair test of the machine.` }));
      box.append(agreementTable('Blind ratings, per criterion', c.blind, crits));
    }

    box.append(el('h3', { text: 'Per supervisor' }));
    for (const s of c.supervisors) {
      box.append(agreementTable(`${s.reviewer}: ${plural(s.rated_turns, 'response', 'responses')} rated (${s.blind_turns} blind)`, s.criteria, crits));
    }
  }

  // ----- exports -----

  function renderExports(box, qs) {
    const link = (path, text) => el('li', {}, el('a', { href: `${path}${qs}`, download: '', text }));
    box.replaceChildren(
      el('p', { class: 'muted', text: 'The sessions the filters above select, for a spreadsheet, your own analysis or a learning record store. The files hold trainees’ words: keep them as carefully as the sessions themselves.' }),
      el('ul', { class: 'export-links' },
        link('/api/export/sessions.csv', 'Download sessions (CSV)'),
        link('/api/export/turns.jsonl', 'Download every line of every session (JSON Lines, for analysis software)'),
        link('/api/export/xapi.json', 'Download for a learning record store (xAPI)')));
  }

  window.showProgress = showProgress;
  window.showCohort = showCohort;
}
