import { describe, expect, it } from 'vitest';
import { fitLogistic, lbfgs, linearScores, standardisation } from '../../src/train/fit.js';
import { fitBoostedLogistic, fitBoostedRanker } from '../../src/train/boost.js';
import { forestScores } from '../../src/answer/forest.js';
import { prng } from '../hardening/lib.js';

const random = prng;

describe('lbfgs', () => {
  it('finds the minimum of a convex quadratic', () => {
    const target = [3, -2, 0.5];
    const w = lbfgs((x, g) => {
      let f = 0;
      x.forEach((v, i) => {
        const d = v - (target[i] as number);
        f += (i + 1) * d * d;
        g[i] = 2 * (i + 1) * d;
      });
      return f;
    }, new Float64Array(3));
    for (let i = 0; i < 3; i++) expect(w[i]).toBeCloseTo(target[i] as number, 5);
  });
});

describe('fitLogistic', () => {
  it('recovers the direction of the true weights from sampled labels', () => {
    const rnd = random(7);
    const n = 4000;
    const rows = new Float64Array(n * 2);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rnd() * 4 - 2;
      const b = rnd() * 4 - 2;
      rows[i * 2] = a;
      rows[i * 2 + 1] = b;
      labels[i] = rnd() < 1 / (1 + Math.exp(-(2 * a - b + 0.5))) ? 1 : 0;
    }
    const st = standardisation([rows], 2);
    const { weights, bias } = fitLogistic(rows, labels, new Float64Array(n).fill(1), 2, 1e-4, st);
    const raw = [(weights[0] as number) / (st.scale[0] as number), (weights[1] as number) / (st.scale[1] as number)];
    expect(raw[0]).toBeGreaterThan(1.6);
    expect(raw[0]).toBeLessThan(2.4);
    expect(raw[1]).toBeLessThan(-0.7);
    expect(raw[1]).toBeGreaterThan(-1.3);
    const p = linearScores(Float64Array.from([1, 0]), 2, weights, st, bias)[0] as number;
    expect(1 / (1 + Math.exp(-p))).toBeGreaterThan(0.85);
  });
});

describe('fitLogistic with weight signs', () => {
  // Two nearly collinear features (b = a + noise); each test draws labels from its own true
  // log-odds. Where the truth gives b a negative weight, a fit that keeps b's weight ≥ 0
  // presses it to zero instead.
  const sample = (truth: (a: number, b: number) => number) => {
    const rnd = random(11);
    const n = 3000;
    const rows = new Float64Array(n * 2);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rnd() * 4 - 2;
      const b = a + (rnd() - 0.5) * 0.5;
      rows[i * 2] = a;
      rows[i * 2 + 1] = b;
      labels[i] = rnd() < 1 / (1 + Math.exp(-truth(a, b))) ? 1 : 0;
    }
    return { rows, labels, weights: new Float64Array(n).fill(1), st: standardisation([rows], 2) };
  };

  it('keeps a weight on the side its sign allows, where the free fit crosses zero', () => {
    const { rows, labels, weights, st } = sample((a, b) => 3 * a - 1.5 * b);
    const free = fitLogistic(rows, labels, weights, 2, 1e-4, st);
    expect(free.weights[1]).toBeLessThan(-0.5);
    const signed = fitLogistic(rows, labels, weights, 2, 1e-4, st, [1, 1]);
    expect(signed.weights[1]).toBeGreaterThanOrEqual(0);
    expect(signed.weights[1]).toBeLessThan(0.05);
    expect(signed.weights[0]).toBeGreaterThan(0);
  });

  it('fits as the free fit does when the signs hold anyway', () => {
    const { rows, labels, weights, st } = sample((a) => 2 * a - 0.5);
    const free = fitLogistic(rows, labels, weights, 2, 1e-3, st);
    const signed = fitLogistic(rows, labels, weights, 2, 1e-3, st, [1, 0]);
    expect(signed.weights[0]).toBeCloseTo(free.weights[0] as number, 2);
    expect(signed.weights[1]).toBeCloseTo(free.weights[1] as number, 2);
    expect(signed.bias).toBeCloseTo(free.bias, 2);
  });

  it('a negative sign keeps a weight at or below zero', () => {
    const { rows, labels, weights, st } = sample((a) => 2 * a);
    const signed = fitLogistic(rows, labels, weights, 2, 1e-4, st, [-1, 0]);
    expect(signed.weights[0]).toBeLessThanOrEqual(0);
    // The free feature takes over what the first cannot carry (they are nearly the same).
    expect(signed.weights[1]).toBeGreaterThan(1);
  });
});

