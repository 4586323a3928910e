/**
 * Gradient-boosted regression trees for the listwise ranker (in the manner of LambdaMART and
 * XGBoost): each round fits a tree to the Newton step of the softmax loss of every question
 * (probability of its right sentences among its candidates), on features cut into quantile
 * bins, splitting where the gain (G²/(H+λ) summed over the children, less the parent's) is
 * largest. Deterministic: ties go to the first feature and bin, and the sampling of questions
 * and features per tree (stochastic boosting, off by default) is seeded.
 */
import { seededRandom } from './random.js';
import type { Forest, Tree } from '../answer/forest.js';
import type { RankGroup } from './fit.js';

export interface BoostParams {
  readonly trees: number;
  readonly depth: number;
  readonly learningRate: number;
  /** L2 on leaf values (λ). */
  readonly l2: number;
  /** A child must hold at least this much hessian (min_child_weight). */
  readonly minHessian: number;
  /** Quantile bins per feature (at most 255). */
  readonly bins: number;
  /** Share of the questions each ranker tree is grown on (stochastic boosting; default 1: all). */
  readonly subsample?: number;
  /** Share of the features each tree may split on (default 1: all). */
  readonly colsample?: number;
  /**
   * When set, every question's softmax has one more option, "no answer", scored 0, and the
   * questions the corpus cannot answer join the ranking (all their mass belongs on that
   * option), weighing this multiple of the answerable questions' total weight (see
   * train.ts rankGroups). A listwise softmax alone leaves each question's scores free of a
   * shift, so the best score says nothing across questions; against a fixed "no answer" it is
   * on one scale, which is what the refusal reads it for. Default: off.
   */
  readonly noAnswerWeight?: number;
}

interface Binned {
  readonly n: number;
  readonly d: number;
  /** Column-major bin of every row: bins[j * n + i]. */
  readonly bins: Uint8Array;
  /** Per feature: the upper edge of each bin but the last (a row goes left of edge b when x <= edge). */
  readonly edges: Float64Array[];
}

