/**
 * Writing and loading one index generation. A generation is written into a temp directory
 * and renamed into place only when complete; loading checks the manifest against the
 * embeddings the caller will query with, so vectors of two models are never mixed.
 */
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { Document } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { IndexError } from '../errors.js';
import type { Chunk, EmbeddingInfo, IndexManifest } from '../types.js';
import { FILES, TMP_PREFIX, ensureDir, fsyncDir, fsyncTree, generationDir, generationsDir } from './layout.js';
import type { SentenceIndex } from '../answer/sentence-index.js';
import { decodeSentenceIndex, encodeSentenceIndex } from './sentence-file.js';

/** Everything a generation holds in memory before it is written. */
export interface GenerationData {
  readonly manifest: IndexManifest;
  readonly chunks: readonly Chunk[];
  /** Per chunk: the cache key of its embedding (model + embedded text). */
  readonly embeddingKeys: readonly string[];
  /** Row-major, chunks.length × manifest.embedding.dimensions. */
  readonly vectors: Float32Array;
  /** What the answerer knows of every sentence (absent in generations written before it existed). */
  readonly sentences?: SentenceIndex | undefined;
}

/** A generation loaded for serving. */
export interface LoadedGeneration extends GenerationData {
  readonly name: string;
  readonly store: HNSWLib;
}

const SEARCH_EF = 128;

interface ChunksFile {
  readonly chunks: Chunk[];
  readonly embeddingKeys: string[];
}

export function generationName(manifest: IndexManifest, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('T', 't').replace('Z', 'z');
  return `g-${stamp}-${manifest.version}`;
}

function rowsOf(vectors: Float32Array, dims: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < vectors.length; i += dims) rows.push(Array.from(vectors.subarray(i, i + dims)));
  return rows;
}

export async function buildStore(data: GenerationData, embeddings: EmbeddingsInterface): Promise<HNSWLib> {
  const dims = data.manifest.embedding.dimensions;
  const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: dims });
  const docs = data.chunks.map((c) => new Document({ pageContent: c.text, metadata: { chunkId: c.id } }));
  if (docs.length > 0) await store.addVectors(rowsOf(data.vectors, dims), docs);
  return store;
}

/**
 * Writes the generation into a temp directory (`.tmp-<name>`, never loaded as a generation)
 * and fsyncs every file in it. Returns the temp directory's name, which loadGeneration
 * accepts so the caller can verify it before publishGeneration puts it into place.
 */
export async function writeGenerationTmp(indexDir: string, name: string, data: GenerationData, embeddings: EmbeddingsInterface): Promise<string> {
  await ensureDir(generationsDir(indexDir));
  const tmpName = `${TMP_PREFIX}${name}`;
  const tmpDir = generationDir(indexDir, tmpName);
  await mkdir(tmpDir, { recursive: true });
  const store = await buildStore(data, embeddings);
  const chunksFile: ChunksFile = { chunks: [...data.chunks], embeddingKeys: [...data.embeddingKeys] };
  const sentences = data.sentences ? encodeSentenceIndex(data.sentences) : null;
  await Promise.all([
    ...(sentences ? [writeFile(path.join(tmpDir, FILES.sentences), sentences.json), writeFile(path.join(tmpDir, FILES.sentenceVectors), sentences.vectors)] : []),
    writeFile(path.join(tmpDir, FILES.chunks), JSON.stringify(chunksFile)),
    writeFile(path.join(tmpDir, FILES.vectors), new Uint8Array(data.vectors.buffer, data.vectors.byteOffset, data.vectors.byteLength)),
    data.chunks.length > 0 ? store.save(path.join(tmpDir, FILES.hnsw)) : Promise.resolve(),
  ]);
  // The manifest goes last: a directory without one is never a generation.
  await writeFile(path.join(tmpDir, FILES.manifest), JSON.stringify(data.manifest, null, 2));
  await fsyncTree(tmpDir);
  return tmpName;
}

