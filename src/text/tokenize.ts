/**
 * Word tokens with their offsets, stop words and stems: the one tokenizer shared by the
 * lexical ranker and the extractive answerer, so both agree on what a "term" is.
 */
import { stemmer } from 'stemmer';

export interface Token {
  /** Lower-cased surface form, curly apostrophes folded, possessive 's removed. */
  readonly word: string;
  /** Porter stem of `word`. */
  readonly stem: string;
  /** Offset of the token in the input text. */
  readonly start: number;
  readonly end: number;
  /** The token started with an upper-case letter in the text. */
  readonly capitalized: boolean;
  readonly numeric: boolean;
}

// Hyphenated words count as their parts ("cross-border" -> cross, border) so they match either.
const WORD = /[\p{L}\p{N}]+(?:['’.][\p{L}\p{N}]+)*/gu;

// Function words of English questions and prose; they carry no topic.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being
  below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
  each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
  herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
  most mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same
  shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them
  themselves then there there's these they they'd they'll they're they've this those through to too under
  until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
  while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself
  yourselves tell please name list describe explain give does kind kinds type types sort sorts much many whose`
    .split(/\s+/)
    .filter(Boolean),
);

function normalizeWord(raw: string): string {
  return raw.toLowerCase().replace(/’/g, "'").replace(/'s$/, '');
}

/** Tokens of `text` with offsets; numbers keep inner dots (`1.5`). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    const start = m.index;
    const word = normalizeWord(raw);
    const numeric = /^\d/.test(word);
    out.push({
      word,
      stem: numeric ? word : stemmer(word),
      start,
      end: start + raw.length,
      capitalized: /^\p{Lu}/u.test(raw),
      numeric,
    });
  }
  return out;
}

export const isStopWord = (word: string): boolean => STOP_WORDS.has(word);

/** Stems of the content words of `text`, in order, repeats kept (for BM25 term frequency). */
export function contentStems(text: string): string[] {
  return tokenize(text)
    .filter((t) => !isStopWord(t.word))
    .map((t) => t.stem);
}
