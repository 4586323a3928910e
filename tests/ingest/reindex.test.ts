/**
 * Re-indexing in process, over a temp copy of the real corpus with the real (local GloVe)
 * embeddings: answers follow edits, additions and removals; only changed chunks are embedded;
 * failures (unreadable file, embedding error, failing check) leave the live generation
 * serving; the ingest lock serialises writers, and leftovers of killed runs are cleaned.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { parseConfig } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { reindex, type ReindexResult } from '../../src/ingest/reindex.js';
import type { EmbeddingPort } from '../../src/ingest/build-generation.js';
import { LOCK_FILE } from '../../src/ingest/lock.js';
import { FILES, generationDir, listGenerations, readCurrent } from '../../src/index-store/layout.js';
import { storedCalibrationSchema } from '../../src/answer/calibration.js';
import { AppError } from '../../src/errors.js';
import type { Answer } from '../../src/types.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import {
  HEIHE_TEXT,
  MASCOT_QUESTION,
  POPULATION_NEW,
  POPULATION_OLD,
  childEnv,
  corpusChunkIds,
  deadPid,
  generationEntries,
  runIngest,
  spawnSleeper,
  withMascot,
} from '../helpers/reindex-fixtures.js';

let dir: string;
let corpusDir: string;
let indexDir: string;
let file: string;
let runtime: Runtime;

beforeAll(async () => {
  dir = tempDir('heihe-reindex-');
  corpusDir = path.join(dir, 'corpus');
  indexDir = path.join(dir, 'index');
  cpSync(path.join(PROJECT_ROOT, 'corpus'), corpusDir, { recursive: true });
  file = path.join(corpusDir, 'heihe.txt');
  runtime = await createRuntime(
    parseConfig({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'), KEEP_GENERATIONS: '2' }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (overrides: Parameters<Runtime['reindexDeps']>[0] = {}): Promise<ReindexResult> => reindex(runtime.reindexDeps(overrides));
const ask = async (question: string, result: ReindexResult): Promise<Answer> => runtime.answer({ question, history: [], k: 5 }, await runtime.toServing(result.loaded));
const cites = (a: Answer, needle: string): boolean => a.citations.some((c) => c.text.includes(needle));

/** What a failed re-index must leave behind: the same CURRENT, no temp dirs, no lock. */
async function expectUntouched(before: { current: string | null; entries: string[] }): Promise<void> {
  expect(await readCurrent(indexDir)).toBe(before.current);
  expect(generationEntries(indexDir)).toEqual(before.entries);
  expect(existsSync(path.join(indexDir, LOCK_FILE))).toBe(false);
}
const snapshot = async (): Promise<{ current: string | null; entries: string[] }> => ({ current: await readCurrent(indexDir), entries: generationEntries(indexDir) });

async function expectReindexError(p: Promise<unknown>, code: string, status: number): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  expect((err as AppError).status).toBe(status);
  return err as AppError;
}

/** The live embeddings with one method failing. */
function faulty(fault: 'documents' | 'query' | 'dimensions'): EmbeddingPort {
  const base = runtime.embedding.embeddings;
  const embeddings: EmbeddingsInterface = {
    embedDocuments: async (texts) => {
      if (fault === 'documents') throw new Error('embedding service unavailable');
      const vectors = await base.embedDocuments(texts);
      return fault === 'dimensions' ? vectors.map((v) => v.slice(0, 7)) : vectors;
    },
    embedQuery: async (text) => {
      if (fault === 'query') throw new Error('probe embedding failed');
      return base.embedQuery(text);
    },
  };
  // 'dimensions' pretends to be an unversioned model so the dimension check is what catches it.
  const { dimensions: _d, ...info } = runtime.embedding.info;
  return { embeddings, info: fault === 'dimensions' ? info : runtime.embedding.info };
}

