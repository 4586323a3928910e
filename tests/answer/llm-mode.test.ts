/**
 * LLM mode end to end over HTTP: the real server with ChatOpenAI pointed at the local OpenAI
 * stub. Citation checking of model output (JSON and streamed), refusals, retries, fallbacks to
 * extractive answers, deadlines, and cancelling the upstream call when the client leaves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type RecordedRequest } from '../helpers/openai-stub.js';
import type { TestServer } from '../helpers/test-server.js';
import { ask, askStream, expectWellFormedAnswer, guardNetwork, markers, postJson, squash, waitFor, type Answer } from '../helpers/http.js';
import { defaultFallback, isCondense, messagesOf, passagesOf, questionOf, startLlmServer } from '../helpers/llm.js';
import { json, sseEvents } from '../helpers/sse.js';

const Q = 'What province is Heihe in?';
const REFUSAL = /corpus doesn't say/i;

let net: ReturnType<typeof guardNetwork>;
let stub: OpenAIStub;
let srv: TestServer;

beforeAll(async () => {
  net = guardNetwork();
  stub = await startOpenAIStub();
  stub.setFallback(defaultFallback());
  srv = await startLlmServer(stub.url);
});
afterAll(async () => {
  await srv?.close();
  await stub?.close();
  net?.restore();
  expect(net.refused).toEqual([]);
});
afterEach(() => {
  stub.setFallback(defaultFallback());
});

/** Chat requests the stub receives while `fn` runs. */
async function upstreamDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: RecordedRequest[] }> {
  const before = stub.chatRequests().length;
  const result = await fn();
  return { result, calls: stub.chatRequests().slice(before) };
}

test('/health reports llm mode', async () => {
  const h = (await (await fetch(`${srv.url}/health`)).json()) as { mode: string };
  expect(h.mode).toBe('llm');
});

