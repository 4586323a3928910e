/**
 * POST /ask with stream:true in offline mode: the event order (citations, delta+, done), the
 * deltas adding up to the final answer, and agreement with the JSON answer.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ask, askStream, expectWellFormedAnswer, postJson, squash, type Answer, type Citation } from '../helpers/http.js';
import { json, sseEvents } from '../helpers/sse.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

test.each(['What province is Heihe in?', 'What are the winters like in Heihe?', 'How do I bake sourdough bread?'])(
  'streams "%s" as citations, deltas, done; the deltas add up to the answer',
  async (question) => {
    const { res, events, deltaText, done } = await askStream(srv.url, { question });
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('citations');
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.filter((k) => k === 'citations')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'done')).toHaveLength(1);
    expect(kinds.slice(1, -1).every((k) => k === 'delta')).toBe(true);
    expect(kinds.filter((k) => k === 'delta').length).toBeGreaterThanOrEqual(1);

    expect(done).toBeDefined();
    const answer = done as Answer;
    expect(squash(deltaText)).toBe(squash(answer.answer));
    expectWellFormedAnswer(answer, srv.config.corpusDir);

    const first = json<{ citations: Citation[]; question: string; indexVersion: string }>(events[0]);
    expect(first.question).toBe(question);
    expect(first.indexVersion).toBe(answer.indexVersion);
    expect(first.citations).toEqual(answer.citations);

    // The streamed answer is the JSON answer.
    const plain = await ask(srv.url, { question });
    expect(answer).toEqual(plain);
  },
);

test('indexVersion in the stream equals /health', async () => {
  const { done } = await askStream(srv.url, { question: 'What province is Heihe in?' });
  const h = (await (await fetch(`${srv.url}/health`)).json()) as { index: { version: string } };
  expect(done?.indexVersion).toBe(h.index.version);
});

test('events arrive as separate frames that parse on their own', async () => {
  const res = await postJson(`${srv.url}/ask`, { question: 'Which treaty defined the border along the Amur River?', stream: true });
  const raw = await res.text();
  expect(raw).toMatch(/^event: citations\ndata: /);
  expect(raw.endsWith('\n\n')).toBe(true);
  for (const frame of raw.split('\n\n').filter(Boolean)) {
    const lines = frame.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^event: (citations|delta|done)$/);
    expect(() => JSON.parse((lines[1] ?? '').replace(/^data: /, ''))).not.toThrow();
  }
});

test('a client that stops reading early does not break the server', async () => {
  const controller = new AbortController();
  const res = await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?', stream: true }, { signal: controller.signal });
  for await (const e of sseEvents(res.body as ReadableStream<Uint8Array>)) {
    if (e.event === 'citations') break;
  }
  controller.abort();
  const after = await ask(srv.url, { question: 'What province is Heihe in?' });
  expect(after.grounded).toBe(true);
});
