import { describe, expect, it } from 'vitest';
import { articlesInCorpus, calibrationFrom, fingerprint, robustSpread, UNCALIBRATED, type OffTopicBank } from '../../src/answer/calibration.js';

describe('robustSpread', () => {
  it('is the median and 1.4826 × the median absolute deviation, at least 1', () => {
    expect(robustSpread([1, 2, 3, 4, 100])).toEqual({ median: 3, spread: 1.4826 });
    expect(robustSpread([0, 10, 20, 30, 40])).toEqual({ median: 20, spread: 1.4826 * 10 });
    expect(robustSpread([5, 5, 5]).spread).toBe(1);
  });
});

describe('calibrationFrom', () => {
  it('places a score relative to the off-topic level; uncalibrated is neutral', () => {
    const cal = calibrationFrom([0, 10, 20, 30, 40], ['A']);
    expect(cal.relative(20)).toBe(0);
    expect(cal.relative(20 + 14.826)).toBeCloseTo(1);
    expect(UNCALIBRATED.relative(123)).toBe(0);
  });
});

describe('articlesInCorpus', () => {
  const bank: OffTopicBank = {
    format: 'heihe-offtopic-bank/1',
    source: 'test',
    articles: [
      { title: 'Rivers', fingerprints: ['the amur is long.', 'the rhine is long.', 'the nile is long.', 'the volga is long.'], questions: ['How long is the Nile?'] },
      { title: 'Cities', fingerprints: ['paris is big.', 'rome is old.'], questions: ['Is Rome old?'] },
    ],
  };
  it('recognises an article when a quarter of its sampled sentences are in the corpus', () => {
    const corpus = new Set([fingerprint('The  Amur is long.'), fingerprint('Unrelated sentence.')]);
    expect([...articlesInCorpus(bank, corpus)]).toEqual(['Rivers']);
    expect([...articlesInCorpus(bank, new Set([fingerprint('Something else.')]))]).toEqual([]);
  });
});
