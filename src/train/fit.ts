/**
 * Fitting the refusal classifier: weighted, L2-regularised logistic regression (answerable vs
 * not) by L-BFGS. Features are standardised with the training rows' mean and spread; the
 * weights returned apply to standardised features (model.ts folds them back). The ranker is
 * boosted trees (boost.ts).
 */

export interface Standardisation {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/** Mean and standard deviation of each column over the given rows (a constant column gets scale 1). */
export function standardisation(blocks: ReadonlyArray<ArrayLike<number>>, d: number): Standardisation {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  let n = 0;
  for (const rows of blocks) {
    for (let o = 0; o < rows.length; o += d) {
      for (let j = 0; j < d; j++) {
        const x = rows[o + j] as number;
        mean[j] = (mean[j] as number) + x;
        sq[j] = (sq[j] as number) + x * x;
      }
      n++;
    }
  }
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const m = n ? (mean[j] as number) / n : 0;
    mean[j] = m;
    const v = n ? (sq[j] as number) / n - m * m : 0;
    // A feature that never varies in training carries no information: leave it unscaled.
    scale[j] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  return { mean, scale };
}

type Objective = (w: Float64Array, grad: Float64Array) => number;

/**
 * Limited-memory BFGS (Nocedal & Wright, alg. 7.4) with a backtracking Armijo line search.
 * Stops when the gradient norm or the relative decrease is tiny, or after `maxIter`.
 */
export function lbfgs(f: Objective, w0: Float64Array, maxIter = 200, memory = 10): Float64Array {
  const n = w0.length;
  let w = Float64Array.from(w0);
  let g = new Float64Array(n);
  let fx = f(w, g);
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const dotp = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
    return s;
  };
  for (let iter = 0; iter < maxIter; iter++) {
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let k = ss.length - 1; k >= 0; k--) {
      const s = ss[k] as Float64Array;
      const y = ys[k] as Float64Array;
      const a = dotp(s, q) / dotp(y, s);
      alphas[k] = a;
      for (let i = 0; i < n; i++) q[i] = (q[i] as number) - a * (y[i] as number);
    }
    if (ss.length) {
      const s = ss[ss.length - 1] as Float64Array;
      const y = ys[ys.length - 1] as Float64Array;
      const gamma = dotp(s, y) / dotp(y, y);
      for (let i = 0; i < n; i++) q[i] = (q[i] as number) * gamma;
    }
    for (let k = 0; k < ss.length; k++) {
      const s = ss[k] as Float64Array;
      const y = ys[k] as Float64Array;
      const b = dotp(y, q) / dotp(y, s);
      for (let i = 0; i < n; i++) q[i] = (q[i] as number) + (s[i] as number) * ((alphas[k] as number) - b);
    }
    const dir = q.map((x) => -x);
    let slope = dotp(g, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -(g[i] as number);
      slope = dotp(g, dir);
    }
    let step = iter === 0 ? 1 / Math.max(1, Math.sqrt(dotp(g, g))) : 1;
    const next = new Float64Array(n);
    const gNext = new Float64Array(n);
    let fNext = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) next[i] = (w[i] as number) + step * (dir[i] as number);
      fNext = f(next, gNext);
      if (fNext <= fx + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNext < fx)) break;
    const s = next.map((x, i) => x - (w[i] as number));
    const y = gNext.map((x, i) => x - (g[i] as number));
    if (dotp(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > memory) {
        ss.shift();
        ys.shift();
      }
    }
    const decrease = (fx - fNext) / Math.max(1, Math.abs(fx));
    w = next;
    g = gNext;
    fx = fNext;
    if (decrease < 1e-10 || Math.sqrt(dotp(g, g)) < 1e-7) break;
  }
  return w;
}

/** One question's candidates for the ranker: feature rows and which hold the answer. */
export interface RankGroup {
  readonly rows: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly weight: number;
}

/**
 * The sign a weight may take: 1 (a larger value may only raise the score), -1 (only lower it),
 * 0 (free). See fitLogistic.
 */
export type WeightSign = -1 | 0 | 1;

