/**
 * Turns source documents into the data of a new index generation: chunks, and one vector per
 * chunk. Vectors of unchanged text are reused from the previous generation (keyed by a hash of
 * embedding model + embedded text), so only new or edited chunks are embedded.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Chunk, ChunkerSettings, EmbeddingInfo, IndexManifest, SourceDoc } from '../types.js';
import type { GenerationData } from '../index-store/generation.js';
import { chunkSources, indexText } from './chunk.js';
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
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export const embeddingKey = (model: string, text: string): string => sha256(`${model}\0${text}`).slice(0, 32);

/** Vectors by key from a previous generation, when it was made with the same embeddings. */
function reusableVectors(previous: GenerationData | null | undefined, info: EmbeddingPort['info']): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  if (!previous) return out;
  const e = previous.manifest.embedding;
  if (e.provider !== info.provider || e.model !== info.model) return out;
  // Same model at another size (e.g. a smaller table): its vectors cannot be mixed in.
  if (info.dimensions !== undefined && info.dimensions !== e.dimensions) return out;
  const dims = e.dimensions;
  previous.embeddingKeys.forEach((key, i) => out.set(key, previous.vectors.subarray(i * dims, (i + 1) * dims)));
  return out;
}

export function manifestVersion(info: EmbeddingInfo, chunker: ChunkerSettings, chunks: readonly Chunk[], features?: string): string {
  const h = createHash('sha256').update(JSON.stringify(features ? { info, chunker, features } : { info, chunker }));
  for (const c of chunks) h.update(`\n${c.id}\0${c.section}\0${c.start}`);
  return h.digest('hex').slice(0, 12);
}

export async function buildGeneration(sources: readonly SourceDoc[], opts: BuildOptions): Promise<{ data: GenerationData; stats: BuildStats }> {
  const chunks = chunkSources(sources, opts.chunker);
  const keys = chunks.map((c) => embeddingKey(opts.embedding.info.model, indexText(c)));
  const reusable = reusableVectors(opts.previous, opts.embedding.info);

  const missing = [...new Set(keys.filter((k) => !reusable.has(k)))];
  const textByKey = new Map(chunks.map((c, i) => [keys[i] as string, indexText(c)]));
  const fresh = new Map<string, number[]>();
  const batchSize = opts.batchSize ?? 128;
  opts.onProgress?.(0, missing.length);
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const vectors = await opts.embedding.embeddings.embedDocuments(batch.map((k) => textByKey.get(k) ?? ''));
    if (vectors.length !== batch.length) throw new Error(`embeddings returned ${vectors.length} vectors for ${batch.length} texts`);
    batch.forEach((k, j) => fresh.set(k, vectors[j] ?? []));
    opts.onProgress?.(Math.min(i + batchSize, missing.length), missing.length);
  }

  const firstVector = fresh.values().next().value ?? reusable.values().next().value;
  const dims = opts.embedding.info.dimensions ?? firstVector?.length ?? 0;
  const vectors = new Float32Array(chunks.length * dims);
  keys.forEach((k, i) => {
    const v = fresh.get(k) ?? reusable.get(k);
    if (!v || v.length !== dims) throw new Error(`embedding for chunk ${chunks[i]?.id} has ${v?.length ?? 0} dimensions, expected ${dims}`);
    vectors.set(v, i * dims);
  });

  const info: EmbeddingInfo = { provider: opts.embedding.info.provider, model: opts.embedding.info.model, dimensions: dims };
  const sentences = opts.sentences?.(chunks);
  const manifest: IndexManifest = {
    version: manifestVersion(info, opts.chunker, chunks, sentences?.version),
    createdAt: opts.now.toISOString(),
    embedding: info,
    chunker: opts.chunker,
    sources: sources.map((s) => ({ path: s.path, sha256: sha256(s.text), chunks: chunks.filter((c) => c.source === s.path).length })),
    chunkCount: chunks.length,
    ...(sentences ? { features: sentences.version } : {}),
  };

  const prevIds = new Set(opts.previous?.chunks.map((c) => c.id) ?? []);
  const ids = new Set(chunks.map((c) => c.id));
  const unchanged = [...ids].filter((id) => prevIds.has(id)).length;
  const stats: BuildStats = {
    files: sources.length,
    chunks: chunks.length,
    added: ids.size - unchanged,
    unchanged,
    removed: [...prevIds].filter((id) => !ids.has(id)).length,
    embedded: missing.length,
    reused: keys.filter((k) => reusable.has(k)).length,
  };
  return { data: { manifest, chunks, embeddingKeys: keys, vectors, sentences }, stats };
}
