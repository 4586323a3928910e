// Chat page for the Heihe grounded Q&A assistant.
//
// Plain ES module, no build step, no dependencies: it has to run offline under a strict CSP
// (script-src 'self', style-src 'self'), so there is no inline script, no inline style and no
// innerHTML with data anywhere. Every piece of corpus text or answer text goes through
// textContent / createTextNode, so markup inside an answer is shown, never executed.

const STORAGE_KEY = 'heihe-chat-v1';
/** The server accepts at most this many history messages; older ones are dropped. */
const MAX_HISTORY = 20;
/** The server rejects a history message longer than this (400), so longer ones are trimmed. */
const MAX_HISTORY_CONTENT = 20000;
/** Delays that keep a hover popover from flickering when the pointer only passes by. */
const HOVER_OPEN_MS = 120;
const HOVER_CLOSE_MS = 200;

const els = {
  log: document.getElementById('log'),
  empty: document.getElementById('empty'),
  form: document.getElementById('ask-form'),
  question: document.getElementById('question'),
  send: document.getElementById('send'),
  stop: document.getElementById('stop'),
  newChat: document.getElementById('new-chat'),
  status: document.getElementById('status'),
  indexInfo: document.getElementById('index-info'),
  announcer: document.getElementById('announcer'),
};

/**
 * The conversation. Each turn: { id, question, status: 'done'|'error', answer?, error?, partial? }.
 * Only settled turns are stored; a turn that is still streaming lives in `active`.
 */
let turns = loadTurns();
/** The request in flight, if any: { turn, controller }. One at a time. */
let active = null;

// ---------------------------------------------------------------------------
// Small DOM helpers

/** Creates an element with optional class and text. Text is always set as text, never parsed. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function announce(message) {
  // Clearing first makes screen readers repeat an identical message ("Copied" twice).
  els.announcer.textContent = '';
  window.setTimeout(() => { els.announcer.textContent = message; }, 50);
}

function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

function newId() {
  return 't' + Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
}

// ---------------------------------------------------------------------------
// Persistence (sessionStorage: the chat survives a reload but not closing the tab)

function loadTurns() {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const parsed = raw ? JSON.parse(raw) : [];
    // Stored data could be from an older page version or hand-edited: keep only sane turns.
    return Array.isArray(parsed)
      ? parsed.filter((t) => t && typeof t.id === 'string' && typeof t.question === 'string')
      : [];
  } catch {
    return [];
  }
}

function saveTurns() {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(turns));
  } catch {
    // Storage full or disabled (private mode): the chat still works, it just won't survive reload.
  }
}

/** Replaces or appends a settled turn, then persists. */
function storeTurn(turn) {
  const i = turns.findIndex((t) => t.id === turn.id);
  if (i >= 0) turns[i] = turn;
  else turns.push(turn);
  saveTurns();
}

/** History for the server: previous answered turns only, as user/assistant messages. */
function historyBefore(turnId) {
  const messages = [];
  for (const t of turns) {
    if (t.id === turnId) break;
    if (t.status !== 'done' || !t.answer) continue;
    messages.push({ role: 'user', content: t.question.slice(0, MAX_HISTORY_CONTENT) });
    messages.push({ role: 'assistant', content: String(t.answer.answer ?? '').slice(0, MAX_HISTORY_CONTENT) });
  }
  return messages.slice(-MAX_HISTORY);
}

// ---------------------------------------------------------------------------
// Health: mode and chunk count, shown discreetly

