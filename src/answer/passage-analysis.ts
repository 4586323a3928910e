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
