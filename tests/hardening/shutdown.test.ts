/**
 * The real entry point (`node --import tsx src/server/main.ts`) as a child process: slow
 * senders are cut off after REQUEST_TIMEOUT_MS; and with /ask requests in flight (the stub
 * model answers slowly), SIGTERM stops accepting connections, lets the requests finish,
 * exits 0, and leaves the index as it was.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { PROJECT_ROOT, ask, hashTree, spawnServer, waitFor, type AskResult, type ChildServer } from './lib.js';

let server: ChildServer | null = null;
let stub: OpenAIStub | null = null;
let dir = '';
afterAll(async () => {
  if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Resolves to the error code of a TCP connect to 127.0.0.1:port, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => (socket.destroy(), resolve('timeout')), 2000);
    socket.once('connect', () => (clearTimeout(timer), socket.destroy(), resolve('connected')));
    socket.once('error', (err: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(err.code ?? 'error')));
  });
}

/** Sends `head` and then nothing more; resolves with what the server said and when it hung up (bounded). */
function stall(port: number, head: string, limitMs: number): Promise<{ reply: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let reply = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(head));
    const timer = setTimeout(() => (socket.destroy(), resolve({ reply, closedAfterMs: null })), limitMs);
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', () => {});
    socket.once('close', () => (clearTimeout(timer), resolve({ reply, closedAfterMs: performance.now() - started })));
  });
}

test('entry point: slow senders get 408; SIGTERM with /ask in flight: all finish 200, exit 0, index untouched, new connections refused', async () => {
  stub = await startOpenAIStub();
  stub.setFallback(() => ({ kind: 'slow', delayMs: 1500, text: 'Heihe is in Heilongjiang province. [1]' }));
  dir = mkdtempSync(path.join(os.tmpdir(), 'heihe-shutdown-'));
  cpSync(path.join(PROJECT_ROOT, 'corpus'), path.join(dir, 'corpus'), { recursive: true });
  const indexDir = path.join(dir, 'index');
  server = await spawnServer({
    INDEX_DIR: indexDir,
    CORPUS_DIR: path.join(dir, 'corpus'),
    OPENAI_API_KEY: 'sk-test-stub',
    OPENAI_BASE_URL: `${stub.url}/v1`,
    LLM_TIMEOUT_MS: '10000',
    SHUTDOWN_GRACE_MS: '8000',
    REQUEST_TIMEOUT_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const { base, port, exited, child } = server;

  // Slow senders: an unfinished body, and unfinished headers, are cut off (408) after ~1 s.
  const slowBody = await stall(port, 'POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"question":', 6000);
  const slowHeaders = await stall(port, 'POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 6000);
  console.log(
    `timeouts (REQUEST_TIMEOUT_MS=1000): stalled body -> "${slowBody.reply.split('\r\n')[0]}" closed after ${Math.round(slowBody.closedAfterMs ?? -1)}ms; ` +
      `stalled headers -> "${slowHeaders.reply.split('\r\n')[0]}" closed after ${Math.round(slowHeaders.closedAfterMs ?? -1)}ms`,
  );
  for (const r of [slowBody, slowHeaders]) {
    expect(r.reply).toMatch(/^HTTP\/1\.1 408/);
    expect(r.closedAfterMs).not.toBeNull();
    expect(r.closedAfterMs ?? Infinity).toBeLessThan(3000);
  }

  const page = await fetch(`${base}/`);
  await page.text();
  expect(page.status).toBe(200); // the entry point finds public/ when run from src/ with tsx
  const before = hashTree(indexDir);

  // Six answers in flight: four JSON, two streamed.
  const N = 6;
  const inflight: Array<Promise<AskResult>> = Array.from({ length: N }, (_, i) =>
    ask(base, { question: `What province is Heihe in? (${i})`, stream: i >= 4 }, { timeoutMs: 15_000 }),
  );
  const arrived = await waitFor(() => (stub?.chatRequests().length ?? 0) >= N, 10_000);
  expect(arrived).toBe(true);

  const sigtermAt = performance.now();
  child.kill('SIGTERM');
  await waitFor(async () => (await tryConnect(port)) !== 'connected', 2000, 20);
  const duringDrain = await tryConnect(port);
  const results = await Promise.all(inflight);
  const exit = await exited;
  const afterExit = await tryConnect(port);
  const after = hashTree(indexDir);

  const statuses = results.map((r) => r.status);
  const complete = results.every((r) => (r.frames.length ? r.frames.some((f) => f.event === 'done') : (r.json as { mode?: string })?.mode === 'llm'));
  console.log(
    `shutdown: ${N} in flight, statuses=${statuses.join(',')} complete=${complete} exit=${exit.code} signal=${exit.signal} ` +
      `sigterm->exit=${Math.round(exit.at - sigtermAt)}ms connect-during-drain=${duringDrain} connect-after-exit=${afterExit} ` +
      `index files=${Object.keys(before).length} unchanged=${JSON.stringify(before) === JSON.stringify(after)}`,
  );
  expect(statuses).toEqual(Array(N).fill(200));
  expect(complete).toBe(true);
  expect(exit.code).toBe(0);
  expect(exit.at - sigtermAt).toBeLessThan(5500); // a lingering keep-alive would add 5 s
  expect(duringDrain).toBe('ECONNREFUSED');
  expect(afterExit).toBe('ECONNREFUSED');
  expect(Object.keys(before)).toContain('CURRENT');
  expect(Object.keys(before).some((f) => f.startsWith('generations/') && f.endsWith('manifest.json'))).toBe(true);
  expect(after).toEqual(before);
  expect(stub.chatRequests().filter((r) => r.aborted)).toHaveLength(0);
}, 90_000);
