/**
 * Graceful shutdown of the real entry point (`node --import tsx src/server/main.ts`): with
 * /ask requests in flight (the stub model answers slowly), SIGTERM stops accepting
 * connections, lets the requests finish, exits 0, and leaves the index as it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';
import { PROJECT_ROOT, ask, freePort, hashTree, waitFor, type AskResult } from './lib.js';

let child: ChildProcess | null = null;
let stub: OpenAIStub | null = null;
let dir = '';
afterAll(async () => {
  if (child && child.exitCode === null && child.pid) child.kill('SIGKILL');
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

test('SIGTERM with /ask in flight: all finish 200, exit 0, index untouched, new connections refused', async () => {
  stub = await startOpenAIStub();
  stub.setFallback(() => ({ kind: 'slow', delayMs: 1500, text: 'Heihe is in Heilongjiang province. [1]' }));
  dir = mkdtempSync(path.join(os.tmpdir(), 'heihe-shutdown-'));
  cpSync(path.join(PROJECT_ROOT, 'corpus'), path.join(dir, 'corpus'), { recursive: true });
  const indexDir = path.join(dir, 'index');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stderr: string[] = [];
  child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? os.homedir(),
      PORT: String(port),
      HOST: '127.0.0.1',
      INDEX_DIR: indexDir,
      CORPUS_DIR: path.join(dir, 'corpus'),
      EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'),
      LOG_LEVEL: 'silent',
      OPENAI_API_KEY: 'sk-test-stub',
      OPENAI_BASE_URL: `${stub.url}/v1`,
      LLM_TIMEOUT_MS: '10000',
      SHUTDOWN_GRACE_MS: '8000',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child?.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );

  const up = await waitFor(async () => {
    if (child?.exitCode !== null) return true; // died: stop waiting, the assertion below reports it
    try {
      const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) });
      await r.text();
      return r.status === 200;
    } catch {
      return false;
    }
  }, 45_000, 200);
  expect(up && child.exitCode === null, `server did not come up: ${stderr.join('')}`).toBe(true);
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
