import { describe, expect, it } from 'vitest';
import { contentStems, isStopWord, tokenize } from '../../src/text/tokenize.js';

describe('tokenize', () => {
  it('gives lower-cased words with exact offsets', () => {
    const text = 'Heihe lies on the Amur River.';
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.word)).toEqual(['heihe', 'lies', 'on', 'the', 'amur', 'river']);
    for (const t of tokens) expect(text.slice(t.start, t.end).toLowerCase()).toBe(t.word);
  });

  it('marks capitalised and numeric tokens', () => {
    const tokens = tokenize('The Amur had 1.5 million people');
    expect(tokens.map((t) => t.capitalized)).toEqual([true, true, false, false, false, false]);
    expect(tokens.map((t) => t.numeric)).toEqual([false, false, false, true, false, false]);
  });

  it('keeps decimals whole and their stem unchanged', () => {
    const [t] = tokenize('1.5');
    expect(t).toMatchObject({ word: '1.5', stem: '1.5', numeric: true, start: 0, end: 3 });
  });

  it('splits hyphenated words into their parts', () => {
    expect(tokenize('cross-border trade').map((t) => t.word)).toEqual(['cross', 'border', 'trade']);
  });

  it('removes the possessive and folds curly apostrophes', () => {
    const tokens = tokenize('Heihe’s port and Russia\'s border');
    expect(tokens.map((t) => t.word)).toEqual(['heihe', 'port', 'and', 'russia', 'border']);
    // The offsets still cover the surface form, apostrophe included.
    expect(tokens[0]).toMatchObject({ start: 0, end: 7 });
  });

  it('stems words so inflections share a stem', () => {
    const [a, b] = tokenize('trading trades');
    expect(a?.stem).toBe(b?.stem);
    expect(a?.stem).not.toBe(a?.word);
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
});
