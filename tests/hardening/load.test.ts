/**
 * Load: 2,000 /ask at concurrency 64 while 5 re-indexes run (each alternating a corpus edit,
 * so the index version changes under the requests). No request fails, and every answer's
 * citations belong to the generation its indexVersion names.
 *
 * The re-indexes run back to back from the start. Under saturation each takes seconds (it
 * needs ~120 event-loop turns, and every turn serves the 64 requests in flight), about as long
 * as 2,000 answers take; so the load keeps going past 2,000 while re-indexes are still
 * running (bounded by MAX_REQUESTS and MAX_MS), and the figures cover every request sent.
 * On an idle 2-core machine the whole run takes ~10 s.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ask, percentile } from './lib.js';
import { generationChunkIds } from '../helpers/reindex-fixtures.js';

const TOTAL = 2000;
const MAX_REQUESTS = 12_000;
const MAX_MS = 30_000;
const HARD_MS = 100_000;
const CONCURRENCY = 64;
const REINDEXES = 5;
const TOKEN = 'load-admin-token';
const REINDEX_TIMEOUT_MS = 120_000;

const QUESTIONS = [
  'What province is Heihe in?',
  'Which river forms the border?',
  'What kind of climate does Heihe have?',
  'What is the population of Heihe?',
  'What role did Heihe play during the Qing Dynasty?',
  'Which Russian city is across the river from Heihe?',
  'What drives the economy of Heihe?',
  'What is the Treaty of Nerchinsk?',
  'How cold are the winters?',
  'What ethnic groups live in Heihe?',
  'What infrastructure connects Heihe to Russia?',
  'What is the capital of France?',
];

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN, KEEP_GENERATIONS: '20' } });
});
afterAll(async () => srv?.close());

/** Chunk ids of a generation, read from its chunk store on disk. */
const chunkIdsOf = (generation: string): Set<string> => generationChunkIds(srv.config.indexDir, generation);

interface Cited {
  indexVersion: string;
  chunkIds: string[];
}

