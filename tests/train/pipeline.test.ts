import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLocalEmbeddings } from '../../src/embeddings/load-local.js';
import { lexiconOf } from '../../src/embeddings/port.js';
import { loadWordNet } from '../../src/text/load-wordnet.js';
import type { LocalGloveEmbeddings } from '../../src/embeddings/local-glove.js';
import { parseModel } from '../../src/answer/model.js';
import { questionSet, squadArticles, type Article } from '../../src/train/labelled.js';
import { trainPipeline, withoutRanges } from '../../src/train/pipeline.js';
import type { HeldOut, RankerCache } from '../../src/train/train.js';
import { quantile } from '../../src/answer/calibration.js';
import type { Forest } from '../../src/answer/forest.js';
import type { BoostParams } from '../../src/train/boost.js';
import { PAIR_FEATURES, QUESTION_FEATURES } from '../../src/answer/features.js';
import { QUESTION_FEATURE_SIGNS } from '../../src/train/refusal-signs.js';

// A small fixture: a few paragraphs of three SQuAD articles, ten Heihe questions.
const DIR = path.join(import.meta.dirname, '../fixtures/train-mini');
const GOLDEN = path.join(DIR, 'expected-model.json');

let glove: LocalGloveEmbeddings;
beforeAll(async () => {
  glove = await loadLocalEmbeddings(path.join(import.meta.dirname, '../../.cache'));
});

/** Ids of the held-out questions the last fit validated on, and its held-out predictions. */
let validatedIds: string[] = [];
let heldOut: HeldOut[] = [];

async function fit(rankerCache?: RankerCache, log?: (m: string) => void, monotoneRefusal = false, refusalBoost?: BoostParams): Promise<unknown> {
  const squad = squadArticles(JSON.parse(readFileSync(path.join(DIR, 'squad.json'), 'utf8')));
  const heihe: Article = { title: 'Heihe', doc: { path: 'heihe.txt', text: readFileSync(path.join(import.meta.dirname, '../../corpus/heihe.txt'), 'utf8') }, questions: questionSet(readFileSync(path.join(DIR, 'heihe.jsonl'), 'utf8'), 'Heihe', 'Heihe:mini') };
  const { result, runs } = await trainPipeline({
    squad,
    heihe,
    sharedQuestions: new Set(),
    glove,
    lexicon: lexiconOf(glove),
    thesaurus: await loadWordNet(path.join(import.meta.dirname, '../../.cache')),
    bankPerArticle: 5,
    adversarialPerArticle: 3,
    corruptEvery: 3,
    rewordEvery: 3,
    removeAnswersEvery: 3,
    transplantEvery: 2,
    followUpEvery: 2,
    followUpWeight: 0.5,
    boost: { trees: 6, depth: 3, learningRate: 0.1, l2: 1, minHessian: 2, bins: 16 },
    refusalL2: [1e-2],
    ...(rankerCache ? { rankerCache } : {}),
    ...(log ? { log } : {}),
    ...(monotoneRefusal ? { monotoneRefusal } : {}),
    ...(refusalBoost ? { refusalBoost } : {}),
  });
  validatedIds = result.heldOut.map((h) => h.run.question.id);
  heldOut = [...result.heldOut];
  expect(runs.some((r) => r.made && r.role === 'answerable'), 'reworded questions were made').toBe(true);
  // Follow-ups: asked after the question before them, their standalone form carrying words the user did not write; for the ranker only.
  const followUps = runs.filter((r) => r.followUp);
  expect(followUps.length, 'follow-ups were made').toBeGreaterThan(0);
  expect(followUps.every((r) => r.rankerOnly && r.made && r.role === 'answerable' && r.question.id.endsWith('~followup'))).toBe(true);
  expect(followUps.some((r) => (r.pair[PAIR_FEATURES.indexOf('carried_share')] as number) > 0), 'some follow-up carried words').toBe(true);
  // Questions asked without the passages that answer them: on-topic unanswerables, no sentence labelled.
  const removed = runs.filter((r) => r.question.id.endsWith('~removed'));
  expect(removed.length, 'questions without their answer were made').toBeGreaterThan(0);
  expect(removed.every((r) => r.made && r.role === 'unanswerable' && r.labels.every((l) => l === 0) && r.factMask.every((m) => m === 0))).toBe(true);
  // Other articles' questions moved onto the corpus's main names: on-topic unanswerables validated in the corpus's own folds.
  const transplanted = runs.filter((r) => r.question.id.endsWith('~transplanted'));
  expect(transplanted.length, 'transplanted questions were made').toBeGreaterThan(0);
  expect(transplanted.every((r) => r.made && r.role === 'unanswerable' && r.question.impossible && r.question.facts.length === 0)).toBe(true);
  const heiheFolds = new Set(heihe.questions.map((q) => q.fold));
  const ontoHeihe = transplanted.filter((r) => r.corpus === 'heihe');
  expect(ontoHeihe.every((r) => heiheFolds.has(r.question.fold))).toBe(true);
  expect(ontoHeihe.some((r) => /\bHeihe\b/.test(r.question.question))).toBe(true);
  // Round-trip through JSON, as the model file is written (Float64 noise is the same both ways).
  return JSON.parse(JSON.stringify(result.model));
}

