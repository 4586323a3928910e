/**
 * A forest of regression trees (gradient-boosted, see src/train/boost.ts) as flat arrays, and
 * its score for a row of features: the sum of the leaf each tree sends the row to. Trees make
 * the interactions a linear scorer cannot ("a 'how many' question wants a sentence with a
 * number, whatever its word overlap"). Pure and allocation-free.
 */
export interface Tree {
  /** Per node: the feature it splits on, or -1 for a leaf. */
  readonly feature: Int32Array;
  /** Per split node: rows with feature <= threshold go left. */
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Per leaf node: its value (already scaled by the learning rate). */
  readonly value: Float64Array;
}

export interface Forest {
  readonly trees: readonly Tree[];
}

/** The forest's score of row `row` of a row-major matrix `rows` of `width` columns. */
export function forestScore(forest: Forest, rows: ArrayLike<number>, row: number, width: number): number {
  const base = row * width;
  let s = 0;
  for (const t of forest.trees) {
    let n = 0;
    let f = t.feature[0] as number;
    while (f >= 0) {
      n = (rows[base + f] as number) <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
      f = t.feature[n] as number;
    }
    s += t.value[n] as number;
  }
  return s;
}

/** Scores of every row. */
export function forestScores(forest: Forest, rows: ArrayLike<number>, width: number): Float64Array {
  const n = rows.length / width;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = forestScore(forest, rows, i, width);
  return out;
}

/**
 * A forest with every tree's nodes in one set of arrays (child indices absolute), for serving:
 * scoring walks five typed arrays in one tight loop instead of a tree object per tree, which
 * V8 runs several times faster. It scores exactly as `forestScores` does (the same leaves,
 * added in the same tree order).
 */
export interface PackedForest {
  /** The first node of each tree. */
  readonly roots: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

export function packForest(forest: Forest): PackedForest {
  const total = forest.trees.reduce((a, t) => a + t.feature.length, 0);
  const packed = { roots: new Int32Array(forest.trees.length), feature: new Int32Array(total), threshold: new Float64Array(total), left: new Int32Array(total), right: new Int32Array(total), value: new Float64Array(total) };
  let at = 0;
  forest.trees.forEach((t, k) => {
    packed.roots[k] = at;
    packed.feature.set(t.feature, at);
    packed.threshold.set(t.threshold, at);
    packed.value.set(t.value, at);
    for (let i = 0; i < t.feature.length; i++) {
      packed.left[at + i] = at + (t.left[i] as number);
      packed.right[at + i] = at + (t.right[i] as number);
    }
    at += t.feature.length;
  });
  return packed;
}

/** Scores of every row of a row-major matrix (as forestScores of the forest it was packed from). */
export function packedForestScores(forest: PackedForest, rows: Float64Array, width: number): Float64Array {
  const { roots, feature, threshold, left, right, value } = forest;
  const n = rows.length / width;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const base = r * width;
    let s = 0;
    for (let k = 0; k < roots.length; k++) {
      let node = roots[k] as number;
      let f = feature[node] as number;
      while (f >= 0) {
        node = (rows[base + f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
        f = feature[node] as number;
      }
      s += value[node] as number;
    }
    out[r] = s;
  }
  return out;
}
