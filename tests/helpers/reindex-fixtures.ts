/**
 * Helpers for the re-indexing tests: temp corpora (the project's text, edited or multiplied),
 * child processes running the real CLI / server through tsx, and small polling utilities.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { chunkSources } from '../../src/ingest/chunk.js';
import { readCorpus } from '../../src/ingest/read-corpus.js';
import { FILES, generationsDir } from '../../src/index-store/layout.js';
import { chunkRecordSchema, type ChunkRecord } from '../../src/index-store/schemas.js';
import { PROJECT_ROOT } from './test-server.js';
import { writeVariantCorpus } from '../../bench/big-corpus.js';

export const HEIHE_TEXT = readFileSync(path.join(PROJECT_ROOT, 'corpus', 'heihe.txt'), 'utf8');
export const MASCOT_PARAGRAPH = "City Symbols\n\nHeihe's official mascot is a blue heron named Lumi. The heron was chosen by a public vote of the city's schoolchildren.";
export const MASCOT_QUESTION = "What is Heihe's official mascot?";
export const POPULATION_OLD = 'over 1.5 million humans';
export const POPULATION_NEW = 'over 2.7 million humans';

export const withMascot = (text: string): string => `${text.trimEnd()}\n\n${MASCOT_PARAGRAPH}\n`;

/**
 * A corpus of `files` variants of the Heihe text; every paragraph carries the file number and
 * `edition`, so two editions share no chunk (all of it must be embedded again).
 */
export function writeBigCorpus(dir: string, files: number, edition: number): void {
  writeVariantCorpus(dir, HEIHE_TEXT, files, edition);
}

/** Chunk ids of a corpus directory, as the ingest will cut them. */
export async function corpusChunkIds(corpusDir: string): Promise<Set<string>> {
  return new Set(chunkSources(await readCorpus(corpusDir)).map((c) => c.id));
}

/** Entries of INDEX_DIR/generations (complete ones and `.tmp-` ones). */
export function generationEntries(indexDir: string): string[] {
  const dir = generationsDir(indexDir);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Records of a generation's chunk store (chunks.jsonl: each chunk and its embedding key), read straight from disk. */
export function generationChunks(indexDir: string, name: string): ChunkRecord[] {
  const lines = readFileSync(path.join(generationsDir(indexDir), name, FILES.chunkStore), 'utf8').split('\n').filter(Boolean);
  return lines.map((l) => chunkRecordSchema.parse(JSON.parse(l)));
}

/** Chunk ids stored in a generation's chunk store. */
export function generationChunkIds(indexDir: string, name: string): Set<string> {
  return new Set(generationChunks(indexDir, name).map((c) => c.id));
}

/** Environment for a child CLI/server: only what it needs, nothing from a stray .env. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'),
    EMBEDDINGS_PROVIDER: 'local',
    OPENAI_API_KEY: '',
    ADMIN_TOKEN: '',
    WATCH_CORPUS: 'false',
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** Starts `node --import tsx <script>` from the project root. */
export function spawnTs(script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, script), ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Collects a child's output and resolves when it exits. */
export function collect(child: ChildProcess): Promise<ChildResult> {
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started }));
  });
}

/** Runs the ingest CLI once. */
export function runIngest(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<ChildResult> {
  return collect(spawnTs('src/cli/ingest.ts', args, env));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string, intervalMs = 50): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

import { freePort } from './free-port.js';

export { freePort };

/** A process that stays alive until killed (to hold a lock "from another process"). */
export function spawnSleeper(): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

/** The pid of a process that has already exited (and was reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await new Promise((r) => child.on('close', r));
  if (!pid) throw new Error('no pid');
  return pid;
}

/** What /health answers (the fields tests read). */
export interface HealthBody {
  status: 'ok' | 'degraded' | 'starting';
  reason?: string;
  index: { version: string; generation: string; chunks: number } | null;
  lastReindex: { at: string; ok: boolean; ms: number; generation?: string; repaired?: boolean; error?: { code: string; message: string } } | null;
}

export interface ServerChild {
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ChildResult>;
  health(): Promise<HealthBody>;
  stop(): Promise<ChildResult>;
}

/** The real server (node --import tsx src/server/main.ts) on a free loopback port, once it answers /health with an index. */
export async function startServerChild(env: NodeJS.ProcessEnv): Promise<ServerChild> {
  const port = await freePort();
  const child = spawnTs('src/server/main.ts', [], { ...env, PORT: String(port), HOST: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '0', REINDEX_RATE_LIMIT_PER_MINUTE: '0' });
  const exited = collect(child);
  const url = `http://127.0.0.1:${port}`;
  const health = async (): Promise<HealthBody> => (await (await fetch(`${url}/health`)).json()) as HealthBody;
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(
    async () => {
      if (dead) throw new Error(`server exited early: ${(await exited).stderr}`);
      return (await health().catch(() => null))?.index ?? undefined;
    },
    90_000,
    'the server to listen',
    100,
  );
  return {
    url,
    child,
    exited,
    health,
    async stop() {
      if (!dead) child.kill('SIGTERM');
      return exited;
    },
  };
}
