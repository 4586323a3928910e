import { describe, expect, it } from 'vitest';
import { fitRankerOn, followUpFigures, rankerKey, rankGroups, setBankLevels, type HeldOut, type TrainInput } from '../../src/train/train.js';
import { PAIR_FEATURES } from '../../src/answer/features.js';
import type { Run } from '../../src/train/dataset.js';

/** A held-out prediction with only what the bank levels read. */
const held = (corpus: string, fold: string, article: string, role: Run['role'], answerable: number, unseenCorpus: boolean): HeldOut =>
  ({ run: { corpus, role, question: { article } } as unknown as Run, fold, order: new Int32Array(0), probs: new Float64Array(0), answerable, unseenCorpus, bankLevel: Number.NaN }) as HeldOut;

describe('setBankLevels', () => {
  it("on a corpus the fold never saw, takes the level from that fold's own scores of the other articles' bank questions there", () => {
    // A group corpus holding articles A and B, left out by folds A and B; bank questions of X and Y on it.
    const runs = [
      held('group', 'A', 'X', 'offtopic', 0.1, true),
      held('group', 'A', 'Y', 'offtopic', 0.3, true),
      held('group', 'B', 'X', 'offtopic', 0.8, true),
      held('group', 'B', 'Y', 'offtopic', 0.9, true),
      held('group', 'A', 'A', 'answerable', 0.7, true),
      held('group', 'B', 'B', 'answerable', 0.7, true),
    ];
    setBankLevels(runs, new Set(['X', 'Y', 'A', 'B']), 0.5);
    // Fold A's answerable run: the median of fold A's bank scores (0.1, 0.3), not of all four.
    expect(runs[4]?.bankLevel).toBeCloseTo(0.2, 12);
    expect(runs[5]?.bankLevel).toBeCloseTo(0.85, 12);
    // A bank question is never calibrated against its own article: X's level is Y's score alone.
    expect(runs[0]?.bankLevel).toBeCloseTo(0.3, 12);
  });

  it('on a corpus every fold saw, pools the bank scores over folds', () => {
    const runs = [held('heihe', 'X', 'X', 'offtopic', 0.2, false), held('heihe', 'Y', 'Y', 'offtopic', 0.4, false), held('heihe', 'Heihe:dev', 'Heihe', 'answerable', 0.9, false)];
    setBankLevels(runs, new Set(['X', 'Y']), 0.5);
    expect(runs[2]?.bankLevel).toBeCloseTo(0.3, 12);
    expect(runs[0]?.bankLevel).toBeCloseTo(0.4, 12);
  });

  it('questions of articles outside the bank set no level, and a corpus without bank questions has none', () => {
    const runs = [held('solo', 'A', 'Z', 'offtopic', 0.5, true), held('solo', 'A', 'A', 'answerable', 0.6, true)];
    setBankLevels(runs, new Set(['X']), 0.5);
    expect(runs[1]?.bankLevel).toBe(-Infinity);
  });
});

describe('rankGroups', () => {
  /** An answerable run of `article` with the answer among its two candidates (or not). */
  const run = (article: string, retrievable = true, role: Run['role'] = 'answerable'): Run =>
    ({ role, question: { article }, pair: new Float64Array(2), labels: Uint8Array.from(retrievable ? [1, 0] : [0, 0]) }) as unknown as Run;
  // Article A has 9 questions, B has 1; one unretrievable and one off-topic run are not fitted on.
  const runs = [...Array.from({ length: 9 }, () => run('A')), run('B'), run('B', false), run('B', true, 'offtopic')];
  const totals = (weights: number[]): { a: number; b: number } => ({ a: weights.slice(0, 9).reduce((x, y) => x + y, 0), b: weights[9] as number });

  it('fits only answerable runs with the answer among their candidates', () => {
    expect(rankGroups(runs)).toHaveLength(10);
  });

  it('fits no run that is scored only (made follow-ups measured as a baseline)', () => {
    expect(rankGroups([...runs, { ...run('A'), evalOnly: true }])).toHaveLength(10);
  });

  it("'question' weighs every question the same", () => {
    expect(rankGroups(runs, 'question').map((g) => g.weight)).toEqual(Array(10).fill(1));
  });

  it("'article' gives every article the same total and 'sqrt' totals by the square root of the count, both at a mean weight of 1", () => {
    for (const [weighting, ratio] of [['article', 1], ['sqrt', 3]] as const) {
      const w = rankGroups(runs, weighting).map((g) => g.weight);
      expect(w.reduce((x, y) => x + y, 0) / w.length).toBeCloseTo(1, 12);
      const { a, b } = totals(w);
      expect(a / b).toBeCloseTo(ratio, 12);
    }
  });
});

