/**
 * What a question asks about: its content terms, each weighted by how specific it is, which
 * of them any answer must contain (names and numbers the corpus is not mainly about), and
 * the kind of answer it expects (a number, a date, a person).
 */
import { isStopWord, tokenize, type Token } from '../text/tokenize.js';
import { stemmer } from 'stemmer';
import type { Lexicon } from './lexicon.js';

export type AnswerType = 'number' | 'date' | 'person' | 'place' | 'any';

export interface QuestionTerm {
  readonly word: string;
  readonly stem: string;
  /** Specificity in (0, 1]: rare words weigh more; words the whole corpus is about weigh little. */
  readonly weight: number;
  /** A name or number that an answer must mention to be about the same thing. */
  readonly required: boolean;
  /** Other names the corpus gives for this word; they match like the word itself. */
  readonly aliases: readonly string[];
}

export interface CorpusStats {
  readonly docCount: number;
  /** Number of chunks containing the stem. */
  df(stem: string): number;
  /**
   * The corpus's common direction in sentence-vector space (unit length): what every passage
   * shares, such as the city's name. Removed before comparing sentences (Arora et al.'s SIF).
   */
  readonly commonDirection?: ArrayLike<number> | undefined;
  /** Other names the corpus gives for things (lower-cased words). */
  readonly aliases?: ReadonlyMap<string, ReadonlySet<string>> | undefined;
}

export interface AnalyzedQuestion {
  readonly terms: readonly QuestionTerm[];
  readonly answerType: AnswerType;
}

// Words that frame a question rather than name its topic.
const FRAME_WORDS = new Set(['know', 'find', 'info', 'information', 'anything', 'something', 'thing', 'things', 'mention', 'mentioned', 'say', 'says', 'exist', 'exists', 'located', 'also', 'called', 'one', 'ones']);

export function expectedAnswerType(question: string): AnswerType {
  const q = question.toLowerCase();
  if (/\bhow (many|much)\b|\bwhat (number|percentage|proportion)\b|\bhow (large|big) is the population\b/.test(q)) return 'number';
  // "What is the population of X?" asks for a quantity as surely as "how many".
  if (/\bwhat(?:'s| is| was| are| were)? (?:the |its |their )?(population|size|area|height|length|distance|temperature|price|cost|number|percentage|rate|total)\b/.test(q)) return 'number';
  if (/\bwhen\b|\bwhat (year|date|century|decade)\b|\bwhich (year|century|decade)\b|\bhow long ago\b/.test(q)) return 'date';
  if (/^\s*who\b|\bwho (is|was|are|were)\b/.test(q)) return 'person';
  if (/^\s*where\b|\bwhere (is|are|was|were|does|do|did)\b/.test(q)) return 'place';
  return 'any';
}

/** General-English rarity in [0.15, 1] from a word's frequency rank (Zipf: log rank ~ information). */
function rarity(word: string, lexicon: Lexicon): number {
  const r = lexicon.rank(word);
  return Math.min(1, Math.max(0.15, Math.log(r + 2) / Math.log(lexicon.size + 2)));
}

export function analyzeQuestion(question: string, lexicon: Lexicon, corpus: CorpusStats): AnalyzedQuestion {
  const tokens = tokenize(question);
  const seen = new Set<string>();
  const terms: QuestionTerm[] = [];
  tokens.forEach((t: Token, i) => {
    if (isStopWord(t.word) || FRAME_WORDS.has(t.word) || seen.has(t.stem)) return;
    if (t.word.length < 2 && !t.numeric) return;
    seen.add(t.stem);
    const aliases = [...(corpus.aliases?.get(t.word) ?? [])];
    // A name is as common as its most common alias: "Heihe" is what the corpus is about when "Anheihe" is.
    const df = Math.max(corpus.df(t.stem), ...aliases.map((a) => corpus.df(stemmer(a))));
    const share = corpus.docCount ? df / corpus.docCount : 0;
    // A term in most passages is what the corpus is about (the city itself): it narrows nothing.
    const topical = Math.min(1, share / 0.5);
    const weight = rarity(t.word, lexicon) * (1 - 0.85 * topical);
    const name = t.capitalized && (i > 0 || /^\p{Lu}{2,}/u.test(question.slice(t.start, t.end)));
    terms.push({ word: t.word, stem: t.stem, weight, required: (name || t.numeric) && share < 0.3, aliases });
  });
  return { terms, answerType: expectedAnswerType(question) };
}
