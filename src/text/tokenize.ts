/**
 * The one tokenizer of the project: ingest, retrieval (BM25 and the dense query), the
 * answerer's features and the sentence embeddings all see a text as these tokens, so they
 * agree on what a term is. Each token keeps its offsets in the text as written; its forms are
 * folded (see normalize.ts):
 *   key    the folded surface ("heilongjiang", "1.5", "3rd"), in American spelling ("centre" →
 *          "center", see spelling.ts): what word vectors are looked up by
 *   lemma  the dictionary form (wink-lemmatizer: "died" → "die", "cities" → "city"); numbers and
 *          number words as "#<value>", so "third", "3rd" and "3" are one term
 *   stem   the word family (Porter2 of the lemma: "engineering" and "engine" → "engin")
 * Hyphenated words count as their parts ("cross-border" → cross, border); apostrophes and
 * dots join ("don't", "u.s", "1.5"); a possessive 's is dropped.
 */
import lemmatizer from 'wink-lemmatizer';
import porter2 from 'wink-porter2-stemmer';
import { foldWord } from './normalize.js';
import { numberWordValue, numeralValue } from './numbers.js';
import { STOP_WORDS } from './stopwords.js';
import { americanSpelling } from './spelling.js';

export interface WordForms {
  readonly key: string;
  readonly lemma: string;
  readonly stem: string;
  /** Value of a numeral or number word, else null. */
  readonly number: number | null;
  /** Written with digits (a number word is not). */
  readonly digits: boolean;
  readonly stop: boolean;
}

export interface Token extends WordForms {
  readonly start: number;
  readonly end: number;
  /** The token starts with an upper-case letter in the text. */
  readonly capitalized: boolean;
}

// A numeral with thousands separators, or a word: letters, digits and marks, with invisible
// format characters inside (folded away later) and ' ’ . joining parts.
const TOKEN = /\p{Nd}{1,3}(?:,\p{Nd}{3})+(?:\.\p{Nd}+)?|[\p{L}\p{N}\p{M}][\p{L}\p{N}\p{M}\p{Cf}]*(?:['’.][\p{L}\p{N}\p{M}][\p{L}\p{N}\p{M}\p{Cf}]*)*/gu;
const POSSESSIVE = /'s?$/;

// No dictionary word is longer than 45 letters, and the Porter2 stemmer takes time quadratic in
// a word's length (5 s for one of 20,000 letters, which a request under the body limit can
// carry): a longer run of letters is its own lemma and stem.
const MAX_WORD_LETTERS = 64;

/** The lemma of a folded word: as a verb, else as a noun, else as an adjective. */
function lemmaOf(key: string): string {
  if (key.length > MAX_WORD_LETTERS || !/^[a-z]+$/.test(key)) return key;
  let lemma = lemmatizer.verb(key);
  if (lemma === key) lemma = lemmatizer.noun(key);
  if (lemma === key) lemma = lemmatizer.adjective(key);
  return lemma;
}

// Word forms depend only on the surface, and texts repeat words: memoised. Bounded so that a
// stream of unique strings (a fuzzer, a huge corpus) cannot grow it without limit.
const MEMO_LIMIT = 200_000;
const memo = new Map<string, WordForms>();

/** The folded forms of one word as written (possessive included or not). */
export function wordForms(surface: string): WordForms {
  let forms = memo.get(surface);
  if (forms) return forms;
  const key = americanSpelling(foldWord(surface).replace(POSSESSIVE, '') || foldWord(surface));
  const numeral = numeralValue(key);
  const number = numeral ?? numberWordValue(key);
  if (number !== null) {
    const lemma = `#${number}`;
    forms = { key, lemma, stem: lemma, number, digits: numeral !== null, stop: false };
  } else {
    const lemma = lemmaOf(key);
    forms = { key, lemma, stem: lemma.length <= MAX_WORD_LETTERS && /^[a-z]+$/.test(lemma) ? porter2(lemma) : lemma, number: null, digits: false, stop: STOP_WORDS.has(key) };
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(surface, forms);
  return forms;
}

/** Tokens of `text`, in order, with offsets into it. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const raw = m[0];
    const forms = wordForms(raw);
    if (!forms.key) continue;
    // Fields spelled out, not `...forms`: spreading the memoised objects (of several shapes)
    // took V8's slow path, ten times the cost of the rest of tokenising a large corpus.
    const { key, lemma, stem, number, digits, stop } = forms;
    out.push({ key, lemma, stem, number, digits, stop, start: m.index, end: m.index + raw.length, capitalized: /^\p{Lu}/u.test(raw) });
  }
  return out;
}

export const isStopWord = (key: string): boolean => STOP_WORDS.has(key);

/** Word families of the content words of `text`, in order, repeats kept (BM25's terms). */
export function contentStems(text: string): string[] {
  // tokenize(text).filter((t) => !t.stop).map((t) => t.stem), without making the tokens.
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const forms = wordForms(m[0]);
    if (forms.key && !forms.stop) out.push(forms.stem);
  }
  return out;
}