async function loadHealth() {
  try {
    const res = await fetch('/health', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const health = await res.json();
    renderHealth(health);
  } catch {
    els.status.dataset.state = 'down';
    els.status.textContent = 'Server unavailable';
  }
}

function renderHealth(health) {
  const index = health && health.index ? health.index : {};
  const chunks = Number.isFinite(index.chunks) ? index.chunks : null;
  const mode = typeof health.mode === 'string' ? health.mode : 'unknown';
  els.status.dataset.state = health.status === 'ok' ? 'ok' : 'degraded';
  els.status.textContent = chunks === null ? mode : `${mode} · ${chunks} chunks`;
  els.status.title = `Server ${health.status ?? 'unknown'}, answer mode ${mode}`;

  const parts = [];
  if (index.version) parts.push(`Index ${String(index.version).slice(0, 12)}`);
  if (index.embedding && index.embedding.model) parts.push(`embeddings: ${index.embedding.model}`);
  if (index.createdAt) {
    const d = new Date(index.createdAt);
    if (!Number.isNaN(d.getTime())) parts.push(`built ${d.toLocaleDateString()}`);
  }
  els.indexInfo.textContent = parts.join(' · ');
}

// ---------------------------------------------------------------------------
// Server-Sent Events over fetch (EventSource cannot POST)

/**
 * Yields {event, data} for each complete SSE frame in a response body.
 * Network chunks may split a frame anywhere (even inside a UTF-8 sequence or a CRLF), so bytes are
 * decoded in streaming mode and text is buffered until a blank line ends the frame. A frame left
 * unfinished when the body ends is dropped, as the SSE spec says.
 */
async function* readSse(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let pendingCR = false; // a '\r' at a chunk's end may be the first half of '\r\n'
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let text = decoder.decode(value, { stream: true });
      if (pendingCR) text = '\r' + text;
      pendingCR = text.endsWith('\r');
      if (pendingCR) text = text.slice(0, -1);
      buffer += text.replace(/\r\n?/g, '\n');

      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const parsed = parseSseFrame(frame);
        if (parsed) yield parsed;
      }
    }
  } finally {
    // Stops the download if the consumer leaves early (after `done`, on error, on abort).
    reader.cancel().catch(() => {});
  }
}

/** One frame's lines -> {event, data}. Multiple `data:` lines join with '\n'; ':' lines are comments. */
function parseSseFrame(frame) {
  let event = 'message';
  const data = [];
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return { event, data: data.join('\n') };
}

// ---------------------------------------------------------------------------
// Asking

class AskError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Reads `{error:{code,message}}` from a failed response; falls back to the HTTP status. */
async function errorFromResponse(res) {
  let code = `http_${res.status}`;
  let message = '';
  try {
    const body = await res.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || '';
    }
  } catch {
    // Not JSON (a proxy error page, for instance): the status line will have to do.
  }
  if (!message) {
    message = res.status === 429
      ? 'Too many requests. Please wait a moment and try again.'
      : `The server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}.`;
  }
  return new AskError(code, message);
}

/**
 * Sends one question and streams the answer into `view` (see createAnswerView).
 * Resolves with the final answer object; rejects with AskError, or AbortError when stopped.
 */
async function ask(question, history, view, signal) {
  const res = await fetch('/ask', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, history, stream: true }),
    signal,
  });
  if (!res.ok) throw await errorFromResponse(res);
  // Tolerate a server that answers with plain JSON (e.g. streaming disabled by a proxy or config).
  if ((res.headers.get('content-type') || '').includes('application/json')) {
    const body = await res.json();
    return body && body.answer && typeof body.answer === 'object' ? body.answer : body;
  }
  if (!res.body) throw new AskError('no_body', 'The server sent an empty response.');

  for await (const { event, data } of readSse(res.body)) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      continue; // A malformed frame is skipped rather than killing an otherwise fine answer.
    }
    if (event === 'citations') view.setCitations(payload.citations);
    else if (event === 'delta') view.appendDelta(payload.text);
    else if (event === 'done') return payload.answer;
    else if (event === 'error') {
      const err = payload.error || {};
      throw new AskError(err.code || 'stream_error', err.message || 'The server reported an error.');
    }
  }
  // The body ended without `done`: the connection dropped or the server crashed mid-answer.
  throw new AskError('incomplete', 'The answer was cut off before it finished. Please try again.');
}

