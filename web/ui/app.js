// repairgym browser app. Every piece of text from the server or a user is
// put into the page with textContent, never as HTML.
'use strict';

// The built-in criteria, which the offline grader scores.
const builtInCriteria = [
  ['validation', 'Validation'],
  ['non_defensiveness', 'Non-defensiveness'],
  ['exploration', 'Exploration'],
];
// The rubric in force: its criteria as [id, name], and its scale. A
// program may change them; startApp loads them.
let criteria = builtInCriteria;
let scale = { min: 0, max: 4 };

async function loadRubric() {
  try {
    const r = await api('GET', '/api/rubric');
    criteria = r.criteria.map((c) => [c.id, c.name]);
    scale = { min: r.min, max: r.max };
  } catch { /* the built-in rubric, then */ }
}
const outcomes = {
  repaired: 'Repaired — the client felt heard',
  unrepaired: 'Unrepaired — the rupture is still open',
  abandoned: 'Left before the end',
  completed: 'Completed — every line judged',
};
// The same outcomes in a word or two, for tables.
const outcomesShort = { repaired: 'Repaired', unrepaired: 'Unrepaired', abandoned: 'Left before the end', completed: 'Completed' };

// The signs of a rupture a line can be marked with, by type, in the
// server's order. The first label is for sentences ("a withdrawal
// (denial)"), the second explains the sign in a menu.
const markerKinds = {
  confrontation: [
    ['complaint-about-therapist', 'complaint about the therapist', 'late, distracted, got it wrong'],
    ['complaint-about-activities', 'complaint about the activities', 'an exercise or homework feels pointless'],
    ['complaint-about-parameters', 'complaint about the arrangements', 'fees, times, cancellations, contact'],
    ['complaint-about-progress', 'complaint about progress', 'therapy is not helping'],
    ['rejecting-intervention', 'rejecting an intervention', 'turns down what you offer'],
    ['pressuring-therapist', 'pressuring the therapist', 'demands answers or fixes now'],
    ['defending-self', 'defending self', 'justifies, feels accused'],
  ],
  withdrawal: [
    ['denial', 'denial', '“it’s fine, it doesn’t matter”'],
    ['minimal-response', 'minimal response', 'short, closed answers'],
    ['abstract-talk', 'abstract talk', 'talks in generalities'],
    ['avoidant-storytelling', 'avoidant storytelling', 'long stories around the point'],
    ['topic-shift', 'shifting the topic', 'moves away from what hurt'],
    ['deferential', 'deferential', 'agrees or apologises too quickly'],
    ['content-affect-split', 'content–affect split', 'the words and the feeling do not match'],
    ['self-criticism', 'self-criticism', 'turns it on themself, hopelessness'],
  ],
};
const markerLabels = {};
for (const kinds of Object.values(markerKinds)) for (const [id, name] of kinds) markerLabels[id] = name;

let me = null;
let current = null; // the open practice session, if any

// ---------- helpers ----------

function $(sel, root = document) { return root.querySelector(sel); }

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function template(id) {
  return document.getElementById(id).content.cloneNode(true);
}

// announce reads text out to screen-reader users. What is announced in
// the same moment (whether a mark was right, then the next line) is read
// as one, so that the second does not cut the first off.
let announcing = [];
function announce(text) {
  announcing.push(text);
  if (announcing.length > 1) return;
  const a = $('#announce');
  a.textContent = '';
  setTimeout(() => {
    a.textContent = announcing.join(' ');
    announcing = [];
  }, 50);
}

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v || '');
  }
  return '';
}

async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = cookie('repairgym_csrf');
  const res = await fetch(path, opts);
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (res.status === 401 && path !== '/api/login') {
    me = null;
    keepDraft();
    showLogin();
    throw new Error('Please log in again.');
  }
  if (!res.ok) {
    const msg = data && data.error ? sentence(data.error.message) : 'Something went wrong on the server. Try again in a moment.';
    const err = new Error(msg);
    err.status = res.status;
    err.problems = data && data.problems;
    throw err;
  }
  return data;
}

// fetchRaw sends a request whose body or answer is not JSON (a scenario's
// YAML, a drawing) and returns the response once it is known to be good;
// errors are thrown as api throws them.
async function fetchRaw(method, path, body, signal) {
  const opts = { method, credentials: 'same-origin', headers: {}, signal };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/yaml';
    opts.body = body;
  }
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = cookie('repairgym_csrf');
  const res = await fetch(path, opts);
  if (res.status === 401) {
    me = null;
    keepDraft();
    showLogin();
    throw new Error('Please log in again.');
  }
  if (!res.ok) {
    let data = null;
    try { data = await res.json(); } catch { data = null; }
    const err = new Error(data && data.error ? sentence(data.error.message) : 'Something went wrong on the server. Try again in a moment.');
    err.status = res.status;
    err.problems = data && data.problems;
    err.latest = data && data.latest;
    throw err;
  }
  return res;
}

