/**
 * The dependencies of createApp as the real runtime provides them; the entry point and the
 * integration tests build the app the same way, differing only in logger, paths and hooks.
 */
import type { Logger } from 'pino';
import type { Runtime } from '../runtime.js';
import type { AppDeps } from './app.js';
import type { Serving } from './serving.js';
import { createMetrics } from './metrics.js';
import { createFeedbackStore } from '../feedback/store.js';
import { createDocuments } from '../documents/documents.js';

export function appDepsFrom(runtime: Runtime, serving: Serving, opts: { logger: Logger; publicDir: string }): AppDeps {
  const { config } = runtime;
  const metrics = createMetrics({ index: serving.holder });
  return {
    logger: opts.logger,
    index: serving.holder,
    status: serving.status,
    answer: (input, index, emit) => runtime.answer(input, index, emit),
    // Counted here, so runs started by corpus watching (main.ts) are counted too.
    reindex: metrics.countReindexes(serving.reindex),
    mode: runtime.mode,
    adminToken: config.adminToken,
    defaultK: config.defaultK,
    bodyLimit: config.bodyLimit,
    rateLimitPerMinute: config.rateLimitPerMinute,
    rateLimitLocal: config.rateLimitLocal,
    reindexRateLimitPerMinute: config.reindexRateLimitPerMinute,
    documents: createDocuments({
      corpusDir: config.corpusDir,
      indexDir: config.indexDir,
      liveManifest: () => serving.holder.peek()?.manifest ?? null,
      // The runs after document changes are counted with the others.
      exclusive: (work) => serving.exclusive((reindex) => work(metrics.countReindexes(reindex))),
      log: opts.logger,
    }),
    documentBodyLimit: config.documentBodyLimit,
    feedback: createFeedbackStore(config.feedbackDir),
    feedbackRateLimitPerMinute: config.feedbackRateLimitPerMinute,
    publicDir: opts.publicDir,
    apiKeys: config.apiKeys,
    metricsRequireApiKey: config.metricsRequireApiKey,
    metrics,
  };
}
