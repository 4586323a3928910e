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

/** Credit in [0, 1] for `term` against one token: 1 for the same word family, else a soft match. */
function tokenCredit(term: QuestionTerm, t: Token, lexicon: Lexicon): number {
  if (sameWordFamily(term.stem, t.stem) || sameWordFamily(term.word, t.word) || term.aliases.includes(t.word)) return 1;
  if (term.required || t.numeric) return 0; // names and numbers match only themselves
  return softCredit(lexicon.similarity(term.word, t.word));
}

// The same words recur in a passage, its sentences and the other passages of one question, so
// each term remembers the credit of every word it has been compared with (a profile of the
// answer path had ~60 % of its time in repeated lexicon.similarity calls before this). Question
// terms are made afresh per question, so a memo lives as long as one question. Keyed by word:
// a token's stem and numeric flag are functions of its word (see tokenize). Plain numbers as
// values (most credits are 0 or 1, which V8 stores without allocating).
const memos = new WeakMap<QuestionTerm, { lexicon: Lexicon; byWord: Map<string, number> }>();

function memoFor(term: QuestionTerm, lexicon: Lexicon): Map<string, number> {
  let memo = memos.get(term);
  if (!memo || memo.lexicon !== lexicon) memos.set(term, (memo = { lexicon, byWord: new Map() }));
  return memo.byWord;
}

/** Credit in [0, 1] for `term` against the content tokens of a text. */
export function matchCredit(term: QuestionTerm, tokens: readonly Token[], lexicon: Lexicon): number {
  const memo = memoFor(term, lexicon);
  let best = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    let credit = memo.get(t.word);
    if (credit === undefined) memo.set(t.word, (credit = tokenCredit(term, t, lexicon)));
    if (credit === 1) return 1; // soft matches earn at most SOFT_MAX < 1
    if (credit > best) best = credit;
  }
  return best;
}
