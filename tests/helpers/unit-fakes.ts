/**
 * Small, transparent fakes of the project's ports for unit tests. Each derives its output
 * from its input (never a constant), so tests that use them can still fail.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Lexicon } from '../../src/answer/lexicon.js';
import type { CorpusStats } from '../../src/answer/question.js';
import { buildBm25 } from '../../src/retrieval/bm25.js';
import { indexText, chunkId } from '../../src/ingest/chunk.js';
import type { Chunk, Retrieved } from '../../src/types.js';

const words = (text: string): string[] => text.toLowerCase().replace(/’/g, "'").match(/[\p{L}\p{N}]+(?:['.][\p{L}\p{N}]+)*/gu) ?? [];

/** Index of a word in `dims` buckets, from a hash of the word. */
function bucket(word: string, dims: number): number {
  return createHash('sha256').update(word).digest().readUInt32BE(0) % dims;
}

/** A hashed bag of words, L2-normalised (all zeros for a text without words). */
export function hashedBagOfWords(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of words(text)) v[bucket(w, dims)] = (v[bucket(w, dims)] ?? 0) + 1;
  const norm = Math.hypot(...v);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/**
 * A Lexicon over hand-written tables: `similar` lists word pairs with their similarity
 * (symmetric), `common` lists the most common English words in rank order; sentence vectors
 * are hashed bags of the words that are not in `common`.
 */
export function fakeLexicon(opts: { similar?: ReadonlyArray<readonly [string, string, number]>; common?: readonly string[]; size?: number; dims?: number } = {}): Lexicon & { readonly embedded: string[] } {
  const table = new Map<string, number>();
  for (const [a, b, s] of opts.similar ?? []) {
    table.set(`${a}|${b}`, s);
    table.set(`${b}|${a}`, s);
  }
  const common = opts.common ?? [];
  const size = opts.size ?? 10_000;
  const dims = opts.dims ?? 64;
  const embedded: string[] = [];
  return {
    embedded,
    size,
    similarity: (a, b) => (a === b ? 1 : (table.get(`${a}|${b}`) ?? 0)),
    rank: (w) => {
      const i = common.indexOf(w);
      return i >= 0 ? i : size;
    },
    embed: (text) => {
      embedded.push(text);
      const content = words(text).filter((w) => !common.includes(w)).join(' ');
      return hashedBagOfWords(content, dims);
    },
  };
}

/** An EmbeddingsInterface whose vectors are hashed bags of words; it records every text it embeds. */
export class CountingEmbeddings implements EmbeddingsInterface {
  readonly documents: string[] = [];
  readonly queries: string[] = [];
  calls = 0;
  constructor(readonly dims = 16) {}
  get embeddedCount(): number {
    return this.documents.length;
  }
  async embedDocuments(texts: string[]): Promise<number[][]> {
    this.calls++;
    this.documents.push(...texts);
    return texts.map((t) => hashedBagOfWords(t, this.dims));
  }
  async embedQuery(text: string): Promise<number[]> {
    this.queries.push(text);
    return hashedBagOfWords(text, this.dims);
  }
}

/** A chunk made by hand, with the real id scheme. */
export function makeChunk(text: string, opts: { source?: string; section?: string; start?: number } = {}): Chunk {
  const source = opts.source ?? 'test.txt';
  const start = opts.start ?? 0;
  return { id: chunkId(source, text, 0), source, section: opts.section ?? 'Introduction', start, end: start + text.length, text };
}

/** Retrieved passages in the given order (rank 1 first), scores falling with rank. */
export function retrieved(chunks: readonly Chunk[]): Retrieved[] {
  return chunks.map((chunk, i) => ({ chunk, score: 1 / (i + 1), ranks: { dense: i + 1, lexical: i + 1 } }));
}

/** Corpus statistics (document frequencies) of the given chunks, via the real BM25 index. */
export function corpusStats(chunks: readonly Chunk[]): CorpusStats {
  const bm25 = buildBm25(chunks.map(indexText));
  return { docCount: bm25.docCount, df: (s) => bm25.df(s) };
}
