/**
 * Features of (question, candidate sentence) pairs and of a question against a corpus: the
 * numbers the learned scorer weighs. Training (src/train) and serving call the same
 * functions, so what was validated is what serves. Every feature is a share, a similarity or
 * an indicator on a scale that does not grow with the corpus: term weights are the corpus's
 * own specificity (idf divided by its maximum) or general-English rarity.
 */
import type { Retrieved } from '../types.js';
import { dot, type Lexicon } from './lexicon.js';
import { UNITS } from './claim-facts.js';
import { cosinesWasm } from './cosine-kernel.js';
import { ANSWER_KINDS, numberBinding, type AnalyzedQuestion, type NumberBinding, type QuestionTerm } from './question.js';
import { FLAG, FLAG_NAMES, bandWidth, isYearValue, perIndex, rankBand, rowOf, type SentenceIndex } from './sentence-index.js';

/** A sentence of a retrieved passage, as the answerer considers it. */
export interface Candidate {
  /** Rank of its passage among the retrieved ones (0 = first). */
  readonly passage: number;
  /** Index of the sentence in the sentence index. */
  readonly sentence: number;
  /** Position of the sentence in its passage (0 = first). */
  readonly position: number;
}

// The answer kinds crossed with these sentence flags let the model learn, e.g., that a "when"
// question wants a sentence with a year, without a rule saying so.
const CROSSED_FLAGS = ['number', 'year', 'month', 'magnitude', 'money', 'cause', 'name', 'definition', 'list'] as const satisfies ReadonlyArray<keyof typeof FLAG>;

export const PAIR_FEATURES: readonly string[] = [
  'cov_exact', // specificity-weighted share of question terms in the sentence (same lemma or other name)
  'cov_family', // ... or the same word family
  'cov_soft', // ... or, partly, a word of similar meaning (cosine of word vectors)
  'cov_soft_40', // ... counting words of similar meaning only above a cosine of 0.4 / 0.5 / 0.6 / 0.7
  'cov_soft_50',
  'cov_soft_60',
  'cov_soft_70',
  'cov_exact_rarity', // rarity-weighted share in the sentence
  'cov_soft_rarity',
  'cov_passage', // share in the sentence's passage or section title
  'cov_section', // share in the section title
  'cov_section_soft', // ... counting words of similar meaning (cosine ≥ 0.5) in the title as well
  'cov_prev', // share in the sentence before / after it in the passage
  'cov_next',
  'cov_passage_best', // the best cov_family of any sentence of the same passage
  'cov_gap_best', // cov_family minus the best cov_family among all candidates
  'names_matched', // share of the question's names in the sentence (1 when it names none)
  'names_in_passage',
  'numbers_matched', // share of the question's numbers in the sentence (1 when none)
  'bigrams', // share of the question's consecutive term pairs found consecutive in the sentence
  'unmatched_rare', // rarity-weighted share of question terms matched nowhere in the passage
  'sim', // cosine of question and sentence vectors, the corpus's common direction removed
  'sim_raw',
  'sim_gap_best',
  'passage_rr', // 1 / (passage rank)
  'passage_first',
  'dense_rr', // 1 / rank in the dense list (0 if absent)
  'lexical_rr',
  'first_sentence',
  'relative_position',
  'length_log', // log(1 + content terms)
  'short', // fewer than 5 content terms
  'novelty', // share of the sentence's terms not in the question
  'novel_name', // names the question does not mention
  'novel_number',
  'novel_year',
  'cov_window', // share in the sentence or the one before it (its subject is often there)
  'matched_log', // log(1 + number of question terms in the sentence, by word family)
  'longest_run', // longest run of consecutive question terms found consecutive in the sentence, as a share
  'family_x_passage_rr', // interactions a linear model cannot make itself
  'family_x_first',
  'prev_x_unmatched', // the sentence before matches, this one adds what it lacks
  'family_x_sim',
  'family_squared',
  'support_min', // the least-supported question term: 1 when in the sentence, else its best cosine there (names, numbers: 0)
  'support_min_passage', // the same over the whole passage
  'type_missing', // the question asks for a number, date, person or place and the sentence states none it does not already name
  'number_unbound', // the question asks for a number and the sentence states none next to what is asked about (a unit for "how long", the counted thing for "how many")
  'number_bound_soft', // how closely a word next to one of the sentence's new numbers matches what is counted: 1 by word family (or a unit for a measure), else its best cosine (0 when no number is asked for)
  'number_bound_kin', // 1 when a word next to one of its new numbers is a WordNet relative or sibling of what is counted ("populace" for "population")
  'cov_related', // specificity-weighted share of question terms in the sentence by word family or a WordNet direct relative
  'cov_kin', // ... or a WordNet sibling
  'related_all_window', // 1 when every question term is in the sentence or the one before it, by word family or a WordNet direct relative
  'cov_own', // cov_family over the terms the user wrote in this turn (a follow-up's carried words left out; = cov_family otherwise)
  'cov_own_soft', // cov_soft over the same terms
  'carried_share', // specificity-weighted share of the question's terms carried from earlier turns (0 for a question asked on its own)
  ...FLAG_NAMES.map((f) => `flag_${f}`),
  ...ANSWER_KINDS.flatMap((k) => CROSSED_FLAGS.map((f) => `${k}_x_${f}`)),
];

/** Question-level features from the ranked candidates (they change with the ranker). */
export const TOP_FEATURES: readonly string[] = [
  'top_score', // the ranker's score of the best candidate
  'top_margin', // its lead over the second
  'top_prob', // its softmax probability among the candidates
  'top_cov_family',
  'top_cov_soft',
  'top_cov_passage',
  'top_names_matched',
  'top_unmatched_rare',
  'top_sim',
  'max_cov_exact', // the best cov_exact of any candidate
  'top_support_min',
  'top_support_min_passage',
  'max_support_min_passage', // the best support_min_passage of any candidate
  'top_type_missing',
  'all_number_unbound', // no candidate states a number next to what the question asks about (0 for questions that ask for no number)
  'top_cov_related',
  'max_cov_related', // the best cov_related of any candidate
  'max_related_all_window', // some candidate has every question term (related_all_window)
];

