/**
 * The files of one index generation: writing them (streamed, so a large generation never
 * becomes one giant string in memory) and loading them back, every file parsed and checked
 * at this edge: the manifest and the chunk store through zod, vectors for count, finiteness
 * and unit length, the hnswlib index for its element count, the docstore for its chunk ids.
 * Loading also checks the manifest against the embeddings the caller will query with, so
 * vectors of two models are never mixed. A generation failing any check is `index_corrupt`.
 *
 * Files (in the generation's directory):
 *   manifest.json       IndexManifest, written last: a directory without one is no generation
 *   chunks.jsonl        one {id, source, section, start, end, text, key} per line, in vector order
 *   vectors.f32         float32 rows, chunkCount × dimensions, little-endian
 *   hnsw/               LangChain HNSWLib's layout: hnswlib.index, args.json, docstore.json
 *                       (the docstore holds each label's chunk id; the text lives in chunks.jsonl)
 *   sentences.json      the answerer's sentence features (when the manifest names a `features` version)
 *   sentence-vectors.f32  their sentence vectors (see sentence-file.ts)
 * Generations written before chunks.jsonl have chunks.json ({chunks, embeddingKeys}); they
 * still load, for serving and for reusing their embeddings.
 *
 * To add a file: a field on GenerationData, a step in writeGenerationFiles and one in
 * readGenerationFiles (and a manifest field in schemas.ts if it is versioned).
 */
import { open, readFile, writeFile, mkdir, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { SynchronousInMemoryDocstore } from '@langchain/community/stores/doc/in_memory';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { z } from 'zod';
import { IndexError } from '../errors.js';
import type { Chunk, EmbeddingInfo, IndexManifest } from '../types.js';
import { runSliced, type Steps } from '../sliced.js';
import { FILES, exists, generationDir } from './layout.js';
import { chunkRecordSchema, docstoreEntrySchema, docstoreSchema, firstIssue, hnswArgsSchema, legacyChunksFileSchema, manifestSchema } from './schemas.js';
import { ownedBuffer, vectorsProblemSteps } from './vectors.js';
import type { SentenceIndex } from '../answer/sentence-index.js';
import { decodeSentenceIndexSteps, encodeSentenceIndex } from './sentence-file.js';
import { storedCalibrationSchema, type StoredCalibration } from '../answer/calibration.js';

/** Everything a generation holds in memory before it is written. */
export interface GenerationData {
  readonly manifest: IndexManifest;
  readonly chunks: readonly Chunk[];
  /** Per chunk: the cache key of its embedding (model + embedded text). */
  readonly embeddingKeys: readonly string[];
  /** Row-major, chunks.length × manifest.embedding.dimensions, every row of unit length. */
  readonly vectors: Float32Array;
  /** What the answerer knows of every sentence (absent in generations written before it existed). */
  readonly sentences?: SentenceIndex | undefined;
}

/** A generation loaded for serving. */
export interface LoadedGeneration extends GenerationData {
  readonly name: string;
  readonly store: HNSWLib;
  /** The refusal calibration stored at ingest, when there is a valid one. */
  readonly calibration?: StoredCalibration | undefined;
}

export type ExpectedEmbedding = Omit<EmbeddingInfo, 'dimensions'> & { readonly dimensions?: number };

export const SEARCH_EF = 128;
// hnswlib's defaults, as LangChain's HNSWLib uses them.
const HNSW_M = 16;
const HNSW_EF_CONSTRUCTION = 200;
const HNSW_SEED = 100;
/** Chunk-store lines are written in batches of about this many characters. */
const WRITE_BATCH_CHARS = 1 << 20;

export function generationName(manifest: IndexManifest, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('T', 't').replace('Z', 'z');
  return `g-${stamp}-${manifest.version}`;
}

/** Appends lines to a file in batches, so a large store is never one string in memory. */
async function writeLines(file: string, lines: Iterable<string>, head = '', separator = '\n', tail = '\n'): Promise<void> {
  const handle = await open(file, 'w');
  try {
    let batch = head;
    let first = true;
    for (const line of lines) {
      batch += first ? line : separator + line;
      first = false;
      if (batch.length >= WRITE_BATCH_CHARS) {
        await handle.write(batch);
        batch = '';
      }
    }
    await handle.write(batch + tail);
  } finally {
    await handle.close();
  }
}

function* chunkLines(data: GenerationData): Generator<string> {
  for (const [i, c] of data.chunks.entries()) {
    yield JSON.stringify({ id: c.id, source: c.source, section: c.section, start: c.start, end: c.end, text: c.text, key: data.embeddingKeys[i] });
  }
}

function* docstoreLines(chunks: readonly Chunk[]): Generator<string> {
  for (const [i, c] of chunks.entries()) yield JSON.stringify([String(i), { pageContent: '', metadata: { chunkId: c.id } }]);
}

async function writeHnsw(dir: string, data: GenerationData): Promise<void> {
  const dims = data.manifest.embedding.dimensions;
  const n = data.chunks.length;
  await mkdir(dir, { recursive: true });
  const index = new hnswlib.HierarchicalNSW('cosine', dims);
  index.initIndex(Math.max(1, n), HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_SEED);
  for (let i = 0; i < n; i++) index.addPoint(Array.from(data.vectors.subarray(i * dims, (i + 1) * dims)), i);
  await index.writeIndex(path.join(dir, FILES.hnswIndex));
  await writeFile(path.join(dir, FILES.hnswArgs), JSON.stringify({ space: 'cosine', numDimensions: dims }));
  await writeLines(path.join(dir, FILES.docstore), docstoreLines(data.chunks), '[', ',', ']');
}

/**
 * Writes the generation's files into `dir` (an empty directory that is not yet a generation:
 * see transaction.ts). The manifest goes last. Does not fsync (the transaction does).
 */
export async function writeGenerationFiles(dir: string, data: GenerationData): Promise<void> {
  const { manifest, chunks, embeddingKeys, vectors } = data;
  if (embeddingKeys.length !== chunks.length || vectors.length !== chunks.length * manifest.embedding.dimensions || manifest.chunkCount !== chunks.length) {
    throw new Error('generation data is inconsistent: one key and one vector per chunk expected');
  }
  if (manifest.features !== data.sentences?.version) throw new Error('generation data is inconsistent: the manifest and the sentence features name different versions');
  await writeLines(path.join(dir, FILES.chunkStore), chunkLines(data));
  await writeFile(path.join(dir, FILES.vectors), new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength));
  await writeHnsw(path.join(dir, FILES.hnsw), data);
  if (data.sentences) {
    const encoded = encodeSentenceIndex(data.sentences);
    await writeFile(path.join(dir, FILES.sentences), encoded.json);
    await writeFile(path.join(dir, FILES.sentenceVectors), encoded.vectors);
  }
  await writeFile(path.join(dir, FILES.manifest), JSON.stringify(manifest, null, 2));
}

