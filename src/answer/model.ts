/**
 * The learned answerer model: a linear sentence ranker over PAIR_FEATURES, a logistic
 * refusal classifier over QUESTION_FEATURES (plus the per-corpus calibration feature), the
 * refusal threshold and the rule for adding a second sentence, all fitted by `npm run train`
 * and stored with their validation in `models/answerer.json`. This module parses that file
 * (once, at the edge) and applies it; it never changes a number.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PAIR_FEATURES, QUESTION_FEATURES } from './features.js';
import { SENTENCE_FEATURES_VERSION } from './sentence-index.js';
import { packForest, packedForestScores, treeFromJson, type Forest, type PackedForest } from './forest.js';

export const MODEL_FORMAT = 'heihe-answerer/1';

const linear = z.object({
  /** Standardisation of each feature: (x - mean) / scale. */
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
  weights: z.array(z.number()),
  bias: z.number(),
});

const treeSchema = z.object({ feature: z.array(z.number().int().min(-1)), threshold: z.array(z.number()), left: z.array(z.number().int()), right: z.array(z.number().int()), value: z.array(z.number()) });

/** The ranker: boosted trees (what training makes), or linear weights (readable, for tests). */
const rankerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('forest'), trees: z.array(treeSchema) }),
  linear.extend({ kind: z.literal('linear') }),
]);

export const modelFileSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  createdAt: z.string(),
  features: z.object({ version: z.string(), pair: z.array(z.string()), question: z.array(z.string()) }),
  ranker: rankerSchema,
  refusal: linear.extend({
    /** Boosted trees added to the linear log-odds (fitted on its residual); absent: the linear model alone. */
    trees: z.array(treeSchema).optional(),
    /** Answer when P(answerable) is at least this. */
    threshold: z.number().min(0).max(1),
    /** The precision of refusal the threshold was chosen for, on held-out folds. */
    targetPrecision: z.number(),
    /** A corpus also refuses below this quantile of its off-topic bank's P(answerable). */
    bankQuantile: z.number().min(0).max(1),
  }),
  compose: z.object({
    /** A second sentence joins the answer when its probability among the candidates is at least this. */
    secondMinProb: z.number().min(0).max(1),
    /** Two sentences sharing more than this share of their terms are near-duplicates. */
    duplicateOverlap: z.number().min(0).max(1),
  }),
  training: z.object({ dataHash: z.string(), sources: z.array(z.string()), questions: z.number().int(), candidates: z.number().int() }).passthrough(),
  validation: z.record(z.string(), z.unknown()),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

/** A linear function with its standardisation folded in: score = bias + Σ w_j x_j. */
export interface FoldedLinear {
  readonly weights: Float64Array;
  readonly bias: number;
}

export function foldLinear(l: z.infer<typeof linear>): FoldedLinear {
  const weights = Float64Array.from(l.weights, (w, j) => w / (l.scale[j] ?? 1));
  const bias = l.bias - l.weights.reduce((a, w, j) => a + (w * (l.mean[j] ?? 0)) / (l.scale[j] ?? 1), 0);
  return { weights, bias };
}

export interface AnswererModel {
  readonly id: string;
  readonly file: ModelFile;
  /** Scores of every candidate row (PAIR_FEATURES wide). */
  rank(rows: Float64Array): Float64Array;
  /** The refusal's log-odds that the corpus answers, for one row of question features. */
  refusalLogit(row: Float64Array): number;
  /** The part of refusalLogit the refusal's trees add (0 without trees). */
  refusalTreesLogit(row: Float64Array): number;
}

function forestOf(trees: ReadonlyArray<z.infer<typeof treeSchema>>, width: number, what: string): Forest {
  return {
    trees: trees.map((t, k) => {
      const n = t.feature.length;
      if (t.threshold.length !== n || t.left.length !== n || t.right.length !== n || t.value.length !== n) throw new ModelError(`tree ${k} of the ${what} has arrays of different lengths`);
      t.feature.forEach((f, i) => {
        const inRange = (c: number | undefined): boolean => c !== undefined && c > i && c < n;
        if (f >= width || (f >= 0 && !(inRange(t.left[i]) && inRange(t.right[i])))) throw new ModelError(`tree ${k} of the ${what} is malformed at node ${i}`);
      });
      return treeFromJson(t);
    }),
  };
}

export class ModelError extends Error {}