// softplus(u) = log(1 + e^u), computed without overflow, and its derivative (the logistic function).
const softplus = (u: number): number => (u > 30 ? u : Math.log1p(Math.exp(u)));
const logistic = (u: number): number => 1 / (1 + Math.exp(-u));
// Where a constrained weight starts: softplus(-2) ≈ 0.13, a small weight of either sign's scale.
const CONSTRAINED_START = -2;

/**
 * Fits weighted, L2-regularised logistic regression; returns [weights over standardised
 * features, bias]. `signs` (one per feature, default all free) constrains weights to a sign:
 * a constrained weight is `sign × softplus(u)` and L-BFGS runs on u, so it can approach zero but
 * never cross it. This is monotone logistic regression: with correlated features an
 * unconstrained fit offsets one against another (a weight of the wrong sign on "the best
 * sentence covers the question" beside a large one on a similar coverage), which may fit the
 * training corpora better than a corpus unlike them. Training fits free unless asked
 * (`--monotone-refusal`): held out, the signed fit traded made unanswerables and SQuAD groups
 * for Heihe (README, "Also tried and not kept").
 */
export function fitLogistic(
  rows: ArrayLike<number>,
  labels: ArrayLike<number>,
  sampleWeights: ArrayLike<number>,
  d: number,
  l2: number,
  st: Standardisation,
  signs: ReadonlyArray<WeightSign> = [],
): { weights: Float64Array; bias: number } {
  const m = labels.length;
  const totalWeight = Array.from(sampleWeights).reduce((a, b) => a + b, 0) || 1;
  const sign = (j: number): WeightSign => signs[j] ?? 0;
  // Parameters u (d weights, then the bias) to weights w.
  const weightsOf = (u: Float64Array, w: Float64Array): void => {
    for (let j = 0; j < d; j++) w[j] = sign(j) === 0 ? (u[j] as number) : sign(j) * softplus(u[j] as number);
    w[d] = u[d] as number;
  };
  const w = new Float64Array(d + 1);
  const objective: Objective = (u, grad) => {
    weightsOf(u, w);
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < m; i++) {
      let s = w[d] as number;
      for (let j = 0; j < d; j++) s += (w[j] as number) * (((rows[i * d + j] as number) - (st.mean[j] as number)) / (st.scale[j] as number));
      const y = labels[i] as number;
      const sw = sampleWeights[i] as number;
      // log(1 + e^-ys) computed stably.
      const margin = y ? s : -s;
      loss += sw * (margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin)));
      const p = 1 / (1 + Math.exp(-s));
      const coef = sw * (p - y);
      for (let j = 0; j < d; j++) grad[j] = (grad[j] as number) + coef * (((rows[i * d + j] as number) - (st.mean[j] as number)) / (st.scale[j] as number));
      grad[d] = (grad[d] as number) + coef;
    }
    loss /= totalWeight;
    for (let j = 0; j <= d; j++) grad[j] = (grad[j] as number) / totalWeight;
    for (let j = 0; j < d; j++) {
      grad[j] = (grad[j] as number) + l2 * (w[j] as number);
      loss += 0.5 * l2 * (w[j] as number) ** 2;
      // Chain rule through w = sign × softplus(u).
      if (sign(j) !== 0) grad[j] = (grad[j] as number) * sign(j) * logistic(u[j] as number);
    }
    return loss;
  };
  const start = new Float64Array(d + 1);
  for (let j = 0; j < d; j++) if (sign(j) !== 0) start[j] = CONSTRAINED_START;
  weightsOf(lbfgs(objective, start, signs.some((x) => x !== 0) ? 1000 : 200), w);
  return { weights: w.slice(0, d), bias: w[d] as number };
}

/** Scores of rows under standardised weights. */
export function linearScores(rows: ArrayLike<number>, d: number, w: ArrayLike<number>, st: Standardisation, bias = 0): Float64Array {
  const n = rows.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = bias;
    for (let j = 0; j < d; j++) s += (w[j] as number) * (((rows[i * d + j] as number) - (st.mean[j] as number)) / (st.scale[j] as number));
    out[i] = s;
  }
  return out;
}