describe('incremental re-indexing follows the corpus', () => {
  let first: ReindexResult;

  test('a first build embeds every chunk; an unchanged re-run embeds 0 and keeps the generation', async () => {
    first = await run();
    expect(first.changed).toBe(true);
    expect(first.embedded).toBe(first.chunks);
    expect(first.added).toBe(first.chunks);
    expect(await readCurrent(indexDir)).toBe(first.generation);

    // The live generation is kept as written: its sentence features are not computed again.
    const live = runtime.reindexDeps().sentences;
    if (!live) throw new Error('the runtime stores sentence features');
    let builds = 0;
    const again = await run({ sentences: { version: live.version, build: (chunks) => (builds++, live.build(chunks)) } });
    expect(builds).toBe(0);
    expect(again).toMatchObject({ version: first.version, generation: first.generation, changed: false, added: 0, removed: 0, unchanged: first.chunks, embedded: 0 });
    for (const key of ['version', 'added', 'unchanged', 'removed', 'embedded', 'ms'] as const) expect(again).toHaveProperty(key);
    expect(typeof again.ms).toBe('number');
    expect(await listGenerations(indexDir)).toEqual([first.generation]);
  });

  test('the refusal calibration is stored with the generation and served as stored, in process and after a reload', async () => {
    const stored = storedCalibrationSchema.parse(JSON.parse(readFileSync(path.join(generationDir(indexDir, first.generation), FILES.calibration), 'utf8')));
    expect(first.loaded.calibration).toEqual(stored);
    expect(stored.questions).toBeGreaterThan(0);
    const inProcess = await runtime.toServing(first.loaded);
    const reloaded = await runtime.loadServingIndex(() => {});
    expect(inProcess.answering.calibration.answerLevel).toBe(stored.answerLevel);
    expect(reloaded.answering.calibration.answerLevel).toBe(stored.answerLevel);
  });

  test('a live generation calibrated for another model (or not at all) is written anew with a current calibration, embedding nothing', async () => {
    const own = path.join(dir, 'index-recalibrated');
    const built = await run({ indexDir: own });
    const calibrationFile = (generation: string): string => path.join(generationDir(own, generation), FILES.calibration);
    const current = storedCalibrationSchema.parse(JSON.parse(readFileSync(calibrationFile(built.generation), 'utf8')));
    for (const stale of [JSON.stringify({ ...current, model: 'an-older-model' }), null]) {
      const live = (await readCurrent(own)) as string;
      if (stale === null) rmSync(calibrationFile(live));
      else writeFileSync(calibrationFile(live), stale);
      const r = await run({ indexDir: own });
      expect(r).toMatchObject({ changed: true, repaired: false, embedded: 0, version: built.version });
      expect(r.generation).not.toBe(live);
      expect(await readCurrent(own)).toBe(r.generation);
      expect(storedCalibrationSchema.parse(JSON.parse(readFileSync(calibrationFile(r.generation), 'utf8')))).toEqual(current);
      expect(r.loaded.calibration).toEqual(current);
      // Now current: the next run keeps it.
      expect(await run({ indexDir: own })).toMatchObject({ changed: false, generation: r.generation });
    }
  });

  test('an added paragraph is embedded alone, and answers cite it', async () => {
    expect(cites(await ask(MASCOT_QUESTION, first), 'Lumi')).toBe(false);
    const before = await corpusChunkIds(corpusDir);
    writeFileSync(file, withMascot(HEIHE_TEXT));
    const after = await corpusChunkIds(corpusDir);
    const fresh = [...after].filter((id) => !before.has(id)).length;
    expect(fresh).toBe(1);

    const r = await run();
    expect(r).toMatchObject({ changed: true, added: fresh, removed: 0, unchanged: first.chunks, embedded: fresh });
    expect(r.version).not.toBe(first.version);
    const a = await ask(MASCOT_QUESTION, r);
    expect(a.grounded).toBe(true);
    expect(a.answer).toContain('blue heron named Lumi');
    expect(a.citations[0]?.text).toContain('Lumi');
    expect(a.indexVersion).toBe(r.version);
  });

  test('a one-paragraph edit embeds exactly the changed chunks, and answers follow', async () => {
    const before = await corpusChunkIds(corpusDir);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(POPULATION_OLD);
    writeFileSync(file, text.replace(POPULATION_OLD, POPULATION_NEW));
    const after = await corpusChunkIds(corpusDir);
    const changed = [...after].filter((id) => !before.has(id)).length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(changed).toBeLessThanOrEqual(2);

    const r = await run();
    expect(r).toMatchObject({ changed: true, added: changed, removed: changed, embedded: changed, unchanged: after.size - changed });
    const a = await ask('What is the population of Anheihe?', r);
    expect(a.citations.some((c) => c.text.includes('2.7 million'))).toBe(true);
    expect(a.citations.some((c) => c.text.includes('1.5 million'))).toBe(false);
    expect(r.loaded.chunks.some((c) => c.text.includes('1.5 million'))).toBe(false);
    expect(a.answer).not.toContain('1.5 million');
    // When the answer states a population, it is the new one.
    if (/million/.test(a.answer)) expect(a.answer).toContain('2.7 million');
  });

  test('removed text disappears from answers (and nothing is embedded)', async () => {
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n\nCity Symbols\n\n[^\n]*\n?$/, '\n'));
    const r = await run();
    expect(r).toMatchObject({ changed: true, added: 0, removed: 1, embedded: 0 });
    expect(r.loaded.chunks.some((c) => c.text.includes('Lumi'))).toBe(false);
    const a = await ask(MASCOT_QUESTION, r);
    // Refusing it is the answerer's business (measured by npm run eval); here: the text is gone.
    expect(cites(a, 'Lumi')).toBe(false);
    expect(a.answer).not.toContain('Lumi');
  });

  test('old generations are cleaned: the live one and the previous one (for rollback) stay', async () => {
    const previous = await readCurrent(indexDir);
    expect(await listGenerations(indexDir)).toHaveLength(2);
    writeFileSync(file, readFileSync(file, 'utf8').replace(POPULATION_NEW, POPULATION_OLD));
    const r = await run();
    expect(r.changed).toBe(true);
    expect(await listGenerations(indexDir)).toEqual([previous, r.generation].sort());
    expect(generationEntries(indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
    // Back to the original text: the first build's version. Vectors are reused from the live
    // generation only, so the restored paragraph is embedded again.
    expect(r.version).toBe(first.version);
    expect(r.embedded).toBe(r.added);
    expect(r.added).toBeGreaterThanOrEqual(1);
  });
});

