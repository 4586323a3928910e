/**
 * The index store's write transaction (begin → write → verify → commit | abort) and the
 * generation files it writes: what is written loads back identical; nothing is a generation
 * before commit; abort leaves nothing behind; every stage's failure is labelled; and the
 * loader checks each file (zod for manifest, chunk store and docstore; vectors for values).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildGeneration, type EmbeddingPort } from '../../src/ingest/build-generation.js';
import { beginGeneration, GenerationWriteError } from '../../src/index-store/transaction.js';
import { generationName, loadGeneration, loadGenerationAt, readGenerationData, type GenerationData } from '../../src/index-store/generation.js';
import { FILES, generationDir, listGenerations, readCurrent } from '../../src/index-store/layout.js';
import { IndexError } from '../../src/errors.js';
import type { SourceDoc } from '../../src/types.js';
import { CountingEmbeddings } from '../helpers/unit-fakes.js';
import { tempDir } from '../helpers/test-server.js';

const DIMS = 16;
const emb = new CountingEmbeddings(DIMS);
const port: EmbeddingPort = { embeddings: emb, info: { provider: 'local', model: 'fake-bow-v1', dimensions: DIMS } };
const SOURCES: SourceDoc[] = [
  { path: 'a.txt', text: 'Rivers\n\nThe Amur River flows past Heihe.\n\nThe Zeya joins it across the water.\n' },
  { path: 'notes/b.md', text: '# Trade\n\nHeihe trades with Blagoveshchensk. Ferries cross in summer; in winter, a road crosses the ice.\n' },
];

let indexDir: string;
let data: GenerationData;
beforeEach(async () => {
  indexDir = tempDir('heihe-tx-');
  data = (await buildGeneration(SOURCES, { chunker: { maxChars: 60, minChars: 0 }, embedding: port, now: new Date('2024-05-01T00:00:00Z') })).data;
});
afterEach(() => rmSync(indexDir, { recursive: true, force: true }));

const name = (): string => generationName(data.manifest, new Date('2024-05-01T00:00:00Z'));
const entries = (): string[] => (existsSync(path.join(indexDir, 'generations')) ? readdirSync(path.join(indexDir, 'generations')) : []);

describe('the write transaction', () => {
  test('begin → write → verify → commit: loads back identical, renamed into place, CURRENT names it', async () => {
    const tx = await beginGeneration(indexDir, name());
    await tx.write(data);
    expect(entries()).toEqual([`.tmp-${name()}`]); // not a generation yet
    expect(await listGenerations(indexDir)).toEqual([]);
    const loaded = await tx.verify(port.embeddings, port.info);
    expect(loaded.name).toBe(name());
    expect(loaded.chunks).toEqual(data.chunks);
    expect(loaded.embeddingKeys).toEqual(data.embeddingKeys);
    expect(Array.from(loaded.vectors)).toEqual(Array.from(data.vectors));
    expect(loaded.manifest).toEqual(data.manifest);
    await tx.commit();
    expect(entries()).toEqual([name()]);
    expect(await readCurrent(indexDir)).toBe(name());
    // The served store finds a chunk by its own vector, and maps it back to its id.
    const first = data.chunks[0];
    const hits = await loaded.store.similaritySearchVectorWithScore(Array.from(data.vectors.subarray(0, DIMS)), 1);
    expect(hits[0]?.[0].metadata['chunkId']).toBe(first?.id);
    expect(hits[0]?.[0].pageContent).toBe(first?.text);
    await tx.abort(); // a no-op after commit
    expect(entries()).toEqual([name()]);
  });

  test('a failing probe in verify: labelled "verify"; abort removes everything; CURRENT untouched', async () => {
    const tx = await beginGeneration(indexDir, name());
    await tx.write(data);
    const err = await tx
      .verify(port.embeddings, port.info, async () => {
        throw new Error('probe found nothing');
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationWriteError);
    expect((err as GenerationWriteError).stage).toBe('verify');
    expect((err as GenerationWriteError).message).toBe('probe found nothing');
    await tx.abort();
    expect(entries()).toEqual([]);
    expect(await readCurrent(indexDir)).toBeNull();
  });

  test('stages run in order: commit before verify, verify before write are refused', async () => {
    const tx = await beginGeneration(indexDir, name());
    await expect(tx.verify(port.embeddings, port.info)).rejects.toThrow(/verify before write/);
    await expect(tx.commit()).rejects.toThrow(/commit before verify/);
    await tx.abort();
    expect(entries()).toEqual([]);
  });

  test('inconsistent data fails in "write", and nothing is left once aborted', async () => {
    const tx = await beginGeneration(indexDir, name());
    const err = await tx.write({ ...data, embeddingKeys: data.embeddingKeys.slice(1) }).catch((e: unknown) => e);
    expect((err as GenerationWriteError).stage).toBe('write');
    await tx.abort();
    expect(entries()).toEqual([]);
  });

  test('begin in an index directory that cannot be made is a "write" failure naming the cause', async () => {
    writeFileSync(path.join(indexDir, 'generations'), 'a file where the directory should be');
    const err = await beginGeneration(indexDir, name()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationWriteError);
    expect((err as GenerationWriteError).stage).toBe('write');
    expect((err as GenerationWriteError).message).toMatch(/^E(EXIST|NOTDIR)/);
  });
});

describe('loading checks every file', () => {
  async function committed(): Promise<string> {
    const tx = await beginGeneration(indexDir, name());
    await tx.write(data);
    await tx.verify(port.embeddings, port.info);
    await tx.commit();
    return generationDir(indexDir, name());
  }
  const loadError = async (): Promise<string> => {
    const err = await loadGeneration(indexDir, name(), port.embeddings, port.info).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).code).toBe('index_corrupt');
    return (err as IndexError).message;
  };

  test('the manifest through zod: a wrong type is named', async () => {
    const dir = await committed();
    const m = JSON.parse(readFileSync(path.join(dir, FILES.manifest), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, FILES.manifest), JSON.stringify({ ...m, chunkCount: 'seven' }));
    expect(await loadError()).toMatch(/manifest\.json is invalid \(chunkCount: /);
  });

  test('the chunk store through zod: a bad line is named by number', async () => {
    const dir = await committed();
    const lines = readFileSync(path.join(dir, FILES.chunkStore), 'utf8').split('\n');
    lines[1] = JSON.stringify({ ...(JSON.parse(lines[1] ?? '{}') as object), end: -1 });
    writeFileSync(path.join(dir, FILES.chunkStore), lines.join('\n'));
    expect(await loadError()).toMatch(/line 2 of chunks\.jsonl is invalid \(end: /);
  });

  test('a chunk store that does not match the docstore or the manifest', async () => {
    const dir = await committed();
    const lines = readFileSync(path.join(dir, FILES.chunkStore), 'utf8').split('\n').filter(Boolean);
    writeFileSync(path.join(dir, FILES.chunkStore), `${[lines[1], lines[0], ...lines.slice(2)].join('\n')}\n`);
    expect(await loadError()).toMatch(/docstore entry \d+ does not match the chunk store/);
    writeFileSync(path.join(dir, FILES.chunkStore), `${lines.slice(1).join('\n')}\n`);
    expect(await loadError()).toMatch(/the chunk store holds \d+ chunks, the manifest \d+/);
  });

  test('a missing generation is index_missing', async () => {
    const err = await loadGeneration(indexDir, 'g-20000101t000000000z-0123456789ab', port.embeddings, port.info).catch((e: unknown) => e);
    expect((err as IndexError).code).toBe('index_missing');
  });

  test('a generation written before chunks.jsonl (chunks.json) still loads, and its data is reusable', async () => {
    const dir = await committed();
    const { chunks, embeddingKeys } = await readGenerationData(indexDir, name());
    rmSync(path.join(dir, FILES.chunkStore));
    writeFileSync(path.join(dir, FILES.legacyChunks), JSON.stringify({ chunks, embeddingKeys }));
    const loaded = await loadGenerationAt(dir, name(), port.embeddings, port.info);
    expect(loaded.chunks).toEqual(data.chunks);
    expect(loaded.embeddingKeys).toEqual(data.embeddingKeys);
  });

  test('an empty line at the end of chunks.jsonl is fine; a truncated last line is not', async () => {
    const dir = await committed();
    const text = readFileSync(path.join(dir, FILES.chunkStore), 'utf8');
    writeFileSync(path.join(dir, FILES.chunkStore), `${text}\n`);
    await expect(loadGeneration(indexDir, name(), port.embeddings, port.info)).resolves.toBeDefined();
    writeFileSync(path.join(dir, FILES.chunkStore), text.slice(0, -20));
    expect(await loadError()).toMatch(/is not valid JSON/);
  });
});

test('a temp directory of an interrupted write is never listed as a generation', async () => {
  mkdirSync(path.join(indexDir, 'generations', `.tmp-${name()}`), { recursive: true });
  expect(await listGenerations(indexDir)).toEqual([]);
});
