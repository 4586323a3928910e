/**
 * Which generation a process starting up serves: the one CURRENT names if it loads, else the
 * newest other one that loads (a fallback, reported so it can be shown loudly: the log and
 * /health say "degraded" with the reason). Nothing is written: repairing is `ingest`'s job.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { IndexError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import { listGenerations, readCurrent } from './layout.js';
import { loadGeneration, type ExpectedEmbedding, type LoadedGeneration } from './generation.js';

export type OpenLive =
  /** INDEX_DIR holds no generation at all (or none CURRENT names and none on disk). */
  | { readonly kind: 'empty' }
  /** A generation loaded; `fallback` says why it is not the one CURRENT names (null when it is). */
  | { readonly kind: 'loaded'; readonly loaded: LoadedGeneration; readonly fallback: string | null }
  /** Generations exist but none loads (each damaged or missing). */
  | { readonly kind: 'unloadable'; readonly problems: readonly string[] };

export async function openLiveGeneration(indexDir: string, embeddings: EmbeddingsInterface, expected: ExpectedEmbedding, log: Log = silentLog): Promise<OpenLive> {
  let current: string | null = null;
  try {
    current = await readCurrent(indexDir);
  } catch (err) {
    log.error({ err }, 'CURRENT cannot be read; looking for the newest generation that loads');
  }
  const others = (await listGenerations(indexDir)).reverse().filter((n) => n !== current);
  const candidates = current ? [current, ...others] : others;
  if (candidates.length === 0) return { kind: 'empty' };
  const problems: string[] = [];
  let mismatch: IndexError | null = null;
  for (const name of candidates) {
    try {
      const loaded = await loadGeneration(indexDir, name, embeddings, expected);
      if (name === current) return { kind: 'loaded', loaded, fallback: null };
      const why = current ? `the generation CURRENT names (${current}) cannot be loaded: ${problems[0] ?? 'unknown'}` : 'CURRENT names no generation';
      return { kind: 'loaded', loaded, fallback: `${why}; serving the older generation ${name}. Run \`npm run ingest\` (or POST /reindex) to repair the index.` };
    } catch (err) {
      if (!(err instanceof IndexError)) throw err;
      if (err.code === 'index_mismatch') mismatch ??= err;
      problems.push(err.message);
      log.error({ generation: name, problem: err.message }, 'index generation cannot be loaded');
    }
  }
  // Built with other embeddings: rebuilding is the operator's decision (it may cost money).
  if (mismatch) throw mismatch;
  return { kind: 'unloadable', problems };
}
