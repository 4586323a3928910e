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
