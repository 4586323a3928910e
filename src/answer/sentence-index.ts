/**
 * What the answerer knows about every sentence of a corpus, computed once per index
 * generation at ingest and stored with it, so that answering a question tokenises only the
 * question: each sentence's span, its content terms (lemma ids, in order), the names and
 * numbers it states, flags for the kinds of answer it can give (a year, a count, a cause...),
 * and its sentence vector; and of the corpus, the vocabulary with document frequencies and
 * general-English ranks, the aliases it defines, the direction all its sentences share, and
 * how much of each band of English vocabulary it uses (for telling on-topic questions from
 * off-topic ones on a corpus of any size).
 */
import type { Chunk } from '../types.js';
import { splitSentences } from '../text/sentences.js';
import { tokenize, type Token } from '../text/tokenize.js';
import { mineAliases, type Aliases } from '../text/aliases.js';
import { dot, type Lexicon } from './lexicon.js';
import { rowOf, type Rows } from '../rows.js';

// The flat-rows layout and its accessor, for the modules that read a sentence index.
export { rowOf, type Rows };

/** Bumped whenever what is computed here changes; stored in the manifest. */
export const SENTENCE_FEATURES_VERSION = 'sf-3';

/** Kinds of content a sentence holds, as bits of `flags`. */
export const FLAG = Object.freeze({
  number: 1 << 0, // a numeral that is not a year
  year: 1 << 1, // a year, century or decade
  month: 1 << 2,
  magnitude: 1 << 3, // million, thousands, percent ...
  money: 1 << 4,
  cause: 1 << 5, // because, due to, as a result ...
  name: 1 << 6, // a capitalised word past the first
  definition: 1 << 7, // "is a", "refers to", "known as" ...
  parenthesis: 1 << 8,
  list: 1 << 9, // two or more commas
  quote: 1 << 10,
});
export const FLAG_NAMES = Object.keys(FLAG) as Array<keyof typeof FLAG>;


export interface SentenceIndex {
  readonly version: string;
  readonly dimensions: number;
  // The vocabulary: content lemmas of the corpus (text and section titles).
  readonly lemmas: readonly string[];
  /** Word family of each lemma, as an id into `stems`. */
  readonly stemOf: Int32Array;
  readonly stems: readonly string[];
  /** Chunks whose text or section title holds the lemma / its family. */
  readonly lemmaDf: Int32Array;
  readonly stemDf: Int32Array;
  /** General-English frequency rank of each lemma (lexicon.size when unknown). */
  readonly lemmaRank: Int32Array;
  /** The folded word to look a lemma's vector up by (the lemma, or a surface form the lexicon knows). */
  readonly vectorKeys: readonly string[];
  readonly chunkCount: number;
  /** Sentences of chunk c: chunkSentences[c] .. chunkSentences[c + 1] - 1. */
  readonly chunkSentences: Int32Array;
  /** Offsets of each sentence within its chunk's text. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly flags: Uint16Array;
  /** Content lemma ids of each sentence, in order, repeats kept. */
  readonly terms: Rows;
  /** Lemma ids of the capitalised words past the first (names) of each sentence. */
  readonly names: Rows;
  /** Lemma ids of the numbers of each sentence (numerals and number words). */
  readonly numbers: Rows;
  /** Content lemma ids of each chunk's section title. */
  readonly sectionTerms: Rows;
  /** Unit sentence vectors, sentence-major. */
  readonly vectors: Float32Array;
  /** The corpus's common direction in sentence-vector space (unit), removed before comparing. */
  readonly commonDirection: Float32Array;
  /** Per band of English frequency rank (see rankBand): the share of the band's words the corpus uses. */
  readonly bandCoverage: Float64Array;
  readonly aliases: Aliases;
}

/** The text of sentence `s` of the index, given the text of the chunk holding it. */
export const sentenceText = (index: Pick<SentenceIndex, 'start' | 'end'>, chunkText: string, s: number): string => chunkText.slice(index.start[s], index.end[s]);

/** The text of every sentence of the index, in order, given the chunks it was built from. */
export function sentenceTexts(index: Pick<SentenceIndex, 'chunkSentences' | 'start' | 'end'>, chunks: ReadonlyArray<{ readonly text: string }>): string[] {
  const out: string[] = [];
  chunks.forEach((chunk, c) => {
    for (let s = index.chunkSentences[c] as number; s < (index.chunkSentences[c + 1] as number); s++) out.push(sentenceText(index, chunk.text, s));
  });
  return out;
}

