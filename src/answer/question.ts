/**
 * A question, analysed once: its tokens (the shared tokenizer's), its content terms resolved
 * against the corpus vocabulary with how specific each is (in this corpus and in English),
 * which terms are names or numbers, other names the corpus gives for them, consecutive term
 * pairs, the kind of answer it asks for, and its sentence vector.
 */
import { tokenize, type Token } from '../text/tokenize.js';
import { dot, type Lexicon } from './lexicon.js';
import type { SentenceIndex } from './sentence-index.js';
import type { Thesaurus } from '../text/wordnet.js';

/**
 * What a question asks for, from its question words (a closed class, so a table is the
 * right tool): "when"/"what year" a date, "how many"/"what percentage" a number, "who" a
 * person, "where"/"which city" a place, "why" a reason, "how" a manner, "is/does..." yes or no.
 */
export const ANSWER_KINDS = ['date', 'number', 'person', 'place', 'reason', 'manner', 'entity', 'yesno', 'other'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

export interface QuestionTerm {
  readonly lemma: string;
  readonly key: string;
  /** Id in the corpus vocabulary, or -1 when the corpus never uses the lemma. */
  readonly lemmaId: number;
  /** Id of its word family in the corpus, or -1. */
  readonly stemId: number;
  /** Other names of the term (lemma-id sequences), from aliases the corpus defines. */
  readonly alternates: ReadonlyArray<readonly number[]>;
  /** Chunks holding the term (or one of its other names). */
  readonly df: number;
  /** Specificity in this corpus in [0, 1]: 1 for a term in no chunk, near 0 for one in all. */
  readonly idf: number;
  /** Rarity in general English in [0, 1] (log frequency rank over log vocabulary size). */
  readonly rarity: number;
  /** Frequency rank in general English. */
  readonly rank: number;
  readonly name: boolean;
  readonly number: boolean;
  readonly vector: Float32Array | null;
  /** Corpus words WordNet relates to the term (see CorpusRelatives); none for names and numbers. */
  readonly relatives: CorpusRelatives;
  /** Carried from earlier turns: a word of the standalone question the user did not write in this one. */
  readonly carried: boolean;
}

/** Corpus words (lemma ids) WordNet relates to a word: directly (a synonym, hypernym, derivation …) or as a sibling. */
export interface CorpusRelatives {
  readonly direct: Int32Array;
  readonly siblings: Int32Array;
}

const NO_CORPUS_RELATIVES: CorpusRelatives = { direct: new Int32Array(0), siblings: new Int32Array(0) };

export interface AnalyzedQuestion {
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly terms: readonly QuestionTerm[];
  /** Pairs of terms consecutive in the question (indices into terms). */
  readonly bigrams: ReadonlyArray<readonly [number, number]>;
  readonly kind: AnswerKind;
  /** SIF vector of the question's words and the other names of its names. */
  readonly vector: Float32Array;
}

// Words that frame a question rather than name its topic.
const FRAME_WORDS = new Set(['know', 'find', 'info', 'information', 'anything', 'something', 'thing', 'mention', 'say', 'exist', 'called', 'call', 'one', 'anyone', 'someone', 'happen', 'occur', 'take', 'place']);

const DATE_NOUNS = new Set(['year', 'date', 'century', 'decade', 'month', 'day', 'time', 'era', 'period', 'age']);
// "How long/far/…" and the nouns of a measure: the answer is a number with a unit.
const MEASURE_ADJECTIVES = ['long', 'far', 'wide', 'tall', 'high', 'deep', 'old', 'big', 'large'];
const MEASURE_NOUNS = ['length', 'distance', 'height', 'depth', 'width', 'area', 'size', 'temperature', 'price', 'cost', 'age', 'speed', 'weight'];
// Nouns that say what kind of number a question wants, not what is counted.
const COUNT_NOUNS = ['number', 'percentage', 'percent', 'amount', 'rate', 'total', 'proportion', 'fraction', 'quantity', 'count', 'ratio'];
const NUMBER_NOUNS = new Set([...MEASURE_NOUNS, ...COUNT_NOUNS, 'population']);
const MEASURE_WORDS = new Set([...MEASURE_ADJECTIVES, ...MEASURE_NOUNS]);
const QUANTITY_WORDS = new Set(['many', 'much', 'share', ...COUNT_NOUNS, ...MEASURE_WORDS]);
const PLACE_NOUNS = new Set(['city', 'country', 'place', 'region', 'river', 'state', 'town', 'province', 'location', 'continent', 'island', 'nation', 'county', 'district', 'area', 'street', 'village', 'capital', 'site', 'territory', 'mountain', 'sea', 'ocean', 'lake', 'port', 'border']);
const PERSON_NOUNS = new Set(['person', 'man', 'woman', 'leader', 'king', 'queen', 'president', 'ruler', 'emperor', 'author', 'writer', 'scientist', 'founder', 'inventor', 'people', 'group', 'general', 'pope', 'duke', 'prince', 'minister', 'mayor', 'player', 'artist', 'composer', 'philosopher']);
const AUXILIARIES = new Set(['is', 'are', 'was', 'were', 'do', 'does', 'did', 'can', 'could', 'has', 'have', 'had', 'will', 'would', 'should', 'may', 'might']);

/** The kind of answer a question asks for, from its question words and the noun after "what/which". */
export function answerKind(tokens: readonly Token[]): AnswerKind {
  const keys = tokens.map((t) => t.key);
  const at = (w: string): number => keys.indexOf(w);
  const after = (i: number): Token | undefined => tokens.slice(i + 1).find((t) => !t.stop || t.key === 'many' || t.key === 'much');
  const how = at('how');
  if (how >= 0) {
    const next = keys[how + 1] ?? '';
    if (next === 'many' || next === 'much') return 'number';
    if (MEASURE_ADJECTIVES.includes(next) || next === 'often' || next === 'fast') return next === 'long' && keys.includes('ago') ? 'date' : 'number';
  }
  if (at('when') >= 0) return 'date';
  if (at('why') >= 0) return 'reason';
  if (at('where') >= 0) return 'place';
  if (at('who') >= 0 || at('whom') >= 0 || at('whose') >= 0) return 'person';
  const wh = [at('what'), at('which')].filter((i) => i >= 0).sort((a, b) => a - b)[0];
  if (wh !== undefined) {
    const noun = after(wh);
    if (noun) {
      if (DATE_NOUNS.has(noun.lemma)) return 'date';
      if (NUMBER_NOUNS.has(noun.lemma)) return 'number';
      if (PLACE_NOUNS.has(noun.lemma)) return 'place';
      if (PERSON_NOUNS.has(noun.lemma)) return 'person';
    }
    return 'entity';
  }
  if (how >= 0) return 'manner';
  if (AUXILIARIES.has(keys[0] ?? '')) return 'yesno';
  return 'other';
}

/** What a number question's answer must sit next to: a unit (a measure) or the counted term. */
export interface NumberBinding {
  readonly measure: boolean;
  /** Index of the term that says what is counted ("students" in "How many students …"), if any. */
  readonly counted: readonly number[];
}

/** The binding a question asks of its number (null when it asks for no number). */
export function numberBinding(q: Pick<AnalyzedQuestion, 'kind' | 'tokens' | 'terms'>): NumberBinding | null {
  if (q.kind !== 'number') return null;
  const measure = q.tokens.some((t) => MEASURE_WORDS.has(t.lemma) || MEASURE_WORDS.has(t.key));
  const plain = (t: QuestionTerm): boolean => !t.name && !t.number;
  let counted = q.terms.findIndex((t) => plain(t) && !QUANTITY_WORDS.has(t.lemma) && !QUANTITY_WORDS.has(t.key));
  // "What is the population of Heihe?": the quantity word is what the number is of.
  if (counted < 0 && !measure) counted = q.terms.findIndex(plain);
  // "How many of them are Russian?": with no other word to count, the name is what is counted.
  if (counted < 0 && !measure) counted = q.terms.findIndex((t) => !t.number);
  return { measure, counted: counted < 0 ? [] : [counted] };
}

/** Corpus specificity of a term held by `df` of `n` chunks, in [0, 1] whatever the corpus size. */
export function specificity(df: number, n: number): number {
  // BM25's idf, divided by its largest value (df = 0) so corpora of any size share a scale.
  return Math.log((n + 1) / (df + 0.5)) / Math.log((n + 1) / 0.5);
}

/** General-English rarity of a frequency rank in [0, 1] (Zipf: log rank ~ information). */
export const rarityOf = (rank: number, size: number): number => Math.min(1, Math.log(rank + 2) / Math.log(size + 2));

/** The vocabulary lookups a question needs, built once per sentence index. */
export interface Vocabulary {
  lemmaId(lemma: string): number;
  stemId(stem: string): number;
  /** Corpus words (lemma ids) that `word`, which the corpus never uses, is a part of: "rain" → "rainfall". */
  compoundsOf(word: string): readonly number[];
  /** The corpus words WordNet relates to a lemma. */
  relativesOf(lemma: string): CorpusRelatives;
}

// Closed compounds ("rainfall", "worldwide", "database") are split into two parts of at least
// four letters (shorter splits were mostly fragments on the shared corpora: "his+tory",
// "off+ice"), each among the 20,000 most frequent English words (an adult's everyday
// vocabulary; rarer list entries are mostly names and fragments: "vince", "stein"), where the
// part keeps the compound's meaning: a word-vector cosine of 0.5 or more, the band of loosely
// related words (see features.ts), which "rain"/"rainfall" (0.68) clears and "rate"/"moderate" does not.
const COMPOUND_PART_MIN_LETTERS = 4;
const COMPOUND_PART_MAX_RANK = 20_000;
const COMPOUND_PART_MIN_COSINE = 0.5;

/** Parts of the corpus's closed compounds that the corpus does not use on their own, with the compounds holding them. */
export function compoundParts(index: SentenceIndex, lexicon: Pick<Lexicon, 'rank' | 'vector'>): Map<string, number[]> {
  const known = new Set(index.lemmas);
  const parts = new Map<string, number[]>();
  const min = COMPOUND_PART_MIN_LETTERS;
  index.lemmas.forEach((word, id) => {
    if (word.length < 2 * min || !/^[a-z]+$/.test(word)) return;
    const whole = lexicon.vector(word);
    if (!whole) return;
    for (let cut = min; cut <= word.length - min; cut++) {
      const head = word.slice(0, cut);
      const tail = word.slice(cut);
      if (lexicon.rank(head) >= COMPOUND_PART_MAX_RANK || lexicon.rank(tail) >= COMPOUND_PART_MAX_RANK) continue;
      for (const part of [head, tail]) {
        const v = lexicon.vector(part);
        if (known.has(part) || !v || dot(v, whole) < COMPOUND_PART_MIN_COSINE) continue;
        (parts.get(part) ?? parts.set(part, []).get(part))?.push(id);
      }
    }
  });
  return parts;
}

// Questions repeat their words: the corpus relatives of a word are remembered, up to this many
// words (a stream of unique strings cannot grow the memo without limit; it is cleared instead).
const RELATIVES_MEMO_LIMIT = 20_000;

export function vocabularyOf(index: SentenceIndex, lexicon: Pick<Lexicon, 'rank' | 'vector'>, thesaurus: Thesaurus): Vocabulary {
  const lemmas = new Map(index.lemmas.map((l, i) => [l, i]));
  const stems = new Map(index.stems.map((s, i) => [s, i]));
  const compounds = compoundParts(index, lexicon);
  const memo = new Map<string, CorpusRelatives>();
  const inCorpus = (words: readonly string[]): Int32Array => Int32Array.from(words.map((w) => lemmas.get(w) ?? -1).filter((id) => id >= 0));
  const relativesOf = (lemma: string): CorpusRelatives => {
    let r = memo.get(lemma);
    if (r) return r;
    const { direct, siblings } = thesaurus.relatives(lemma);
    r = direct.length + siblings.length ? { direct: inCorpus(direct), siblings: inCorpus(siblings) } : NO_CORPUS_RELATIVES;
    if (memo.size >= RELATIVES_MEMO_LIMIT) memo.clear();
    memo.set(lemma, r);
    return r;
  };
  return { lemmaId: (l) => lemmas.get(l) ?? -1, stemId: (s) => stems.get(s) ?? -1, compoundsOf: (w) => compounds.get(w) ?? [], relativesOf };
}

/**
 * Analyses `text` against a corpus (its sentence index and vocabulary) and the lexicon. `asked`
 * is what the user wrote when `text` is a follow-up made standalone (condense.ts): the terms of
 * `text` it does not have were carried from earlier turns, and the answerer weighs them apart.
 */
export function analyzeQuestion(text: string, index: SentenceIndex, vocabulary: Vocabulary, lexicon: Lexicon, asked?: string): AnalyzedQuestion {
  const tokens = tokenize(text);
  const askedWords = asked === undefined ? null : new Set(tokenize(asked).flatMap((t) => [t.key, t.lemma]));
  const n = index.chunkCount;
  const terms: QuestionTerm[] = [];
  const termAt: number[] = [];
  const seen = new Set<string>();
  const extraKeys: string[] = [];
  const lemmas = tokens.map((t) => t.lemma);
  tokens.forEach((t, i) => {
    if (t.stop || FRAME_WORDS.has(t.lemma) || seen.has(t.lemma)) return;
    if (t.key.length < 2 && t.number === null) return;
    seen.add(t.lemma);
    const lemmaId = vocabulary.lemmaId(t.lemma);
    const stemId = vocabulary.stemId(t.stem);
    // Other names: one-word aliases of this word, and the other names of a multi-word name it is part of.
    const altLemmas: Array<readonly string[]> = [...(index.aliases.byLemma.get(t.lemma) ?? [])];
    for (const p of index.aliases.phrases) {
      const k = p.lemmas.indexOf(t.lemma);
      if (k >= 0 && p.lemmas.every((l, j) => lemmas[i - k + j] === l)) altLemmas.push(...p.others);
    }
    const alternates = altLemmas.map((seq) => seq.map((l) => vocabulary.lemmaId(l))).filter((ids) => ids.every((id) => id >= 0));
    for (const seq of altLemmas) extraKeys.push(...seq);
    // A word the corpus only uses inside a compound ("rain" in "rainfall") stands for the compound.
    if (lemmaId < 0 && stemId < 0) {
      for (const id of new Set([...vocabulary.compoundsOf(t.lemma), ...vocabulary.compoundsOf(t.key)])) {
        alternates.push([id]);
        extraKeys.push(index.lemmas[id] as string);
      }
    }
    const df = Math.max(lemmaId >= 0 ? (index.lemmaDf[lemmaId] as number) : 0, ...alternates.map((ids) => Math.min(...ids.map((id) => index.lemmaDf[id] as number))));
    const rank = lexicon.rank(t.key);
    // The first word of a question is capitalised by convention: a name only when written in capitals.
    const name = t.number === null && t.capitalized && (i > 0 || /^\p{Lu}{2,}/u.test(text.slice(t.start, t.end)));
    const number = t.number !== null && t.digits;
    terms.push({
      lemma: t.lemma,
      key: t.key,
      lemmaId,
      stemId,
      alternates,
      df,
      idf: specificity(df, n),
      rarity: rarityOf(rank, lexicon.size),
      rank,
      name,
      number,
      vector: lexicon.vector(t.key) ?? lexicon.vector(t.lemma),
      relatives: name || t.number !== null ? NO_CORPUS_RELATIVES : vocabulary.relativesOf(t.lemma),
      carried: askedWords !== null && !askedWords.has(t.key) && !askedWords.has(t.lemma),
    });
    termAt.push(i);
  });
  const bigrams: Array<readonly [number, number]> = [];
  for (let j = 1; j < terms.length; j++) {
    // Consecutive content words of the question ("steam engine", "Latin version").
    const gap = tokens.slice((termAt[j - 1] as number) + 1, termAt[j]).every((t) => t.stop);
    if (gap && (termAt[j] as number) - (termAt[j - 1] as number) <= 2) bigrams.push([j - 1, j]);
  }
  return { text, tokens, terms, bigrams, kind: answerKind(tokens), vector: lexicon.embedKeys([...tokens.map((t) => t.key), ...extraKeys]) };
}
