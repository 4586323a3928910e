// @vitest-environment happy-dom
/**
 * The chat store (public/store.js) over the DOM's localStorage and sessionStorage: chats
 * survive a reload and a new tab, the list reopens and deletes them, tabs do not undo each
 * other, bad or full storage costs at most old chats; and the history sent to /ask stays
 * within the server's limits.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { createChatStore, historyFor, STORAGE_KEY } from '../../public/store.js';
import type { Answer } from '../../src/types.js';

type StoredTurn = Parameters<ReturnType<typeof createChatStore>['saveTurn']>[0];
type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const answer = (text: string): Answer => ({ answer: text, grounded: true, citations: [], mode: 'extractive', indexVersion: 'v1', question: 'q' });
const done = (id: string, question: string, text = `Answer to ${question}`): StoredTurn => ({ id, question, status: 'done', answer: answer(text) });

let clock = 0;
const now = () => new Date(Date.UTC(2031, 0, 1) + ++clock * 1000);
let ids = 0;
const newId = () => `chat-${++ids}`;

/** A tab: this document's localStorage (shared by tabs) and its own sessionStorage. */
const tab = (session: KeyValue = new MemoryStorage(), local: KeyValue | null = localStorage) => createChatStore({ local, session, now, newId });

/** A Storage of our own, for a second tab's sessionStorage and for a full or broken one. */
class MemoryStorage implements KeyValue {
  readonly map = new Map<string, string>();
  constructor(private readonly maxChars = Infinity) {}
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    if (v.length > this.maxChars) throw new DOMException('full', 'QuotaExceededError');
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  clock = 0;
  ids = 0;
});

describe('createChatStore', () => {
  test('a first visit shows an empty chat and stores nothing until the first answer', () => {
    const store = tab();
    expect(store.current()).toMatchObject({ id: 'chat-1', turns: [], title: 'New chat' });
    expect(store.current().id).toBe('chat-1');
    expect(store.list()).toEqual([]);
    expect(localStorage.getItem(STORAGE_KEY)).toBeNull();

    store.saveTurn(done('t1', 'Where is Heihe?'));
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY)!) as { version: number; chats: Array<{ id: string; title: string; turns: unknown[] }> };
    expect(stored.version).toBe(1);
    expect(stored.chats.map((c) => [c.id, c.title, c.turns.length])).toEqual([['chat-1', 'Where is Heihe?', 1]]);
    expect(store.list()).toEqual([{ id: 'chat-1', title: 'Where is Heihe?', updatedAt: expect.any(String), turns: 1 }]);
  });

  test('a reload shows the same chat; a new tab shows the most recent one', () => {
    const session = new MemoryStorage();
    const first = tab(session);
    first.saveTurn(done('t1', 'Where is Heihe?'));
    const older = first.current().id;
    first.startNew();
    first.saveTurn(done('t2', 'What is the climate?'));
    first.open(older);

    expect(tab(session).current().id).toBe(older); // reload of the same tab
    const other = tab(); // a new tab
    expect(other.current().turns.map((t) => t.question)).toEqual(['What is the climate?']);
  });

  test('Retry replaces a turn; feedback is recorded on it; long titles are shortened', () => {
    const store = tab();
    const long = `What ${'very '.repeat(30)}long question is this?`;
    store.saveTurn({ id: 't1', question: long, status: 'error', error: { code: 'network', message: 'down' }, partial: 'The Am' });
    store.saveTurn(done('t1', long));
    store.setFeedback('t1', { verdict: 'down', note: 'wrong', sentAt: '2031-01-01T00:00:00.000Z' });
    const [turn] = tab().current().turns;
    expect(turn).toMatchObject({ id: 't1', status: 'done', feedback: { verdict: 'down', note: 'wrong' } });
    const title = store.list()[0]!.title;
    expect(title.length).toBe(80);
    expect(title.endsWith('…')).toBe(true);
  });

  test('the list is newest first; open and delete work; deleting the chat shown says so', () => {
    const store = tab();
    store.saveTurn(done('a1', 'First chat'));
    const a = store.current().id;
    store.startNew();
    store.saveTurn(done('b1', 'Second chat'));
    const b = store.current().id;
    expect(store.list().map((c) => c.title)).toEqual(['Second chat', 'First chat']);
    expect(store.open(a)?.turns.map((t) => t.id)).toEqual(['a1']);
    expect(store.current().id).toBe(a);
    expect(store.open('missing')).toBeNull();

    expect(store.remove(b)).toBe(false);
    expect(store.list().map((c) => c.id)).toEqual([a]);
    expect(store.remove(a)).toBe(true);
    expect(store.list()).toEqual([]);
    expect(store.current().turns).toEqual([]);
    expect(JSON.parse(localStorage.getItem(STORAGE_KEY)!)).toEqual({ version: 1, chats: [] });
  });

  test('two tabs writing in turn keep both their chats', () => {
    const one = tab();
    const two = tab();
    one.saveTurn(done('x1', 'Tab one asks'));
    two.saveTurn(done('y1', 'Tab two asks'));
    one.saveTurn(done('x2', 'Tab one again'));
    const titles = tab().list().map((c) => c.title);
    expect(titles.sort()).toEqual(['Tab one asks', 'Tab two asks']);
    expect(one.current().turns.map((t) => t.id)).toEqual(['x1', 'x2']);
  });

  test('unreadable or hand-edited storage: bad parts are dropped, the rest kept', () => {
    localStorage.setItem(STORAGE_KEY, '{not json');
    expect(tab().list()).toEqual([]);
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({ version: 1, chats: [{ id: 'ok', title: 'Kept', updatedAt: '2031-01-01T00:00:00.000Z', turns: [done('t1', 'Kept'), { id: 5 }, { id: 't2', question: 'q', status: 'done' }] }, { nope: true }, 'x'] }),
    );
    const store = tab();
    expect(store.list()).toEqual([{ id: 'ok', title: 'Kept', updatedAt: '2031-01-01T00:00:00.000Z', turns: 1 }]);
    expect(store.open('ok')?.turns.map((t) => t.id)).toEqual(['t1']);
  });

  test('when storage is full the oldest chats go first, never the one shown', () => {
    const local = new MemoryStorage(1500);
    const store = tab(new MemoryStorage(), local);
    for (let i = 1; i <= 6; i++) {
      store.startNew();
      store.saveTurn(done(`t${i}`, `Question ${i}`, 'x'.repeat(150)));
    }
    const kept = store.list().map((c) => c.title);
    expect(kept.length).toBeLessThan(6);
    expect(kept[0]).toBe('Question 6');
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `Question ${6 - i}`));
    expect(local.getItem(STORAGE_KEY)!.length).toBeLessThanOrEqual(1500);
  });

  test('without any storage (a refusing private mode) the chat still works for the page', () => {
    const store = createChatStore({ local: null, session: null, now, newId });
    store.saveTurn(done('t1', 'Where is Heihe?'));
    expect(store.current().turns).toHaveLength(1);
    expect(store.list().map((c) => c.title)).toEqual(['Where is Heihe?']);
  });

  test('a chat too big for storage stays in the page', () => {
    const store = tab(new MemoryStorage(), new MemoryStorage(10));
    store.saveTurn(done('t1', 'Where is Heihe?'));
    store.saveTurn(done('t2', 'And the climate?'));
    expect(store.current().turns.map((t) => t.id)).toEqual(['t1', 't2']);
  });

  test('at most maxChats are kept', () => {
    const store = createChatStore({ local: localStorage, session: new MemoryStorage(), now, newId, maxChats: 3 });
    for (let i = 1; i <= 5; i++) {
      store.startNew();
      store.saveTurn(done(`t${i}`, `Q${i}`));
    }
    expect(store.list().map((c) => c.title)).toEqual(['Q5', 'Q4', 'Q3']);
  });

  test('the conversation the previous page kept in sessionStorage is moved over once', () => {
    const session = new MemoryStorage();
    session.setItem('heihe-chat-v1', JSON.stringify([done('old1', 'Old question'), { bad: 1 }]));
    const store = tab(session);
    expect(store.current().turns.map((t) => t.id)).toEqual(['old1']);
    expect(session.getItem('heihe-chat-v1')).toBeNull();
    expect(tab(session).list()).toHaveLength(1);
  });
});