// sentence makes a server message read as a sentence.
function sentence(msg) {
  if (!msg) return '';
  const s = msg.charAt(0).toUpperCase() + msg.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

function formatDate(s) {
  const d = new Date(s);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function label(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : ''; }

// plural counts things in words: "1 test", "2 tests".
function plural(n, one, many) { return `${n} ${n === 1 ? one : many}`; }

// highlight returns nodes showing text with the given spans marked.
function highlight(text, spans) {
  const ranges = [];
  for (const s of spans || []) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0) ranges.push([i, i + s.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue; // overlapping: keep the first
    if (start > at) nodes.push(document.createTextNode(text.slice(at, start)));
    nodes.push(el('mark', { text: text.slice(start, end) }));
    at = end;
  }
  if (at < text.length) nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

// show puts a page in place; wide pages, such as the editor, use the
// whole window.
function show(fragment, title, wide) {
  const main = $('#main');
  main.replaceChildren(fragment);
  main.classList.toggle('wide', !!wide);
  document.title = title ? `${title} · repairgym` : 'repairgym';
  for (const a of document.querySelectorAll('#nav a')) {
    a.toggleAttribute('aria-current', location.hash.startsWith(a.getAttribute('href')));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
  main.focus();
}

function applyRoles(root) {
  for (const e of root.querySelectorAll('[data-role]')) {
    e.hidden = !me || !e.dataset.role.split(' ').includes(me.role);
  }
}

// ---------- login ----------

function showLogin() {
  closeSession();
  closeEditor();
  $('#nav').hidden = true;
  const f = template('tpl-login');
  show(f, 'Log in');
  const form = $('#login-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#login-error');
    err.textContent = '';
    const username = $('#username').value.trim();
    const password = $('#password').value;
    if (!username || !password) {
      err.textContent = 'Enter your username and password.';
      return;
    }
    try {
      const res = await api('POST', '/api/login', { username, password });
      me = res.user;
      startApp();
      if (!location.hash || location.hash === '#/login') location.hash = '#/library';
      else route();
    } catch (e) {
      err.textContent = e.message;
      $('#password').focus();
    }
  });
  $('#username').focus();
}

async function logout() {
  if (!leaveEditor()) return;
  try { await api('POST', '/api/logout'); } catch { /* logged out anyway */ }
  me = null;
  location.hash = '#/login';
  showLogin();
}

function startApp() {
  const nav = $('#nav');
  nav.hidden = false;
  applyRoles(document);
  $('#who').textContent = `${me.username} · ${me.role}`;
  const histLink = nav.querySelector('a[href="#/history"]');
  histLink.textContent = 'My sessions';
  loadRubric();
}

// ---------- library ----------

async function showLibrary() {
  const f = template('tpl-library');
  show(f, 'Scenarios');
  const list = $('#scenario-list');
  const filters = $('#filters');
  const load = async () => {
    const q = new URLSearchParams(new FormData(filters));
    for (const [k, v] of [...q.entries()]) if (!v) q.delete(k);
    list.replaceChildren(el('li', { class: 'muted', text: 'Loading…' }));
    let items;
    try {
      items = await api('GET', '/api/scenarios?' + q.toString());
    } catch (e) {
      list.replaceChildren(el('li', { class: 'error', text: e.message }));
      return;
    }
    list.replaceChildren();
    if (items.length === 0) list.append(el('li', { class: 'muted', text: 'No scenario matches.' }));
    for (const s of items) {
      const card = template('tpl-scenario-card');
      $('.title', card).textContent = s.title;
      $('.rupture', card).textContent = label(s.rupture_type);
      $('.difficulty', card).textContent = label(s.difficulty);
      $('.summary', card).textContent = s.summary;
      for (const b of card.querySelectorAll('button.start')) {
        b.setAttribute('aria-label', `${b.textContent}: ${s.title}`);
        b.addEventListener('click', () => startSession(s.id, b.dataset.mode, b));
      }
      list.append(card);
    }
  };
  filters.addEventListener('change', load);
  // The language-model voice is offered only where the server has one;
  // its lines are said in the client's own words, streamed as they come.
  try {
    const { voices } = await api('GET', '/api/me');
    $('#voice-choice').hidden = !(voices || []).includes('llm');
  } catch { /* the scripted voice, then */ }
  await load();
}

async function startSession(id, mode, button) {
  button.disabled = true;
  try {
    const choice = $('#voice-choice');
    const persona = choice && !choice.hidden ? $('#voice').value : 'scripted';
    const s = await api('POST', '/api/sessions', { scenario_id: id, persona, mode });
    location.hash = mode === 'recognition' ? `#/recognise/${s.id}` : `#/practice/${s.id}`;
  } catch (e) {
    button.disabled = false;
    alert(e.message);
  }
}

// ---------- rupture marks ----------

// markerChoice fills a .marker-slot with the choice of rupture type and,
// optionally, its sign, and returns what was chosen. Picking a sign picks
// its type; picking the other type clears a sign that does not fit.
function markerChoice(slot) {
  slot.replaceChildren(template('tpl-marker-choice'));
  const select = $('.marker-select', slot);
  for (const [type, kinds] of Object.entries(markerKinds)) {
    const group = el('optgroup', { label: label(type) });
    for (const [id, name, hint] of kinds) group.append(el('option', { value: id, 'data-type': type, text: `${label(name)} — ${hint}` }));
    select.append(group);
  }
  const radios = [...slot.querySelectorAll('input[type=radio]')];
  select.addEventListener('change', () => {
    const opt = select.selectedOptions[0];
    if (opt && opt.dataset.type) for (const r of radios) r.checked = r.value === opt.dataset.type;
  });
  for (const r of radios) {
    r.addEventListener('change', () => {
      const opt = select.selectedOptions[0];
      if (r.checked && opt && opt.dataset.type && opt.dataset.type !== r.value) select.value = '';
    });
  }
  return {
    value() {
      const chosen = radios.find((r) => r.checked);
      return chosen ? { type: chosen.value, marker: select.value } : null;
    },
    reset() {
      for (const r of radios) r.checked = false;
      select.value = '';
    },
    focus() { radios[0].focus(); },
  };
}

// ruptureName says what a line was: "a withdrawal (denial)".
function ruptureName(type, subtype) {
  const noun = type === 'withdrawal' ? 'a withdrawal' : type === 'confrontation' ? 'a confrontation' : `a ${type}`;
  return subtype ? `${noun} (${markerLabels[subtype] || subtype.replaceAll('-', ' ')})` : noun;
}

// flagResultText puts a flag_result into words. sent is what the trainee
// marked the line as: {type, marker}, or null for "not a rupture".
function flagResultText(m, sent) {
  if (!('correct' in m)) {
    return m.flagged ? 'Marked; you\u2019ll see how you did at the end.' : 'Mark taken back.';
  }
  // expected is the line's annotation: null when the scenario does not
  // say, {} for an ordinary line, {type, subtype} for a rupture.
  if (m.expected == null) {
    return m.flagged ? 'Marked. This scenario does not say whether the line is a rupture, so the mark is not scored.' : 'Noted. This line is not scored.';
  }
  const exp = m.expected.type ? m.expected : null;
  if (!m.flagged) {
    if (!sent || !sent.recognition) return 'Mark taken back.';
    return exp ? `That line was ${ruptureName(exp.type, exp.subtype)} — a rupture worth noticing.` : 'Right — that line was an ordinary one.';
  }
  if (!exp) return 'That line was an ordinary one.';
  if (exp.type !== m.rupture_type) {
    return `It was a rupture, but ${ruptureName(exp.type, exp.subtype)}, not ${ruptureName(m.rupture_type)}.`;
  }
  let text = `Yes — that line was ${ruptureName(exp.type, exp.subtype)}.`;
  if (sent && sent.marker && exp.subtype && sent.marker !== exp.subtype) {
    text += ` You named the sign as ${markerLabels[sent.marker] || sent.marker}.`;
  }
  return text;
}

// flagGood tells a right judgement from a wrong one, for styling.
function flagGood(m) {
  if (!('correct' in m) || m.expected == null) return null;
  const rupture = !!(m.expected && m.expected.type);
  return m.flagged ? m.correct : !rupture;
}

// recognitionNode describes how well ruptures were noticed, or returns
// null when the session had no lines to judge.
function recognitionNode(r) {
  if (!r || !(r.ruptures + r.ordinary)) return null;
  const box = el('div', { class: 'recognition-summary' });
  box.append(el('h3', { text: 'Noticing ruptures' }));
  const dl = el('dl');
  dl.append(el('dt', { text: 'Ruptures noticed' }), el('dd', { text: `${r.hits} of ${r.ruptures}` }));
  dl.append(el('dt', { text: 'Missed' }), el('dd', { text: String(r.misses) }));
  dl.append(el('dt', { text: 'False alarms' }), el('dd', { text: `${r.false_alarms} of ${r.ordinary} ordinary ${r.ordinary === 1 ? 'line' : 'lines'} marked as a rupture` }));
  if (r.hits) dl.append(el('dt', { text: 'Right kind named' }), el('dd', { text: `${r.type_right} of ${r.hits}` }));
  box.append(dl);
  if (r.misses) box.append(el('p', { class: 'muted', text: 'Missed ruptures are often the quiet ones: a short answer, “it’s fine”, a change of subject.' }));
  return box;
}

// ---------- practice ----------

function closeSession() {
  if (current) {
    current.closed = true;
    if (current.ws) current.ws.close(1000);
    current = null;
  }
}

function lineNode(turn, speaker, text, spans, clientName) {
  const li = el('li', { class: `line ${speaker}`, 'data-turn': String(turn) });
  li.append(el('span', { class: 'speaker', text: speaker === 'client' ? clientName || 'Client' : 'You' }));
  const body = el('span', { class: 'text' });
  body.append(...highlight(text, spans));
  li.append(body);
  return li;
}

function feedbackNode(fb) {
  const f = template('tpl-feedback');
  const li = f.firstElementChild;
  li.dataset.feedbackFor = String(fb.turn);
  $('.overall', f).textContent = `${fb.overall}/100`;
  const dl = $('.criteria', f);
  for (const [id, name] of criteria) {
    const sc = fb.scores && fb.scores[id];
    if (!sc) continue;
    dl.append(el('dt', { text: name }));
    const dd = el('dd');
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': `${name}: ${sc.score} out of ${scale.max}` });
    const track = el('div', { class: 'track' });
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${100 * (sc.score - scale.min) / (scale.max - scale.min)}%`;
    track.append(fill);
    bar.append(track, el('span', { text: `${sc.score}/${scale.max}` }));
    dd.append(bar);
    dl.append(dd);
    dl.append(el('dd', { class: 'rationale', text: sc.rationale }));
  }
  if (fb.exemplar) $('.exemplar q', f).textContent = fb.exemplar;
  else $('.exemplar', f).remove();
  return li;
}

function evidenceOf(scores) {
  const spans = [];
  for (const [id] of criteria) {
    if (scores && scores[id]) spans.push(...scores[id].evidence);
  }
  return spans;
}

// coachNode is a supervisor's hint: set apart from both speakers, since
// it is neither the client nor the trainee talking.
function coachNode(h) {
  const li = el('li', { class: 'line coach', 'data-after': String(h.after) });
  li.append(el('span', { class: 'speaker', text: h.from ? `Coach's note from ${h.from}` : "Coach's note" }));
  li.append(el('span', { class: 'text', text: h.text }));
  return li;
}

// reviewNode is a supervisor's rating of a response, as the trainee and
// other supervisors read it.
function reviewNode(r) {
  const li = el('li', { class: 'review', 'data-review-for': String(r.turn) });
  const who = r.reviewer_name || 'a supervisor';
  li.append(el('p', { class: 'review-head', text: `Rated by ${who}${r.blind ? ' (blind)' : ''} · ${formatDate(r.at)}` }));
  const parts = [];
  for (const [id, name] of criteria) {
    if (r.scores && id in r.scores) parts.push(`${name} ${r.scores[id]}/${scale.max}`);
  }
  if (parts.length) li.append(el('p', { class: 'review-scores', text: parts.join(' · ') }));
  if (r.comment) li.append(el('p', { class: 'review-comment', text: r.comment }));
  return li;
}

// renderTranscript shows a session's lines with their feedback and, when
// withFlags is set, the trainee's rupture marks. review, when set, is a
// supervisor rating the session: review.hidden(n) says whether response
// n's scores are kept from them (blind rating), and review.control(n)
// gives the node to rate it with.
function renderTranscript(list, session, feedbackByTurn, withFlags, review) {
  list.replaceChildren();
  const flags = {};
  if (withFlags) for (const f of session.flags || []) flags[f.turn] = f;
  // A review belongs to the response it rated, which may since have been
  // taken back and answered again under the same turn number.
  const reviewsOf = (n, at) => (session.reviews || []).filter((r) => r.turn === n &&
    (r.response_at ? Date.parse(r.response_at) === Date.parse(at) : Date.parse(r.at) >= Date.parse(at)));
  const hints = {};
  for (const h of session.hints || []) (hints[h.after] = hints[h.after] || []).push(h);
  for (const t of session.turns || []) {
    for (const a of t.attempts || []) {
      const li = lineNode(t.n, 'trainee', a.text, []);
      li.classList.add('attempt');
      li.querySelector('.speaker').textContent = 'You (taken back)';
      list.append(li);
      if (!review) for (const r of reviewsOf(t.n, a.at)) list.append(reviewNode(r));
    }
    const hidden = review && t.speaker === 'trainee' && review.hidden(t.n);
    const line = lineNode(t.n, t.speaker, t.text, hidden ? [] : evidenceOf(t.scores), session.client_name);
    const f = flags[t.n];
    if (f) {
      const span = el('span', { class: 'verdict' }, el('span', { class: 'said', text: `Marked as ${ruptureName(f.rupture_type, f.marker)}.` }));
      if ('correct' in f) {
        const m = { flagged: true, correct: f.correct, rupture_type: f.rupture_type, expected: f.expected };
        span.append(el('span', { class: `result ${flagGood(m) ? 'good' : 'bad'}`, text: flagResultText(m, f) }));
      }
      line.append(span);
    }
    list.append(line);
    const fb = feedbackByTurn && feedbackByTurn[t.n];
    if (fb && !hidden) list.append(feedbackNode(fb));
    if (!hidden && t.speaker === 'trainee') for (const r of reviewsOf(t.n, t.at)) list.append(reviewNode(r));
    if (review && t.speaker === 'trainee') list.append(review.control(t.n));
    for (const h of hints[t.n] || []) list.append(coachNode(h));
  }
  for (const a of session.retracted || []) {
    const li = lineNode(0, 'trainee', a.text, []);
    li.classList.add('attempt');
    li.querySelector('.speaker').textContent = 'You (taken back)';
    list.append(li);
  }
}

// renderDebrief shows the end of a session; focus moves to it unless
// focus is false (a supervisor rating the responses above it).
function renderDebrief(box, outcome, summary, mode, { focus = true } = {}) {
  box.hidden = false;
  box.replaceChildren(el('h2', { text: 'Session ended' }), el('p', { text: outcomes[outcome] || outcome }));
  const links = el('p', {}, el('a', { href: '#/library', text: 'Back to the scenarios' }), document.createTextNode(' · '),
    el('a', { href: '#/history', text: 'My sessions' }));
  const finish = () => {
    box.append(links);
    box.querySelector('h2').setAttribute('tabindex', '-1');
    if (focus) box.querySelector('h2').focus();
  };
  const recognition = recognitionNode(summary && summary.recognition);
  if (mode === 'recognition') {
    box.append(recognition || el('p', { class: 'muted', text: 'No lines were judged.' }));
    finish();
    return;
  }
  if (!summary || !summary.responses) {
    box.append(el('p', { class: 'muted', text: 'No responses were given.' }));
    return;
  }
  const dl = el('dl');
  dl.append(el('dt', { text: 'Responses' }), el('dd', { text: `${summary.responses} (${summary.retries} taken back)` }));
  dl.append(el('dt', { text: 'Average score' }), el('dd', { text: `${Math.round(summary.overall)}/100` }));
  for (const [id, name] of criteria) {
    if (summary.means && id in summary.means) {
      dl.append(el('dt', { text: name }), el('dd', { text: `${summary.means[id].toFixed(1)} / ${scale.max}` }));
    }
  }
  if (summary.flags && !recognition) dl.append(el('dt', { text: 'Ruptures marked' }), el('dd', { text: `${summary.flags_correct} of ${summary.flags} right` }));
  box.append(dl);
  if (recognition) box.append(recognition);
  const s = summary.strongest, w = summary.weakest;
  if (s) {
    box.append(el('h3', { text: 'Your strongest response' }));
    box.append(el('p', {}, el('q', { text: s.response })));
  }
  if (w && (!s || w.turn !== s.turn)) {
    box.append(el('h3', { text: 'The hardest moment' }));
    box.append(el('p', { class: 'muted', text: 'The client said:' }), el('p', {}, el('q', { text: w.client })));
    box.append(el('p', { class: 'muted', text: 'You said:' }), el('p', {}, el('q', { text: w.response })));
    if (w.exemplar) box.append(el('p', { class: 'muted', text: 'Another way to say it:' }), el('p', {}, el('q', { text: w.exemplar })));
  }
  finish();
}

// connectSession opens a session's socket and hands each message to
// onMessage. A dropped socket is reconnected with backoff, after asking
// over HTTP whether the session is still there: a socket refused at the
// door closes without saying why. A lost login goes to the login page (api
// does that); a session that is gone stays gone, and onGone is told.
// path is the socket's: "ws" for the trainee's, "observe" for a
// supervisor watching; onOpen is told of each connection made.
function connectSession(sess, { onMessage, setStatus, onGone, path = 'ws', onOpen = () => setStatus('') }) {
  sess.tries = sess.tries || 0;
  const connect = () => {
    if (sess.closed) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/sessions/${encodeURIComponent(sess.id)}/${path}`);
    sess.ws = ws;
    ws.onopen = () => { sess.tries = 0; onOpen(); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      onMessage(m);
    };
    ws.onclose = async (ev) => {
      if (sess.closed || current !== sess) return;
      if (ev.code === 1000 && sess.session && sess.session.status !== 'active') return;
      try {
        await api('GET', `/api/sessions/${encodeURIComponent(sess.id)}`);
      } catch (e) {
        if (e.status === 404 || e.status === 403) {
          sess.closed = true;
          onGone();
          setStatus(path === 'observe'
            ? 'This session is no longer there: it may have been deleted. Go back to Cohort sessions.'
            : 'This session cannot be opened: it does not exist, or it is not yours. Go back to My sessions.');
          return;
        }
        if (!me) { sess.closed = true; return; }
      }
      if (sess.closed || current !== sess) return;
      // The server resumes from the state it sends on connecting.
      sess.tries++;
      const wait = Math.min(10000, 500 * 2 ** Math.min(sess.tries, 5));
      setStatus(`Connection lost — reconnecting in ${Math.round(wait / 1000)} s…`);
      setTimeout(connect, wait);
    };
  };
  connect();
}

// sendOn sends a message on a session's socket if it is open.
function sendOn(sess, msg) {
  if (sess.ws && sess.ws.readyState === WebSocket.OPEN) {
    sess.ws.send(JSON.stringify(msg));
    return true;
  }
  return false;
}

async function showPractice(id) {
  closeSession();
  const f = template('tpl-practice');
  show(f, 'Practice');
  const sess = { id, closed: false, ws: null, tries: 0, session: null, pendingText: null, pendingTurn: 0, feedback: {} };
  current = sess;
  const list = $('#conversation');
  const form = $('#composer');
  const text = $('#response');
  const err = $('#composer-error');
  const counter = $('#counter');
  const status = $('.status');
  const flagResult = $('#flag-result');
  const flagUndo = $('#flag-undo');
  // sentFlag is the last mark sent, to put its result into words.
  let sentFlag = null;

  // While a response is on its way the textarea is read-only, not
  // disabled, so that focus and the screen reader's place stay in it.
  const setBusy = (busy) => {
    for (const b of form.querySelectorAll('button')) b.disabled = busy;
    text.readOnly = busy;
    text.setAttribute('aria-busy', String(busy));
  };
  // dropPending removes the response shown before the server took it;
  // its words are still in the textarea.
  const dropPending = () => {
    for (const li of list.querySelectorAll('li.line.pending')) li.remove();
  };
  const setStatus = (s) => { status.textContent = s; };
  const pendingLine = () => {
    const li = lineNode(sess.pendingTurn + 1, 'trainee', sess.pendingText, []);
    li.classList.add('pending');
    return li;
  };
  const send = (msg) => sendOn(sess, msg);

  const loadFeedback = async () => {
    try {
      const fbs = await api('GET', `/api/sessions/${encodeURIComponent(id)}/feedback`);
      sess.feedback = {};
      for (const fb of fbs) sess.feedback[fb.turn] = fb;
      if (sess.session && current === sess) renderTranscript(list, sess.session, sess.feedback);
    } catch { /* the transcript stands without it */ }
  };

  const applyState = (session) => {
    if (session.mode === 'recognition') {
      // Recognition sessions have their own page.
      sess.closed = true;
      location.replace(`#/recognise/${encodeURIComponent(id)}`);
      return;
    }
    sess.session = session;
    $('h1.title').textContent = session.title || 'Practice';
    $('.brief').textContent = session.mode === 'assessment'
      ? 'Assessment: feedback comes at the end.'
      : 'Practice: feedback after every response; you can try a moment again.';
    renderTranscript(list, session, sess.feedback);
    if (session.responses) loadFeedback();
    const ended = session.status === 'ended';
    form.hidden = ended;
    $('#pause').hidden = ended;
    $('#end').hidden = ended;
    $('#retry').hidden = ended || session.mode !== 'practice' || !session.responses;
    setStatus(ended ? outcomes[session.outcome] || '' : (session.status === 'paused' ? 'Paused — type a response to carry on.' : ''));
    if (ended) renderDebrief($('#debrief'), session.outcome, session.summary, session.mode);
    // A response sent before a dropped connection that did not arrive is
    // sent again; one that did arrive is ignored by the server.
    if (sess.pendingText !== null && session.pending === sess.pendingTurn) {
      send({ type: 'response', turn: sess.pendingTurn, text: sess.pendingText });
    } else if (sess.pendingText !== null) {
      sess.pendingText = null;
      setBusy(false);
    }
    if (sess.pendingText !== null) list.append(pendingLine());
  };

  const onMessage = (m) => {
    switch (m.type) {
      case 'state':
        applyState(m.session);
        break;
      case 'client_delta': {
        let line = list.querySelector(`li.line.client.streaming[data-turn="${m.turn}"]`);
        if (!line) {
          line = lineNode(m.turn, 'client', '', [], sess.session && sess.session.client_name);
          line.classList.add('streaming');
          list.append(line);
        }
        line.querySelector('.text').textContent += m.delta;
        break;
      }
      case 'feedback':
        sess.feedback[m.turn] = m;
        if (sess.session) {
          const trainee = list.querySelector(`li.line.trainee[data-turn="${m.turn}"]`);
          if (trainee) {
            const body = trainee.querySelector('.text');
            body.replaceChildren(...highlight(body.textContent, evidenceOf(m.scores)));
            trainee.after(feedbackNode(m));
          }
        }
        announce(`Feedback: ${m.overall} out of 100.`);
        break;
      case 'client_turn': {
        const streaming = list.querySelector(`li.line.client.streaming[data-turn="${m.turn}"]`);
        if (streaming) streaming.remove();
        for (const li of list.querySelectorAll('li.line.pending')) li.classList.remove('pending');
        list.append(lineNode(m.turn, 'client', m.text, [], sess.session && sess.session.client_name));
        sess.pendingText = null;
        sess.pendingTurn = m.turn;
        if (sess.session) {
          sess.session.pending = m.turn;
          sess.session.responses = (sess.session.responses || 0) + 1;
        }
        $('#retry').hidden = !sess.session || sess.session.mode !== 'practice';
        // A mark's result is about the line before.
        flagResult.textContent = '';
        flagResult.className = '';
        flagUndo.hidden = true;
        flagToggle.disabled = false;
        setBusy(false);
        text.value = '';
        counter.textContent = '0 / 4000';
        announce(`The client says: ${m.text}`);
        text.focus({ preventScroll: true });
        form.scrollIntoView({ block: 'end', behavior: 'smooth' });
        break;
      }
      case 'coach':
        if (sess.session) (sess.session.hints = sess.session.hints || []).push(m);
        list.append(coachNode(m));
        announce(`A note from your supervisor: ${m.text}`);
        break;
      case 'end':
        form.hidden = true;
        $('#pause').hidden = true;
        $('#end').hidden = true;
        setStatus(outcomes[m.outcome] || '');
        renderDebrief($('#debrief'), m.outcome, m.summary, sess.session && sess.session.mode);
        sess.closed = true;
        // An assessment's feedback was held until now; it is read from
        // the session rather than sent card by card.
        if (sess.session && sess.session.mode === 'assessment') {
          api('GET', `/api/sessions/${encodeURIComponent(id)}`)
            .then((whole) => { sess.session = whole; loadFeedback(); })
            .catch(() => { /* the transcript page has them */ });
        }
        break;
      case 'flag_result': {
        flagResult.textContent = flagResultText(m, sentFlag);
        const good = flagGood(m);
        flagResult.className = good === null ? 'muted' : good ? 'good' : 'bad';
        // Where the answer is shown at once the first mark counts; in an
        // assessment it can be changed until the end.
        const revealed = 'correct' in m;
        flagUndo.hidden = !m.flagged || revealed;
        flagToggle.disabled = revealed;
        break;
      }
      case 'error':
        err.textContent = sentence(m.message);
        sess.pendingText = null;
        dropPending();
        setBusy(false);
        break;
    }
  };

  text.addEventListener('input', () => { counter.textContent = `${text.value.length} / 4000`; });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const value = text.value.trim();
    if (!value) { err.textContent = 'Write a response first.'; return; }
    if (!sess.session || !sess.session.pending) { err.textContent = 'Wait for the client to speak.'; return; }
    sess.pendingText = value;
    sess.pendingTurn = sess.session.pending;
    list.append(pendingLine());
    setBusy(true);
    if (!send({ type: 'response', turn: sess.pendingTurn, text: value })) {
      setStatus('Not connected — your response will be sent when the connection is back.');
    }
  });
  $('#retry').addEventListener('click', () => {
    const turns = (sess.session && sess.session.turns) || [];
    let last = 0;
    for (const t of list.querySelectorAll('li.line.trainee:not(.attempt)')) last = Number(t.dataset.turn) - 1;
    if (!last) for (const t of turns) if (t.speaker === 'trainee') last = t.n - 1;
    if (last > 0) send({ type: 'retry', turn: last });
  });
  const flagBox = $('#flag-box');
  const flagToggle = $('#flag');
  const choice = markerChoice($('.marker-slot', flagBox));
  const setFlagBox = (open) => {
    flagBox.hidden = !open;
    flagToggle.setAttribute('aria-expanded', String(open));
  };
  flagToggle.addEventListener('click', () => {
    setFlagBox(flagBox.hidden);
    if (!flagBox.hidden) choice.focus();
  });
  $('#flag-send').addEventListener('click', () => {
    err.textContent = '';
    const chosen = choice.value();
    if (!chosen) { err.textContent = 'Choose confrontation or withdrawal.'; return; }
    if (!sess.session || !sess.session.pending) { err.textContent = 'Wait for the client to speak.'; return; }
    const msg = { type: 'flag', turn: sess.session.pending, rupture_type: chosen.type };
    if (chosen.marker) msg.marker = chosen.marker;
    if (!send(msg)) {
      err.textContent = 'Not connected — try again in a moment.';
      return;
    }
    sentFlag = chosen;
    choice.reset();
    setFlagBox(false);
    flagToggle.focus();
  });
  flagUndo.addEventListener('click', () => {
    if (!sess.session || !sess.session.pending) return;
    if (!send({ type: 'pass', turn: sess.session.pending })) {
      err.textContent = 'Not connected — try again in a moment.';
      return;
    }
    sentFlag = null;
    flagToggle.focus();
  });
  $('#pause').addEventListener('click', () => {
    if (!send({ type: 'pause' })) {
      err.textContent = 'Not connected, so the session could not be paused. Try again in a moment.';
      return;
    }
    setStatus('Paused. Come back to it from My sessions whenever you are ready.');
    form.hidden = true;
    sess.closed = true;
  });
  $('#end').addEventListener('click', () => {
    if (confirm('End this session now? It will be kept in My sessions as "Left before the end".')) send({ type: 'end' });
  });
  connectSession(sess, { onMessage, setStatus, onGone: () => setBusy(true) });
}

