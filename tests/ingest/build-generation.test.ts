import { describe, expect, it } from 'vitest';
import { buildGeneration, embeddingKey, type EmbeddingPort } from '../../src/ingest/build-generation.js';
import { indexText } from '../../src/ingest/chunk.js';
import type { ChunkerSettings, SourceDoc } from '../../src/types.js';
import { CountingEmbeddings, hashedBagOfWords } from '../helpers/unit-fakes.js';

const CHUNKER: ChunkerSettings = { maxChars: 400, minChars: 0 };
const NOW = new Date('2024-05-01T12:00:00Z');

const PARAS = [
  'Heihe lies on the southern bank of the Amur River, across from Blagoveshchensk.',
  'Winters in Heihe are long and cold, and the river freezes for months.',
  'The city is home to over 1.5 million people of many backgrounds.',
  'Trade with Russia is the cornerstone of the local economy.',
];
const doc = (paras: readonly string[], path = 'heihe.txt'): SourceDoc => ({ path, text: `Overview\n\n${paras.join('\n\n')}\n` });

function port(emb: CountingEmbeddings, model = 'fake-bow-v1', dimensions: number | undefined = emb.dims): EmbeddingPort {
  return { embeddings: emb, info: { provider: 'local', model, ...(dimensions === undefined ? {} : { dimensions }) } };
}

