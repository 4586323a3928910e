import { describe, expect, it } from 'vitest';
import { contentStems, isStopWord, tokenize, wordForms } from '../../src/text/tokenize.js';

describe('tokenize', () => {
  it('gives folded words with exact offsets into the text as written', () => {
    const text = 'Heihe lies on the Amur River.';
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.key)).toEqual(['heihe', 'lies', 'on', 'the', 'amur', 'river']);
    for (const t of tokens) expect(text.slice(t.start, t.end).toLowerCase()).toBe(t.key);
  });

  it('marks capitalised tokens, numbers and stop words', () => {
    const tokens = tokenize('The Amur had 1.5 million people');
    expect(tokens.map((t) => t.capitalized)).toEqual([true, true, false, false, false, false]);
    expect(tokens.map((t) => t.number)).toEqual([null, null, null, 1.5, 1e6, null]);
    expect(tokens.map((t) => t.digits)).toEqual([false, false, false, true, false, false]);
    expect(tokens.map((t) => t.stop)).toEqual([true, false, true, false, false, false]);
  });

  it('gives numerals, number words and ordinals one form per value', () => {
    const lemma = (w: string): string => wordForms(w).lemma;
    expect(lemma('8')).toBe(lemma('eight'));
    expect(lemma('3rd')).toBe(lemma('third'));
    expect(lemma('1,000')).toBe(lemma('1000'));
    expect(lemma('1,000')).toBe(lemma('thousand'));
    expect(lemma('1.5')).toBe('#1.5');
    expect(lemma('8')).not.toBe(lemma('9'));
    // "1,000,000" is one token, not three.
    expect(tokenize('over 1,000,000 people').map((t) => t.key)).toEqual(['over', '1,000,000', 'people']);
  });

  it('leaves a run of letters longer than any word unstemmed (the stemmer is quadratic in its length)', () => {
    const long = `${'a'.repeat(100)}ings`;
    const [t] = tokenize(long);
    expect(t?.lemma).toBe(long);
    expect(t?.stem).toBe(long);
    // A word of ordinary length still loses its ending.
    expect(tokenize('openings')[0]?.stem).not.toBe('openings');
  });

  it('lemmatises so inflections share a lemma, and word families share a stem', () => {
    expect(wordForms('died').lemma).toBe('die');
    expect(wordForms('cities').lemma).toBe('city');
    expect(wordForms('universities').lemma).toBe(wordForms('university').lemma);
    expect(wordForms('ran').lemma).toBe('run');
    // Porter's stemmer took "died" to "di"; lemma first, then the family of the lemma.
    expect(wordForms('died').stem).toBe(wordForms('dies').stem);
    expect(wordForms('engineering').stem).toBe(wordForms('engine').stem);
  });

  it('folds accents and other scripts, and ignores invisible characters inside words', () => {
    expect(wordForms('Ögedei').key).toBe('ogedei');
    expect(wordForms('Łódź').key).toBe('lodz');
    const zwsp = tokenize('Blago\u200Bveshchensk and Hei\u200Dhe');
    expect(zwsp.map((t) => t.key)).toEqual(['blagoveshchensk', 'and', 'heihe']);
    expect(zwsp[0]).toMatchObject({ start: 0, end: 16 });
  });

  it('splits hyphenated words into their parts', () => {
    expect(tokenize('cross-border trade').map((t) => t.key)).toEqual(['cross', 'border', 'trade']);
  });

  it('removes the possessive and folds curly apostrophes', () => {
    const tokens = tokenize('Heihe’s port and Russia\'s border, the Normans\' land');
    expect(tokens.map((t) => t.key)).toEqual(['heihe', 'port', 'and', 'russia', 'border', 'the', 'normans', 'land']);
    // The offsets still cover the surface form, apostrophe included.
    expect(tokens[0]).toMatchObject({ start: 0, end: 7 });
  });
});

describe('contentStems', () => {
  it('drops stop words and keeps repeats', () => {
    expect(contentStems('What is the river of the rivers?')).toEqual(['river', 'river']);
  });

  it('is empty for a question made of stop words', () => {
    expect(contentStems('What is it and how many are there?')).toEqual([]);
  });

  it('knows its stop words', () => {
    expect(isStopWord('the')).toBe(true);
    expect(isStopWord('river')).toBe(false);
  });

  it('reads contractions typed without their apostrophe as the function words they are', () => {
    expect(contentStems('whats the name of the river the town sits on')).toEqual(contentStems("What's the name of the river the town sits on?"));
    expect(contentStems('dont they have a port')).toEqual(['port']);
    // ... but not where the spelling is another word.
    expect(contentStems('a well and a shed')).toEqual(['well', 'shed']);
  });
});
