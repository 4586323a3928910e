/**
 * Repair by ingest: with an unchanged corpus, a damaged live generation (each of its files
 * damaged in turn, or CURRENT naming a generation that is gone) is not kept: the re-index
 * writes a new generation, re-using exactly the embeddings that still validate (NaN rows are
 * embedded again), and cleanup removes the damaged one but keeps the intact older one. Also:
 * vectors that are not finite and of unit length are refused on load, and cleanup after a
 * manual rollback keeps the intact generations, never the damaged one.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { reindex, type ReindexResult } from '../../src/ingest/reindex.js';
import { loadGeneration, generationProblem } from '../../src/index-store/generation.js';
import { cleanupGenerations } from '../../src/index-store/cleanup.js';
import { FILES, generationDir, listGenerations, readCurrent, switchCurrent } from '../../src/index-store/layout.js';
import { IndexError } from '../../src/errors.js';
import { silentLog } from '../../src/log.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { HEIHE_TEXT, MASCOT_QUESTION, POPULATION_NEW, POPULATION_OLD, childEnv, runIngest, withMascot } from '../helpers/reindex-fixtures.js';

let template: string;
let runtime: Runtime;
/** The older generation (Heihe text) and the live one (Heihe text + the mascot paragraph). */
let older: string;
let live: string;
let liveChunks: number;

