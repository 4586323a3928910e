/**
 * The real server (node --import tsx src/server/main.ts, a child process) and re-indexing from
 * outside: it starts on the newest complete generation, follows a CLI ingest run by another
 * process within a few seconds, and with WATCH_CORPUS=true re-indexes a burst of corpus
 * changes once. Plus the follower's guard against swapping in a stale load.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { followCurrent } from '../../src/server/follow-current.js';
import { createIndexHolder } from '../../src/server/index-holder.js';
import { createIndexStatus } from '../../src/server/index-status.js';
import { silentLog } from '../../src/log.js';
import { readCurrent, listGenerations } from '../../src/index-store/layout.js';
import type { ServingIndex } from '../../src/answer/serving-index.js';
import type { Answer } from '../../src/types.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { HEIHE_TEXT, MASCOT_QUESTION, childEnv, runIngest, startServerChild, waitFor, withMascot, type ServerChild } from '../helpers/reindex-fixtures.js';

describe('a running server follows re-indexes made by another process', () => {
  let dir: string;
  let corpusDir: string;
  let indexDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ServerChild | null = null;
  beforeAll(() => {
    dir = tempDir('heihe-follow-');
    corpusDir = path.join(dir, 'corpus');
    indexDir = path.join(dir, 'index');
    cpSync(path.join(PROJECT_ROOT, 'corpus'), corpusDir, { recursive: true });
    env = childEnv({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts on the newest complete generation, then follows a CLI ingest within seconds; SIGTERM exits 0', { timeout: 120_000 }, async () => {
    writeFileSync(path.join(corpusDir, 'heihe.txt'), withMascot(HEIHE_TEXT));
    expect((await runIngest(env)).code).toBe(0);
    writeFileSync(path.join(corpusDir, 'heihe.txt'), HEIHE_TEXT);
    expect((await runIngest(env)).code).toBe(0);
    const newest = await readCurrent(indexDir);
    expect(await listGenerations(indexDir)).toHaveLength(2);

    server = await startServerChild(env);
    expect((await server.health()).index?.generation).toBe(newest);

    writeFileSync(path.join(corpusDir, 'heihe.txt'), withMascot(HEIHE_TEXT));
    const ingest = await runIngest(env, ['--json']);
    expect(ingest.code).toBe(0);
    const { version, generation } = JSON.parse(ingest.stdout) as { version: string; generation: string };
    const switchedAt = performance.now();
    const srv = server;
    await waitFor(async () => (await srv.health()).index?.version === version, 8_000, 'the server to switch', 50);
    const followMs = Math.round(performance.now() - switchedAt);
    expect((await server.health()).index?.generation).toBe(generation);

    const res = await fetch(`${server.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: MASCOT_QUESTION }) });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as Answer;
    expect(answer.indexVersion).toBe(version);
    expect(answer.grounded).toBe(true);
    expect(answer.citations[0]?.text).toContain('Lumi');
    console.log(`[follow-current] the server served the CLI's new generation ${followMs} ms after the CLI exited`);

    const stopped = await server.stop();
    server = null;
    expect(stopped.code).toBe(0);
  });
});

describe('WATCH_CORPUS=true on the server', () => {
  let dir: string;
  let server: ServerChild | null = null;
  beforeAll(() => {
    dir = tempDir('heihe-watch-');
    cpSync(path.join(PROJECT_ROOT, 'corpus'), path.join(dir, 'corpus'), { recursive: true });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a burst of corpus changes is re-indexed once (debounced), and the server serves it', { timeout: 120_000 }, async () => {
    const indexDir = path.join(dir, 'index');
    const file = path.join(dir, 'corpus', 'heihe.txt');
    server = await startServerChild(childEnv({ CORPUS_DIR: path.join(dir, 'corpus'), INDEX_DIR: indexDir, WATCH_CORPUS: 'true', KEEP_GENERATIONS: '20' }));
    const before = (await server.health()).index?.version;
    const generations = (await listGenerations(indexDir)).length;
    await new Promise((r) => setTimeout(r, 300)); // the watcher is set up right after listen
    for (let i = 1; i <= 4; i++) {
      writeFileSync(file, `${HEIHE_TEXT.trimEnd()}\n\nDraft ${i} of a paragraph about the night market.\n`);
      await new Promise((r) => setTimeout(r, 60));
    }
    writeFileSync(file, withMascot(HEIHE_TEXT));
    const srv = server;
    await waitFor(async () => ((await srv.health()).index?.version ?? before) !== before, 15_000, 'the watcher to re-index', 100);
    await new Promise((r) => setTimeout(r, 1500)); // nothing else is coming
    expect(await listGenerations(indexDir)).toHaveLength(generations + 1);
    const res = await fetch(`${server.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: MASCOT_QUESTION }) });
    expect(((await res.json()) as Answer).citations[0]?.text).toContain('Lumi');
  });
});

describe('followCurrent', () => {
  const fake = (name: string): ServingIndex => ({ name, version: name }) as unknown as ServingIndex;

  test('swaps to what CURRENT names; never swaps in a load that went stale meanwhile', async () => {
    const indexDir = tempDir('heihe-follow-unit-');
    try {
      const holder = createIndexHolder(fake('g-1'));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let loads = 0;
      const follower = followCurrent({
        indexDir,
        holder,
        status: createIndexStatus(),
        load: async (name) => {
          loads++;
          if (name === 'g-2') await gate;
          return fake(name);
        },
      });
      await follower.check();
      expect(holder.peek()?.name).toBe('g-1'); // no CURRENT yet

      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-2\n');
      const slow = follower.check();
      expect(follower.check()).toBe(slow); // checks never overlap
      // Meanwhile an in-process re-index swaps in g-3 and points CURRENT at it.
      holder.swap(fake('g-3'));
      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-3\n');
      release();
      await slow;
      expect(holder.peek()?.name).toBe('g-3');
      expect(loads).toBe(1);

      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-4\n');
      await follower.check();
      expect(holder.peek()?.name).toBe('g-4');
      follower.stop();
    } finally {
      rmSync(indexDir, { recursive: true, force: true });
    }
  });

  test('sync() sees what CURRENT names now, even while a check that read the old CURRENT is still running', async () => {
    const indexDir = tempDir('heihe-follow-unit-');
    try {
      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-2\n');
      const holder = createIndexHolder(fake('g-1'));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let loading!: () => void;
      const inLoad = new Promise<void>((r) => (loading = r));
      const follower = followCurrent({
        indexDir,
        holder,
        status: createIndexStatus(),
        load: async (name) => {
          if (name === 'g-2') {
            loading();
            await gate;
          }
          return fake(name);
        },
      });
      const early = follower.check(); // reads CURRENT = g-2, then waits in its load
      await inLoad;
      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-3\n'); // e.g. a re-index child commits g-3
      const synced = follower.sync();
      release();
      expect((await early).kind).toBe('stale');
      expect(await synced).toEqual({ kind: 'switched', name: 'g-3' });
      expect(holder.peek()?.name).toBe('g-3');
    } finally {
      rmSync(indexDir, { recursive: true, force: true });
    }
  });

  test('a generation that fails to load is logged once, not retried, and the previous index keeps serving, degraded', async () => {
    const indexDir = tempDir('heihe-follow-unit-');
    try {
      const holder = createIndexHolder(fake('g-1'));
      const status = createIndexStatus();
      const errors: string[] = [];
      let loads = 0;
      const follower = followCurrent({
        indexDir,
        holder,
        status,
        load: async () => {
          loads++;
          throw new Error('damaged');
        },
        log: { ...silentLog, error: (fields, message) => errors.push(`${(fields as { generation?: string }).generation}: ${message}`) },
      });
      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-2\n');
      expect((await follower.check()).kind).toBe('failed');
      expect((await follower.check()).kind).toBe('failed');
      expect(holder.peek()?.name).toBe('g-1');
      expect(loads).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^g-2: INDEX DEGRADED/);
      expect(status.problem()).toMatch(/g-2.*cannot be loaded: damaged; still serving g-1/);
      // CURRENT pointed back at what is served (a manual rollback): healthy again.
      writeFileSync(path.join(indexDir, 'CURRENT'), 'g-1\n');
      expect((await follower.check()).kind).toBe('unchanged');
      expect(status.problem()).toBeNull();
      // CURRENT gone: degraded, still serving.
      rmSync(path.join(indexDir, 'CURRENT'));
      expect((await follower.check()).kind).toBe('none');
      expect(status.problem()).toMatch(/CURRENT is missing/);
      expect(holder.peek()?.name).toBe('g-1');
    } finally {
      rmSync(indexDir, { recursive: true, force: true });
    }
  });
});