function binRows(rows: Float32Array, n: number, d: number, bins: number): Binned {
  const edges: Float64Array[] = [];
  const binned = new Uint8Array(n * d);
  // Edges from an evenly spaced sample of at most 50k rows: deterministic, and enough for 32 quantiles.
  const step = Math.max(1, Math.floor(n / 50_000));
  const column = new Float64Array(Math.ceil(n / step));
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < n; i += step) column[m++] = rows[i * d + j] as number;
    const sorted = column.slice(0, m).sort();
    const cuts: number[] = [];
    for (let b = 1; b < bins; b++) {
      const v = sorted[Math.min(m - 1, Math.floor((b * m) / bins))] as number;
      if (cuts.length === 0 || v > (cuts[cuts.length - 1] as number)) cuts.push(v);
    }
    // The largest value needs no edge: everything is <= it.
    if (cuts.length && cuts[cuts.length - 1] === sorted[m - 1]) cuts.pop();
    const e = Float64Array.from(cuts);
    edges.push(e);
    for (let i = 0; i < n; i++) {
      const x = rows[i * d + j] as number;
      let lo = 0;
      let hi = e.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (x <= (e[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      binned[j * n + i] = lo;
    }
  }
  return { n, d, bins: binned, edges };
}

interface NodeBuild {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** Per feature and bin: the sums of gradient and hessian of a node's rows (feature-major, `nb` bins each). */
function histograms(data: Binned, idx: Int32Array, g: Float64Array, h: Float64Array, nb: number): { g: Float64Array; h: Float64Array } {
  const hg = new Float64Array(data.d * nb);
  const hh = new Float64Array(data.d * nb);
  const n = data.n;
  const bins = data.bins;
  for (let j = 0; j < data.d; j++) {
    const col = j * n;
    const o = j * nb;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      const b = o + (bins[col + i] as number);
      hg[b] = (hg[b] as number) + (g[i] as number);
      hh[b] = (hh[b] as number) + (h[i] as number);
    }
  }
  return { g: hg, h: hh };
}

/**
 * Grows one tree to the given depth over all rows; writes each row's leaf value into
 * `rowLeaf`. A node's smaller child gets its histograms counted, the larger one by
 * subtraction from the parent's (half the work).
 */
function growTree(data: Binned, g: Float64Array, h: Float64Array, p: BoostParams, rowLeaf: Float64Array, allowed: Uint8Array | null = null): Tree {
  const nodes: NodeBuild = { feature: [], threshold: [], left: [], right: [], value: [] };
  const nb = Math.max(...data.edges.map((e) => e.length + 1));
  const newNode = (): number => {
    nodes.feature.push(-1);
    nodes.threshold.push(0);
    nodes.left.push(-1);
    nodes.right.push(-1);
    nodes.value.push(0);
    return nodes.feature.length - 1;
  };
  const grow = (idx: Int32Array, hist: { g: Float64Array; h: Float64Array }, depth: number): number => {
    const me = newNode();
    let G = 0;
    let H = 0;
    for (let k = 0; k < idx.length; k++) {
      G += g[idx[k] as number] as number;
      H += h[idx[k] as number] as number;
    }
    const leaf = (): number => {
      const v = (-G / (H + p.l2)) * p.learningRate;
      nodes.value[me] = v;
      for (let k = 0; k < idx.length; k++) rowLeaf[idx[k] as number] = v;
      return me;
    };
    if (depth >= p.depth || H < 2 * p.minHessian) return leaf();
    const parent = (G * G) / (H + p.l2);
    let bestGain = 1e-9;
    let bestFeature = -1;
    let bestBin = -1;
    for (let j = 0; j < data.d; j++) {
      if (allowed && !allowed[j]) continue;
      const nbj = (data.edges[j] as Float64Array).length + 1;
      const o = j * nb;
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < nbj - 1; b++) {
        gl += hist.g[o + b] as number;
        hl += hist.h[o + b] as number;
        const hr = H - hl;
        if (hl < p.minHessian || hr < p.minHessian) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + p.l2) + (gr * gr) / (hr + p.l2) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = j;
          bestBin = b;
        }
      }
    }
    if (bestFeature < 0) return leaf();
    const col = bestFeature * data.n;
    let nl = 0;
    for (let k = 0; k < idx.length; k++) if ((data.bins[col + (idx[k] as number)] as number) <= bestBin) nl++;
    const left = new Int32Array(nl);
    const right = new Int32Array(idx.length - nl);
    let a = 0;
    let c = 0;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k] as number;
      if ((data.bins[col + i] as number) <= bestBin) left[a++] = i;
      else right[c++] = i;
    }
    nodes.feature[me] = bestFeature;
    nodes.threshold[me] = (data.edges[bestFeature] as Float64Array)[bestBin] as number;
    const last = depth + 1 >= p.depth;
    let leftHist = hist;
    let rightHist = hist;
    if (!last) {
      const small = left.length <= right.length ? left : right;
      const counted = histograms(data, small, g, h, nb);
      const rest = { g: hist.g.map((x, i) => x - (counted.g[i] as number)), h: hist.h.map((x, i) => x - (counted.h[i] as number)) };
      [leftHist, rightHist] = small === left ? [counted, rest] : [rest, counted];
    }
    nodes.left[me] = grow(left, leftHist, depth + 1);
    nodes.right[me] = grow(right, rightHist, depth + 1);
    return me;
  };
  const all = Int32Array.from({ length: data.n }, (_v, i) => i);
  grow(all, histograms(data, all, g, h, nb), 0);
  return { feature: Int32Array.from(nodes.feature), threshold: Float64Array.from(nodes.threshold), left: Int32Array.from(nodes.left), right: Int32Array.from(nodes.right), value: Float64Array.from(nodes.value) };
}