// ---------- recognition practice ----------

async function showRecognition(id) {
  closeSession();
  const f = template('tpl-recognition');
  show(f, 'Recognition practice');
  const sess = { id, closed: false, ws: null, tries: 0, session: null };
  current = sess;
  const list = $('#conversation');
  const judge = $('#judge');
  const question = $('#judge-question');
  const err = $('#judge-error');
  const status = $('.status');
  const box = $('#rupture-box');
  const toggle = $('#rupture');
  const choice = markerChoice($('.marker-slot', box));
  // sent is the judgement on its way, to put its result into words.
  let sent = null;
  const setStatus = (s) => { status.textContent = s; };
  const setBox = (open) => {
    box.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  };
  const setBusy = (busy) => {
    for (const b of judge.querySelectorAll('button')) b.disabled = busy;
  };
  const clientName = () => (sess.session && sess.session.client_name) || 'Client';

  // showLine shows the line to judge now.
  const showLine = (n, text) => {
    for (const li of list.querySelectorAll('li.on-show')) li.classList.remove('on-show');
    const li = lineNode(n, 'client', text, [], clientName());
    li.classList.add('on-show');
    list.append(li);
    sess.onShow = n;
    question.textContent = `Line ${list.children.length}: is this a rupture?`;
    judge.hidden = false;
    setBox(false);
    choice.reset();
    setBusy(false);
  };
  // verdict notes a judgement under its line: what the trainee said and,
  // once known, whether it was right.
  const verdict = (n, said, result, good) => {
    const li = list.querySelector(`li.line[data-turn="${n}"]`);
    if (!li) return;
    let p = li.querySelector('.verdict');
    if (!p) {
      p = el('span', { class: 'verdict' });
      li.append(p);
    }
    p.replaceChildren(el('span', { class: 'said', text: said }));
    if (result) p.append(el('span', { class: `result ${good === null ? '' : good ? 'good' : 'bad'}`, text: result }));
  };
  const saidText = (flag) => flag ? `You said: a rupture — ${ruptureName(flag.type || flag.rupture_type, flag.marker)}.` : 'You said: not a rupture.';

  const applyState = (session) => {
    if (session.mode !== 'recognition') {
      sess.closed = true;
      location.replace(`#/practice/${encodeURIComponent(id)}`);
      return;
    }
    sess.session = session;
    $('h1.title').textContent = session.title || 'Recognition practice';
    list.replaceChildren();
    const flags = {};
    for (const fl of session.flags || []) flags[fl.turn] = fl;
    const turns = (session.turns || []).filter((t) => t.speaker === 'client');
    const ended = session.status === 'ended';
    for (const t of turns) {
      if (t.n === session.pending && !ended) continue;
      list.append(lineNode(t.n, 'client', t.text, [], clientName()));
      // Of a line let pass the state says nothing more; of a marked one,
      // what it was.
      const fl = flags[t.n];
      const m = fl && 'correct' in fl ? { flagged: true, correct: fl.correct, rupture_type: fl.rupture_type, expected: fl.expected } : null;
      verdict(t.n, saidText(fl), m ? flagResultText(m, fl) : '', m ? flagGood(m) : null);
    }
    $('#end').hidden = ended;
    if (ended) {
      judge.hidden = true;
      setStatus(outcomes[session.outcome] || '');
      renderDebrief($('#debrief'), session.outcome, session.summary, 'recognition');
      sess.closed = true;
      return;
    }
    const onShow = turns.find((t) => t.n === session.pending);
    if (onShow) showLine(onShow.n, onShow.text);
  };

  const onMessage = (m) => {
    switch (m.type) {
      case 'state':
        applyState(m.session);
        break;
      case 'client_delta': {
        let line = list.querySelector(`li.line.client.streaming[data-turn="${m.turn}"]`);
        if (!line) {
          line = lineNode(m.turn, 'client', '', [], clientName());
          line.classList.add('streaming');
          list.append(line);
        }
        line.querySelector('.text').textContent += m.delta;
        break;
      }
      case 'flag_result': {
        const text = flagResultText(m, sent);
        verdict(m.turn, saidText(m.flagged ? { type: m.rupture_type || (sent && sent.type), marker: sent && sent.marker } : null), text, flagGood(m));
        announce(text);
        sent = null;
        break;
      }
      case 'client_turn': {
        const streaming = list.querySelector(`li.line.client.streaming[data-turn="${m.turn}"]`);
        if (streaming) streaming.remove();
        showLine(m.turn, m.text);
        announce(`Next line: ${m.text}`);
        toggle.focus({ preventScroll: true });
        judge.scrollIntoView({ block: 'nearest' });
        break;
      }
      case 'end':
        judge.hidden = true;
        $('#end').hidden = true;
        for (const li of list.querySelectorAll('li.on-show')) li.classList.remove('on-show');
        setStatus(outcomes[m.outcome] || '');
        renderDebrief($('#debrief'), m.outcome, m.summary, 'recognition');
        sess.closed = true;
        break;
      case 'error':
        err.textContent = sentence(m.message);
        sent = null;
        setBusy(false);
        // The button that sent the judgement was disabled with focus in
        // it; focus goes back to where judging starts.
        toggle.focus({ preventScroll: true });
        break;
    }
  };

  const judgeLine = (msg, said) => {
    err.textContent = '';
    if (!sess.onShow) return;
    msg.turn = sess.onShow;
    if (!sendOn(sess, msg)) {
      err.textContent = 'Not connected — try again in a moment.';
      return;
    }
    sent = said;
    setBusy(true);
    setBox(false);
  };
  toggle.addEventListener('click', () => {
    setBox(box.hidden);
    if (!box.hidden) choice.focus();
  });
  $('#rupture-cancel').addEventListener('click', () => {
    setBox(false);
    toggle.focus();
  });
  $('#rupture-confirm').addEventListener('click', () => {
    const chosen = choice.value();
    if (!chosen) { err.textContent = 'Choose confrontation or withdrawal.'; return; }
    const msg = { type: 'flag', rupture_type: chosen.type };
    if (chosen.marker) msg.marker = chosen.marker;
    judgeLine(msg, { ...chosen, recognition: true });
  });
  $('#ordinary').addEventListener('click', () => judgeLine({ type: 'pass' }, { recognition: true }));
  $('#end').addEventListener('click', () => {
    if (confirm('End this session now? It will be kept in My sessions as "Left before the end".')) sendOn(sess, { type: 'end' });
  });
  connectSession(sess, { onMessage, setStatus, onGone: () => { judge.hidden = true; } });
}

