/**
 * Long synchronous computations (building the lexical index of a large generation, checking
 * its stores) written once as generators that `yield` at safe points, and run either to
 * completion at once (`runNow`: CLIs, tests, start-up) or in time slices that give the event
 * loop back between them (`runSliced`: a serving process swapping in a new generation, where
 * /health and /ask must keep answering meanwhile).
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** Work that yields (nothing) whenever it is safe to pause, and returns T. */
export type Steps<T> = Generator<void, T, void>;

/** Default slice: short enough that a request arriving meanwhile waits at most this long. */
export const SLICE_MS = 8;

export function runNow<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runSliced<T>(steps: Steps<T>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await nextMacrotask();
      sliceStart = performance.now();
    }
  }
}

/** `fn` over `items`, pausing (yield) every `every` items. */
export function* eachWithPauses<T>(items: Iterable<T>, fn: (item: T, i: number) => void, every = 64): Steps<void> {
  let i = 0;
  for (const item of items) {
    fn(item, i);
    if (++i % every === 0) yield;
  }
}
