import { describe, expect, it } from 'vitest';
import { answerExtractively, capLength, NOT_IN_CORPUS, quotable, scoreQuestion, type ExtractiveResult } from '../../src/answer/extractive.js';
import type { Retrieved } from '../../src/types.js';
import { handModel, heiheFixture } from '../helpers/answer-fixture.js';

const fx = heiheFixture();
// Ranks by coverage; answers when the best sentence covers enough of the question.
const model = handModel({ ranker: { cov_family: 6, cov_soft_60: 2, names_matched: 2 }, refusal: { top_cov_family: 10 }, refusalBias: -5, threshold: 0.5, secondMinProb: 0.3 });
const ctx = fx.context(model);
const ask = (question: string, ...sections: string[]): ExtractiveResult => answerExtractively(fx.analyze(question), fx.passages(...sections), ctx);

/** Every marker names a returned citation, and each quoted piece is an exact part of the passage it names. */
function expectQuotedAndCited(result: ExtractiveResult, passages: readonly Retrieved[]): void {
  const markers = [...result.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  expect(markers.length).toBeGreaterThan(0);
  const numbers = new Set(result.citations.map((c) => c.n));
  for (const n of markers) expect(numbers.has(n)).toBe(true);
  for (const m of result.answer.matchAll(/\s*(.+?) \[(\d+)\]/g)) {
    const cited = result.citations.find((c) => c.n === Number(m[2]));
    for (const sentence of (m[1] ?? '').split(/(?<=\.) /)) expect(cited?.text).toContain(sentence);
    expect(passages.some((p) => p.chunk.id === cited?.chunkId)).toBe(true);
  }
}

describe('answerExtractively', () => {
  it('quotes the best sentence verbatim with its marker, and cites its passage first', () => {
    const passages = fx.passages('Geography', 'History', 'Trade');
    const result = answerExtractively(fx.analyze('When was the Treaty of Nerchinsk signed?'), passages, ctx);
    expect(result.grounded).toBe(true);
    expect(result.answer).toMatch(/^The Treaty of Nerchinsk was signed in 1689\. \[1\]/);
    expect(result.citations[0]?.section).toBe('History');
    expectQuotedAndCited(result, passages);
    // The other passages read come after, for clients that show what was searched.
    expect(result.citations.map((c) => c.section)).toEqual(['History', 'Geography', 'Trade']);
  });

  it('gives the offsets of the quoted sentences in their passage', () => {
    const result = ask('When was the Treaty of Nerchinsk signed?', 'History');
    const cited = result.citations[0];
    const quote = cited?.quotes?.[0];
    expect(quote).toBeDefined();
    expect(cited?.text.slice(quote?.start, quote?.end)).toBe('The Treaty of Nerchinsk was signed in 1689.');
    expect(result.citations.slice(1).every((c) => c.quotes === undefined)).toBe(true);
  });

  it('refuses when the classifier judges the passages do not answer, citing nothing', () => {
    const result = ask('How do I bake sourdough bread?', 'Geography', 'Climate');
    expect(result.grounded).toBe(false);
    expect(result.answer).toBe(NOT_IN_CORPUS);
    expect(result.citations).toEqual([]);
    expect(result.answerable).toBeLessThan(0.5);
  });

  it('refuses a question made of stop words only', () => {
    expect(ask('What is it and how?', 'Geography').grounded).toBe(false);
  });

  it('adds a second sentence only when the model gives it enough probability', () => {
    const two = handModel({ ranker: { cov_family: 1 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 0.01 });
    const one = handModel({ ranker: { cov_family: 1 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 1 });
    const q = fx.analyze('What are the winters and summers like?');
    const passages = fx.passages('Climate', 'Geography');
    const withTwo = answerExtractively(q, passages, fx.context(two));
    const withOne = answerExtractively(q, passages, fx.context(one));
    expect(withOne.answer).toBe('Winters in Heihe are long and bitterly cold, with temperatures far below freezing. [1]');
    // Two sentences of one passage, in reading order, share one marker.
    expect(withTwo.answer).toBe('Winters in Heihe are long and bitterly cold, with temperatures far below freezing. Summers are short and mild. [1]');
    expectQuotedAndCited(withTwo, passages);
  });

  it('gives sentences of one passage that are not adjacent a marker each', () => {
    const two = handModel({ ranker: { cov_family: 1 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 0.01 });
    const passages = fx.passages('Population');
    const result = answerExtractively(fx.analyze('What population, and which Manchu?'), passages, fx.context(two));
    expect(result.answer).toBe('Heihe is home to a population of over 1.5 million humans. [1] The Manchu have lived in the region since 1689. [1]');
    expectQuotedAndCited(result, passages);
  });

  it('leads with the best sentence, even when the second comes from a passage ranked above it', () => {
    const two = handModel({ ranker: { cov_family: 1 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 0.01 });
    const passages = fx.passages('Population', 'Climate');
    const result = answerExtractively(fx.analyze('Are winters cold, and what is the population?'), passages, fx.context(two));
    const [best, second] = result.candidates;
    expect(best && second && best.passage > second.passage).toBe(true);
    const text = (c: typeof best): string => (c ? passages[c.passage]?.chunk.text.slice(fx.index.start[c.sentence], fx.index.end[c.sentence]) ?? '' : '');
    expect(result.answer.startsWith(text(best))).toBe(true);
    expect(result.answer).toContain(`${text(best)} [1] ${text(second)} [2]`);
    expectQuotedAndCited(result, passages);
  });

  it('never adds a near-duplicate of the first sentence', () => {
    const source = 'Climate\n\nWinters in Heihe are long and cold. Winters in Heihe are long and very cold. Summers are short.';
    const dup = heiheFixture(source);
    const m = handModel({ ranker: { cov_family: 3 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 0.01, duplicateOverlap: 0.8 });
    const result = answerExtractively(dup.analyze('How long are winters in Heihe?'), dup.passages('Climate'), dup.context(m));
    expect(result.answer.match(/Winters/g)?.length).toBe(1);
  });

  it('ranks by the learned weights: a different model picks a different sentence', () => {
    const byNovelty = handModel({ ranker: { first_sentence: -5, cov_passage: 1 }, refusal: {}, refusalBias: 5, threshold: 0.5, secondMinProb: 1 });
    const result = answerExtractively(fx.analyze('When was the Treaty of Nerchinsk signed?'), fx.passages('History'), fx.context(byNovelty));
    expect(result.answer).toBe('It described the border along the Amur River. [1]');
  });

  it('exposes the scores it decided with', () => {
    const scored = scoreQuestion(fx.analyze('Which river does Heihe lie on?'), fx.passages('Geography', 'History'), ctx);
    expect(scored.candidates).toHaveLength(5);
    expect(scored.candidates.reduce((a, c) => a + c.prob, 0)).toBeCloseTo(1);
    expect(scored.answerable).toBeGreaterThan(0);
  });
});

describe('quotable and capLength', () => {
  it('leaves out bracketed footnote numbers that would read as markers', () => {
    expect(quotable('Heihe is a city [3] on the Amur [4, 5].')).toBe('Heihe is a city on the Amur.');
  });

  it('cuts a long sentence at a word and marks the cut', () => {
    const long = `${'word '.repeat(200)}end.`;
    const cut = capLength(long, 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut.endsWith('…')).toBe(true);
    expect(capLength('short.', 100)).toBe('short.');
  });
});