describe('fitBoostedRanker', () => {
  it('learns an interaction a linear ranker cannot: the right candidate has feature 0 high only when feature 1 is on', () => {
    const rnd = random(11);
    const groups = Array.from({ length: 300 }, () => {
      const n = 6;
      const rows = new Float64Array(n * 3);
      const labels = new Uint8Array(n);
      const right = Math.floor(rnd() * n);
      const gate = rnd() < 0.5 ? 1 : 0;
      // With the gate on, the answer has the largest feature 0 and feature 2 is noise up to 2;
      // with it off, the other way round. No weighted sum of features 0 and 2 ranks both right.
      for (let i = 0; i < n; i++) {
        rows[i * 3] = gate ? rnd() : 2 * rnd();
        rows[i * 3 + 1] = gate;
        rows[i * 3 + 2] = gate ? 2 * rnd() : rnd();
      }
      rows[right * 3 + (gate ? 0 : 2)] = 1.5;
      labels[right] = 1;
      return { rows, labels, weight: 1 };
    });
    const forest = fitBoostedRanker(groups.slice(0, 200), 3, { trees: 60, depth: 3, learningRate: 0.3, l2: 1, minHessian: 1, bins: 16 });
    let hits = 0;
    for (const g of groups.slice(200)) {
      const s = forestScores(forest, g.rows, 3);
      const best = [...s.keys()].reduce((a, b) => ((s[b] as number) > (s[a] as number) ? b : a));
      if (g.labels[best]) hits++;
    }
    expect(hits / 100).toBeGreaterThan(0.9);
  });

  it('is deterministic', () => {
    const groups = [{ rows: Float64Array.from([0, 1, 2, 3, 1, 1]), labels: Uint8Array.from([0, 1, 0]), weight: 1 }];
    const params = { trees: 3, depth: 2, learningRate: 0.5, l2: 1, minHessian: 0, bins: 4 };
    expect(fitBoostedRanker(groups, 2, params)).toEqual(fitBoostedRanker(groups, 2, params));
  });

  it('samples questions and features per tree when asked, the same way every time, and still learns', () => {
    const rnd = random(5);
    const groups = Array.from({ length: 200 }, () => {
      const rows = new Float64Array(5 * 2);
      const labels = new Uint8Array(5);
      for (let i = 0; i < 5; i++) [rows[i * 2], rows[i * 2 + 1]] = [rnd(), rnd()];
      const right = Math.floor(rnd() * 5);
      rows[right * 2] = 1.5;
      labels[right] = 1;
      return { rows, labels, weight: 1 };
    });
    const params = { trees: 40, depth: 2, learningRate: 0.3, l2: 1, minHessian: 1, bins: 16 };
    const sampled = { ...params, subsample: 0.5, colsample: 0.5 };
    const forest = fitBoostedRanker(groups, 2, sampled);
    expect(forest).toEqual(fitBoostedRanker(groups, 2, sampled));
    expect(forest).not.toEqual(fitBoostedRanker(groups, 2, params));
    // Some trees could not split on feature 0 at all; the answer is still found.
    expect(forest.trees.some((t) => Array.from(t.feature).every((f) => f !== 0))).toBe(true);
    const hits = groups.filter((g) => {
      const s = forestScores(forest, g.rows, 2);
      return g.labels[[...s.keys()].reduce((a, b) => ((s[b] as number) > (s[a] as number) ? b : a))] === 1;
    }).length;
    expect(hits / groups.length).toBeGreaterThan(0.8); // chance is 0.2
  });
});