/** Runs (or re-runs, for Retry) a turn: streams into its view and settles it as done or error. */
async function runTurn(turn, view) {
  const controller = new AbortController();
  active = { turn, controller };
  setBusy(true);
  view.reset();
  view.setState('streaming');

  try {
    const answer = await ask(turn.question, historyBefore(turn.id), view, controller.signal);
    if (!view.isAttached()) return; // "New chat" removed this turn while it was streaming
    if (!answer || typeof answer.answer !== 'string') {
      throw new AskError('bad_answer', 'The server sent an answer in an unexpected format.');
    }
    const settled = { id: turn.id, question: turn.question, status: 'done', answer };
    storeTurn(settled);
    view.renderDone(answer);
    announce(answer.grounded === false ? 'Answer ready: not in the corpus.' : 'Answer ready.');
  } catch (err) {
    if (!view.isAttached()) return;
    const error = toTurnError(err);
    const settled = {
      id: turn.id, question: turn.question, status: 'error', error, partial: view.streamedText(),
    };
    storeTurn(settled);
    view.renderError(error, settled.partial);
  } finally {
    // Only the request that still owns the composer may release it: after "New chat" a newer
    // request may already be running, and re-enabling Send would allow two at once.
    if (active && active.controller === controller) {
      active = null;
      setBusy(false);
    }
  }
}

function toTurnError(err) {
  if (err && err.name === 'AbortError') {
    return { code: 'aborted', message: 'Stopped. The answer was not finished.' };
  }
  if (err instanceof AskError) return { code: err.code, message: err.message };
  // fetch rejects with a TypeError when the server is unreachable.
  return { code: 'network', message: 'Could not reach the server. Check your connection and try again.' };
}

function setBusy(busy) {
  els.send.disabled = busy;
  els.stop.hidden = !busy;
  els.form.setAttribute('aria-busy', String(busy));
  // Moving focus off a button that is about to vanish keeps keyboard users in the composer.
  if (!busy && document.activeElement === els.stop) els.question.focus();
}

function submitQuestion() {
  if (active) return;
  const question = els.question.value.trim();
  if (!question) {
    els.question.focus();
    return;
  }
  els.question.value = '';
  const turn = { id: newId(), question };
  const view = createTurnView(turn);
  updateEmptyState();
  scrollToBottom();
  runTurn(turn, view);
}

// ---------------------------------------------------------------------------
// Rendering turns

function updateEmptyState() {
  els.empty.hidden = els.log.childElementCount > 0;
}

/** Builds the DOM for one turn (question + answer area) and returns the answer view. */
function createTurnView(turn) {
  const article = el('article', 'turn');
  article.dataset.turnId = turn.id;

  const qWrap = el('div', 'q-wrap');
  qWrap.append(el('h2', 'sr-only', 'You asked'));
  qWrap.append(el('p', 'q', turn.question));
  article.append(qWrap);

  const a = el('div', 'a');
  article.append(el('h2', 'sr-only', 'Assistant'), a);
  els.log.append(article);
  return createAnswerView(turn, a);
}

/**
 * Everything that can happen to one answer area: streaming text, the final answer with markers,
 * or an error with Retry. Keeping it in one closure means Retry can simply run the turn again.
 */
function createAnswerView(turn, a) {
  let citations = [];
  let streamed = '';
  let body = null;

  const view = {
    reset() {
      closePopover();
      a.replaceChildren();
      delete a.dataset.grounded;
      a.className = 'a';
      citations = [];
      streamed = '';
      body = el('div', 'a-body');
      a.append(body);
    },
    setState(state) {
      a.dataset.state = state;
      // aria-busy keeps screen readers from reading every streamed fragment of the live log.
      a.setAttribute('aria-busy', String(state === 'streaming'));
    },
    // A `citations` event starts the answer, or restarts it (a fallback after partial output).
    setCitations(list) {
      citations = Array.isArray(list) ? list : [];
      streamed = '';
      if (body) body.textContent = '';
    },
    appendDelta(text) {
      if (typeof text !== 'string' || !text) return;
      const nearBottom = isNearBottom();
      streamed += text;
      body.append(document.createTextNode(text));
      if (nearBottom) scrollToBottom();
    },
    streamedText() {
      return streamed;
    },
    isAttached() {
      return a.isConnected;
    },
    renderDone(answer) {
      const nearBottom = isNearBottom();
      renderAnswer(a, turn, answer, answer.citations || citations);
      view.setState('done');
      if (nearBottom) scrollToBottom();
    },
    renderError(error, partial) {
      const nearBottom = isNearBottom();
      renderError(a, error, partial, () => {
        if (active) return;
        runTurn(turn, view);
      });
      view.setState('error');
      if (nearBottom) scrollToBottom();
    },
  };
  view.reset();
  return view;
}

