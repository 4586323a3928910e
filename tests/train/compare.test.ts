import { describe, expect, it } from 'vitest';
import { compareHeldOut, type HeldOutLine } from '../../src/train/compare.js';
import { seededRandom } from '../../src/train/random.js';

const line = (over: Partial<HeldOutLine> & Pick<HeldOutLine, 'id' | 'p'>): HeldOutLine => ({ corpus: 'one:A', fold: 'A', kind: 'one-document', role: 'answerable', made: false, bankLevel: null, fact: false, ...over });

describe('compareHeldOut', () => {
  const lines: HeldOutLine[] = [
    line({ id: 'a1', p: 0.9, fact: true }),
    line({ id: 'a2', p: 0.1 }),
    line({ id: 'o1', role: 'offtopic', p: 0.1 }),
    // Over the model's threshold, under the corpus's bank level: refused.
    line({ id: 'o2', role: 'offtopic', p: 0.4, bankLevel: 0.5 }),
    line({ id: 'h1', corpus: 'heihe', kind: 'heihe', p: 0.8 }),
    line({ id: 'h2', corpus: 'heihe', kind: 'heihe', role: 'offtopic', p: 0.05 }),
    // Written by people, answered: wrong. A made one and an adversarial one do not count.
    line({ id: 'h3', corpus: 'heihe', kind: 'heihe', role: 'unanswerable', p: 0.6 }),
    line({ id: 'h4', corpus: 'heihe', kind: 'heihe', role: 'unanswerable', made: true, p: 0.9 }),
    line({ id: 'h5', corpus: 'heihe', kind: 'heihe', role: 'adversarial', p: 0.9 }),
  ];

  it('scores the criterion: per kind the mean of answered, off-topic refused and own unanswerables refused, then the mean of kinds', () => {
    const c = compareHeldOut({ lines, threshold: 0.3 }, { lines, threshold: 0.3 }, 200);
    // one article: (1/2 + 2/2) / 2; Heihe: (1 + 1 + 0) / 3.
    expect(c.criterion.base).toBeCloseTo((0.75 + 2 / 3) / 2, 10);
    // Fact recall: one article 1 of 2, Heihe 0 of 1.
    expect(c.factRecall.base).toBeCloseTo(0.25, 10);
    expect(c.cells.find((x) => x.cell === 'heihe/own')).toMatchObject({ base: 0, questions: 1 });
  });

  it('counts a question once per fold that held it out (a group corpus is asked again in each of its articles\' folds)', () => {
    const asked = [line({ id: 'g1', corpus: 'group:0', kind: 'group', role: 'offtopic', fold: 'A', p: 0.1 }), line({ id: 'g1', corpus: 'group:0', kind: 'group', role: 'offtopic', fold: 'B', p: 0.9 })];
    const c = compareHeldOut({ lines: asked, threshold: 0.3 }, { lines: asked, threshold: 0.3 }, 10);
    expect(c.cells).toEqual([{ cell: 'group/offtopic', base: 0.5, other: 0.5, questions: 2 }]);
  });

  it('finds no difference between a variant and itself, in any resample', () => {
    const c = compareHeldOut({ lines, threshold: 0.3 }, { lines, threshold: 0.3 }, 200);
    for (const figure of [c.criterion, c.factRecall]) {
      expect(figure.difference).toBe(0);
      expect(figure.interval).toEqual([0, 0]);
      expect(figure.otherBetter).toBe(0);
    }
  });

  it('pairs the questions: a variant right on many more of them has an interval clear of zero', () => {
    const many = (p: number): HeldOutLine[] => Array.from({ length: 200 }, (_v, i) => line({ id: `q${i}`, p: i % 4 === 0 ? 0.9 : p }));
    const offtopic = Array.from({ length: 50 }, (_v, i) => line({ id: `o${i}`, role: 'offtopic', p: 0.1 }));
    const c = compareHeldOut({ lines: [...many(0.2), ...offtopic], threshold: 0.3 }, { lines: [...many(0.5), ...offtopic], threshold: 0.3 }, 500);
    expect(c.criterion.difference).toBeCloseTo(0.375, 10);
    expect(c.criterion.interval[0]).toBeGreaterThan(0.3);
    expect(c.criterion.otherBetter).toBe(1);
    // No answer held its facts in either: no difference there.
    expect(c.factRecall.difference).toBe(0);
  });

  it('is the same for the same seed', () => {
    const other = lines.map((l) => (l.id === 'a2' ? { ...l, p: 0.5 } : l));
    const run = (): unknown => compareHeldOut({ lines, threshold: 0.3 }, { lines: other, threshold: 0.3 }, 300, 7);
    expect(run()).toEqual(run());
    const r = seededRandom(3);
    const draws = Array.from({ length: 1000 }, r);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
  });
});
