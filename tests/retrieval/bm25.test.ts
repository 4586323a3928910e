import { describe, expect, it } from 'vitest';
import { buildBm25 } from '../../src/retrieval/bm25.js';

const DOCS = [
  'Winters in Heihe are long and cold; the Amur River freezes.',
  'Heihe trades with Russia across the Amur River.',
  'Heihe University offers programs in arts and sciences.',
  'The port of Heihe handles trade on the river.',
  'Blagoveshchensk lies across the river from Heihe.',
];

describe('buildBm25', () => {
  const index = buildBm25(DOCS);

  it('counts documents and document frequencies by stem', () => {
    expect(index.docCount).toBe(5);
    expect(index.df('heih')).toBe(5);
    expect(index.df('river')).toBe(4);
    expect(index.df('univers')).toBe(1);
    expect(index.df('nonexistent')).toBe(0);
  });

  it('weighs rare stems above common ones, always positive', () => {
    expect(index.idf('univers')).toBeGreaterThan(index.idf('trade'));
    expect(index.idf('trade')).toBeGreaterThan(index.idf('river'));
    expect(index.idf('river')).toBeGreaterThan(index.idf('heih'));
    expect(index.idf('heih')).toBeGreaterThan(0);
    expect(index.idf('nonexistent')).toBeGreaterThan(index.idf('univers'));
  });

  it('ranks the document with an exact rare term first', () => {
    expect(index.search('university', 5)[0]?.doc).toBe(2);
    expect(index.search('Blagoveshchensk', 5).map((r) => r.doc)).toEqual([4]);
    expect(index.search('How cold are the winters?', 5)[0]?.doc).toBe(0);
  });

  it('matches inflected forms through stems', () => {
    expect(index.search('trading', 5).map((r) => r.doc).sort()).toEqual([1, 3]);
  });

  it('a rare term outweighs a common one in the ranking', () => {
    // Doc 2 has the rare "sciences"; docs 0,1,3,4 only the common "river".
    const results = index.search('river sciences', 5);
    expect(results[0]?.doc).toBe(2);
    expect(results).toHaveLength(5);
  });

  it('returns only positive scores, best first, at most `limit`', () => {
    const all = index.search('Heihe river trade', 10);
    expect(all.length).toBe(5);
    for (let i = 1; i < all.length; i++) expect(all[i - 1]!.score).toBeGreaterThanOrEqual(all[i]!.score);
    for (const r of all) expect(r.score).toBeGreaterThan(0);
    expect(index.search('Heihe river trade', 2)).toEqual(all.slice(0, 2));
    expect(index.search('Heihe river trade', 0)).toEqual([]);
  });

  it('gives nothing for an empty query, a stop-word query, or unknown words', () => {
    expect(index.search('', 5)).toEqual([]);
    expect(index.search('what is the', 5)).toEqual([]);
    expect(index.search('zebra', 5)).toEqual([]);
  });

  it('prefers the shorter document when term frequencies are equal', () => {
    const idx = buildBm25(['amur', 'amur bridge tunnel ferry road rail port', 'ferry']);
    const results = idx.search('amur', 3);
    expect(results.map((r) => r.doc)).toEqual([0, 1]);
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
  });

  it('counts repeated terms with diminishing returns', () => {
    const idx = buildBm25(['amur amur amur other words', 'amur other words here too', 'nothing']);
    const [first, second] = idx.search('amur', 3);
    expect(first?.doc).toBe(0);
    expect(first!.score).toBeLessThan(3 * second!.score);
  });

  it('works on an empty collection', () => {
    const empty = buildBm25([]);
    expect(empty.docCount).toBe(0);
    expect(empty.search('heihe', 5)).toEqual([]);
  });
});