describe('a failed re-index leaves the live index serving', () => {
  test('a file that is not UTF-8 → corpus_unreadable (422), nothing written', async () => {
    const before = await snapshot();
    const bad = path.join(corpusDir, 'broken.txt');
    writeFileSync(bad, Buffer.from([0x48, 0x65, 0x69, 0xff, 0xfe, 0x68, 0x65, 0x0a]));
    try {
      const err = await expectReindexError(run(), 'corpus_unreadable', 422);
      expect(err.message).toContain('broken.txt');
      await expectUntouched(before);
    } finally {
      rmSync(bad);
    }
  });

  test('a missing corpus directory → corpus_unreadable (422)', async () => {
    const before = await snapshot();
    await expectReindexError(run({ corpusDir: path.join(dir, 'no-such-corpus') }), 'corpus_unreadable', 422);
    await expectUntouched(before);
  });

  test('an embedding error → reindex_failed (502), nothing written', async () => {
    writeFileSync(file, withMascot(readFileSync(file, 'utf8')));
    try {
      const before = await snapshot();
      const err = await expectReindexError(run({ embedding: faulty('documents') }), 'reindex_failed', 502);
      expect(err.message).toContain('embedding service unavailable');
      await expectUntouched(before);
    } finally {
      writeFileSync(file, HEIHE_TEXT);
    }
  });

  test('vectors of the wrong size → reindex_failed, nothing written', async () => {
    writeFileSync(file, withMascot(HEIHE_TEXT));
    try {
      const before = await snapshot();
      await expectReindexError(run({ embedding: faulty('dimensions') }), 'reindex_failed', 502);
      await expectUntouched(before);
    } finally {
      writeFileSync(file, HEIHE_TEXT);
    }
  });

  test('a generation that fails its check (probe query) → reindex_failed (500), removed, never published', async () => {
    writeFileSync(file, withMascot(HEIHE_TEXT));
    try {
      const before = await snapshot();
      const err = await expectReindexError(run({ embedding: faulty('query') }), 'reindex_failed', 500);
      expect(err.message).toContain('probe embedding failed');
      await expectUntouched(before);
    } finally {
      writeFileSync(file, HEIHE_TEXT);
    }
    // The live index still answers.
    const r = await run();
    expect(r.changed).toBe(false);
    expect((await ask('What province is Heihe in?', r)).answer).toContain('Heilongjiang');
  });
});

