// @ts-check
/**
 * One turn on the page: the question, and the answer area through everything that can happen
 * to it: streaming text (markers and sources appear as they arrive), the final answer with its
 * sources, a refusal with the passages that came closest, or an error with Retry.
 */
import { announce, button, el } from './dom.js';
import { appendQuotedPassage, createMarkedWriter, renderMarkedText } from './markers.js';
import { sourceId } from './popover.js';
import { renderFeedback } from './feedback-view.js';

/** @typedef {import('./types.js').Answer} Answer */
/** @typedef {import('./types.js').Citation} Citation */
/** @typedef {import('./types.js').TurnError} TurnError */
/** @typedef {import('./types.js').SentFeedback} SentFeedback */
/** @typedef {import('./popover.js').Popovers} Popovers */
/** @typedef {import('./feedback-view.js').FeedbackDeps} FeedbackDeps */

/**
 * @typedef {object} ViewDeps
 * @property {Popovers} popovers
 * @property {HTMLElement} announcer
 * @property {() => boolean} isNearBottom
 * @property {() => void} scrollToBottom
 * @property {FeedbackDeps} feedback
 */

/**
 * Builds the DOM for one turn (question and answer area) in `log` and returns its view.
 * @param {HTMLElement} log
 * @param {{ id: string, question: string }} turn
 * @param {ViewDeps} deps
 */
export function createTurnView(log, turn, deps) {
  const article = el('article', 'turn');
  article.dataset.turnId = turn.id;
  const qWrap = el('div', 'q-wrap');
  qWrap.append(el('h2', 'sr-only', 'You asked'), el('p', 'q', turn.question));
  const a = el('div', 'a');
  article.append(qWrap, el('h2', 'sr-only', 'Assistant'), a);
  log.append(article);
  return createAnswerView(a, turn, deps);
}

/**
 * @param {HTMLElement} a the answer area
 * @param {{ id: string, question: string }} turn
 * @param {ViewDeps} deps
 */
export function createAnswerView(a, turn, deps) {
  /** @type {Map<number, Citation>} */
  let byN = new Map();
  /** @type {ReturnType<typeof createMarkedWriter> | null} */
  let writer = null;
  /** @type {HTMLElement} */
  let body = el('div', 'a-body');
  /** @type {HTMLOListElement | null} */
  let streamingSources = null;

  /** @param {() => void} change */
  const keepingScroll = (change) => {
    const near = deps.isNearBottom();
    change();
    if (near) deps.scrollToBottom();
  };

  const markerOpts = {
    /** @param {number} n */
    citation: (n) => byN.get(n),
    /** @param {Citation} c */
    marker: (c) => deps.popovers.marker(c, turn.id),
  };

  /** While streaming, a newly cited passage joins the sources list at its place by number. */
  /** @param {number} n */
  function addStreamingSource(n) {
    const c = byN.get(n);
    if (!c) return;
    if (!streamingSources) {
      const section = sourcesSection();
      streamingSources = /** @type {HTMLOListElement} */ (section.querySelector('ol'));
      a.append(section);
    }
    const item = sourceItem(c, turn.id);
    const after = Array.from(streamingSources.children).find((li) => Number(/** @type {HTMLElement} */ (li).dataset.n) > n);
    streamingSources.insertBefore(item, after ?? null);
  }

  /** @param {readonly Citation[]} list */
  function startText(list) {
    byN = new Map(list.map((c) => [c.n, c]));
    body.replaceChildren();
    a.querySelector('.sources')?.remove();
    streamingSources = null;
    writer = createMarkedWriter(body, { ...markerOpts, onCite: addStreamingSource });
  }

  const view = {
    /** Empties the area for a new run of the turn (first ask or Retry). */
    reset() {
      deps.popovers.close();
      a.replaceChildren();
      delete a.dataset.grounded;
      a.className = 'a';
      body = el('div', 'a-body');
      a.append(body);
      startText([]);
    },
    /** @param {'streaming' | 'done' | 'error'} state */
    setState(state) {
      a.dataset.state = state;
      // aria-busy keeps screen readers from reading every streamed fragment of the live log.
      a.setAttribute('aria-busy', String(state === 'streaming'));
    },
    /**
     * A `citations` event starts the answer, or restarts it (a fallback after partial output).
     * @param {readonly Citation[]} list
     */
    setCitations(list) {
      startText(list);
    },
    /** @param {string} text */
    appendDelta(text) {
      keepingScroll(() => writer?.push(text));
    },
    streamedText() {
      return writer?.text() ?? '';
    },
    isAttached() {
      return a.isConnected;
    },
    /**
     * @param {Answer} answer
     * @param {SentFeedback | undefined} [feedback] feedback already sent on it
     */
    renderDone(answer, feedback) {
      keepingScroll(() => renderAnswer(a, turn, answer, feedback, deps));
      view.setState('done');
    },
    /**
     * @param {TurnError} error
     * @param {string} partial what streamed before the failure
     * @param {() => void} onRetry
     */
    renderError(error, partial, onRetry) {
      keepingScroll(() => renderError(a, error, partial, onRetry, deps));
      view.setState('error');
    },
  };
  view.reset();
  return view;
}

/** @typedef {ReturnType<typeof createAnswerView>} AnswerView */

/**
 * @param {HTMLElement} a
 * @param {{ id: string, question: string }} turn
 * @param {Answer} answer
 * @param {SentFeedback | undefined} feedback
 * @param {ViewDeps} deps
 */