describe('answers from the model', () => {
  test('a reply citing [1] and [2] is grounded, citing exactly those passages as the model saw them', async () => {
    stub.enqueue({ kind: 'text', text: 'Heihe is a city in Heilongjiang province [1]. It lies across the Amur River from Blagoveshchensk [2].' });
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q, k: 3 }));
    expect(calls).toHaveLength(1);
    const messages = messagesOf(calls[0]);
    expect(messages[0]?.role).toBe('system');
    expect(messages[0]?.content).toMatch(/ONLY the numbered passages/);
    expect(questionOf(messages)).toBe(Q);
    const passages = passagesOf(messages);
    expect(passages.map((p) => p.n)).toEqual([1, 2, 3]);
    expect((calls[0]?.body as { stream?: boolean }).stream).toBe(true);

    expect(a.mode).toBe('llm');
    expect(a.grounded).toBe(true);
    expect(a.question).toBe(Q);
    expect(a.answer).toBe('Heihe is a city in Heilongjiang province [1]. It lies across the Amur River from Blagoveshchensk [2].');
    expect(a.citations.map((c) => c.n)).toEqual([1, 2]);
    for (const c of a.citations) expect(c.text).toBe(passages.find((p) => p.n === c.n)?.text);
    expect(a).not.toHaveProperty('fallback');
    expect(a.checks).toEqual({ sentences: 2, dropped: 0, trimmed: 0, reasons: {} });
    expectWellFormedAnswer(a, srv.config.corpusDir);
    const h = (await (await fetch(`${srv.url}/health`)).json()) as { index: { version: string } };
    expect(a.indexVersion).toBe(h.index.version);
  });

  test('only cited passages are returned: a reply citing [2] alone returns citation 2 only', async () => {
    stub.enqueue({ kind: 'text', text: "Anheihe stands as a strategic town in China's Heilongjiang province [2]." });
    const a = await ask(srv.url, { question: Q });
    expect(a.grounded).toBe(true);
    expect(a.citations.map((c) => c.n)).toEqual([2]);
    expect(markers(a.answer)).toEqual([2]);
  });

  test('k sets the number of passages the model sees', async () => {
    for (const k of [1, 7]) {
      const { calls } = await upstreamDuring(() => ask(srv.url, { question: Q, k }));
      expect(passagesOf(messagesOf(calls[0])).map((p) => p.n)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
    }
  });

  test('NOT_IN_CORPUS is an ungrounded refusal without citations', async () => {
    stub.enqueue({ kind: 'text', text: 'NOT_IN_CORPUS' });
    const a = await ask(srv.url, { question: 'How do I bake sourdough bread?' });
    expect(a.mode).toBe('llm');
    expect(a.grounded).toBe(false);
    expect(a.citations).toEqual([]);
    expect(a.answer).toMatch(REFUSAL);
    // What came closest is offered apart from citations, numbered 1..3, without quote offsets.
    expect(a.related?.map((c) => c.n)).toEqual([1, 2, 3]);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('a reply with no valid citation at all falls back to the extractive answer, saying why', async () => {
    stub.enqueue({ kind: 'text', text: 'Heihe has a famous zoo. It was built in 1950 [9].' });
    const a = await ask(srv.url, { question: Q });
    expect(a.mode).toBe('extractive');
    expect(a.fallback).toBe('unsupported_claims');
    expect(a.checks).toEqual({ sentences: 2, dropped: 2, trimmed: 0, reasons: { uncited: 2 } });
    expect(a.grounded).toBe(true);
    expect(a.answer).toMatch(/Heilongjiang/);
    expect(a.answer).not.toMatch(/zoo|1950|\[9\]/);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('an invalid marker is removed and a sentence without markers is dropped', async () => {
    stub.enqueue({ kind: 'text', text: 'Heihe is in Heilongjiang province [1][9]. The city has a famous zoo. Winters are cold [9]. It lies across the Amur River from Blagoveshchensk, Russia [2, 9].' });
    const a = await ask(srv.url, { question: Q });
    expect(a.grounded).toBe(true);
    expect(a.answer).toBe('Heihe is in Heilongjiang province [1]. It lies across the Amur River from Blagoveshchensk, Russia [2].');
    expect(a.citations.map((c) => c.n)).toEqual([1, 2]);
    expect(a.checks).toEqual({ sentences: 4, dropped: 2, trimmed: 0, reasons: { uncited: 2 } });
  });

  test('markdown images, links and bare URLs to foreign sites are stripped', async () => {
    stub.enqueue({
      kind: 'text',
      text: 'Heihe is in Heilongjiang ![tracker](http://evil.example/pixel.png) [1]. It is a pivotal city in [Heilongjiang province](http://evil.example/map), northeastern China [1]. It stands across from Blagoveshchensk http://evil.example/x?a=1 in <a href="http://evil.example">Russia</a> [2].',
    });
    const a = await ask(srv.url, { question: Q });
    expect(a.grounded).toBe(true);
    expect(a.answer).not.toMatch(/evil\.example|https?:|!\[|\]\(|<a|<\/a>/);
    // A link's label stays where the link was.
    expect(a.answer).toContain('pivotal city in Heilongjiang province, northeastern China [1]');
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });
});

describe('streamed answers from the model', () => {
  test('citations first, then checked deltas that add up to the answer, then done', async () => {
    stub.enqueue({
      kind: 'text',
      text: 'Heihe is in Heilongjiang ![x](http://evil.example/p.png) [1][9]. The city has a famous zoo. It is a strategic town in [China](http://evil.example/m) [2]. Bad marker only [7]. It is a pivotal city http://evil.example/z [1].',
    });
    const { events, deltaText, done } = await askStream(srv.url, { question: Q, k: 3 });
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('citations');
    expect(kinds.at(-1)).toBe('done');
    expect(kinds.slice(1, -1).every((k) => k === 'delta')).toBe(true);
    expect(kinds.filter((k) => k === 'delta').length).toBeGreaterThanOrEqual(2);
    const first = json<{ citations: Array<{ n: number }> }>(events[0]);
    expect(first.citations.map((c) => c.n)).toEqual([1, 2, 3]);

    for (const e of events.filter((x) => x.event === 'delta')) {
      const text = json<{ text: string }>(e).text;
      expect(text).not.toMatch(/evil\.example|https?:|\[9\]|\[7\]|zoo|Bad marker/);
    }
    const answer = done as Answer;
    expect(answer.mode).toBe('llm');
    expect(answer.grounded).toBe(true);
    expect(answer.citations.map((c) => c.n)).toEqual([1, 2]);
    // Checked sentences streamed one by one add up to the answer exactly, spaces included.
    expect(deltaText).toBe(answer.answer);
    expect(answer.answer).not.toMatch(/evil|zoo|\[9\]|\[7\]/);
  });

  test('a NOT_IN_CORPUS reply streams the refusal as deltas, matching done', async () => {
    stub.enqueue({ kind: 'text', text: 'NOT_IN_CORPUS' });
    const { events, deltaText, done } = await askStream(srv.url, { question: 'How do I bake sourdough bread?' });
    expect(events.map((e) => e.event).at(-1)).toBe('done');
    expect(done?.grounded).toBe(false);
    expect(done?.answer).toMatch(REFUSAL);
    expect(squash(deltaText)).toBe(squash(done?.answer ?? ''));
  });
});

describe('upstream faults', () => {
  test('a 500 then a success is retried once and answered by the model', async () => {
    stub.enqueue({ kind: 'error', status: 500 }, { kind: 'text', text: 'Heihe is in Heilongjiang province [1].' });
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
    expect(calls).toHaveLength(2);
    expect(a.mode).toBe('llm');
    expect(a.grounded).toBe(true);
    expect(a).not.toHaveProperty('fallback');
  });

  test('429 three times falls back to an extractive answer with a reason, after exactly 3 attempts', async () => {
    stub.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 429 }, { kind: 'error', status: 429 });
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
    expect(calls).toHaveLength(3);
    expect(a.mode).toBe('extractive');
    expect(typeof a.fallback).toBe('string');
    expect(a.fallback).toMatch(/429/);
    expect(a.grounded).toBe(true);
    expect(a.answer).toMatch(/Heilongjiang/);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('a non-retryable 400 is not retried and falls back', async () => {
    stub.enqueue({ kind: 'error', status: 400, message: 'bad request' });
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
    expect(calls).toHaveLength(1);
    expect(a.mode).toBe('extractive');
    expect(a.fallback).toMatch(/\S/);
  });

  test('a stream cut before any text is retried', async () => {
    stub.enqueue({ kind: 'cut', text: 'Heihe is in Heilongjiang province [1].', afterChunks: 0 }, { kind: 'text', text: 'Heihe is in Heilongjiang province [1].' });
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
    expect(calls).toHaveLength(2);
    expect(a.mode).toBe('llm');
    expect(a.grounded).toBe(true);
  });

  test('a stream cut mid-answer ends with a response, not a dropped connection (JSON)', async () => {
    stub.enqueue({ kind: 'cut', text: 'Heihe is in Heilongjiang province [1]. It lies across the river from Blagoveshchensk [2]. More follows here [1].', afterChunks: 2 });
    const { result: res, calls } = await upstreamDuring(async () => {
      const r = await postJson(`${srv.url}/ask`, { question: Q });
      return { status: r.status, body: (await r.json()) as Answer };
    });
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('extractive');
    expect(res.body.fallback).toMatch(/\S/);
    expectWellFormedAnswer(res.body, srv.config.corpusDir);
  });

  test('a stream cut mid-answer ends with a done or error event (streamed)', async () => {
    stub.enqueue({ kind: 'cut', text: 'Heihe is in Heilongjiang province [1]. It lies across the river from Blagoveshchensk [2]. More follows here [1].', afterChunks: 2 });
    const { result: s, calls } = await upstreamDuring(() => askStream(srv.url, { question: Q }));
    expect(calls.length).toBeLessThanOrEqual(3);
    const kinds = s.events.map((e) => e.event);
    expect(['done', 'error']).toContain(kinds.at(-1));
    expect(kinds[0]).toBe('citations');
    // The model's first sentence was streamed before the cut...
    expect(kinds.indexOf('delta')).toBe(1);
    if (s.done) {
      // ...so the fallback restarts the answer with a new citations event, and the deltas after
      // it add up to the final answer.
      expect(kinds.filter((k) => k === 'citations')).toHaveLength(2);
      expect(s.done.mode).toBe('extractive');
      expect(s.done.fallback).toMatch(/\S/);
      expectWellFormedAnswer(s.done, srv.config.corpusDir);
      expect(squash(s.deltaText)).toBe(squash(s.done.answer));
    }
  });

  test('a streamed fallback after 429s restarts with the extractive citations; its deltas add up to the answer', async () => {
    stub.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 429 }, { kind: 'error', status: 429 });
    const { result: s, calls } = await upstreamDuring(() => askStream(srv.url, { question: Q }));
    expect(calls).toHaveLength(3);
    const kinds = s.events.map((e) => e.event);
    expect(kinds.at(-1)).toBe('done');
    const last = kinds.lastIndexOf('citations');
    expect(kinds.slice(0, last).every((k) => k === 'citations')).toBe(true);
    expect(kinds.slice(last + 1, -1).every((k) => k === 'delta')).toBe(true);
    expect(json<{ citations: unknown }>(s.events[last]).citations).toEqual(s.done?.citations);
    expect(s.done?.mode).toBe('extractive');
    expect(s.done?.fallback).toMatch(/429/);
    expect(squash(s.deltaText)).toBe(squash(s.done?.answer ?? ''));
  });

  test('the default retry budget caps attempts at 3 for persistent 500s', async () => {
    stub.setFallback(() => ({ kind: 'error', status: 503 }));
    const { result: a, calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
    expect(calls).toHaveLength(3);
    expect(a.mode).toBe('extractive');
  });
});

describe('client disconnects', () => {
  test('aborting a streamed request after the citations cancels the upstream call', async () => {
    stub.enqueue({ kind: 'hang' });
    const before = stub.chatRequests().length;
    const controller = new AbortController();
    const res = await postJson(`${srv.url}/ask`, { question: Q, stream: true }, { signal: controller.signal });
    expect(res.status).toBe(200);
    let sawCitations = false;
    try {
      for await (const e of sseEvents(res.body as ReadableStream<Uint8Array>)) {
        if (e.event === 'citations') {
          sawCitations = true;
          // The model call is under way (the stub holds it) when we leave.
          await waitFor(() => stub.chatRequests().length > before, 3000, 'the upstream request');
          controller.abort();
        }
      }
    } catch (err) {
      expect((err as Error).name).toBe('AbortError');
    }
    expect(sawCitations).toBe(true);
    const upstream = stub.chatRequests()[before];
    expect(upstream).toBeDefined();
    await waitFor(() => upstream?.aborted === true, 2000, 'the upstream request to be aborted');
    expect(stub.chatRequests().length - before).toBe(1);
  });

  test('aborting a JSON request cancels the upstream call too', async () => {
    stub.enqueue({ kind: 'hang' });
    const before = stub.chatRequests().length;
    const controller = new AbortController();
    const pending = postJson(`${srv.url}/ask`, { question: Q }, { signal: controller.signal }).catch((err: Error) => err);
    await waitFor(() => stub.chatRequests().length > before, 3000, 'the upstream request');
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await waitFor(() => stub.chatRequests()[before]?.aborted === true, 2000, 'the upstream request to be aborted');
    expect(stub.chatRequests().length - before).toBe(1);
    // The server is still fine.
    stub.enqueue({ kind: 'text', text: 'Heihe is in Heilongjiang province [1].' });
    expect((await ask(srv.url, { question: Q })).mode).toBe('llm');
  });
});

describe('a hung model with LLM_TIMEOUT_MS=1500', () => {
  let slow: TestServer;
  let hangStub: OpenAIStub;
  beforeAll(async () => {
    hangStub = await startOpenAIStub();
    hangStub.setFallback(() => ({ kind: 'hang' }));
    slow = await startLlmServer(hangStub.url, { LLM_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => {
    await slow?.close();
    await hangStub?.close();
  });

  test('answers extractively within ~3 s and aborts the upstream call', async () => {
    const started = Date.now();
    const a = await ask(slow.url, { question: Q });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
    expect(a.mode).toBe('extractive');
    expect(a.fallback).toMatch(/1500 ms/);
    expect(a.grounded).toBe(true);
    const calls = hangStub.chatRequests();
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(3);
    await waitFor(() => calls.every((c) => c.aborted), 1000, 'hung upstream requests to be aborted');
  });

  test('streamed, it also ends with done (extractive) within ~3 s', async () => {
    const started = Date.now();
    const s = await askStream(slow.url, { question: Q });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(s.events.map((e) => e.event).at(-1)).toBe('done');
    expect(s.done?.mode).toBe('extractive');
  });

  test('a follow-up whose condense call hangs still answers within the deadline budget', async () => {
    const started = Date.now();
    const a = await ask(slow.url, { question: 'What about the winters there?', history: [{ role: 'user', content: 'Tell me about Heihe.' }] });
    // Condense and answer each get LLM_TIMEOUT_MS.
    expect(Date.now() - started).toBeLessThan(4500);
    expect(a.mode).toBe('extractive');
    expect(a.question).toMatch(/Heihe/);
  });
});

test('condense prompts are only sent for follow-ups', async () => {
  const { calls } = await upstreamDuring(() => ask(srv.url, { question: Q }));
  expect(calls.some((c) => isCondense(messagesOf(c)))).toBe(false);
});
