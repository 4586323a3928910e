/**
 * Per-passage work the extractive answerer would otherwise redo on every question: sentence
 * spans, their content tokens and sentence vectors. Computed on first use and kept as long
 * as the chunk object (i.e. its index generation) lives.
 */
import type { Chunk } from '../types.js';
import { splitSentences } from '../text/sentences.js';
import { isStopWord, tokenize, type Token } from '../text/tokenize.js';
import type { Lexicon } from './lexicon.js';

export interface AnalyzedSentence {
  /** Offsets within the chunk's text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly content: readonly Token[];
  readonly vector: ArrayLike<number>;
}

export interface AnalyzedPassage {
  readonly content: readonly Token[];
  readonly sectionContent: readonly Token[];
  readonly sentences: readonly AnalyzedSentence[];
}

export const contentTokens = (tokens: readonly Token[]): Token[] => tokens.filter((t) => !isStopWord(t.word));

const cache = new WeakMap<Lexicon, WeakMap<Chunk, AnalyzedPassage>>();

export function analyzePassage(chunk: Chunk, lexicon: Lexicon): AnalyzedPassage {
  let byChunk = cache.get(lexicon);
  if (!byChunk) cache.set(lexicon, (byChunk = new WeakMap()));
  const hit = byChunk.get(chunk);
  if (hit) return hit;
  const sentences = splitSentences(chunk.text).map((span) => {
    const text = chunk.text.slice(span.start, span.end);
    const tokens = tokenize(text);
    return { start: span.start, end: span.end, text, tokens, content: contentTokens(tokens), vector: lexicon.embed(text) };
  });
  const analyzed: AnalyzedPassage = {
    content: contentTokens(tokenize(chunk.text)),
    sectionContent: contentTokens(tokenize(chunk.section)),
    sentences,
  };
  byChunk.set(chunk, analyzed);
  return analyzed;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

/** Cosine of unit vectors a and b after removing their components along unit vector u. */
export function cosineWithout(a: ArrayLike<number>, b: ArrayLike<number>, u: ArrayLike<number> | undefined): number {
  const ab = cosine(a, b);
  if (!u) return ab;
  const au = cosine(a, u);
  const bu = cosine(b, u);
  const denom = Math.sqrt(Math.max(1e-9, (1 - au * au) * (1 - bu * bu)));
  return (ab - au * bu) / denom;
}

/**
 * The first principal direction (uncentred) of some unit vectors, by power iteration: the
 * direction all passages share. Returns undefined for fewer than 2 vectors.
 */
export function commonDirection(vectors: ReadonlyArray<ArrayLike<number>>, iterations = 20): Float64Array | undefined {
  const first = vectors[0];
  if (!first || vectors.length < 2) return undefined;
  const d = first.length;
  let u = new Float64Array(d).fill(1 / Math.sqrt(d));
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(d);
    for (const v of vectors) {
      const p = cosine(v, u);
      for (let i = 0; i < d; i++) next[i] = (next[i] as number) + p * (v[i] as number);
    }
    const norm = Math.sqrt(cosine(next, next));
    if (!(norm > 0)) return undefined;
    u = next.map((x) => x / norm);
  }
  return u;
}
