import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { forestScores, packForest, packedForestScores, type Forest } from '../../src/answer/forest.js';
import { modelFileSchema } from '../../src/answer/model.js';
import { PAIR_FEATURES } from '../../src/answer/features.js';

const file = modelFileSchema.parse(JSON.parse(readFileSync('models/answerer.json', 'utf8')));

/** The committed ranker as a Forest (what training makes). */
function committedForest(): Forest {
  if (file.ranker.kind !== 'forest') throw new Error('the committed ranker is not a forest');
  return { trees: file.ranker.trees.map((t) => ({ feature: Int32Array.from(t.feature), threshold: Float64Array.from(t.threshold), left: Int32Array.from(t.left), right: Int32Array.from(t.right), value: Float64Array.from(t.value) })) };
}

/** Rows whose values sit on, just under and just over the forest's own thresholds (every branch taken). */
function rowsAround(forest: Forest, width: number, count: number): Float64Array {
  const thresholds = forest.trees.flatMap((t) => [...t.threshold]);
  const rows = new Float64Array(count * width);
  let seed = 7;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < rows.length; i++) {
    const t = thresholds[Math.floor(next() * thresholds.length)] as number;
    rows[i] = [t, t - 1e-9, t + 1e-9, 0, Number.NaN][Math.floor(next() * 5)] as number;
  }
  return rows;
}

describe('packedForestScores', () => {
  it('scores every row exactly as forestScores does, to the bit', () => {
    const forest = committedForest();
    const width = PAIR_FEATURES.length;
    const rows = rowsAround(forest, width, 200);
    const expected = forestScores(forest, rows, width);
    const packed = packedForestScores(packForest(forest), rows, width);
    expect(packed.length).toBe(200);
    expect([...packed]).toEqual([...expected]);
    expect(new Set(expected).size).toBeGreaterThan(50);
  });

  it('scores no rows as none', () => {
    expect(packedForestScores(packForest(committedForest()), new Float64Array(0), PAIR_FEATURES.length)).toHaveLength(0);
  });
});