// ---------- history ----------

async function showHistory(cohort) {
  closeSession();
  const f = template('tpl-history');
  show(f, cohort ? 'Cohort sessions' : 'My sessions');
  $('h1.title').textContent = cohort ? 'Cohort sessions' : 'My sessions';
  const showWho = cohort;
  for (const th of document.querySelectorAll('.who-col')) th.hidden = !showWho;
  const rows = $('#session-rows');
  let items;
  try {
    items = await api('GET', '/api/sessions');
  } catch (e) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: '7', class: 'error', text: e.message })));
    return;
  }
  if (!cohort) items = items.filter((s) => s.trainee_id === me.id);
  $('.empty').hidden = items.length > 0;
  for (const s of items) {
    const tr = el('tr');
    // Only the trainee can carry on a session; everyone else reads it.
    const mine = s.trainee_id === me.id;
    const href = !mine ? `#/sessions/${s.id}` : s.status === 'ended' ? `#/history/${s.id}`
      : s.mode === 'recognition' ? `#/recognise/${s.id}` : `#/practice/${s.id}`;
    const link = el('a', { href, text: s.title || s.scenario_id });
    const who = el('td', { text: s.trainee });
    who.hidden = !showWho;
    const overall = s.summary && s.summary.responses ? `${Math.round(s.summary.overall)}/100` : '—';
    tr.append(el('td', {}, link), who, el('td', { text: formatDate(s.started) }), el('td', { text: label(s.mode) }),
      el('td', { text: s.status === 'ended' ? outcomesShort[s.outcome] || label(s.outcome) : label(s.status) }), el('td', { text: String(s.responses) }),
      el('td', { text: overall }));
    rows.append(tr);
  }
}

async function showTranscript(id) {
  closeSession();
  const f = template('tpl-transcript');
  show(f, 'Transcript');
  let session, feedback;
  try {
    [session, feedback] = await Promise.all([api('GET', `/api/sessions/${encodeURIComponent(id)}`), api('GET', `/api/sessions/${encodeURIComponent(id)}/feedback`)]);
  } catch (e) {
    $('h1.title').textContent = e.status === 404 ? 'Not found' : 'This transcript could not be loaded';
    $('.meta').textContent = e.message;
    return;
  }
  const byTurn = {};
  for (const fb of feedback) byTurn[fb.turn] = fb;
  $('h1.title').textContent = session.title || session.scenario_id;
  const meta = [session.trainee, formatDate(session.started), label(session.mode), session.status === 'ended' ? outcomes[session.outcome] : label(session.status)];
  // Only admins are sent what the language model cost.
  if (session.tokens) meta.push(`${session.tokens.toLocaleString()} language-model tokens`);
  $('.meta').textContent = meta.join(' · ');
  const staff = session.trainee_id !== me.id && (me.role === 'supervisor' || me.role === 'admin');
  if (staff && session.status === 'ended') {
    reviewSession(session, byTurn);
    return;
  }
  renderTranscript($('#conversation'), session, byTurn, true);
  if (session.status === 'ended') {
    renderDebrief($('#debrief'), session.outcome, session.summary, session.mode);
  } else if (staff) {
    watchSession(session, byTurn);
  }
}

// blindKey remembers, in this browser, whether the supervisor rates blind.
const blindKey = 'repairgym.rate-blind';

// reviewSession lets a supervisor rate a finished session's responses on
// the session's rubric, with each score's anchor beside it. Rating blind
// (the default) keeps the machine's scores, its feedback and other
// supervisors' ratings of a response out of sight until they have rated
// it, so that their ratings can fairly calibrate the machine.
async function reviewSession(session, byTurn) {
  const list = $('#conversation');
  let rubric;
  try {
    rubric = await api('GET', `/api/rubric${session.rubric_version ? `?version=${session.rubric_version}` : ''}`);
  } catch {
    rubric = await api('GET', '/api/rubric');
  }
  const tools = el('div', { class: 'card review-tools' });
  const toggle = el('input', { type: 'checkbox', id: 'blind-toggle' });
  toggle.checked = localStorage.getItem(blindKey) !== 'off';
  tools.append(
    el('p', { text: `Rate any response from ${rubric.min} to ${rubric.max} on each criterion; each score's anchor is beside it.` }),
    el('p', { class: 'blind' }, toggle,
      el('label', { for: 'blind-toggle', text: "Rate blind: hide the machine's scores, its feedback and other ratings of a response until I have rated it" })));
  list.before(tools);
  const debrief = $('#debrief');
  let open = 0; // the response whose form is open

  const mine = () => new Set((session.reviews || []).filter((r) => r.reviewer === me.id).map((r) => r.turn));
  // seen holds the responses whose machine scores have been on show on
  // this page: a rating of one of them is not blind, even if blind
  // rating was turned back on since.
  const seen = new Set();
  const hidden = (n) => {
    const h = toggle.checked && !mine().has(n) && !seen.has(n);
    if (!h) seen.add(n);
    return h;
  };
  const render = () => {
    renderTranscript(list, session, byTurn, true, { hidden, control });
    const responses = (session.turns || []).filter((t) => t.speaker === 'trainee').map((t) => t.n);
    // The debrief holds the machine's scores too.
    if (responses.some(hidden)) {
      debrief.hidden = false;
      debrief.replaceChildren(el('h2', { text: 'Session ended' }), el('p', { text: outcomes[session.outcome] || session.outcome }),
        el('p', { class: 'muted', text: "The summary of the machine's scores is shown once you have rated every response, or when you stop rating blind." }));
    } else {
      renderDebrief(debrief, session.outcome, session.summary, session.mode, { focus: false });
    }
  };
  // focusRate puts focus back on a response's rating button.
  const focusRate = (n) => {
    const b = list.querySelector(`li.rate-control[data-rate-for="${n}"] button`);
    if (b) b.focus();
  };
  const control = (n) => {
    if (open === n) return rateForm(n);
    const rated = mine().has(n);
    const li = el('li', { class: 'rate-control', 'data-rate-for': String(n) });
    const b = el('button', { type: 'button', class: 'small-btn', text: rated ? 'Rate this response again' : 'Rate this response' });
    b.addEventListener('click', () => {
      open = n;
      render();
      const first = list.querySelector(`form.rate-form[data-rate-for="${n}"] input`);
      if (first) first.focus();
    });
    li.append(b);
    return li;
  };
  const rateForm = (n) => {
    const li = el('li', { class: 'card rate-card' });
    const form = el('form', { class: 'rate-form', 'data-rate-for': String(n) });
    form.append(el('h3', { text: 'Your rating of this response' }));
    for (const c of rubric.criteria) {
      const fs = el('fieldset', { class: 'rate-criterion' });
      fs.append(el('legend', { text: c.question ? `${c.name} — ${c.question}` : c.name }));
      const levels = new Map((c.levels || []).map((l) => [l.score, l]));
      for (let v = rubric.min; v <= rubric.max; v++) {
        const id = `rate-${n}-${c.id}-${v}`;
        const input = el('input', { type: 'radio', name: `rate-${c.id}`, value: String(v), id });
        const lv = levels.get(v);
        const text = el('label', { for: id, class: 'rate-level' },
          el('strong', { text: lv && lv.name ? `${v} · ${lv.name}` : String(v) }));
        if (lv && lv.anchor) text.append(el('span', { class: 'anchor', text: lv.anchor }));
        fs.append(el('div', { class: 'rate-option' }, input, text));
      }
      form.append(fs);
    }
    const cid = `rate-comment-${n}`;
    form.append(el('label', { for: cid, text: 'Comment for the trainee (optional)' }), el('textarea', { id: cid, rows: '3', maxlength: '4000' }));
    const err = el('p', { class: 'error', role: 'alert' });
    const save = el('button', { type: 'submit', class: 'primary', text: 'Save rating' });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    cancel.addEventListener('click', () => { open = 0; render(); focusRate(n); });
    form.append(el('p', { class: 'rate-actions' }, save, document.createTextNode(' '), cancel), err);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.textContent = '';
      const scores = {};
      for (const c of rubric.criteria) {
        const v = form.querySelector(`input[name="rate-${c.id}"]:checked`);
        if (v) scores[c.id] = Number(v.value);
      }
      const comment = form.querySelector('textarea').value.trim();
      if (!Object.keys(scores).length && !comment) {
        err.textContent = 'Choose a score for at least one criterion, or write a comment.';
        return;
      }
      save.disabled = true;
      try {
        await api('POST', `/api/sessions/${encodeURIComponent(session.id)}/reviews`, { turn: n, scores, comment, blind: !seen.has(n) });
        session = await api('GET', `/api/sessions/${encodeURIComponent(session.id)}`);
        open = 0;
        render();
        announce("Rating saved. The machine's scores for this response are now shown.");
        const line = list.querySelector(`li.line.trainee[data-turn="${n}"]`);
        if (line) line.scrollIntoView({ block: 'center' });
        focusRate(n);
      } catch (e) {
        err.textContent = e.message;
        save.disabled = false;
      }
    });
    li.append(form);
    return li;
  };
  toggle.addEventListener('change', () => {
    localStorage.setItem(blindKey, toggle.checked ? 'on' : 'off');
    render();
  });
  render();
}

