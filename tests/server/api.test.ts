/**
 * The HTTP API in offline (extractive) mode over the real runtime and a real index:
 * /ask, /search, /health, /reindex, the chat page, request ids.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { ask, expectWellFormedAnswer, markers, postJson, type ErrorJson, type HealthJson, type SearchJson } from '../helpers/http.js';

let srv: TestServer;
let corpusDir: string;
beforeAll(async () => {
  srv = await startTestServer();
  corpusDir = srv.config.corpusDir;
});
afterAll(async () => srv?.close());

async function health(url: string): Promise<HealthJson> {
  const res = await fetch(`${url}/health`);
  expect(res.status).toBe(200);
  return (await res.json()) as HealthJson;
}

describe('POST /ask', () => {
  const corpusQuestions = [
    { q: 'What province is Heihe in?', expect: /Heilongjiang/ },
    { q: 'Which Russian city lies across the river from Heihe?', expect: /Blagoveshchensk/ },
    { q: 'What are the winters like in Heihe?', expect: /Winters are long/ },
    { q: 'Which treaty defined the border along the Amur River?', expect: /Nerchinsk/ },
  ];

  test.each(corpusQuestions)('answers "$q" grounded, with valid citations', async ({ q, expect: pattern }) => {
    const a = await ask(srv.url, { question: q });
    expect(a.grounded).toBe(true);
    expect(a.mode).toBe('extractive');
    expect(a.question).toBe(q);
    expect(a.answer).toMatch(pattern);
    expect(markers(a.answer).length).toBeGreaterThan(0);
    expect(a.citations.length).toBeGreaterThan(0);
    expect(a).not.toHaveProperty('fallback');
    expectWellFormedAnswer(a, corpusDir);
    // The cited sentence itself comes from the passage its marker names.
    const first = a.citations.find((c) => c.n === markers(a.answer)[0]);
    expect(first?.text).toMatch(pattern);
  });

  test('indexVersion equals the version /health reports', async () => {
    const [a, h] = await Promise.all([ask(srv.url, { question: 'What province is Heihe in?' }), health(srv.url)]);
    expect(h.index.version).toMatch(/\S/);
    expect(a.indexVersion).toBe(h.index.version);
  });

  test('trims the question before answering', async () => {
    const a = await ask(srv.url, { question: '   What province is Heihe in?  \n' });
    expect(a.question).toBe('What province is Heihe in?');
    expect(a.grounded).toBe(true);
  });

  test.each(['How do I bake sourdough bread?', 'Who won the 1998 FIFA World Cup?', 'What is the capital of Australia?'])(
    'refuses an out-of-corpus question: %s',
    async (q) => {
      const a = await ask(srv.url, { question: q });
      expect(a.grounded).toBe(false);
      expect(markers(a.answer)).toEqual([]);
      expect(a.answer).toMatch(/corpus doesn't say/i);
      expect(a.related?.map((c) => c.n)).toEqual([1, 2, 3]);
      expectWellFormedAnswer(a, corpusDir);
    },
  );

  test('accepts k at both ends of its range and a question of exactly 2000 characters', async () => {
    for (const k of [1, 20]) {
      const a = await ask(srv.url, { question: 'What province is Heihe in?', k });
      expect(a.grounded).toBe(true);
      expectWellFormedAnswer(a, corpusDir);
    }
    const long = `What province is Heihe in? ${'Heihe '.repeat(400)}`.slice(0, 2000);
    expect(long.trim().length).toBe(2000);
    const res = await postJson(`${srv.url}/ask`, { question: long });
    expect(res.status).toBe(200);
  });

  test('history with user and assistant turns is accepted', async () => {
    const a = await ask(srv.url, {
      question: 'What province is Heihe in?',
      history: [
        { role: 'user', content: 'Tell me about Heihe.' },
        { role: 'assistant', content: 'Heihe is a city on the Amur River. [1]' },
      ],
      stream: false,
    });
    expect(a.grounded).toBe(true);
  });

  test('a follow-up is never searched as a question longer than a client may send', async () => {
    // "And Blagoveshchensk?" takes the previous question with its subject swapped in; a previous
    // turn of 17,000 characters would make a standalone question eight times the limit.
    const previous = `${Array.from({ length: 2000 }, (_v, i) => `word${i}`).join(' ')}?`;
    const a = await ask(srv.url, { question: 'And Blagoveshchensk?', history: [{ role: 'user', content: previous }], stream: false });
    expect(a.question).toBe('And Blagoveshchensk?');
    const short = await ask(srv.url, { question: 'And Blagoveshchensk?', history: [{ role: 'user', content: 'What is the climate of Heihe like?' }], stream: false });
    expect(short.question).not.toBe('And Blagoveshchensk?');
  });
});

describe('GET /search', () => {
  test('returns ranked results, each an exact slice of its source', async () => {
    const res = await fetch(`${srv.url}/search?q=${encodeURIComponent('winters climate temperatures')}&k=5`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SearchJson;
    expect(body.results).toHaveLength(5);
    for (const r of body.results) {
      expect(Object.keys(r).sort()).toEqual(['chunkId', 'score', 'section', 'source', 'text']);
      expect(readFileSync(path.join(corpusDir, r.source), 'utf8').includes(r.text)).toBe(true);
    }
    const scores = body.results.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(body.results[0]?.section).toBe('Climate and Environment');
    expect(new Set(body.results.map((r) => r.chunkId)).size).toBe(5);
  });

  test('k defaults to 5 and k=20 returns at most the number of chunks', async () => {
    const h = await health(srv.url);
    const dflt = (await (await fetch(`${srv.url}/search?q=Heihe`)).json()) as SearchJson;
    expect(dflt.results).toHaveLength(5);
    const res = await fetch(`${srv.url}/search?q=Heihe&k=20`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SearchJson;
    expect(body.results.length).toBe(Math.min(20, h.index.chunks));
  });

  test.each([
    ['missing q', ''],
    ['empty q', '?q='],
    ['blank q', '?q=%20%20'],
    ['k=0', '?q=Heihe&k=0'],
    ['k=21', '?q=Heihe&k=21'],
    ['k not a number', '?q=Heihe&k=lots'],
    ['k fractional', '?q=Heihe&k=2.5'],
    ['unknown parameter', '?q=Heihe&debug=1'],
    ['repeated q', '?q=a&q=b'],
  ])('400 for %s', async (_name, query) => {
    const res = await fetch(`${srv.url}/search${query}`);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/\S/);
  });
});

describe('GET /health', () => {
  test('reports status, mode and the live index', async () => {
    const h = await health(srv.url);
    expect(h.status).toBe('ok');
    expect(h.mode).toBe('extractive');
    expect(h.index.version).toMatch(/^\w+$/);
    expect(h.index.chunks).toBeGreaterThan(10);
    expect(h.index.embedding.provider).toBe('local');
    expect(h.index.embedding.model).toMatch(/\S/);
    expect(h.index.embedding.dimensions).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(h.index.createdAt))).toBe(false);
    expect(h.index.chunks).toBe(srv.holder.peek()?.manifest.chunkCount);
  });
});

describe('the chat page and headers', () => {
  test('GET / serves HTML with a strict Content-Security-Policy and no x-powered-by', async () => {
    const res = await fetch(`${srv.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toMatch(/<html/i);
    // Every script the page loads is same-origin, so the CSP allows it.
    for (const m of html.matchAll(/<script[^>]*src="([^"]+)"/g)) {
      const src = m[1] ?? '';
      expect(src).not.toMatch(/^(https?:)?\/\//);
      const js = await fetch(new URL(src, `${srv.url}/`));
      expect(js.status).toBe(200);
    }
  });

  test('API responses carry no x-powered-by either', async () => {
    const res = await fetch(`${srv.url}/health`);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('request ids', () => {
  test('every response has an x-request-id, unique per request', async () => {
    const responses = await Promise.all([
      fetch(`${srv.url}/health`),
      fetch(`${srv.url}/health`),
      fetch(`${srv.url}/nope`),
      postJson(`${srv.url}/ask`, { question: '' }),
      fetch(`${srv.url}/`),
    ]);
    const ids = responses.map((r) => r.headers.get('x-request-id'));
    for (const id of ids) expect(id).toMatch(/^[\w.-]{8,}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a valid incoming x-request-id is echoed, on success and on error', async () => {
    const ok = await fetch(`${srv.url}/health`, { headers: { 'x-request-id': 'trace-abc.123_X' } });
    expect(ok.headers.get('x-request-id')).toBe('trace-abc.123_X');
    const bad = await postJson(`${srv.url}/ask`, { question: '' }, { headers: { 'x-request-id': 'trace-err-1' } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toBe('trace-err-1');
  });

  test.each([['spaces and symbols', 'bad id <script>'], ['too long', 'a'.repeat(101)]])('an invalid incoming id (%s) is replaced', async (_n, incoming) => {
    const res = await fetch(`${srv.url}/health`, { headers: { 'x-request-id': incoming } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[\w.-]{8,100}$/);
    expect(id).not.toBe(incoming);
  });
});

describe('a corpus smaller than k', () => {
  let tiny: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('heihe-tiny-corpus-');
    writeFileSync(
      path.join(dir, 'tiny.txt'),
      'Heihe Basics\n\nHeihe is a city in Heilongjiang province on the Amur River, across from Blagoveshchensk.\n\nWinters\n\nWinters in Heihe are long and very cold, and the river freezes solid.\n',
    );
    tiny = await startTestServer({ corpusFrom: dir });
  });
  afterAll(async () => {
    await tiny?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('search and ask with k=20 return what there is, without error', async () => {
    const h = await health(tiny.url);
    expect(h.index.chunks).toBeLessThan(20);
    const res = await fetch(`${tiny.url}/search?q=${encodeURIComponent('Heihe winters')}&k=20`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SearchJson;
    expect(body.results.length).toBe(h.index.chunks);
    expect(new Set(body.results.map((r) => r.chunkId)).size).toBe(h.index.chunks);

    const a = await ask(tiny.url, { question: 'What are winters like in Heihe?', k: 20 });
    expect(a.grounded).toBe(true);
    expect(a.citations.length).toBeLessThanOrEqual(h.index.chunks);
    expect(a.answer).toMatch(/long and very cold/);
    expectWellFormedAnswer(a, tiny.config.corpusDir);
  });
});

describe('POST /reindex', () => {
  test('403 when no ADMIN_TOKEN is configured, even with a token', async () => {
    for (const headers of [{}, { authorization: 'Bearer anything' }]) {
      const res = await fetch(`${srv.url}/reindex`, { method: 'POST', headers });
      expect(res.status).toBe(403);
      expect(((await res.json()) as ErrorJson).error.code).toBe('reindex_disabled');
    }
  });

  describe('with ADMIN_TOKEN', () => {
    const TOKEN = 'test-admin-token-0123456789';
    let admin: TestServer;
    beforeAll(async () => {
      admin = await startTestServer({ env: { ADMIN_TOKEN: TOKEN } });
    });
    afterAll(async () => admin?.close());

    test.each([
      ['no authorization header', undefined],
      ['a wrong token', `Bearer ${TOKEN}x`],
      ['a prefix of the token', `Bearer ${TOKEN.slice(0, 10)}`],
      ['the wrong scheme', `Basic ${TOKEN}`],
      ['the bare token', TOKEN],
      ['an empty bearer', 'Bearer '],
    ])('401 with %s', async (_name, authorization) => {
      const res = await fetch(`${admin.url}/reindex`, { method: 'POST', ...(authorization !== undefined ? { headers: { authorization } } : {}) });
      expect(res.status).toBe(401);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe('unauthorized');
      expect(JSON.stringify(body)).not.toContain(TOKEN);
    });

    test('200 with the right token; a corpus change is picked up and served', async () => {
      const before = await health(admin.url);
      const unchanged = await fetch(`${admin.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(unchanged.status).toBe(200);
      const s1 = (await unchanged.json()) as Record<string, unknown>;
      for (const key of ['version', 'added', 'unchanged', 'removed', 'embedded', 'ms']) expect(s1).toHaveProperty(key);
      expect(s1['version']).toBe(before.index.version);
      expect(s1['added']).toBe(0);
      expect(s1['removed']).toBe(0);
      expect(s1['embedded']).toBe(0);
      expect(Number.isInteger(s1['ms'])).toBe(true);

      mkdirSync(path.join(admin.config.corpusDir, 'extra'), { recursive: true });
      writeFileSync(
        path.join(admin.config.corpusDir, 'extra', 'festival.txt'),
        'Ice Lantern Festival\n\nEvery January Heihe holds the Zorblatt Ice Lantern Festival on the frozen Amur River.\n',
      );
      const changed = await fetch(`${admin.url}/reindex`, { method: 'POST', headers: { authorization: `bearer  ${TOKEN}` } });
      expect(changed.status).toBe(200);
      const s2 = (await changed.json()) as Record<string, number | string>;
      expect(s2['version']).not.toBe(before.index.version);
      expect(s2['added']).toBeGreaterThan(0);
      expect(s2['embedded']).toBe(s2['added']);
      expect(s2['removed']).toBe(0);

      const after = await health(admin.url);
      expect(after.index.version).toBe(s2['version']);
      expect(after.index.chunks).toBeGreaterThan(before.index.chunks);
      const a = await ask(admin.url, { question: 'When is the Zorblatt Ice Lantern Festival held?' });
      expect(a.indexVersion).toBe(s2['version']);
      expect(a.grounded).toBe(true);
      expect(a.citations.some((c) => c.source === 'extra/festival.txt')).toBe(true);
      expectWellFormedAnswer(a, admin.config.corpusDir);

      // Removing it again removes its chunks.
      rmSync(path.join(admin.config.corpusDir, 'extra'), { recursive: true });
      const removed = await fetch(`${admin.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      const s3 = (await removed.json()) as Record<string, number | string>;
      expect(s3['removed']).toBeGreaterThan(0);
      expect(s3['version']).toBe(before.index.version);
      expect((await health(admin.url)).index.chunks).toBe(before.index.chunks);
    });
  });
});
