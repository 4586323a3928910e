/**
 * Generators as sliceable work: runNow and runSliced give the same result, and runSliced
 * lets the event loop run other callbacks (requests, in a server) before the work is done.
 */
import { expect, test } from 'vitest';
import { runNow, runSliced, type Steps } from '../src/sliced.js';
import { bm25Steps, buildBm25 } from '../src/retrieval/bm25.js';

function* busy(rounds: number): Steps<number> {
  let sum = 0;
  for (let r = 0; r < rounds; r++) {
    const until = performance.now() + 2;
    while (performance.now() < until) sum++;
    yield;
  }
  return rounds;
}

test('runSliced gives the event loop back between slices; runNow runs to the end at once', async () => {
  let ran = false;
  setImmediate(() => (ran = true));
  expect(runNow(busy(10))).toBe(10);
  expect(ran).toBe(false); // nothing else ran meanwhile
  let during = false;
  setImmediate(() => (during = true));
  const sliced = runSliced(busy(20), 4);
  expect(await sliced).toBe(20);
  expect(during).toBe(true);
});

test('BM25 built in slices equals BM25 built at once', async () => {
  const texts = Array.from({ length: 300 }, (_, i) => `Passage ${i} about the Amur river, the ferry and winter number ${i % 7}.`);
  const now = buildBm25(texts);
  const sliced = await runSliced(bm25Steps(texts), 0);
  for (const q of ['amur ferry', 'winter number 3', 'passage 17']) expect(sliced.search(q, 10)).toEqual(now.search(q, 10));
  expect(sliced.docCount).toBe(now.docCount);
});
