/**
 * POST /feedback and GET /config over HTTP on a real port. Feedback: 201 with the record
 * appended under FEEDBACK_DIR, clear 4xx JSON for every bad body (and nothing stored), a rate
 * limit, 503 when the directory cannot be written. Config: the limits the page reads, which
 * are the ones /ask enforces.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { createFeedbackStore } from '../../src/feedback/store.js';
import { FEEDBACK_LIMITS } from '../../src/feedback/feedback.js';
import { bodyLimitBytes } from '../../src/server/routes/client-config.js';
import { fakeAppDeps, listenOnLoopback, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { ask, expectError, postJson } from '../helpers/http.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

/** Every stored record, in order. */
function stored(dir: string): Array<Record<string, unknown>> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((n) => readFileSync(path.join(dir, n), 'utf8').trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
}

describe('POST /feedback', () => {
  test('a thumbs-down on a real answer, with a note, is stored as one JSON line: 201 with its id', async () => {
    const answer = await ask(srv.url, { question: 'What province is Heihe in?' });
    const body = { question: answer.question, answer: answer.answer, indexVersion: answer.indexVersion, chunkIds: answer.citations.map((c) => c.chunkId), verdict: 'down', note: '  It should name the province first.  ' };
    const res = await postJson(`${srv.url}/feedback`, body);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; receivedAt: string };
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(created.receivedAt))).toBe(false);

    const files = readdirSync(srv.config.feedbackDir);
    expect(files).toEqual([`feedback-${created.receivedAt.slice(0, 10)}.jsonl`]);
    expect(stored(srv.config.feedbackDir)).toEqual([{ ...body, note: 'It should name the province first.', id: created.id, receivedAt: created.receivedAt }]);
  });

  test('a thumbs-up without a note (a blank note counts as none) is appended after it', async () => {
    const before = stored(srv.config.feedbackDir);
    for (const extra of [{}, { note: '   ' }]) {
      const res = await postJson(`${srv.url}/feedback`, { question: 'Where is Heihe?', answer: 'On the Amur. [1]', indexVersion: 'v1', chunkIds: [], verdict: 'up', ...extra });
      expect(res.status).toBe(201);
    }
    const after = stored(srv.config.feedbackDir);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((r) => [r['verdict'], 'note' in r])).toEqual([
      ['up', false],
      ['up', false],
    ]);
  });

  const valid = { question: 'Where is Heihe?', answer: 'On the Amur. [1]', indexVersion: 'v1', chunkIds: ['abc'], verdict: 'down' };
  test.each([
    ['no verdict', { ...valid, verdict: undefined }, /verdict/],
    ['another verdict', { ...valid, verdict: 'meh' }, /verdict must be "up" or "down"/],
    ['an empty question', { ...valid, question: '   ' }, /question must not be empty/],
    ['chunkIds that are not a list', { ...valid, chunkIds: 'abc' }, /chunkIds/],
    ['a chunk id with a path in it', { ...valid, chunkIds: ['../../etc/passwd'] }, /chunkIds/],
    ['an indexVersion with a slash', { ...valid, indexVersion: 'a/b' }, /indexVersion/],
    ['too long a note', { ...valid, note: 'n'.repeat(FEEDBACK_LIMITS.noteChars + 1) }, /note must be at most 2000 characters/],
    ['an unknown field', { ...valid, path: '/tmp/x' }, /unknown field/],
    ['a prototype key', JSON.parse(`{"question":"q","answer":"a","indexVersion":"v","chunkIds":[],"verdict":"up","__proto__":{"x":1}}`) as unknown, /unknown field/],
    ['a list instead of an object', [valid], /body|expected object/],
  ])('%s is a 400 invalid_request naming the problem, and nothing is stored', async (_what, body, message) => {
    const before = stored(srv.config.feedbackDir).length;
    const err = await expectError(await postJson(`${srv.url}/feedback`, body), 400, 'invalid_request');
    expect(err.error.message).toMatch(message);
    expect(stored(srv.config.feedbackDir)).toHaveLength(before);
  });

  test('not JSON is 415 or 400, and nothing is stored', async () => {
    const before = stored(srv.config.feedbackDir).length;
    await expectError(await fetch(`${srv.url}/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'thumbs down' }), 415, 'unsupported_media_type');
    await expectError(await postJson(`${srv.url}/feedback`, '{"verdict": "down",'), 400, 'invalid_json');
    expect(stored(srv.config.feedbackDir)).toHaveLength(before);
  });

  test('over the per-client limit is 429 with Retry-After; other routes are not limited by it', async () => {
    const dir = tempDir('heihe-feedback-limit-');
    const app = await listenOnLoopback(createApp(fakeAppDeps({ feedback: createFeedbackStore(dir), feedbackRateLimitPerMinute: 2, rateLimitLocal: true })));
    try {
      for (let i = 0; i < 2; i++) expect((await postJson(`${app.url}/feedback`, valid)).status).toBe(201);
      const res = await postJson(`${app.url}/feedback`, valid);
      await expectError(res, 429, 'rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(stored(dir)).toHaveLength(2);
      expect((await fetch(`${app.url}/config`)).status).toBe(200);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a FEEDBACK_DIR that cannot be written is a 503 feedback_unavailable without the path', async () => {
    const parent = tempDir('heihe-feedback-blocked-');
    const blocked = path.join(parent, 'not-a-dir');
    writeFileSync(blocked, 'a file');
    const app = await listenOnLoopback(createApp(fakeAppDeps({ feedback: createFeedbackStore(path.join(blocked, 'feedback')) })));
    try {
      const res = await postJson(`${app.url}/feedback`, valid);
      const text = await res.clone().text();
      await expectError(res, 503, 'feedback_unavailable');
      expect(text).not.toContain(parent);
      expect(readFileSync(blocked, 'utf8')).toBe('a file');
    } finally {
      await app.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('GET /config', () => {
  test('gives the limits /ask enforces', async () => {
    const res = await fetch(`${srv.url}/config`);
    expect(res.status).toBe(200);
    const config = (await res.json()) as { limits: { questionChars: number; historyTurns: number; historyContentChars: number; bodyBytes: number; feedbackNoteChars: number } };
    expect(config).toEqual({ limits: { questionChars: 2000, historyTurns: 20, historyContentChars: 20_000, bodyBytes: 64 * 1024, feedbackNoteChars: FEEDBACK_LIMITS.noteChars } });
    const { questionChars, historyTurns, historyContentChars, bodyBytes } = config.limits;

    // At each limit /ask answers; one past it, it refuses.
    const history = (n: number, chars = 5) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'Heihe'.padEnd(chars, '.') }));
    expect((await postJson(`${srv.url}/ask`, { question: 'x'.repeat(questionChars), history: history(historyTurns) })).status).toBe(200);
    expect((await postJson(`${srv.url}/ask`, { question: 'Where is Heihe?', history: history(1, historyContentChars) })).status).toBe(200);
    await expectError(await postJson(`${srv.url}/ask`, { question: 'x'.repeat(questionChars + 1) }), 400, 'invalid_request');
    await expectError(await postJson(`${srv.url}/ask`, { question: 'Hi?', history: history(historyTurns + 1) }), 400, 'invalid_request');
    await expectError(await postJson(`${srv.url}/ask`, { question: 'Hi?', history: history(1, historyContentChars + 1) }), 400, 'invalid_request');
    // The body limit binds before the history limits do (20 turns of 20,000 characters is more).
    const body = (size: number) => JSON.stringify({ question: 'Where is Heihe?', history: [{ role: 'user', content: 'y'.repeat(size) }] });
    const overhead = body(0).length;
    expect((await postJson(`${srv.url}/ask`, `${body(0).slice(0, -1)}${' '.repeat(bodyBytes - overhead)}}`)).status).toBe(200);
    await expectError(await postJson(`${srv.url}/ask`, `${body(0).slice(0, -1)}${' '.repeat(bodyBytes - overhead + 1)}}`), 413, 'payload_too_large');
  });

  test('reads BODY_LIMIT as Express does', () => {
    expect([bodyLimitBytes('64kb'), bodyLimitBytes('1MB'), bodyLimitBytes('500b')]).toEqual([65_536, 1_048_576, 500]);
  });
});