const configFor = (dir: string) =>
  parseConfig({ CORPUS_DIR: path.join(dir, 'corpus'), INDEX_DIR: path.join(dir, 'index'), EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'), KEEP_GENERATIONS: '2' });

beforeAll(async () => {
  template = tempDir('heihe-repair-template-');
  mkdirSync(path.join(template, 'corpus'));
  const file = path.join(template, 'corpus', 'heihe.txt');
  writeFileSync(file, HEIHE_TEXT);
  runtime = await createRuntime(configFor(template));
  older = (await reindex(runtime.reindexDeps())).generation;
  writeFileSync(file, withMascot(HEIHE_TEXT));
  const second = await reindex(runtime.reindexDeps());
  live = second.generation;
  liveChunks = second.chunks;
  expect(await listGenerations(runtime.config.indexDir)).toEqual([older, live]);
});
afterAll(() => rmSync(template, { recursive: true, force: true }));

/** A copy of the template's corpus and index, with one damage done to it. */
function damagedCopy(damage: (genDir: string, indexDir: string) => void): { dir: string; indexDir: string; run: () => Promise<ReindexResult> } {
  const dir = tempDir('heihe-repair-');
  cpSync(template, dir, { recursive: true });
  const indexDir = path.join(dir, 'index');
  damage(generationDir(indexDir, live), indexDir);
  const config = configFor(dir);
  return { dir, indexDir, run: () => reindex({ ...runtime.reindexDeps(), corpusDir: config.corpusDir, indexDir: config.indexDir }) };
}

/** Puts NaN into the given rows of a vectors file (same size: the old load checks passed it). */
function nanRows(file: string, rows: readonly number[], dims = 100): void {
  const buf = readFileSync(file);
  const v = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  for (const r of rows) v.fill(Number.NaN, r * dims, (r + 1) * dims);
  writeFileSync(file, buf);
}

async function expectRepaired(indexDir: string, r: ReindexResult, embedded: number): Promise<void> {
  expect(r).toMatchObject({ changed: true, repaired: true, chunks: liveChunks, embedded });
  expect(r.generation).not.toBe(live);
  expect(await readCurrent(indexDir)).toBe(r.generation);
  const loaded = await loadGeneration(indexDir, r.generation, runtime.embedding.embeddings, runtime.embedding.info);
  const answer = await runtime.answer({ question: MASCOT_QUESTION, history: [], k: 5 }, await runtime.toServing(loaded));
  expect(answer.answer).toContain('Lumi');
  expect(answer.indexVersion).toBe(r.version);
  // The damaged generation is gone; the intact older one stays (KEEP_GENERATIONS=2).
  expect(await listGenerations(indexDir)).toEqual([older, r.generation]);
}

describe('ingest repairs a damaged live generation (unchanged corpus)', () => {
  const cases: Array<{ what: string; damage: (gen: string) => void; embedded: number }> = [
    { what: 'an emptied hnswlib index', damage: (g) => writeFileSync(path.join(g, FILES.hnsw, FILES.hnswIndex), ''), embedded: 0 },
    { what: 'a truncated hnswlib index', damage: (g) => truncateSync(path.join(g, FILES.hnsw, FILES.hnswIndex), 1000), embedded: 0 },
    { what: 'a truncated docstore', damage: (g) => truncateSync(path.join(g, FILES.hnsw, FILES.docstore), 200), embedded: 0 },
    { what: 'args.json with other dimensions', damage: (g) => writeFileSync(path.join(g, FILES.hnsw, FILES.hnswArgs), '{"space":"cosine","numDimensions":7}'), embedded: 0 },
    // Its vectors cannot be matched to chunks: the older generation's are reused (all but the mascot's).
    { what: 'a truncated chunk store', damage: (g) => truncateSync(path.join(g, FILES.chunkStore), 3000), embedded: 1 },
    { what: 'a truncated vectors file', damage: (g) => truncateSync(path.join(g, FILES.vectors), 4000), embedded: 1 },
    { what: 'a manifest that is not JSON', damage: (g) => writeFileSync(path.join(g, FILES.manifest), '{"version": "abc'), embedded: 1 },
    { what: 'a manifest with a wrong chunk count', damage: (g) => writeFileSync(path.join(g, FILES.manifest), readFileSync(path.join(g, FILES.manifest), 'utf8').replace(/"chunkCount": \d+/, '"chunkCount": 3')), embedded: 1 },
    // Same size, NaN in three rows: exactly those are embedded again, the rest reused.
    { what: 'NaN in three vectors', damage: (g) => nanRows(path.join(g, FILES.vectors), [0, 5, 9]), embedded: 3 },
    // Same size, all zeros: none of its rows validates, so every chunk is embedded again.
    { what: 'a zeroed vectors file', damage: (g) => writeFileSync(path.join(g, FILES.vectors), Buffer.alloc(readFileSync(path.join(g, FILES.vectors)).length)), embedded: -1 },
  ];
  for (const c of cases) {
    test(`${c.what}: rebuilt, re-using the embeddings that validate`, async () => {
      const copy = damagedCopy((gen) => c.damage(gen));
      try {
        // The damage is what the loader refuses.
        await expect(loadGeneration(copy.indexDir, live, runtime.embedding.embeddings, runtime.embedding.info)).rejects.toBeInstanceOf(IndexError);
        const r = await copy.run();
        await expectRepaired(copy.indexDir, r, c.embedded < 0 ? liveChunks : c.embedded);
        // Repaired for good: the next run keeps it.
        expect(await copy.run()).toMatchObject({ changed: false, repaired: false, embedded: 0, generation: r.generation });
      } finally {
        rmSync(copy.dir, { recursive: true, force: true });
      }
    });
  }

  test('CURRENT naming a generation that does not exist: a new one, all embeddings reused', async () => {
    const copy = damagedCopy((_gen, indexDir) => writeFileSync(path.join(indexDir, 'CURRENT'), 'g-20000101t000000000z-0123456789ab\n'));
    try {
      const r = await copy.run();
      expect(r).toMatchObject({ changed: true, repaired: true, embedded: 0 });
      expect(await readCurrent(copy.indexDir)).toBe(r.generation);
      // Nothing was damaged: the newest intact ones stay.
      expect(await listGenerations(copy.indexDir)).toEqual([live, r.generation]);
    } finally {
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });

  test('`npm run ingest` (the CLI) repairs an emptied hnswlib index: exit 0, says so', { timeout: 60_000 }, async () => {
    const copy = damagedCopy((gen) => writeFileSync(path.join(gen, FILES.hnsw, FILES.hnswIndex), ''));
    try {
      const cli = await runIngest(childEnv({ CORPUS_DIR: path.join(copy.dir, 'corpus'), INDEX_DIR: copy.indexDir }), ['--json']);
      expect(cli.code, cli.stderr).toBe(0);
      const summary = JSON.parse(cli.stdout) as { changed: boolean; repaired: boolean; embedded: number; generation: string };
      expect(summary).toMatchObject({ changed: true, repaired: true, embedded: 0 });
      expect(cli.stderr).toContain('rebuilding it');
      expect(await readCurrent(copy.indexDir)).toBe(summary.generation);
      expect(existsSync(generationDir(copy.indexDir, live))).toBe(false);
    } finally {
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });
});

describe('vectors are validated on load', () => {
  test('NaN (same file size) and zero vectors are index_corrupt, naming vectors.f32', async () => {
    for (const damage of [(f: string) => nanRows(f, [2]), (f: string) => writeFileSync(f, Buffer.alloc(readFileSync(f).length))]) {
      const copy = damagedCopy((gen) => damage(path.join(gen, FILES.vectors)));
      try {
        const err = await loadGeneration(copy.indexDir, live, runtime.embedding.embeddings, runtime.embedding.info).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(IndexError);
        expect((err as IndexError).code).toBe('index_corrupt');
        expect((err as IndexError).message).toMatch(/vectors\.f32 vector \d+ is not finite and of unit length/);
      } finally {
        rmSync(copy.dir, { recursive: true, force: true });
      }
    }
  });
});

describe('cleanup keeps the intact generations', () => {
  test('after a manual rollback to the older generation, a new run removes the damaged newer one and keeps the intact older one', async () => {
    const copy = damagedCopy((gen, indexDir) => {
      truncateSync(path.join(gen, FILES.hnsw, FILES.hnswIndex), 10);
      writeFileSync(path.join(indexDir, 'CURRENT'), `${older}\n`);
    });
    try {
      const file = path.join(copy.dir, 'corpus', 'heihe.txt');
      writeFileSync(file, readFileSync(file, 'utf8').replace(POPULATION_OLD, POPULATION_NEW));
      const r = await copy.run();
      expect(r).toMatchObject({ changed: true, repaired: false });
      expect(await listGenerations(copy.indexDir)).toEqual([older, r.generation]);
    } finally {
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });

  test('never removes the last intact generation, even with KEEP=1 and a damaged live one', async () => {
    const copy = damagedCopy((gen) => writeFileSync(path.join(gen, FILES.hnsw, FILES.hnswIndex), ''));
    try {
      expect(await generationProblem(copy.indexDir, live)).toMatch(/HNSW index cannot be read/);
      const removed = await cleanupGenerations(copy.indexDir, { keep: 1, log: silentLog });
      expect(removed).toEqual([]);
      expect(await listGenerations(copy.indexDir)).toEqual([older, live]);
      // With the intact one live, the damaged one goes.
      await switchCurrent(copy.indexDir, older);
      expect(await cleanupGenerations(copy.indexDir, { keep: 1 })).toEqual([live]);
    } finally {
      rmSync(copy.dir, { recursive: true, force: true });
    }
  });
});