const damaged = (name: string, what: string, cause?: unknown): IndexError =>
  new IndexError('index_corrupt', `Index generation ${name} is damaged: ${what}.`, cause === undefined ? undefined : { cause });

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';

function parseJson<T>(schema: z.ZodType<T>, text: string, name: string, file: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw damaged(name, `${file} is not valid JSON`, err);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw damaged(name, `${file} is invalid (${firstIssue(parsed.error)})`);
  return parsed.data;
}

async function readText(dir: string, file: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(dir, file), 'utf8');
  } catch (err) {
    throw damaged(name, isMissing(err) ? `${file} is missing` : `${file} cannot be read`, err);
  }
}

export async function readManifestAt(dir: string, name: string): Promise<IndexManifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, FILES.manifest), 'utf8');
  } catch (err) {
    if (isMissing(err) && !(await exists(dir))) {
      throw new IndexError('index_missing', `Index generation ${name} does not exist.`, { cause: err });
    }
    throw damaged(name, isMissing(err) ? `${FILES.manifest} is missing` : `${FILES.manifest} cannot be read`, err);
  }
  return parseJson(manifestSchema, text, name, FILES.manifest);
}

export const readManifest = (indexDir: string, name: string): Promise<IndexManifest> => readManifestAt(generationDir(indexDir, name), name);

/** Refuses an index whose vectors come from another embedding model or dimension. */
export function assertCompatible(manifest: IndexManifest, expected: ExpectedEmbedding): void {
  const got = manifest.embedding;
  const same = got.provider === expected.provider && got.model === expected.model && (expected.dimensions === undefined || got.dimensions === expected.dimensions);
  if (!same) {
    throw new IndexError(
      'index_mismatch',
      `The index was built with ${got.provider}:${got.model} (${got.dimensions} dims) but the configured embeddings are ` +
        `${expected.provider}:${expected.model}${expected.dimensions ? ` (${expected.dimensions} dims)` : ''}. ` +
        'Run `npm run ingest` to rebuild it with the configured embeddings.',
    );
  }
}