describe('buildGeneration', () => {
  it('embeds every chunk of a first build, once each, and stores its vector row', async () => {
    const emb = new CountingEmbeddings(8);
    const { data, stats } = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb), now: NOW });
    expect(data.chunks).toHaveLength(4);
    expect(emb.embeddedCount).toBe(4);
    expect(emb.documents).toEqual(data.chunks.map(indexText));
    expect(stats).toMatchObject({ files: 1, chunks: 4, added: 4, unchanged: 0, removed: 0, embedded: 4, reused: 0 });
    expect(data.vectors).toHaveLength(4 * 8);
    data.chunks.forEach((c, i) => {
      const row = Array.from(data.vectors.subarray(i * 8, (i + 1) * 8));
      const expected = hashedBagOfWords(indexText(c), 8);
      row.forEach((x, j) => expect(x).toBeCloseTo(expected[j] ?? NaN, 6));
    });
    expect(data.embeddingKeys).toEqual(data.chunks.map((c) => embeddingKey('fake-bow-v1', indexText(c))));
    expect(data.manifest).toMatchObject({
      createdAt: NOW.toISOString(),
      embedding: { provider: 'local', model: 'fake-bow-v1', dimensions: 8 },
      chunker: CHUNKER,
      chunkCount: 4,
      sources: [{ path: 'heihe.txt', chunks: 4 }],
    });
    expect(data.manifest.sources[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an unchanged re-run with `previous` embeds nothing and keeps the version', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const emb = new CountingEmbeddings(8);
    const later = new Date('2024-06-01T00:00:00Z');
    const second = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb), previous: first.data, now: later });
    expect(emb.embeddedCount).toBe(0);
    expect(emb.calls).toBe(0);
    expect(second.stats).toMatchObject({ chunks: 4, added: 0, unchanged: 4, removed: 0, embedded: 0, reused: 4 });
    expect(second.data.manifest.version).toBe(first.data.manifest.version);
    expect(second.data.manifest.createdAt).toBe(later.toISOString());
    expect(Array.from(second.data.vectors)).toEqual(Array.from(first.data.vectors));
  });

  it('editing one paragraph embeds only the changed chunk', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const edited = [...PARAS];
    edited[2] = 'The city is home to about 1.4 million people of many backgrounds.';
    const emb = new CountingEmbeddings(8);
    const second = await buildGeneration([doc(edited)], { chunker: CHUNKER, embedding: port(emb), previous: first.data, now: NOW });
    expect(emb.documents).toEqual([`Overview\n${edited[2]}`]);
    expect(second.stats).toMatchObject({ chunks: 4, added: 1, unchanged: 3, removed: 1, embedded: 1, reused: 3 });
    expect(second.data.manifest.version).not.toBe(first.data.manifest.version);
    // The new chunk's row holds its own vector, not the old one.
    const i = second.data.chunks.findIndex((c) => c.text === edited[2]);
    const row = Array.from(second.data.vectors.subarray(i * 8, (i + 1) * 8));
    const expected = hashedBagOfWords(`Overview\n${edited[2]}`, 8);
    row.forEach((x, j) => expect(x).toBeCloseTo(expected[j] ?? NaN, 6));
  });

  it('removing a paragraph reports it removed and embeds nothing', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const emb = new CountingEmbeddings(8);
    const second = await buildGeneration([doc(PARAS.filter((_p, i) => i !== 1))], { chunker: CHUNKER, embedding: port(emb), previous: first.data, now: NOW });
    expect(emb.embeddedCount).toBe(0);
    expect(second.stats).toMatchObject({ chunks: 3, added: 0, unchanged: 3, removed: 1, embedded: 0, reused: 3 });
    expect(second.data.chunks.some((c) => c.text === PARAS[1])).toBe(false);
    expect(second.data.manifest.version).not.toBe(first.data.manifest.version);
  });

  it('a different embedding model reuses nothing', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const emb = new CountingEmbeddings(8);
    const second = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb, 'fake-bow-v2'), previous: first.data, now: NOW });
    expect(emb.embeddedCount).toBe(4);
    expect(second.stats).toMatchObject({ embedded: 4, reused: 0 });
    expect(second.data.manifest.version).not.toBe(first.data.manifest.version);
  });

  it('a different provider with the same model name reuses nothing', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const emb = new CountingEmbeddings(8);
    const openai: EmbeddingPort = { embeddings: emb, info: { provider: 'openai', model: 'fake-bow-v1', dimensions: 8 } };
    const second = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: openai, previous: first.data, now: NOW });
    expect(emb.embeddedCount).toBe(4);
    expect(second.stats.reused).toBe(0);
  });

  it('the same model at another dimension re-embeds instead of mixing vector sizes', async () => {
    const first = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(new CountingEmbeddings(8)), now: NOW });
    const emb = new CountingEmbeddings(16);
    const second = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb), previous: first.data, now: NOW });
    expect(emb.embeddedCount).toBe(4);
    expect(second.data.manifest.embedding.dimensions).toBe(16);
    expect(second.data.vectors).toHaveLength(4 * 16);
  });

  it('embeds a text that occurs twice only once', async () => {
    const emb = new CountingEmbeddings(8);
    const { data, stats } = await buildGeneration([doc([PARAS[0] ?? '', PARAS[1] ?? '', PARAS[0] ?? ''])], { chunker: CHUNKER, embedding: port(emb), now: NOW });
    expect(data.chunks).toHaveLength(3);
    expect(new Set(data.chunks.map((c) => c.id)).size).toBe(3);
    expect(emb.embeddedCount).toBe(2);
    expect(stats.embedded).toBe(2);
    expect(Array.from(data.vectors.subarray(0, 8))).toEqual(Array.from(data.vectors.subarray(16, 24)));
  });

  it('batches embedding calls and reports progress', async () => {
    const emb = new CountingEmbeddings(8);
    const progress: Array<[number, number]> = [];
    await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb), now: NOW, batchSize: 3, onProgress: (d, t) => progress.push([d, t]) });
    expect(emb.calls).toBe(2);
    expect(progress).toEqual([
      [0, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('the manifest version changes iff the content does', async () => {
    const build = async (sources: SourceDoc[], chunker = CHUNKER, model = 'fake-bow-v1') =>
      (await buildGeneration(sources, { chunker, embedding: port(new CountingEmbeddings(8), model), now: new Date() })).data.manifest.version;
    const base = await build([doc(PARAS)]);
    expect(await build([doc(PARAS)])).toBe(base);
    expect(await build([doc([...PARAS, 'A new paragraph about the port.'])])).not.toBe(base);
    expect(await build([doc(PARAS, 'renamed.txt')])).not.toBe(base);
    expect(await build([doc(PARAS)], { maxChars: 500, minChars: 0 })).not.toBe(base);
    expect(await build([doc(PARAS)], CHUNKER, 'fake-bow-v2')).not.toBe(base);
    // A section title is part of what is indexed.
    expect(await build([{ path: 'heihe.txt', text: `Summary\n\n${PARAS.join('\n\n')}\n` }])).not.toBe(base);
  });

  it('refuses vectors of the wrong dimension', async () => {
    const emb = new CountingEmbeddings(8);
    await expect(buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb, 'fake-bow-v1', 12), now: NOW })).rejects.toThrow(/dimensions, expected 12/);
  });

  it('refuses an embeddings call that returns too few vectors', async () => {
    const emb = new CountingEmbeddings(8);
    const short = Object.assign(Object.create(emb) as CountingEmbeddings, {
      embedDocuments: async (texts: string[]) => (await emb.embedDocuments(texts)).slice(1),
    });
    await expect(buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(short), now: NOW })).rejects.toThrow(/returned 3 vectors for 4 texts/);
  });

  it('learns the dimension from the vectors when the port does not state it', async () => {
    const emb = new CountingEmbeddings(5);
    const { data } = await buildGeneration([doc(PARAS)], { chunker: CHUNKER, embedding: port(emb, 'fake-bow-v1', undefined), now: NOW });
    expect(data.manifest.embedding.dimensions).toBe(5);
    expect(data.vectors).toHaveLength(20);
  });

  it('counts files and chunks per source', async () => {
    const emb = new CountingEmbeddings(8);
    const { data, stats } = await buildGeneration([doc(PARAS.slice(0, 1), 'a.txt'), doc(PARAS.slice(1), 'b.txt')], { chunker: CHUNKER, embedding: port(emb), now: NOW });
    expect(stats.files).toBe(2);
    expect(data.manifest.sources.map((s) => [s.path, s.chunks])).toEqual([
      ['a.txt', 1],
      ['b.txt', 3],
    ]);
  });
});