/** Question-level features from the question and the corpus alone. */
export const CORPUS_FEATURES: readonly string[] = [
  'unknown_share', // rarity-weighted share of question terms the corpus never uses
  'unknown_share_idf', // the same, weighted by corpus specificity (topical words weigh little)
  'unknown_any',
  'unknown_name', // a name of the question the corpus never uses
  'unknown_number',
  'known_information', // mean over terms the corpus uses of -log(share of their rank band the corpus uses)
  'unknown_information', // same for terms it does not use
  'terms_log',
  'no_terms',
  'unrelated_share_idf', // specificity-weighted share of question terms the corpus neither uses nor uses a WordNet direct relative of
  'unrelated_any',
  'known_information_x_unknown', // known_information × unknown_share_idf: on topic by its rare words, yet asking what the corpus never mentions ("the mayor of Heihe")
];

export const QUESTION_FEATURES: readonly string[] = [...TOP_FEATURES, ...CORPUS_FEATURES];

/** What each question-level feature measures, in words (printed by `npm run ask -- --explain`). */
export const QUESTION_FEATURE_NOTES: Readonly<Record<string, string>> = {
  top_score: "the ranker's score of the best sentence",
  top_margin: 'its lead over the second-best',
  top_prob: 'its probability among the candidate sentences',
  top_cov_family: "share of the question's terms in the best sentence (same word family)",
  top_cov_soft: "share of the question's terms in the best sentence, words of similar meaning counting in part",
  top_cov_passage: "share of the question's terms in the best sentence's passage or section title",
  top_names_matched: "share of the question's names in the best sentence",
  top_unmatched_rare: 'rare question terms found nowhere in its passage',
  top_sim: 'cosine of the question and the best sentence',
  max_cov_exact: "the best share of the question's exact terms in any sentence",
  top_support_min: 'how well the least-supported question term is matched in the best sentence',
  top_support_min_passage: "how well the least-supported question term is matched in the best sentence's passage",
  max_support_min_passage: 'how well the least-supported question term is matched in the best-matching passage',
  top_type_missing: 'whether the question asks for a number, date, person or place the best sentence does not state',
  all_number_unbound: 'whether no sentence states a number next to what the question counts or measures',
  top_cov_related: "share of the question's terms in the best sentence, WordNet relatives included",
  max_cov_related: "the best share of the question's terms in any sentence, WordNet relatives included",
  max_related_all_window: 'whether some sentence (with the one before it) has every question term or a relative',
  unknown_share: 'share of question terms the corpus never uses (by rarity)',
  unknown_share_idf: 'share of question terms the corpus never uses (by how specific they are)',
  unknown_any: 'whether some question term is a word the corpus never uses',
  unknown_name: 'whether the question has a name the corpus never uses',
  unknown_number: 'whether the question has a number the corpus never states',
  known_information: 'how telling it is that the corpus uses the question words it does (rare words weigh more)',
  unknown_information: 'how telling it is that the corpus does not use the other question words',
  terms_log: 'how many terms the question has',
  no_terms: 'whether the question has no content terms',
  unrelated_share_idf: 'share of question terms the corpus neither uses nor has a WordNet relative of',
  unrelated_any: 'whether some question term is one the corpus neither uses nor has a WordNet relative of',
  known_information_x_unknown: 'known_information × unknown_share_idf: on topic by its rare words, yet asking what the corpus never mentions',
  top_score_vs_offtopic: "the best sentence's score against this corpus's off-topic level (its calibration)",
};

// Cosines of 100-d GloVe word vectors: unrelated words sit near 0.3, loosely related ones
// ("people" and "humans") near 0.5, related ones ("rain" and "precipitation", "city" and
// "metropolis") at 0.55-0.7, near-synonyms above. Four bands let the model learn how much each
// is worth (0.4 sits between unrelated and loosely related).
const SOFT_BANDS = [0.4, 0.5, 0.6, 0.7];
// A section title word counts as related from the second band up ("people" and "population").
const TITLE_SOFT_MIN = 0.5;

const K = ANSWER_KINDS.length;
const F_BASE = PAIR_FEATURES.length - K * CROSSED_FLAGS.length;
const CROSS_BITS = CROSSED_FLAGS.map((f) => FLAG[f]);
const FLAG_BITS = FLAG_NAMES.map((f) => FLAG[f]);

/** Cosine of a and b after removing their components along unit vector u. */
export function cosineWithout(a: ArrayLike<number>, b: ArrayLike<number>, u: ArrayLike<number>): number {
  return cosineWithoutFromDots(dot(a, b), dot(a, u), dot(b, u));
}

/** cosineWithout from its three dot products: a·b, a·u and b·u (the last two can be computed once per question / sentence). */
function cosineWithoutFromDots(ab: number, au: number, bu: number): number {
  const denom = Math.sqrt(Math.max(1e-9, (1 - au * au) * (1 - bu * bu)));
  return (ab - au * bu) / denom;
}

/**
 * Dot product of two float32 vectors, summed in index order as `dot` does (so to the same
 * bits): a copy of it that only ever sees Float32Arrays, which V8 keeps monomorphic and
 * inlines in the hot loops here (`dot` also serves float64 vectors at ingest).
 */
