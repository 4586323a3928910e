/**
 * The packed forest's scores (see PackedForest in forest.ts) as a small WebAssembly function:
 * the ranker is the answerer's second-largest cost (120 trees × depth 5 per candidate), and in
 * JavaScript each step's three typed-array reads (split feature, threshold, row value) cost
 * more in checks than the step itself. The same walk and the same sums: per row, the leaf of
 * each tree added from 0 in tree order, rows <= threshold going left (2i + 1) and others (NaN
 * too) right (2i + 2), so the scores have the bits packedForestScores gave.
 *
 * The function, in the WebAssembly text format (byte offsets into its memory; n is a multiple
 * of 4, the caller pads with zero rows; depth >= 1):
 *
 *   (func (export "scores") (param $feature i32) (param $threshold i32) (param $leaves i32)
 *     (param $trees i32) (param $depth i32) (param $splits i32) (param $rows i32) (param $n i32)
 *     (param $width i32) (param $out i32)
 *     for (r = 0; r < n; r += 4)
 *       row_c := rows + (r + c) * width * 8                      (c = 0..3)
 *       s_c = 0.0
 *       fb := feature;  tb := threshold;  lb := leaves - splits * 8
 *       for (k = 0; k < trees; k++)
 *         i_c = 0
 *         d = 0
 *         do
 *           i_c = 2 * i_c + 2 - (f64.load(row_c + i32.load(fb + 4 i_c) * 8) <= f64.load(tb + 8 i_c))
 *           d += 1
 *         while (d < depth)
 *         s_c = s_c + f64.load(lb + 8 i_c)
 *         fb += splits * 4;  tb += splits * 8;  lb += (splits + 1) * 8
 *       store (out + (r + c) * 8) s_c
 *
 * Four rows walk each tree together: four independent chains the CPU overlaps.
 */
import { get, i32, kernelModule, KernelMemory, OP, set, tee, zero64 } from './wasm.js';

// Parameters and locals, by index.
const FEATURE = 0;
const THRESHOLD = 1;
const LEAVES = 2;
const TREES = 3;
const DEPTH = 4;
const SPLITS = 5;
const ROWS = 6;
const N = 7;
const WIDTH = 8;
const OUT = 9;
const R = 10;
const K = 11;
const D = 12;
const FB = 13;
const TB = 14;
const LB = 15;
const ROW_BYTES = 16;
const ROW = [17, 18, 19, 20];
const IDX = [21, 22, 23, 24];
const I32_LOCALS = 15; // R .. IDX[3]
const SUM = [25, 26, 27, 28];
const F64_LOCALS = 4;

const CHAINS = [0, 1, 2, 3];

