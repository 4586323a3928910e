/**
 * Re-indexing inside a running server: one at a time (a second caller gets 409), the work
 * itself off this process (a child process, see ingest/reindex-in-child.ts), and the new
 * generation swapped in by the CURRENT follower, in time slices, only after it has been
 * written, verified and made current. If this server cannot load what the run wrote, the run
 * is reported as failed (500 reindex_failed) and /health says "degraded". Every run's result
 * and time are kept for /health.
 *
 * The same lock serialises changes to the corpus made over HTTP (PUT/DELETE /documents): a
 * write and the re-index after it run as one exclusive step, so a second write, a POST
 * /reindex or a watch-mode run meanwhile gets 409 instead of interleaving with it.
 */
import { AppError, ReindexError } from '../errors.js';
import type { ReindexSummary } from '../ingest/reindex.js';
import { silentLog, type Log } from '../log.js';
import type { FollowOutcome } from './follow-current.js';
import type { IndexStatus } from './index-status.js';
import { publicMessage } from './errors-http.js';

export type { ReindexSummary } from '../ingest/reindex.js';

export interface Reindexer {
  /** One re-index; 409 reindex_in_progress while another run or a corpus change holds the lock. */
  readonly reindex: () => Promise<ReindexSummary>;
  /**
   * Runs `work` holding the lock (409 reindex_in_progress when it is held), handing it the
   * re-index to run under that same lock once it has changed the corpus.
   */
  exclusive<T>(work: (reindex: () => Promise<ReindexSummary>) => Promise<T>): Promise<T>;
}

export function createReindexer(deps: {
  /** One re-index (in a child process, or in this process for tests with injected ports). */
  run: () => Promise<ReindexSummary>;
  /** Loads what CURRENT names, if new, and swaps it in. */
  sync: () => Promise<FollowOutcome>;
  status: IndexStatus;
  log?: Log;
}): Reindexer {
  const log = deps.log ?? silentLog;
  let held = false;
  const runHeld = async (): Promise<ReindexSummary> => {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const summary = await deps.run();
      const outcome = await deps.sync();
      if (outcome.kind === 'failed' && outcome.name === summary.generation) {
        const why = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
        throw new ReindexError('reindex_failed', 500, `The new index generation ${summary.generation} was written, but this server cannot load it: ${why}`, { cause: outcome.error });
      }
      const result = { ...summary, ms: Math.round(summary.ms) };
      deps.status.recordReindex({ at: new Date().toISOString(), ok: true, ms: elapsed(), generation: result.generation, changed: result.changed, repaired: result.repaired });
      log.info({ generation: result.generation, changed: result.changed, repaired: result.repaired, embedded: result.embedded, ms: result.ms }, 're-index finished');
      return result;
    } catch (err) {
      const e = err instanceof AppError ? err : null;
      deps.status.recordReindex({ at: new Date().toISOString(), ok: false, ms: elapsed(), error: { code: e?.code ?? 'internal_error', message: e ? publicMessage(e.message) : 'Something went wrong on our side.' } });
      throw err;
    }
  };
  const exclusive = async <T>(work: (reindex: () => Promise<ReindexSummary>) => Promise<T>): Promise<T> => {
    if (held) throw new ReindexError('reindex_in_progress', 409, 'A re-index or a change to the documents is already running; try again when it has finished.');
    held = true;
    try {
      return await work(runHeld);
    } finally {
      held = false;
    }
  };
  return { reindex: () => exclusive((run) => run()), exclusive };
}
