import { describe, expect, it } from 'vitest';
import { answerKind, rarityOf, specificity } from '../../src/answer/question.js';
import { tokenize } from '../../src/text/tokenize.js';
import { heiheFixture } from '../helpers/answer-fixture.js';
import { fakeLexicon } from '../helpers/unit-fakes.js';
import { compoundParts } from '../../src/answer/question.js';

const kind = (q: string): string => answerKind(tokenize(q));
const fx = heiheFixture();

describe('answerKind', () => {
  it.each([
    ['When was the treaty signed?', 'date'],
    ['What year did the Manchu arrive?', 'date'],
    ['In which century was it founded?', 'date'],
    ['How many people live in Heihe?', 'number'],
    ['How much timber is sold?', 'number'],
    ['What is the population of Heihe?', 'number'],
    ['How long are the winters?', 'number'],
    ['How long ago was the treaty?', 'date'],
    ['Who signed the treaty?', 'person'],
    ['Which king ruled the region?', 'person'],
    ['Where is Heihe?', 'place'],
    ['Which city lies across the river?', 'place'],
    ['Why is the port important?', 'reason'],
    ['How does the city attract tourists?', 'manner'],
    ['What do the farms produce?', 'entity'],
    ['Is there a university?', 'yesno'],
    ['Tell me about the climate.', 'other'],
  ])('%s asks for a %s', (q, k) => {
    expect(kind(q)).toBe(k);
  });
});

describe('specificity and rarity', () => {
  it('puts every corpus size on one scale: 1 for an unused term, near 0 for one in every chunk', () => {
    expect(specificity(0, 10)).toBeCloseTo(1);
    expect(specificity(0, 10_000)).toBeCloseTo(1);
    expect(specificity(10, 10)).toBeLessThan(0.05);
    expect(specificity(10_000, 10_000)).toBeLessThan(0.01);
    expect(specificity(1, 10)).toBeGreaterThan(specificity(5, 10));
  });

  it('rates common words low and unknown words 1', () => {
    expect(rarityOf(0, 1000)).toBeLessThan(0.15);
    expect(rarityOf(1000, 1000)).toBe(1);
  });
});

describe('analyzeQuestion', () => {
  it('keeps content terms once, with the corpus vocabulary and frequencies', () => {
    const q = fx.analyze('Which river forms the border of the river city?');
    expect(q.terms.map((t) => t.lemma)).toEqual(['river', 'form', 'border', 'city']);
    const river = q.terms.find((t) => t.lemma === 'river');
    const border = q.terms.find((t) => t.lemma === 'border');
    expect(river?.lemmaId).toBeGreaterThanOrEqual(0);
    // "river" is in more passages than "border": it says less about which one answers.
    expect(river?.idf).toBeLessThan(border?.idf ?? 0);
    expect(q.terms.find((t) => t.lemma === 'form')?.lemmaId).toBe(-1);
    expect(q.terms.find((t) => t.lemma === 'form')?.idf).toBeCloseTo(1);
  });

  it('marks names (capitalised past the first word, or in capitals) and numbers', () => {
    const q = fx.analyze('Blagoveshchensk lies across from which city in 1689, says the EU?');
    const term = (l: string) => q.terms.find((t) => t.lemma === l);
    expect(term('blagoveshchensk')?.name).toBe(false);
    expect(term('#1689')?.number).toBe(true);
    expect(term('eu')?.name).toBe(true);
  });

  it('gives a name the other names the corpus defines for it', () => {
    const q = fx.analyze('What does the European Union buy?');
    const european = q.terms.find((t) => t.lemma === 'european');
    expect(european?.alternates.map((ids) => ids.map((id) => fx.index.lemmas[id]))).toEqual([['eu']]);
    const viaAcronym = fx.analyze('What does the EU buy?').terms.find((t) => t.lemma === 'eu');
    expect(viaAcronym?.alternates.map((ids) => ids.map((id) => fx.index.lemmas[id]))).toEqual([['european', 'union']]);
    // "Heihe" is as common as its other name, "Anheihe".
    const heihe = fx.analyze('Where is Anheihe?').terms.find((t) => t.lemma === 'anheihe');
    expect(heihe?.df).toBe(fx.index.lemmaDf[fx.vocabulary.lemmaId('heihe')]);
  });

  it('marks the terms a follow-up carried from earlier turns: those of the standalone question the user did not write', () => {
    const q = fx.analyze('When was it signed (treaty Heihe)?', 'When was it signed?');
    expect(q.terms.filter((t) => t.carried).map((t) => t.lemma)).toEqual(['treaty', 'heihe']);
    expect(q.terms.find((t) => t.lemma === 'sign')?.carried).toBe(false);
    // Asked on its own, nothing is carried.
    expect(fx.analyze('When was the treaty signed?').terms.some((t) => t.carried)).toBe(false);
  });

  it('pairs consecutive terms', () => {
    const q = fx.analyze('When was the Treaty of Nerchinsk signed?');
    expect(q.bigrams.map(([a, b]) => `${q.terms[a]?.lemma} ${q.terms[b]?.lemma}`)).toEqual(['treaty nerchinsk', 'nerchinsk sign']);
  });

  it('reads zero-width characters and accents as if they were not there', () => {
    const plain = fx.analyze('Where is Blagoveshchensk?').terms.map((t) => t.lemmaId);
    expect(fx.analyze('Where is Blago\u200Bveshchensk?').terms.map((t) => t.lemmaId)).toEqual(plain);
    expect(fx.analyze('Where is Blagovéshchensk?').terms.map((t) => t.lemmaId)).toEqual(plain);
  });
});

describe('closed compounds', () => {
  const source = 'Climate\n\nThe rainfall is moderate in the summertime. The office is in the waterfront district.';
  // "rain" keeps the meaning of "rainfall"; "rate" and "mode" have nothing to do with "moderate".
  const lexicon = fakeLexicon({ similar: [['rain', 'rainfall', 0.7], ['summer', 'summertime', 0.7], ['water', 'waterfront', 0.7]] });
  const fx = heiheFixture(source, lexicon);
  const lemma = (id: number): string => fx.index.lemmas[id] as string;

  it('finds the parts that keep the compound\'s meaning, of four letters or more', () => {
    const parts = compoundParts(fx.index, lexicon);
    expect([...parts.keys()].sort()).toEqual(['rain', 'summer', 'water']);
    expect(parts.get('rain')?.map(lemma)).toEqual(['rainfall']);
  });

  it('lets a question word the corpus only uses inside a compound stand for it', () => {
    const rain = fx.analyze('How much rain is there?').terms.find((t) => t.lemma === 'rain');
    expect(rain?.lemmaId).toBe(-1);
    expect(rain?.alternates.map((ids) => ids.map(lemma))).toEqual([['rainfall']]);
    expect(rain?.df).toBe(1);
    // A part that only spells the compound ("rate" in "moderate") stays unknown.
    expect(fx.analyze('What is the rate?').terms.find((t) => t.lemma === 'rate')?.df).toBe(0);
  });
});
