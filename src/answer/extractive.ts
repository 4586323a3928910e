/**
 * The offline answerer: it scores every sentence of the retrieved passages with the learned
 * ranker, decides with the learned refusal classifier whether the corpus answers at all, and
 * quotes the best one or two sentences verbatim with [n] markers. All its numbers come from
 * the model file (see model.ts); this module only applies them.
 */
import type { Citation, Retrieved } from '../types.js';
import { candidatesOf, corpusFeatures, pairFeatures, PAIR_FEATURES, topFeatures, type Candidate, type LemmaVectors } from './features.js';
import { sigmoid, type AnswererModel } from './model.js';
import type { AnalyzedQuestion } from './question.js';
import { rowOf, sentenceText, type SentenceIndex } from './sentence-index.js';
import { answersAt, type Calibration } from './calibration.js';

export interface AnswerContext {
  readonly index: SentenceIndex;
  readonly vectors: LemmaVectors;
  readonly model: AnswererModel;
  readonly calibration: Calibration;
  readonly lexiconSize: number;
}

export interface ExtractiveOptions {
  /** How many top passages are returned as citations (the answer's markers point into them). */
  readonly citePassages: number;
  /** Hard cap on the answer's length in characters (a run-on sentence is cut at a word). */
  readonly maxChars: number;
}

// 600 characters: about two long sentences; what a chat answer can be before it is a passage.
export const DEFAULT_EXTRACTIVE: ExtractiveOptions = Object.freeze({ citePassages: 5, maxChars: 600 });

/** How many passages the answerer reads sentences from (it cites `citePassages` of them). */
export const READ_PASSAGES = 10;

export interface ScoredCandidate extends Candidate {
  readonly score: number;
  /** Softmax probability among the question's candidates. */
  readonly prob: number;
}

export interface ExtractiveResult {
  readonly answer: string;
  readonly grounded: boolean;
  readonly citations: Citation[];
  /** P(the corpus answers the question) from the refusal classifier. */
  readonly answerable: number;
  readonly candidates: readonly ScoredCandidate[];
}

export const NOT_IN_CORPUS = "The corpus doesn't say. I couldn't find this in the documents I have.";

// Bracketed numbers in corpus text (footnotes, or planted fakes like "[9]") would read as our
// citation markers: a quoted sentence leaves them out.
const FOOTNOTE = /\s*\[\d+(?:\s*,\s*\d+)*\]/g;
export const quotable = (sentence: string): string => sentence.replace(FOOTNOTE, '').replace(/\s+([.,;:!?])/g, '$1').trim();

/** Cuts text to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

const citationOf = (r: Retrieved, n: number): Citation => ({ n, chunkId: r.chunk.id, source: r.chunk.source, section: r.chunk.section, text: r.chunk.text, score: r.score });

/** The ranker's scores and probabilities for every candidate sentence, and P(answerable). */
export function scoreQuestion(q: AnalyzedQuestion, passages: readonly Retrieved[], ctx: AnswerContext): { candidates: ScoredCandidate[]; answerable: number; pair: Float64Array; question: Float64Array } {
  const read = passages.slice(0, READ_PASSAGES);
  const candidates = candidatesOf(read, ctx.index);
  const pair = pairFeatures(q, read, candidates, ctx.index, ctx.vectors);
  const scores = ctx.model.rank(pair);
  const top = topFeatures(pair, scores);
  const corpus = corpusFeatures(q, ctx.index, ctx.lexiconSize);
  // [...top, ...corpus, calibrated top score], without the spread arrays.
  const question = new Float64Array(top.length + corpus.length + 1);
  question.set(top);
  question.set(corpus, top.length);
  question[question.length - 1] = ctx.calibration.relative(top[0] ?? 0);
  const answerable = candidates.length && q.terms.length ? sigmoid(ctx.model.refusalLogit(question)) : 0;
  let max = -Infinity;
  for (const s of scores) max = Math.max(max, s);
  let z = 0;
  for (const s of scores) z += Math.exp(s - max);
  // Fields written out rather than spread from the candidate: V8 builds these much faster.
  const scored = candidates.map((c, i): ScoredCandidate => ({ passage: c.passage, sentence: c.sentence, position: c.position, score: scores[i] as number, prob: Math.exp((scores[i] as number) - max) / z }));
  return { candidates: scored, answerable, pair, question };
}

