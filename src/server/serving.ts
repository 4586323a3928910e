/**
 * The serving state of one server process, wired the same way by the entry point and the
 * integration tests: the index holder, its status (for /health), the CURRENT follower (the
 * one place that swaps generations in), and the re-indexer behind POST /reindex, watch mode and
 * the document writes.
 */
import type { Runtime, StartupIndex } from '../runtime.js';
import { loadGeneration } from '../index-store/generation.js';
import { reindex, type ReindexDeps, type ReindexSummary } from '../ingest/reindex.js';
import { reindexInChild, type ChildReindex } from '../ingest/reindex-in-child.js';
import type { Log } from '../log.js';
import { createIndexHolder, type IndexHolder } from './index-holder.js';
import { createIndexStatus, type IndexStatus } from './index-status.js';
import { followCurrent, type CurrentFollower } from './follow-current.js';
import { createReindexer, type Reindexer } from './reindexer.js';

export interface Serving {
  readonly holder: IndexHolder;
  readonly status: IndexStatus;
  readonly follower: CurrentFollower;
  readonly reindex: () => Promise<ReindexSummary>;
  /** Runs a change to the corpus and the re-index after it under the re-index lock (PUT/DELETE /documents). */
  readonly exclusive: Reindexer['exclusive'];
  /** Stops following CURRENT and stops a running re-index child. */
  stop(): void;
}

export interface ServingOptions {
  readonly log: Log;
  /** How often CURRENT is polled (0: only after this server's own re-indexes). */
  readonly followIntervalMs: number;
  /**
   * Re-index in this process with these deps instead of in a child: for tests that inject
   * ports (a failing embedder) which cannot cross a process boundary.
   */
  readonly reindexInProcess?: Partial<ReindexDeps>;
}

export function createServing(runtime: Runtime, startup: StartupIndex, opts: ServingOptions): Serving {
  const { config } = runtime;
  const holder = createIndexHolder(startup.index);
  const status = createIndexStatus(startup.fallback);
  const follower = followCurrent({
    indexDir: config.indexDir,
    holder,
    status,
    intervalMs: opts.followIntervalMs,
    log: opts.log,
    load: async (name) => runtime.toServing(await loadGeneration(config.indexDir, name, runtime.embedding.embeddings, runtime.embedding.info)),
    onSwitch: (name) => opts.log.info({ generation: name }, 'switched to a new index generation'),
  });
  let child: ChildReindex | null = null;
  const inProcess = opts.reindexInProcess;
  const run = inProcess
    ? async (): Promise<ReindexSummary> => {
        const { loaded: _loaded, ...summary } = await reindex(runtime.reindexDeps({ log: opts.log, ...inProcess }));
        return summary;
      }
    : async (): Promise<ReindexSummary> => {
        child = reindexInChild(config, { log: opts.log });
        try {
          const { maxRssBytes, ...summary } = await child.result;
          opts.log.info({ generation: summary.generation, maxRssMiB: Math.round(maxRssBytes / 2 ** 20) }, 're-index process finished');
          return summary;
        } finally {
          child = null;
        }
      };
  const reindexer = createReindexer({ run, sync: () => follower.sync(), status, log: opts.log });
  return {
    holder,
    status,
    follower,
    reindex: reindexer.reindex,
    exclusive: reindexer.exclusive,
    stop() {
      follower.stop();
      child?.kill();
    },
  };
}
