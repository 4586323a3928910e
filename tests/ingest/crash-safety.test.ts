/**
 * Crash safety: ingest child processes (the real CLI) are SIGKILLed at random points of their
 * run, over and over, on a corpus large enough that each run re-embeds ~1000 chunks. After
 * every kill INDEX_DIR must still name a complete generation (the last successful one, or the
 * new one if the kill came after the switch) that loads and answers a retrieval; stale locks
 * and temp dirs left by the kills must not block the next ingest, and a final ingest cleans
 * them all up.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { LOCK_FILE } from '../../src/ingest/lock.js';
import { loadGeneration } from '../../src/index-store/generation.js';
import { readCurrent } from '../../src/index-store/layout.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { childEnv, collect, corpusChunkIds, generationEntries, sleep, spawnTs, writeBigCorpus, type ChildResult } from '../helpers/reindex-fixtures.js';

const FILES = 30; // ~1000 chunks, all new in every edition
const KILLS = Number(process.env['CRASH_KILLS'] ?? 15);
// Each run starts a process (~3 s on a quiet machine): on a loaded one, stop killing after this
// long, as long as at least MIN_RUNS runs were done.
const BUDGET_MS = Number(process.env['CRASH_BUDGET_MS'] ?? 100_000);
const MIN_RUNS = Math.min(KILLS, 6);
const KEEP = 2;

let dir: string;
let corpusDir: string;
let indexDir: string;
let env: NodeJS.ProcessEnv;
let runtime: Runtime;

beforeAll(async () => {
  dir = tempDir('heihe-crash-');
  corpusDir = path.join(dir, 'corpus');
  indexDir = path.join(dir, 'index');
  env = childEnv({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, KEEP_GENERATIONS: String(KEEP) });
  runtime = await createRuntime(parseConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache') }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = (): string => path.join(indexDir, LOCK_FILE);
const lockOwner = (): number | null => {
  try {
    return Number(readFileSync(lockFile(), 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return null;
  }
};

/**
 * Starts an ingest child; resolves when the child holds the ingest lock (its run has begun:
 * startup, config and the word vectors are behind it) or has exited.
 */
async function startIngest(): Promise<{ pid: number; exited: Promise<ChildResult>; exitedAt: Promise<number>; lockedAt: number | null }> {
  const child = spawnTs('src/cli/ingest.ts', ['--json'], env);
  const exited = collect(child);
  let done = false;
  const exitedAt = exited.then(() => {
    done = true;
    return performance.now();
  });
  const pid = child.pid ?? -1;
  while (!done) {
    if (lockOwner() === pid) return { pid, exited, exitedAt, lockedAt: performance.now() };
    await sleep(2);
  }
  return { pid, exited, exitedAt, lockedAt: null };
}

/** The live generation loads, holds exactly the chunks of one expected edition, and answers. */
async function checkLive(expected: ReadonlyMap<string, Set<string>>): Promise<string> {
  const name = await readCurrent(indexDir);
  expect(name).not.toBeNull();
  const loaded = await loadGeneration(indexDir, name ?? '', runtime.embedding.embeddings, runtime.embedding.info);
  const ids = new Set(loaded.chunks.map((c) => c.id));
  const edition = [...expected].find(([, want]) => want.size === ids.size && [...want].every((id) => ids.has(id)))?.[0];
  expect(edition, `generation ${name} is one of the expected complete ones`).toBeDefined();
  const hits = await (await runtime.toServing(loaded)).retriever.retrieve('Which river forms the border with Russia?', 3);
  expect(hits).toHaveLength(3);
  for (const h of hits) expect(ids.has(h.chunk.id)).toBe(true);
  return edition ?? '';
}

test(
  `up to ${KILLS} ingest processes killed at random points: a complete generation is always served, and the next ingest succeeds and cleans up`,
  async () => {
    // A complete run first, to know how long the ingest part takes.
    writeBigCorpus(corpusDir, FILES, 0);
    const editions = new Map<string, Set<string>>([['0', await corpusChunkIds(corpusDir)]]);
    const first = await startIngest();
    const firstResult = await first.exited;
    expect(firstResult.code).toBe(0);
    // How long a run holds the lock; a run that finishes before its kill shortens the estimate.
    let ingestMs = first.lockedAt === null ? 1000 : (await first.exitedAt) - first.lockedAt;
    const estimates = [Math.round(ingestMs)];
    let last = await checkLive(editions);
    expect(last).toBe('0');

    const outcomes = { completed: 0, killed: 0, killedAfterSwitch: 0, staleLocks: 0, tempDirsLeft: 0, lockNotReached: 0 };
    const delays: number[] = [];
    const started = performance.now();
    let runs = 0;
    for (let i = 1; i <= KILLS && (i <= MIN_RUNS || performance.now() - started < BUDGET_MS); i++) {
      runs = i;
      const edition = String(i);
      writeBigCorpus(corpusDir, FILES, i);
      editions.set(edition, await corpusChunkIds(corpusDir));
      const run = await startIngest();
      if (run.lockedAt === null) outcomes.lockNotReached++;
      const delay = Math.random() * ingestMs * 1.1;
      delays.push(Math.round(delay));
      await sleep(delay);
      try {
        process.kill(run.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      const result = await run.exited;
      if (result.code === 0) {
        outcomes.completed++;
        if (run.lockedAt !== null) ingestMs = Math.min(ingestMs, (await run.exitedAt) - run.lockedAt);
        estimates.push(Math.round(ingestMs));
      }
      else {
        expect(result.signal, result.stderr).toBe('SIGKILL');
        outcomes.killed++;
        if (existsSync(lockFile())) outcomes.staleLocks++;
        if (generationEntries(indexDir).some((e) => e.startsWith('.tmp-'))) outcomes.tempDirsLeft++;
      }
      const live = await checkLive(new Map([[last, editions.get(last) ?? new Set()], [edition, editions.get(edition) ?? new Set()]]));
      if (result.code === 0) expect(live).toBe(edition);
      else if (live === edition) outcomes.killedAfterSwitch++;
      last = live;
    }

    // Whatever the kills left (stale lock, temp dirs), a fresh ingest succeeds and cleans up.
    const final = await startIngest();
    const finalResult = await final.exited;
    expect(finalResult.code, finalResult.stderr).toBe(0);
    const summary = JSON.parse(finalResult.stdout) as { version: string; generation: string };
    expect(await checkLive(new Map([[String(runs), editions.get(String(runs)) ?? new Set()]]))).toBe(String(runs));
    expect(await readCurrent(indexDir)).toBe(summary.generation);
    expect(generationEntries(indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
    expect(generationEntries(indexDir).length).toBeLessThanOrEqual(KEEP);
    expect(readdirSync(indexDir).sort()).toEqual(['CURRENT', 'generations']);

    console.log(
      `[crash-safety] ${runs} runs in ${Math.round((performance.now() - started) / 1000)} s, ingest ≈ ${estimates.join(' → ')} ms: ${outcomes.killed} killed mid-run (${outcomes.staleLocks} left a stale lock, ` +
        `${outcomes.tempDirsLeft} a temp dir, ${outcomes.killedAfterSwitch} after the switch), ${outcomes.completed} completed before the kill; ` +
        `a complete generation was served after every one; kill delays after taking the lock: ${delays.join(', ')} ms`,
    );
    expect(outcomes.killed).toBeGreaterThanOrEqual(Math.ceil(runs / 3));
    expect(outcomes.staleLocks).toBeGreaterThanOrEqual(1);
  },
  300_000,
);