function dot32(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * The cosines of lemma vectors with term vectors: out[at + l * terms.length + t] =
 * dot32(terms[t], lemmas[l]), to the same bits. These cosines are most of a question's
 * arithmetic: the WebAssembly kernel (cosine-kernel.ts) computes them without the typed-array
 * checks JavaScript makes on every read; vectors of unequal lengths (never with one lexicon)
 * are left to dot32, whose shorter-length rule they need.
 */
function cosinesInto(lemmas: readonly Float32Array[], terms: readonly Float32Array[], out: Float64Array, at: number): void {
  const width = terms.length;
  const n = width > 0 ? (terms[0] as Float32Array).length : 0;
  if (n > 0 && terms.every((t) => t.length === n) && lemmas.every((v) => v.length === n)) {
    cosinesWasm(lemmas, terms, n, out, at);
    return;
  }
  for (let l = 0; l < lemmas.length; l++) for (let j = 0; j < width; j++) out[at + l * width + j] = dot32(terms[j] as Float32Array, lemmas[l] as Float32Array);
}

/** Lemma vectors of a sentence index, decoded from the lexicon on first use. */
export class LemmaVectors {
  // By lemma id (undefined: not decoded yet); an array, not a Map: ids are dense.
  private readonly cache: Array<Float32Array | null | undefined>;
  constructor(
    private readonly index: SentenceIndex,
    private readonly lexicon: Lexicon,
  ) {
    this.cache = new Array<Float32Array | null | undefined>(index.lemmas.length).fill(undefined);
  }
  get(id: number): Float32Array | null {
    let v = this.cache[id];
    if (v === undefined) {
      v = this.lexicon.vector(this.index.vectorKeys[id] ?? '');
      this.cache[id] = v;
    }
    return v;
  }
}

/**
 * Per sentence index: each sentence vector's dot with the corpus's common direction, which
 * cosineWithout needs for every candidate and which does not depend on the question;
 * computed on a sentence's first use (NaN until then) and kept for the generation's life.
 */
const commonDots = perIndex((index) => new Float64Array(index.start.length).fill(Number.NaN));

function commonDotOf(index: SentenceIndex, dots: Float64Array, sentence: number, sv: Float32Array): number {
  let d = dots[sentence] as number;
  if (Number.isNaN(d)) {
    d = dot32(sv, index.commonDirection);
    dots[sentence] = d;
  }
  return d;
}

/**
 * Per sentence index: the value of every number lemma ("#1998" is 1998), parsed once for the
 * generation's life instead of once per candidate that states it.
 */
const numberValues = perIndex((index) => Float64Array.from(index.lemmas, (lemma) => Number(lemma.slice(1))));

function numberValueOf(values: Float64Array, id: number): number {
  // An id outside the vocabulary reads as Number(''), 0, as the lemma lookup it replaces did.
  return id >= 0 && id < values.length ? (values[id] as number) : 0;
}

/** The candidate sentences of retrieved passages, in passage order. */
export function candidatesOf(passages: readonly Retrieved[], index: SentenceIndex): Candidate[] {
  const out: Candidate[] = [];
  passages.forEach((p, passage) => {
    const from = index.chunkSentences[p.position] as number;
    const to = index.chunkSentences[p.position + 1] as number;
    for (let s = from; s < to; s++) out.push({ passage, sentence: s, position: s - from });
  });
  return out;
}

export interface TermMatches {
  exact: Float64Array;
  family: Float64Array;
  soft: Float64Array;
  /** 1 when the term is there by word family or a WordNet direct relative (synonym, hypernym …). */
  related: Float64Array;
  /** ... or a WordNet sibling. */
  kin: Float64Array;
}

// Which terms each corpus lemma is a WordNet relative of, as bit masks over term indices: a
// question's first 31 terms (an Int32 holds 31 bits besides its sign; questions have a handful,
// and terms past the 31st match by word family only).
const RELATIVE_TERMS = 31;

/**
 * Per sentence index: for each lemma, the bit masks of the terms it is a direct relative / a
 * sibling of, valid where `stamp` holds the owning matcher's stamp. The arrays are shared by a
 * generation's matchers (allocated once, never zeroed per question); the matcher that wrote
 * them last owns them, and another one writes its own masks again before matching (match is
 * synchronous), so matchers alive at the same time stay correct.
 */
interface RelativeMasks extends Stamped {
  readonly direct: Int32Array;
  readonly sibling: Int32Array;
  owner: number;
}

const relativeMasksOf = perIndex((index): RelativeMasks => ({ stamp: new Int32Array(index.lemmas.length), direct: new Int32Array(index.lemmas.length), sibling: new Int32Array(index.lemmas.length), owner: 0, last: 0 }));

/**
 * The per-lemma slot arrays of a sentence index's term matchers, allocated once per generation
 * rather than zeroed per question (the 21.5k-chunk scale corpus has 44k lemmas; a question
 * meets a few hundred). An entry belongs to the matcher whose stamp it carries; a matcher reads
 * any other as "not computed". Matchers alive at the same time (an LLM answer's claim check
 * spans awaits) stay correct, since every match first computes its run's missing cosines,
 * synchronously: one overwriting another's entry only makes it compute that cosine again.
 */
interface LemmaSlots extends Stamped {
  readonly slot: Int32Array;
}

/** Per-lemma arrays whose entries belong to the matcher whose stamp they carry; `last` is the newest stamp. */
interface Stamped {
  readonly stamp: Int32Array;
  last: number;
  /** The stamp of the matcher whose entries are written (RelativeMasks), reset with the stamps. */
  owner?: number;
}

const lemmaSlotsOf = perIndex((index): LemmaSlots => ({ slot: new Int32Array(index.lemmas.length), stamp: new Int32Array(index.lemmas.length), last: 0 }));

/** A stamp no live matcher holds (stamps start at 1; on wrapping, every entry is cleared first). */
function nextStamp(arrays: Stamped): number {
  if (arrays.last >= 0x7fffffff) {
    arrays.stamp.fill(0);
    arrays.last = 0;
    if (arrays.owner !== undefined) arrays.owner = 0;
  }
  return ++arrays.last;
}

/**
 * Matches a question's terms against runs of lemma ids (sentences, titles). Built once per
 * question: which terms each lemma and word family stands for, and, per lemma met, its
 * word-vector cosine with every term (remembered: the same words recur across a question's
 * candidates).
 */
export class TermMatcher {
  private readonly lemmaIds: Int32Array;
  private readonly stemIds: Int32Array;
  private readonly withAlternates: number[] = [];
  /** The terms that may match softly (names and numbers match only themselves), and their vectors. */
  private readonly softTerms: Int32Array;
  private readonly softVectors: Float32Array[];
  /**
   * Per lemma id (see slotOf): 0 while its cosines are not computed, -1 when it has no vector,
   * else 1 + its row in `cosines` (softTerms.length wide). Typed arrays rather than a Map of
   * arrays: a question meets hundreds of lemmas, each many times.
   */
  private readonly slots: LemmaSlots;
  private readonly stamp: number;
  private cosines: Float64Array;
  private rows = 0;
  /** Scratch: the vectors of a run's lemmas whose cosines are not computed yet. */
  private readonly fresh: Float32Array[] = [];
  private readonly masks: RelativeMasks;
  private readonly maskStamp: number;
  private readonly hasRelatives: boolean;
  constructor(
    private readonly terms: readonly QuestionTerm[],
    private readonly index: SentenceIndex,
    private readonly vectors: LemmaVectors,
  ) {
    this.lemmaIds = Int32Array.from(terms, (t) => t.lemmaId);
    this.stemIds = Int32Array.from(terms, (t) => t.stemId);
    const soft: number[] = [];
    terms.forEach((t, i) => {
      if (t.alternates.length) this.withAlternates.push(i);
      if (t.vector && !t.name && !t.number) soft.push(i);
    });
    this.softTerms = Int32Array.from(soft);
    this.softVectors = soft.map((i) => (terms[i] as QuestionTerm).vector as Float32Array);
    this.slots = lemmaSlotsOf(index);
    this.stamp = nextStamp(this.slots);
    this.masks = relativeMasksOf(index);
    this.maskStamp = nextStamp(this.masks);
    this.hasRelatives = terms.some((t, i) => i < RELATIVE_TERMS && t.relatives.direct.length + t.relatives.siblings.length > 0);
    // Room for the lemmas of about ten passages (Heihe's questions meet ~300), so it rarely grows.
    this.cosines = new Float64Array(soft.length * 512);
  }

  /** Writes this matcher's relative masks into the shared arrays, unless it wrote them last (see RelativeMasks). */
  private ownMasks(): void {
    const masks = this.masks;
    if (masks.owner === this.maskStamp) return;
    masks.owner = this.maskStamp;
    const n = Math.min(this.terms.length, RELATIVE_TERMS);
    for (let i = 0; i < n; i++) {
      const { direct, siblings } = (this.terms[i] as QuestionTerm).relatives;
      for (const [ids, bits] of [
        [direct, masks.direct],
        [siblings, masks.sibling],
      ] as const) {
        for (const id of ids) {
          if (masks.stamp[id] !== this.maskStamp) {
            masks.stamp[id] = this.maskStamp;
            masks.direct[id] = 0;
            masks.sibling[id] = 0;
          }
          bits[id] = (bits[id] as number) | (1 << i);
        }
      }
    }
  }

  /** The lemma's slot for this matcher: 0 unless this matcher set it (the arrays are shared, see LemmaSlots). */
  private slotOf(id: number): number {
    return this.slots.stamp[id] === this.stamp ? (this.slots.slot[id] as number) : 0;
  }

  private setSlot(id: number, slot: number): void {
    this.slots.stamp[id] = this.stamp;
    this.slots.slot[id] = slot;
  }

  /** Computes the cosines of the lemmas of `run` not met before, all at once (see cosinesInto). */
  private computeCosines(run: Int32Array): void {
    const width = this.softTerms.length;
    const firstRow = this.rows;
    const fresh = this.fresh;
    fresh.length = 0;
    for (let k = 0, kEnd = run.length; k < kEnd; k++) {
      const id = run[k] as number;
      if (this.slotOf(id) !== 0) continue;
      const v = this.vectors.get(id);
      if (!v) {
        this.setSlot(id, -1);
        continue;
      }
      fresh.push(v);
      this.setSlot(id, ++this.rows);
    }
    if (fresh.length === 0) return;
    if (this.rows * width > this.cosines.length) {
      const grown = new Float64Array(Math.max(this.cosines.length * 2, this.rows * width));
      grown.set(this.cosines);
      this.cosines = grown;
    }
    cosinesInto(fresh, this.softVectors, this.cosines, firstRow * width);
  }

  /**
   * Computes the cosines of every lemma of `runs` at once, before they are matched: one long
   * batch keeps the paired loop of cosinesInto busy where a sentence's few new lemmas would
   * leave an odd one to the single loop. The same sums, so the same bits.
   */
  prepare(runs: readonly Int32Array[]): void {
    if (this.softTerms.length === 0) return;
    let total = 0;
    for (const r of runs) total += r.length;
    const all = new Int32Array(total);
    let at = 0;
    for (const r of runs) {
      all.set(r, at);
      at += r.length;
    }
    this.computeCosines(all);
  }

  match(run: Int32Array, withSoft: boolean): TermMatches {
    const n = this.terms.length;
    const m: TermMatches = { exact: new Float64Array(n), family: new Float64Array(n), soft: new Float64Array(n), related: new Float64Array(n), kin: new Float64Array(n) };
    const { exact, family, soft } = m;
    const { lemmaIds, stemIds, softTerms } = this;
    const width = softTerms.length;
    if (withSoft && width > 0) this.computeCosines(run);
    let directBits = 0;
    let siblingBits = 0;
    if (this.hasRelatives) {
      this.ownMasks();
      const { stamp, direct, sibling } = this.masks;
      for (let k = 0, kEnd = run.length; k < kEnd; k++) {
        const id = run[k] as number;
        if (stamp[id] !== this.maskStamp) continue;
        directBits |= direct[id] as number;
        siblingBits |= sibling[id] as number;
      }
    }
    for (let k = 0, kEnd = run.length; k < kEnd; k++) {
      const id = run[k] as number;
      const stem = this.index.stemOf[id];
      // A handful of terms: comparing with each beats a lookup (ids of -1, unknown to the corpus, never equal one).
      for (let i = 0; i < n; i++) {
        if (lemmaIds[i] === id) exact[i] = 1;
        if (stemIds[i] === stem) family[i] = 1;
      }
      if (withSoft && width > 0) {
        const row = this.slotOf(id) - 1;
        if (row < 0) continue;
        // Soft starts at 0 and only rises: terms that cannot match softly (cosine 0) never move it.
        const cosines = this.cosines;
        for (let j = 0; j < width; j++) {
          const c = cosines[row * width + j] as number;
          const i = softTerms[j] as number;
          if (c > (soft[i] as number)) soft[i] = c;
        }
      }
    }
    for (const i of this.withAlternates) if (!exact[i] && (this.terms[i] as QuestionTerm).alternates.some((ids) => ids.every((id) => run.includes(id)))) exact[i] = 1;
    for (let i = 0; i < n; i++) {
      if (exact[i]) family[i] = 1;
      if (family[i]) soft[i] = 1;
      const bit = i < RELATIVE_TERMS ? 1 << i : 0;
      if (family[i] || directBits & bit) m.related[i] = 1;
      if (m.related[i] || siblingBits & bit) m.kin[i] = 1;
    }
    return m;
  }
}

// Loops over typed arrays here read the length once (`iEnd`): V8 reloads a typed array's length
// on every test of `i < a.length` and converts it from a float64 (lengths may exceed 2^31).
const weighted = (values: Float64Array, weights: Float64Array, total: number): number => {
  if (total <= 0) return 0;
  let s = 0;
  for (let i = 0, iEnd = values.length; i < iEnd; i++) s += (values[i] as number) * (weights[i] as number);
  return s / total;
};

/** The sum of a, from 0 in index order (a loop: TypedArray reduce calls back per element). */
const sum = (a: Float64Array): number => {
  let s = 0;
  for (let i = 0, iEnd = a.length; i < iEnd; i++) s += a[i] as number;
  return s;
};

/** The weighted share of values at least `min` (as `weighted` of their 0/1 indicators). */
const weightedAtLeast = (values: Float64Array, min: number, weights: Float64Array, total: number): number => {
  if (total <= 0) return 0;
  let s = 0;
  for (let i = 0, iEnd = values.length; i < iEnd; i++) if ((values[i] as number) >= min) s += weights[i] as number;
  return s / total;
};

/** Whether a sentence lacks what the question's answer kind needs: a number, a date, a name (one it does not repeat). */
function typeMissing(kind: AnalyzedQuestion['kind'], flags: number, novelName: number, novelNumber: number, novelYear: number): number {
  switch (kind) {
    case 'number':
      return novelNumber || flags & FLAG.magnitude ? 0 : 1;
    case 'date':
      return novelYear || flags & (FLAG.month | FLAG.year) ? 0 : 1;
    case 'person':
    case 'place':
      return novelName ? 0 : 1;
    default:
      return 0;
  }
}

/** The longest run of the question's terms, in order, that the sentence has as consecutive terms. */
function longestRun(terms: readonly QuestionTerm[], sentence: Int32Array): number {
  let best = 0;
  for (let i = 0; i < terms.length; i++) {
    const id = (terms[i] as QuestionTerm).lemmaId;
    if (id < 0) continue;
    for (let j = 0, jEnd = sentence.length; j < jEnd; j++) {
      if (sentence[j] !== id) continue;
      let run = 1;
      while (i + run < terms.length && j + run < sentence.length && sentence[j + run] === (terms[i + run] as QuestionTerm).lemmaId) run++;
      if (run > best) best = run;
    }
  }
  return best;
}

/** A passage's term matches: of each sentence and of its section title, the union of their exact matches, and the best support of each term. */
interface PassageMatches {
  readonly sentences: TermMatches[];
  readonly section: TermMatches;
  readonly any: Float64Array;
  readonly support: Float64Array;
  /** The best idf-weighted family coverage of any of its sentences. */
  readonly bestFamily: number;
}

function passageMatches(matcher: TermMatcher, index: SentenceIndex, chunk: number, idf: Float64Array, idfTotal: number): PassageMatches {
  const from = index.chunkSentences[chunk] as number;
  const to = index.chunkSentences[chunk + 1] as number;
  const sentences: TermMatches[] = [];
  for (let s = from; s < to; s++) sentences.push(matcher.match(rowOf(index.terms, s), true));
  const section = matcher.match(rowOf(index.sectionTerms, chunk), true);
  // Maxima taken in loops (no spread arrays): the same values, max being exact.
  const any = Float64Array.from(section.exact);
  const support = Float64Array.from(section.family);
  let bestFamily = 0;
  for (const m of sentences) {
    for (let i = 0, iEnd = any.length; i < iEnd; i++) {
      any[i] = Math.max(any[i] as number, m.exact[i] as number);
      support[i] = Math.max(support[i] as number, Math.max(0, m.soft[i] as number));
    }
    bestFamily = Math.max(bestFamily, weighted(m.family, idf, idfTotal));
  }
  return { sentences, section, any, support, bestFamily };
}

// How near a number the counted thing must be, in content terms ("1.5 million humans": the
// number's own magnitude word sits between them), and how soon after it a unit.
const BIND_WINDOW = 3;
const UNIT_WINDOW = 2;
// A word counts as the counted thing from "related" up (see SOFT_BANDS): at 0.5, "care" would
// count as "people" (cosine 0.58); "countries" still does (0.62), so the feature is noisy and
// the ranker and the refusal weigh it as such.
const BIND_SOFT_MIN = 0.6;

/** Per sentence index: the lemma ids of unit words ("km", "degree", "year", "yuan" …). */
const unitsOf = perIndex((index): ReadonlySet<number> => new Set(index.lemmas.flatMap((lemma, id) => (UNITS.has(lemma) ? [id] : []))));

/** How a sentence's new numbers sit next to what a number question counts or measures. */
interface NumberBindingMatch {
  /** 1 when no new number is next to it, by word family or a cosine of BIND_SOFT_MIN (or a unit for a measure). */
  readonly unbound: number;
  /** The best match next to a new number: 1 by word family (or a unit), else the best cosine. */
  readonly soft: number;
  /** 1 when a WordNet relative or sibling of the counted thing is next to a new number. */
  readonly kin: number;
}

const NO_NUMBER_NEAR: NumberBindingMatch = { unbound: 1, soft: 0, kin: 0 };

function numberBindingMatch(b: NumberBinding, sTerms: Int32Array, isNovelNumber: (id: number) => boolean, units: ReadonlySet<number>, matcher: TermMatcher): NumberBindingMatch {
  if (!b.measure && b.counted.length === 0) {
    for (const id of sTerms) if (isNovelNumber(id)) return { unbound: 0, soft: 1, kin: 0 };
    return NO_NUMBER_NEAR;
  }
  let soft = 0;
  let kin = 0;
  for (let j = 0, jEnd = sTerms.length; j < jEnd; j++) {
    if (!isNovelNumber(sTerms[j] as number)) continue;
    if (b.measure) {
      for (let k = j + 1; k <= Math.min(sTerms.length - 1, j + UNIT_WINDOW); k++) if (units.has(sTerms[k] as number)) return { unbound: 0, soft: 1, kin: 0 };
      continue;
    }
    const from = Math.max(0, j - BIND_WINDOW);
    const to = Math.min(sTerms.length, j + BIND_WINDOW + 1);
    const near = new Int32Array(to - from - 1);
    near.set(sTerms.subarray(from, j));
    near.set(sTerms.subarray(j + 1, to), j - from);
    const m = matcher.match(near, true);
    for (const i of b.counted) {
      soft = Math.max(soft, (m.family[i] as number) > 0 ? 1 : (m.soft[i] as number));
      if (m.kin[i]) kin = 1;
    }
    if (soft === 1 && kin === 1) break; // neither can rise further
  }
  return { unbound: soft >= BIND_SOFT_MIN ? 0 : 1, soft, kin };
}

/** Feature rows (candidates × PAIR_FEATURES) of a question's candidates, row-major. */
export function pairFeatures(q: AnalyzedQuestion, passages: readonly Retrieved[], candidates: readonly Candidate[], index: SentenceIndex, vectors: LemmaVectors): Float64Array {
  const d = PAIR_FEATURES.length;
  const out = new Float64Array(candidates.length * d);
  const terms = q.terms;
  const nt = terms.length;
  const idf = Float64Array.from(terms, (t) => t.idf);
  const rarity = Float64Array.from(terms, (t) => t.rarity);
  const idfTotal = sum(idf);
  const rarityTotal = sum(rarity);
  const ownIdf = Float64Array.from(terms, (t) => (t.carried ? 0 : t.idf));
  const ownTotal = sum(ownIdf);
  const names = terms.map((t, i) => (t.name ? i : -1)).filter((i) => i >= 0);
  const numbers = terms.map((t, i) => (t.number ? i : -1)).filter((i) => i >= 0);
  // The question's lemma ids (and its alternates'), scanned rather than hashed: a handful, met
  // once per term of every candidate sentence.
  const questionLemmaList: number[] = terms.map((t) => t.lemmaId).filter((id) => id >= 0);
  for (const t of terms) for (const ids of t.alternates) for (const id of ids) questionLemmaList.push(id);
  const questionLemmas = Int32Array.from(questionLemmaList);
  const isQuestionLemma = (id: number): boolean => {
    for (let i = 0, iEnd = questionLemmas.length; i < iEnd; i++) if (questionLemmas[i] === id) return true;
    return false;
  };
  // The lemma ids of the question's bigrams (a, b), and whether a is a corpus lemma (only then can the pair match).
  const bigramA = Int32Array.from(q.bigrams, ([a]) => (terms[a] as QuestionTerm).lemmaId);
  const bigramB = Int32Array.from(q.bigrams, ([, b]) => (terms[b] as QuestionTerm).lemmaId);
  const dims = index.dimensions;
  const qv = q.vector;
  const kind = ANSWER_KINDS.indexOf(q.kind);

  const matcher = new TermMatcher(terms, index, vectors);
  const binding = numberBinding(q);
  const units = binding ? unitsOf(index) : null;
  const runs: Int32Array[] = [];
  for (const r of passages) {
    for (let s = index.chunkSentences[r.position] as number; s < (index.chunkSentences[r.position + 1] as number); s++) runs.push(rowOf(index.terms, s));
    runs.push(rowOf(index.sectionTerms, r.position));
  }
  matcher.prepare(runs);
  // Per passage: matches of every sentence and of the section title, and the passage's union.
  const byPassage: Array<PassageMatches | undefined> = new Array<PassageMatches | undefined>(passages.length).fill(undefined);
  const passageOf = (p: number): PassageMatches => (byPassage[p] ??= passageMatches(matcher, index, (passages[p] as Retrieved).position, idf, idfTotal));

  // The question's and each sentence's dot with the common direction are computed once (not
  // once per candidate); a·b serves as both sim_raw and the numerator of sim.
  const commonDot = dot32(qv, index.commonDirection);
  const dots = commonDots(index);
  const values = numberValues(index);
  const sims = new Float64Array(candidates.length);
  const raws = new Float64Array(candidates.length);
  let bestSim = -1;
  // Plain loops over the candidates (not forEach callbacks): V8 then optimises them with pairFeatures.
  const sentenceVectors: Float32Array[] = [];
  for (let row = 0; row < candidates.length; row++) {
    const c = candidates[row] as Candidate;
    sentenceVectors.push(index.vectors.subarray(c.sentence * dims, (c.sentence + 1) * dims));
  }
  // raws[row] = dot32(qv, sentence vector), all in one call of the cosine kernel (the same bits).
  cosinesInto(sentenceVectors, [qv], raws, 0);
  for (let row = 0; row < candidates.length; row++) {
    const c = candidates[row] as Candidate;
    const raw = raws[row] as number;
    const sim = cosineWithoutFromDots(raw, commonDot, commonDotOf(index, dots, c.sentence, sentenceVectors[row] as Float32Array));
    sims[row] = sim;
    bestSim = Math.max(bestSim, sim);
  }
  const families = new Float64Array(candidates.length);
  let bestFamilyAll = 0;
  for (let row = 0; row < candidates.length; row++) {
    const c = candidates[row] as Candidate;
    const family = weighted((passageOf(c.passage).sentences[c.position] as TermMatches).family, idf, idfTotal);
    families[row] = family;
    bestFamilyAll = Math.max(bestFamilyAll, family);
  }

  // Scratch rows per term, reused by every candidate (a question has tens of candidates).
  const soft = new Float64Array(nt);
  const passageAny = new Float64Array(nt);
  const unmatched = new Float64Array(nt);
  const window = new Float64Array(nt);
  // The mean of values over idx, summed from 0 in idx order (1 when idx is empty).
  const share = (idx: readonly number[], v: Float64Array): number => {
    if (idx.length === 0) return 1;
    let a = 0;
    for (let x = 0; x < idx.length; x++) a += v[idx[x] as number] as number;
    return a / idx.length;
  };
  for (let row = 0; row < candidates.length; row++) {
    const c = candidates[row] as Candidate;
    const p = passageOf(c.passage);
    const m = p.sentences[c.position] as TermMatches;
    const prev = p.sentences[c.position - 1];
    const next = p.sentences[c.position + 1];
    const retrieved = passages[c.passage] as Retrieved;
    const sTerms = rowOf(index.terms, c.sentence);
    const flags = index.flags[c.sentence] as number;
    for (let i = 0; i < nt; i++) {
      soft[i] = Math.max(m.family[i] as number, Math.max(0, m.soft[i] as number));
      passageAny[i] = Math.max(p.any[i] as number, m.family[i] as number);
      unmatched[i] = 1 - Math.max(passageAny[i] as number, soft[i] as number);
      window[i] = Math.max(m.family[i] as number, prev ? (prev.family[i] as number) : 0);
    }
    let bigramHits = 0;
    for (let x = 0, xEnd = bigramA.length; x < xEnd; x++) {
      const la = bigramA[x] as number;
      const lb = bigramB[x] as number;
      if (la < 0) continue;
      for (let j = 1, jEnd = sTerms.length; j < jEnd; j++) if (sTerms[j - 1] === la && sTerms[j] === lb) {
        bigramHits++;
        break;
      }
    }
    let novel = 0;
    for (let j = 0, jEnd = sTerms.length; j < jEnd; j++) if (!isQuestionLemma(sTerms[j] as number)) novel++;
    const sentenceNumbers = rowOf(index.numbers, c.sentence);
    let novelName = 0;
    // The sentence's names, read in place (no view made per candidate).
    for (let j = index.names.offsets[c.sentence] as number, end = index.names.offsets[c.sentence + 1] as number; j < end; j++) if (!isQuestionLemma(index.names.values[j] as number)) novelName = 1;
    let novelNumber = 0;
    let novelYear = 0;
    for (let j = 0, jEnd = sentenceNumbers.length; j < jEnd; j++) {
      const id = sentenceNumbers[j] as number;
      if (isQuestionLemma(id)) continue;
      const value = numberValueOf(values, id);
      // Number words share lemmas with numerals ("thousand" is #1000): a year only if the sentence writes one.
      if (isYearValue(value) && flags & FLAG.year) novelYear = 1;
      else novelNumber = 1;
    }
    const count = (index.chunkSentences[retrieved.position + 1] as number) - (index.chunkSentences[retrieved.position] as number);

    const f = out.subarray(row * d, (row + 1) * d);
    let k = 0;
    f[k++] = weighted(m.exact, idf, idfTotal);
    f[k++] = families[row] as number;
    f[k++] = weighted(soft, idf, idfTotal);
    for (const band of SOFT_BANDS) f[k++] = weightedAtLeast(soft, band, idf, idfTotal);
    f[k++] = weighted(m.exact, rarity, rarityTotal);
    f[k++] = weighted(soft, rarity, rarityTotal);
    f[k++] = weighted(passageAny, idf, idfTotal);
    f[k++] = weighted(p.section.exact, idf, idfTotal);
    f[k++] = weightedAtLeast(p.section.soft, TITLE_SOFT_MIN, idf, idfTotal);
    f[k++] = prev ? weighted(prev.exact, idf, idfTotal) : 0;
    f[k++] = next ? weighted(next.exact, idf, idfTotal) : 0;
    f[k++] = p.bestFamily;
    f[k++] = (families[row] as number) - bestFamilyAll;
    f[k++] = share(names, m.exact);
    f[k++] = share(names, passageAny);
    f[k++] = share(numbers, m.exact);
    f[k++] = q.bigrams.length ? bigramHits / q.bigrams.length : 0;
    f[k++] = weighted(unmatched, rarity, rarityTotal);
    f[k++] = sims[row] as number;
    f[k++] = raws[row] as number;
    f[k++] = (sims[row] as number) - bestSim;
    f[k++] = 1 / (c.passage + 1);
    f[k++] = c.passage === 0 ? 1 : 0;
    f[k++] = retrieved.ranks.dense ? 1 / retrieved.ranks.dense : 0;
    f[k++] = retrieved.ranks.lexical ? 1 / retrieved.ranks.lexical : 0;
    f[k++] = c.position === 0 ? 1 : 0;
    f[k++] = count > 1 ? c.position / (count - 1) : 0;
    f[k++] = Math.log1p(sTerms.length);
    f[k++] = sTerms.length < 5 ? 1 : 0;
    f[k++] = sTerms.length ? novel / sTerms.length : 0;
    f[k++] = novelName;
    f[k++] = novelNumber;
    f[k++] = novelYear;
    const family = families[row] as number;
    const prevCov = prev ? weighted(prev.exact, idf, idfTotal) : 0;
    f[k++] = weighted(window, idf, idfTotal);
    f[k++] = Math.log1p(sum(m.family));
    f[k++] = nt ? longestRun(terms, sTerms) / nt : 0;
    f[k++] = family / (c.passage + 1);
    f[k++] = c.position === 0 ? family : 0;
    f[k++] = prevCov * (1 - family);
    f[k++] = family * (sims[row] as number);
    f[k++] = family * family;
    let supportMin = nt ? 1 : 0;
    let supportMinPassage = nt ? 1 : 0;
    for (let i = 0; i < nt; i++) {
      supportMin = Math.min(supportMin, soft[i] as number);
      supportMinPassage = Math.min(supportMinPassage, Math.max(soft[i] as number, p.support[i] as number));
    }
    f[k++] = supportMin;
    f[k++] = supportMinPassage;
    f[k++] = typeMissing(q.kind, flags, novelName, novelNumber, novelYear);
    const bound = binding && units ? (novelNumber ? numberBindingMatch(binding, sTerms, (id) => sentenceNumbers.includes(id) && !isQuestionLemma(id), units, matcher) : NO_NUMBER_NEAR) : null;
    f[k++] = bound ? bound.unbound : 0;
    f[k++] = bound ? bound.soft : 0;
    f[k++] = bound ? bound.kin : 0;
    f[k++] = weighted(m.related, idf, idfTotal);
    f[k++] = weighted(m.kin, idf, idfTotal);
    let allRelated = 1;
    for (let i = 0; i < nt; i++) if (!m.related[i] && !(prev && prev.related[i])) allRelated = 0;
    f[k++] = allRelated;
    f[k++] = weighted(m.family, ownIdf, ownTotal);
    f[k++] = weighted(soft, ownIdf, ownTotal);
    f[k++] = idfTotal > 0 ? 1 - ownTotal / idfTotal : 0;
    for (const bit of FLAG_BITS) f[k++] = flags & bit ? 1 : 0;
    // Crosses of the question's answer kind with the sentence's flags (one kind is on).
    for (let j = 0; j < CROSS_BITS.length; j++) f[F_BASE + kind * CROSSED_FLAGS.length + j] = flags & (CROSS_BITS[j] as number) ? 1 : 0;
  }
  return out;
}

/** TOP_FEATURES of a question's candidates, given the ranker's scores. */
export function topFeatures(pair: ArrayLike<number>, scores: ArrayLike<number>): Float64Array {
  const d = PAIR_FEATURES.length;
  const f = new Float64Array(TOP_FEATURES.length);
  let top = -1;
  let best = -Infinity;
  let second = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (s > best) {
      second = best;
      best = s;
      top = i;
    } else if (s > second) second = s;
  }
  if (top < 0) return f;
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += Math.exp((scores[i] as number) - best);
  const at = (name: string): number => pair[top * d + (COLUMN.get(name) as number)] as number;
  let k = 0;
  f[k++] = best;
  f[k++] = Number.isFinite(second) ? best - second : 0;
  f[k++] = 1 / z;
  for (const name of ['cov_family', 'cov_soft', 'cov_passage', 'names_matched', 'unmatched_rare', 'sim']) f[k++] = at(name);
  f[k++] = columnMax(pair, scores.length, 'cov_exact');
  f[k++] = at('support_min');
  f[k++] = at('support_min_passage');
  f[k++] = columnMax(pair, scores.length, 'support_min_passage');
  f[k++] = at('type_missing');
  f[k++] = columnMin(pair, scores.length, 'number_unbound');
  f[k++] = at('cov_related');
  f[k++] = columnMax(pair, scores.length, 'cov_related');
  f[k++] = columnMax(pair, scores.length, 'related_all_window');
  return f;
}

