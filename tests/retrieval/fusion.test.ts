import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from '../../src/retrieval/fusion.js';

describe('reciprocalRankFusion', () => {
  it('scores each id by weight / (k + rank), summed over lists', () => {
    const fused = reciprocalRankFusion(
      [
        { ids: [3, 1, 2], weight: 1 },
        { ids: [1, 4], weight: 1 },
      ],
      60,
    );
    const byId = new Map(fused.map((f) => [f.id, f]));
    expect(byId.get(1)?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(byId.get(3)?.score).toBeCloseTo(1 / 61, 12);
    expect(byId.get(4)?.score).toBeCloseTo(1 / 62, 12);
    expect(byId.get(2)?.score).toBeCloseTo(1 / 63, 12);
    expect(fused.map((f) => f.id)).toEqual([1, 3, 4, 2]);
  });

  it('reports 1-based ranks per list, null when absent', () => {
    const fused = reciprocalRankFusion([
      { ids: [3, 1, 2], weight: 1 },
      { ids: [1, 4], weight: 1 },
    ]);
    const ranks = Object.fromEntries(fused.map((f) => [f.id, f.ranks]));
    expect(ranks).toEqual({ 1: [2, 1], 2: [3, null], 3: [1, null], 4: [null, 2] });
  });

  it('an item in both lists beats one in a single list at equal ranks', () => {
    const fused = reciprocalRankFusion([
      { ids: [7, 8], weight: 1 },
      { ids: [9, 8], weight: 1 },
    ]);
    // 7 and 9 are first in one list each; 8 is second in both.
    expect(fused[0]?.id).toBe(8);
    expect(fused.slice(1).map((f) => f.id)).toEqual([7, 9]);
    // At equal ranks in both lists, both-list membership wins over a single list.
    const tie = reciprocalRankFusion([
      { ids: [1, 2], weight: 1 },
      { ids: [2, 3], weight: 1 },
    ]);
    expect(tie.find((f) => f.id === 2)!.score).toBeGreaterThan(tie.find((f) => f.id === 1)!.score);
  });

  it('weights change the order', () => {
    const lists = (wa: number, wb: number) => [
      { ids: [1], weight: wa },
      { ids: [2], weight: wb },
    ];
    expect(reciprocalRankFusion(lists(1, 1)).map((f) => f.id)).toEqual([1, 2]); // tie goes to the lower id
    expect(reciprocalRankFusion(lists(1, 2)).map((f) => f.id)).toEqual([2, 1]);
    expect(reciprocalRankFusion(lists(3, 2)).map((f) => f.id)).toEqual([1, 2]);
  });

  it('a smaller k favours top ranks more', () => {
    const lists = [
      { ids: [1, 2, 3, 4, 5], weight: 1 },
      { ids: [5, 4, 3, 2, 6], weight: 1 },
    ];
    const ratio = (k: number): number => {
      const f = reciprocalRankFusion(lists, k);
      return f.find((x) => x.id === 1)!.score / f.find((x) => x.id === 6)!.score;
    };
    expect(ratio(1)).toBeGreaterThan(ratio(60));
  });

  it('is empty for empty lists', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([{ ids: [], weight: 1 }])).toEqual([]);
  });
});
