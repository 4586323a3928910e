/**
 * Per-corpus calibration of the refusal: how well does this corpus seem to answer questions
 * we know it cannot answer? A fixed bank of off-topic questions (crowd-written questions
 * about Wikipedia articles, `models/offtopic-bank.json`) is scored against the corpus when an
 * index generation is loaded; the best-candidate scores they reach set the corpus's chance
 * level, and the refusal classifier sees each question's score relative to it. A corpus that
 * contains one of the bank's articles would make that article's questions on-topic, so
 * articles whose sentences the corpus quotes are left out of its bank.
 */
import { z } from 'zod';
import type { LoadedGeneration } from '../index-store/generation.js';

export const offTopicBankSchema = z.object({
  format: z.literal('heihe-offtopic-bank/1'),
  source: z.string(),
  articles: z.array(
    z.object({
      title: z.string(),
      /** Normalised openings of sample sentences of the article (see fingerprint). */
      fingerprints: z.array(z.string()),
      questions: z.array(z.string()),
    }),
  ),
});
export type OffTopicBank = z.infer<typeof offTopicBankSchema>;

/** The refusal rule: answer when P(answerable) reaches the model's threshold and the corpus's off-topic level. */
export const answersAt = (answerable: number, threshold: number, answerLevel: number): boolean => answerable >= Math.max(threshold, answerLevel);

export interface Calibration {
  /** Bank questions the corpus was calibrated with (0: uncalibrated). */
  readonly questions: number;
  readonly articles: readonly string[];
  readonly median: number;
  readonly spread: number;
  /** P(answerable) the corpus must reach to answer: the model's quantile of its bank's (-Infinity: none). */
  readonly answerLevel: number;
  /** A best-candidate score relative to the corpus's off-topic level. */
  relative(topScore: number): number;
}

/** The opening of a sentence, normalised, as articles are recognised by. */
export function fingerprint(sentence: string): string {
  return sentence.toLowerCase().replace(/\s+/g, ' ').trim().slice(0, 80);
}

/**
 * An article is in the corpus when at least a quarter of its sampled sentences are: a corpus
 * that quotes a sentence or two of an article is not about it, one that holds it is, even
 * with some sentences edited.
 */
const PRESENT_SHARE = 0.25;

export function articlesInCorpus(bank: OffTopicBank, corpusFingerprints: ReadonlySet<string>): Set<string> {
  const present = new Set<string>();
  for (const a of bank.articles) {
    const found = a.fingerprints.filter((f) => corpusFingerprints.has(f)).length;
    if (a.fingerprints.length > 0 && found / a.fingerprints.length >= PRESENT_SHARE) present.add(a.title);
  }
  return present;
}

/** The q-quantile of values (linear interpolation between order statistics). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + (at - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** The median and a robust spread (1.4826 × median absolute deviation: the standard deviation for normal data). */
export function robustSpread(values: readonly number[]): { median: number; spread: number } {
  if (values.length === 0) return { median: 0, spread: 1 };
  const sorted = [...values].sort((a, b) => a - b);
  const med = (xs: readonly number[]): number => {
    const m = xs.length >> 1;
    return xs.length % 2 ? (xs[m] as number) : ((xs[m - 1] as number) + (xs[m] as number)) / 2;
  };
  const median = med(sorted);
  const mad = med(sorted.map((v) => Math.abs(v - median)).sort((a, b) => a - b));
  // A bank whose scores barely vary (a tiny corpus that matches nothing) must not blow up the
  // relative score: the spread is at least one score unit, the scale of the ranker's logits.
  return { median, spread: Math.max(1, 1.4826 * mad) };
}

export function calibrationFrom(topScores: readonly number[], articles: readonly string[], answerLevel = -Infinity): Calibration {
  const { median, spread } = robustSpread(topScores);
  const questions = topScores.length;
  return { questions, articles, median, spread, answerLevel, relative: (s) => (questions ? (s - median) / spread : 0) };
}

export const UNCALIBRATED: Calibration = calibrationFrom([], []);

/**
 * The calibration as stored with an index generation (`calibration.json`, written at ingest):
 * valid for the model and bank it was made with, and recomputed at load for any other.
 */
export const storedCalibrationSchema = z.object({
  format: z.literal('heihe-calibration/1'),
  model: z.string(),
  bank: z.string(),
  questions: z.number().int().min(0),
  articles: z.array(z.string()),
  median: z.number(),
  spread: z.number().positive(),
  answerLevel: z.number().nullable(),
});
export type StoredCalibration = z.infer<typeof storedCalibrationSchema>;

export function storeCalibration(c: Calibration, model: string, bank: string): StoredCalibration {
  return { format: 'heihe-calibration/1', model, bank, questions: c.questions, articles: [...c.articles], median: c.median, spread: c.spread, answerLevel: Number.isFinite(c.answerLevel) ? c.answerLevel : null };
}

export function restoreCalibration(s: StoredCalibration): Calibration {
  const { median, spread, questions, articles } = s;
  return { questions, articles, median, spread, answerLevel: s.answerLevel ?? -Infinity, relative: (x) => (questions ? (x - median) / spread : 0) };
}

/** What ingest stores with a generation (calibration.json): made for one model and bank. */
export interface GenerationCalibrator {
  readonly model: string;
  readonly bank: string;
  calibrate(loaded: LoadedGeneration): Promise<StoredCalibration>;
}

/** Whether a stored calibration is the one this calibrator would make a fresh copy of (same model and bank). */
export const calibrationIsCurrent = (stored: StoredCalibration | undefined, calibrator: Pick<GenerationCalibrator, 'model' | 'bank'>): boolean =>
  stored !== undefined && stored.model === calibrator.model && stored.bank === calibrator.bank;
