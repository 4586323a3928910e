/**
 * What a stored embedding must be: `dimensions` finite numbers of unit length (every vector
 * we store is normalised when it is made). A row that is not (NaN from a damaged file, zeros
 * from a truncated write) is never served and never reused by a later re-index.
 */
import { runNow, type Steps } from '../sliced.js';

/** How far from 1 a stored vector's length may be (float32 rounding is ~1e-7 per component). */
export const UNIT_TOLERANCE = 1e-3;

/** Whether row `i` of `vectors` is `dims` finite numbers of unit length. */
export function isUnitRow(vectors: Float32Array, dims: number, i: number): boolean {
  let sq = 0;
  const end = (i + 1) * dims;
  if (end > vectors.length) return false;
  for (let k = i * dims; k < end; k++) {
    const x = vectors[k] as number;
    if (!Number.isFinite(x)) return false;
    sq += x * x;
  }
  return Math.abs(Math.sqrt(sq) - 1) <= UNIT_TOLERANCE;
}

/** Why `vectors` is not `rows` unit rows of `dims` numbers, or null when it is. */
export function vectorsProblem(vectors: Float32Array, dims: number, rows: number): string | null {
  return runNow(vectorsProblemSteps(vectors, dims, rows));
}

/** vectorsProblem, pausing every few thousand rows (see sliced.ts). */
export function* vectorsProblemSteps(vectors: Float32Array, dims: number, rows: number): Steps<string | null> {
  if (vectors.length !== rows * dims) return `holds ${vectors.length} numbers, expected ${rows} vectors of ${dims}`;
  for (let i = 0; i < rows; i++) {
    if (!isUnitRow(vectors, dims, i)) return `vector ${i} is not finite and of unit length`;
    if (i % 4096 === 4095) yield;
  }
  return null;
}

/**
 * An embedding as returned by a model, checked and normalised for storing: null when it has
 * the wrong size, a non-finite component or no length (nothing sensible can be stored for it).
 */
export function unitVector(v: ArrayLike<number>, dims: number): Float32Array | null {
  if (v.length !== dims) return null;
  let sq = 0;
  for (let k = 0; k < dims; k++) {
    const x = v[k] as number;
    if (!Number.isFinite(x)) return null;
    sq += x * x;
  }
  const norm = Math.sqrt(sq);
  if (!(norm > 1e-12) || !Number.isFinite(norm)) return null;
  const out = new Float32Array(dims);
  for (let k = 0; k < dims; k++) out[k] = (v[k] as number) / norm;
  return out;
}

/**
 * The bytes' own ArrayBuffer when they span all of it (a large file just read: tens of MiB at
 * scale, not worth a second copy), else a copy of them. The caller takes the bytes over.
 */
export function ownedBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}
