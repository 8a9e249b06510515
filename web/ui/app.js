// repairgym browser app. Every piece of text from the server or a user is
// put into the page with textContent, never as HTML.
'use strict';

const criteria = [
  ['validation', 'Validation'],
  ['non_defensiveness', 'Non-defensiveness'],
  ['exploration', 'Exploration'],
];
const outcomes = {
  repaired: 'Repaired — the client felt heard',
  unrepaired: 'Unrepaired — the rupture is still open',
  abandoned: 'Left before the end',
};
// The same outcomes in a word or two, for tables.
const outcomesShort = { repaired: 'Repaired', unrepaired: 'Unrepaired', abandoned: 'Left before the end' };

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

function announce(text) {
  const a = $('#announce');
  a.textContent = '';
  setTimeout(() => { a.textContent = text; }, 50);
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
    showLogin();
    throw new Error('Please log in again.');
  }
  if (!res.ok) {
    const msg = data && data.error ? sentence(data.error.message) : 'Something went wrong on the server. Try again in a moment.';
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }
  return data;
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

function show(fragment, title) {
  const main = $('#main');
  main.replaceChildren(fragment);
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
  await load();
}

async function startSession(id, mode, button) {
  button.disabled = true;
  try {
    const s = await api('POST', '/api/sessions', { scenario_id: id, persona: 'scripted', mode });
    location.hash = `#/practice/${s.id}`;
  } catch (e) {
    button.disabled = false;
    alert(e.message);
  }
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
    const bar = el('div', { class: 'bar', role: 'img', 'aria-label': `${name}: ${sc.score} out of 4` });
    const track = el('div', { class: 'track' });
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${sc.score * 25}%`;
    track.append(fill);
    bar.append(track, el('span', { text: `${sc.score}/4` }));
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

function renderTranscript(list, session, feedbackByTurn) {
  list.replaceChildren();
  for (const t of session.turns || []) {
    for (const a of t.attempts || []) {
      const li = lineNode(t.n, 'trainee', a.text, []);
      li.classList.add('attempt');
      li.querySelector('.speaker').textContent = 'You (taken back)';
      list.append(li);
    }
    list.append(lineNode(t.n, t.speaker, t.text, evidenceOf(t.scores), session.client_name));
    const fb = feedbackByTurn && feedbackByTurn[t.n];
    if (fb) list.append(feedbackNode(fb));
  }
  for (const a of session.retracted || []) {
    const li = lineNode(0, 'trainee', a.text, []);
    li.classList.add('attempt');
    li.querySelector('.speaker').textContent = 'You (taken back)';
    list.append(li);
  }
}

function renderDebrief(box, outcome, summary) {
  box.hidden = false;
  box.replaceChildren(el('h2', { text: 'Session ended' }), el('p', { text: outcomes[outcome] || outcome }));
  if (!summary || !summary.responses) {
    box.append(el('p', { class: 'muted', text: 'No responses were given.' }));
    return;
  }
  const dl = el('dl');
  dl.append(el('dt', { text: 'Responses' }), el('dd', { text: `${summary.responses} (${summary.retries} taken back)` }));
  dl.append(el('dt', { text: 'Average score' }), el('dd', { text: `${Math.round(summary.overall)}/100` }));
  for (const [id, name] of criteria) {
    if (summary.means && id in summary.means) {
      dl.append(el('dt', { text: name }), el('dd', { text: summary.means[id].toFixed(1) + ' / 4' }));
    }
  }
  if (summary.flags) dl.append(el('dt', { text: 'Ruptures marked' }), el('dd', { text: `${summary.flags_correct} of ${summary.flags} right` }));
  box.append(dl);
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
  box.append(el('p', {}, el('a', { href: '#/library', text: 'Back to the scenarios' }), document.createTextNode(' · '),
    el('a', { href: '#/history', text: 'My sessions' })));
  box.querySelector('h2').setAttribute('tabindex', '-1');
  box.querySelector('h2').focus();
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

  const send = (msg) => {
    if (sess.ws && sess.ws.readyState === WebSocket.OPEN) {
      sess.ws.send(JSON.stringify(msg));
      return true;
    }
    return false;
  };

  const loadFeedback = async () => {
    try {
      const fbs = await api('GET', `/api/sessions/${encodeURIComponent(id)}/feedback`);
      sess.feedback = {};
      for (const fb of fbs) sess.feedback[fb.turn] = fb;
      if (sess.session && current === sess) renderTranscript(list, sess.session, sess.feedback);
    } catch { /* the transcript stands without it */ }
  };

  const applyState = (session) => {
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
    if (ended) renderDebrief($('#debrief'), session.outcome, session.summary);
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

  const connect = () => {
    if (sess.closed) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/sessions/${encodeURIComponent(id)}/ws`);
    sess.ws = ws;
    ws.onopen = () => { sess.tries = 0; setStatus(''); };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
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
          setBusy(false);
          text.value = '';
          counter.textContent = '0 / 4000';
          announce(`The client says: ${m.text}`);
          text.focus({ preventScroll: true });
          form.scrollIntoView({ block: 'end', behavior: 'smooth' });
          break;
        }
        case 'end':
          form.hidden = true;
          $('#pause').hidden = true;
          $('#end').hidden = true;
          setStatus(outcomes[m.outcome] || '');
          renderDebrief($('#debrief'), m.outcome, m.summary);
          sess.closed = true;
          break;
        case 'flag_result':
          // A mark is checked against the scenario's rupture, not the
          // single line, and the words say so.
          $('#flag-result').textContent = !('correct' in m) ? 'Marked. You will see how your marks compare at the end.'
            : m.correct ? 'Marked. That matches the kind of rupture this scenario is about.'
              : 'Marked. This scenario is mainly about the other kind of rupture, though a client can move both ways.';
          break;
        case 'error':
          err.textContent = sentence(m.message);
          sess.pendingText = null;
          dropPending();
          setBusy(false);
          break;
      }
    };
    ws.onclose = async (ev) => {
      if (sess.closed || current !== sess) return;
      if (ev.code === 1000 && sess.session && sess.session.status !== 'active') return;
      // A socket refused at the door closes without telling why: ask
      // over HTTP before trying again. A lost login goes to the login
      // page (api does that); a session that is gone stays gone.
      try {
        await api('GET', `/api/sessions/${encodeURIComponent(id)}`);
      } catch (e) {
        if (e.status === 404 || e.status === 403) {
          sess.closed = true;
          setBusy(true);
          setStatus('This session cannot be opened: it does not exist, or it is not yours. Go back to My sessions.');
          return;
        }
        if (!me) { sess.closed = true; return; }
      }
      if (sess.closed || current !== sess) return;
      // Reconnect with backoff; the server resumes from the state.
      sess.tries++;
      const wait = Math.min(10000, 500 * 2 ** Math.min(sess.tries, 5));
      setStatus(`Connection lost — reconnecting in ${Math.round(wait / 1000)} s…`);
      setTimeout(connect, wait);
    };
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
  const setFlagBox = (open) => {
    flagBox.hidden = !open;
    flagToggle.setAttribute('aria-expanded', String(open));
  };
  flagToggle.addEventListener('click', () => {
    setFlagBox(flagBox.hidden);
    if (!flagBox.hidden) flagBox.querySelector('input').focus();
  });
  $('#flag-send').addEventListener('click', () => {
    const chosen = form.querySelector('input[name="flag-type"]:checked');
    if (!chosen) { err.textContent = 'Choose confrontation or withdrawal.'; return; }
    if (!send({ type: 'flag', turn: sess.session.pending, rupture_type: chosen.value })) {
      err.textContent = 'Not connected — try again in a moment.';
      return;
    }
    setFlagBox(false);
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
  connect();
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
    const href = !mine ? `#/sessions/${s.id}` : s.status === 'ended' ? `#/history/${s.id}` : `#/practice/${s.id}`;
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
  $('.meta').textContent = `${session.trainee} · ${formatDate(session.started)} · ${label(session.mode)} · ${session.status === 'ended' ? outcomes[session.outcome] : label(session.status)}`;
  renderTranscript($('#conversation'), session, byTurn);
  if (session.status === 'ended') renderDebrief($('#debrief'), session.outcome, session.summary);
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
        rows.append(el('tr', {}, el('td', { text: u.username }), el('td', { text: label(u.role) }), el('td', { text: u.cohort || '—' })));
      }
    } catch (e) {
      rows.replaceChildren(el('tr', {}, el('td', { colspan: '3', class: 'error', text: e.message })));
    }
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
  const [, view, id] = location.hash.split('/');
  switch (view) {
    case 'practice': return showPractice(id);
    case 'history': return id ? showTranscript(id) : showHistory(false);
    case 'sessions': return id ? showTranscript(id) : showHistory(true);
    case 'users': return showUsers();
    case 'login':
    case 'library':
    default:
      closeSession();
      return showLibrary();
  }
}

// Only hashes of the form #/view/id are routes; others, such as the skip
// link's #main, are ordinary in-page links.
window.addEventListener('hashchange', () => {
  if (location.hash === '' || location.hash.startsWith('#/')) route();
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