describe('npm run train on a small fixture', () => {
  it('fits a valid model, validated by leaving each article and question set out, and retraining gives the same model', async () => {
    const first = await fit();
    const model = parseModel({ ...(first as object), createdAt: '2026-12-01T00:00:00.000Z', training: { dataHash: 'fixture', sources: [], questions: 0, candidates: 0 } });
    expect(model.file.validation['folds']).toEqual(['Normans', 'Steam_engine', 'Warsaw', 'Heihe:mini']);
    expect(model.file.ranker.kind).toBe('forest');
    // Reworded questions are fitted on, never validated on: held-out figures are of questions people wrote.
    expect(validatedIds.length).toBeGreaterThan(0);
    expect(validatedIds.filter((id) => id.endsWith('~reworded'))).toEqual([]);
    // Off-topic questions are scored as on a new corpus: by a fold whose models never saw the
    // corpus (it holds the fold's article), its off-topic level from that fold's own scores of
    // the other articles' bank questions there; only on Heihe's corpus, which every fold saw, by
    // the fold of their own article.
    const offTopic = heldOut.filter((h) => h.run.role === 'offtopic');
    expect(offTopic.filter((h) => h.unseenCorpus).length).toBeGreaterThan(0);
    expect(offTopic.filter((h) => !h.unseenCorpus).every((h) => h.run.corpus === 'heihe' && h.run.question.fold === h.fold)).toBe(true);
    for (const h of heldOut.filter((x) => x.unseenCorpus)) {
      const pool = offTopic.filter((b) => b.unseenCorpus && b.fold === h.fold && b.run.corpus === h.run.corpus && b.run.question.article !== h.run.question.article).map((b) => b.answerable);
      expect(h.bankLevel).toBe(quantile(pool, 0.9));
    }
    const second = await fit();
    expect(second).toEqual(first);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, `${JSON.stringify(first, null, 1)}\n`);
    expect(existsSync(GOLDEN), 'tests/fixtures/train-mini/expected-model.json (make it with UPDATE_GOLDEN=1)').toBe(true);
    // The committed result of the same training: changing features or fitting changes it (then
    // rerun with UPDATE_GOLDEN=1 and review the diff).
    expect(first).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  }, 300_000);

  it('with --monotone-refusal, every refusal weight keeps the sign its feature is given, and the signs are recorded', async () => {
    const free = (await fit()) as { refusal: { weights: number[] }; features: { question: string[] } };
    const signed = (await fit(undefined, undefined, true)) as { refusal: { weights: number[] }; features: { question: string[] }; validation: Record<string, unknown> };
    const names = signed.features.question;
    const sign = (f: string): number => QUESTION_FEATURE_SIGNS[f] ?? 0;
    expect(names.every((f) => f in QUESTION_FEATURE_SIGNS)).toBe(true);
    signed.refusal.weights.forEach((w, i) => expect(w * sign(names[i] as string), names[i]).toBeGreaterThanOrEqual(0));
    // The constraint binds on this fixture: the free fit has some weight against its feature's sign.
    expect(free.refusal.weights.some((w, i) => w * sign(names[i] as string) < 0)).toBe(true);
    expect(signed.validation['refusalSigns']).toEqual(Object.fromEntries(names.map((f) => [f, sign(f)])));
    expect(free).not.toHaveProperty('validation.refusalSigns');
  }, 300_000);

  it('with --refusal-trees, the refusal gets trees on its linear log-odds, recorded with their settings, and served', async () => {
    const boost = { trees: 4, depth: 2, learningRate: 0.1, l2: 1, minHessian: 2, bins: 16 };
    const linear = (await fit()) as { refusal: { weights: number[]; trees?: unknown[] } };
    const boosted = (await fit(undefined, undefined, false, boost)) as { refusal: { weights: number[]; trees?: Array<{ feature: number[] }> }; validation: Record<string, unknown> };
    expect(linear.refusal.trees).toBeUndefined();
    expect(boosted.refusal.trees).toHaveLength(4);
    // The linear part is fitted as without trees; the trees split on some refusal feature.
    expect(boosted.refusal.weights).toEqual(linear.refusal.weights);
    expect(boosted.refusal.trees?.some((t) => t.feature.some((f) => f >= 0 && f <= QUESTION_FEATURES.length))).toBe(true);
    expect(boosted.validation['refusalBoost']).toEqual(boost);
    const served = parseModel({ ...(boosted as object), createdAt: '2026-12-01T00:00:00.000Z', training: { dataHash: 'fixture', sources: [], questions: 0, candidates: 0 } });
    const alone = parseModel({ ...(boosted as object), refusal: { ...boosted.refusal, trees: undefined }, createdAt: '2026-12-01T00:00:00.000Z', training: { dataHash: 'fixture', sources: [], questions: 0, candidates: 0 } });
    const row = new Float64Array(boosted.refusal.weights.length);
    expect(served.refusalLogit(row)).not.toBe(alone.refusalLogit(row));
  }, 300_000);

  it('reuses cached rankers only for the same runs and settings, and the model is the same as without the cache', async () => {
    const stored = new Map<string, Map<string, Forest>>();
    const cache: RankerCache = { load: (key) => stored.get(key) ?? null, save: (key, rankers) => void stored.set(key, new Map(rankers)) };
    const fitted = (lines: string[]): number => lines.filter((l) => l.startsWith('ranker fitted without')).length;
    const first: string[] = [];
    const withCache = await fit(cache, (m) => first.push(m));
    expect(fitted(first)).toBe(4);
    expect(stored.size).toBe(1);
    const second: string[] = [];
    expect(await fit(cache, (m) => second.push(m))).toEqual(withCache);
    expect(fitted(second)).toBe(0);
    expect(withCache).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
    // Another key (other runs or settings) finds nothing: the rankers are fitted again.
    const [key, rankers] = [...stored][0] as [string, Map<string, Forest>];
    stored.clear();
    stored.set(`${key}x`, rankers);
    const third: string[] = [];
    await fit(cache, (m) => third.push(m));
    expect(fitted(third)).toBe(4);
  }, 300_000);
});

describe('withoutRanges (the thinned copies of --thin-every)', () => {
  const text = 'First one. Second one. Third one.\nNext line here.';
  const range = (s: string): [number, number] => [text.indexOf(s), text.indexOf(s) + s.length];

  it('cuts the ranges, merging overlaps, and leaves one space where a sentence was', () => {
    expect(withoutRanges(text, [range('Second one.')])).toBe('First one. Third one.\nNext line here.');
    expect(withoutRanges(text, [range('Third one.'), range('Second one.'), range('one. Third')])).toBe('First one.\nNext line here.');
    expect(withoutRanges(text, [range('First one.')])).toBe(' Second one. Third one.\nNext line here.');
  });

  it('is the text itself with no ranges', () => {
    expect(withoutRanges(text, [])).toBe(text);
  });
});
