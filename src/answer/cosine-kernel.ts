/**
 * The word-vector cosines of a question's terms with the lemmas of its candidate sentences,
 * the answerer's largest piece of arithmetic (a few terms × hundreds of lemmas × 100
 * dimensions per question), as a small WebAssembly function. In JavaScript every read of a
 * typed array inside the loop re-checks the array's map, detachment and bounds (about ten
 * instructions a read, more than the arithmetic); WebAssembly memory needs none of that.
 *
 * The results have the bits the JavaScript loop gave: each cosine is the float64 sum, from 0
 * and in index order, of float64 products of the float32 components (a float32 widens to
 * float64 exactly, and WebAssembly's f64 arithmetic is IEEE 754, as JavaScript's is). Only the
 * interleaving of independent sums differs, never the order within one.
 *
 * The function, in the WebAssembly text format (byte offsets into its memory; `width` and
 * `count` are even, the caller pads with zero vectors; n > 0):
 *
 *   (func (export "cosines") (param $terms i32) (param $width i32) (param $lemmas i32)
 *                            (param $count i32) (param $n i32) (param $out i32)
 *     ;; out[l * width + j] (f64) = Σ_i f64(terms[j][i]) * f64(lemmas[l][i]), vectors of n f32
 *     row := n * 4
 *     for (l = 0; l < count; l += 2)
 *       x0 := lemmas + l * row;  x1 := x0 + row
 *       for (j = 0; j < width; j += 2)
 *         ta := terms + j * row;  tb := ta + row
 *         a0 = a1 = b0 = b1 = 0.0
 *         i = 0
 *         do
 *           t := f64(ta[i]);  v := f64(tb[i]);  u := f64(x0[i]);  w := f64(x1[i])
 *           a0 = a0 + t * u;  a1 = a1 + t * w;  b0 = b0 + v * u;  b1 = b1 + v * w
 *           i += 4
 *         while (i < row)
 *         o := out + (l * width + j) * 8
 *         store o a0;  store o+8 b0;  store o+width*8 a1;  store o+width*8+8 b1
 *
 * Two lemmas against two terms at a time: four independent sums the CPU overlaps.
 */

import { get, i32, kernelModule, KernelMemory, OP, set, zero64 } from './wasm.js';

// Parameters and locals, by index.
const TERMS = 0;
const WIDTH = 1;
const LEMMAS = 2;
const COUNT = 3;
const N = 4;
const OUT = 5;
const L = 6;
const J = 7;
const I = 8;
const X0 = 9;
const X1 = 10;
const TA = 11;
const TB = 12;
const ROW = 13;
const O = 14;
const I32_LOCALS = 9; // L .. O
const A0 = 15;
const A1 = 16;
const B0 = 17;
const B1 = 18;
const T = 19;
const V = 20;
const U = 21;
const W = 22;
const F64_LOCALS = 8; // A0 .. W

/** f64(f32 at base + i). */
const widened = (base: number): number[] => [...get(base), ...get(I), OP.i32Add, OP.f32Load, 2, 0, OP.f64PromoteF32];
/** acc = acc + x * y. */
const mulAdd = (acc: number, x: number, y: number): number[] => [...get(acc), ...get(x), ...get(y), OP.f64Mul, OP.f64Add, ...set(acc)];
/** store f64 at (o + offset). */
const store = (base: number[], offset: number, value: number): number[] => [...base, ...get(value), OP.f64Store, 3, offset];

