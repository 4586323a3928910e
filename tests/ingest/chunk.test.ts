import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNKER, chunkId, chunkSource, chunkSources, indexText } from '../../src/ingest/chunk.js';
import { paragraphs } from '../../src/ingest/sections.js';
import { splitSentences } from '../../src/text/sentences.js';
import type { Chunk, ChunkerSettings, SourceDoc } from '../../src/types.js';

const CORPUS_FILE = fileURLToPath(new URL('../../corpus/heihe.txt', import.meta.url));
const corpus: SourceDoc = { path: 'heihe.txt', text: readFileSync(CORPUS_FILE, 'utf8') };

/** Checks every invariant a chunking of `doc` must hold. */
function expectWellFormed(doc: SourceDoc, chunks: readonly Chunk[], settings: ChunkerSettings): void {
  const isMarkdown = /\.md$/.test(doc.path);
  const sentences = paragraphs(doc.text, isMarkdown).flatMap((p) => splitSentences(doc.text, p.start, p.end));
  const starts = new Set(sentences.map((s) => s.start));
  const ends = new Set(sentences.map((s) => s.end));
  // A sentence longer than maxChars is the one thing a chunk boundary may fall inside.
  const overlong = sentences.filter((s) => s.end - s.start > settings.maxChars);
  const insideOverlong = (at: number): boolean => overlong.some((s) => s.start < at && at < s.end);
  let previousEnd = -1;
  for (const c of chunks) {
    expect(c.source).toBe(doc.path);
    expect(c.text).toBe(doc.text.slice(c.start, c.end));
    expect(c.text.length).toBeLessThanOrEqual(settings.maxChars);
    expect(c.text).toBe(c.text.trim());
    // No chunk cuts a sentence that fits: it starts where a sentence starts and ends where one ends.
    expect(starts.has(c.start) || insideOverlong(c.start), `chunk starts mid-sentence: ${JSON.stringify(c.text.slice(0, 60))}`).toBe(true);
    expect(ends.has(c.end) || insideOverlong(c.end), `chunk ends mid-sentence: ${JSON.stringify(c.text.slice(-60))}`).toBe(true);
    // In order, without overlap.
    expect(c.start).toBeGreaterThanOrEqual(previousEnd);
    previousEnd = c.end;
  }
  // Nothing is lost: every sentence that fits lies inside some chunk, and every non-space
  // character of the paragraphs is in one.
  for (const s of sentences) if (s.end - s.start <= settings.maxChars) expect(chunks.some((c) => c.start <= s.start && s.end <= c.end)).toBe(true);
  const covered = new Uint8Array(doc.text.length);
  for (const c of chunks) covered.fill(1, c.start, c.end);
  const lost: number[] = [];
  for (const p of paragraphs(doc.text, isMarkdown)) {
    for (let i = p.start; i < p.end; i++) if (!covered[i] && !/\s/.test(doc.text[i] ?? '')) lost.push(i);
  }
  expect(lost, 'characters in no chunk').toEqual([]);
}

describe('chunking the real corpus', () => {
  const settingsList: ChunkerSettings[] = [DEFAULT_CHUNKER, { maxChars: 300, minChars: 100 }, { maxChars: 120, minChars: 0 }];
  for (const settings of settingsList) {
    it(`keeps every invariant with maxChars=${settings.maxChars}, minChars=${settings.minChars}`, () => {
      const chunks = chunkSource(corpus, settings);
      expect(chunks.length).toBeGreaterThan(10);
      expectWellFormed(corpus, chunks, settings);
    });
  }

  it('smaller chunks mean more of them', () => {
    expect(chunkSource(corpus, { maxChars: 300, minChars: 100 }).length).toBeGreaterThan(chunkSource(corpus, DEFAULT_CHUNKER).length);
  });

  it('names sections by the plain-text headings', () => {
    const chunks = chunkSource(corpus);
    const sections = new Set(chunks.map((c) => c.section));
    expect(sections).toContain('Introduction');
    expect(sections).toContain('Climate and Environment');
    expect(sections).toContain('Population and Demographics');
    const population = chunks.find((c) => c.text.includes('1.5 million'));
    expect(population?.section).toBe('Population and Demographics');
    // A heading line is never the text of a chunk.
    expect(chunks.some((c) => c.text === 'Climate and Environment')).toBe(false);
    expect(chunks.some((c) => c.text.startsWith('Climate and Environment'))).toBe(false);
  });

  it('gives the same ids on every run, all distinct', () => {
    const a = chunkSource(corpus);
    const b = chunkSource({ path: corpus.path, text: `${corpus.text}` });
    expect(b.map((c) => c.id)).toEqual(a.map((c) => c.id));
    expect(new Set(a.map((c) => c.id)).size).toBe(a.length);
  });
});