describe('fitBoostedRanker with a "no answer" option', () => {
  // Every question has 4 candidates; an answerable one's right candidate has feature 0 at 1
  // and the others near 0, an unanswerable one's are all near 0; feature 1 is noise.
  const rnd = random(3);
  const question = (answerable: boolean) => {
    const rows = new Float64Array(4 * 2);
    const labels = new Uint8Array(4);
    const level = rnd();
    for (let i = 0; i < 4; i++) [rows[i * 2], rows[i * 2 + 1]] = [0.2 * rnd(), level];
    if (answerable) {
      rows[0] = 1;
      labels[0] = 1;
    }
    return { rows, labels, weight: 1 };
  };
  const groups = Array.from({ length: 200 }, (_v, i) => question(i % 2 === 0));
  const params = { trees: 40, depth: 2, learningRate: 0.3, l2: 1, minHessian: 1, bins: 16 };
  const best = (forest: ReturnType<typeof fitBoostedRanker>, g: (typeof groups)[number]): number => Math.max(...forestScores(forest, g.rows, 2));

  it('sets the scale against the option: one candidate, right in answerable questions of weight 1 and the same row in unanswerable ones of weight 1/4, scores log 4', () => {
    // Only the option can give this candidate a level: alone in its softmax it is certain
    // whatever its score. The loss −log σ(s) − ¼ log(1 − σ(s)) is least at σ(s) = 0.8.
    const one = (label: number, weight: number) => ({ rows: Float64Array.from([1, 0]), labels: Uint8Array.from([label]), weight });
    const mixed = [...Array.from({ length: 20 }, () => one(1, 1)), ...Array.from({ length: 20 }, () => one(0, 0.25))];
    const exact = { trees: 200, depth: 1, learningRate: 0.3, l2: 0, minHessian: 0, bins: 4 };
    expect(forestScores(fitBoostedRanker(mixed, 2, { ...exact, noAnswerWeight: 1 }), Float64Array.from([1, 0]), 2)[0]).toBeCloseTo(Math.log(4), 3);
    expect(forestScores(fitBoostedRanker(mixed, 2, exact), Float64Array.from([1, 0]), 2)[0]).toBe(0);
  });

  it('pushes every candidate of a question it cannot answer below the option; without it such a question is not fitted at all', () => {
    const unanswerable = groups.filter((_g, i) => i % 2 === 1);
    const withOption = fitBoostedRanker(unanswerable, 2, { ...params, noAnswerWeight: 1 });
    expect(unanswerable.every((g) => best(withOption, g) < -1)).toBe(true);
    const without = fitBoostedRanker(unanswerable, 2, params);
    expect(unanswerable.every((g) => best(without, g) === 0)).toBe(true);
  });

  it('without it, fits only the answerable questions and leaves the scores free of that scale', () => {
    const answerable = groups.filter((_g, i) => i % 2 === 0);
    expect(fitBoostedRanker(groups, 2, params)).toEqual(fitBoostedRanker(answerable, 2, params));
    expect(fitBoostedRanker(groups, 2, { ...params, noAnswerWeight: 1 })).not.toEqual(fitBoostedRanker(answerable, 2, { ...params, noAnswerWeight: 1 }));
  });
});

describe('fitBoostedLogistic', () => {
  // Labels follow an XOR of two features: no weighted sum separates them, so a linear base
  // (here: zero logits) is left at chance and only the trees can learn them.
  const xorData = (seed: number, n: number): { rows: Float64Array; labels: Float64Array } => {
    const rnd = random(seed);
    const rows = new Float64Array(n * 2);
    const labels = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = rnd();
      const b = rnd();
      rows[i * 2] = a;
      rows[i * 2 + 1] = b;
      labels[i] = a > 0.5 !== b > 0.5 ? 1 : 0;
    }
    return { rows, labels };
  };
  const params = { trees: 60, depth: 2, learningRate: 0.3, l2: 1, minHessian: 5, bins: 32 };
  const accuracy = (logits: ArrayLike<number>, labels: ArrayLike<number>): number => Array.from(logits).filter((x, i) => (x > 0 ? 1 : 0) === labels[i]).length / labels.length;

  it('learns an interaction the linear base cannot, on rows it was not fitted on', () => {
    const train = xorData(5, 2000);
    const test = xorData(6, 1000);
    const forest = fitBoostedLogistic(train.rows, train.labels, new Float64Array(2000).fill(1), new Float64Array(2000), 2, params);
    expect(accuracy(forestScores(forest, test.rows, 2), test.labels)).toBeGreaterThan(0.9);
  });

  it('adds little to a base that already separates the labels', () => {
    const { rows, labels } = xorData(5, 2000);
    const base = Float64Array.from(labels, (y) => (y ? 8 : -8));
    const forest = fitBoostedLogistic(rows, labels, new Float64Array(2000).fill(1), base, 2, params);
    const added = forestScores(forest, rows, 2);
    expect(Math.max(...Array.from(added, Math.abs))).toBeLessThan(0.05);
  });

  it('weighs rows by their weights: labels of weight 0 do not move it', () => {
    const { rows, labels } = xorData(5, 2000);
    // Every second row has its label flipped but weight 0: the fit must still learn the XOR.
    const flipped = labels.map((y, i) => (i % 2 ? 1 - y : y));
    const weights = Float64Array.from(labels, (_y, i) => (i % 2 ? 0 : 1));
    const forest = fitBoostedLogistic(rows, flipped, weights, new Float64Array(2000), 2, params);
    expect(accuracy(forestScores(forest, rows, 2), labels)).toBeGreaterThan(0.9);
  });
});
