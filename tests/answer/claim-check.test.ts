import { describe, expect, it } from 'vitest';
import { ClaimChecker, StreamedAnswerCheck, partsOf, type ClaimIndex, type GivenPassage } from '../../src/answer/claim-check.js';
import { LemmaVectors } from '../../src/answer/features.js';
import { ANSWER_SYSTEM_PROMPT } from '../../src/answer/prompts.js';
import { heiheFixture } from '../helpers/answer-fixture.js';

const fx = heiheFixture();
const index: ClaimIndex = { sentences: fx.index, vocabulary: fx.vocabulary, answering: { vectors: new LemmaVectors(fx.index, fx.lexicon) }, retriever: { chunks: fx.chunks }, analyze: fx.analyze };
const given = (...sections: string[]): GivenPassage[] =>
  sections.map((section, i) => {
    const c = fx.chunk(section);
    return { n: i + 1, text: c.text, section: c.section, source: c.source, position: fx.chunks.indexOf(c) };
  });
const SETTINGS = { threshold: 0.5, softFloor: 0.7, softCeil: 0.8, window: 2 };
// [1] Population, [2] Climate, [3] History, [4] Trade
const checker = new ClaimChecker({ index, passages: given('Population', 'Climate', 'History', 'Trade'), settings: SETTINGS, systemPrompt: ANSWER_SYSTEM_PROMPT });
const check = (s: string) => checker.check(s);

describe('a sentence is checked against the passages it cites', () => {
  it('keeps a supported paraphrase: other words, same facts', () => {
    expect(check('Heihe is home to over 1.5 million people [1].')).toEqual({ text: 'Heihe is home to over 1.5 million people [1].', reason: null, trimmed: false });
    expect(check('Heihé has a population of 1,500,000 people [1].').reason).toBeNull();
    expect(check('Winters in Heihe are long and bitterly cold [2].').reason).toBeNull();
  });

  it('drops a wrong number under a valid marker: value, magnitude, number word', () => {
    expect(check('Heihe is home to over 2.5 million people [1].')).toEqual({ text: '', reason: 'number', trimmed: false });
    expect(check('Heihe is home to over 1.5 billion people [1].').reason).toBe('number');
    expect(check('The Treaty of Nerchinsk was signed in 1698 [3].').reason).toBe('number');
    expect(check('The Treaty of Nerchinsk was the second one [3].').reason).toBe('number');
  });

  it('drops a name the cited passage does not have (the subject of the whole source excepted)', () => {
    expect(check('The Hui are the majority in Heihe [1].').reason).toBe('name');
    expect(check('Harbin is home to over 1.5 million people [1].').reason).toBe('name');
    // "Heihe" is in nearly every chunk of heihe.txt: its passages need not repeat it.
    expect(check('Heihe signed the Treaty of Nerchinsk in 1689 [3].').reason).toBeNull();
  });

  it('drops a true claim cited to the wrong passage', () => {
    expect(check('Heihe is home to over 1.5 million people [2].').reason).toBe('number');
    expect(check('Winters in Heihe are long and bitterly cold [1].').reason).toBe('unsupported');
  });

  it('drops content the passage does not support', () => {
    expect(check('Heihe has a famous zoo with pandas [1].').reason).toBe('unsupported');
  });

  it('drops a claim whose negation, "all" or "only" its passage has nothing like', () => {
    expect(check('Winters in Heihe are not long and bitterly cold [2].').reason).toBe('scope');
    expect(check('All winters in Heihe are long and bitterly cold [2].').reason).toBe('scope');
    expect(check('Han Chinese are the only majority [1].').reason).toBe('scope');
    // A passage with one of the kind allows it ("no" for "not").
    const [climate] = given('Climate');
    const negated = new ClaimChecker({ index, passages: [{ ...(climate as GivenPassage), text: 'Winters in Heihe are long and bitterly cold, with no mild days.' }], settings: SETTINGS, systemPrompt: '' });
    expect(negated.check('Winters in Heihe are not mild [1].')).toEqual({ text: 'Winters in Heihe are not mild [1].', reason: null, trimmed: false });
  });

  it('checks each part against its own markers', () => {
    expect(check('Han Chinese are the majority [1] and winters are long and bitterly cold [2].').reason).toBeNull();
    expect(check('Han Chinese are the majority [2] and winters are long and bitterly cold [1].')).toMatchObject({ text: '', reason: 'name' });
    expect(partsOf('A b [1] and c d [2][3], e f.').map((p) => p.cites)).toEqual([[1], [2, 3], [2, 3]]);
  });

  it('removes an unsupported clause when it can be cut cleanly, else drops the sentence', () => {
    expect(check('Han Chinese are the majority [1], and the city has a famous zoo with pandas.')).toEqual({ text: 'Han Chinese are the majority [1].', reason: 'unsupported', trimmed: true });
    expect(check('Han Chinese are the majority, and the city has 3 zoos [1].')).toEqual({ text: 'Han Chinese are the majority [1].', reason: 'number', trimmed: true });
    expect(check('The famous zoo of Heihe shows Han Chinese culture [1].')).toMatchObject({ text: '', trimmed: false });
  });

  it('still applies the citation check first: markers naming no passage, echoes of the instructions', () => {
    expect(check('Heihe is home to over 1.5 million people [9].').reason).toBe('uncited');
    expect(check('Heihe is home to over 1.5 million people.').reason).toBe('uncited');
    expect(check('Cite only passage numbers that exist [1].').reason).toBe('echo');
  });
});

describe('a streamed answer is checked sentence by sentence', () => {
  it('hands on a sentence only once the next one has begun (a marker split across pieces stays with it)', () => {
    const stream = new StreamedAnswerCheck(new ClaimChecker({ index, passages: given('Population', 'Climate'), settings: SETTINGS, systemPrompt: '' }));
    const pieces = ['Han Chinese are', ' the majority.', ' [', '1] Heihe has', ' 9 million people [1]. Winters are long', ' and bitterly cold [2].'];
    const out = pieces.map((p) => stream.push(p));
    expect(out).toEqual([[], [], [], ['Han Chinese are the majority [1].'], [], []]);
    expect(stream.end()).toEqual(['Winters are long and bitterly cold [2].']);
    expect(stream.kept).toEqual(['Han Chinese are the majority [1].', 'Winters are long and bitterly cold [2].']);
    expect(stream.checks()).toEqual({ sentences: 3, dropped: 1, trimmed: 0, reasons: { number: 1 } });
  });
});
