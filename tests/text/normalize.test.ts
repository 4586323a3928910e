import { describe, expect, it } from 'vitest';
import { foldWord, stripInvisible } from '../../src/text/normalize.js';
import { numberWordValue, numeralValue } from '../../src/text/numbers.js';

describe('foldWord', () => {
  it('lower-cases and folds accents, ligatures and other letters to ASCII', () => {
    expect(foldWord('Zürich')).toBe('zurich');
    expect(foldWord('Æsir')).toBe('aesir');
    expect(foldWord('straße')).toBe('strasse');
    expect(foldWord('Ögedei')).toBe(foldWord('Ogedei'));
  });

  it('drops zero-width characters and bidi controls', () => {
    expect(foldWord('Hei\u200Bhe')).toBe('heihe');
    expect(foldWord('\u202EHeihe\u202C')).toBe('heihe');
    expect(foldWord('co\u00ADoperation')).toBe('cooperation');
  });
});

describe('stripInvisible', () => {
  it('removes format characters and keeps everything else as written', () => {
    expect(stripInvisible('Which\u200B river? Ögedei\u2066!')).toBe('Which river? Ögedei!');
  });
});

describe('number values', () => {
  it('reads numerals with separators, decimals, ordinals and decades', () => {
    expect(numeralValue('1,500,000')).toBe(1_500_000);
    expect(numeralValue('1.5')).toBe(1.5);
    expect(numeralValue('21st')).toBe(21);
    expect(numeralValue('1990s')).toBe(1990);
    expect(numeralValue('abc')).toBeNull();
  });

  it('reads number words and ordinal words', () => {
    expect(numberWordValue('eight')).toBe(8);
    expect(numberWordValue('twelfth')).toBe(12);
    expect(numberWordValue('ninety')).toBe(90);
    expect(numberWordValue('million')).toBe(1e6);
    expect(numberWordValue('river')).toBeNull();
  });
});
