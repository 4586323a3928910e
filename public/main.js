// @ts-check
/**
 * The chat page: wires the modules to the page's elements. Plain ES modules, no build step,
 * no dependencies: the page runs offline under a strict CSP (script-src 'self', style-src
 * 'self'), so there is no inline script or style and no HTML parsed from data anywhere.
 */
import { AskError, askStreaming, getClientConfig, getHealth, sendFeedback } from './api.js';
import { createTurnView } from './answer-view.js';
import { renderChatList } from './chats-view.js';
import { announce, byId, el } from './dom.js';
import { createPopovers } from './popover.js';
import { createHealthMonitor, detailsFor, pillFor, taglineFor } from './status.js';
import { createChatStore, historyFor, STORAGE_KEY } from './store.js';

/** @typedef {import('./types.js').Limits} Limits */
/** @typedef {import('./types.js').StoredTurn} StoredTurn */
/** @typedef {import('./types.js').TurnError} TurnError */
/** @typedef {import('./types.js').Conversation} Conversation */
/** @typedef {import('./answer-view.js').AnswerView} AnswerView */

const els = {
  log: byId('log', HTMLElement),
  empty: byId('empty', HTMLElement),
  form: byId('ask-form', HTMLFormElement),
  question: byId('question', HTMLTextAreaElement),
  send: byId('send', HTMLButtonElement),
  stop: byId('stop', HTMLButtonElement),
  newChat: byId('new-chat', HTMLButtonElement),
  chatsToggle: byId('chats-toggle', HTMLButtonElement),
  chatsPanel: byId('chats-panel', HTMLElement),
  chatList: byId('chat-list', HTMLUListElement),
  status: byId('status', HTMLElement),
  tagline: byId('tagline', HTMLElement),
  techList: byId('tech-list', HTMLElement),
  announcer: byId('announcer', HTMLElement),
};

/**
 * localStorage / sessionStorage, or null where the browser refuses them (some private modes).
 * @param {'localStorage' | 'sessionStorage'} name
 */
function storageOrNull(name) {
  try {
    const s = window[name];
    s.getItem(STORAGE_KEY);
    return s;
  } catch {
    return null;
  }
}

const store = createChatStore({ local: storageOrNull('localStorage'), session: storageOrNull('sessionStorage') });
const popovers = createPopovers();
/** @type {Conversation} */
let chat = store.current();
/** The request in flight, if any. One at a time. */
/** @type {{ turnId: string, controller: AbortController } | null} */
let active = null;

// ---------------------------------------------------------------------------
// The server's limits, read from GET /config before the first question needs them.

/** @type {Limits | null} */
let limits = null;
/** @type {Promise<Limits> | null} */
let loadingLimits = null;

/** @returns {Promise<Limits>} */
function serverLimits() {
  if (limits) return Promise.resolve(limits);
  loadingLimits ??= getClientConfig()
    .then((config) => {
      limits = config.limits;
      els.question.maxLength = limits.questionChars;
      return limits;
    })
    .finally(() => {
      loadingLimits = null;
    });
  return loadingLimits;
}

// ---------------------------------------------------------------------------
// Server status

const health = createHealthMonitor({
  getHealth: () => getHealth(),
  onChange(s) {
    const pill = pillFor(s);
    els.status.dataset.state = pill.state;
    els.status.textContent = pill.text;
    els.status.title = pill.title;
    if (s.kind === 'ok' || s.kind === 'starting') {
      els.tagline.textContent = taglineFor(s.health.mode);
      els.techList.replaceChildren(...detailsFor(s.health).flatMap(([k, v]) => [el('dt', null, k), el('dd', null, v)]));
    }
  },
});

// ---------------------------------------------------------------------------
// Turns

/** @param {{ id: string, question: string }} turn */
function turnView(turn) {
  return createTurnView(els.log, turn, {
    popovers,
    announcer: els.announcer,
    isNearBottom,
    scrollToBottom,
    feedback: {
      send: sendFeedback,
      saved: (turnId, feedback) => store.setFeedback(turnId, feedback),
      noteChars: () => limits?.feedbackNoteChars ?? 0,
      describeError: (err) => toTurnError(err).message,
      announcer: els.announcer,
    },
  });
}

/**
 * @param {unknown} err
 * @returns {TurnError}
 */
function toTurnError(err) {
  if (err instanceof DOMException && err.name === 'AbortError') return { code: 'aborted', message: 'Stopped. The answer was not finished.' };
  if (err instanceof AskError) return { code: err.code, message: err.message };
  // fetch rejects with a TypeError when the server cannot be reached.
  return { code: 'network', message: 'Could not reach the server. Check your connection and try again.' };
}

/**
 * Runs (or re-runs, for Retry) a turn: streams into its view and settles it as done or error.
 * @param {{ id: string, question: string }} turn
 * @param {AnswerView} view
 */