/** Re-creates a stored turn after reload. */
function restoreTurn(stored) {
  const view = createTurnView(stored);
  if (stored.status === 'done' && stored.answer) view.renderDone(stored.answer);
  else view.renderError(stored.error || { code: 'unknown', message: 'This answer did not finish.' }, stored.partial || '');
}

function renderAnswer(a, turn, answer, citationList) {
  a.replaceChildren();
  const grounded = answer.grounded !== false;
  a.dataset.grounded = String(grounded);
  a.classList.toggle('ungrounded', !grounded);

  if (!grounded) a.append(el('p', 'badge badge-muted', 'Not in the corpus'));

  const byN = new Map();
  for (const c of citationList || []) {
    if (c && Number.isFinite(Number(c.n))) byN.set(Number(c.n), c);
  }

  const body = el('div', 'a-body');
  const cited = renderMarkedText(body, answer.answer, byN, turn.id);
  a.append(body);

  if (answer.fallback) {
    const note = el('p', 'note fallback', 'LLM unavailable — extractive answer');
    if (typeof answer.fallback === 'string') {
      note.append(el('span', 'fallback-reason', ` (${answer.fallback})`));
    }
    a.append(note);
  }

  // Only sources the text actually points at: retrieved-but-unused passages would mislead.
  if (cited.length > 0) a.append(renderSources(cited.map((n) => byN.get(n)), turn.id));

  a.append(renderActions(answer));
}

/**
 * Appends `text` to `container`, turning markers like [1] or [1, 2] into citation buttons when the
 * number names a known citation. Returns the cited numbers, in order of first appearance.
 */
function renderMarkedText(container, text, byN, turnId) {
  const cited = [];
  const pattern = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    const numbers = match[1].split(',').map((s) => Number(s.trim()));
    // An unknown number ([7] with 5 citations) stays plain text rather than a dead button.
    if (!numbers.every((n) => byN.has(n))) continue;
    if (match.index > last) container.append(document.createTextNode(text.slice(last, match.index)));
    for (const n of numbers) {
      container.append(createMarker(byN.get(n), turnId));
      if (!cited.includes(n)) cited.push(n);
    }
    last = match.index + match[0].length;
  }
  if (last < text.length) container.append(document.createTextNode(text.slice(last)));
  cited.sort((x, y) => x - y);
  return cited;
}

function sourceId(turnId, n) {
  return `src-${turnId}-${n}`;
}

let popCounter = 0;

/** A marker: a wrapper (so the popover can sit next to it) holding the [n] button. */
function createMarker(citation, turnId) {
  const n = Number(citation.n);
  const wrap = el('span', 'cite-wrap');
  const button = el('button', 'cite', `[${n}]`);
  button.type = 'button';
  button.dataset.n = String(n);
  button.setAttribute('aria-label', `Citation ${n}`);
  button.setAttribute('aria-expanded', 'false');
  const popId = `pop-${++popCounter}`;
  button.setAttribute('aria-controls', popId);
  wrap.append(button);

  const marker = { wrap, button, citation, turnId, popId };
  button.addEventListener('click', (event) => {
    event.stopPropagation();
    onMarkerClick(marker);
  });
  // Hover only for real mice: on touch, pointerenter fires right before click and would fight it.
  wrap.addEventListener('pointerenter', (e) => { if (e.pointerType === 'mouse') hoverOpen(marker); });
  wrap.addEventListener('pointerleave', (e) => { if (e.pointerType === 'mouse') hoverClose(marker); });
  return wrap;
}

