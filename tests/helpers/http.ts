/**
 * Small HTTP helpers for the server tests: JSON requests, answer/event types, the checks every
 * answer must pass (markers name citations, citation text is an exact slice of its source
 * file), requests whose paths are sent as written (not normalised), and a guard that fails
 * tests which try to reach anything but loopback.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { expect } from 'vitest';
import { CHECK_REASONS, type Answer, type AnswerChecks, type Citation } from '../../src/types.js';
import { json, readSse, type SseEvent } from './sse.js';

export type { Answer, AnswerChecks, Citation };

export interface ErrorJson {
  error: { code: string; message: string };
}

export interface HealthJson {
  status: string;
  mode: 'extractive' | 'llm';
  index: { version: string; chunks: number; embedding: { provider: string; model: string; dimensions: number }; createdAt: string };
}

export interface SearchJson {
  results: Array<{ chunkId: string; source: string; section: string; text: string; score: number }>;
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** POST /ask (JSON), asserting a 200, and returns the answer. */
export async function ask(baseUrl: string, body: Record<string, unknown>): Promise<Answer> {
  const res = await postJson(`${baseUrl}/ask`, body);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as Answer;
}

export interface Streamed {
  readonly res: Response;
  readonly events: SseEvent[];
  /** The text of the deltas since the last `citations` event, which (re)starts the answer. */
  readonly deltaText: string;
  readonly done: Answer | undefined;
}

/** POST /ask with stream:true, reading every event. */
export async function askStream(baseUrl: string, body: Record<string, unknown>): Promise<Streamed> {
  const res = await postJson(`${baseUrl}/ask`, { ...body, stream: true });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events = await readSse(res);
  const start = events.map((e) => e.event).lastIndexOf('citations');
  const deltaText = events
    .slice(start + 1)
    .filter((e) => e.event === 'delta')
    .map((e) => json<{ text: string }>(e).text)
    .join('');
  const doneEvent = events.find((e) => e.event === 'done');
  return { res, events, deltaText, done: doneEvent ? json<{ answer: Answer }>(doneEvent).answer : undefined };
}

