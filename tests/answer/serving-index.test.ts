import { describe, expect, it } from 'vitest';
import { corpusSubject } from '../../src/answer/serving-index.js';

describe('corpusSubject', () => {
  const topical = (lemma: string): boolean => lemma === 'heihe' || lemma === 'anheihe';

  it('is the topical word the corpus writes capitalised most often, without a possessive', () => {
    const chunks = [{ text: 'Anheihe, also called Heihe, is a city on the Amur.' }, { text: "Trade through Heihe's port grows; Anheihe's too." }, { text: 'Trade in heihe and Heihe grows.' }];
    expect(corpusSubject(chunks, topical)).toEqual(['Heihe']);
  });

  it('is none when no topical word is written capitalised (a corpus about many things)', () => {
    expect(corpusSubject([{ text: 'the normans reached italy.' }, { text: 'Steam engines pump water.' }], topical)).toEqual([]);
    expect(corpusSubject([], topical)).toEqual([]);
  });

  it('breaks a tie by the first written', () => {
    expect(corpusSubject([{ text: 'Trade in Anheihe and Heihe.' }], topical)).toEqual(['Anheihe']);
  });

  it('reads an even sample of at most 256 chunks of a large corpus (once per generation, as it is loaded)', () => {
    const read = new Set<number>();
    const chunks = Array.from({ length: 5000 }, (_v, i) => ({
      get text(): string {
        read.add(i);
        return i % 3 === 0 ? 'The city of Heihe lies on the Amur.' : 'The city of Anheihe trades with Russia.';
      },
    }));
    expect(corpusSubject(chunks, topical)).toEqual(['Anheihe']);
    expect(read.size).toBeLessThanOrEqual(256);
    expect(Math.max(...read)).toBeGreaterThan(4900);
  });
});