function renderAnswer(a, turn, answer, feedback, deps) {
  deps.popovers.close();
  a.replaceChildren();
  const grounded = answer.grounded !== false;
  a.dataset.grounded = String(grounded);
  a.classList.toggle('ungrounded', !grounded);
  if (!grounded) a.append(el('p', 'badge badge-muted', 'Not in the corpus'));

  const byN = new Map(answer.citations.map((c) => [c.n, c]));
  const body = el('div', 'a-body');
  const cited = renderMarkedText(body, answer.answer, { citation: (n) => byN.get(n), marker: (c) => deps.popovers.marker(c, turn.id) });
  a.append(body);

  if (answer.fallback) {
    const note = el('p', 'note fallback', 'The language model was unavailable, so this answer quotes the documents directly');
    note.append(el('span', 'fallback-reason', ` (${answer.fallback})`));
    a.append(note);
  }
  // Only sources the text points at: retrieved-but-unused passages would mislead.
  /** @type {Citation[]} */
  const sources = cited.flatMap((n) => byN.get(n) ?? []);
  if (sources.length > 0) a.append(sourcesSection(sources, turn.id));
  if (!grounded && answer.related && answer.related.length > 0) a.append(relatedSection(answer.related, turn.id));

  const actions = el('div', 'a-actions');
  actions.append(copyButton(answer.answer, deps.announcer));
  actions.append(el('span', 'meta', answer.mode === 'llm' ? 'Written by a language model' : 'Quoted from the documents'));
  a.append(actions);
  a.append(renderFeedback({ turnId: turn.id, answer, sources: sources.length > 0 ? sources : (answer.related ?? []), sent: feedback }, deps.feedback));
}

/**
 * The Sources section; with `list`, holding those passages.
 * @param {readonly Citation[]} [list]
 * @param {string} [turnId]
 */
function sourcesSection(list = [], turnId = '') {
  const section = el('section', 'sources');
  section.setAttribute('aria-label', 'Sources');
  section.append(el('h3', 'sources-title', 'Sources'));
  const ol = el('ol');
  for (const c of list) ol.append(sourceItem(c, turnId));
  section.append(ol);
  return section;
}

/**
 * One passage in a list: number, section, file, and the passage behind "Show passage" with
 * the quoted sentence(s) marked.
 * @param {Citation} c
 * @param {string} turnId
 * @param {boolean} [numbered]
 */
function sourceItem(c, turnId, numbered = true) {
  const li = el('li');
  li.id = sourceId(turnId, c.n);
  li.dataset.n = String(c.n);
  li.tabIndex = -1; // focusable from script, so a marker click can move the reader here
  const head = el('div', 'source-head');
  if (numbered) head.append(el('span', 'source-n', `[${c.n}]`));
  head.append(el('span', 'source-section', c.section || 'Untitled section'));
  li.append(head);
  if (c.source) li.append(el('p', 'source-file', c.source));
  const details = el('details');
  const text = el('p', 'source-text');
  appendQuotedPassage(text, c.text, c.quotes);
  details.append(el('summary', null, 'Show passage'), text);
  li.append(details);
  return li;
}

/**
 * On a refusal: what the search found closest, so the reader can look or rephrase.
 * @param {readonly Citation[]} related
 * @param {string} turnId
 */
function relatedSection(related, turnId) {
  const section = el('section', 'related');
  section.setAttribute('aria-label', 'Closest passages');
  section.append(el('h3', 'sources-title', 'These passages came closest:'));
  const ol = el('ol');
  for (const c of related) {
    const li = sourceItem(c, `${turnId}-related`, false);
    li.classList.add('related-item');
    ol.append(li);
  }
  section.append(ol, el('p', 'related-hint', 'None of them answers the question. Open one to read it, or ask in other words.'));
  return section;
}

/**
 * @param {string} text
 * @param {HTMLElement} announcer
 */
function copyButton(text, announcer) {
  const copy = button('copy btn-small', 'Copy', 'Copy answer');
  copy.addEventListener('click', async () => {
    const ok = await copyText(text);
    copy.textContent = ok ? 'Copied' : 'Copy failed';
    copy.classList.toggle('copied', ok);
    announce(announcer, ok ? 'Answer copied' : 'Could not copy the answer');
    window.setTimeout(() => {
      copy.textContent = 'Copy';
      copy.classList.remove('copied');
    }, 2000);
  });
  return copy;
}

/**
 * The clipboard, or the execCommand fallback on plain-http origins (no navigator.clipboard).
 * @param {string} text
 * @returns {Promise<boolean>}
 */
async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission denied or unsupported: the legacy path below.
  }
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

/**
 * @param {HTMLElement} a
 * @param {TurnError} error
 * @param {string} partial
 * @param {() => void} onRetry
 * @param {ViewDeps} deps
 */
function renderError(a, error, partial, onRetry, deps) {
  deps.popovers.close();
  a.replaceChildren();
  delete a.dataset.grounded;
  a.className = 'a';
  // What streamed before the failure is still worth seeing, but marked as incomplete.
  if (partial) a.append(el('div', 'a-body partial', partial));
  const box = el('div', 'error-box');
  box.append(el('p', 'error', error.message || 'Something went wrong.'));
  const retry = button('retry btn-small', 'Retry');
  retry.addEventListener('click', onRetry);
  box.append(retry);
  a.append(box);
}
