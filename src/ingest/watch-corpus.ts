/**
 * Watch mode (npm run ingest -- --watch, WATCH_CORPUS=true): re-index when a corpus file
 * changes. Changes are debounced (a burst of saves makes one re-index), runs never overlap (a
 * change during a run makes one more run after it), and a run refused with 409 because another
 * re-index holds the lock is retried, so no change is lost.
 */
import { watch } from 'node:fs';
import { AppError } from '../errors.js';

export interface CorpusWatcher {
  close(): void;
}

export interface WatchOptions<T> {
  readonly debounceMs?: number;
  /** Delay before retrying a run refused with 409. */
  readonly retryMs?: number;
  readonly onResult?: (result: T) => void;
  readonly onError?: (err: unknown) => void;
}

export function watchCorpus<T>(corpusDir: string, run: () => Promise<T>, opts: WatchOptions<T> = {}): CorpusWatcher {
  const debounceMs = opts.debounceMs ?? 500;
  const retryMs = opts.retryMs ?? 2000;
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let again = false;
  let closed = false;

  const schedule = (ms: number): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void fire(), ms);
  };
  const fire = async (): Promise<void> => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    let refused = false;
    try {
      // (Not `onResult?.(await run())`: an optional call skips evaluating its arguments.)
      const result = await run();
      opts.onResult?.(result);
    } catch (err) {
      opts.onError?.(err);
      refused = err instanceof AppError && err.code === 'reindex_in_progress';
    } finally {
      running = false;
    }
    if (refused) schedule(retryMs);
    else if (again) schedule(debounceMs);
    again = false;
  };

  const watcher = watch(corpusDir, { recursive: true }, () => schedule(debounceMs));
  watcher.on('error', (err) => opts.onError?.(err));
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