describe('chunkId', () => {
  it('is a hash of source path and text', () => {
    const expected = createHash('sha256').update('a.txt\0Winters are long.').digest('hex').slice(0, 20);
    expect(chunkId('a.txt', 'Winters are long.', 0)).toBe(expected);
  });

  it('differs for another text, another source, or another occurrence', () => {
    const id = chunkId('a.txt', 'Winters are long.', 0);
    expect(chunkId('a.txt', 'Winters are short.', 0)).not.toBe(id);
    expect(chunkId('b.txt', 'Winters are long.', 0)).not.toBe(id);
    expect(chunkId('a.txt', 'Winters are long.', 1)).not.toBe(id);
  });
});

describe('chunking synthetic text', () => {
  const small: ChunkerSettings = { maxChars: 200, minChars: 0 };
  const sentence = (i: number): string => `Sentence number ${i} talks about the Amur River and the city of Heihe.`;

  it('gives no chunks for empty or blank text', () => {
    expect(chunkSource({ path: 'e.txt', text: '' })).toEqual([]);
    expect(chunkSource({ path: 'e.txt', text: '\n\n   \n' })).toEqual([]);
  });

  it('makes a chunk of each paragraph, as an exact slice', () => {
    const text = 'First paragraph is here.\n\nSecond paragraph is here.\n';
    const chunks = chunkSource({ path: 'p.txt', text }, small);
    expect(chunks.map((c) => c.text)).toEqual(['First paragraph is here.', 'Second paragraph is here.']);
    for (const c of chunks) expect(text.slice(c.start, c.end)).toBe(c.text);
  });

  it('splits a paragraph longer than maxChars between sentences', () => {
    const para = Array.from({ length: 10 }, (_, i) => sentence(i)).join(' ');
    const doc = { path: 'long.txt', text: `Title\n\n${para}\n` };
    expect(para.length).toBeGreaterThan(small.maxChars);
    const chunks = chunkSource(doc, small);
    expect(chunks.length).toBeGreaterThan(1);
    expectWellFormed(doc, chunks, small);
    for (const c of chunks) {
      expect(c.text.length).toBeLessThanOrEqual(small.maxChars);
      expect(c.text).toMatch(/^Sentence number \d+ .*\.$/s);
      expect(c.section).toBe('Title');
    }
    // Together they are the paragraph, cut only at the spaces between sentences.
    expect(chunks.map((c) => c.text).join(' ')).toBe(para);
  });

  it('cuts a sentence longer than maxChars at word boundaries, and keeps the short ones whole', () => {
    const long = `The long sentence ${'goes on and on '.repeat(20)}until it ends.`;
    const text = `Short first. ${long} Short last.`;
    expect(long.length).toBeGreaterThan(small.maxChars);
    const chunks = chunkSource({ path: 's.txt', text }, small);
    expectWellFormed({ path: 's.txt', text }, chunks, small);
    expect(chunks.length).toBeGreaterThan(2);
    // Every cut falls between words.
    for (const c of chunks) {
      expect(c.start === 0 || /\s/.test(text[c.start - 1] ?? '')).toBe(true);
      expect(c.end === text.length || /\s/.test(text[c.end] ?? '')).toBe(true);
    }
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });

  it('prefers a clause break (comma, semicolon) to any word boundary', () => {
    const clause = 'the river runs east past the old customs house and the ferry pier';
    const text = `${clause}, ${clause}; ${clause}, ${clause}`;
    const chunks = chunkSource({ path: 's.txt', text }, { maxChars: 150, minChars: 0 });
    expectWellFormed({ path: 's.txt', text }, chunks, { maxChars: 150, minChars: 0 });
    for (const c of chunks.slice(0, -1)) expect(c.text).toMatch(/[,;]$/);
  });

  it('bounds a run-on file without any punctuation or line breaks (every chunk ≤ maxChars)', () => {
    const words = ['amur', 'river', 'border', 'trade', 'winter', 'bridge', 'market', 'ferry'];
    let text = '';
    for (let i = 0; text.length < 200_000; i++) text += `${words[i % words.length]}${i % 13} `;
    const doc = { path: 'runon.txt', text };
    const chunks = chunkSource(doc, DEFAULT_CHUNKER);
    expect(chunks.length).toBeGreaterThan(160);
    expectWellFormed(doc, chunks, DEFAULT_CHUNKER);
    expect(Math.max(...chunks.map((c) => c.text.length))).toBeLessThanOrEqual(DEFAULT_CHUNKER.maxChars);
  });

  it('bounds one enormous "word" too, without splitting a surrogate pair', () => {
    const text = `${'x'.repeat(299)}😀${'y'.repeat(500)}`;
    const chunks = chunkSource({ path: 'w.txt', text }, { maxChars: 300, minChars: 0 });
    expectWellFormed({ path: 'w.txt', text }, chunks, { maxChars: 300, minChars: 0 });
    expect(chunks.map((c) => c.text).join('')).toBe(text);
    for (const c of chunks) expect(c.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it('a markdown "heading" longer than a title can be is a paragraph, chunked like one', () => {
    const text = `# ${'very long heading words '.repeat(200)}\n\nBody text follows here.`;
    const chunks = chunkSource({ path: 'h.md', text }, DEFAULT_CHUNKER);
    expectWellFormed({ path: 'h.md', text }, chunks, DEFAULT_CHUNKER);
    for (const c of chunks) expect(c.section.length).toBeLessThanOrEqual(200);
  });

  it('merges short paragraphs of one section, up to maxChars, but not across sections', () => {
    const text = 'Climate\n\nIt is cold.\n\nIt snows.\n\nEconomy\n\nTrade grows.\n\nPorts are busy.';
    const chunks = chunkSource({ path: 'm.txt', text }, { maxChars: 200, minChars: 50 });
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['Climate', 'It is cold.\n\nIt snows.'],
      ['Economy', 'Trade grows.\n\nPorts are busy.'],
    ]);
    // With minChars 0 nothing is merged.
    expect(chunkSource({ path: 'm.txt', text }, { maxChars: 200, minChars: 0 })).toHaveLength(4);
  });

  it('detects markdown headings in .md sources', () => {
    const text = '# Heihe\n\nIntro paragraph.\n\n## Climate\n\nWinters are long.\n';
    const chunks = chunkSource({ path: 'h.md', text }, small);
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['Heihe', 'Intro paragraph.'],
      ['Climate', 'Winters are long.'],
    ]);
  });

  it('detects plain-text headings (short lines without closing punctuation)', () => {
    const text = 'Heihe is a city.\n\nClimate and Environment\n\nWinters are long.\n\nNot a heading.\n\nSummers are short.';
    const chunks = chunkSource({ path: 'h.txt', text }, small);
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['Introduction', 'Heihe is a city.'],
      ['Climate and Environment', 'Winters are long.'],
      ['Climate and Environment', 'Not a heading.'],
      ['Climate and Environment', 'Summers are short.'],
    ]);
  });

  it('handles CRLF line endings', () => {
    const text = 'Climate\r\n\r\nWinters are long.\r\nThey are cold.\r\n\r\nSummers are short.\r\n';
    const doc = { path: 'crlf.txt', text };
    const chunks = chunkSource(doc, small);
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['Climate', 'Winters are long.\r\nThey are cold.'],
      ['Climate', 'Summers are short.'],
    ]);
    expectWellFormed(doc, chunks, small);
    // The same text with LF endings has the same paragraphs, at other offsets.
    const lf = chunkSource({ path: 'crlf.txt', text: text.replace(/\r\n/g, '\n') }, small);
    expect(lf.map((c) => c.text.replace(/\n/g, ''))).toEqual(chunks.map((c) => c.text.replace(/\r?\n/g, '')));
  });

  it('keeps ids of unchanged paragraphs when another paragraph changes', () => {
    const before = chunkSource({ path: 'e.txt', text: 'Alpha paragraph.\n\nBeta paragraph.\n\nGamma paragraph.' }, small);
    const after = chunkSource({ path: 'e.txt', text: 'Alpha paragraph.\n\nBeta paragraph, edited.\n\nGamma paragraph.' }, small);
    expect(after[0]?.id).toBe(before[0]?.id);
    expect(after[2]?.id).toBe(before[2]?.id);
    expect(after[1]?.id).not.toBe(before[1]?.id);
  });

  it('gives duplicates of the same text in one source distinct ids', () => {
    const text = 'Same words here.\n\nOther words.\n\nSame words here.';
    const chunks = chunkSource({ path: 'd.txt', text }, small);
    expect(chunks).toHaveLength(3);
    expect(chunks[0]?.text).toBe(chunks[2]?.text);
    expect(chunks[0]?.id).not.toBe(chunks[2]?.id);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(3);
    // ...and the ids are still the same on the next run.
    expect(chunkSource({ path: 'd.txt', text }, small).map((c) => c.id)).toEqual(chunks.map((c) => c.id));
  });

  it('gives the same text in two sources different ids', () => {
    const chunks = chunkSources(
      [
        { path: 'a.txt', text: 'Shared paragraph.' },
        { path: 'b.txt', text: 'Shared paragraph.' },
      ],
      small,
    );
    expect(chunks.map((c) => c.source)).toEqual(['a.txt', 'b.txt']);
    expect(chunks[0]?.id).not.toBe(chunks[1]?.id);
  });
});

describe('indexText', () => {
  it('prefixes the section title', () => {
    expect(indexText({ section: 'Climate', text: 'Winters are long.' })).toBe('Climate\nWinters are long.');
  });
});

describe('sections with the same title', () => {
  it('are never merged across the second heading', () => {
    const text = 'Trade\n\nShort one.\n\nTrade\n\nShort two.\n';
    const chunks = chunkSource({ path: 'same.txt', text });
    expect(chunks.map((c) => c.text)).toEqual(['Short one.', 'Short two.']);
    expect(chunks.every((c) => c.section === 'Trade')).toBe(true);
  });
});