const COLUMN = new Map(PAIR_FEATURES.map((name, i) => [name, i]));

/** The smallest value of a 0/1 pair feature over a question's `rows` candidates (0 when none). */
function columnMin(pair: ArrayLike<number>, rows: number, name: string): number {
  const d = PAIR_FEATURES.length;
  const c = COLUMN.get(name) as number;
  let min = rows ? 1 : 0;
  for (let i = 0; i < rows; i++) min = Math.min(min, pair[i * d + c] as number);
  return min;
}

/** The largest value of a pair feature over a question's `rows` candidates (0 when none). */
function columnMax(pair: ArrayLike<number>, rows: number, name: string): number {
  const d = PAIR_FEATURES.length;
  const c = COLUMN.get(name) as number;
  let max = 0;
  for (let i = 0; i < rows; i++) max = Math.max(max, pair[i * d + c] as number);
  return max;
}

/** CORPUS_FEATURES: how much of the question the corpus knows, on a scale of its own vocabulary. */
export function corpusFeatures(q: AnalyzedQuestion, index: SentenceIndex, lexiconSize: number): Float64Array {
  const f = new Float64Array(CORPUS_FEATURES.length);
  const terms = q.terms;
  const rarityTotal = terms.reduce((a, t) => a + t.rarity, 0);
  const idfTotal = terms.reduce((a, t) => a + t.idf, 0);
  let unknownIdf = 0;
  let unrelatedIdf = 0;
  let unrelated = 0;
  let unknownRarity = 0;
  let knownInfo = 0;
  let unknownInfo = 0;
  let known = 0;
  for (const t of terms) {
    // How surprising it is that the corpus uses (or not) a word as rare as this one: a small
    // corpus using a rare question word is strong evidence the question is about it.
    const band = rankBand(t.rank, lexiconSize);
    const coverage = Math.max(index.bandCoverage[band] ?? 0, 1 / bandWidth(band, lexiconSize));
    const info = -Math.log(coverage);
    if (t.df > 0) {
      knownInfo += info;
      known++;
    } else {
      unknownRarity += t.rarity;
      unknownIdf += t.idf;
      unknownInfo += info;
      if (t.relatives.direct.length === 0) {
        unrelatedIdf += t.idf;
        unrelated++;
      }
    }
  }
  const unknown = terms.length - known;
  let k = 0;
  f[k++] = rarityTotal > 0 ? unknownRarity / rarityTotal : 0;
  f[k++] = idfTotal > 0 ? unknownIdf / idfTotal : 0;
  f[k++] = unknown > 0 ? 1 : 0;
  f[k++] = terms.some((t) => t.name && t.df === 0) ? 1 : 0;
  f[k++] = terms.some((t) => t.number && t.df === 0) ? 1 : 0;
  f[k++] = known ? knownInfo / known : 0;
  f[k++] = unknown ? unknownInfo / unknown : 0;
  f[k++] = Math.log1p(terms.length);
  f[k++] = terms.length === 0 ? 1 : 0;
  f[k++] = idfTotal > 0 ? unrelatedIdf / idfTotal : 0;
  f[k++] = unrelated > 0 ? 1 : 0;
  // A linear refusal adds evidence up; this product lets it discount the topicality of a
  // question's known rare words when its specific words are unknown.
  f[k++] = (known ? knownInfo / known : 0) * (idfTotal > 0 ? unknownIdf / idfTotal : 0);
  return f;
}
