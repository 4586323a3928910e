/**
 * One re-index, start to finish, shared by the CLI, the server's re-index child process and
 * start-up: read the corpus, build the new generation (re-embedding only changed text and
 * damaged vectors), write it in one transaction (write, verify, commit: see
 * index-store/transaction.ts), and clean up old generations.
 *
 * Repair: when the live generation cannot be loaded (a damaged file, or CURRENT naming a
 * generation that is gone), an unchanged corpus does not keep it: a new generation is built,
 * re-using every embedding that still validates (from the live generation if its chunk store
 * and vectors read, else from the newest older generation that does). Any failure before the
 * commit leaves the live generation untouched.
 */
import type { ChunkerSettings } from '../types.js';
import { calibrationIsCurrent, type GenerationCalibrator } from '../answer/calibration.js';
import type { Config } from '../config.js';
import { ReindexError, AppError, IndexError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import { FILES, listGenerations, readCurrent } from '../index-store/layout.js';
import { cleanupGenerations } from '../index-store/cleanup.js';
import { beginGeneration, GenerationWriteError } from '../index-store/transaction.js';
import { generationName, loadGeneration, readGenerationData, type GenerationData, type LoadedGeneration } from '../index-store/generation.js';
import { readCorpusFiles } from './read-corpus.js';
import { buildGeneration, withSentences, type BuildStats, type EmbeddingPort, type SentenceFeatures } from './build-generation.js';
import { acquireIngestLock } from './lock.js';
import { DEFAULT_CHUNKER, indexText } from './chunk.js';

export type ReindexStage = 'read' | 'embed' | 'write' | 'verify' | 'switch' | 'cleanup';

export interface ReindexDeps {
  readonly corpusDir: string;
  readonly indexDir: string;
  readonly chunker: ChunkerSettings;
  readonly embedding: EmbeddingPort;
  readonly keepGenerations: number;
  readonly now: () => Date;
  readonly log?: Log;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onStage?: (stage: ReindexStage) => void;
  /** The answerer's per-sentence features, stored with the generation (computed only when one is written). */
  readonly sentences?: SentenceFeatures;
  /**
   * Computes the refusal calibration of a verified generation (the JSON stored with it). A live
   * generation without one for its model and bank is not kept as is: a new one is written.
   */
  readonly calibrate?: GenerationCalibrator;
}

/** The re-index a Config describes, with the given embeddings. */
export function reindexDepsFor(config: Config, embedding: EmbeddingPort, overrides: Partial<ReindexDeps> = {}): ReindexDeps {
  return {
    corpusDir: config.corpusDir,
    indexDir: config.indexDir,
    chunker: DEFAULT_CHUNKER,
    embedding,
    keepGenerations: config.keepGenerations,
    now: () => new Date(),
    ...overrides,
  };
}

/** What a re-index reports (CLI, POST /reindex). */
export interface ReindexSummary extends BuildStats {
  readonly version: string;
  readonly generation: string;
  /** False when the corpus was unchanged and the live generation was kept. */
  readonly changed: boolean;
  /** True when the live generation could not be loaded and this run replaced it. */
  readonly repaired: boolean;
  readonly ms: number;
}

export interface ReindexResult extends ReindexSummary {
  /** The verified generation, already loaded, so a caller in this process can serve it without reloading. */
  readonly loaded: LoadedGeneration;
}

/** "EACCES: permission denied" out of a Node fs error (without the path it names). */
export function fsCause(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /^(E[A-Z]+: [^,]+)/.exec(message)?.[1] ?? message;
}

async function lock(indexDir: string, log: Log): Promise<() => Promise<void>> {
  try {
    return await acquireIngestLock(indexDir, log);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new ReindexError('reindex_failed', 500, `The index directory cannot be written (${fsCause(err)}).`, { cause: err });
  }
}

/** The live generation's name; an unreadable CURRENT is logged and treated as none. */
async function liveName(indexDir: string, log: Log): Promise<string | null> {
  try {
    return await readCurrent(indexDir);
  } catch (err) {
    log.warn({ err }, 'CURRENT cannot be read; re-indexing as if there were no live generation');
    return null;
  }
}

/**
 * Where to reuse embeddings from: the live generation, else the newest other one whose chunk
 * store and vectors read (their rows are checked one by one when reused).
 */
async function reuseSource(indexDir: string, live: string | null, log: Log): Promise<{ name: string; data: GenerationData } | null> {
  const others = (await listGenerations(indexDir).catch(() => [] as string[])).reverse().filter((n) => n !== live);
  for (const name of live ? [live, ...others] : others) {
    try {
      return { name, data: await readGenerationData(indexDir, name) };
    } catch (err) {
      if (!(err instanceof IndexError)) throw err;
      log.warn({ generation: name, problem: err.message }, 'cannot reuse the embeddings of an index generation');
    }
  }
  return null;
}

/** A probe query (the first chunk's own text) must find something. */
async function probe(loaded: LoadedGeneration, embedding: EmbeddingPort): Promise<void> {
  const first = loaded.chunks[0];
  if (!first) throw new Error('the new generation has no chunks');
  const vector = await embedding.embeddings.embedQuery(indexText(first));
  const hits = await loaded.store.similaritySearchVectorWithScore(vector, 1);
  if (hits.length === 0) throw new Error('a probe query returned no results');
}

function writeFailure(err: unknown): ReindexError {
  const stage = err instanceof GenerationWriteError ? err.stage : 'write';
  const cause = err instanceof GenerationWriteError ? err.cause : err;
  const message =
    stage === 'verify'
      ? `The new index failed its check: ${cause instanceof Error ? cause.message : String(cause)}`
      : stage === 'commit'
        ? `Switching to the new index failed (${fsCause(cause)}).`
        : `The new index could not be written (${fsCause(cause)}).`;
  return new ReindexError('reindex_failed', 500, message, { cause });
}

export async function reindex(deps: ReindexDeps): Promise<ReindexResult> {
  const started = performance.now();
  const log = deps.log ?? silentLog;
  const release = await lock(deps.indexDir, log);
  try {
    deps.onStage?.('read');
    const live = await liveName(deps.indexDir, log);
    // Large values are held in `let`s and dropped as soon as they are used, so the verification
    // (which loads the new generation back) does not hold two copies of a large corpus.
    let previous = await reuseSource(deps.indexDir, live, log);
    deps.onStage?.('embed');
    let data: GenerationData | null;
    let stats: BuildStats;
    try {
      ({ data, stats } = await buildGeneration(readCorpusFiles(deps.corpusDir), {
        chunker: deps.chunker,
        embedding: deps.embedding,
        previous: previous?.data ?? null,
        now: deps.now(),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
        ...(deps.sentences ? { deferredFeatures: deps.sentences.version } : {}),
      }));
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new ReindexError('reindex_failed', 502, `Embedding the corpus failed: ${(err as Error).message}`, { cause: err });
    }
    const version = data.manifest.version;
    const liveIsPrevious = live !== null && previous?.name === live;
    const sameAsLive = liveIsPrevious && previous?.data.manifest.version === version;
    const reusedFrom = previous?.name ?? null;
    previous = null;
    const finish = (generation: string, changed: boolean, repaired: boolean, loaded: LoadedGeneration): ReindexResult => ({
      ...stats,
      version,
      generation,
      changed,
      repaired,
      ms: performance.now() - started,
      loaded,
    });
    const cleanup = async (verified: string): Promise<void> => {
      deps.onStage?.('cleanup');
      await cleanupGenerations(deps.indexDir, { keep: deps.keepGenerations, verified, log }).catch((err: unknown) => log.warn({ err }, 'cleaning up old generations failed'));
    };

    // The live generation can be kept only if the content is the same and it loads.
    let repaired = live !== null && !liveIsPrevious;
    if (live && sameAsLive) {
      deps.onStage?.('verify');
      try {
        const loaded = await loadGeneration(deps.indexDir, live, deps.embedding.embeddings, deps.embedding.info);
        await probe(loaded, deps.embedding);
        if (!deps.calibrate || calibrationIsCurrent(loaded.calibration, deps.calibrate)) {
          await cleanup(live);
          return finish(live, false, false, loaded);
        }
        // Else every load would calibrate again (after `npm run train`, say): written anew, with one.
        log.info({ generation: live }, 'the live index generation has no refusal calibration for this model and bank; writing a new generation with one');
      } catch (err) {
        if (!(err instanceof IndexError)) throw new ReindexError('reindex_failed', 500, `Checking the live index failed: ${(err as Error).message}`, { cause: err });
        log.warn({ generation: live, problem: err.message }, 'the live index generation cannot be loaded; rebuilding it');
        repaired = true;
      }
    }
    if (repaired) log.warn({ generation: live, reusedFrom }, 'repairing the index: writing a new generation');

    deps.onStage?.('write');
    const tx = await beginGeneration(deps.indexDir, generationName(data.manifest, deps.now()), log).catch((err: unknown) => {
      throw writeFailure(err);
    });
    let loaded: LoadedGeneration;
    try {
      if (deps.sentences) data = withSentences(data, deps.sentences);
      await tx.write(data);
      data = null;
      deps.onStage?.('verify');
      loaded = await tx.verify(deps.embedding.embeddings, deps.embedding.info, (l) => probe(l, deps.embedding));
      if (deps.calibrate) {
        const calibration = await deps.calibrate.calibrate(loaded);
        await tx.addFile(FILES.calibration, JSON.stringify(calibration));
        // A caller serving this generation in-process gets it calibrated, as a reload would.
        loaded = { ...loaded, calibration };
      }
      deps.onStage?.('switch');
      await tx.commit();
    } catch (err) {
      await tx.abort();
      throw writeFailure(err);
    }
    await cleanup(tx.name);
    return finish(tx.name, true, repaired, loaded);
  } finally {
    await release().catch((err: unknown) => log.warn({ err }, 'could not release the ingest lock; the next run takes it over as stale'));
  }
}
