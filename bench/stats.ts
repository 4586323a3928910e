/**
 * Small statistics and formatting helpers for the benchmark: percentiles (linear
 * interpolation), a summary of repeated runs (median with min–max and p5–p95), and
 * human-readable numbers.
 */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p5: number;
  readonly p95: number;
  readonly mean: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of `sorted` (ascending), linearly interpolated. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function quantile(values: readonly number[], q: number): number {
  return quantileSorted([...values].sort((a, b) => a - b), q);
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantileSorted(s, 0.5),
    min: s[0] ?? Number.NaN,
    max: s.at(-1) ?? Number.NaN,
    p5: quantileSorted(s, 0.05),
    p95: quantileSorted(s, 0.95),
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN,
  };
}

/** Latency percentiles over a pooled sample set (ms). */
export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

export function latency(values: readonly number[]): Latency {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: quantileSorted(s, 0.5),
    p95: quantileSorted(s, 0.95),
    p99: quantileSorted(s, 0.99),
    max: s.at(-1) ?? Number.NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN,
  };
}

/** A number with about 3 significant digits (integers above 100 unchanged, with thousands separators). */
export function fmt(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  const s = a >= 100 ? Math.round(x).toLocaleString('en-US') : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  return unit ? `${s} ${unit}` : s;
}

export const mib = (bytes: number): number => bytes / 2 ** 20;

/** "median (min–max)" for a summary. */
export function medRange(s: Summary, unit = ''): string {
  if (s.n <= 1) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})`;
}