const MONTHS = new Set(['january', 'february', 'march', 'april', 'june', 'july', 'august', 'september', 'october', 'november', 'december']);
const YEAR_WORDS = new Set(['century', 'decade', 'bc', 'bce', 'ad', 'ce', 'b.c', 'a.d']);
const MAGNITUDES = new Set(['hundred', 'thousand', 'million', 'billion', 'trillion', 'dozen', 'percent', 'percentage']);
const MONEY_WORDS = new Set(['dollar', 'pound', 'euro', 'yen', 'yuan', 'ruble', 'franc', 'cent', 'price', 'cost']);
const CAUSE_WORDS = new Set(['because', 'due', 'cause', 'reason', 'result', 'owing', 'consequently', 'therefore', 'thus', 'since', 'lead', 'so']);
const DEFINITION = /\b(?:is|are|was|were) (?:a|an|the)\b|\brefers? to\b|\b(?:known|defined|described) as\b|\bcalled\b|\bmeans?\b/i;

export const isYearValue = (v: number): boolean => Number.isInteger(v) && v >= 1000 && v <= 2100;

/**
 * Band of a frequency rank: 0 for the most common words, growing with the log of the rank
 * (bands of width 2^b), and one last band for words the lexicon does not know.
 */
export function rankBand(rank: number, lexiconSize: number): number {
  const last = Math.floor(Math.log2(lexiconSize + 1)) + 1;
  return rank >= lexiconSize ? last : Math.min(last - 1, Math.floor(Math.log2(rank + 1)));
}

/** How many words of the lexicon fall in a band; unknown words are taken to be as many as known ones. */
export function bandWidth(band: number, lexiconSize: number): number {
  const last = Math.floor(Math.log2(lexiconSize + 1)) + 1;
  if (band >= last) return lexiconSize;
  return Math.max(1, Math.min(2 ** (band + 1) - 1, lexiconSize) - (2 ** band - 1));
}