test(`${TOTAL} /ask at concurrency ${CONCURRENCY} during ${REINDEXES} re-indexes: 0 failures, citations match their indexVersion`, async () => {
  const live = srv.holder.peek();
  if (!live) throw new Error('no index');
  const versions = new Map<string, Set<string>>([[live.version, chunkIdsOf(live.name)]]);
  const corpusFile = path.join(srv.config.corpusDir, 'heihe.txt');
  const original = readFileSync(corpusFile, 'utf8');
  expect(original).toContain('is a pivotal city in Heilongjiang province');

  const latencies: number[] = [];
  const failures: string[] = [];
  const cited: Cited[] = [];
  let next = 0;
  let done = 0;
  const started = performance.now();

  let reindexing = true;
  const worker = async (): Promise<void> => {
    for (let guard = 0; guard < MAX_REQUESTS; guard++) {
      const i = next++;
      const elapsed = performance.now() - started;
      // Never fewer than TOTAL (unless the hard cap hits); past TOTAL only while re-indexing, up to
      // MAX_MS, or longer until one re-index has landed (a busy machine slows the first one down).
      if (i >= MAX_REQUESTS || elapsed > HARD_MS || (i >= TOTAL && (!reindexing || (elapsed > MAX_MS && reindexes.length > 0)))) return;
      const stream = i % 8 === 7;
      try {
        const r = await ask(srv.url, { question: QUESTIONS[i % QUESTIONS.length], stream }, { timeoutMs: 30_000 });
        latencies.push(r.ms);
        const answer = (stream ? (r.frames.find((f) => f.event === 'done')?.data as { answer?: unknown } | undefined)?.answer : r.json) as
          | { indexVersion?: string; citations?: Array<{ chunkId: string }> }
          | undefined;
        if (r.status !== 200 || !answer?.indexVersion || !Array.isArray(answer.citations)) failures.push(`#${i}: ${r.status} ${r.raw.slice(0, 120)}`);
        else {
          cited.push({ indexVersion: answer.indexVersion, chunkIds: answer.citations.map((c) => c.chunkId) });
          if (stream) {
            const head = r.frames.find((f) => f.event === 'citations')?.data as { indexVersion?: string } | undefined;
            if (head?.indexVersion !== answer.indexVersion) failures.push(`#${i}: streamed citations of ${head?.indexVersion} but done of ${answer.indexVersion}`);
          }
        }
      } catch (err) {
        failures.push(`#${i}: ${(err as Error).message}`);
      } finally {
        done++;
      }
    }
  };

  const reindexes: Array<{ version: string; generation: string; changed: boolean; ms: number; status: number; at: number }> = [];
  const reindexer = async (): Promise<void> => {
    // Start once the load is in full swing, then back to back.
    for (let w = 0; w < 500 && done < CONCURRENCY; w++) await new Promise((r) => setTimeout(r, 20));
    for (let k = 1; k <= REINDEXES; k++) {
      writeFileSync(corpusFile, k % 2 === 1 ? original.replace('is a pivotal city in Heilongjiang', `is a pivotal city (edition ${k}) in Heilongjiang`) : original);
      // A re-index under 64 clients on two cores took 3-12 s here, and once over 30 s with another
      // process busy on the machine: the test checks what the answers cite, not how fast this is.
      const res = await fetch(`${srv.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(REINDEX_TIMEOUT_MS) });
      const body = (await res.json()) as { version: string; generation: string; changed: boolean; ms: number };
      reindexes.push({ ...body, status: res.status, at: done });
      if (res.status === 200 && !versions.has(body.version)) versions.set(body.version, chunkIdsOf(body.generation));
    }
    reindexing = false;
  };

  const chain = reindexer();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wallMs = performance.now() - started;
  const landedDuringLoad = reindexes.length;
  await chain; // the rest land quickly once the load is over
  const sent = latencies.length + failures.filter((f) => !/^#\d+: \d{3} /.test(f)).length;
  writeFileSync(corpusFile, original);

  const sorted = [...latencies].sort((a, b) => a - b);
  const mismatched = cited.filter((c) => {
    const ids = versions.get(c.indexVersion);
    return !ids || c.chunkIds.some((id) => !ids.has(id));
  });
  const perVersion = new Map<string, number>();
  for (const c of cited) perVersion.set(c.indexVersion, (perVersion.get(c.indexVersion) ?? 0) + 1);
  console.log(
    `load: ${sent} asks @${CONCURRENCY} in ${Math.round(wallMs)}ms = ${((sent / wallMs) * 1000).toFixed(1)} req/s, ` +
      `p50=${Math.round(percentile(sorted, 50))}ms p95=${Math.round(percentile(sorted, 95))}ms max=${Math.round(sorted.at(-1) ?? 0)}ms, ` +
      `failed=${failures.length}, citation/version mismatches=${mismatched.length}, ` +
      `reindexes (status:version:ms@answers-done)=${reindexes.map((r) => `${r.status}:${r.version}${r.changed ? '' : '(same)'}:${Math.round(r.ms)}ms@${r.at}`).join(',')} landed-during-load=${landedDuringLoad}, ` +
      `answers per version=${JSON.stringify(Object.fromEntries(perVersion))}`,
  );
  if (failures.length) console.log(`first failures: ${failures.slice(0, 5).join(' | ')}`);
  expect(failures).toEqual([]);
  expect(cited.length).toBeGreaterThanOrEqual(TOTAL);
  // Re-indexes really swapped generations under the load (all 5 usually land; a machine busy
  // with other work can slow their file operations down).
  expect(landedDuringLoad).toBeGreaterThanOrEqual(1);
  expect(reindexes.map((r) => r.status)).toEqual(Array(REINDEXES).fill(200));
  expect(new Set(reindexes.map((r) => r.version)).size).toBeGreaterThanOrEqual(2);
  expect(perVersion.size).toBeGreaterThanOrEqual(2); // answers really came from several generations
  expect(mismatched).toEqual([]);
  // The load's hard cap, then up to five re-indexes at their timeout.
}, HARD_MS + REINDEXES * REINDEX_TIMEOUT_MS);
