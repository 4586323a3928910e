/**
 * Turns source documents into the data of a new index generation: chunks, and one unit vector
 * per chunk. Vectors of unchanged text are reused from the previous generation (keyed by a
 * hash of embedding model + embedded text) when they are valid, so only new or edited chunks
 * (and damaged vectors) are embedded. The same code runs in the CLI and in the server's
 * re-index child process.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Chunk, ChunkerSettings, EmbeddingInfo, IndexManifest, SourceDoc } from '../types.js';
import type { GenerationData } from '../index-store/generation.js';
import { isUnitRow, unitVector } from '../index-store/vectors.js';
import { ReindexError } from '../errors.js';
import { chunkSource, indexText } from './chunk.js';
import type { SentenceIndex } from '../answer/sentence-index.js';

export interface EmbeddingPort {
  readonly embeddings: EmbeddingsInterface;
  readonly info: Omit<EmbeddingInfo, 'dimensions'> & { readonly dimensions?: number };
}

export interface BuildStats {
  readonly files: number;
  readonly chunks: number;
  readonly added: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly embedded: number;
  readonly reused: number;
}

export interface BuildOptions {
  readonly chunker: ChunkerSettings;
  readonly embedding: EmbeddingPort;
  readonly previous?: GenerationData | null;
  readonly now: Date;
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** Computes what the answerer stores per sentence (src/answer/sentence-index.ts). */
  readonly sentences?: (chunks: readonly Chunk[]) => SentenceIndex;
  /**
   * Instead of `sentences`: the version of the sentence features the caller will attach
   * (withSentences) only if it writes the generation, so a re-index that keeps the live one
   * does not compute them. The manifest (and its version) names it either way.
   */
  readonly deferredFeatures?: string;
}

/** The answerer's sentence features, and the version they are stored under. */
export interface SentenceFeatures {
  readonly version: string;
  readonly build: (chunks: readonly Chunk[]) => SentenceIndex;
}

/** Data built with `deferredFeatures`, now with its sentence features. */
export function withSentences(data: GenerationData, features: SentenceFeatures): GenerationData {
  const sentences = features.build(data.chunks);
  if (sentences.version !== data.manifest.features) throw new Error(`the sentence features are of version ${sentences.version}, the manifest names ${data.manifest.features ?? 'none'}`);
  return { ...data, sentences };
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export const embeddingKey = (model: string, text: string): string => sha256(`${model}\0${text}`).slice(0, 32);

/**
 * Rows of a previous generation's vectors by embedding key, when it was made with the same
 * embeddings. Only rows that are finite and of unit length are offered: a damaged vector
 * (NaN, zeros) is embedded again, never copied forward.
 */
function reusableVectors(previous: GenerationData | null | undefined, info: EmbeddingPort['info']): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  if (!previous) return out;
  const e = previous.manifest.embedding;
  if (e.provider !== info.provider || e.model !== info.model) return out;
  // Same model at another size (e.g. a smaller table): its vectors cannot be mixed in.
  if (info.dimensions !== undefined && info.dimensions !== e.dimensions) return out;
  const dims = e.dimensions;
  previous.embeddingKeys.forEach((key, i) => {
    if (isUnitRow(previous.vectors, dims, i)) out.set(key, previous.vectors.subarray(i * dims, (i + 1) * dims));
  });
  return out;
}

export function manifestVersion(info: EmbeddingInfo, chunker: ChunkerSettings, chunks: readonly Chunk[], features?: string): string {
  const h = createHash('sha256').update(JSON.stringify(features ? { info, chunker, features } : { info, chunker }));
  for (const c of chunks) h.update(`\n${c.id}\0${c.section}\0${c.start}`);
  return h.digest('hex').slice(0, 12);
}

/** Chunks every source as it arrives; sources themselves are not kept. */
async function chunkAll(sources: Iterable<SourceDoc> | AsyncIterable<SourceDoc>, chunker: ChunkerSettings): Promise<{ chunks: Chunk[]; sourceInfo: IndexManifest['sources'][number][] }> {
  const chunks: Chunk[] = [];
  const sourceInfo: IndexManifest['sources'][number][] = [];
  for await (const source of sources) {
    const own = chunkSource(source, chunker);
    for (const c of own) chunks.push(c);
    sourceInfo.push({ path: source.path, sha256: sha256(source.text), chunks: own.length });
  }
  return { chunks, sourceInfo };
}