function renderSources(list, turnId) {
  const section = el('section', 'sources');
  section.setAttribute('aria-label', 'Sources');
  section.append(el('h3', 'sources-title', 'Sources'));
  const ol = el('ol');
  for (const c of list) {
    const li = el('li');
    li.id = sourceId(turnId, c.n);
    li.tabIndex = -1; // focusable from script, so a marker click can move the reader here
    const head = el('div', 'source-head');
    head.append(el('span', 'source-n', `[${c.n}]`), el('span', 'source-section', c.section || 'Untitled section'));
    li.append(head);
    if (c.source) li.append(el('p', 'source-file', c.source));
    const details = el('details');
    details.append(el('summary', null, 'Show passage'), el('p', 'source-text', c.text || ''));
    li.append(details);
    ol.append(li);
  }
  section.append(ol);
  return section;
}

function renderActions(answer) {
  const row = el('div', 'a-actions');
  const copy = el('button', 'copy btn-small', 'Copy');
  copy.type = 'button';
  copy.setAttribute('aria-label', 'Copy answer');
  copy.addEventListener('click', () => copyAnswer(copy, answer.answer));
  row.append(copy);
  const meta = [];
  if (answer.mode) meta.push(answer.mode === 'llm' ? 'LLM answer' : 'Extractive answer');
  if (meta.length) row.append(el('span', 'meta', meta.join(' · ')));
  return row;
}

function renderError(a, error, partial, onRetry) {
  closePopover();
  a.replaceChildren();
  delete a.dataset.grounded;
  a.className = 'a';
  if (partial) {
    // What streamed before the failure is still worth seeing, but marked as incomplete.
    const body = el('div', 'a-body partial', partial);
    a.append(body);
  }
  const box = el('div', 'error-box');
  box.append(el('p', 'error', error.message || 'Something went wrong.'));
  const retry = el('button', 'retry btn-small', 'Retry');
  retry.type = 'button';
  retry.addEventListener('click', onRetry);
  box.append(retry);
  a.append(box);
}

// ---------------------------------------------------------------------------
// Citation popovers: hover (mouse) shows, click/Enter pins or unpins, Escape closes.
// Only one is open at a time; it is built on demand and removed on close.

/** { marker, pop, pinned } or null */
let openPop = null;
let hoverTimer = 0;

function onMarkerClick(marker) {
  window.clearTimeout(hoverTimer);
  if (openPop && openPop.marker === marker && openPop.pinned) {
    closePopover();
    return;
  }
  openPopover(marker, true);
  highlightSource(marker);
}

function hoverOpen(marker) {
  window.clearTimeout(hoverTimer);
  if (openPop && openPop.marker === marker) return;
  if (openPop && openPop.pinned) return; // a pinned popover stays until dismissed
  hoverTimer = window.setTimeout(() => openPopover(marker, false), HOVER_OPEN_MS);
}

function hoverClose(marker) {
  window.clearTimeout(hoverTimer);
  if (!openPop || openPop.marker !== marker || openPop.pinned) return;
  hoverTimer = window.setTimeout(() => {
    if (openPop && openPop.marker === marker && !openPop.pinned) closePopover();
  }, HOVER_CLOSE_MS);
}

function openPopover(marker, pinned) {
  if (openPop && openPop.marker === marker) {
    openPop.pinned = openPop.pinned || pinned;
    return;
  }
  closePopover();
  const pop = buildPopover(marker);
  marker.wrap.append(pop);
  placePopover(marker, pop);
  marker.button.setAttribute('aria-expanded', 'true');
  openPop = { marker, pop, pinned };
}

function buildPopover(marker) {
  const { citation } = marker;
  const pop = el('span', 'cite-pop');
  pop.id = marker.popId;
  pop.setAttribute('role', 'note');
  pop.setAttribute('aria-label', `Citation ${citation.n}`);
  // A visible close control: on touch there is no hover to leave and no Escape key.
  const close = el('button', 'pop-close', '×');
  close.type = 'button';
  close.setAttribute('aria-label', 'Close citation');
  close.addEventListener('click', () => closePopover({ restoreFocus: true }));
  pop.append(el('span', 'section', citation.section || 'Untitled section'));
  if (citation.source) pop.append(el('span', 'pop-source', citation.source));
  pop.append(el('span', 'passage', citation.text || ''));
  pop.append(close);
  // Clicks inside the popover (selecting text, scrolling) must not count as "outside".
  pop.addEventListener('click', (e) => e.stopPropagation());
  return pop;
}

