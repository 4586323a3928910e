/**
 * Small, transparent fakes of the project's ports for unit tests. Each derives its output
 * from its input (never a constant), so tests that use them can still fail.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Lexicon } from '../../src/answer/lexicon.js';
import { chunkId } from '../../src/ingest/chunk.js';
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

/** A deterministic unit vector for a word (near-orthogonal to other words' in 64 dimensions). */
function wordVector(word: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  let sq = 0;
  for (let k = 0; k < dims; k++) {
    const x = createHash('sha256').update(`${word}\0${k}`).digest().readInt32BE(0) / 2 ** 31;
    v[k] = x;
    sq += x * x;
  }
  const inv = 1 / Math.sqrt(sq);
  return v.map((x) => x * inv);
}

/**
 * A Lexicon over hand-written tables: `common` lists the most common English words in rank
 * order (others are rare, or unknown when listed in `unknown`); `similar` lists word pairs with
 * roughly the cosine their vectors get (the second word's vector leans towards the first's);
 * sentence vectors are the normalised mean of the vectors of words not in `common`.
 */
export function fakeLexicon(opts: { similar?: ReadonlyArray<readonly [string, string, number]>; common?: readonly string[]; unknown?: readonly string[]; size?: number; dims?: number } = {}): Lexicon & { readonly embedded: string[][] } {
  const dims = opts.dims ?? 64;
  const size = opts.size ?? 10_000;
  const common = opts.common ?? [];
  const unknown = new Set(opts.unknown ?? []);
  const leans = new Map<string, Array<readonly [string, number]>>();
  for (const [a, b, s] of opts.similar ?? []) leans.set(b, [...(leans.get(b) ?? []), [a, s] as const]);
  const cache = new Map<string, Float32Array>();
  const vector = (key: string): Float32Array | null => {
    if (unknown.has(key)) return null;
    const hit = cache.get(key);
    if (hit) return hit;
    let v: Float32Array = wordVector(key, dims);
    for (const [towards, s] of leans.get(key) ?? []) {
      const base = vector(towards) ?? wordVector(towards, dims);
      const own = v;
      const mixed: Float32Array = own.map((x, k) => Math.sqrt(1 - s) * x + Math.sqrt(s) * (base[k] as number));
      const norm = Math.hypot(...mixed);
      v = mixed.map((x) => x / norm);
    }
    cache.set(key, v);
    return v;
  };
  const embedded: string[][] = [];
  return {
    embedded,
    size,
    dimensions: dims,
    rank: (key) => {
      const i = common.indexOf(key);
      return i >= 0 ? i : unknown.has(key) ? size : Math.min(size - 1, 5000 + (createHash('sha256').update(key).digest().readUInt16BE(0) % 4000));
    },
    vector,
    embedKeys: (keys) => {
      embedded.push([...keys]);
      const acc = new Float32Array(dims);
      for (const k of keys) {
        if (common.includes(k)) continue;
        const v = vector(k) ?? wordVector(k, dims);
        for (let i = 0; i < dims; i++) acc[i] = (acc[i] as number) + (v[i] as number);
      }
      const norm = Math.hypot(...acc);
      return norm > 0 ? acc.map((x) => x / norm) : acc.fill(1 / Math.sqrt(dims));
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

/**
 * Retrieved passages in the given order (rank 1 first), scores falling with rank. `all` is the
 * generation's chunks (positions index into it; default: the passages themselves).
 */
export function retrieved(chunks: readonly Chunk[], all: readonly Chunk[] = chunks): Retrieved[] {
  return chunks.map((chunk, i) => ({ chunk, position: all.indexOf(chunk), score: 1 / (i + 1), ranks: { dense: i + 1, lexical: i + 1 } }));
}