/**
 * Embeds the texts of `missing` keys in batches; every vector is checked and normalised.
 * `dims` is what the port states (else learned from the first vector).
 */
async function embedMissing(missing: readonly string[], textOf: (key: string) => string, opts: BuildOptions, dims: number | undefined): Promise<Map<string, Float32Array>> {
  const fresh = new Map<string, Float32Array>();
  const batchSize = opts.batchSize ?? 128;
  let expected = dims;
  opts.onProgress?.(0, missing.length);
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const vectors = await opts.embedding.embeddings.embedDocuments(batch.map(textOf));
    if (vectors.length !== batch.length) throw new Error(`embeddings returned ${vectors.length} vectors for ${batch.length} texts`);
    batch.forEach((k, j) => {
      const raw = vectors[j] ?? [];
      expected ??= raw.length;
      if (raw.length !== expected) throw new Error(`an embedding has ${raw.length} dimensions, expected ${expected}`);
      const v = unitVector(raw, expected);
      if (!v) throw new Error('the embedding model returned a vector that is not finite or has no length');
      fresh.set(k, v);
    });
    opts.onProgress?.(Math.min(i + batchSize, missing.length), missing.length);
  }
  return fresh;
}

/**
 * The data of a new generation from the sources (an array, or an async iterable read one
 * file at a time), re-using the previous generation's valid vectors for unchanged text.
 * A corpus without any text to index is refused (422 corpus_empty).
 */
export async function buildGeneration(sources: Iterable<SourceDoc> | AsyncIterable<SourceDoc>, opts: BuildOptions): Promise<{ data: GenerationData; stats: BuildStats }> {
  const { chunks, sourceInfo } = await chunkAll(sources, opts.chunker);
  if (chunks.length === 0) {
    throw new ReindexError('corpus_empty', 422, `The corpus has ${sourceInfo.length} file(s) but no text to index: they are empty or hold only white space.`);
  }
  const keys = chunks.map((c) => embeddingKey(opts.embedding.info.model, indexText(c)));
  const reusable = reusableVectors(opts.previous, opts.embedding.info);
  const firstWithKey = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!firstWithKey.has(k)) firstWithKey.set(k, i);
  });
  const missing = [...firstWithKey.keys()].filter((k) => !reusable.has(k));
  const knownDims = opts.embedding.info.dimensions ?? (reusable.size > 0 ? opts.previous?.manifest.embedding.dimensions : undefined);
  const fresh = await embedMissing(missing, (k) => indexText(chunks[firstWithKey.get(k) ?? 0] as Chunk), opts, knownDims);

  const dims = knownDims ?? fresh.values().next().value?.length ?? 0;
  const vectors = new Float32Array(chunks.length * dims);
  keys.forEach((k, i) => {
    const v = fresh.get(k) ?? reusable.get(k);
    if (!v || v.length !== dims) throw new Error(`embedding for chunk ${chunks[i]?.id} has ${v?.length ?? 0} dimensions, expected ${dims}`);
    vectors.set(v, i * dims);
  });

  const info: EmbeddingInfo = { provider: opts.embedding.info.provider, model: opts.embedding.info.model, dimensions: dims };
  const sentences = opts.sentences?.(chunks);
  const features = sentences?.version ?? opts.deferredFeatures;
  const manifest: IndexManifest = {
    version: manifestVersion(info, opts.chunker, chunks, features),
    createdAt: opts.now.toISOString(),
    embedding: info,
    chunker: opts.chunker,
    sources: sourceInfo,
    chunkCount: chunks.length,
    ...(features ? { features } : {}),
  };

  const prevIds = new Set(opts.previous?.chunks.map((c) => c.id) ?? []);
  const ids = new Set(chunks.map((c) => c.id));
  const unchanged = [...ids].filter((id) => prevIds.has(id)).length;
  const stats: BuildStats = {
    files: sourceInfo.length,
    chunks: chunks.length,
    added: ids.size - unchanged,
    unchanged,
    removed: [...prevIds].filter((id) => !ids.has(id)).length,
    embedded: missing.length,
    reused: keys.filter((k) => !fresh.has(k)).length,
  };
  return { data: { manifest, chunks, embeddingKeys: keys, vectors, sentences }, stats };
}