/** i_c = 2 i_c + 2 - (row_c[feature[i_c]] <= threshold[i_c]). */
const step = (c: number): number[] => [
  ...get(IDX[c] as number), ...i32(1), OP.i32Shl, ...i32(2), OP.i32Add,
  ...get(ROW[c] as number), ...get(FB), ...get(IDX[c] as number), ...i32(2), OP.i32Shl, OP.i32Add, OP.i32Load, 2, 0, ...i32(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0,
  ...get(TB), ...get(IDX[c] as number), ...i32(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0,
  OP.f64Le,
  OP.i32Sub, ...set(IDX[c] as number),
];

const body: number[] = [
  ...get(WIDTH), ...i32(3), OP.i32Shl, ...set(ROW_BYTES),
  ...i32(0), ...set(R),
  OP.block, OP.void,
  OP.loop, OP.void,
  ...get(R), ...get(N), OP.i32GeU, OP.brIf, 1,
  ...get(ROWS), ...get(R), ...get(ROW_BYTES), OP.i32Mul, OP.i32Add, ...tee(ROW[0] as number),
  ...get(ROW_BYTES), OP.i32Add, ...tee(ROW[1] as number),
  ...get(ROW_BYTES), OP.i32Add, ...tee(ROW[2] as number),
  ...get(ROW_BYTES), OP.i32Add, ...set(ROW[3] as number),
  ...CHAINS.flatMap((c) => [...zero64(), ...set(SUM[c] as number)]),
  ...get(FEATURE), ...set(FB),
  ...get(THRESHOLD), ...set(TB),
  ...get(LEAVES), ...get(SPLITS), ...i32(3), OP.i32Shl, OP.i32Sub, ...set(LB),
  ...i32(0), ...set(K),
  OP.block, OP.void,
  OP.loop, OP.void,
  ...get(K), ...get(TREES), OP.i32GeU, OP.brIf, 1,
  ...CHAINS.flatMap((c) => [...i32(0), ...set(IDX[c] as number)]),
  ...i32(0), ...set(D),
  OP.loop, OP.void,
  ...CHAINS.flatMap(step),
  ...get(D), ...i32(1), OP.i32Add, ...tee(D), ...get(DEPTH), OP.i32LtU, OP.brIf, 0,
  OP.end,
  ...CHAINS.flatMap((c) => [...get(SUM[c] as number), ...get(LB), ...get(IDX[c] as number), ...i32(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0, OP.f64Add, ...set(SUM[c] as number)]),
  ...get(FB), ...get(SPLITS), ...i32(2), OP.i32Shl, OP.i32Add, ...set(FB),
  ...get(TB), ...get(SPLITS), ...i32(3), OP.i32Shl, OP.i32Add, ...set(TB),
  ...get(LB), ...get(SPLITS), ...i32(1), OP.i32Add, ...i32(3), OP.i32Shl, OP.i32Add, ...set(LB),
  ...get(K), ...i32(1), OP.i32Add, ...set(K),
  OP.br, 0,
  OP.end,
  OP.end,
  ...CHAINS.flatMap((c) => [...get(OUT), ...get(R), ...i32(c), OP.i32Add, ...i32(3), OP.i32Shl, OP.i32Add, ...get(SUM[c] as number), OP.f64Store, 3, 0]),
  ...get(R), ...i32(4), OP.i32Add, ...set(R),
  OP.br, 0,
  OP.end,
  OP.end,
];

const MODULE = kernelModule('scores', 10, I32_LOCALS, F64_LOCALS, body);

/** A complete-layout forest copied into its own kernel instance's memory, ready to score rows. */
export class ForestKernel {
  private readonly scores: (feature: number, threshold: number, leaves: number, trees: number, depth: number, splits: number, rows: number, n: number, width: number, out: number) => void;
  private readonly mem: KernelMemory;
  private readonly splits: number;
  // Byte offsets of the forest's arrays, and of where rows go (after them, 8-byte aligned).
  private readonly thresholdAt: number;
  private readonly leavesAt: number;
  private readonly rowsAt: number;
  constructor(
    private readonly trees: number,
    private readonly depth: number,
    feature: Int32Array,
    threshold: Float64Array,
    leaves: Float64Array,
  ) {
    const instance = new WebAssembly.Instance(MODULE);
    this.scores = instance.exports.scores as ForestKernel['scores'];
    this.mem = new KernelMemory(instance.exports.memory as WebAssembly.Memory);
    this.splits = 2 ** depth - 1;
    this.thresholdAt = Math.ceil((feature.length * 4) / 8) * 8;
    this.leavesAt = this.thresholdAt + threshold.length * 8;
    this.rowsAt = this.leavesAt + leaves.length * 8;
    this.mem.ensure(this.rowsAt);
    this.mem.i32.set(feature, 0);
    this.mem.f64.set(threshold, this.thresholdAt / 8);
    this.mem.f64.set(leaves, this.leavesAt / 8);
  }

  /** Scores of every row of a row-major matrix of `width` columns. */
  score(rows: Float64Array, width: number): Float64Array {
    const n = rows.length / width;
    const out = new Float64Array(n);
    if (n === 0) return out;
    const n4 = Math.ceil(n / 4) * 4;
    const outAt = this.rowsAt + n4 * width * 8;
    this.mem.ensure(outAt + n4 * 8);
    const { f64 } = this.mem;
    f64.set(rows, this.rowsAt / 8);
    // Padding rows (zeros) only make scores that are not read.
    f64.fill(0, this.rowsAt / 8 + rows.length, this.rowsAt / 8 + n4 * width);
    this.scores(0, this.thresholdAt, this.leavesAt, this.trees, this.depth, this.splits, this.rowsAt, n4, width, outAt);
    out.set(this.mem.f64.subarray(outAt / 8, outAt / 8 + n));
    return out;
  }
}
