// @ts-check
/**
 * Conversations kept in localStorage, so they survive a reload, a new tab and a restart of the
 * browser: a list of past chats that can be reopened or deleted. Which chat a tab shows is
 * remembered per tab (sessionStorage), so two tabs can hold two chats; a new tab opens the most
 * recent one. Every change re-reads storage first, so tabs do not undo each other's changes.
 * Storage may be missing, full or hand-edited: the page keeps working, keeping what it can.
 */

/** @typedef {import('./types.js').Conversation} Conversation */
/** @typedef {import('./types.js').StoredTurn} StoredTurn */
/** @typedef {import('./types.js').SentFeedback} SentFeedback */
/** @typedef {import('./types.js').ChatTurn} ChatTurn */
/** @typedef {import('./types.js').Limits} Limits */
/** @typedef {{ id: string, title: string, updatedAt: string, turns: number }} ChatSummary */
/** @typedef {Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>} KeyValueStorage */

export const STORAGE_KEY = 'heihe-chats-v1';
const CURRENT_KEY = 'heihe-current-chat-v1';
/** What the page kept in sessionStorage before conversations moved to localStorage. */
const LEGACY_SESSION_KEY = 'heihe-chat-v1';
const TITLE_CHARS = 80;

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
const isRecord = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A stored turn as the page can show it, or null (older page versions, hand edits).
 * @param {unknown} t
 * @returns {StoredTurn | null}
 */
function saneTurn(t) {
  if (!isRecord(t) || typeof t.id !== 'string' || typeof t.question !== 'string') return null;
  if (t.status === 'done' && isRecord(t.answer) && typeof t.answer.answer === 'string' && Array.isArray(t.answer.citations)) return /** @type {StoredTurn} */ (t);
  if (t.status === 'error' && isRecord(t.error)) return { id: t.id, question: t.question, status: 'error', error: { code: String(t.error.code ?? 'unknown'), message: String(t.error.message ?? '') }, partial: typeof t.partial === 'string' ? t.partial : '' };
  return null;
}

/**
 * @param {unknown} c
 * @returns {Conversation | null}
 */
function saneConversation(c) {
  if (!isRecord(c) || typeof c.id !== 'string' || !Array.isArray(c.turns)) return null;
  const turns = c.turns.map(saneTurn).filter((t) => t !== null);
  const at = typeof c.updatedAt === 'string' ? c.updatedAt : new Date(0).toISOString();
  return { id: c.id, title: typeof c.title === 'string' ? c.title : titleOf(turns), createdAt: typeof c.createdAt === 'string' ? c.createdAt : at, updatedAt: at, turns };
}

/**
 * @param {readonly StoredTurn[]} turns
 * @returns {string}
 */
function titleOf(turns) {
  const q = (turns[0]?.question ?? '').replace(/\s+/g, ' ').trim();
  return q.length > TITLE_CHARS ? `${q.slice(0, TITLE_CHARS - 1)}…` : q || 'New chat';
}

/**
 * @param {{ local: KeyValueStorage | null, session: KeyValueStorage | null, now?: () => Date, newId?: () => string, maxChats?: number }} opts
 */
