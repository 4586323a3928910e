/**
 * Shared helpers of the hardening tests: a seeded PRNG, a free loopback port, a hash listing
 * of a directory, bounded HTTP calls, an SSE reader, and the checks every test applies to
 * what reaches a client (foreign URLs, invalid citation markers, leaked paths/stack traces).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** mulberry32 (src/train/random.ts): a small seeded PRNG, so a failing case can be reproduced from its seed. */
export const prng = seededRandom;

import { freePort } from '../helpers/free-port.js';
import { seededRandom } from '../../src/train/random.js';

export { freePort };

/** `relative path -> sha256` of every file below `dir` (sorted), for before/after comparisons. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, child);
      if (statSync(full).isDirectory()) walk(child);
      else out[child] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk('');
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < end; i++) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

export interface SseFrame {
  readonly event: string;
  readonly data: unknown;
}

/** Parses a complete `text/event-stream` body into frames (data parsed as JSON). */
export function parseSse(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split('\n\n')) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) continue;
    let parsed: unknown = data.join('\n');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      /* keep the raw text */
    }
    frames.push({ event, data: parsed });
  }
  return frames;
}

export interface AskResult {
  readonly status: number;
  readonly ms: number;
  readonly headers: Headers;
  /** The raw body text (JSON or SSE). */
  readonly raw: string;
  readonly json: unknown;
  readonly frames: SseFrame[];
}

/** POST /ask with a JSON body; bounded by `timeoutMs`. Streams are read to the end. */
export async function ask(base: string, body: unknown, opts: { timeoutMs?: number; signal?: AbortSignal; headers?: Record<string, string> } = {}): Promise<AskResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const res = await fetch(`${base}/ask`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify(body),
    signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
  });
  const raw = await res.text();
  const isSse = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  let json: unknown = null;
  if (!isSse) {
    try {
      json = JSON.parse(raw);
    } catch {
      json = null;
    }
  }
  return { status: res.status, ms: performance.now() - started, headers: res.headers, raw, json, frames: isSse ? parseSse(raw) : [] };
}

// ---- What may reach a client -------------------------------------------------------------

const URL_TOKEN = /\bhttps?:\/\/[^\s)\]>"'<`]+/gi;

/** Every http(s) URL in `text`, trailing sentence punctuation removed. */
export function urlsIn(text: string): string[] {
  return (text.match(URL_TOKEN) ?? []).map((u) => u.replace(/[.,;:!?]+$/, ''));
}

/** Every string inside a parsed JSON value (keys too), e.g. to scan a response for URLs. */
export function stringsOf(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 50) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out, depth + 1);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsOf(v, out, depth + 1);
    }
  }
  return out;
}

/** Everything a client received, as text: the JSON body's strings, or every SSE frame's. */
export function receivedText(r: AskResult): string {
  return stringsOf(r.frames.length ? r.frames.map((f) => f.data) : r.json).join('\n');
}

/** URLs in `text` that are not, exactly, a URL of the corpus. */
export function foreignUrls(text: string, corpusUrls: ReadonlySet<string>): string[] {
  return urlsIn(text).filter((u) => !corpusUrls.has(u));
}

/** Citation markers as the chat page reads them: [1] or [1, 2]. */
const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

export function markersIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(MARKER)) out.push(...(m[1] ?? '').split(',').map((s) => Number(s.trim())));
  return out;
}

/** Markers of `text` that name no passage in `valid`. */
export function invalidMarkers(text: string, valid: ReadonlySet<number>): number[] {
  return markersIn(text).filter((n) => !valid.has(n));
}

const LEAKS: RegExp[] = [
  /\n\s+at\s/, // a stack frame
  /\bat\s+[\w$.<>]+\s+\([^)]*:\d+:\d+\)/, // "at fn (file:line:col)"
  /node_modules/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /\b(?:ENOENT|EACCES|EISDIR|ENOTDIR)\b/,
];

/** Reasons `body` (a response body) leaks internals: stack traces or file system paths. */
export function leaks(body: string): string[] {
  const found: string[] = [];
  for (const re of LEAKS) if (re.test(body)) found.push(re.source);
  for (const dir of new Set([PROJECT_ROOT, os.tmpdir(), os.homedir(), '/work/', '/usr/'])) if (dir.length > 1 && body.includes(dir)) found.push(dir);
  return found;
}

/** Is `body` the error shape `{error: {code, message}}` with string fields? */
export function isErrorBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const e = (body as { error?: unknown }).error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

// ---- The real entry point as a child process ----------------------------------------------

export interface ChildServer {
  readonly child: ChildProcess;
  readonly base: string;
  readonly port: number;
  readonly stderr: string[];
  /** Resolves when the process exits, with its exit code/signal and the time (performance.now()). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * Spawns `node --import tsx src/server/main.ts` with `env` (plus PATH/HOME) on a free loopback
 * port and waits (bounded) for /health to answer 200. Throws with the child's stderr if it
 * exits or does not come up in time.
 */
export async function spawnServer(env: Record<string, string>, timeoutMs = 45_000): Promise<ChildServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stderr: string[] = [];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? os.homedir(),
      HOST: '127.0.0.1',
      EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'),
      LOG_LEVEL: 'silent',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  const up = await waitFor(async () => {
    if (child.exitCode !== null) return true;
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      return r.status === 200;
    } catch {
      return false;
    }
  }, timeoutMs, 200);
  if (!up || child.exitCode !== null) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new Error(`the server did not come up: ${stderr.join('')}`);
  }
  return { child, base, port, stderr, exited };
}
