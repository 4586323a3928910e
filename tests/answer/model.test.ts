import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { foldLinear, parseModel, refusalContributions, scoreRows, ModelError } from '../../src/answer/model.js';
import { PAIR_FEATURES, QUESTION_FEATURE_NOTES } from '../../src/answer/features.js';

const committed = JSON.parse(readFileSync('models/answerer.json', 'utf8')) as Record<string, unknown>;

describe('the model file', () => {
  it('parses the committed model, with its validation and training-data hash', () => {
    const model = parseModel(committed);
    expect(model.file.features.pair).toEqual([...PAIR_FEATURES]);
    expect(model.file.training.dataHash).toMatch(/^[0-9a-f]{64}$/);
    expect(model.file.validation['method']).toMatch(/leave one article out/);
    expect(model.file.refusal.threshold).toBeGreaterThan(0);
    expect(model.file.refusal.threshold).toBeLessThan(1);
    expect(model.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('refuses a model trained on other features, or with missing weights', () => {
    const features = committed['features'] as { pair: string[] };
    expect(() => parseModel({ ...committed, features: { ...features, pair: [...features.pair.slice(1), 'something_else'] } })).toThrow(ModelError);
    const refusal = committed['refusal'] as { weights: number[] };
    expect(() => parseModel({ ...committed, refusal: { ...refusal, weights: refusal.weights.slice(1) } })).toThrow(/weights/);
    const ranker = committed['ranker'] as { trees: Array<{ feature: number[] }> };
    const [tree, ...rest] = ranker.trees;
    // A split node whose children point backwards would loop forever: refused.
    const broken = { ...tree, left: tree?.feature.map(() => 0) };
    expect(() => parseModel({ ...committed, ranker: { ...ranker, trees: [broken, ...rest] } })).toThrow(/malformed/);
    expect(() => parseModel({ format: 'other' })).toThrow(ModelError);
  });
});

describe('the refusal trees', () => {
  const refusal = committed['refusal'] as { weights: number[]; trees?: unknown[] };
  const width = refusal.weights.length;
  // One split on feature 0 at 0.5: +2 below or at it, -1 above.
  const stump = { feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [0, 2, -1] };
  const linearOnly = parseModel({ ...committed, refusal: { ...refusal, trees: undefined } });

  it('add their leaves to the linear log-odds', () => {
    const withTrees = parseModel({ ...committed, refusal: { ...refusal, trees: [stump] } });
    const low = new Float64Array(width).fill(0.2);
    const high = new Float64Array(width).fill(0.2);
    high[0] = 0.9;
    expect(withTrees.refusalLogit(low)).toBeCloseTo(linearOnly.refusalLogit(low) + 2, 12);
    expect(withTrees.refusalLogit(high)).toBeCloseTo(linearOnly.refusalLogit(high) - 1, 12);
    expect(withTrees.id).not.toBe(linearOnly.id);
  });

  it('a tree splitting on a feature the refusal does not have is refused', () => {
    expect(() => parseModel({ ...committed, refusal: { ...refusal, trees: [{ ...stump, feature: [width, -1, -1] }] } })).toThrow(/refusal is malformed/);
  });
});

describe('foldLinear', () => {
  it('gives the same scores as standardising first', () => {
    const l = { mean: [1, -2, 0.5], scale: [2, 0.5, 1], weights: [0.3, -1.2, 2], bias: 0.7 };
    const rows = Float64Array.from([3, 1, 0, -1, 2, 5]);
    const folded = scoreRows(foldLinear(l), rows, 3);
    const direct = [0, 1].map((i) => l.bias + l.weights.reduce((a, w, j) => a + (w * ((rows[i * 3 + j] as number) - (l.mean[j] as number))) / (l.scale[j] as number), 0));
    expect(folded[0]).toBeCloseTo(direct[0] as number, 12);
    expect(folded[1]).toBeCloseTo(direct[1] as number, 12);
  });
});

describe('refusalContributions', () => {
  it("splits P(answerable)'s log-odds into one share per feature, largest effect first", () => {
    const model = parseModel(committed);
    const width = model.file.features.question.length;
    const row = Float64Array.from({ length: width }, (_v, j) => (j % 3) - 1);
    const parts = refusalContributions(model.file, row);
    expect(parts.map((p) => p.feature).sort()).toEqual([...model.file.features.question].sort());
    const logit = parts.reduce((a, p) => a + p.contribution, model.file.refusal.bias);
    expect(1 / (1 + Math.exp(-logit))).toBeCloseTo(1 / (1 + Math.exp(-(scoreRows(foldLinear(model.file.refusal), row, width)[0] as number))), 12);
    for (let i = 1; i < parts.length; i++) expect(Math.abs(parts[i - 1]?.contribution as number)).toBeGreaterThanOrEqual(Math.abs(parts[i]?.contribution as number));
  });

  it('every question feature has a note for --explain', () => {
    const model = parseModel(committed);
    for (const f of model.file.features.question) expect(QUESTION_FEATURE_NOTES[f], f).toBeTruthy();
  });
});