/** Share of the smaller sentence's distinct terms that the other also has. */
export function sentenceOverlap(index: SentenceIndex, a: number, b: number): number {
  const ta = new Set(rowOf(index.terms, a));
  const tb = new Set(rowOf(index.terms, b));
  if (ta.size === 0 || tb.size === 0) return 0;
  let common = 0;
  for (const t of ta) if (tb.has(t)) common++;
  return common / Math.min(ta.size, tb.size);
}

const sentenceLength = (ctx: AnswerContext, c: Candidate): number => (ctx.index.end[c.sentence] as number) - (ctx.index.start[c.sentence] as number);

/**
 * The sentences an answer quotes: the best, and a second one when the model gives it enough
 * probability, it is not a near-duplicate of the first, and both fit in `maxChars`; the best
 * comes first.
 */
export function pickSentences(ranked: readonly ScoredCandidate[], ctx: AnswerContext, maxChars: number): ScoredCandidate[] {
  const [best, ...rest] = ranked;
  if (!best) return [];
  const picked = [best];
  const { secondMinProb, duplicateOverlap } = ctx.model.file.compose;
  const second = rest.find((c) => sentenceOverlap(ctx.index, c.sentence, best.sentence) <= duplicateOverlap);
  if (!second || second.prob < secondMinProb || sentenceLength(ctx, best) + sentenceLength(ctx, second) >= maxChars) return picked;
  // The best sentence leads, unless the second is the one right before it in the same passage
  // (then the two read as the passage does).
  const leadsIn = second.passage === best.passage && second.position === best.position - 1;
  return leadsIn ? [second, best] : [best, second];
}

/** Answers from the retrieved passages, or refuses when the model judges they do not answer. */
export function answerExtractively(q: AnalyzedQuestion, passages: readonly Retrieved[], ctx: AnswerContext, options: ExtractiveOptions = DEFAULT_EXTRACTIVE): ExtractiveResult {
  const { candidates, answerable } = scoreQuestion(q, passages, ctx);
  // scoreQuestion made the array for this answer: sorted in place.
  const ranked = candidates.sort((a, b) => b.score - a.score || a.passage - b.passage || a.position - b.position);
  // The model's threshold, or the corpus's off-topic level when that is higher (see calibration.ts).
  if (ranked.length === 0 || !answersAt(answerable, ctx.model.file.refusal.threshold, ctx.calibration.answerLevel)) {
    return { answer: NOT_IN_CORPUS, grounded: false, citations: [], answerable, candidates: ranked };
  }
  const picked = pickSentences(ranked, ctx, options.maxChars);
  // The passages the answer quotes come first, so its markers read [1], [2]; the other top
  // passages it read follow, for clients that show what was searched.
  const order = [...new Set([...picked.map((s) => s.passage), ...passages.slice(0, options.citePassages).map((_r, i) => i)])];
  const citations: Citation[] = order.map((passage, i) => {
    const r = passages[passage] as Retrieved;
    const quotes = picked.filter((s) => s.passage === passage).map((s) => ({ start: ctx.index.start[s.sentence] as number, end: ctx.index.end[s.sentence] as number }));
    return { ...citationOf(r, i + 1), ...(quotes.length ? { quotes } : {}) };
  });
  // Adjacent sentences of one passage share one marker, after the last of them (so the quote
  // reads as the passage does). Only a lone sentence can be longer than maxChars (see
  // pickSentences): it is cut at a word.
  const parts: string[] = [];
  picked.forEach((s, i) => {
    const r = passages[s.passage] as Retrieved;
    const text = capLength(quotable(sentenceText(ctx.index, r.chunk.text, s.sentence)), options.maxChars);
    const next = picked[i + 1];
    parts.push(next && next.passage === s.passage && next.position === s.position + 1 ? text : `${text} [${order.indexOf(s.passage) + 1}]`);
  });
  return { answer: parts.join(' '), grounded: true, citations, answerable, candidates: ranked };
}
