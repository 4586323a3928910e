/**
 * Re-indexing inside a running server: one at a time (a second caller gets 409), and the
 * served index is swapped only after the new generation has been written and verified.
 */
import { ReindexError } from '../errors.js';
import type { ReindexResult } from '../ingest/reindex.js';
import type { ServingIndex } from '../answer/serving-index.js';
import type { LoadedGeneration } from '../index-store/generation.js';
import type { IndexHolder } from './index-holder.js';

export type ReindexSummary = Omit<ReindexResult, 'loaded'>;

export function createReindexer(deps: {
  run: () => Promise<ReindexResult>;
  holder: IndexHolder;
  toServing: (gen: LoadedGeneration) => Promise<ServingIndex>;
}): () => Promise<ReindexSummary> {
  let running = false;
  return async () => {
    if (running) throw new ReindexError('reindex_in_progress', 409, 'A re-index is already running; try again when it has finished.');
    running = true;
    try {
      const { loaded, ...summary } = await deps.run();
      if (deps.holder.peek()?.name !== loaded.name) deps.holder.swap(await deps.toServing(loaded));
      return { ...summary, ms: Math.round(summary.ms) };
    } finally {
      running = false;
    }
  };
}
