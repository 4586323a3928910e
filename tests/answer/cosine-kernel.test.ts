import { describe, expect, it } from 'vitest';
import { cosinesWasm } from '../../src/answer/cosine-kernel.js';
import { prng } from '../hardening/lib.js';

/** The JavaScript reference: the float64 sum of float64 products, from 0, in index order. */
function reference(lemmas: readonly Float32Array[], terms: readonly Float32Array[]): number[] {
  const out: number[] = [];
  for (const l of lemmas)
    for (const t of terms) {
      let s = 0;
      for (let i = 0; i < t.length; i++) s += (t[i] as number) * (l[i] as number);
      out.push(s);
    }
  return out;
}

const vectors = (rnd: () => number, count: number, n: number): Float32Array[] => Array.from({ length: count }, () => Float32Array.from({ length: n }, () => rnd() * 2 - 1));

describe('cosinesWasm', () => {
  it('gives the bits of the JavaScript sums, for odd and even numbers of terms, lemmas and dimensions', () => {
    const rnd = prng(3);
    for (const n of [1, 3, 100])
      for (const width of [1, 2, 3])
        for (const count of [1, 4, 5]) {
          const terms = vectors(rnd, width, n);
          const lemmas = vectors(rnd, count, n);
          // Written at an offset, as pairFeatures writes several sentences into one array.
          const out = new Float64Array(7 + count * width).fill(-1);
          cosinesWasm(lemmas, terms, n, out, 7);
          expect([...out.subarray(0, 7)]).toEqual(new Array(7).fill(-1));
          expect([...out.subarray(7)], `n=${n} width=${width} count=${count}`).toEqual(reference(lemmas, terms));
        }
  });

  it('grows its memory for more vectors than fit, and is right before and after', () => {
    const rnd = prng(4);
    const terms = vectors(rnd, 3, 100);
    const small = vectors(rnd, 2, 100);
    const large = vectors(rnd, 3001, 100); // 1.2 MB of vectors: several pages more
    for (const lemmas of [small, large, small]) {
      const out = new Float64Array(lemmas.length * 3);
      cosinesWasm(lemmas, terms, 100, out, 0);
      expect([...out]).toEqual(reference(lemmas, terms));
    }
  });
});
