import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../src/text/sentences.js';

const texts = (text: string, from?: number, to?: number): string[] => splitSentences(text, from, to).map((s) => text.slice(s.start, s.end));

describe('splitSentences', () => {
  it('splits on . ! and ? followed by a capital', () => {
    expect(texts('Is it cold? Yes! Winters are long. Summers are short.')).toEqual(['Is it cold?', 'Yes!', 'Winters are long.', 'Summers are short.']);
  });

  it('does not split decimals or thousands separators', () => {
    expect(texts('Heihe has over 1.5 million people. The river is 4,444 km long.')).toEqual([
      'Heihe has over 1.5 million people.',
      'The river is 4,444 km long.',
    ]);
  });

  it('treats "no." and "etc." as sentence ends unless a number follows "No."', () => {
    expect(texts('The answer is no. The city grew.')).toEqual(['The answer is no.', 'The city grew.']);
    expect(texts('Roads, rails, etc. The port is busy.')).toEqual(['Roads, rails, etc.', 'The port is busy.']);
    expect(texts('See No. 5 on the map. It is the port.')).toEqual(['See No. 5 on the map.', 'It is the port.']);
  });

  it('does not split after common abbreviations', () => {
    expect(texts('Dr. Li met Mr. Wang at St. Nicholas church. They talked.')).toEqual(['Dr. Li met Mr. Wang at St. Nicholas church.', 'They talked.']);
    expect(texts('Prices rose approx. 5 percent. Then they fell.')).toEqual(['Prices rose approx. 5 percent.', 'Then they fell.']);
  });

  it('does not split after initials', () => {
    expect(texts('The bridge was designed by J. R. Smith in 2019. It opened later.')).toEqual([
      'The bridge was designed by J. R. Smith in 2019.',
      'It opened later.',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence, and splits before an opening quote', () => {
    expect(texts('He said "Go home." Then he left.')).toEqual(['He said "Go home."', 'Then he left.']);
    expect(texts('It ended.” “A new start,” she said. Fine.')).toEqual(['It ended.”', '“A new start,” she said.', 'Fine.']);
    expect(texts('The port is busy (mostly in summer.) Trade grows.')).toEqual(['The port is busy (mostly in summer.)', 'Trade grows.']);
  });

  it('splits before a sentence that starts with a digit', () => {
    expect(texts('The treaty was signed. 1689 was the year.')).toEqual(['The treaty was signed.', '1689 was the year.']);
  });

  it('does not split before a lower-case word', () => {
    expect(texts('It was cold. and then it snowed.')).toEqual(['It was cold. and then it snowed.']);
  });

  it('gives exact, trimmed offsets', () => {
    const text = '  First one.   Second one?\n\nThird one!  ';
    const spans = splitSentences(text);
    expect(spans).toEqual([
      { start: 2, end: 12 },
      { start: 15, end: 26 },
      { start: 28, end: 38 },
    ]);
    for (const s of spans) {
      const t = text.slice(s.start, s.end);
      expect(t).toBe(t.trim());
      expect(t.length).toBeGreaterThan(0);
    }
  });

  it('offsets of a sub-range are offsets into the whole text', () => {
    const text = 'Ignored before. Alpha beta. Gamma delta. Ignored after.';
    const from = text.indexOf('Alpha');
    const to = text.indexOf(' Ignored after');
    const spans = splitSentences(text, from, to);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(['Alpha beta.', 'Gamma delta.']);
    expect(spans[0]?.start).toBe(from);
    expect(spans[1]?.end).toBe(to);
  });

  it('handles CRLF line breaks between sentences', () => {
    expect(texts('First line.\r\nSecond line.\r\n')).toEqual(['First line.', 'Second line.']);
  });

  it('keeps text without a final stop as a sentence', () => {
    expect(texts('One. Two without a stop')).toEqual(['One.', 'Two without a stop']);
  });

  it('gives nothing for empty or blank text', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences(' \n\t ')).toEqual([]);
  });
});
