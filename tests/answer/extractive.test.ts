import { describe, expect, it } from 'vitest';
import { answerExtractively, DEFAULT_EXTRACTIVE, NOT_IN_CORPUS, type ExtractiveResult } from '../../src/answer/extractive.js';
import { chunkSource } from '../../src/ingest/chunk.js';
import type { Chunk, Retrieved } from '../../src/types.js';
import { corpusStats, fakeLexicon, retrieved } from '../helpers/unit-fakes.js';

// A small corpus about Heihe, chunked by the real chunker so offsets point into SOURCE.
const SOURCE = [
  'Geography',
  'Heihe lies on the Amur River in Heilongjiang province. It faces Blagoveshchensk across the river. The two cities are linked by a bridge.',
  'Population',
  'Heihe is home to a population of over 1.5 million humans. Han Chinese are the majority. The Manchu have lived in the region since 1689.',
  'Climate',
  'Winters in Heihe are long and bitterly cold, with temperatures far below freezing. Summers are short and mild.',
  'History',
  'The Treaty of Nerchinsk was signed in 1689. It described the border along the Amur River.',
  'Education',
  'Heihe University offers programs in arts and sciences.',
  'Trade',
  'Heihe has a port on the river for trade with Russia.',
].join('\n\n');
const CHUNKS = chunkSource({ path: 'heihe.txt', text: SOURCE }, { maxChars: 1000, minChars: 0 });
const chunk = (section: string): Chunk => {
  const c = CHUNKS.find((x) => x.section === section);
  if (!c) throw new Error(`no chunk in ${section}`);
  return c;
};
const [GEO, POP, CLIMATE, HISTORY, EDU, TRADE] = ['Geography', 'Population', 'Climate', 'History', 'Education', 'Trade'].map(chunk) as [Chunk, Chunk, Chunk, Chunk, Chunk, Chunk];
const STATS = corpusStats(CHUNKS);

// General-English frequency ranks (most common first) and word similarities, by hand.
const lexicon = fakeLexicon({
  common: ['the', 'of', 'and', 'a', 'in', 'to', 'is', 'was', 'like', 'city', 'people', 'live', 'home', 'over', 'million', 'year', 'river', 'population', 'long', 'cold', 'winters', 'summers', 'russia'],
  similar: [
    ['people', 'humans', 0.8],
    ['live', 'home', 0.75],
    ['live', 'lived', 0.9],
    ['cold', 'freezing', 0.7],
  ],
});

const ask = (question: string, passages: readonly Chunk[]): ExtractiveResult => answerExtractively(question, retrieved(passages), lexicon, STATS);

