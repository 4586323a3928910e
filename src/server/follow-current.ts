/**
 * Follows INDEX_DIR/CURRENT: when another process (npm run ingest) switches it, the server
 * loads the new generation and swaps it in, without a restart. Checks never overlap, and a
 * generation is swapped in only if, once loaded, it is still what CURRENT names and nothing
 * else (e.g. an in-process POST /reindex) swapped the holder meanwhile, so a slow load can
 * never replace a newer index with an older one.
 */
import { readCurrent } from '../index-store/layout.js';
import type { ServingIndex } from '../answer/serving-index.js';
import type { IndexHolder } from './index-holder.js';

export interface CurrentFollower {
  /** One check now (joins the running one, if any). */
  check(): Promise<void>;
  stop(): void;
}

export interface FollowOptions {
  readonly indexDir: string;
  readonly holder: IndexHolder;
  readonly load: (name: string) => Promise<ServingIndex>;
  /** 0 = no timer, only explicit check() calls. */
  readonly intervalMs?: number;
  readonly onSwitch?: (name: string) => void;
  /** Called once per generation that fails to load; the previous index keeps serving. */
  readonly onError?: (err: unknown, name: string) => void;
}

export function followCurrent(opts: FollowOptions): CurrentFollower {
  let running: Promise<void> | null = null;
  let lastFailed: string | null = null;
  const current = (): Promise<string | null> => readCurrent(opts.indexDir).catch(() => null);

  const once = async (): Promise<void> => {
    const before = opts.holder.peek();
    const name = await current();
    if (!name || name === before?.name) return;
    let next: ServingIndex;
    try {
      next = await opts.load(name);
    } catch (err) {
      if (lastFailed !== name) opts.onError?.(err, name);
      lastFailed = name;
      return;
    }
    lastFailed = null;
    if ((await current()) !== name || opts.holder.peek() !== before) return;
    opts.holder.swap(next);
    opts.onSwitch?.(name);
  };

  const check = (): Promise<void> => {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = opts.intervalMs ? setInterval(() => void check(), opts.intervalMs) : null;
  timer?.unref();
  return {
    check,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