describe('historyFor', () => {
  const LIMITS = { questionChars: 2000, historyTurns: 20, historyContentChars: 20_000, bodyBytes: 65_536, feedbackNoteChars: 2000 };
  const turns: StoredTurn[] = [
    done('t1', 'Where is Heihe?', 'On the Amur. [1]'),
    { id: 't2', question: 'Failed one', status: 'error', error: { code: 'network', message: 'x' }, partial: '' },
    done('t3', 'And its climate?', 'Temperate. [1]'),
    done('t4', 'Later', 'Not sent'),
  ];

  test('answered turns before this one, as user/assistant messages', () => {
    expect(historyFor(turns, 't4', 'Later', LIMITS)).toEqual([
      { role: 'user', content: 'Where is Heihe?' },
      { role: 'assistant', content: 'On the Amur. [1]' },
      { role: 'user', content: 'And its climate?' },
      { role: 'assistant', content: 'Temperate. [1]' },
    ]);
    expect(historyFor(turns, 't1', 'Where is Heihe?', LIMITS)).toEqual([]);
  });

  test('at most historyTurns messages, the latest; each within historyContentChars', () => {
    const many = Array.from({ length: 15 }, (_, i) => done(`t${i}`, `Question ${i}`, 'A'.repeat(50)));
    const h = historyFor(many, 'none', 'Next?', { ...LIMITS, historyTurns: 6, historyContentChars: 10 });
    expect(h).toHaveLength(6);
    expect(h[0]).toEqual({ role: 'user', content: 'Question 1' });
    expect(h.at(-1)).toEqual({ role: 'assistant', content: 'AAAAAAAAAA' });
  });

  test('the oldest turns are dropped until the request body fits the server body limit', () => {
    const big = Array.from({ length: 8 }, (_, i) => done(`t${i}`, `Q${i}`, 'é'.repeat(1000)));
    const h = historyFor(big, 'none', 'Next?', { ...LIMITS, bodyBytes: 5000 });
    const bytes = new TextEncoder().encode(JSON.stringify({ question: 'Next?', history: h, stream: true })).length;
    expect(bytes).toBeLessThanOrEqual(4500);
    expect(h.length).toBeGreaterThan(0);
    expect(h[0]?.role).toBe('user');
    expect(h.at(-1)).toEqual({ role: 'assistant', content: 'é'.repeat(1000) });
  });
});
