/**
 * One re-index, start to finish, shared by the CLI and POST /reindex: read the corpus, build
 * the new generation beside the live one (re-embedding only changed text), check that it
 * loads and answers a probe query, switch CURRENT to it atomically, and clean up old
 * generations. Any failure before the switch leaves the live generation untouched.
 */
import type { Chunk, ChunkerSettings } from '../types.js';
import type { SentenceIndex } from '../answer/sentence-index.js';
import { ReindexError, AppError } from '../errors.js';
import { rm } from 'node:fs/promises';
import { TMP_PREFIX, cleanupGenerations, generationDir, readCurrent, switchCurrent } from '../index-store/layout.js';
import { generationName, loadGeneration, publishGeneration, readGenerationData, writeGenerationTmp, type GenerationData, type LoadedGeneration } from '../index-store/generation.js';
import { readCorpus } from './read-corpus.js';
import { buildGeneration, type BuildStats, type EmbeddingPort } from './build-generation.js';
import { acquireIngestLock } from './lock.js';
import { indexText } from './chunk.js';

export interface ReindexDeps {
  readonly corpusDir: string;
  readonly indexDir: string;
  readonly chunker: ChunkerSettings;
  readonly embedding: EmbeddingPort;
  readonly keepGenerations: number;
  readonly now: () => Date;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onStage?: (stage: 'read' | 'embed' | 'write' | 'verify' | 'switch' | 'cleanup') => void;
  /** Computes the answerer's per-sentence features, stored with the generation. */
  readonly sentences?: (chunks: readonly Chunk[]) => SentenceIndex;
}

export interface ReindexResult extends BuildStats {
  readonly version: string;
  readonly generation: string;
  /** False when the corpus was unchanged and the live generation was kept. */
  readonly changed: boolean;
  readonly ms: number;
  /** The verified generation, already loaded, so a server can swap to it without reloading. */
  readonly loaded: LoadedGeneration;
}

async function previousGeneration(indexDir: string): Promise<{ name: string; data: GenerationData } | null> {
  const name = await readCurrent(indexDir);
  if (!name) return null;
  try {
    return { name, data: await readGenerationData(indexDir, name) };
  } catch {
    return null; // a damaged live generation is rebuilt from scratch
  }
}

/** Loads a written generation and checks a probe query (its first chunk's text) finds something. */
async function verify(indexDir: string, dirName: string, deps: ReindexDeps): Promise<LoadedGeneration> {
  const loaded = await loadGeneration(indexDir, dirName, deps.embedding.embeddings, deps.embedding.info);
  const first = loaded.chunks[0];
  if (!first) throw new Error('the new generation has no chunks');
  const probe = await deps.embedding.embeddings.embedQuery(indexText(first));
  const hits = await loaded.store.similaritySearchVectorWithScore(probe, 1);
  if (hits.length === 0) throw new Error('a probe query returned no results');
  return loaded;
}

/** Old generations and leftovers of interrupted runs; a failure here does not undo a switch. */
async function cleanup(deps: ReindexDeps): Promise<void> {
  deps.onStage?.('cleanup');
  await cleanupGenerations(deps.indexDir, deps.keepGenerations).catch(() => []);
}

export async function reindex(deps: ReindexDeps): Promise<ReindexResult> {
  const started = performance.now();
  const release = await acquireIngestLock(deps.indexDir);
  try {
    deps.onStage?.('read');
    const sources = await readCorpus(deps.corpusDir);
    const previous = await previousGeneration(deps.indexDir);
    deps.onStage?.('embed');
    let built;
    try {
      built = await buildGeneration(sources, {
        chunker: deps.chunker,
        embedding: deps.embedding,
        previous: previous?.data ?? null,
        now: deps.now(),
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
        ...(deps.sentences ? { sentences: deps.sentences } : {}),
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new ReindexError('reindex_failed', 502, `Embedding the corpus failed: ${(err as Error).message}`, { cause: err });
    }
    const { data, stats } = built;
    if (previous && previous.data.manifest.version === data.manifest.version) {
      deps.onStage?.('verify');
      const loaded = await verify(deps.indexDir, previous.name, deps);
      await cleanup(deps);
      return { ...stats, version: data.manifest.version, generation: previous.name, changed: false, ms: performance.now() - started, loaded };
    }
    deps.onStage?.('write');
    const name = generationName(data.manifest, deps.now());
    const tmpName = `${TMP_PREFIX}${name}`;
    let loaded: LoadedGeneration;
    try {
      // Written and checked under the temp name, so a generation that failed its check (or a
      // process killed while writing it) never appears under a generation's name.
      await writeGenerationTmp(deps.indexDir, name, data, deps.embedding.embeddings);
      deps.onStage?.('verify');
      loaded = { ...(await verify(deps.indexDir, tmpName, deps)), name };
      await publishGeneration(deps.indexDir, tmpName, name);
    } catch (err) {
      await rm(generationDir(deps.indexDir, tmpName), { recursive: true, force: true });
      await rm(generationDir(deps.indexDir, name), { recursive: true, force: true });
      throw new ReindexError('reindex_failed', 500, `The new index could not be written or failed its check: ${(err as Error).message}`, { cause: err });
    }
    deps.onStage?.('switch');
    try {
      await switchCurrent(deps.indexDir, name);
    } catch (err) {
      // CURRENT is replaced by rename, so it still names the previous generation or already this one.
      throw new ReindexError('reindex_failed', 500, `Switching to the new index failed: ${(err as Error).message}`, { cause: err });
    }
    await cleanup(deps);
    return { ...stats, version: data.manifest.version, generation: name, changed: true, ms: performance.now() - started, loaded };
  } finally {
    await release();
  }
}
