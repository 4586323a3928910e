/**
 * How well a passage supports a claim's content: the same term matching the offline scorer's
 * features use (src/answer/features.ts: a claim term is matched exactly, through an alias the
 * corpus defines, by word family, or partly by a word of similar meaning through the word
 * vectors), weighted by how specific each term is in the corpus, so that an invented word
 * ("zoo", "casino": in no chunk, weight 1) counts for much more than the city's name
 * (in every chunk, weight near 0). The score is the weighted share of the claim that the
 * passage covers, in [0, 1]; the threshold that separates supported claims from unsupported
 * ones is chosen on labelled examples (scripts/claim-threshold.ts, models/claim-check.json).
 */
import { TermMatcher, type LemmaVectors } from './features.js';
import type { QuestionTerm } from './question.js';
import { rowOf, type SentenceIndex } from './sentence-index.js';

export interface SupportParams {
  /** A word-vector cosine at or below this counts as no match (unrelated words sit near 0.3). */
  readonly softFloor: number;
  /** ... and at or above this as a full match (near-synonyms). */
  readonly softCeil: number;
  /**
   * How many consecutive sentences of a passage a claim may draw on (with the section title):
   * a claim restates one or two sentences, while a made-up one borrows a word here and there.
   */
  readonly window: number;
}

export interface Support {
  /** Weighted share of the claim's terms the passage covers, with similar words counting partly. */
  readonly score: number;
  /** Weighted shares matched exactly (or by alias) and by word family. */
  readonly exact: number;
  readonly family: number;
  /** The least-supported term's match (1 when every term is in the passage). */
  readonly min: number;
  readonly terms: number;
}

/** The content lemma ids of each run of up to `window` consecutive sentences of a chunk, with its section title. */
export function passageWindows(index: SentenceIndex, position: number, window: number): Int32Array[] {
  const from = index.chunkSentences[position] as number;
  const to = index.chunkSentences[position + 1] as number;
  const title = rowOf(index.sectionTerms, position);
  const size = Math.max(1, Math.min(window, to - from));
  const out: Int32Array[] = [];
  for (let s = from; s + size <= to || (s === from && to - from < size); s++) {
    const ids: number[] = [...title];
    for (let k = s; k < Math.min(to, s + size); k++) ids.push(...rowOf(index.terms, k));
    out.push(Int32Array.from(ids));
  }
  return out.length ? out : [Int32Array.from(title)];
}

/** A claim's terms, ready to be matched against runs of passage lemmas (word cosines are remembered across runs). */
export const claimMatcher = (terms: readonly QuestionTerm[], index: SentenceIndex, vectors: LemmaVectors): TermMatcher => new TermMatcher(terms, index, vectors);

/** The support of a claim (its analysed terms) by a run of passage lemma ids; `held`: lemmas known to be in it (names and numbers checked). */
export function claimSupport(terms: readonly QuestionTerm[], lemmas: Int32Array, matcher: TermMatcher, params: SupportParams, held: ReadonlySet<string> = new Set()): Support {
  if (terms.length === 0) return { score: 1, exact: 1, family: 1, min: 1, terms: 0 };
  const m = matcher.match(lemmas, true);
  const span = Math.max(1e-6, params.softCeil - params.softFloor);
  let total = 0;
  let score = 0;
  let exact = 0;
  let family = 0;
  let min = 1;
  terms.forEach((t, i) => {
    const value = (m.family[i] as number) > 0 || held.has(t.lemma) ? 1 : Math.min(1, Math.max(0, ((m.soft[i] as number) - params.softFloor) / span));
    total += t.idf;
    score += t.idf * value;
    exact += t.idf * (m.exact[i] as number);
    family += t.idf * (m.family[i] as number);
    min = Math.min(min, value);
  });
  // All terms in every chunk (idf 0): nothing specific is claimed beyond the corpus's subject.
  if (total <= 0) return { score: 1, exact: 1, family: 1, min, terms: terms.length };
  return { score: score / total, exact: exact / total, family: family / total, min, terms: terms.length };
}