// watchSession follows a session someone else is playing, over the
// observer's socket, and lets a supervisor send the trainee a hint.
function watchSession(session, byTurn) {
  const sess = { id: session.id, closed: false, ws: null, tries: 0, session };
  current = sess;
  const list = $('#conversation');
  const live = $('#live-status');
  const form = $('#hint-form');
  const text = $('#hint-text');
  const err = $('#hint-error');
  // An assessment is the trainee's own work: it is watched, not helped.
  form.hidden = session.mode === 'assessment';
  const onMessage = (m) => {
    if (m.type === 'state') {
      sess.session = m.session;
      renderTranscript(list, m.session, byTurn, true);
      if (m.session.status === 'ended') {
        form.hidden = true;
        live.textContent = 'The session has ended.';
        renderDebrief($('#debrief'), m.session.outcome, m.session.summary, m.session.mode);
        sess.closed = true;
        sess.ws.close(1000);
      } else if (m.session.status === 'paused') {
        live.textContent = 'Paused by the trainee.';
      }
    } else if (m.type === 'error') {
      err.textContent = sentence(m.message);
    }
  };
  const connect = () => connectSession(sess, {
    path: 'observe',
    onMessage,
    setStatus: (s) => { live.textContent = s; },
    onOpen: () => { live.textContent = 'Watching live: new turns appear as they happen.'; },
    onGone: () => { form.hidden = true; },
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const value = text.value.trim();
    if (!value) { err.textContent = 'Write a hint first.'; return; }
    if (!sess.ws || sess.ws.readyState !== WebSocket.OPEN) { err.textContent = 'Not connected — try again in a moment.'; return; }
    sess.ws.send(JSON.stringify({ type: 'hint', text: value }));
    text.value = '';
    announce('Hint sent.');
  });
  connect();
}

// ---------- people ----------

async function showUsers() {
  closeSession();
  const f = template('tpl-users');
  show(f, 'People');
  applyRoles($('#main'));
  const rows = $('#user-rows');
  const load = async () => {
    try {
      const users = await api('GET', '/api/users');
      rows.replaceChildren();
      for (const u of users) {
        const tr = el('tr', {}, el('td', { text: u.username }), el('td', { text: label(u.role) }), el('td', { text: u.cohort || '—' }));
        if (me.role === 'admin') tr.append(dataCell(u));
        rows.append(tr);
      }
    } catch (e) {
      rows.replaceChildren(el('tr', {}, el('td', { colspan: '4', class: 'error', text: e.message })));
    }
  };
  // dataCell lets an admin hand a person their data, or delete it: every
  // session they practised, then the account. Deleting asks for the
  // username typed out, since it cannot be undone.
  const dataCell = (u) => {
    const td = el('td', { class: 'data-actions' });
    td.append(el('a', { href: `/api/users/${encodeURIComponent(u.id)}/export`, download: '', text: 'Download', 'aria-label': `Download ${u.username}'s data` }));
    if (u.id === me.id) return td;
    const del = el('button', { type: 'button', class: 'small-btn danger', text: 'Delete…', 'aria-label': `Delete ${u.username} and all their data` });
    del.addEventListener('click', async () => {
      const typed = prompt(`This deletes ${u.username}'s account and every session they practised, with its transcript and reviews. It cannot be undone. Download their data first if they asked for it.\n\nType the username to confirm:`);
      if (typed === null) return;
      if (typed.trim() !== u.username) {
        announce('Not deleted: the username did not match.');
        alert('Not deleted: the username did not match.');
        return;
      }
      try {
        await api('DELETE', `/api/users/${encodeURIComponent(u.id)}`);
        announce(`Deleted ${u.username} and their data.`);
        await load();
      } catch (e) {
        alert(`Not deleted: ${e.message}`);
      }
    });
    td.append(document.createTextNode(' '), del);
    return td;
  };
  const form = $('#user-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('#user-error');
    err.textContent = '';
    const data = Object.fromEntries(new FormData(form));
    try {
      await api('POST', '/api/users', data);
      form.reset();
      announce(`Added ${data.username}.`);
      await load();
    } catch (e) {
      err.textContent = e.message;
    }
  });
  await load();
}

// ---------- editors ----------

// The scenario and rubric editors share their parts: a YAML textarea with
// a gutter of line numbers, problems listed and marked at their line as
// you type, the version field raised on saving, and the version history
// with its line diff. Each page says what checking and saving mean for it.

// editor is the open editor, if any; closing it stops its timers and
// requests.
let editor = null;

function closeEditor() {
  if (editor) {
    editor.close();
    editor = null;
  }
}

// leaveEditor asks before throwing away unsaved changes; it reports
// whether to go on.
function leaveEditor() {
  return !editor || !editor.dirty() || confirm('Leave the editor? Your changes to this draft are not saved.');
}

// openEditor makes the state of an editor page about to be filled and
// makes it the open editor. Until it is closed, the browser asks before a
// tab with unsaved changes goes away.
function openEditor(ta) {
  const ed = {
    closed: false, timer: 0, seq: 0, controller: null, baseline: '', hash: location.hash,
    dirty() { return ta.value !== ed.baseline; },
    text() { return ta.value; },
    close() {
      ed.closed = true;
      clearTimeout(ed.timer);
      if (ed.controller) ed.controller.abort();
      window.removeEventListener('beforeunload', beforeUnload);
    },
  };
  const beforeUnload = (ev) => {
    if (ed.dirty()) ev.preventDefault();
  };
  closeEditor();
  editor = ed;
  window.addEventListener('beforeunload', beforeUnload);
  return ed;
}

// draftKey keeps, in this tab, a draft whose editor closed because the
// login ended, until the editor at the same address opens again.
const draftKey = 'repairgym.unsaved-draft';

// keepDraft keeps the open editor's unsaved draft before the page goes to
// the login: a login that ends mid-edit must not take the work with it.
function keepDraft() {
  if (editor && !editor.closed && editor.dirty()) {
    sessionStorage.setItem(draftKey, JSON.stringify({ hash: editor.hash, text: editor.text() }));
  }
}

// restoreDraft puts back a draft kept by keepDraft for this address, and
// reports whether it did.
function restoreDraft(ta) {
  let kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(draftKey) || 'null'); } catch { /* none */ }
  if (!kept || kept.hash !== location.hash) return false;
  sessionStorage.removeItem(draftKey);
  ta.value = kept.text;
  return true;
}

// fillSlots puts the shared parts of a page in place: each element with
// a data-template attribute is replaced by that template's content.
function fillSlots(root) {
  for (const slot of root.querySelectorAll('[data-template]')) slot.replaceWith(template(slot.dataset.template));
}

// onSaveKey saves on Ctrl+S (⌘+S on a Mac) anywhere in root.
function onSaveKey(root, save) {
  root.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 's') {
      ev.preventDefault();
      save();
    }
  });
}

