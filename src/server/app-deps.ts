/**
 * The dependencies of createApp as the real runtime provides them; the entry point and the
 * integration tests build the app the same way, differing only in logger, paths and hooks.
 */
import type { Logger } from 'pino';
import type { Runtime } from '../runtime.js';
import { reindex, type ReindexDeps } from '../ingest/reindex.js';
import type { AppDeps } from './app.js';
import type { IndexHolder } from './index-holder.js';
import { createReindexer } from './reindexer.js';
import { createMetrics } from './metrics.js';
import { createFeedbackStore } from '../feedback/store.js';

export function appDepsFrom(
  runtime: Runtime,
  holder: IndexHolder,
  opts: { logger: Logger; publicDir: string; reindexOverrides?: Partial<ReindexDeps> },
): AppDeps {
  const { config } = runtime;
  const metrics = createMetrics({ index: holder });
  return {
    logger: opts.logger,
    index: holder,
    answer: (input, index, emit) => runtime.answer(input, index, emit),
    // Counted here, so runs started by corpus watching (main.ts) are counted too.
    reindex: metrics.countReindexes(createReindexer({ run: () => reindex(runtime.reindexDeps(opts.reindexOverrides)), holder, toServing: runtime.toServing })),
    mode: runtime.mode,
    adminToken: config.adminToken,
    defaultK: config.defaultK,
    bodyLimit: config.bodyLimit,
    rateLimitPerMinute: config.rateLimitPerMinute,
    reindexRateLimitPerMinute: config.reindexRateLimitPerMinute,
    feedback: createFeedbackStore(config.feedbackDir),
    feedbackRateLimitPerMinute: config.feedbackRateLimitPerMinute,
    publicDir: opts.publicDir,
    apiKeys: config.apiKeys,
    metricsRequireApiKey: config.metricsRequireApiKey,
    metrics,
  };
}