/** Flags of one sentence from its tokens and text. */
export function sentenceFlags(text: string, tokens: readonly Token[]): number {
  let flags = 0;
  let commas = 0;
  for (const ch of text) if (ch === ',') commas++;
  if (commas >= 2) flags |= FLAG.list;
  if (/[()]/.test(text)) flags |= FLAG.parenthesis;
  if (/["“”]/.test(text)) flags |= FLAG.quote;
  if (/[$£€¥]/.test(text)) flags |= FLAG.money;
  if (/%/.test(text)) flags |= FLAG.magnitude;
  if (DEFINITION.test(text)) flags |= FLAG.definition;
  tokens.forEach((t, i) => {
    if (t.number !== null && t.digits) flags |= isYearValue(t.number) && !t.key.includes(',') ? FLAG.year : FLAG.number;
    if (YEAR_WORDS.has(t.lemma) || /^\d{4}s$/.test(t.key)) flags |= FLAG.year;
    if (MONTHS.has(t.key) && t.capitalized) flags |= FLAG.month;
    if (MAGNITUDES.has(t.key) || MAGNITUDES.has(t.lemma) || (t.number !== null && t.number >= 100 && !t.digits)) flags |= FLAG.magnitude;
    if (MONEY_WORDS.has(t.lemma)) flags |= FLAG.money;
    if (CAUSE_WORDS.has(t.key)) flags |= FLAG.cause;
    if (i > 0 && t.capitalized && !t.stop) flags |= FLAG.name;
  });
  return flags;
}

/** Names of a run of tokens: capitalised content words that do not start it. */
export const isName = (t: Token, i: number): boolean => i > 0 && t.capitalized && !t.stop && t.number === null;

class RowsBuilder {
  private readonly offsets: number[] = [0];
  private readonly values: number[] = [];
  push(row: Iterable<number>): void {
    for (const v of row) this.values.push(v);
    this.offsets.push(this.values.length);
  }
  build(): Rows {
    return { offsets: Int32Array.from(this.offsets), values: Int32Array.from(this.values) };
  }
}

/** The first principal direction (uncentred) of unit row vectors, by power iteration. */
export function principalDirection(vectors: Float32Array, dims: number, rows: readonly number[]): Float32Array {
  let u = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  // 20 iterations: the first eigenvalue of sentence vectors dominates (they share a large
  // common component), so power iteration has converged to float precision long before.
  for (let it = 0; it < 20; it++) {
    const next = new Float64Array(dims);
    for (const r of rows) {
      const v = vectors.subarray(r * dims, (r + 1) * dims);
      const p = dot(v, u);
      for (let i = 0; i < dims; i++) next[i] = (next[i] as number) + p * (v[i] as number);
    }
    const norm = Math.sqrt(dot(next, next));
    if (!(norm > 0)) break;
    u = next.map((x) => x / norm);
  }
  return Float32Array.from(u);
}

// Enough sentences to find the shared direction; more only cost ingest time.
const DIRECTION_SAMPLE = 4000;

/** Builds the sentence index of a generation's chunks (in their order). */
export function buildSentenceIndex(chunks: readonly Chunk[], lexicon: Lexicon): SentenceIndex {
  const dims = lexicon.dimensions;
  const lemmaIds = new Map<string, number>();
  const lemmas: string[] = [];
  const vectorKeys: string[] = [];
  const stemIds = new Map<string, number>();
  const stems: string[] = [];
  const stemOf: number[] = [];
  const idOf = (t: Token): number => {
    let id = lemmaIds.get(t.lemma);
    if (id === undefined) {
      id = lemmas.length;
      lemmaIds.set(t.lemma, id);
      lemmas.push(t.lemma);
      vectorKeys.push(lexicon.vector(t.lemma) ? t.lemma : t.key);
      let stem = stemIds.get(t.stem);
      if (stem === undefined) {
        stem = stems.length;
        stemIds.set(t.stem, stem);
        stems.push(t.stem);
      }
      stemOf.push(stem);
    }
    return id;
  };

  const chunkSentences: number[] = [0];
  const starts: number[] = [];
  const ends: number[] = [];
  const flags: number[] = [];
  const terms = new RowsBuilder();
  const names = new RowsBuilder();
  const numbers = new RowsBuilder();
  const sectionTerms = new RowsBuilder();
  const vectorRows: Float32Array[] = [];
  const chunkLemmaSets: Array<Set<number>> = [];

  for (const chunk of chunks) {
    const inChunk = new Set<number>();
    const section = tokenize(chunk.section).filter((t) => !t.stop).map(idOf);
    section.forEach((id) => inChunk.add(id));
    sectionTerms.push(section);
    for (const span of splitSentences(chunk.text)) {
      const text = chunk.text.slice(span.start, span.end);
      const tokens = tokenize(text);
      const content = tokens.filter((t) => !t.stop).map(idOf);
      content.forEach((id) => inChunk.add(id));
      starts.push(span.start);
      ends.push(span.end);
      flags.push(sentenceFlags(text, tokens));
      terms.push(content);
      names.push(tokens.filter(isName).map(idOf));
      // Counts written as words ("three ships") answer "how many" as well as numerals do.
      numbers.push(tokens.filter((t) => t.number !== null).map(idOf));
      vectorRows.push(lexicon.embedKeys(tokens.map((t) => t.key)));
    }
    chunkSentences.push(starts.length);
    chunkLemmaSets.push(inChunk);
  }

  const lemmaDf = new Int32Array(lemmas.length);
  const stemDf = new Int32Array(stems.length);
  for (const set of chunkLemmaSets) {
    const stemSet = new Set<number>();
    for (const id of set) {
      lemmaDf[id] = (lemmaDf[id] as number) + 1;
      stemSet.add(stemOf[id] as number);
    }
    for (const s of stemSet) stemDf[s] = (stemDf[s] as number) + 1;
  }
  const lemmaRank = Int32Array.from(vectorKeys, (k) => lexicon.rank(k));

  const bands = rankBand(lexicon.size, lexicon.size) + 1;
  const bandCounts = new Float64Array(bands);
  for (const r of lemmaRank) bandCounts[rankBand(r, lexicon.size)] = (bandCounts[rankBand(r, lexicon.size)] as number) + 1;
  const bandCoverage = bandCounts.map((c, b) => Math.min(1, c / bandWidth(b, lexicon.size)));

  const vectors = new Float32Array(vectorRows.length * dims);
  vectorRows.forEach((v, i) => vectors.set(v.subarray(0, dims), i * dims));
  const step = Math.max(1, Math.floor(vectorRows.length / DIRECTION_SAMPLE));
  const sample = vectorRows.map((_v, i) => i).filter((i) => i % step === 0);

  return {
    version: SENTENCE_FEATURES_VERSION,
    dimensions: dims,
    lemmas,
    stemOf: Int32Array.from(stemOf),
    stems,
    lemmaDf,
    stemDf,
    lemmaRank,
    vectorKeys,
    chunkCount: chunks.length,
    chunkSentences: Int32Array.from(chunkSentences),
    start: Int32Array.from(starts),
    end: Int32Array.from(ends),
    flags: Uint16Array.from(flags),
    terms: terms.build(),
    names: names.build(),
    numbers: numbers.build(),
    sectionTerms: sectionTerms.build(),
    vectors,
    commonDirection: sample.length >= 2 ? principalDirection(vectors, dims, sample) : new Float32Array(dims),
    bandCoverage,
    aliases: mineAliases(chunks.map((c) => c.text)),
  };
}

/**
 * A value derived from a sentence index and kept for its life (one generation): made on first
 * use, then shared by every question. Keyed weakly, so a replaced generation's go with it.
 */
export function perIndex<T>(make: (index: SentenceIndex) => T): (index: SentenceIndex) => T {
  const made = new WeakMap<SentenceIndex, T>();
  return (index) => {
    let value = made.get(index);
    if (value === undefined) {
      value = make(index);
      made.set(index, value);
    }
    return value;
  };
}