// yamlField reads a top-level field of a scenario or rubric file, such as
// its id, without parsing the YAML: good enough to name and number a draft.
function yamlField(text, name) {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(text);
  if (!m) return '';
  let v = m[1].trim();
  const q = v.charAt(0);
  if ((q === '"' || q === "'") && v.indexOf(q, 1) > 0) return v.slice(1, v.indexOf(q, 1));
  return v.replace(/[ \t]+#.*$/, '').trim();
}

// withVersion returns a file with its top-level version set to n, keeping
// any comment after it; a file without one is returned as it is.
function withVersion(text, n) {
  return text.replace(/^(version:[ \t]*)[^\n#]*?([ \t]*(#.*)?)$/m, `$1${n}$2`);
}

// latestVersion is the highest version in a list of versions, or 0.
function latestVersion(versions) {
  let latest = 0;
  for (const v of versions) latest = Math.max(latest, v.version);
  return latest;
}

// lineEditor runs the shared editor (tpl-line-editor) of the page on
// show: the gutter numbers the lines and marks those with problems, each
// listed problem takes the caret to its line, and the draft is checked a
// moment after typing stops. check(draft, signal, stale) is the page's
// own checking: it shows what it finds with showProblems and sets
// status's text, and gives up once stale() says a newer check has begun.
// onInput runs at every change of the text.
function lineEditor(ed, { check, onInput }) {
  const ta = $('#source');
  const gutter = $('#gutter');
  const gutterLines = $('.gutter-lines', gutter);
  const status = $('#check-status');
  const problemList = $('#problems');

  // ----- the gutter -----
  let lineCount = 0;
  // marks holds the problems by line, for the gutter.
  let marks = new Map();
  const lineHeight = () => parseFloat(getComputedStyle(ta).lineHeight) || 20;
  const syncGutter = () => { gutter.scrollTop = ta.scrollTop; };
  const markCurrentLine = () => {
    let n = 1;
    const upTo = ta.selectionStart;
    for (let i = ta.value.indexOf('\n'); i >= 0 && i < upTo; i = ta.value.indexOf('\n', i + 1)) n++;
    const old = gutterLines.querySelector('.current');
    if (old) old.classList.remove('current');
    const d = gutterLines.children[n - 1];
    if (d) d.classList.add('current');
  };
  const renderGutter = () => {
    let n = 1;
    for (let i = ta.value.indexOf('\n'); i >= 0; i = ta.value.indexOf('\n', i + 1)) n++;
    if (n > lineCount) {
      const frag = document.createDocumentFragment();
      for (let i = lineCount + 1; i <= n; i++) frag.append(el('div', { class: 'ln', 'data-line': String(i), text: String(i) }));
      gutterLines.append(frag);
    } else {
      while (gutterLines.children.length > n) gutterLines.lastChild.remove();
    }
    lineCount = n;
    for (const d of gutterLines.querySelectorAll('.has-problem')) {
      d.classList.remove('has-problem', 'severity-error', 'severity-warning');
      d.removeAttribute('title');
    }
    for (const [line, m] of marks) {
      const d = gutterLines.children[line - 1];
      if (!d) continue;
      d.classList.add('has-problem', `severity-${m.severity}`);
      d.title = m.messages.join('\n');
    }
    markCurrentLine();
    syncGutter();
  };
  // goToLine puts the caret at a problem's place and scrolls it into view.
  const goToLine = (line, col) => {
    const lines = ta.value.split('\n');
    line = Math.min(Math.max(1, line), lines.length);
    let pos = 0;
    for (let i = 0; i < line - 1; i++) pos += lines[i].length + 1;
    pos += Math.min(Math.max(0, (col || 1) - 1), lines[line - 1].length);
    ta.focus({ preventScroll: true });
    ta.setSelectionRange(pos, pos);
    const lh = lineHeight();
    const top = (line - 1) * lh;
    if (top < ta.scrollTop || top > ta.scrollTop + ta.clientHeight - 2 * lh) ta.scrollTop = Math.max(0, top - ta.clientHeight / 3);
    ta.scrollIntoView({ block: 'nearest' });
    markCurrentLine();
    syncGutter();
  };

  // ----- problems -----
  const where = (p) => (p.line ? `line ${p.line}, col ${p.col}: ${p.message}` : p.message);
  const problemItem = (p) => {
    const b = el('button', { type: 'button', class: 'problem-link', text: where(p) });
    if (p.line) b.addEventListener('click', () => goToLine(p.line, p.col));
    else b.disabled = true;
    return el('li', { class: `problem severity-${p.severity || 'error'}`, 'data-line': String(p.line || 0) }, b);
  };
  const setMarks = (problems) => {
    marks = new Map();
    for (const p of problems) {
      if (!p.line) continue;
      const m = marks.get(p.line) || { severity: 'warning', messages: [] };
      if ((p.severity || 'error') === 'error') m.severity = 'error';
      m.messages.push(p.message);
      marks.set(p.line, m);
    }
    renderGutter();
  };
  // showProblems lists problems under the editor and marks the lines of
  // marked (by default the same) in the gutter.
  const showProblems = (listed, marked = listed) => {
    problemList.replaceChildren(...listed.map(problemItem));
    setMarks(marked);
  };

  // ----- checking -----
  const runChecks = async () => {
    clearTimeout(ed.timer);
    const seq = ++ed.seq;
    if (ed.controller) ed.controller.abort();
    const ctrl = new AbortController();
    ed.controller = ctrl;
    const stale = () => seq !== ed.seq || ed.closed;
    // Saying "Checking…" at every pause in typing would be read out each
    // time; the class shows it without a word.
    status.classList.add('checking');
    try {
      await check(ta.value, ctrl.signal, stale);
    } catch (e) {
      if (e.name === 'AbortError' || stale()) return;
      status.textContent = `The draft could not be checked: ${e.message}`;
    } finally {
      if (seq === ed.seq) status.classList.remove('checking');
    }
  };
  const scheduleChecks = () => {
    clearTimeout(ed.timer);
    ed.timer = setTimeout(runChecks, 400);
  };

  ta.addEventListener('input', () => {
    renderGutter();
    if (onInput) onInput();
    scheduleChecks();
  });
  ta.addEventListener('scroll', syncGutter);
  for (const ev of ['click', 'keyup', 'select']) ta.addEventListener(ev, markCurrentLine);
  // The textarea can be resized; the gutter follows its height.
  new ResizeObserver(syncGutter).observe(ta);
  renderGutter();

  // replaceDraft puts new text in the editor, keeping the caret near
  // where it was, and checks it.
  const replaceDraft = (newText) => {
    const pos = ta.selectionStart;
    const top = ta.scrollTop;
    ta.value = newText;
    ta.setSelectionRange(Math.min(pos, newText.length), Math.min(pos, newText.length));
    ta.scrollTop = top;
    renderGutter();
    runChecks();
  };

  return { ta, status, problemItem, showProblems, runChecks, replaceDraft };
}

// versionHistory runs the version history (tpl-versions) of the editor
// on show: a row for each version, to open in the editor or download, and
// a comparison of two versions, or of one with the draft, line by line.
// list() fetches the versions; source(n) fetches version n's text;
// where(v) says where a version came from; download(v) gives its link's
// href and file name; onLoad(versions, fresh) runs once they are shown.
function versionHistory(ed, lines, { list, source, where, download, saveStatus, onLoad }) {
  const sources = {};
  const sourceOf = async (v) => {
    if (v === 'draft') return lines.ta.value;
    if (!(v in sources)) sources[v] = await source(v);
    return sources[v];
  };
  const rowsEl = $('#version-rows');
  const compare = $('#compare');
  const from = $('#compare-from');
  const to = $('#compare-to');
  const diffBox = $('#diff');
  const diffSummary = $('#diff-summary');
  const versionName = (v) => (v === 'draft' ? 'your draft' : `version ${v}`);
  const showDiff = async () => {
    const a = from.value, b = to.value;
    diffSummary.textContent = 'Comparing…';
    try {
      const [oldText, newText] = await Promise.all([sourceOf(a), sourceOf(b)]);
      if (ed.closed) return;
      const ops = diffLines(oldText, newText);
      const added = ops.filter((o) => o.kind === 'add').length;
      const removed = ops.filter((o) => o.kind === 'del').length;
      if (!added && !removed) {
        diffSummary.textContent = `No differences between ${versionName(a)} and ${versionName(b)}.`;
        diffBox.hidden = true;
        return;
      }
      diffSummary.textContent = `From ${versionName(a)} to ${versionName(b)}: ${plural(added, 'line', 'lines')} added, ${plural(removed, 'line', 'lines')} removed.`;
      renderDiff(diffBox, ops);
      diffBox.hidden = false;
    } catch (e) {
      diffSummary.textContent = `The versions could not be compared: ${e.message}`;
      diffBox.hidden = true;
    }
  };
  // load shows the versions; after a save (fresh), what the save changed.
  const load = async (fresh) => {
    let versions;
    try {
      versions = await list();
    } catch (e) {
      if (!ed.closed) rowsEl.replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'error', text: e.message })));
      return;
    }
    if (ed.closed) return;
    versions = [...versions].sort((a, b) => a.version - b.version);
    $('.empty-versions').hidden = versions.length > 0;
    $('#version-table').hidden = versions.length === 0;
    compare.hidden = versions.length === 0;
    rowsEl.replaceChildren();
    const latest = latestVersion(versions);
    if (onLoad) onLoad(versions, fresh);
    for (const v of versions) {
      const open = el('button', { type: 'button', class: 'small-btn', text: 'Open in editor', 'aria-label': `Open version ${v.version} in the editor` });
      open.addEventListener('click', async () => {
        if (ed.dirty() && !confirm(`Replace your draft with version ${v.version}? Your changes are not saved.`)) return;
        try {
          const src = await sourceOf(v.version);
          lines.replaceDraft(src);
          ed.baseline = src;
          saveStatus.className = 'save-status';
          saveStatus.textContent = v.version === latest ? `Opened version ${v.version}, the latest.`
            : `Opened version ${v.version}. Saving it makes it version ${latest + 1}.`;
          lines.ta.focus();
        } catch (e) {
          saveStatus.textContent = e.message;
        }
      });
      const dl = download(v);
      const link = el('a', { class: 'button-link quiet', href: dl.href, download: dl.name || '', text: 'Download', 'aria-label': `Download version ${v.version}` });
      rowsEl.append(el('tr', { 'data-version': String(v.version) },
        el('td', { text: v.version === latest ? `${v.version} (latest)` : String(v.version) }),
        el('td', { text: where(v) }),
        el('td', { text: v.author || '—' }),
        el('td', { text: v.saved ? formatDate(v.saved) : '—' }),
        el('td', { class: 'row-actions' }, open, link)));
    }
    const keepFrom = from.value, keepTo = to.value;
    from.replaceChildren(...versions.map((v) => el('option', { value: String(v.version), text: `Version ${v.version}` })));
    to.replaceChildren(...versions.map((v) => el('option', { value: String(v.version), text: `Version ${v.version}` })),
      el('option', { value: 'draft', text: 'Your draft (as it is now)' }));
    if (versions.length >= 2) {
      // After a save, show what it changed.
      from.value = fresh || !keepFrom ? String(versions[versions.length - 2].version) : keepFrom;
      to.value = fresh || !keepTo ? String(latest) : keepTo;
      await showDiff();
    } else if (versions.length === 1) {
      from.value = String(latest);
      to.value = 'draft';
    }
  };
  compare.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showDiff();
  });
  from.addEventListener('change', showDiff);
  to.addEventListener('change', showDiff);
  return {
    load,
    source: sourceOf,
    // forget drops the texts fetched so far, when they were another
    // file's.
    forget() { for (const k of Object.keys(sources)) delete sources[k]; },
  };
}

// diffLines compares two texts line by line through their longest common
// subsequence, and returns the lines as kept, removed or added, each with
// its line numbers in the old and new text.
function diffLines(oldText, newText) {
  const a = oldText.split('\n'), b = newText.split('\n');
  // The common start and end cost nothing; only the middle needs the table.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length, endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const n = endA - start, m = endB - start, w = m + 1;
  const ops = [];
  for (let i = 0; i < start; i++) ops.push({ kind: 'same', text: a[i], a: i + 1, b: i + 1 });
  // lcs[i*w+j] is the length of the longest common subsequence of the
  // middles from line i of the old and line j of the new.
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      ops.push({ kind: 'same', text: a[start + i], a: start + i + 1, b: start + j + 1 });
      i++; j++;
    } else if (j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
      ops.push({ kind: 'del', text: a[start + i], a: start + i + 1 });
      i++;
    } else {
      ops.push({ kind: 'add', text: b[start + j], b: start + j + 1 });
      j++;
    }
  }
  for (let k = 0; k < a.length - endA; k++) ops.push({ kind: 'same', text: a[endA + k], a: endA + k + 1, b: endB + k + 1 });
  return ops;
}

// renderDiff shows a diff's changed lines with a few unchanged lines
// around each, as text.
function renderDiff(box, ops) {
  const context = 3;
  const near = new Uint8Array(ops.length);
  ops.forEach((op, k) => {
    if (op.kind === 'same') return;
    for (let d = Math.max(0, k - context); d <= Math.min(ops.length - 1, k + context); d++) near[d] = 1;
  });
  box.replaceChildren();
  let skipped = 0;
  const flush = () => {
    if (skipped) box.append(el('div', { class: 'diff-skip', text: `… ${skipped} unchanged ${skipped === 1 ? 'line' : 'lines'} …` }));
    skipped = 0;
  };
  ops.forEach((op, k) => {
    if (!near[k]) { skipped++; return; }
    flush();
    const row = el('div', { class: `diff-line ${op.kind}` });
    row.append(el('span', { class: 'no', 'aria-hidden': 'true', text: op.a ? String(op.a) : '' }),
      el('span', { class: 'no', 'aria-hidden': 'true', text: op.b ? String(op.b) : '' }),
      el('span', { class: 'sign', 'aria-hidden': 'true', text: op.kind === 'add' ? '+' : op.kind === 'del' ? '−' : ' ' }));
    const body = el(op.kind === 'add' ? 'ins' : op.kind === 'del' ? 'del' : 'span', { class: 'code' });
    if (op.kind !== 'same') body.append(el('span', { class: 'sr-only', text: op.kind === 'add' ? `Added, line ${op.b}: ` : `Removed, line ${op.a}: ` }));
    body.append(document.createTextNode(op.text));
    row.append(body);
    box.append(row);
  });
  flush();
}

// ---------- authoring ----------

// importedDraft is a file read on the list page, handed to the editor.
let importedDraft = null;
// The editor's route for a draft that is not saved yet. Scenario ids are
// lowercase letters, digits and hyphens, so none can be ":new".
const newDraft = ':new';

function scenarioPath(id, rest = '') {
  return `/api/scenarios/${encodeURIComponent(id)}${rest}`;
}

// base64 encodes text as UTF-8, for a data: URL.
function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

async function showAuthorList() {
  closeSession();
  const f = template('tpl-author-list');
  show(f, 'Authoring');
  const rows = $('#author-rows');
  const importErr = $('#import-error');
  $('#new-scenario').addEventListener('click', () => {
    importedDraft = null;
    location.hash = `#/author/${newDraft}`;
  });
  $('#import-file').addEventListener('change', (ev) => {
    importErr.textContent = '';
    const file = ev.target.files[0];
    if (!file) return;
    if (file.size > 64 << 10) {
      importErr.textContent = `${file.name} is larger than a scenario can be (64 KB).`;
      return;
    }
    const reader = new FileReader();
    reader.onload = () => {
      importedDraft = { text: String(reader.result), name: file.name };
      location.hash = `#/author/${newDraft}`;
    };
    reader.onerror = () => { importErr.textContent = `${file.name} could not be read.`; };
    reader.readAsText(file);
  });
  let items;
  try {
    items = await api('GET', '/api/scenarios');
  } catch (e) {
    rows.replaceChildren(el('tr', {}, el('td', { colspan: '4', class: 'error', text: e.message })));
    return;
  }
  rows.replaceChildren();
  for (const s of items) {
    const name = el('td');
    name.append(el('span', { class: 'scenario-title', text: s.title }), el('span', { class: 'muted small scenario-id', text: s.id }));
    const actions = el('td', { class: 'row-actions' });
    actions.append(el('a', { class: 'button-link', href: `#/author/${encodeURIComponent(s.id)}`, 'aria-label': `Edit ${s.title}`, text: 'Edit' }),
      el('a', { class: 'button-link quiet', href: scenarioPath(s.id, '/source?download=1'), download: '', 'aria-label': `Download ${s.title}`, text: 'Download' }));
    rows.append(el('tr', { 'data-id': s.id }, name, el('td', { text: label(s.rupture_type) }), el('td', { text: String(s.version || '') }), actions));
  }
}