/** Parses and checks a model file against the features this code computes. */
export function parseModel(json: unknown): AnswererModel {
  const parsed = modelFileSchema.safeParse(json);
  if (!parsed.success) throw new ModelError(`the answerer model file is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const file = parsed.data;
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (file.features.version !== SENTENCE_FEATURES_VERSION || !same(file.features.pair, PAIR_FEATURES) || !same(file.features.question, [...QUESTION_FEATURES, ...CALIBRATED_FEATURES])) {
    throw new ModelError('the answerer model was trained on other features than this code computes: run `npm run train`.');
  }
  const width = PAIR_FEATURES.length;
  if ((file.ranker.kind === 'linear' && file.ranker.weights.length !== width) || file.refusal.weights.length !== QUESTION_FEATURES.length + CALIBRATED_FEATURES.length) {
    throw new ModelError('the answerer model has the wrong number of weights: run `npm run train`.');
  }
  const id = createHash('sha256').update(JSON.stringify({ r: file.ranker, f: file.refusal, c: file.compose })).digest('hex').slice(0, 12);
  const rank =
    file.ranker.kind === 'forest'
      ? ((forest: PackedForest) => (rows: Float64Array) => packedForestScores(forest, rows, width))(packForest(forestOf(file.ranker.trees, width, 'ranker')))
      : ((l: FoldedLinear) => (rows: Float64Array) => scoreRows(l, rows, width))(foldLinear(file.ranker));
  const refusalLinear = foldLinear(file.refusal);
  const q = file.refusal.weights.length;
  const refusalTrees = file.refusal.trees?.length ? packForest(forestOf(file.refusal.trees, q, 'refusal')) : null;
  const refusalTreesLogit = (row: Float64Array): number => (refusalTrees ? (packedForestScores(refusalTrees, row, q)[0] as number) : 0);
  const refusalLogit = (row: Float64Array): number => (scoreRows(refusalLinear, row, q)[0] as number) + refusalTreesLogit(row);
  return { id, file, rank, refusalLogit, refusalTreesLogit };
}

/** Features the refusal classifier adds from the corpus's calibration (see calibration.ts). */
export const CALIBRATED_FEATURES: readonly string[] = ['top_score_vs_offtopic'];

/** Scores of every row of a row-major matrix. */
export function scoreRows(f: FoldedLinear, rows: Float64Array, width: number): Float64Array {
  const n = rows.length / width;
  const out = new Float64Array(n);
  const w = f.weights;
  for (let i = 0; i < n; i++) {
    let s = f.bias;
    const o = i * width;
    for (let j = 0; j < width; j++) s += (w[j] as number) * (rows[o + j] as number);
    out[i] = s;
  }
  return out;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** One feature's share of the refusal classifier's log-odds for a question: weight × (value − mean) / scale. */
export interface RefusalContribution {
  readonly feature: string;
  readonly value: number;
  readonly contribution: number;
}

/** Every question feature's contribution to P(answerable)'s log-odds, largest effect first (what `--explain` shows). */
export function refusalContributions(file: ModelFile, row: ArrayLike<number>): RefusalContribution[] {
  const r = file.refusal;
  return file.features.question
    .map((feature, j) => ({ feature, value: row[j] as number, contribution: ((r.weights[j] as number) * ((row[j] as number) - (r.mean[j] as number))) / (r.scale[j] as number) }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
}

/**
 * A model with every weight 0, for computing features before any model exists (training):
 * it ranks nothing and refuses nothing, and is never written or served.
 */
export function untrainedModel(): AnswererModel {
  const zeros = (n: number): { mean: number[]; scale: number[]; weights: number[]; bias: number } => ({ mean: new Array<number>(n).fill(0), scale: new Array<number>(n).fill(1), weights: new Array<number>(n).fill(0), bias: 0 });
  const q = QUESTION_FEATURES.length + CALIBRATED_FEATURES.length;
  return parseModel({
    format: MODEL_FORMAT,
    createdAt: new Date(0).toISOString(),
    features: { version: SENTENCE_FEATURES_VERSION, pair: [...PAIR_FEATURES], question: [...QUESTION_FEATURES, ...CALIBRATED_FEATURES] },
    ranker: { kind: 'linear', ...zeros(PAIR_FEATURES.length) },
    refusal: { ...zeros(q), threshold: 0, targetPrecision: 0, bankQuantile: 0 },
    compose: { secondMinProb: 1, duplicateOverlap: 1 },
    training: { dataHash: '', sources: [], questions: 0, candidates: 0 },
    validation: {},
  });
}
