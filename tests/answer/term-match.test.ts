import { describe, expect, it } from 'vitest';
import { matchCredit, sameWordFamily, softCredit } from '../../src/answer/term-match.js';
import type { QuestionTerm } from '../../src/answer/question.js';
import { tokenize } from '../../src/text/tokenize.js';
import { fakeLexicon } from '../helpers/unit-fakes.js';

const lexicon = fakeLexicon({
  similar: [
    ['people', 'humans', 0.8],
    ['people', 'residents', 0.6],
    ['heihe', 'harbin', 0.9],
    ['cold', 'warm', 0.5],
  ],
});
const term = (word: string, required = false, aliases: string[] = []): QuestionTerm => {
  const t = tokenize(word)[0]!;
  return { word: t.word, stem: t.stem, weight: 1, required, aliases };
};

describe('sameWordFamily', () => {
  it('matches equal stems and short endings of long words', () => {
    expect(sameWordFamily('river', 'river')).toBe(true);
    expect(sameWordFamily('russia', 'russian')).toBe(true);
    expect(sameWordFamily('chines', 'chinese')).toBe(true);
  });

  it('does not match short words, numbers or different words', () => {
    expect(sameWordFamily('art', 'arts')).toBe(false);
    expect(sameWordFamily('1689', '16890')).toBe(false);
    expect(sameWordFamily('trade', 'tradition')).toBe(false);
    expect(sameWordFamily('russia', 'russianization')).toBe(false);
  });
});

describe('softCredit', () => {
  it('is 0 up to the floor, rises, and is capped below an exact match', () => {
    expect(softCredit(0.2)).toBe(0);
    expect(softCredit(0.55)).toBe(0);
    expect(softCredit(0.7)).toBeGreaterThan(0);
    expect(softCredit(0.7)).toBeLessThan(softCredit(0.8));
    expect(softCredit(0.85)).toBeCloseTo(0.7, 10);
    expect(softCredit(1)).toBeCloseTo(0.7, 10);
  });
});

describe('matchCredit', () => {
  it('gives full credit to an exact or inflected match', () => {
    expect(matchCredit(term('rivers'), tokenize('The river freezes.'), lexicon)).toBe(1);
    expect(matchCredit(term('Russia'), tokenize('Russian traders came.'), lexicon)).toBe(1);
  });

  it('gives partial credit to a similar word, by similarity', () => {
    const humans = matchCredit(term('people'), tokenize('Many humans live here.'), lexicon);
    const residents = matchCredit(term('people'), tokenize('Many residents live here.'), lexicon);
    expect(humans).toBeGreaterThan(residents);
    expect(residents).toBeGreaterThan(0);
    expect(humans).toBeLessThan(1);
  });

  it('gives nothing for unrelated or weakly related words', () => {
    expect(matchCredit(term('cold'), tokenize('Warm summers.'), lexicon)).toBe(0);
    expect(matchCredit(term('people'), tokenize('The river freezes.'), lexicon)).toBe(0);
    expect(matchCredit(term('people'), [], lexicon)).toBe(0);
  });

  it('matches a required name only by itself, never by a similar name', () => {
    expect(matchCredit(term('Heihe', true), tokenize('Harbin is a big city.'), lexicon)).toBe(0);
    expect(matchCredit(term('Heihe', false), tokenize('Harbin is a big city.'), lexicon)).toBeGreaterThan(0);
    expect(matchCredit(term('Heihe', true), tokenize('Heihe is on the river.'), lexicon)).toBe(1);
  });

  it('matches numbers only exactly', () => {
    expect(matchCredit(term('1689', true), tokenize('It was signed in 1689.'), lexicon)).toBe(1);
    expect(matchCredit(term('1689', true), tokenize('It was signed in 1698.'), lexicon)).toBe(0);
  });
});

describe('aliases', () => {
  it('an alias the corpus gives matches like the word itself, even for a required name', () => {
    const heihe = term('Heihe', true, ['anheihe']);
    expect(matchCredit(heihe, tokenize('Anheihe is on the Amur.'), lexicon)).toBe(1);
    expect(matchCredit(term('Heihe', true), tokenize('Anheihe is on the Amur.'), lexicon)).toBe(0);
  });
});

