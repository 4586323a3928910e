/**
 * Rows of integers in one flat array, the layout of the per-sentence and per-synset lists
 * (sentence terms, names, numbers; WordNet's synsets and pointers): no array per row.
 */
export interface Rows {
  /** Row i is values[offsets[i] .. offsets[i + 1]). */
  readonly offsets: Int32Array;
  readonly values: Int32Array;
}

/** Row i of `rows`, as a view into its values. */
export function rowOf(rows: Rows, i: number): Int32Array {
  return rows.values.subarray(rows.offsets[i] ?? 0, rows.offsets[i + 1] ?? 0);
}
