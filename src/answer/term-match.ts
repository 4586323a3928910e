/**
 * How well a question term is matched by a piece of text: exactly (same stem, or the same
 * word with another ending, "Russia"/"Russian"), or softly by a word of similar meaning
 * ("people"/"humans") as the lexicon's word vectors judge it.
 */
import type { Token } from '../text/tokenize.js';
import type { Lexicon } from './lexicon.js';
import type { QuestionTerm } from './question.js';

/** Same stem, or one stem extends the other by a short ending. */
export function sameWordFamily(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 5 || /^\d/.test(short)) return false;
  let common = 0;
  while (common < short.length && short[common] === long[common]) common++;
  return common >= 5 && common >= 0.8 * short.length && long.length - common <= 3;
}

// Cosine similarities of 100-d GloVe vectors: below the floor words are unrelated; at the
// ceiling they are near-synonyms. Soft matches earn at most SOFT_MAX of an exact match.
const SOFT_FLOOR = 0.55;
const SOFT_CEIL = 0.85;
const SOFT_MAX = 0.7;

export function softCredit(similarity: number): number {
  if (similarity <= SOFT_FLOOR) return 0;
  return SOFT_MAX * Math.min(1, (similarity - SOFT_FLOOR) / (SOFT_CEIL - SOFT_FLOOR));
}

/** Credit in [0, 1] for `term` against the content tokens of a text. */
export function matchCredit(term: QuestionTerm, tokens: readonly Token[], lexicon: Lexicon): number {
  let best = 0;
  for (const t of tokens) {
    if (sameWordFamily(term.stem, t.stem) || sameWordFamily(term.word, t.word)) return 1;
    if (term.required || t.numeric) continue; // names and numbers match only themselves
    best = Math.max(best, softCredit(lexicon.similarity(term.word, t.word)));
  }
  return best;
}
