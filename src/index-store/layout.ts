/**
 * Where an index lives on disk. INDEX_DIR holds complete generations side by side and a
 * CURRENT file naming the live one; CURRENT is only ever replaced by an atomic rename, so a
 * reader sees the old generation or the new one, never a mix.
 *
 *   INDEX_DIR/CURRENT                     "g-<time>-<version>"
 *   INDEX_DIR/generations/<name>/         manifest.json, chunks.jsonl, vectors.f32, hnsw/,
 *                                         sentences.json, sentence-vectors.f32 (see generation.ts)
 *   INDEX_DIR/generations/.tmp-<name>/    a generation being written (never loaded)
 *   INDEX_DIR/ingest.lock                 held by the process that is re-indexing
 */
import { mkdir, open, readFile, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';

export const CURRENT_FILE = 'CURRENT';
export const GENERATIONS_DIR = 'generations';
export const TMP_PREFIX = '.tmp-';

export const generationsDir = (indexDir: string): string => path.join(indexDir, GENERATIONS_DIR);
export const generationDir = (indexDir: string, name: string): string => path.join(indexDir, GENERATIONS_DIR, name);

export const FILES = Object.freeze({
  manifest: 'manifest.json',
  chunkStore: 'chunks.jsonl',
  /** The chunk store of generations written before chunks.jsonl. */
  legacyChunks: 'chunks.json',
  vectors: 'vectors.f32',
  hnsw: 'hnsw',
  hnswIndex: 'hnswlib.index',
  hnswArgs: 'args.json',
  docstore: 'docstore.json',
  /** The answerer's per-sentence features (src/answer/sentence-index.ts). */
  sentences: 'sentences.json',
  sentenceVectors: 'sentence-vectors.f32',
  /** The refusal calibration made at ingest (src/answer/calibration.ts). */
  calibration: 'calibration.json',
});

/** Name of the live generation, or null when there is none yet. */
export async function readCurrent(indexDir: string): Promise<string | null> {
  try {
    const name = (await readFile(path.join(indexDir, CURRENT_FILE), 'utf8')).trim();
    return /^g-[\w-]+$/.test(name) ? name : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes a file durably and atomically: temp file, fsync, rename over the target, fsync the dir. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, target);
  await fsyncDir(path.dirname(target));
}

/** fsyncs every file below dir, then the directories themselves (children first). */
export async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, e.name);
    if (e.isDirectory()) await fsyncTree(child);
    else if (e.isFile()) {
      const handle = await open(child, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Points CURRENT at a complete generation. */
export async function switchCurrent(indexDir: string, name: string): Promise<void> {
  await writeFileAtomic(path.join(indexDir, CURRENT_FILE), `${name}\n`);
}

/** Complete generations, oldest first (names sort by creation time). */
export async function listGenerations(indexDir: string): Promise<string[]> {
  try {
    const names = await readdir(generationsDir(indexDir));
    return names.filter((n) => n.startsWith('g-')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
