/**
 * Shared by the answer fingerprint and the answer hot-path timers: a runtime and its serving
 * index over one corpus (indexed into a temp dir, as `npm run eval` does), an index dir for a
 * spawned server (the server profiler and A/B runner), and the question sets read from JSONL.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import type { ServingIndex } from '../src/answer/serving-index.js';
import { evalCaseSchema, type EvalCase } from '../src/train/labelled.js';
import { reindex } from '../src/ingest/reindex.js';
import { PROJECT_ROOT } from './procs.js';

export interface CorpusRuntime {
  readonly runtime: Runtime;
  readonly index: ServingIndex;
  /** Removes the temp index dir. */
  close(): void;
}

/** A runtime over `corpusDir` (offline, local embeddings) with a freshly built index. */
export async function openCorpus(corpusDir: string): Promise<CorpusRuntime> {
  const indexDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-answer-bench-'));
  const config = parseConfig({ ...process.env, CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, OPENAI_API_KEY: '', EMBEDDINGS_PROVIDER: 'local', LOG_LEVEL: 'silent' });
  const runtime = await createRuntime(config);
  const index = await runtime.loadServingIndex();
  return { runtime, index, close: () => rmSync(indexDir, { recursive: true, force: true }) };
}

/** An INDEX_DIR (temp) holding a generation of `corpusDir`, for a server the bench spawns to serve. */
export async function indexedCorpus(corpusDir: string): Promise<{ readonly indexDir: string; close(): void }> {
  const indexDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-bench-served-'));
  try {
    const config = parseConfig({ EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'), CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, EMBEDDINGS_PROVIDER: 'local', OPENAI_API_KEY: '', LOG_LEVEL: 'silent' });
    const runtime = await createRuntime(config);
    await reindex(runtime.reindexDeps({ indexDir, corpusDir }));
  } catch (err) {
    rmSync(indexDir, { recursive: true, force: true });
    throw err;
  }
  return { indexDir, close: () => rmSync(indexDir, { recursive: true, force: true }) };
}

/** The cases of a JSONL question set, or none when the file is not there (../shared may be absent). */
export function readCases(file: string): EvalCase[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => evalCaseSchema.parse(JSON.parse(l)));
}