/** chunks.jsonl, streamed line by line (bounded memory; the event loop turns between reads). */
async function readChunkStore(dir: string, name: string): Promise<{ chunks: Chunk[]; keys: string[] }> {
  let handle: FileHandle;
  try {
    handle = await open(path.join(dir, FILES.chunkStore), 'r');
  } catch (err) {
    if (isMissing(err)) return readLegacyChunks(dir, name);
    throw damaged(name, `${FILES.chunkStore} cannot be read`, err);
  }
  const chunks: Chunk[] = [];
  const keys: string[] = [];
  const lines = createInterface({ input: handle.createReadStream({ encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (err) {
        throw damaged(name, `line ${n} of ${FILES.chunkStore} is not valid JSON`, err);
      }
      const parsed = chunkRecordSchema.safeParse(raw);
      if (!parsed.success) throw damaged(name, `line ${n} of ${FILES.chunkStore} is invalid (${firstIssue(parsed.error)})`);
      const { key, ...chunk } = parsed.data;
      chunks.push(chunk);
      keys.push(key);
    }
  } catch (err) {
    if (err instanceof IndexError) throw err;
    throw damaged(name, `${FILES.chunkStore} cannot be read`, err);
  } finally {
    lines.close();
    await handle.close().catch(() => undefined); // the stream may have closed it already
  }
  return { chunks, keys };
}

async function readLegacyChunks(dir: string, name: string): Promise<{ chunks: Chunk[]; keys: string[] }> {
  const file = parseJson(legacyChunksFileSchema, await readText(dir, FILES.legacyChunks, name), name, FILES.legacyChunks);
  return { chunks: file.chunks, keys: file.embeddingKeys };
}

/** The chunk store must be what the manifest describes: counts per source, unique ids. */
function* checkChunks(manifest: IndexManifest, chunks: readonly Chunk[], name: string): Steps<void> {
  if (chunks.length !== manifest.chunkCount) throw damaged(name, `the chunk store holds ${chunks.length} chunks, the manifest ${manifest.chunkCount}`);
  const perSource = new Map<string, number>();
  const ids = new Set<string>();
  for (const [i, c] of chunks.entries()) {
    perSource.set(c.source, (perSource.get(c.source) ?? 0) + 1);
    ids.add(c.id);
    if (i % 1024 === 1023) yield;
  }
  if (ids.size !== chunks.length) throw damaged(name, 'the chunk store repeats a chunk id');
  for (const s of manifest.sources) {
    if ((perSource.get(s.path) ?? 0) !== s.chunks) throw damaged(name, `the chunk store and the manifest disagree on the chunks of ${s.path}`);
  }
}

async function readVectors(dir: string, name: string, rows: number, dims: number): Promise<Float32Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path.join(dir, FILES.vectors));
  } catch (err) {
    throw damaged(name, isMissing(err) ? `${FILES.vectors} is missing` : `${FILES.vectors} cannot be read`, err);
  }
  if (buf.byteLength !== rows * dims * 4) throw damaged(name, `${FILES.vectors} holds ${buf.byteLength} bytes, expected ${rows} vectors of ${dims} float32`);
  return new Float32Array(ownedBuffer(buf));
}

/**
 * A generation's manifest, chunks, embedding keys and vectors, each checked for its shape and
 * against the manifest; the vectors' values are not checked (see loadGeneration, and the
 * re-index, which reuses only rows that pass `isUnitRow`).
 */
export async function readGenerationFiles(dir: string, name: string, { sentences = true }: { readonly sentences?: boolean } = {}): Promise<GenerationData> {
  const manifest = await readManifestAt(dir, name);
  const { chunks, keys } = await readChunkStore(dir, name);
  await runSliced(checkChunks(manifest, chunks, name));
  const vectors = await readVectors(dir, name, chunks.length, manifest.embedding.dimensions);
  return { manifest, chunks, embeddingKeys: keys, vectors, sentences: sentences && manifest.features ? await readSentences(dir, name, chunks) : undefined };
}

/**
 * The stored calibration, or undefined when there is none or it does not parse: it is derived
 * data (recomputed at load when missing), so a damaged one does not make the generation unusable.
 */