/** Renames a written (and verified) temp generation into place. Does not touch CURRENT. */
export async function publishGeneration(indexDir: string, tmpName: string, name: string): Promise<void> {
  await rename(generationDir(indexDir, tmpName), generationDir(indexDir, name));
  await fsyncDir(generationsDir(indexDir));
}

/**
 * Writes the generation under a temp name, fsyncs it and renames it into place.
 * Returns the generation's directory name. Does not touch CURRENT.
 */
export async function writeGeneration(indexDir: string, name: string, data: GenerationData, embeddings: EmbeddingsInterface): Promise<string> {
  await publishGeneration(indexDir, await writeGenerationTmp(indexDir, name, data, embeddings), name);
  return name;
}

export async function readManifest(indexDir: string, name: string): Promise<IndexManifest> {
  const file = path.join(generationDir(indexDir, name), FILES.manifest);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as IndexManifest;
  } catch (err) {
    throw new IndexError('index_corrupt', `Index generation ${name} has no readable manifest.`, { cause: err });
  }
}

/** Refuses an index whose vectors come from another embedding model or dimension. */
export function assertCompatible(manifest: IndexManifest, expected: Omit<EmbeddingInfo, 'dimensions'> & { dimensions?: number }): void {
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

/** Reads a previous generation's chunks and vectors (for reusing embeddings), without the HNSW graph. */
export async function readGenerationData(indexDir: string, name: string): Promise<GenerationData> {
  const dir = generationDir(indexDir, name);
  const manifest = await readManifest(indexDir, name);
  try {
    const chunksFile = JSON.parse(await readFile(path.join(dir, FILES.chunks), 'utf8')) as ChunksFile;
    const buf = await readFile(path.join(dir, FILES.vectors));
    const vectors = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    if (vectors.length !== chunksFile.chunks.length * manifest.embedding.dimensions || chunksFile.embeddingKeys.length !== chunksFile.chunks.length) {
      throw new Error('vector count does not match chunk count');
    }
    return { manifest, chunks: chunksFile.chunks, embeddingKeys: chunksFile.embeddingKeys, vectors, sentences: await readSentences(dir, manifest, chunksFile.chunks) };
  } catch (err) {
    if (err instanceof IndexError) throw err;
    throw new IndexError('index_corrupt', `Index generation ${name} is damaged: ${(err as Error).message}`, { cause: err });
  }
}

/** The stored sentence index, when the manifest says the generation has one. */
async function readSentences(dir: string, manifest: IndexManifest, chunks: readonly Chunk[]): Promise<SentenceIndex | undefined> {
  if (!manifest.features) return undefined;
  const [json, vectors] = await Promise.all([readFile(path.join(dir, FILES.sentences), 'utf8'), readFile(path.join(dir, FILES.sentenceVectors))]);
  return decodeSentenceIndex(json, vectors, chunks.map((c) => c.text.length));
}

/** Loads a generation for serving, after checking it matches the embeddings in use. */
export async function loadGeneration(
  indexDir: string,
  name: string,
  embeddings: EmbeddingsInterface,
  expected: Omit<EmbeddingInfo, 'dimensions'> & { dimensions?: number },
): Promise<LoadedGeneration> {
  const manifest = await readManifest(indexDir, name);
  assertCompatible(manifest, expected);
  const data = await readGenerationData(indexDir, name);
  let store: HNSWLib;
  try {
    store =
      data.chunks.length > 0
        ? await HNSWLib.load(path.join(generationDir(indexDir, name), FILES.hnsw), embeddings)
        : new HNSWLib(embeddings, { space: 'cosine', numDimensions: manifest.embedding.dimensions });
  } catch (err) {
    throw new IndexError('index_corrupt', `Index generation ${name}: the HNSW index cannot be read.`, { cause: err });
  }
  // hnswlib's default search breadth (ef = 10) loses recall on larger indexes.
  if (data.chunks.length > 0) store.index.setEf(SEARCH_EF);
  return { ...data, name, store };
}