describe('rankGroups with a "no answer" option', () => {
  const run = (role: Run['role'], labels: number[], extra: Partial<Run> = {}): Run => ({ role, question: { article: 'A' }, pair: new Float64Array(labels.length), labels: Uint8Array.from(labels), ...extra }) as unknown as Run;
  const runs = [run('answerable', [1, 0]), run('answerable', [0, 1]), run('answerable', [1, 0]), run('offtopic', [0, 0]), run('unanswerable', [0, 0, 0]), run('adversarial', [0, 0]), run('offtopic', [0, 0], { evalOnly: true }), run('offtopic', [0, 0], { rankerOnly: true }), run('offtopic', [], {})];
  it('adds the off-topic and made unanswerable runs with candidates, together the given multiple of the answerable total', () => {
    const groups = rankGroups(runs, 'question', 1, 0.5);
    expect(groups).toHaveLength(5);
    expect(groups.slice(0, 3).map((g) => g.weight)).toEqual([1, 1, 1]);
    expect(groups[3]?.weight).toBeCloseTo(0.75, 12);
    expect(groups[4]?.weight).toBeCloseTo(0.75, 12);
  });
  it('adds none without it', () => {
    expect(rankGroups(runs, 'question', 1, 0)).toHaveLength(3);
  });

  it('fits them with no right candidate, whatever labels a run carries', () => {
    const groups = rankGroups([run('answerable', [1, 0]), run('unanswerable', [0, 1])], 'question', 1, 1);
    expect(Array.from(groups[1]?.labels ?? [])).toEqual([0, 0]);
  });

  // One candidate per question, its pair features all 0: alone in its softmax its score moves only against the option.
  const D = PAIR_FEATURES.length;
  const lone = (role: Run['role'], id: string, fold = 'A'): Run => ({ role, corpus: 'c', question: { article: 'A', id, fold }, pair: new Float32Array(D), labels: Uint8Array.from([role === 'answerable' ? 1 : 0]) }) as unknown as Run;
  const lones = [...Array.from({ length: 10 }, (_v, i) => lone('answerable', `a${i}`)), ...Array.from({ length: 10 }, (_v, i) => lone('offtopic', `o${i}`))];
  const boost = { trees: 200, depth: 1, learningRate: 0.3, l2: 0, minHessian: 0, bins: 4 };

  it('fitRankerOn passes the option to the ranker: the answer scores log(1 / W) against it, 0 without', () => {
    const score = (noAnswerWeight?: number): number => fitRankerOn(lones, lones, { ...boost, ...(noAnswerWeight ? { noAnswerWeight } : {}) }, 'question', 1).scores.get(lones[0] as Run)?.[0] as number;
    expect(score(0.5)).toBeCloseTo(Math.log(2), 3);
    expect(score()).toBe(0);
  });

  it("the ranker cache key covers an unanswerable run's rows, role and fold with the option, and ignores them without", () => {
    const key = (rs: Run[], noAnswerWeight?: number): string => rankerKey({ runs: rs, folds: ['A'], boost: { ...boost, ...(noAnswerWeight ? { noAnswerWeight } : {}) } } as unknown as TrainInput);
    const changedRow = lones.map((r, i) => (i === 15 ? { ...r, pair: Float32Array.from({ length: D }, () => 1) } : r));
    const changedRole = lones.map((r, i) => (i === 15 ? { ...r, role: 'unanswerable' as const } : r));
    const changedFold = lones.map((r, i) => (i === 15 ? { ...r, question: { ...r.question, fold: 'B' } } : r));
    for (const other of [changedRow, changedRole, changedFold]) {
      expect(key(other, 0.5)).not.toBe(key(lones, 0.5));
      expect(key(other)).toBe(key(lones));
    }
  });
});

describe('followUpFigures', () => {
  const followUp = (fold: string, labels: number[]): Run => ({ followUp: true, role: 'answerable', question: { fold }, labels: Uint8Array.from(labels) }) as unknown as Run;
  it("scores each made follow-up with its own fold's ranker", () => {
    const a = followUp('A', [0, 1, 0]);
    const b = followUp('B', [1, 0]);
    const other = { ...followUp('A', [1, 0]), followUp: false } as Run;
    // Fold A's ranker puts a's answer first; fold B's would not, and fold B's scores of a must not be read.
    const rankers = new Map([
      ['A', { scores: new Map([[a, Float64Array.from([0, 2, 1])]]) }],
      ['B', { scores: new Map([[a, Float64Array.from([3, 0, 0])], [b, Float64Array.from([0, 1])]]) }],
    ]);
    const f = followUpFigures([a, b, other], ['A', 'B'], rankers);
    expect(f.questions).toBe(2);
    expect(f.top1).toBeCloseTo(0.5, 12);
    expect(f.top2).toBeCloseTo(1, 12);
  });
});