describe('the ingest lock', () => {
  const lockFile = (): string => path.join(indexDir, LOCK_FILE);

  test('two re-indexes at once in one process: one runs, the other gets 409', async () => {
    writeFileSync(file, withMascot(HEIHE_TEXT));
    try {
      const results = await Promise.allSettled([run(), run()]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect((refused[0]?.reason as AppError).code).toBe('reindex_in_progress');
      expect((refused[0]?.reason as AppError).status).toBe(409);
    } finally {
      writeFileSync(file, HEIHE_TEXT);
    }
  });

  test('a stale lock (its process is gone) does not block; one of this pid not held here neither', async () => {
    writeFileSync(lockFile(), `${await deadPid()} - deadbeef\n`);
    expect((await run()).changed).toBe(true);
    expect(existsSync(lockFile())).toBe(false);
    // A previous incarnation with our pid (a restarted container's pid 1): not ours, so stale.
    writeFileSync(lockFile(), `${process.pid}\n`);
    expect((await run()).changed).toBe(false);
    expect(existsSync(lockFile())).toBe(false);
  });

  test('a lock held by a live process → 409, and the lock is left alone', async () => {
    const sleeper = spawnSleeper();
    try {
      const content = `${sleeper.pid} - cafe\n`;
      writeFileSync(lockFile(), content);
      await expectReindexError(run(), 'reindex_in_progress', 409);
      expect(readFileSync(lockFile(), 'utf8')).toBe(content);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.on('close', r));
    }
    // Its owner died: now it is stale.
    expect((await run()).embedded).toBe(0);
    expect(existsSync(lockFile())).toBe(false);
  });

  test('leftovers of killed runs are cleaned, even by an unchanged re-index', async () => {
    const gens = path.join(indexDir, 'generations');
    mkdirSync(path.join(gens, '.tmp-g-20000101t000000000z-0123456789ab', 'hnsw'), { recursive: true });
    writeFileSync(path.join(gens, '.tmp-g-20000101t000000000z-0123456789ab', 'chunks.json'), '{"chu');
    writeFileSync(path.join(indexDir, 'CURRENT.tmp-1-abc'), 'g-half');
    const pid = await deadPid();
    writeFileSync(path.join(indexDir, `${LOCK_FILE}.${pid}.abc`), `${pid} - x\n`);
    const r = await run();
    expect(r.changed).toBe(false);
    expect(generationEntries(indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
    expect(existsSync(path.join(indexDir, 'CURRENT.tmp-1-abc'))).toBe(false);
    expect(existsSync(path.join(indexDir, `${LOCK_FILE}.${pid}.abc`))).toBe(false);
  });

  test('a writer holding the lock is never disturbed: others (in process or another process) get 409, its temp dir survives', { timeout: 120_000 }, async () => {
    writeFileSync(file, withMascot(HEIHE_TEXT));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let paused!: () => void;
    const reachedVerify = new Promise<void>((r) => (paused = r));
    const base = runtime.embedding.embeddings;
    // Pauses in the check, when the new generation exists only as a temp dir.
    const slow: EmbeddingPort = {
      info: runtime.embedding.info,
      embeddings: {
        embedDocuments: (t) => base.embedDocuments(t),
        embedQuery: async (t) => {
          paused();
          await gate;
          return base.embedQuery(t);
        },
      },
    };
    const writer = run({ embedding: slow });
    try {
      await reachedVerify;
      const tmp = generationEntries(indexDir).filter((e) => e.startsWith('.tmp-'));
      expect(tmp).toHaveLength(1);
      await expectReindexError(run(), 'reindex_in_progress', 409);
      const cli = await runIngest(childEnv({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir }));
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('reindex_in_progress');
      expect(generationEntries(indexDir).filter((e) => e.startsWith('.tmp-'))).toEqual(tmp);
    } finally {
      release();
    }
    const r = await writer;
    expect(r.changed).toBe(true);
    expect(await readCurrent(indexDir)).toBe(r.generation);
    expect(generationEntries(indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
    writeFileSync(file, HEIHE_TEXT);
  });
});
