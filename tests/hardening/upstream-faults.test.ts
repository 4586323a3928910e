/**
 * Upstream faults in LLM mode, against the OpenAI stub: 429s, 500s, a hang, a slow reply, a
 * stream cut mid-way, a follow-up whose condense call hangs. Each answer ends within the
 * deadline (LLM_TIMEOUT_MS) plus a small margin with at most 1 + LLM_MAX_RETRIES upstream
 * attempts, answering extractively (marked `fallback`) when the model fails. A client that
 * disconnects aborts the upstream call.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply } from '../helpers/openai-stub.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ask, waitFor, type AskResult } from './lib.js';

const DEADLINE_MS = 1500;
const MARGIN_MS = 1000;
const MAX_ATTEMPTS = 3;
const GOOD = 'Heihe lies in Heilongjiang province. [1]';

let stub: OpenAIStub;
let srv: TestServer;
beforeAll(async () => {
  stub = await startOpenAIStub();
  stub.setFallback(() => ({ kind: 'text', text: GOOD }));
  srv = await startTestServer({
    env: { OPENAI_API_KEY: 'sk-test-stub', OPENAI_BASE_URL: `${stub.url}/v1`, LLM_TIMEOUT_MS: String(DEADLINE_MS), LLM_MAX_RETRIES: '2' },
  });
});
afterAll(async () => {
  await srv?.close();
  await stub?.close();
});

interface Outcome {
  status: number;
  ms: number;
  attempts: number;
  mode: string | undefined;
  fallback: string | undefined;
  grounded: boolean | undefined;
  error: string | undefined;
}

function answerOf(r: AskResult): { mode?: string; fallback?: string; grounded?: boolean; answer?: string } | undefined {
  if (r.frames.length) return (r.frames.find((f) => f.event === 'done')?.data as { answer?: { mode?: string; fallback?: string; grounded?: boolean } } | undefined)?.answer;
  return r.json as { mode?: string; fallback?: string; grounded?: boolean } | undefined;
}

async function run(name: string, replies: StubReply[], body: Record<string, unknown>): Promise<Outcome> {
  const before = stub.chatRequests().length;
  stub.enqueue(...replies);
  const r = await ask(srv.url, body, { timeoutMs: 20_000 });
  // Replies the call did not consume would leak into the next case.
  const attempts = stub.chatRequests().length - before;
  const a = answerOf(r);
  const errorFrame = r.frames.find((f) => f.event === 'error')?.data as { error?: { code?: string } } | undefined;
  const out: Outcome = {
    status: r.status,
    ms: Math.round(r.ms),
    attempts,
    mode: a?.mode,
    fallback: a?.fallback,
    grounded: a?.grounded,
    error: errorFrame?.error?.code ?? (r.json as { error?: { code?: string } } | null)?.error?.code,
  };
  console.log(`fault ${name}: status=${out.status} elapsed=${out.ms}ms attempts=${attempts} mode=${out.mode} fallback=${out.fallback ? JSON.stringify(out.fallback) : '-'}${out.error ? ` error=${out.error}` : ''}`);
  return out;
}

const Q = { question: 'What province is Heihe in?' };
const e429: StubReply = { kind: 'error', status: 429, message: 'slow down' };
const e500: StubReply = { kind: 'error', status: 500, message: 'upstream exploded' };
const e503: StubReply = { kind: 'error', status: 503, message: 'overloaded' };
const hang: StubReply = { kind: 'hang' };

/** Ended in time, within the attempt budget, and either a fallback answer or a 503. */
function expectBounded(o: Outcome, expectFallback = true): void {
  expect(o.ms).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
  expect(o.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
  if (o.status === 503) {
    expect(o.error).toBe('upstream_unavailable');
    return;
  }
  expect(o.status).toBe(200);
  if (expectFallback) {
    expect(o.mode).toBe('extractive');
    expect(o.fallback).toBeTruthy();
  }
}

test('429 and 5xx: retried at most twice with backoff, then an extractive fallback within the deadline', async () => {
  const cases: Array<[string, StubReply[], Record<string, unknown>]> = [
    ['429x3', [e429, e429, e429], Q],
    ['500x3', [e500, e500, e500], Q],
    ['503,429,500 streamed', [e503, e429, e500], { ...Q, stream: true }],
    ['429x5 (more than the budget)', [e429, e429, e429, e429, e429], Q],
  ];
  for (const [name, replies, body] of cases) {
    const o = await run(name, replies, body);
    expectBounded(o);
    expect(o.attempts).toBe(MAX_ATTEMPTS);
  }
  // The last case left two 429s queued: the next answer meets them, retries, and succeeds.
  const drain = await run('2 leftover 429s then ok', [], Q);
  expect(drain.status).toBe(200);
  expect(drain.attempts).toBe(3);
  expect(drain.mode).toBe('llm');

  const recovered = await run('429 then ok', [e429, { kind: 'text', text: GOOD }], Q);
  expect(recovered.status).toBe(200);
  expect(recovered.attempts).toBe(2);
  expect(recovered.mode).toBe('llm');
  expect(recovered.fallback).toBeUndefined();
});

test('a hang or a slow reply ends at the deadline with a fallback, and the upstream call is aborted', async () => {
  for (const [name, replies, body] of [
    ['hang', [hang], Q],
    ['hang streamed', [hang], { ...Q, stream: true }],
    ['slow 5s', [{ kind: 'slow', delayMs: 5000, text: GOOD } as StubReply], Q],
  ] as Array<[string, StubReply[], Record<string, unknown>]>) {
    const before = stub.chatRequests().length;
    const o = await run(name, replies, body);
    expectBounded(o);
    expect(o.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    const aborted = await waitFor(() => stub.chatRequests().slice(before).every((r) => r.aborted), 2000);
    expect(aborted).toBe(true);
  }
});

test('a stream cut mid-way: no retry once text was produced; extractive fallback', async () => {
  const partial = 'Heihe lies in Heilongjiang province. [1] It faces Blagoveshchensk across the Amur. [1] More text that never arrives.';
  const cut = await run('cut after 2 chunks', [{ kind: 'cut', text: partial, afterChunks: 2 }], Q);
  expectBounded(cut);
  expect(cut.attempts).toBe(1);

  const early = await run('cut before any text', [{ kind: 'cut', text: partial, afterChunks: 0 }], Q);
  expectBounded(early, false);
  expect(early.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);

  const before = stub.chatRequests().length;
  stub.enqueue({ kind: 'cut', text: partial, afterChunks: 2 });
  const streamed = await ask(srv.url, { ...Q, stream: true }, { timeoutMs: 20_000 });
  const done = (streamed.frames.find((f) => f.event === 'done')?.data as { answer?: { answer: string; fallback?: string } })?.answer;
  const citationEvents = streamed.frames.filter((f) => f.event === 'citations').length;
  console.log(`fault cut streamed: status=${streamed.status} elapsed=${Math.round(streamed.ms)}ms attempts=${stub.chatRequests().length - before} citations-events=${citationEvents} fallback=${JSON.stringify(done?.fallback)}`);
  expect(streamed.status).toBe(200);
  expect(done?.fallback).toBeTruthy();
  expect(streamed.ms).toBeLessThanOrEqual(DEADLINE_MS + MARGIN_MS);
});

test('a follow-up whose condense call hangs still answers within one deadline', async () => {
  const o = await run('condense hang', [hang], {
    question: 'And what about its climate?',
    history: [
      { role: 'user', content: 'Tell me about Heihe.' },
      { role: 'assistant', content: 'Heihe is a city in Heilongjiang. [1]' },
    ],
  });
  expectBounded(o);
  expect(o.attempts).toBe(1); // the deadline is spent: the answer call is not even made
});

test('a client that disconnects aborts the upstream call (JSON and streamed)', async () => {
  for (const stream of [false, true]) {
    const before = stub.chatRequests().length;
    stub.enqueue(hang);
    const controller = new AbortController();
    const started = performance.now();
    const pending = ask(srv.url, { ...Q, stream }, { signal: controller.signal }).catch((err: unknown) => err);
    await waitFor(() => stub.chatRequests().length > before, 5000);
    controller.abort();
    await pending;
    const aborted = await waitFor(() => stub.chatRequests()[before]?.aborted === true, 2000);
    const ms = Math.round(performance.now() - started);
    console.log(`fault client disconnect (${stream ? 'streamed' : 'json'}): upstream aborted=${aborted} after ${ms}ms (deadline ${DEADLINE_MS}ms)`);
    expect(aborted).toBe(true);
    expect(ms).toBeLessThan(DEADLINE_MS);
  }
  // The server is still fine afterwards.
  const after = await ask(srv.url, Q);
  expect(after.status).toBe(200);
});