const body: number[] = [
  ...get(N), ...i32(4), OP.i32Mul, ...set(ROW),
  ...i32(0), ...set(L),
  OP.block, OP.void,
  OP.loop, OP.void,
  ...get(L), ...get(COUNT), OP.i32GeU, OP.brIf, 1,
  ...get(LEMMAS), ...get(L), ...get(ROW), OP.i32Mul, OP.i32Add, OP.localTee, X0, ...get(ROW), OP.i32Add, ...set(X1),
  ...i32(0), ...set(J),
  OP.block, OP.void,
  OP.loop, OP.void,
  ...get(J), ...get(WIDTH), OP.i32GeU, OP.brIf, 1,
  ...get(TERMS), ...get(J), ...get(ROW), OP.i32Mul, OP.i32Add, OP.localTee, TA, ...get(ROW), OP.i32Add, ...set(TB),
  ...zero64(), ...set(A0), ...zero64(), ...set(A1), ...zero64(), ...set(B0), ...zero64(), ...set(B1),
  ...i32(0), ...set(I),
  OP.loop, OP.void,
  ...widened(TA), ...set(T), ...widened(TB), ...set(V), ...widened(X0), ...set(U), ...widened(X1), ...set(W),
  ...mulAdd(A0, T, U), ...mulAdd(A1, T, W), ...mulAdd(B0, V, U), ...mulAdd(B1, V, W),
  ...get(I), ...i32(4), OP.i32Add, OP.localTee, I, ...get(ROW), OP.i32LtU, OP.brIf, 0,
  OP.end,
  ...get(OUT), ...get(L), ...get(WIDTH), OP.i32Mul, ...get(J), OP.i32Add, ...i32(8), OP.i32Mul, OP.i32Add, ...set(O),
  ...store(get(O), 0, A0),
  ...store(get(O), 8, B0),
  ...store([...get(O), ...get(WIDTH), ...i32(8), OP.i32Mul, OP.i32Add], 0, A1),
  ...store([...get(O), ...get(WIDTH), ...i32(8), OP.i32Mul, OP.i32Add], 8, B1),
  ...get(J), ...i32(2), OP.i32Add, ...set(J),
  OP.br, 0,
  OP.end,
  OP.end,
  ...get(L), ...i32(2), OP.i32Add, ...set(L),
  OP.br, 0,
  OP.end,
  OP.end,
];

const instance = new WebAssembly.Instance(kernelModule('cosines', 6, I32_LOCALS, F64_LOCALS, body));
const cosines = instance.exports.cosines as (terms: number, width: number, lemmas: number, count: number, n: number, out: number) => void;
const mem = new KernelMemory(instance.exports.memory as WebAssembly.Memory);

/**
 * out[at + l * terms.length + t] = Σ_i terms[t][i] * lemmas[l][i], summed from 0 in index
 * order in float64, for vectors of one length n > 0 (the caller checks).
 */
export function cosinesWasm(lemmas: readonly Float32Array[], terms: readonly Float32Array[], n: number, out: Float64Array, at: number): void {
  const width = terms.length;
  const count = lemmas.length;
  if (width === 0 || count === 0) return;
  const width2 = width + (width & 1);
  const count2 = count + (count & 1);
  // Layout (in float32 slots): the terms, a zero term when their number is odd, the lemmas, a
  // zero lemma likewise, then the float64 results (8-byte aligned).
  const lemmaAt = width2 * n;
  const outAt = Math.ceil(((lemmaAt + count2 * n) * 4) / 8); // in float64 slots
  mem.ensure((outAt + count2 * width2) * 8);
  const { f32 } = mem;
  for (let j = 0; j < width; j++) f32.set(terms[j] as Float32Array, j * n);
  if (width & 1) f32.fill(0, width * n, width2 * n);
  for (let l = 0; l < count; l++) f32.set(lemmas[l] as Float32Array, lemmaAt + l * n);
  if (count & 1) f32.fill(0, lemmaAt + count * n, lemmaAt + count2 * n);
  cosines(0, width2, lemmaAt * 4, count2, n, outAt * 8);
  const { f64 } = mem;
  for (let l = 0; l < count; l++) {
    const from = outAt + l * width2;
    const to = at + l * width;
    for (let j = 0; j < width; j++) out[to + j] = f64[from + j] as number;
  }
}