/** Fits the boosted listwise ranker on the questions' candidate rows. */
export function fitBoostedRanker(groups: readonly RankGroup[], d: number, p: BoostParams, log?: (m: string) => void): Forest {
  const noAnswer = (p.noAnswerWeight ?? 0) > 0;
  // Without the option a question with no right candidate has nothing to learn from.
  const used = groups.filter((gr) => gr.labels.length > 0 && (noAnswer || Array.from(gr.labels).some((l) => l === 1)));
  const n = used.reduce((a, gr) => a + gr.labels.length, 0);
  const rows = new Float32Array(n * d);
  const label = new Uint8Array(n);
  const groupOf = new Int32Array(n);
  const starts = new Int32Array(used.length + 1);
  let at = 0;
  used.forEach((gr, k) => {
    starts[k] = at;
    for (let i = 0; i < gr.labels.length; i++) {
      for (let j = 0; j < d; j++) rows[(at + i) * d + j] = gr.rows[i * d + j] as number;
      label[at + i] = gr.labels[i] ? 1 : 0;
      groupOf[at + i] = k;
    }
    at += gr.labels.length;
  });
  starts[used.length] = at;
  const data = binRows(rows, n, d, Math.min(255, p.bins));
  const scores = new Float64Array(n);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rowLeaf = new Float64Array(n);
  const trees: Tree[] = [];
  // Stochastic boosting draws are seeded: the same data and settings give the same forest.
  const random = seededRandom(1);
  const subsample = p.subsample ?? 1;
  const colsample = p.colsample ?? 1;
  const allowed = colsample < 1 ? new Uint8Array(d) : null;
  for (let t = 0; t < p.trees; t++) {
    if (allowed) for (let j = 0; j < d; j++) allowed[j] = random() < colsample ? 1 : 0;
    // Softmax per question; the target spreads over the right candidates in proportion to p.
    used.forEach((gr, k) => {
      // A question left out of this tree's sample adds no gradient (its rows still get the leaf values).
      const inSample = subsample >= 1 || random() < subsample;
      const from = starts[k] as number;
      const to = starts[k + 1] as number;
      // The "no answer" option, when there is one, is a candidate of score 0.
      let max = noAnswer ? 0 : -Infinity;
      for (let i = from; i < to; i++) max = Math.max(max, scores[i] as number);
      let z = noAnswer ? Math.exp(-max) : 0;
      let pos = 0;
      for (let i = from; i < to; i++) {
        const e = Math.exp((scores[i] as number) - max);
        g[i] = e;
        z += e;
        if (label[i]) pos += e;
      }
      // Per-question weights in question units, so l2 and minHessian mean "questions" whatever the data size.
      const w = inSample ? gr.weight : 0;
      for (let i = from; i < to; i++) {
        const prob = (g[i] as number) / z;
        // pos is 0 for a question with no right candidate: its target is the "no answer" option alone.
        const target = label[i] ? (g[i] as number) / pos : 0;
        g[i] = w * (prob - target);
        // The softmax's diagonal hessian, floored so a confident candidate still counts a little.
        h[i] = w * Math.max(prob * (1 - prob), 1e-6);
      }
    });
    const tree = growTree(data, g, h, p, rowLeaf, allowed);
    trees.push(tree);
    for (let i = 0; i < n; i++) scores[i] = (scores[i] as number) + (rowLeaf[i] as number);
    if (log && (t + 1) % 50 === 0) log(`  boosting: ${t + 1} trees`);
  }
  return { trees };
}

/**
 * Fits boosted trees to the weighted logistic loss of binary labels, starting from `base`
 * (each row's logit before any tree: the refusal's linear model). Each round fits a tree to
 * the Newton step (gradient w(p − y), hessian w·p(1 − p)). The weights are rescaled to a mean of
 * 1, so `l2` and `minHessian` count questions whatever the weighting.
 */
export function fitBoostedLogistic(rows: ArrayLike<number>, labels: ArrayLike<number>, weights: ArrayLike<number>, base: ArrayLike<number>, d: number, p: BoostParams): Forest {
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i] as number;
  const unit = total > 0 ? n / total : 1;
  const data = binRows(Float32Array.from(rows), n, d, Math.min(255, p.bins));
  const scores = Float64Array.from(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rowLeaf = new Float64Array(n);
  const trees: Tree[] = [];
  for (let t = 0; t < p.trees; t++) {
    for (let i = 0; i < n; i++) {
      const prob = 1 / (1 + Math.exp(-(scores[i] as number)));
      const w = unit * (weights[i] as number);
      g[i] = w * (prob - (labels[i] as number));
      h[i] = w * Math.max(prob * (1 - prob), 1e-6);
    }
    trees.push(growTree(data, g, h, p, rowLeaf));
    for (let i = 0; i < n; i++) scores[i] = (scores[i] as number) + (rowLeaf[i] as number);
  }
  return { trees };
}