async function runTurn(turn, view) {
  const controller = new AbortController();
  active = { turnId: turn.id, controller };
  setBusy(true);
  view.reset();
  view.setState('streaming');
  try {
    const lim = await serverLimits();
    const answer = await askStreaming({
      question: turn.question,
      history: historyFor(store.current().turns, turn.id, turn.question, lim),
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'citations') view.setCitations(e.citations);
        else if (e.type === 'delta') view.appendDelta(e.text);
      },
    });
    health.reportReachable();
    if (!view.isAttached()) return; // another chat was opened while this one streamed
    store.saveTurn({ id: turn.id, question: turn.question, status: 'done', answer });
    view.renderDone(answer);
    announce(els.announcer, answer.grounded ? 'Answer ready.' : 'Answer ready: not in the corpus.');
  } catch (err) {
    const error = toTurnError(err);
    if (error.code === 'network') health.reportUnreachable();
    if (!view.isAttached()) return;
    const partial = view.streamedText();
    store.saveTurn({ id: turn.id, question: turn.question, status: 'error', error, partial });
    view.renderError(error, partial, () => retry(turn, view));
  } finally {
    // Only the request that still owns the composer may release it: after "New chat" a newer
    // request may already be running, and re-enabling Send would allow two at once.
    if (active && active.controller === controller) {
      active = null;
      setBusy(false);
    }
  }
}

/**
 * @param {{ id: string, question: string }} turn
 * @param {AnswerView} view
 */
function retry(turn, view) {
  if (active) return;
  void runTurn(turn, view);
}

/** @param {boolean} busy */
function setBusy(busy) {
  // Stop takes Send's place (same cell, same width), so the text box keeps its size.
  const focusWasOnButton = document.activeElement === els.send || document.activeElement === els.stop;
  els.send.hidden = busy;
  els.stop.hidden = !busy;
  els.form.setAttribute('aria-busy', String(busy));
  // Moving focus off a button that is about to vanish keeps keyboard users in the composer.
  if (focusWasOnButton) (busy ? els.stop : els.question).focus();
}

function submitQuestion() {
  if (active) return;
  const question = els.question.value.trim();
  if (!question) {
    els.question.focus();
    return;
  }
  els.question.value = '';
  const turn = { id: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`, question };
  const view = turnView(turn);
  updateEmptyState();
  scrollToBottom();
  void runTurn(turn, view);
}

/** @param {StoredTurn} stored */
function restoreTurn(stored) {
  const view = turnView(stored);
  if (stored.status === 'done') view.renderDone(stored.answer, stored.feedback);
  else view.renderError(stored.error, stored.partial, () => retry(stored, view));
}

function updateEmptyState() {
  els.empty.hidden = els.log.childElementCount > 0;
}

// ---------------------------------------------------------------------------
// Chats

function stopActive() {
  if (!active) return;
  active.controller.abort();
  active = null; // released here so the next question can start right away
  setBusy(false);
}

/** Shows `chat` in the log. */
function showChat() {
  popovers.close();
  els.log.replaceChildren();
  for (const t of chat.turns) restoreTurn(t);
  updateEmptyState();
  if (chat.turns.length > 0) scrollToBottom();
  refreshChatList();
}

function refreshChatList() {
  renderChatList(els.chatList, store.list(), chat.id, {
    open(id) {
      const opened = id === chat.id ? chat : store.open(id);
      if (!opened) return refreshChatList();
      stopActive();
      chat = opened;
      showChat();
      setChatsOpen(false);
      els.question.focus();
      announce(els.announcer, `Opened chat: ${chat.title}`);
    },
    remove(id, title) {
      const wasShown = store.remove(id);
      if (wasShown) {
        stopActive();
        chat = store.startNew();
        showChat();
      } else {
        refreshChatList();
      }
      announce(els.announcer, `Deleted chat: ${title}`);
      // Keep keyboard focus in the list (the deleted row's button is gone).
      (els.chatList.querySelector('button') ?? els.chatsToggle).focus();
    },
  });
}

/** @param {boolean} open */
function setChatsOpen(open) {
  els.chatsPanel.hidden = !open;
  els.chatsToggle.setAttribute('aria-expanded', String(open));
  if (open) refreshChatList();
}

function newChat() {
  stopActive();
  chat = store.startNew();
  showChat();
  els.question.value = '';
  els.question.focus();
  announce(els.announcer, 'New chat started');
}

// ---------------------------------------------------------------------------
// Scrolling: follow the stream only if the reader is already at the bottom

function isNearBottom() {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 120;
}

function scrollToBottom() {
  window.scrollTo({ top: document.documentElement.scrollHeight, behavior: 'auto' });
}

// ---------------------------------------------------------------------------
// Wiring

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
els.stop.addEventListener('click', () => active?.controller.abort());
els.newChat.addEventListener('click', newChat);
els.chatsToggle.addEventListener('click', (event) => {
  event.stopPropagation();
  setChatsOpen(els.chatsPanel.hidden);
});
els.chatsPanel.addEventListener('click', (event) => event.stopPropagation());
document.addEventListener('click', () => {
  if (!els.chatsPanel.hidden) setChatsOpen(false);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && !els.chatsPanel.hidden) {
    setChatsOpen(false);
    els.chatsToggle.focus();
  }
});
els.empty.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('.suggestion') : null;
  if (!(target instanceof HTMLElement)) return;
  els.question.value = target.dataset.question ?? target.textContent ?? '';
  submitQuestion();
});
// Another tab changed the chats: keep the list current (this tab's chat stays as it is).
window.addEventListener('storage', (event) => {
  if (event.key === STORAGE_KEY) refreshChatList();
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') health.checkNow();
});
window.addEventListener('online', () => health.checkNow());

showChat();
health.start();
serverLimits().catch(() => {
  // Unreachable for now: the first question tries again, and reports it if still so.
});