/** Checks the answer quotes its passages verbatim and cites only returned citations. */
function expectQuotedAndCited(result: ExtractiveResult, passages: readonly Retrieved[]): void {
  const markers = [...result.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
  expect(markers.length).toBeGreaterThan(0);
  const numbers = new Set(result.citations.map((c) => c.n));
  for (const n of markers) expect(numbers.has(n)).toBe(true);
  // Each quoted piece is an exact substring of the passage its marker names.
  for (const m of result.answer.matchAll(/\s*(.+?) \[(\d+)\]/g)) {
    const cited = result.citations.find((c) => c.n === Number(m[2]));
    expect(cited?.text).toContain(m[1]);
    const passage = passages.find((p) => p.chunk.id === cited?.chunkId);
    expect(passage?.chunk.text).toContain(m[1]);
  }
}

describe('answerExtractively', () => {
  it('picks the sentence that answers and quotes it verbatim with its marker', () => {
    const passages = retrieved([GEO, POP, CLIMATE]);
    const result = answerExtractively('What is the population of Heihe?', passages, lexicon, STATS);
    expect(result.grounded).toBe(true);
    expect(result.answer).toBe('Heihe is home to a population of over 1.5 million humans. [1]');
    expect(result.citations[0]?.chunkId).toBe(POP.id);
    expectQuotedAndCited(result, passages);
  });

  it('each quoted passage carries the offsets of its quoted sentences, relative to its text', () => {
    const passages = retrieved([GEO, POP, CLIMATE]);
    const result = answerExtractively('What is the population of Heihe?', passages, lexicon, STATS);
    const [quoted, ...others] = result.citations;
    expect(quoted?.quotes).toEqual([{ start: 0, end: 'Heihe is home to a population of over 1.5 million humans.'.length }]);
    expect(quoted!.text.slice(quoted!.quotes![0]!.start, quoted!.quotes![0]!.end)).toBe('Heihe is home to a population of over 1.5 million humans.');
    // Passages the answer read but did not quote have no offsets.
    for (const c of others) expect(c).not.toHaveProperty('quotes');
  });

  it('two quoted sentences of one passage give two offsets, each an exact slice of its sentence', () => {
    const result = ask('What are winters and summers like in Heihe?', [CLIMATE, GEO]);
    expect(result.grounded).toBe(true);
    const climate = result.citations.find((c) => c.chunkId === CLIMATE.id);
    const slices = (climate?.quotes ?? []).map((q) => climate!.text.slice(q.start, q.end));
    expect(slices.length).toBeGreaterThan(0);
    for (const s of slices) expect(result.answer).toContain(s);
    expect(slices.join(' ')).toContain('Winters in Heihe are long');
    expect(result.sentences.length).toBeGreaterThan(0);
  });

  it('a refusal carries no quote offsets', () => {
    const result = ask('How do I bake sourdough bread?', [GEO, POP]);
    expect(result.grounded).toBe(false);
    expect(result.citations).toEqual([]);
  });

  it('scored sentences carry exact offsets into the source', () => {
    const result = ask('What is the population of Heihe?', [GEO, POP, CLIMATE]);
    expect(result.sentences.length).toBeGreaterThan(5);
    for (const s of result.sentences) expect(SOURCE.slice(s.start, s.end)).toBe(s.text);
    // Best first.
    for (let i = 1; i < result.sentences.length; i++) expect(result.sentences[i - 1]!.score).toBeGreaterThanOrEqual(result.sentences[i]!.score);
  });

  it('finds the answer whatever the passage order', () => {
    for (const order of [
      [CLIMATE, GEO, POP],
      [POP, CLIMATE, GEO],
    ]) {
      const passages = retrieved(order);
      const result = answerExtractively('What are winters like in Heihe?', passages, lexicon, STATS);
      expect(result.grounded).toBe(true);
      expect(result.answer).toContain('Winters in Heihe are long and bitterly cold, with temperatures far below freezing.');
      expect(result.answer).not.toContain('1.5 million');
      expectQuotedAndCited(result, passages);
    }
  });

  it('answers a "when" question with the sentence that holds the date', () => {
    const passages = retrieved([HISTORY, GEO]);
    const result = answerExtractively('When was the Treaty of Nerchinsk signed?', passages, lexicon, STATS);
    expect(result.grounded).toBe(true);
    expect(result.answer).toMatch(/^The Treaty of Nerchinsk was signed in 1689\. \[1\]/);
    expectQuotedAndCited(result, passages);
  });

  it('cites the quoted passage first, then the other top passages by retrieval rank', () => {
    const result = ask('What is the population of Heihe?', [GEO, POP, CLIMATE, HISTORY, EDU, TRADE]);
    expect(result.citations.map((c) => c.n)).toEqual([1, 2, 3, 4, 5]);
    expect(result.citations.map((c) => c.chunkId)).toEqual([POP, GEO, CLIMATE, HISTORY, EDU].map((c) => c.id));
  });

  it('adds a citation when the answer comes from a passage beyond the cited ones', () => {
    const passages = retrieved([GEO, CLIMATE, HISTORY, EDU, TRADE, POP]);
    const result = answerExtractively('What is the population of Heihe?', passages, lexicon, STATS, { ...DEFAULT_EXTRACTIVE, citePassages: 2 });
    expect(result.grounded).toBe(true);
    expect(result.answer).toBe('Heihe is home to a population of over 1.5 million humans. [1]');
    expect(result.citations.map((c) => c.chunkId)).toEqual([POP.id, GEO.id, CLIMATE.id]);
    expectQuotedAndCited(result, passages);
  });

  it('"how many" prefers a sentence with a count over one with a year', () => {
    const dated = 'People have lived in Heihe since 1689, when the outpost grew.';
    const counted = 'Over 1.5 million people live in Heihe today.';
    const text = `${dated}\n\n${counted}`;
    const [a, b] = chunkSource({ path: 'count.txt', text }, { maxChars: 500, minChars: 0 }) as [Chunk, Chunk];
    const stats = corpusStats([...CHUNKS, a, b]);
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const result = answerExtractively('How many people live in Heihe?', retrieved(order), lexicon, stats);
      expect(result.grounded).toBe(true);
      expect(result.answer).toContain(counted);
      expect(result.answer).not.toContain('1689');
    }
  });

  it('does not take a year for a count', () => {
    const sentences = ['People have lived in Heihe since 1689.', 'People have lived in Heihe for centuries.', 'People have lived in Heihe in 300 houses.', 'People have lived in Heihe in thousands of houses.'];
    const chunks = chunkSource({ path: 'year.txt', text: sentences.join('\n\n') }, { maxChars: 500, minChars: 0 });
    const stats = corpusStats([...CHUNKS, ...chunks]);
    const scoreOf = (question: string, c: Chunk): number => answerExtractively(question, retrieved([c]), lexicon, stats).sentences[0]!.score;
    const [year, centuries, count, magnitude] = chunks.map((c) => scoreOf('How many people live in Heihe?', c)) as [number, number, number, number];
    // Same words answered; only the counts count as a number.
    expect(count).toBeGreaterThan(year + 0.1);
    expect(magnitude).toBeGreaterThan(year + 0.1);
    expect(year).toBeCloseTo(centuries, 10);
    // A question that expects no number scores them all alike.
    const plain = chunks.map((c) => scoreOf('Do people live in Heihe?', c));
    for (const p of plain) expect(p).toBeCloseTo(plain[0]!, 10);
  });

  describe('refuses (grounded: false)', () => {
    const expectRefusal = (result: ExtractiveResult): void => {
      expect(result.grounded).toBe(false);
      expect(result.answer).toBe(NOT_IN_CORPUS);
      expect(result.answer).not.toMatch(/\[\d+\]/);
    };

    it('when a name of the question is in no passage', () => {
      const result = ask('What is the population of Harbin?', [POP, GEO, CLIMATE]);
      expectRefusal(result);
      expect(result.sentences[0]?.missingRequired).toBe(true);
      // ...though the same question about Heihe is answered.
      expect(ask('What is the population of Heihe?', [POP, GEO, CLIMATE]).grounded).toBe(true);
    });

    it('when a name the corpus knows is missing from the passages, however well the rest matches', () => {
      // "Russia" is in the corpus (the trade passage) and common in English, so it weighs little;
      // the population passage matches everything else of the question.
      const result = ask('Are Han Chinese the majority in Russia?', [POP, CLIMATE]);
      expectRefusal(result);
      const best = result.sentences[0]!;
      expect(best.text).toBe('Han Chinese are the majority.');
      expect(best.missingRequired).toBe(true);
      expect(best.score).toBeGreaterThan(DEFAULT_EXTRACTIVE.minScore);
      expect(ask('Are Han Chinese the majority in Heihe?', [POP, CLIMATE]).answer).toBe('Han Chinese are the majority. [1]');
    });

    it('when a number of the question is in no passage', () => {
      expectRefusal(ask('How many people lived in Heihe in 1900?', [POP, GEO, HISTORY]));
    });

    it('when coverage of the question is too low', () => {
      const result = ask('Which sports teams play football here?', [GEO, POP, CLIMATE]);
      expectRefusal(result);
      expect(result.sentences[0]?.missingRequired).toBe(false);
      expect(result.sentences[0]!.score).toBeLessThan(DEFAULT_EXTRACTIVE.minScore);
    });

    it('when the question names an entity but what it asks about it is not covered', () => {
      // Blagoveshchensk appears only as a neighbour; the population given is Heihe's.
      const result = ask('What is the population of Blagoveshchensk?', [GEO, POP, CLIMATE]);
      expectRefusal(result);
      const best = result.sentences[0];
      expect(best?.missingRequired).toBe(false);
      expect(best!.restCoverage).toBeLessThan(DEFAULT_EXTRACTIVE.minRestCoverage);
    });

    it('when there are no passages or no content terms', () => {
      expectRefusal(ask('What is the population of Heihe?', []));
      expectRefusal(ask('What is it?', [GEO, POP]));
    });

    it('cites nothing, since nothing answers', () => {
      const result = ask('What is the population of Harbin?', [POP, GEO]);
      expect(result.citations).toEqual([]);
      expect(result.answer).not.toMatch(/\[\d+\]/);
    });
  });

  it('the refusal threshold is an option', () => {
    const strict = answerExtractively('What is the population of Heihe?', retrieved([POP, GEO]), lexicon, STATS, { ...DEFAULT_EXTRACTIVE, minScore: 5 });
    expect(strict.grounded).toBe(false);
  });

  it('joins a second sentence only when it scores close to the best, and reads in passage order', () => {
    const text = 'Summers in Heihe are short and mild.\n\nGeography\n\nHeihe lies on the Amur River.\n\nClimate\n\nWinters in Heihe are long and bitterly cold. Spring is windy.';
    const [summer, geo, climate] = chunkSource({ path: 'seasons.txt', text }, { maxChars: 1000, minChars: 0 }) as [Chunk, Chunk, Chunk];
    const stats = corpusStats([summer, geo, climate]);
    const question = 'What are winters and summers like in Heihe?';
    const winters = 'Winters in Heihe are long and bitterly cold.';
    const summers = 'Summers in Heihe are short and mild.';
    const run = (order: Chunk[], options = DEFAULT_EXTRACTIVE): ExtractiveResult => answerExtractively(question, retrieved(order), lexicon, stats, options);

    const a = run([climate, geo, summer]);
    expect(a.answer).toBe(`${winters} [1] ${summers} [2]`);
    expectQuotedAndCited(a, retrieved([climate, geo, summer]));
    const b = run([summer, geo, climate]);
    expect(b.answer).toBe(`${summers} [1] ${winters} [2]`);
    // Capped by maxSentences and by followRatio.
    expect(run([climate, geo, summer], { ...DEFAULT_EXTRACTIVE, maxSentences: 1 }).answer).toBe(`${winters} [1]`);
    expect(run([climate, geo, summer], { ...DEFAULT_EXTRACTIVE, followRatio: 0.99 }).answer).toBe(`${winters} [1]`);
    // "Spring is windy." never joins: it scores far below the best.
    expect(run([climate, geo, summer], { ...DEFAULT_EXTRACTIVE, maxSentences: 5 }).answer).not.toContain('Spring');
  });
});