/**
 * Chooses a side with classes rather than inline coordinates (the CSP forbids inline styles):
 * open toward the roomier half of the answer column, and above the marker when it sits low in
 * the viewport. On narrow screens CSS turns the popover into a bottom sheet and ignores these.
 */
function placePopover(marker, pop) {
  const rect = marker.button.getBoundingClientRect();
  const column = marker.wrap.closest('.a') || document.body;
  const colRect = column.getBoundingClientRect();
  pop.classList.toggle('pop-end', rect.left - colRect.left > colRect.width / 2);
  pop.classList.toggle('pop-above', rect.bottom > window.innerHeight * 0.55);
}

function closePopover({ restoreFocus = false } = {}) {
  window.clearTimeout(hoverTimer);
  if (!openPop) return;
  const { marker, pop } = openPop;
  openPop = null;
  pop.remove();
  marker.button.setAttribute('aria-expanded', 'false');
  if (restoreFocus) marker.button.focus();
}

function highlightSource(marker) {
  const li = document.getElementById(sourceId(marker.turnId, marker.citation.n));
  if (!li) return;
  li.classList.remove('highlight');
  void li.offsetWidth; // restart the CSS animation when the same source is highlighted twice
  li.classList.add('highlight');
  li.scrollIntoView({ block: 'nearest', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
}

// ---------------------------------------------------------------------------
// Copy

async function copyAnswer(button, text) {
  let ok = false;
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      ok = true;
    }
  } catch {
    // Permission denied or unsupported: try the legacy path below.
  }
  if (!ok) ok = legacyCopy(text);
  button.textContent = ok ? 'Copied' : 'Copy failed';
  button.classList.toggle('copied', ok);
  announce(ok ? 'Answer copied' : 'Could not copy the answer');
  window.setTimeout(() => {
    button.textContent = 'Copy';
    button.classList.remove('copied');
  }, 2000);
}

/** execCommand('copy') fallback for plain-http origins, where navigator.clipboard is absent. */
function legacyCopy(text) {
  const area = el('textarea', 'offscreen');
  area.value = text;
  area.setAttribute('readonly', '');
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

// ---------------------------------------------------------------------------
// Scrolling: follow the stream only if the reader is already at the bottom

function isNearBottom() {
  const doc = document.documentElement;
  return window.innerHeight + window.scrollY >= doc.scrollHeight - 120;
}

function scrollToBottom() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: 'auto' });
}

// ---------------------------------------------------------------------------
// Wiring

function newChat() {
  if (active) {
    active.controller.abort();
    active = null; // released here so the next question can start right away
    setBusy(false);
  }
  closePopover();
  turns = [];
  saveTurns();
  els.log.replaceChildren();
  updateEmptyState();
  els.question.value = '';
  els.question.focus();
  announce('New chat started');
}

function wireEvents() {
  els.form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitQuestion();
  });

  els.question.addEventListener('keydown', (event) => {
    // isComposing: Enter that confirms an IME candidate (Chinese, Japanese input) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitQuestion();
    }
  });

  els.stop.addEventListener('click', () => {
    if (active) active.controller.abort();
  });

  els.newChat.addEventListener('click', newChat);

  els.empty.addEventListener('click', (event) => {
    const button = event.target.closest('.suggestion');
    if (!button) return;
    els.question.value = button.dataset.question || button.textContent;
    submitQuestion();
  });

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !openPop) return;
    const focusInside = openPop.marker.wrap.contains(document.activeElement);
    closePopover({ restoreFocus: focusInside });
  });

  // A tap or click anywhere else dismisses the popover (marker clicks stop propagation).
  document.addEventListener('click', () => closePopover());
  window.addEventListener('resize', () => closePopover());
}

function init() {
  wireEvents();
  for (const stored of turns) restoreTurn(stored);
  updateEmptyState();
  if (turns.length) scrollToBottom();
  loadHealth();
}

init();