// playtestPane runs the editor's playtest: the draft, as it is at each
// step, is played with every response so far on the same seed, so that
// the server keeps nothing between steps.
function playtestPane(ed, draft) {
  const pt = { seed: 0, responses: [], busy: false };
  const ptList = $('#pt-transcript');
  const ptForm = $('#pt-form');
  const ptText = $('#pt-response');
  const ptStatus = $('#pt-status');
  const ptErr = $('#pt-error');
  const ptStart = $('#pt-start');
  const ptReset = $('#pt-reset');
  const stageName = (stage) => (stage === 'repaired' || stage === 'unrepaired' ? `ending “${stage}”` : `stage “${stage}”`);
  const renderPlaytest = (res) => {
    ptList.replaceChildren();
    const client = res.client_name || 'Client';
    for (const t of res.turns) {
      const li = lineNode(t.n, t.speaker, t.text, evidenceOf(t.scores), client);
      if (t.speaker === 'client' && t.stage) li.querySelector('.speaker').textContent = `${client} · ${stageName(t.stage)}`;
      if (t.speaker === 'trainee' && t.scores) {
        const parts = criteria.filter(([id]) => t.scores[id]).map(([id, name]) => `${name} ${t.scores[id].score}/${scale.max}`);
        if (t.overall !== undefined && t.overall !== null) parts.push(`overall ${t.overall}/100`);
        li.append(el('span', { class: 'scores', text: parts.join(' · ') }));
      }
      ptList.append(li);
    }
    const ended = res.status === 'ended';
    const last = res.turns[res.turns.length - 1];
    if (last && last.speaker === 'client') announce(`The client says: ${last.text}`);
    ptForm.hidden = ended;
    ptStatus.textContent = ended ? `Ended: ${outcomes[res.outcome] || res.outcome}.`
      : `The client is at ${stageName(res.stage)}. ${plural(pt.responses.length, 'response', 'responses')} so far.`;
  };
  const runPlaytest = async () => {
    pt.busy = true;
    ptErr.textContent = '';
    for (const b of $('.playtest').querySelectorAll('button')) b.disabled = true;
    try {
      const res = await api('POST', '/api/scenarios/playtest', { yaml: draft(), responses: pt.responses, seed: pt.seed });
      if (ed.closed) return false;
      renderPlaytest(res);
      return true;
    } catch (e) {
      ptErr.textContent = e.problems && e.problems.length ? 'The draft has problems; fix them, then try again.' : e.message;
      return false;
    } finally {
      pt.busy = false;
      for (const b of $('.playtest').querySelectorAll('button')) b.disabled = false;
    }
  };
  ptStart.addEventListener('click', async () => {
    pt.seed = Math.floor(Math.random() * 2 ** 31);
    pt.responses = [];
    if (await runPlaytest()) {
      ptStart.hidden = true;
      ptReset.hidden = false;
      ptText.focus();
    }
  });
  ptForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = ptText.value.trim();
    if (!value) { ptErr.textContent = 'Write a response first.'; return; }
    if (pt.busy) return;
    pt.responses.push(value);
    if (await runPlaytest()) {
      ptText.value = '';
      if (!ptForm.hidden) ptText.focus();
      else ptReset.focus();
    } else {
      pt.responses.pop();
    }
  });
  ptText.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      ptForm.requestSubmit();
    }
  });
  ptReset.addEventListener('click', () => {
    pt.responses = [];
    ptList.replaceChildren();
    ptStatus.textContent = '';
    ptErr.textContent = '';
    ptForm.hidden = true;
    ptText.value = '';
    ptReset.hidden = true;
    ptStart.hidden = false;
    ptStart.focus();
  });
}

// editorPage shows an editor page (the scenario's or the rubric's) and
// returns the parts both have: the source, its editor and the save row.
function editorPage(templateId, title) {
  closeSession();
  const f = template(templateId);
  fillSlots(f);
  show(f, title, true);
  const ta = $('#source');
  return { ta, ed: openEditor(ta), saveBtn: $('#save'), saveStatus: $('#save-status'), download: $('#download') };
}

async function showAuthorEditor(routeId) {
  const { ta, ed, saveBtn, saveStatus, download } = editorPage('tpl-author-editor', 'Authoring');

  const checks = $('#checks');
  const img = $('#graph');
  const graphNote = $('#graph-note');
  const share = $('#share');
  const title = $('.author-head .title');
  // Only someone in a cohort can keep a scenario to it.
  if (!me.cohort) share.querySelector('option[value="cohort"]').remove();
  // scenarioId is the saved scenario the draft belongs to; empty until a
  // new draft is first saved.
  let scenarioId = routeId === newDraft ? '' : routeId;
  let opened = '';

  // ----- loading -----
  let text;
  try {
    if (scenarioId) {
      text = await (await fetchRaw('GET', scenarioPath(scenarioId, '/source'))).text();
    } else if (importedDraft) {
      text = importedDraft.text;
      opened = `Imported from ${importedDraft.name}; not saved yet.`;
      importedDraft = null;
    } else {
      text = await (await fetchRaw('GET', '/api/scenario-template')).text();
      opened = 'A new scenario from the template. Give it an id of its own (near the top), then fill in each part.';
    }
  } catch (e) {
    title.textContent = e.status === 404 ? 'Scenario not found' : 'This scenario could not be opened';
    saveStatus.textContent = e.message;
    $('.author-grid').hidden = true;
    $('.versions').hidden = true;
    $('.author-actions').hidden = true;
    return;
  }
  if (ed.closed) return;
  ed.baseline = text;
  ta.value = text;
  saveStatus.textContent = opened;
  if (restoreDraft(ta)) saveStatus.textContent = 'Your unsaved draft from before you were logged out is back. Save it to keep it.';

  const setHeading = () => {
    const t = yamlField(ta.value, 'title') || yamlField(ta.value, 'id') || 'New scenario';
    title.textContent = t;
    document.title = `${t} · Authoring · repairgym`;
    $('#draft-tag').hidden = !!scenarioId;
    download.hidden = !scenarioId;
    if (scenarioId) {
      download.href = scenarioPath(scenarioId, '/source?download=1');
      download.setAttribute('aria-label', `Download the latest saved version of ${t}`);
    }
  };
  setHeading();

  // ----- checks -----
  const graphSize = $('#graph-size');
  const showGraph = (svgText) => {
    img.src = `data:image/svg+xml;base64,${base64(svgText)}`;
    img.alt = 'Map of the draft’s stages: each stage as a box, with arrows to where each kind of response leads.';
    img.hidden = false;
    graphSize.hidden = false;
    img.classList.remove('stale');
    graphNote.textContent = '';
  };
  const staleGraph = (why) => {
    graphNote.textContent = img.hidden ? why : `${why} Until then it shows the draft as it was.`;
    img.classList.add('stale');
  };
  graphSize.addEventListener('click', () => {
    const full = $('#graph-box').classList.toggle('full');
    graphSize.textContent = full ? 'Fit to the box' : 'Full size';
  });
  const renderChecks = (warnings, tests) => {
    checks.replaceChildren();
    if (warnings.length) {
      checks.append(el('h3', { text: plural(warnings.length, 'Warning', 'Warnings') }));
      const ul = el('ul', { class: 'problem-list' });
      for (const p of warnings) ul.append(lines.problemItem(p));
      checks.append(ul);
    }
    checks.append(el('h3', { text: 'Tests' }));
    if (!tests.length) {
      checks.append(el('p', { class: 'muted', text: 'This scenario has no tests. Tests at the end of the file say where given responses should lead.' }));
      return;
    }
    const ul = el('ul', { class: 'tests' });
    for (const t of tests) {
      const li = el('li', { class: `test ${t.passed ? 'passed' : 'failed'}` });
      li.append(el('span', { class: 'verdict-tag', text: t.passed ? 'Passes' : 'Fails' }), el('span', { class: 'test-name', text: t.name }));
      if (t.path && t.path.length) li.append(el('span', { class: 'muted small test-path', text: `Path taken: ${t.path.join(' → ')}` }));
      if (t.failure) li.append(el('span', { class: 'test-failure', text: t.failure }));
      ul.append(li);
    }
    checks.append(ul);
  };
  // checkDraft validates the draft and, once it reads well, lints it,
  // runs its tests and draws its map.
  const checkDraft = async (draft, signal, stale) => {
    const v = await (await fetchRaw('POST', '/api/scenarios/validate', draft, signal)).json();
    if (stale()) return;
    if (!v.valid) {
      const problems = v.problems.map((p) => ({ ...p, severity: 'error' }));
      lines.showProblems(problems);
      lines.status.textContent = `${plural(problems.length, 'problem', 'problems')} to fix. Select one to go to its line.`;
      checks.replaceChildren(el('p', { class: 'muted', text: 'Waiting for the problems to be fixed.' }));
      staleGraph('The map is redrawn once the problems are fixed.');
      return;
    }
    // The file reads well: what is left to find, lint finds.
    lines.showProblems([]);
    const [lint, graph] = await Promise.all([
      fetchRaw('POST', '/api/scenarios/lint', draft, signal).then((r) => r.json()),
      fetchRaw('POST', '/api/scenarios/graph.svg', draft, signal).then((r) => r.text()).catch((e) => {
        if (e.name === 'AbortError') throw e;
        return null;
      }),
    ]);
    if (stale()) return;
    const errors = lint.problems.filter((p) => p.severity !== 'warning');
    const warnings = lint.problems.filter((p) => p.severity === 'warning');
    lines.showProblems(errors, lint.problems);
    renderChecks(warnings, lint.tests || []);
    if (graph !== null) showGraph(graph);
    else staleGraph('The map could not be drawn.');
    const failed = (lint.tests || []).filter((t) => !t.passed).length;
    const parts = [errors.length ? `${plural(errors.length, 'problem', 'problems')} to fix.` : 'No problems.'];
    const n = lint.tests ? lint.tests.length : 0;
    if (n) parts.push(failed ? `${failed} of ${plural(n, 'test', 'tests')} ${failed === 1 ? 'fails' : 'fail'}.` : n === 1 ? 'The test passes.' : `All ${n} tests pass.`);
    if (warnings.length) parts.push(`${plural(warnings.length, 'warning', 'warnings')}.`);
    lines.status.textContent = parts.join(' ');
  };
  const lines = lineEditor(ed, { check: checkDraft, onInput: setHeading });

  // ----- saving -----
  const save = async () => {
    saveStatus.textContent = '';
    saveStatus.className = 'save-status';
    let draft = ta.value;
    const id = yamlField(draft, 'id');
    if (!id) {
      saveStatus.textContent = 'Not saved: the file needs an id near the top, such as “id: my-scenario”.';
      saveStatus.classList.add('error');
      return;
    }
    saveBtn.disabled = true;
    try {
      let latest = 0;
      try {
        latest = latestVersion(await api('GET', scenarioPath(id, '/versions')));
      } catch (e) {
        if (e.status !== 404) throw e; // 404: a new scenario
      }
      if (latest && id !== scenarioId &&
        !confirm(`A scenario with the id “${id}” already exists (version ${latest}). Saving makes this draft its next version, which trainees will then practise instead. Save anyway?`)) {
        // A draft whose id is another scenario's would become that
        // scenario's next version, replacing it for trainees.
        throw new Error(`a scenario with the id “${id}” already exists. Change the id near the top to a name of your own, or save to replace it.`);
      }
      const notes = [];
      const version = parseInt(yamlField(draft, 'version'), 10);
      if (latest && !(version > latest) && /^version:/m.test(draft)) {
        draft = withVersion(draft, latest + 1);
        lines.replaceDraft(draft);
        notes.push(`Version ${latest} is already saved, so the draft’s version was raised to ${latest + 1}.`);
      }
      if (scenarioId && id !== scenarioId && !latest) notes.push(`The id is now “${id}”, so this was saved as a scenario of its own.`);
      const put = () => fetchRaw('PUT', scenarioPath(id, `?share=${share.value}`), draft);
      let res;
      try {
        res = await put();
      } catch (e) {
        // Another cohort's version may hold the next number: the server
        // says which is the latest, and the draft goes above it.
        if (e.status !== 409 || !e.latest) throw e;
        draft = withVersion(draft, e.latest + 1);
        lines.replaceDraft(draft);
        notes.push(`Version ${e.latest} was already saved for another cohort, so the draft’s version was raised to ${e.latest + 1}.`);
        res = await put();
      }
      const out = await res.json();
      ed.baseline = draft;
      const scope = out.cohort ? `It is kept to your cohort, ${out.cohort}.` : 'Everyone in the program can practise it.';
      saveStatus.textContent = [`Saved version ${out.version}.`, scope, ...notes].join(' ');
      saveStatus.classList.add('saved');
      if (id !== scenarioId) {
        scenarioId = id;
        // Versions fetched so far were another scenario's.
        versionsPane.forget();
        // The page stays as it is: only its address changes.
        history.replaceState(null, '', `#/author/${encodeURIComponent(id)}`);
        lastHash = location.hash;
        ed.hash = location.hash;
      }
      setHeading();
      await versionsPane.load(true);
    } catch (e) {
      if (e.problems && e.problems.length) lines.showProblems(e.problems.map((p) => ({ ...p, severity: p.severity || 'error' })));
      saveStatus.textContent = `Not saved: ${e.message}`;
      saveStatus.classList.add('error');
    } finally {
      saveBtn.disabled = false;
    }
  };
  saveBtn.addEventListener('click', save);
  onSaveKey($('.author'), save);

  playtestPane(ed, () => ta.value);

  // ----- versions -----
  const versionsPane = versionHistory(ed, lines, {
    saveStatus,
    list: async () => {
      if (!scenarioId) return [];
      try {
        return await api('GET', scenarioPath(scenarioId, '/versions'));
      } catch (e) {
        if (e.status === 404) return [];
        throw e;
      }
    },
    source: async (v) => (await fetchRaw('GET', scenarioPath(scenarioId, `/source?version=${v}`))).text(),
    where: (v) => (v.origin === 'library' ? 'Built-in library' : 'Saved here') + (v.cohort ? ` · kept to ${v.cohort}` : ''),
    download: (v) => ({ href: scenarioPath(scenarioId, `/source?version=${v.version}&download=1`) }),
    onLoad: (versions, fresh) => {
      // A scenario kept to the cohort stays so unless the author says not.
      if (!fresh && versions.length && versions[versions.length - 1].cohort && share.querySelector('option[value="cohort"]')) share.value = 'cohort';
    },
  });

  await Promise.all([lines.runChecks(), versionsPane.load(false)]);
}

