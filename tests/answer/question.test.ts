import { describe, expect, it } from 'vitest';
import { analyzeQuestion, expectedAnswerType, type CorpusStats } from '../../src/answer/question.js';
import { fakeLexicon } from '../helpers/unit-fakes.js';

// Document frequencies over 10 passages: "heihe" is in all of them, "river" in 4, "treaty" in 1.
const DF: Record<string, number> = { heih: 10, river: 4, treati: 1, amur: 2 };
const corpus: CorpusStats = { docCount: 10, df: (stem) => DF[stem] ?? 0 };
const lexicon = fakeLexicon({ common: ['city', 'people', 'river', 'big', 'population', 'winter'], size: 10_000 });

describe('expectedAnswerType', () => {
  it.each([
    ['How many people live in Heihe?', 'number'],
    ['How much trade crosses the river?', 'number'],
    ['What percentage are Han Chinese?', 'number'],
    ['When was the Treaty of Nerchinsk signed?', 'date'],
    ['In what year was the bridge opened?', 'date'],
    ['Which century saw the outpost founded?', 'date'],
    ['Who founded the university?', 'person'],
    ['Where is Heihe?', 'place'],
    ['What is the climate like?', 'any'],
    ['Describe the economy.', 'any'],
  ] as const)('%s -> %s', (question, type) => {
    expect(expectedAnswerType(question)).toBe(type);
  });
});

describe('analyzeQuestion', () => {
  it('keeps content terms only, once each, without stop or frame words', () => {
    const q = analyzeQuestion('Do you know anything about the river and the rivers of Heihe?', lexicon, corpus);
    expect(q.terms.map((t) => t.word)).toEqual(['river', 'heihe']);
  });

  it('weighs rare words above common ones', () => {
    const q = analyzeQuestion('Which bridges cross the river?', lexicon, corpus);
    const weight = (w: string): number => q.terms.find((t) => t.word === w)?.weight ?? NaN;
    expect(weight('bridges')).toBeGreaterThan(weight('river'));
    for (const t of q.terms) {
      expect(t.weight).toBeGreaterThan(0);
      expect(t.weight).toBeLessThanOrEqual(1);
    }
  });

  it('weighs what the whole corpus is about (the city) low', () => {
    const q = analyzeQuestion('Tell me about Heihe and the Amur', lexicon, corpus);
    const heihe = q.terms.find((t) => t.word === 'heihe');
    const amur = q.terms.find((t) => t.word === 'amur');
    // Both are unknown to the lexicon (equally rare), but "heihe" is in every passage.
    expect(heihe!.weight).toBeLessThan(amur!.weight / 3);
  });

  it('requires names and numbers the corpus is not mainly about', () => {
    const q = analyzeQuestion('Was the Treaty signed with Russia in 1689 near Heihe?', lexicon, corpus);
    const required = Object.fromEntries(q.terms.map((t) => [t.word, t.required]));
    expect(required).toEqual({ treaty: true, signed: false, russia: true, '1689': true, near: false, heihe: false });
  });

  it('does not take the capital of the first word for a name, unless it is an acronym', () => {
    expect(analyzeQuestion('Bridges over the river?', lexicon, corpus).terms.find((t) => t.word === 'bridges')?.required).toBe(false);
    expect(analyzeQuestion('GDP of the city?', lexicon, corpus).terms.find((t) => t.word === 'gdp')?.required).toBe(true);
  });

  it('reports the expected answer type', () => {
    expect(analyzeQuestion('How many people live in Heihe?', lexicon, corpus).answerType).toBe('number');
  });

  it('gives no terms for a question of stop words', () => {
    expect(analyzeQuestion('What is it?', lexicon, corpus).terms).toEqual([]);
  });
});
