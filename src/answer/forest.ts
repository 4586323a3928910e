/**
 * A forest of regression trees (gradient-boosted, see src/train/boost.ts) as flat arrays, and
 * its score for a row of features: the sum of the leaf each tree sends the row to. Trees make
 * the interactions a linear scorer cannot ("a 'how many' question wants a sentence with a
 * number, whatever its word overlap"). Pure and allocation-free.
 */
import { ForestKernel } from './forest-kernel.js';

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

/** A tree as it is written in JSON (the model file): plain arrays. */
export interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export const treeToJson = (t: Tree): TreeJson => ({ feature: [...t.feature], threshold: [...t.threshold], left: [...t.left], right: [...t.right], value: [...t.value] });

/** A tree from JSON, unchecked (model.ts checks a model file's trees first). */
export const treeFromJson = (t: TreeJson): Tree => ({ feature: Int32Array.from(t.feature), threshold: Float64Array.from(t.threshold), left: Int32Array.from(t.left), right: Int32Array.from(t.right), value: Float64Array.from(t.value) });

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
 * A forest for serving, every tree laid out as a complete binary tree of the forest's depth
 * (node i's children at 2i + 1 and 2i + 2; a leaf shallower than that is copied to every leaf
 * below it, so whichever way the padding splits go, the row reaches its value). A row then
 * takes exactly `depth` steps per tree with no child arrays to read and no loop exit to
 * predict, and four rows walk each tree together (four independent chains the CPU overlaps;
 * forest-kernel.ts does the walk).
 * It scores exactly as `forestScores` does: the same leaves, added in the same tree order. A
 * forest deeper than COMPLETE_MAX_DEPTH (whose padding would outgrow it) keeps the linked layout.
 */
export interface PackedForest {
  readonly trees: number;
  /** Depth of the complete layout, or 0 for the linked layout below. */
  readonly depth: number;
  /** Complete layout: per tree, 2^depth - 1 split nodes (feature, threshold) and 2^depth leaves. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly leaves: Float64Array;
  /** Linked layout: the trees as they are, for forests too deep to pad. */
  readonly linked: Forest | null;
}

/** Deepest forest given the complete layout (2^12 leaves per tree at most). */
export const COMPLETE_MAX_DEPTH = 12;

function treeDepth(t: Tree, node = 0): number {
  return (t.feature[node] as number) < 0 ? 0 : 1 + Math.max(treeDepth(t, t.left[node] as number), treeDepth(t, t.right[node] as number));
}

export function packForest(forest: Forest): PackedForest {
  const depth = Math.max(1, ...forest.trees.map((t) => treeDepth(t)));
  if (depth > COMPLETE_MAX_DEPTH) return { trees: forest.trees.length, depth: 0, feature: new Int32Array(0), threshold: new Float64Array(0), leaves: new Float64Array(0), linked: forest };
  const splits = 2 ** depth - 1;
  const feature = new Int32Array(forest.trees.length * splits);
  const threshold = new Float64Array(forest.trees.length * splits);
  const leaves = new Float64Array(forest.trees.length * (splits + 1));
  forest.trees.forEach((t, k) => {
    // Walk the tree, placing original node `node` at complete position `at`.
    const place = (node: number, at: number): void => {
      const f = t.feature[node] as number;
      if (at >= splits) {
        leaves[k * (splits + 1) + at - splits] = t.value[node] as number;
        return;
      }
      if (f < 0) {
        // A leaf above the last level: padding splits (feature 0, any threshold) lead to copies of it.
        place(node, 2 * at + 1);
        place(node, 2 * at + 2);
        return;
      }
      feature[k * splits + at] = f;
      threshold[k * splits + at] = t.threshold[node] as number;
      place(t.left[node] as number, 2 * at + 1);
      place(t.right[node] as number, 2 * at + 2);
    };
    place(0, 0);
  });
  return { trees: forest.trees.length, depth, feature, threshold, leaves, linked: null };
}

// The WebAssembly scorer of each packed forest (forest-kernel.ts), made on its first use: a
// forest's nodes are copied into the kernel's memory once, not per question.
const kernels = new WeakMap<PackedForest, ForestKernel>();

/**
 * Scores of every row of a row-major matrix (as forestScores of the forest it was packed
 * from, to the bit): the complete layout's walk, four rows at a time, in WebAssembly.
 */
export function packedForestScores(forest: PackedForest, rows: Float64Array, width: number): Float64Array {
  if (forest.linked) return forestScores(forest.linked, rows, width);
  let kernel = kernels.get(forest);
  if (!kernel) {
    kernel = new ForestKernel(forest.trees, forest.depth, forest.feature, forest.threshold, forest.leaves);
    kernels.set(forest, kernel);
  }
  return kernel.score(rows, width);
}