export function createChatStore({ local, session, now = () => new Date(), newId = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, maxChats = 50 }) {
  /** The chats as last saved; what this page works from when storage cannot be written. */
  /** @type {Conversation[]} */
  let memory = [];
  let storageFailed = false;
  /** A new chat not stored yet (it is, on its first turn). */
  /** @type {Conversation | null} */
  let draft = null;
  /** @type {string | null} */
  let currentId = read(session, CURRENT_KEY);

  /**
   * @param {KeyValueStorage | null} s
   * @param {string} key
   */
  function read(s, key) {
    try {
      return s ? s.getItem(key) : null;
    } catch {
      return null;
    }
  }

  /** @returns {Conversation[]} */
  function load() {
    const raw = storageFailed ? null : read(local, STORAGE_KEY);
    if (raw === null) return memory;
    try {
      const parsed = JSON.parse(raw);
      const list = isRecord(parsed) && Array.isArray(parsed.chats) ? parsed.chats : [];
      return list.map(saneConversation).filter((c) => c !== null);
    } catch {
      return memory;
    }
  }

  /**
   * Writes the chats, dropping the oldest (never the one shown) while storage is full.
   * @param {Conversation[]} chats
   */
  function save(chats) {
    memory = chats;
    if (!local) return;
    let kept = chats;
    for (;;) {
      try {
        local.setItem(STORAGE_KEY, JSON.stringify({ version: 1, chats: kept }));
        memory = kept;
        storageFailed = false;
        return;
      } catch {
        const oldest = [...kept].filter((c) => c.id !== currentId).sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))[0];
        if (!oldest) {
          // Cannot be stored at all: the chats live on in memory for this page.
          storageFailed = true;
          return;
        }
        kept = kept.filter((c) => c !== oldest);
      }
    }
  }

  /** @param {string | null} id */
  function setCurrent(id) {
    currentId = id;
    try {
      if (session) {
        if (id) session.setItem(CURRENT_KEY, id);
        else session.removeItem(CURRENT_KEY);
      }
    } catch {
      // Per-tab memory only.
    }
  }

  /**
   * A new empty chat, shown from now on.
   * @returns {Conversation}
   */
  function fresh() {
    const at = now().toISOString();
    draft = { id: newId(), title: 'New chat', createdAt: at, updatedAt: at, turns: [] };
    setCurrent(draft.id);
    return draft;
  }

  /**
   * Applies `change` to the current chat (creating it on first use) and saves.
   * @param {(c: Conversation) => void} change
   */
  function updateCurrent(change) {
    const chats = load();
    let chat = chats.find((c) => c.id === currentId);
    if (!chat) {
      chat = draft && draft.id === currentId ? draft : fresh();
      draft = null;
      chats.push(chat);
    }
    change(chat);
    chat.updatedAt = now().toISOString();
    chat.title = titleOf(chat.turns);
    // Newest first, at most maxChats.
    chats.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    save(chats.slice(0, maxChats));
  }

  function migrateLegacy() {
    const raw = read(session, LEGACY_SESSION_KEY);
    if (raw === null) return;
    try {
      const turns = JSON.parse(raw);
      const sane = Array.isArray(turns) ? turns.map(saneTurn).filter((t) => t !== null) : [];
      if (sane.length > 0 && !currentId) {
        setCurrent(null);
        updateCurrent((c) => c.turns.push(...sane));
      }
      session?.removeItem(LEGACY_SESSION_KEY);
    } catch {
      // Unreadable: leave it.
    }
  }
  migrateLegacy();

  return {
    /**
     * The chat this tab shows: the one it showed before a reload, else the most recent one,
     * else a new empty one (stored on its first turn).
     * @returns {Conversation}
     */
    current() {
      const chats = load();
      const chat = chats.find((c) => c.id === currentId) ?? (draft && draft.id === currentId ? draft : currentId ? undefined : chats[0]);
      if (chat) {
        setCurrent(chat.id);
        return chat;
      }
      return fresh();
    },
    /**
     * Past chats with at least one turn, newest first.
     * @returns {ChatSummary[]}
     */
    list() {
      return load()
        .filter((c) => c.turns.length > 0)
        .map((c) => ({ id: c.id, title: c.title, updatedAt: c.updatedAt, turns: c.turns.length }));
    },
    /**
     * Shows chat `id` from now on; null when it no longer exists.
     * @param {string} id
     * @returns {Conversation | null}
     */
    open(id) {
      const chat = load().find((c) => c.id === id) ?? null;
      if (chat) setCurrent(chat.id);
      return chat;
    },
    /**
     * Starts a new, empty chat (the previous one stays in the list).
     * @returns {Conversation}
     */
    startNew() {
      return fresh();
    },
    /**
     * Stores a settled turn in the current chat, replacing an earlier version of it (Retry).
     * @param {StoredTurn} turn
     */
    saveTurn(turn) {
      updateCurrent((c) => {
        const i = c.turns.findIndex((t) => t.id === turn.id);
        if (i >= 0) c.turns[i] = turn;
        else c.turns.push(turn);
      });
    },
    /**
     * Records that feedback on a turn of the current chat was sent.
     * @param {string} turnId
     * @param {SentFeedback} feedback
     */
    setFeedback(turnId, feedback) {
      updateCurrent((c) => {
        const t = c.turns.find((x) => x.id === turnId);
        if (t && t.status === 'done') t.feedback = feedback;
      });
    },
    /**
     * Deletes chat `id`. Returns true when it was the one shown (the caller starts a new one).
     * @param {string} id
     * @returns {boolean}
     */
    remove(id) {
      save(load().filter((c) => c.id !== id));
      if (id !== currentId) return false;
      setCurrent(null);
      return true;
    },
  };
}

/** @typedef {ReturnType<typeof createChatStore>} ChatStore */

/**
 * The conversation before `turnId` as /ask history: answered turns as user/assistant
 * messages, each within the server's content limit, at most `historyTurns` of them, and few
 * enough that the request body stays within `bodyBytes` (the oldest are dropped first).
 * @param {readonly StoredTurn[]} turns
 * @param {string} turnId
 * @param {string} question the question being asked (it shares the body)
 * @param {Limits} limits
 * @returns {ChatTurn[]}
 */
export function historyFor(turns, turnId, question, limits) {
  /** @type {ChatTurn[]} */
  const messages = [];
  for (const t of turns) {
    if (t.id === turnId) break;
    if (t.status !== 'done') continue;
    messages.push({ role: 'user', content: t.question.slice(0, limits.historyContentChars) });
    messages.push({ role: 'assistant', content: t.answer.answer.slice(0, limits.historyContentChars) });
  }
  let history = messages.slice(-limits.historyTurns);
  const size = (/** @type {ChatTurn[]} */ h) => new TextEncoder().encode(JSON.stringify({ question, history: h, stream: true })).length;
  // A margin for what a proxy or the browser might add; the body limit is the server's.
  const budget = Math.floor(limits.bodyBytes * 0.9);
  while (history.length > 0 && size(history) > budget) history = history.slice(history[0]?.role === 'user' ? 2 : 1);
  return history;
}
