/**
 * What the extractive answerer needs to know about words, independent of where it comes from:
 * how similar two words are (word vectors) and how common a word is in general English
 * (frequency rank). The local GloVe embeddings provide both; tests use small fakes.
 */
export interface Lexicon {
  /** Cosine similarity of two words' vectors in [-1, 1]; 1 for the same word; 0 when unknown. */
  similarity(a: string, b: string): number;
  /** Frequency rank in general English (0 = most common); `size` for unknown words. */
  rank(word: string): number;
  readonly size: number;
  /** A unit-length vector for a whole sentence (same space for questions and sentences). */
  embed(text: string): ArrayLike<number>;
}

/** A lexicon that knows nothing: every word is rare and only equal to itself. */
export const EMPTY_LEXICON: Lexicon = {
  similarity: (a, b) => (a === b ? 1 : 0),
  rank: () => 1_000_000,
  size: 1_000_000,
  embed: () => [1],
};
