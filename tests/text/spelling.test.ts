import { describe, expect, test } from 'vitest';
import { americanSpelling } from '../../src/text/spelling.js';
import { tokenize } from '../../src/text/tokenize.js';

describe('americanSpelling', () => {
  test('British spellings take their American form; other words stay', () => {
    expect(americanSpelling('specialised')).toBe('specialized');
    expect(americanSpelling('centre')).toBe('center');
    expect(americanSpelling('travellers')).toBe('travelers');
    expect(americanSpelling('colour')).toBe('color');
    // Not spelling variants: "four" is no "for", "tour" no "tor", a word of another meaning stays.
    for (const w of ['four', 'tour', 'hour', 'flat', 'heihe', 'center']) expect(americanSpelling(w)).toBe(w);
  });

  test('a question in British spelling shares lemmas and families with a corpus in American spelling', () => {
    const forms = (text: string) => tokenize(text).map((t) => [t.key, t.lemma, t.stem]);
    expect(forms('Which centres were modernised for travellers?')).toEqual(forms('Which centers were modernized for travelers?'));
    expect(tokenize('specialised')[0]?.stem).toBe(tokenize('specialization')[0]?.stem);
  });
});
