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
