/**
 * Child processes for the benchmark: the real server (node dist/src/server/main.js) and the
 * bare Express baseline (node dist/bench/bare-server.js), each on a free loopback port, with
 * readiness polling, memory sampling from /proc and a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');
export const SERVER_ENTRY = path.join(PROJECT_ROOT, 'dist/src/server/main.js');
export const BARE_ENTRY = path.join(PROJECT_ROOT, 'dist/bench/bare-server.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Status code of GET url, or 0 when the connection fails. */
export function getStatus(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Memory of a process from /proc/<pid>/status, in bytes (Linux only; null elsewhere). */
export function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

export interface Child {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly proc: ChildProcess;
  /** ms from spawn to the first 200 on the readiness path. */
  readonly readyMs: number;
  /** Output so far (for error messages). */
  output(): string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly entry: string;
  readonly env: Record<string, string>;
  readonly readyPath: string;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
  readonly nodeArgs?: readonly string[];
}

/**
 * Spawns `node entry` with PORT set to a free port and waits for a 200 on readyPath. The
 * child's stdout and stderr go to a file, as a server's logs do in production: piped into the
 * bench process, every request's log line would cost the process that runs the load generator.
 */
export async function spawnServer(opts: SpawnOptions): Promise<Child> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  Object.assign(env, { HOST: '127.0.0.1', PORT: String(port), NODE_ENV: 'production' }, opts.env);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-bench-log-'));
  const logFile = path.join(logDir, 'server.log');
  const fd = openSync(logFile, 'a');
  const started = performance.now();
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.entry], { cwd: PROJECT_ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const out = (): string => {
    try {
      return readFileSync(logFile, 'utf8').slice(-20_000);
    } catch {
      return '';
    }
  };
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
      resolve();
    }),
  );
  const pollMs = opts.pollMs ?? 10;
  const deadline = started + (opts.timeoutMs ?? 60_000);
  let readyMs = Number.NaN;
  for (;;) {
    if (exited !== null) throw new Error(`${opts.entry} exited with ${exited} before it was ready:\n${out()}`);
    const status = await getStatus(url + opts.readyPath, 1000);
    if (status === 200) {
      readyMs = performance.now() - started;
      break;
    }
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${opts.entry} was not ready within ${opts.timeoutMs ?? 60_000} ms:\n${out()}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const pid = proc.pid ?? -1;
  return {
    url,
    port,
    pid,
    proc,
    readyMs,
    output: out,
    async stop() {
      if (exited === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(timer);
      }
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

/**
 * Environment for the real server under test: offline extractive mode, with the production
 * middleware on: request logs at `info` (to a file, see spawnServer) and the /ask rate limit
 * (set far above what a run sends, so it counts every request without refusing any).
 */
export const BENCH_RATE_LIMIT_PER_MINUTE = 100_000_000;

export function serverEnv(indexDir: string, corpusDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    INDEX_DIR: indexDir,
    CORPUS_DIR: corpusDir,
    EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'),
    EMBEDDINGS_PROVIDER: 'local',
    // Set (empty) so a developer's .env cannot switch the server to LLM mode.
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    ADMIN_TOKEN: '',
    WATCH_CORPUS: 'false',
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT_PER_MINUTE),
    ...extra,
  };
}

/** Samples a process's VmRSS every `everyMs` until stopped; returns the max seen and the final VmHWM. */
export function sampleMemory(pid: number, everyMs = 50): { stop(): { maxRss: number; hwm: number; samples: number } } {
  let maxRss = 0;
  let samples = 0;
  const take = (): void => {
    const m = procMemory(pid);
    if (m && Number.isFinite(m.rss)) {
      maxRss = Math.max(maxRss, m.rss);
      samples++;
    }
  };
  return sampling(take, everyMs, () => ({ maxRss, hwm: procMemory(pid)?.hwm ?? Number.NaN, samples }));
}

/** Calls `take` now and every `everyMs` until stopped; `stop` takes a last sample and returns `result()`. */
function sampling<T>(take: () => void, everyMs: number, result: () => T): { stop(): T } {
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return result();
    },
  };
}

/** Pids of a process's children (Linux: /proc/<pid>/task/<pid>/children; [] elsewhere). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Like sampleMemory, for a process and (separately) the children it starts meanwhile: peak RSS of each. */
export function sampleTreeMemory(pid: number, everyMs = 50): { stop(): { own: number; children: number } } {
  let own = 0;
  const children = new Map<number, number>();
  const take = (): void => {
    const m = procMemory(pid);
    if (m) own = Math.max(own, Number.isFinite(m.hwm) ? m.hwm : 0, Number.isFinite(m.rss) ? m.rss : 0);
    for (const c of childPids(pid)) {
      const cm = procMemory(c);
      if (cm && Number.isFinite(cm.hwm)) children.set(c, Math.max(children.get(c) ?? 0, cm.hwm));
    }
  };
  return sampling(take, everyMs, () => ({ own, children: Math.max(0, ...children.values()) }));
}
