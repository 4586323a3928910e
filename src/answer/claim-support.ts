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
import { matchTerms, type LemmaVectors } from './features.js';
import type { QuestionTerm } from './question.js';
import { rowOf, type SentenceIndex } from './sentence-index.js';

export interface SupportParams {
  /** A word-vector cosine at or below this counts as no match (unrelated words sit near 0.3). */
  readonly softFloor: number;
  /** ... and at or above this as a full match (near-synonyms). */
  readonly softCeil: number;
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

/** The content lemma ids of chunks (their sentences and section titles), for matching claims against. */
export function passageLemmas(index: SentenceIndex, positions: readonly number[]): Int32Array {
  const ids: number[] = [];
  for (const c of positions) {
    for (let s = index.chunkSentences[c] as number; s < (index.chunkSentences[c + 1] as number); s++) ids.push(...rowOf(index.terms, s));
    ids.push(...rowOf(index.sectionTerms, c));
  }
  return Int32Array.from(ids);
}

/** The support of a claim (its analysed terms) by passages (their lemma ids). */
export function claimSupport(terms: readonly QuestionTerm[], lemmas: Int32Array, index: SentenceIndex, vectors: LemmaVectors, params: SupportParams): Support {
  if (terms.length === 0) return { score: 1, exact: 1, family: 1, min: 1, terms: 0 };
  const m = matchTerms(terms, lemmas, index, vectors, true);
  const span = Math.max(1e-6, params.softCeil - params.softFloor);
  let total = 0;
  let score = 0;
  let exact = 0;
  let family = 0;
  let min = 1;
  terms.forEach((t, i) => {
    const value = (m.family[i] as number) > 0 ? 1 : Math.min(1, Math.max(0, ((m.soft[i] as number) - params.softFloor) / span));
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
