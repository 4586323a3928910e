/**
 * What the answerer needs to know about words, independent of where it comes from: how
 * common a word is in general English (frequency rank), its vector, and the vector of a run of
 * words. Words are the shared tokenizer's folded keys. The local GloVe table provides all of
 * it (src/runtime.ts); tests use small fakes.
 */
export interface Lexicon {
  /** Ranks run 0 (most common) to size - 1; `size` stands for unknown words. */
  readonly size: number;
  readonly dimensions: number;
  /** Frequency rank of a folded word in general English; `size` when unknown. */
  rank(key: string): number;
  /** The unit vector of a folded word, or null when unknown. */
  vector(key: string): Float32Array | null;
  /** A unit-length vector for a run of folded words (the same space for questions and sentences). */
  embedKeys(keys: readonly string[]): Float32Array;
}

/** Dot product of two vectors of the same length (cosine for unit vectors). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
