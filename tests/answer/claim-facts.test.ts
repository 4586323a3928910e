import { describe, expect, it } from 'vitest';
import { isCommonWord, nameBag, nameIn, quantities, quantityIn, scopeClasses } from '../../src/answer/claim-facts.js';
import { aliasesFromGroups, NO_ALIASES } from '../../src/text/aliases.js';
import { tokenize } from '../../src/text/tokenize.js';

const q = (text: string): Array<[number, string | null]> => quantities(text).map((x) => [x.value, x.unit]);

describe('quantities', () => {
  it('reads numerals, thousands separators, decimals and magnitude words as one value', () => {
    expect(q('over 1.5 million humans')).toEqual([[1_500_000, null]]);
    expect(q('about 1,500,000 residents')).toEqual([[1_500_000, null]]);
    expect(q('a population of 1.5m')).toEqual([[1_500_000, null]]);
    expect(q('two hundred thousand visitors')).toEqual([[200_000, null]]);
    expect(q('twenty-five ships')).toEqual([[25, null]]);
    expect(q('the Treaty of 1689, signed by 2 countries')).toEqual([
      [1689, null],
      [2, null],
    ]);
  });

  it('keeps the unit: percent however written, measures, centuries, currencies', () => {
    expect(q('30% of residents')).toEqual([[30, 'percent']]);
    expect(q('30 per cent of residents')).toEqual([[30, 'percent']]);
    expect(q('thirty percent of residents')).toEqual([[30, 'percent']]);
    expect(q('a 30km road and 5 kilometres of track')).toEqual([
      [30, 'km'],
      [5, 'km'],
    ]);
    expect(q('in the 17th century')).toEqual([[17, 'century']]);
    expect(q('in the seventeenth century')).toEqual([[17, 'century']]);
    expect(q('it cost $5 million')).toEqual([[5_000_000, 'currency:$']]);
    expect(q('minus 30 degrees')).toEqual([[30, 'degree']]);
  });

  it('reads ordinals and number words through the shared tokenizer, but not "one" as a pronoun', () => {
    expect(q('one of the first agreements')).toEqual([[1, null]]);
    expect(q('no one knows; the third treaty')).toEqual([[3, null]]);
    expect(q('one port')).toEqual([[1, null]]);
  });

  it('matches a claim number to a passage number by value, and by unit when the claim names one', () => {
    const passage = quantities('Over 1.5 million humans; 30 percent are Manchu; founded in 1689.');
    const claim = (t: string): boolean => quantities(t).every((x) => quantityIn(x, passage));
    expect(claim('1,500,000 people')).toBe(true);
    expect(claim('1.5 billion people')).toBe(false);
    expect(claim('2.5 million people')).toBe(false);
    expect(claim('30% are Manchu')).toBe(true);
    expect(claim('30 km away')).toBe(false);
    expect(claim('in 1689')).toBe(true);
    expect(claim('in 1698')).toBe(false);
  });
});

describe('names', () => {
  const bag = nameBag(['Anheihe lies in Heilongjiang, facing Blagoveshchensk. Russian students study here; the Manchu live in China.', 'Population']);
  const name = (t: string) => tokenize(t)[0] as NonNullable<ReturnType<typeof tokenize>[number]>;

  it('match as written, folded (accents), as lemmas and word families', () => {
    expect(nameIn(name('Heilongjiang'), bag, NO_ALIASES)).toBe(true);
    expect(nameIn(name('Blagovéshchensk'), bag, NO_ALIASES)).toBe(true);
    expect(nameIn(name('Russians'), bag, NO_ALIASES)).toBe(true);
  });

  it('match their demonyms, not words that only look alike', () => {
    expect(nameIn(name('Russia'), bag, NO_ALIASES)).toBe(true);
    expect(nameIn(name('Chinese'), bag, NO_ALIASES)).toBe(true);
    expect(nameIn(name('Manchuria'), bag, NO_ALIASES)).toBe(false);
    expect(nameIn(name('Harbin'), nameBag(['The harbour is busy.']), NO_ALIASES)).toBe(false);
    expect(nameIn(name('Khabarovsk'), bag, NO_ALIASES)).toBe(false);
  });

  it('match through the aliases the corpus defines', () => {
    const aliases = aliasesFromGroups([[['anheihe'], ['heihe']], [['eu'], ['european', 'union']]]);
    expect(nameIn(name('Heihe'), bag, NO_ALIASES)).toBe(false);
    expect(nameIn(name('Heihe'), bag, aliases)).toBe(true);
    expect(nameIn(name('EU'), nameBag(['The European Union buys timber.']), aliases)).toBe(true);
  });

  it('tell common English words from names', () => {
    for (const w of ['festivals', 'visitors', 'tourism', 'winters', 'free']) expect(isCommonWord(w), w).toBe(true);
    // Object keys of the table's prototype are not words.
    for (const w of ['harbin', 'moscow', 'russia', 'heihe', 'khabarovsk', '__proto__', 'hasOwnProperty']) expect(isCommonWord(w), w).toBe(false);
  });
});

describe('scope words: negation, universality, exclusivity', () => {
  const classes = (t: string) => [...scopeClasses(tokenize(t))].sort();

  it('are found by class, contractions included', () => {
    expect(classes('Healthcare is free for all residents.')).toEqual(['universal']);
    expect(classes("Trade isn't important, and it never was.")).toEqual(['negation']);
    expect(classes('It is the only port that is not frozen.')).toEqual(['exclusive', 'negation']);
    expect(classes('Winters are long and bitterly cold.')).toEqual([]);
  });

  it('leave out "each", which paraphrases use for "mutual"', () => {
    expect(classes('The two cities trade with each other.')).toEqual([]);
  });
});