/** Asserts an error response: status, JSON `{error: {code, message}}` with `code`, a request id. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorJson> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('x-request-id')).toMatch(/\S/);
  const body = JSON.parse(text) as ErrorJson;
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/\S/);
  return body;
}

export const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** The `[n]` markers of an answer text. */
export function markers(text: string): number[] {
  return [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
}

/**
 * The invariants of every answer: each [n] names a citation, each citation's text is an exact
 * slice of its corpus file, numbers are unique. Quote offsets lie inside their passage, and in
 * extractive mode every cited passage has them; a refusal cites nothing and offers up to three
 * `related` passages numbered from 1.
 */
/** The claim check's summary: counts that add up, reasons from the fixed set. */
export function expectChecks(c: AnswerChecks): void {
  expect(Object.keys(c).sort()).toEqual(['dropped', 'reasons', 'sentences', 'trimmed']);
  for (const n of [c.sentences, c.dropped, c.trimmed]) expect(Number.isInteger(n) && n >= 0).toBe(true);
  expect(c.dropped + c.trimmed).toBeLessThanOrEqual(c.sentences);
  const reasons = Object.entries(c.reasons);
  for (const [reason, n] of reasons) {
    expect(CHECK_REASONS).toContain(reason);
    expect(Number.isInteger(n) && (n ?? 0) > 0).toBe(true);
  }
  expect(reasons.reduce((sum, [, n]) => sum + (n ?? 0), 0)).toBe(c.dropped + c.trimmed);
}

export function expectWellFormedAnswer(a: Answer, corpusDir: string): void {
  const keys = Object.keys(a).filter((k) => k !== 'fallback' && k !== 'related' && k !== 'checks').sort();
  expect(keys).toEqual(['answer', 'citations', 'grounded', 'indexVersion', 'mode', 'question']);
  if (a.checks) expectChecks(a.checks);
  // An LLM-mode answer the model wrote says what the claim check removed; so does its fallback when nothing held.
  if (a.mode === 'llm' && a.grounded) expect(a.checks, 'an LLM answer carries its checks').toBeDefined();
  if (a.fallback === 'unsupported_claims') expect(a.checks?.dropped, 'an unsupported-claims fallback says what was dropped').toBeGreaterThan(0);
  expect(typeof a.answer).toBe('string');
  expect(typeof a.grounded).toBe('boolean');
  expect(['extractive', 'llm']).toContain(a.mode);
  if ('fallback' in a) expect(typeof a.fallback).toBe('string');
  const ns = a.citations.map((c) => c.n);
  expect(new Set(ns).size).toBe(ns.length);
  const cited = markers(a.answer);
  for (const n of cited) expect(ns, `marker [${n}] in ${JSON.stringify(a.answer)}`).toContain(n);
  const wellFormedPassage = (c: Citation): void => {
    expect(Object.keys(c).filter((k) => k !== 'quotes').sort()).toEqual(['chunkId', 'n', 'score', 'section', 'source', 'text']);
    expect(Number.isInteger(c.n) && c.n >= 1).toBe(true);
    expect(typeof c.chunkId).toBe('string');
    expect(typeof c.section).toBe('string');
    expect(Number.isFinite(c.score)).toBe(true);
    expect(c.text.length).toBeGreaterThan(0);
    const source = readFileSync(path.join(corpusDir, c.source), 'utf8');
    expect(source.includes(c.text), `citation ${c.n} is a slice of ${c.source}`).toBe(true);
    for (const q of c.quotes ?? []) {
      expect(Number.isInteger(q.start) && Number.isInteger(q.end) && q.start >= 0 && q.start < q.end && q.end <= c.text.length, `quote ${JSON.stringify(q)} inside citation ${c.n}`).toBe(true);
      expect(c.text.slice(q.start, q.end).trim().length).toBeGreaterThan(0);
    }
  };
  for (const c of a.citations) {
    wellFormedPassage(c);
    if (a.mode === 'llm' && !a.fallback) expect(c.quotes, `LLM citation ${c.n} has no quote offsets`).toBeUndefined();
    if (a.mode === 'extractive' && cited.includes(c.n)) expect(c.quotes?.length, `quoted citation ${c.n} has quote offsets`).toBeGreaterThan(0);
  }
  if (a.grounded) {
    expect(a.related).toBeUndefined();
  } else {
    expect(a.citations).toEqual([]);
    expect(a.related, 'a refusal offers the passages that came closest').toBeDefined();
    const related = a.related ?? [];
    expect(related.map((c) => c.n)).toEqual(related.map((_c, i) => i + 1));
    expect(related.length).toBeGreaterThan(0);
    expect(related.length).toBeLessThanOrEqual(3);
    for (const c of related) {
      wellFormedPassage(c);
      expect(c.quotes).toBeUndefined();
    }
  }
}

/** Resolves when `check` returns true, polling; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Replaces global fetch with one that refuses (and records) any non-loopback address, so a test
 * that would reach the network fails instead. Returns the refused URLs and a restore function.
 */
export function guardNetwork(): { refused: string[]; restore: () => void } {
  const original = globalThis.fetch;
  const refused: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!LOOPBACK.has(url.hostname)) {
      refused.push(url.href);
      throw new Error(`test tried to reach the network: ${url.href}`);
    }
    return original(input, init);
  }) as typeof fetch;
  return { refused, restore: () => void (globalThis.fetch = original) };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * An HTTP request with its path sent exactly as given: fetch (the WHATWG URL parser) would
 * resolve `..` and `%2e%2e` segments before sending, so path-traversal attempts need this.
 */
export function rawRequest(baseUrl: string, method: string, rawPath: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path: rawPath, headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
