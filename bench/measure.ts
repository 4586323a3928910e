/**
 * In-process measurements: ingest (cold and unchanged re-index) through the project's reindex,
 * answer and retrieval latency through the runtime, the LangChain stock path (the peer) with the
 * same embeddings, and the size of a generation on disk.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Runtime } from '../src/runtime.js';
import type { ServingIndex } from '../src/answer/serving-index.js';
import { reindex, type ReindexResult } from '../src/ingest/reindex.js';
import { readCorpus } from '../src/ingest/read-corpus.js';
import { generationDir } from '../src/index-store/layout.js';
import { latency, summarize, type Latency, type Summary } from './stats.js';

export const tempDir = (prefix: string): string => mkdtempSync(path.join(os.tmpdir(), prefix));

export interface IngestRun {
  readonly ms: number;
  readonly chunks: number;
  readonly embedded: number;
  readonly reused: number;
  readonly changed: boolean;
}

const toRun = (r: ReindexResult): IngestRun => ({ ms: r.ms, chunks: r.chunks, embedded: r.embedded, reused: r.reused, changed: r.changed });

export interface IngestMeasure {
  readonly cold: readonly IngestRun[];
  readonly warm: readonly IngestRun[];
  readonly coldMs: Summary;
  readonly warmMs: Summary;
  /** The index dir of the last cold run (kept; the caller removes it). */
  readonly indexDir: string;
  /** The loaded generation of the last run. */
  readonly last: ReindexResult;
}

/**
 * `repeats` cold ingests, each into a fresh INDEX_DIR (no previous generation), each followed
 * by an unchanged re-index of the same dir (`warmRepeats` times at most). All dirs but the
 * last are removed.
 */
export async function measureIngest(runtime: Runtime, corpusDir: string, repeats: number, warmRepeats = repeats): Promise<IngestMeasure> {
  const cold: IngestRun[] = [];
  const warm: IngestRun[] = [];
  let indexDir = '';
  let last: ReindexResult | null = null;
  for (let i = 0; i < repeats; i++) {
    if (indexDir) rmSync(indexDir, { recursive: true, force: true });
    indexDir = tempDir('heihe-bench-index-');
    const deps = runtime.reindexDeps({ indexDir, corpusDir });
    last = await reindex(deps);
    cold.push(toRun(last));
    if (i < warmRepeats) {
      last = await reindex(deps);
      warm.push(toRun(last));
    }
  }
  if (!last) throw new Error('no ingest run');
  return { cold, warm, coldMs: summarize(cold.map((r) => r.ms)), warmMs: summarize(warm.map((r) => r.ms)), indexDir, last };
}

export interface LatencyMeasure {
  /** All timed samples pooled (ms). */
  readonly all: Latency;
  /** p50 of each timed pass: the spread over repeated runs. */
  readonly passP50: Summary;
  readonly passes: number;
  readonly questions: number;
}

/** Times `fn` over every question (or other item), `passes` times, after one untimed warm-up pass. */
export async function measureLatency<T>(questions: readonly T[], passes: number, fn: (q: T) => unknown): Promise<LatencyMeasure> {
  for (const q of questions) await fn(q);
  const all: number[] = [];
  const p50s: number[] = [];
  for (let p = 0; p < passes; p++) {
    const pass: number[] = [];
    for (const q of questions) {
      const t = performance.now();
      await fn(q);
      pass.push(performance.now() - t);
    }
    p50s.push(latency(pass).p50);
    all.push(...pass);
  }
  return { all: latency(all), passP50: summarize(p50s), passes, questions: questions.length };
}

export const answerFn = (runtime: Runtime, index: ServingIndex, k = 5) => (q: string) => runtime.answer({ question: q, history: [], k }, index);
export const retrieveFn = (index: ServingIndex, k = 5) => (q: string) => index.retriever.retrieve(q, k);

/** Share of questions answered (grounded) — a sanity figure, not a quality measure. */
export async function groundedShare(runtime: Runtime, index: ServingIndex, questions: readonly string[]): Promise<number> {
  let grounded = 0;
  for (const q of questions) if ((await runtime.answer({ question: q, history: [], k: 5 }, index)).grounded) grounded++;
  return questions.length ? grounded / questions.length : Number.NaN;
}

export interface PeerMeasure {
  readonly chunks: number;
  /** Read files + split + HNSWLib.fromDocuments (in memory). */
  readonly ingestMs: Summary;
  /** The same plus store.save(dir). */
  readonly ingestSaveMs: Summary;
  readonly query: LatencyMeasure;
}

/** LangChain's stock path: RecursiveCharacterTextSplitter (defaults) + HNSWLib.fromDocuments + similaritySearch(q, 5). */
export async function measurePeer(embeddings: EmbeddingsInterface, corpusDir: string, repeats: number, questions: readonly string[], passes: number): Promise<PeerMeasure> {
  const inMemory: number[] = [];
  const withSave: number[] = [];
  let store: HNSWLib | null = null;
  let chunks = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const sources = await readCorpus(corpusDir);
    const splitter = new RecursiveCharacterTextSplitter();
    const docs = await splitter.createDocuments(
      sources.map((s) => s.text),
      sources.map((s) => ({ source: s.path })),
    );
    store = await HNSWLib.fromDocuments(docs, embeddings);
    const t1 = performance.now();
    const dir = tempDir('heihe-bench-peer-');
    await store.save(dir);
    const t2 = performance.now();
    rmSync(dir, { recursive: true, force: true });
    inMemory.push(t1 - t0);
    withSave.push(t2 - t0);
    chunks = docs.length;
  }
  const s = store as HNSWLib;
  const query = await measureLatency(questions, passes, (q) => s.similaritySearch(q, 5));
  return { chunks, ingestMs: summarize(inMemory), ingestSaveMs: summarize(withSave), query };
}

/** Bytes of all files under `dir`, recursively. */
export function duBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += duBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Size of the live generation of an index dir, in total and per top-level entry. */
export function generationSize(indexDir: string, name: string): { total: number; parts: Record<string, number> } {
  const dir = generationDir(indexDir, name);
  const parts: Record<string, number> = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    parts[e.name] = e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return { total: duBytes(dir), parts };
}
