/**
 * Does a re-index stall the server? POST /reindex on a running server while GET /health is
 * probed every 100 ms and POST /ask every 500 ms, from the request until its answer (by then
 * the new generation is served). Reports every probe's latency (the slowest is the figure the
 * issue bounds at 250 ms), the re-index's wall time and summary. Shared by `npm run bench` and
 * tests/server/reindex-responsive.test.ts, so both measure the same thing.
 */
import { latency, type Latency } from './stats.js';

export interface StallMeasure {
  readonly status: number;
  /** The /reindex response body. */
  readonly body: unknown;
  readonly reindexMs: number;
  readonly health: Latency;
  readonly ask: Latency;
  /** Probes that did not answer 200 (should be none). */
  readonly failedProbes: number;
}

export interface StallOptions {
  readonly token: string;
  readonly question?: string;
  readonly healthEveryMs?: number;
  readonly askEveryMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `probe` every `everyMs` (sequentially: a slow probe delays the next) until `until` settles. */
export async function probeEvery(everyMs: number, until: Promise<unknown>, probe: () => Promise<number>): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void until.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    const started = performance.now();
    times.push(await probe());
    await sleep(Math.max(0, everyMs - (performance.now() - started)));
  }
  return times;
}

export async function measureReindexStall(url: string, opts: StallOptions): Promise<StallMeasure> {
  let failed = 0;
  const timed = async (request: () => Promise<Response>): Promise<number> => {
    const started = performance.now();
    try {
      const res = await request();
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    } catch {
      failed++;
    }
    return performance.now() - started;
  };
  const started = performance.now();
  const reindex = fetch(`${url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${opts.token}` } });
  const question = JSON.stringify({ question: opts.question ?? 'Which river forms the border with Russia?' });
  const [health, ask, res] = await Promise.all([
    probeEvery(opts.healthEveryMs ?? 100, reindex, () => timed(() => fetch(`${url}/health`))),
    probeEvery(opts.askEveryMs ?? 500, reindex, () => timed(() => fetch(`${url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: question }))),
    reindex,
  ]);
  const reindexMs = performance.now() - started;
  return { status: res.status, body: await res.json(), reindexMs, health: latency(health), ask: latency(ask), failedProbes: failed };
}