// ---------- rubric ----------

// The offline grader scores the three built-in criteria, the ones feedback
// shows, and leaves any other out.
const offlineCriteria = new Set(builtInCriteria.map(([id]) => id));

// weightText writes a weight as a file would: 0.4, 0.25.
function weightText(w) { return String(Math.round(w * 1000) / 1000); }

// renderRubric shows a rubric as text to read: the criteria with their
// weights and share of the overall, and what each level looks like.
function renderRubric(box, r) {
  const total = r.criteria.reduce((s, c) => s + c.weight, 0);
  const offlineTotal = r.criteria.filter((c) => offlineCriteria.has(c.id)).reduce((s, c) => s + c.weight, 0);
  // With criteria of the program's own, the offline grader's overall is
  // weighed differently: both are shown.
  const ownCriteria = r.criteria.some((c) => !offlineCriteria.has(c.id));
  const share = (w, of) => (of > 0 ? `${Math.round((100 * w) / of)}%` : '—');
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Criterion' }), el('th', { scope: 'col', text: 'Weight' }),
    el('th', { scope: 'col', text: 'Share of the overall' }));
  if (ownCriteria) head.append(el('th', { scope: 'col', text: 'Without a language model' }));
  const body = el('tbody');
  for (const c of r.criteria) {
    const tr = el('tr', { 'data-criterion': c.id }, el('th', { scope: 'row', text: c.name }), el('td', { text: weightText(c.weight) }),
      el('td', { text: share(c.weight, total) }));
    if (ownCriteria) tr.append(el('td', { text: offlineCriteria.has(c.id) ? share(c.weight, offlineTotal) : 'not scored' }));
    body.append(tr);
  }
  box.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { class: 'weights' }, el('thead', {}, head), body)));
  for (const c of r.criteria) {
    const sec = el('section', { class: 'criterion', 'data-criterion': c.id });
    sec.append(el('h3', {}, document.createTextNode(c.name), el('span', { class: 'criterion-id', text: c.id })));
    sec.append(el('p', { class: 'question', text: c.question }));
    let weight = `Weight ${weightText(c.weight)}.`;
    if (!offlineCriteria.has(c.id)) weight += ' Scored only when your program uses a language model for scoring.';
    sec.append(el('p', { class: 'muted small weight', text: weight }));
    const ol = el('ol', { class: 'levels', 'aria-label': `Levels of ${c.name}` });
    for (const l of c.levels) {
      ol.append(el('li', { 'data-score': String(l.score) },
        el('span', { class: 'level-head' }, el('span', { class: 'level-score', text: String(l.score) }), el('span', { class: 'level-name', text: l.name })),
        el('span', { class: 'anchor', text: l.anchor })));
    }
    sec.append(ol);
    box.append(sec);
  }
}

async function showRubric() {
  const { ta, ed, saveBtn, saveStatus, download } = editorPage('tpl-rubric', 'Rubric');
  const versionTag = $('#rubric-version');
  $('#source-help').textContent = 'Indent with spaces, not tabs: the indentation shows which part each line belongs to. Problems appear below a moment after you stop typing. Saving (or Ctrl+S, ⌘+S on a Mac) puts a new version in force.';

  // showInForce shows the rubric in force beside the editor.
  const showInForce = async () => {
    const r = await api('GET', '/api/rubric');
    if (ed.closed) return;
    versionTag.textContent = `Version ${r.version} in force`;
    versionTag.hidden = false;
    download.download = `rubric-version-${r.version}.yaml`;
    $('#preview-meta').textContent = `${r.title}, version ${r.version}. Each criterion is scored from ${r.min} to ${r.max}; the overall is out of 100.`;
    renderRubric($('#rubric-preview'), r);
  };

  let text;
  try {
    [text] = await Promise.all([fetchRaw('GET', '/api/rubric/source').then((res) => res.text()), showInForce()]);
  } catch (e) {
    saveStatus.textContent = `The rubric could not be opened. ${e.message}`;
    saveStatus.classList.add('error');
    $('.rubric-intro').hidden = true;
    $('.author-grid').hidden = true;
    $('.versions').hidden = true;
    $('.author-actions').hidden = true;
    return;
  }
  if (ed.closed) return;
  ed.baseline = text;
  ta.value = text;
  if (restoreDraft(ta)) saveStatus.textContent = 'Your unsaved draft from before you were logged out is back. Save it to keep it.';

  const lines = lineEditor(ed, {
    check: async (draft, signal, stale) => {
      const v = await (await fetchRaw('POST', '/api/rubric/validate', draft, signal)).json();
      if (stale()) return;
      const problems = (v.problems || []).map((p) => ({ ...p, severity: 'error' }));
      lines.showProblems(problems);
      lines.status.textContent = problems.length
        ? `${plural(problems.length, 'problem', 'problems')} to fix. Select one to go to its line.`
        : 'No problems.';
    },
  });

  const versionsPane = versionHistory(ed, lines, {
    saveStatus,
    list: () => api('GET', '/api/rubric/versions'),
    source: async (v) => (await fetchRaw('GET', `/api/rubric/source?version=${encodeURIComponent(v)}`)).text(),
    where: (v) => (v.origin === 'library' ? 'Built in' : 'Saved here'),
    download: (v) => ({ href: `/api/rubric/source?version=${v.version}`, name: `rubric-version-${v.version}.yaml` }),
  });

  // ----- saving -----
  const inForceVersion = async () => latestVersion(await api('GET', '/api/rubric/versions'));
  const save = async () => {
    saveStatus.textContent = '';
    saveStatus.className = 'save-status';
    saveBtn.disabled = true;
    let draft = ta.value;
    const notes = [];
    // raise puts the draft's version just above n.
    const raise = (n, why) => {
      draft = withVersion(draft, n + 1);
      lines.replaceDraft(draft);
      notes.push(why);
    };
    try {
      const latest = await inForceVersion();
      if (draft === await versionsPane.source(latest)) {
        saveStatus.textContent = `Nothing to save: the draft is the same as version ${latest}, the one in force.`;
        return;
      }
      const version = parseInt(yamlField(draft, 'version'), 10);
      if (!(version > latest) && /^version:/m.test(draft)) {
        raise(latest, `Version ${latest} was in force, so the draft’s version was raised to ${latest + 1}.`);
      }
      const put = () => fetchRaw('PUT', '/api/rubric', draft);
      let res;
      try {
        res = await put();
      } catch (e) {
        // Someone else may have saved a version in the meantime.
        if (e.status !== 409) throw e;
        const now = await inForceVersion();
        raise(now, `Version ${now} was saved in the meantime, so the draft’s version was raised to ${now + 1}.`);
        res = await put();
      }
      const out = await res.json();
      ed.baseline = draft;
      saveStatus.textContent = [`Saved version ${out.version}.`,
        'It is in force now: sessions started from now on are scored with it, and sessions under way keep the version they began with.',
        ...notes].join(' ');
      saveStatus.classList.add('saved');
      await Promise.all([showInForce(), versionsPane.load(true)]);
    } catch (e) {
      if (e.problems && e.problems.length) lines.showProblems(e.problems.map((p) => ({ ...p, severity: 'error' })));
      // A raised version stays raised: say so, or the change is a puzzle.
      saveStatus.textContent = [`Not saved: ${e.message}`, ...notes].join(' ');
      saveStatus.classList.add('error');
    } finally {
      saveBtn.disabled = false;
    }
  };
  saveBtn.addEventListener('click', save);
  onSaveKey($('.author'), save);

  await Promise.all([lines.runChecks(), versionsPane.load(false)]);
}

// ---------- routing ----------

async function route() {
  if (!me) {
    try {
      me = await api('GET', '/api/me');
      startApp();
    } catch {
      showLogin();
      return;
    }
  }
  lastHash = location.hash;
  closeEditor();
  const [, view, id] = location.hash.split('/');
  switch (view) {
    case 'practice': return showPractice(id);
    case 'recognise': return showRecognition(id);
    case 'author':
      if (me.role !== 'supervisor' && me.role !== 'admin') {
        closeSession();
        show(el('section', {}, el('h1', { text: 'Authoring' }), el('p', { text: 'Writing scenarios is for supervisors. Ask yours if you have a scenario in mind.' })), 'Authoring');
        return;
      }
      return id ? showAuthorEditor(decodeURIComponent(id)) : showAuthorList();
    case 'rubric':
      if (me.role !== 'supervisor' && me.role !== 'admin') {
        closeSession();
        show(el('section', {}, el('h1', { text: 'Rubric' }), el('p', { text: 'Changing the rubric is for supervisors. The feedback after each of your responses shows how it was scored on each criterion.' })), 'Rubric');
        return;
      }
      return showRubric();
    case 'history': return id ? showTranscript(id) : showHistory(false);
    case 'progress': closeSession(); return showProgress(id ? decodeURIComponent(id) : '');
    case 'cohort':
      closeSession();
      if (me.role !== 'supervisor' && me.role !== 'admin') return showProgress('');
      return showCohort();
    case 'sessions': return id ? showTranscript(id) : showHistory(true);
    case 'users': return showUsers();
    case 'login':
    case 'library':
    default:
      closeSession();
      return showLibrary();
  }
}

// lastHash is the route on show, to go back to when leaving the editor
// is called off.
let lastHash = '';

// Only hashes of the form #/view/id are routes; others, such as the skip
// link's #main, are ordinary in-page links.
window.addEventListener('hashchange', () => {
  if (!(location.hash === '' || location.hash.startsWith('#/'))) return;
  if (!leaveEditor()) {
    // replaceState fires no hashchange: the editor stays as it is.
    history.replaceState(null, '', lastHash || '#/author');
    return;
  }
  route();
});
document.addEventListener('DOMContentLoaded', () => {
  $('#logout').addEventListener('click', logout);
  $('.skip').addEventListener('click', (ev) => {
    // Focus the content without changing the hash, so that the page
    // stays where it is and the back button is not disturbed.
    ev.preventDefault();
    $('#main').focus();
  });
  route();
});