async function readCalibration(dir: string): Promise<StoredCalibration | undefined> {
  try {
    const parsed = storedCalibrationSchema.safeParse(JSON.parse(await readFile(path.join(dir, FILES.calibration), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The stored sentence index, checked against the chunks it describes. */
async function readSentences(dir: string, name: string, chunks: readonly Chunk[]): Promise<SentenceIndex> {
  const json = await readText(dir, FILES.sentences, name);
  let vectors: Buffer;
  try {
    vectors = await readFile(path.join(dir, FILES.sentenceVectors));
  } catch (err) {
    throw damaged(name, isMissing(err) ? `${FILES.sentenceVectors} is missing` : `${FILES.sentenceVectors} cannot be read`, err);
  }
  try {
    return await runSliced(decodeSentenceIndexSteps(json, vectors, chunks.map((c) => c.text.length)));
  } catch (err) {
    throw damaged(name, `${FILES.sentences}: ${(err as Error).message}`, err);
  }
}

/**
 * Reads a generation's data for reusing its embeddings: without the HNSW graph, and without
 * its sentence features (recomputed for whatever is written; decoding and checking them is
 * most of the read on a large corpus).
 */
export const readGenerationData = (indexDir: string, name: string): Promise<GenerationData> => readGenerationFiles(generationDir(indexDir, name), name, { sentences: false });

/** The docstore maps label i to chunk i's id, for every chunk and nothing else. */
function* checkDocstore(entries: readonly unknown[], chunks: readonly Chunk[], name: string): Steps<void> {
  if (entries.length !== chunks.length) throw damaged(name, `the docstore holds ${entries.length} entries for ${chunks.length} chunks`);
  const seen = new Uint8Array(chunks.length);
  for (const [i, raw] of entries.entries()) {
    const parsed = docstoreEntrySchema.safeParse(raw);
    if (!parsed.success) throw damaged(name, `docstore entry ${i} is invalid (${firstIssue(parsed.error)})`);
    const [label, doc] = parsed.data;
    const at = Number(label);
    if (at >= chunks.length || seen[at] || chunks[at]?.id !== doc.metadata.chunkId) throw damaged(name, `docstore entry ${i} does not match the chunk store`);
    seen[at] = 1;
    if (i % 512 === 511) yield;
  }
}

function* servingDocstore(chunks: readonly Chunk[]): Steps<SynchronousInMemoryDocstore> {
  const docs = new Map<string, Document>();
  for (const [i, c] of chunks.entries()) {
    docs.set(String(i), new Document({ pageContent: c.text, metadata: { chunkId: c.id } }));
    if (i % 1024 === 1023) yield;
  }
  return new SynchronousInMemoryDocstore(docs);
}

async function readHnswIndex(dir: string, name: string, data: GenerationData): Promise<hnswlib.HierarchicalNSW> {
  const dims = data.manifest.embedding.dimensions;
  const hnswDir = path.join(dir, FILES.hnsw);
  const args = parseJson(hnswArgsSchema, await readText(hnswDir, FILES.hnswArgs, name), name, `${FILES.hnsw}/${FILES.hnswArgs}`);
  if (args.numDimensions !== dims) throw damaged(name, `the HNSW index has ${args.numDimensions} dimensions, the manifest ${dims}`);
  const entries = parseJson(docstoreSchema, await readText(hnswDir, FILES.docstore, name), name, `${FILES.hnsw}/${FILES.docstore}`);
  await runSliced(checkDocstore(entries, data.chunks, name));
  const index = new hnswlib.HierarchicalNSW('cosine', dims);
  try {
    await index.readIndex(path.join(hnswDir, FILES.hnswIndex));
  } catch (err) {
    throw damaged(name, 'the HNSW index cannot be read', err);
  }
  if (index.getCurrentCount() !== data.chunks.length) throw damaged(name, `the HNSW index holds ${index.getCurrentCount()} vectors for ${data.chunks.length} chunks`);
  return index;
}

/** Every file of the generation in `dir`, read and checked. */
async function readChecked(dir: string, name: string): Promise<{ data: GenerationData; index: hnswlib.HierarchicalNSW }> {
  const data = await readGenerationFiles(dir, name);
  if (data.chunks.length === 0) throw damaged(name, 'it holds no chunks');
  const problem = await runSliced(vectorsProblemSteps(data.vectors, data.manifest.embedding.dimensions, data.chunks.length));
  if (problem) throw damaged(name, `${FILES.vectors} ${problem}`);
  return { data, index: await readHnswIndex(dir, name, data) };
}

/** Loads the generation in `dir` for serving, every file checked; `name` is what it is called. */
export async function loadGenerationAt(dir: string, name: string, embeddings: EmbeddingsInterface, expected: ExpectedEmbedding): Promise<LoadedGeneration> {
  assertCompatible(await readManifestAt(dir, name), expected);
  const { data, index } = await readChecked(dir, name);
  // hnswlib's default search breadth (ef = 10) loses recall on larger indexes.
  index.setEf(SEARCH_EF);
  const docstore = await runSliced(servingDocstore(data.chunks));
  const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: data.manifest.embedding.dimensions, index, docstore });
  return { ...data, name, store, calibration: await readCalibration(dir) };
}

/**
 * Why the generation would not load (whatever embeddings are configured), or null when it is
 * intact. Throws only for errors that say nothing about the generation (e.g. out of memory).
 */
export async function generationProblem(indexDir: string, name: string): Promise<string | null> {
  try {
    await readChecked(generationDir(indexDir, name), name);
    return null;
  } catch (err) {
    if (err instanceof IndexError) return err.message;
    throw err;
  }
}

/** Loads a generation for serving, after checking it matches the embeddings in use. */
export const loadGeneration = (indexDir: string, name: string, embeddings: EmbeddingsInterface, expected: ExpectedEmbedding): Promise<LoadedGeneration> =>
  loadGenerationAt(generationDir(indexDir, name), name, embeddings, expected);
