/**
 * A minimal WebAssembly encoder for the answerer's hand-written kernels (cosine-kernel.ts,
 * forest-kernel.ts): a module of one exported function over its own exported memory, its
 * body given as opcodes (https://webassembly.github.io/spec/core/binary/). No toolchain, so the
 * kernels are read and changed here, in their text-format listings next to the code.
 */

// The opcodes the kernels use.
export const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  f64Const: 0x44,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  f64Le: 0x65,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f64Add: 0xa0,
  f64Mul: 0xa2,
  f64PromoteF32: 0xbb,
  void: 0x40,
  i32: 0x7f,
  f64: 0x7c,
} as const;

export const get = (x: number): number[] => [OP.localGet, x];
export const set = (x: number): number[] => [OP.localSet, x];
export const tee = (x: number): number[] => [OP.localTee, x];
/** An i32 constant (signed LEB128). */
export const i32 = (v: number): number[] => [OP.i32Const, ...sleb(v)];
export const zero64 = (): number[] => [OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const section = (id: number, contents: number[]): number[] => [id, ...uleb(contents.length), ...contents];
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * A module exporting `memory` (at least one page) and one function `name` of `params` i32
 * parameters and no results, with `i32Locals` then `f64Locals` locals (indices after the
 * parameters), whose body is `body` (without the final `end`).
 */
export function kernelModule(fn: string, params: number, i32Locals: number, f64Locals: number, body: readonly number[]): WebAssembly.Module {
  const code = [2, ...uleb(i32Locals), OP.i32, ...uleb(f64Locals), OP.f64, ...body, OP.end];
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [1, 0x60, ...uleb(params), ...new Array<number>(params).fill(OP.i32), 0]), // type 0: (i32 × params) -> ()
    ...section(3, [1, 0]), // one function, of type 0
    ...section(5, [1, 0x00, 1]), // one memory: at least 1 page, no maximum
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name(fn), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
  return new WebAssembly.Module(bytes);
}

/** A kernel instance's memory, with views replaced when it grows (growing detaches the old ones). */
export class KernelMemory {
  f32: Float32Array;
  i32: Int32Array;
  f64: Float64Array;
  constructor(readonly memory: WebAssembly.Memory) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
  }
  /** Makes the memory at least `bytes` long. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.f64 = new Float64Array(this.memory.buffer);
  }
}
