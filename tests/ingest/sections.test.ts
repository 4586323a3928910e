import { describe, expect, it } from 'vitest';
import { headingTitle, paragraphs, splitBlocks } from '../../src/ingest/sections.js';

const slices = (text: string, spans: ReadonlyArray<{ start: number; end: number }>): string[] => spans.map((s) => text.slice(s.start, s.end));

describe('splitBlocks', () => {
  it('splits on blank lines (also with trailing spaces) and trims', () => {
    const text = '\n  First block\nsecond line.\n\nSecond block.\n \t \n\n  Third block.  \n';
    expect(slices(text, splitBlocks(text))).toEqual(['First block\nsecond line.', 'Second block.', 'Third block.']);
  });

  it('splits CRLF text on blank lines', () => {
    const text = 'Heading\r\n\r\nA paragraph.\r\nStill it.\r\n\r\nNext.';
    expect(slices(text, splitBlocks(text))).toEqual(['Heading', 'A paragraph.\r\nStill it.', 'Next.']);
  });

  it('gives nothing for empty or blank text', () => {
    expect(splitBlocks('')).toEqual([]);
    expect(splitBlocks('\n\n  \n')).toEqual([]);
  });
});

describe('headingTitle', () => {
  it('recognises markdown headings in any source', () => {
    expect(headingTitle('## Climate and Environment', true)).toBe('Climate and Environment');
    expect(headingTitle('# Trade #', false)).toBe('Trade');
  });

  it('recognises short plain-text lines without closing punctuation', () => {
    expect(headingTitle('Climate and Environment', false)).toBe('Climate and Environment');
    expect(headingTitle('2020 Census', false)).toBe('2020 Census');
  });

  it('rejects sentences, multi-line blocks, long lines and lower-case lines', () => {
    expect(headingTitle('Winters are long.', false)).toBeNull();
    expect(headingTitle('Notes:', false)).toBeNull();
    expect(headingTitle('Climate\nand weather', false)).toBeNull();
    expect(headingTitle('a lower-case line', false)).toBeNull();
    expect(headingTitle('One two three four five six seven eight nine ten eleven twelve thirteen', false)).toBeNull();
    expect(headingTitle('A'.repeat(81), false)).toBeNull();
  });

  it('in markdown only # lines are headings', () => {
    expect(headingTitle('Climate and Environment', true)).toBeNull();
  });
});

describe('paragraphs', () => {
  it('names each paragraph by the heading above it, and headings are not paragraphs', () => {
    const text = 'Opening paragraph.\n\nClimate\n\nWinters are long.\n\nSummers are short.\n\nEconomy\n\nTrade is key.';
    const paras = paragraphs(text, false);
    expect(paras.map((p) => [p.section, text.slice(p.start, p.end)])).toEqual([
      ['Introduction', 'Opening paragraph.'],
      ['Climate', 'Winters are long.'],
      ['Climate', 'Summers are short.'],
      ['Economy', 'Trade is key.'],
    ]);
  });

  it('uses markdown headings in .md sources', () => {
    const text = '# Heihe\n\nIntro text here.\n\n## Climate\n\nCold winters.\n\nNot a heading\n\nMore text.';
    const paras = paragraphs(text, true);
    expect(paras.map((p) => [p.section, text.slice(p.start, p.end)])).toEqual([
      ['Heihe', 'Intro text here.'],
      ['Climate', 'Cold winters.'],
      ['Climate', 'Not a heading'],
      ['Climate', 'More text.'],
    ]);
  });

  it('treats a short last line as text, not as a heading of nothing', () => {
    const text = 'Climate\n\nWinters are long.\n\nThe End';
    expect(paragraphs(text, false).map((p) => text.slice(p.start, p.end))).toEqual(['Winters are long.', 'The End']);
  });
});
