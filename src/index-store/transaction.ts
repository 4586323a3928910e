/**
 * Writing a new generation as one transaction: begin (a temp directory that is never loaded
 * as a generation), write, verify (load it back from disk, every file checked, plus the
 * caller's probe), then commit (rename into place, fsynced, and point CURRENT at it) or abort
 * (remove the temp directory). A process killed at any point leaves CURRENT naming a complete
 * generation; the next cleanup removes the temp directory.
 */
import path from 'node:path';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { silentLog, type Log } from '../log.js';
import { TMP_PREFIX, ensureDir, fsyncDir, fsyncTree, generationDir, generationsDir, switchCurrent } from './layout.js';
import { loadGenerationAt, writeGenerationFiles, type ExpectedEmbedding, type GenerationData, type LoadedGeneration } from './generation.js';

export type WriteStage = 'write' | 'verify' | 'commit';

/** An error of one stage of the transaction; `stage` says which (for the caller's message). */
export class GenerationWriteError extends Error {
  constructor(
    readonly stage: WriteStage,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'GenerationWriteError';
  }
}

export interface GenerationWrite {
  /** The name the generation gets on commit. */
  readonly name: string;
  write(data: GenerationData): Promise<void>;
  /** Loads the written generation back (as `name`); `probe` may check it further. */
  verify(embeddings: EmbeddingsInterface, expected: ExpectedEmbedding, probe?: (loaded: LoadedGeneration) => Promise<void>): Promise<LoadedGeneration>;
  /** After verify: adds a file derived from the loaded generation (fsynced), e.g. the refusal calibration. */
  addFile(file: string, content: string): Promise<void>;
  /** Renames it into place and makes it live (CURRENT). */
  commit(): Promise<void>;
  /** Removes what was written; a no-op after commit. Never throws (failures are logged). */
  abort(): Promise<void>;
}

async function stage<T>(name: WriteStage, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new GenerationWriteError(name, err);
  }
}

export async function beginGeneration(indexDir: string, name: string, log: Log = silentLog): Promise<GenerationWrite> {
  const tmpDir = generationDir(indexDir, `${TMP_PREFIX}${name}`);
  await stage('write', async () => {
    await ensureDir(generationsDir(indexDir));
    await mkdir(tmpDir);
  });
  let state: 'open' | 'written' | 'verified' | 'committed' | 'aborted' = 'open';
  return {
    name,
    async write(data) {
      if (state !== 'open') throw new Error(`write after ${state}`);
      await stage('write', async () => {
        await writeGenerationFiles(tmpDir, data);
        await fsyncTree(tmpDir);
      });
      state = 'written';
    },
    async verify(embeddings, expected, probe) {
      if (state !== 'written') throw new Error(`verify before write (${state})`);
      const loaded = await stage('verify', async () => {
        const l = await loadGenerationAt(tmpDir, name, embeddings, expected);
        await probe?.(l);
        return l;
      });
      state = 'verified';
      return loaded;
    },
    async addFile(file, content) {
      if (state !== 'verified') throw new Error(`addFile before verify (${state})`);
      await stage('verify', async () => {
        await writeFile(path.join(tmpDir, file), content);
        await fsyncTree(tmpDir);
      });
    },
    async commit() {
      if (state !== 'verified') throw new Error(`commit before verify (${state})`);
      await stage('commit', async () => {
        await rename(tmpDir, generationDir(indexDir, name));
        await fsyncDir(generationsDir(indexDir));
        state = 'committed';
        await switchCurrent(indexDir, name);
      });
    },
    async abort() {
      if (state === 'committed' || state === 'aborted') return;
      state = 'aborted';
      try {
        await rm(tmpDir, { recursive: true, force: true });
      } catch (err) {
        log.warn({ err, generation: name }, 'could not remove the temp directory of an aborted generation; the next cleanup will');
      }
    },
  };
}
