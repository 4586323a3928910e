/**
 * Follows INDEX_DIR/CURRENT: when it is switched (by `npm run ingest` in another process, or by
 * this server's own re-index child), the server loads the new generation and swaps it in,
 * without a restart. Checks never overlap, and a generation is swapped in only if, once
 * loaded, it is still what CURRENT names and nothing else swapped the holder meanwhile, so a
 * slow load can never replace a newer index with an older one.
 *
 * When CURRENT names a generation that cannot be loaded (damaged, gone) or names nothing, the
 * previous index keeps serving and the status says "degraded" with the reason; a generation
 * that failed to load is not retried (generations never change once written: a repair writes
 * a new one). Errors reading CURRENT are logged once per distinct message.
 */
import { readCurrent } from '../index-store/layout.js';
import type { ServingIndex } from '../answer/serving-index.js';
import { silentLog, type Log } from '../log.js';
import type { IndexHolder } from './index-holder.js';
import type { IndexStatus } from './index-status.js';

export type FollowOutcome =
  | { readonly kind: 'unchanged' | 'switched' | 'stale'; readonly name: string }
  | { readonly kind: 'failed'; readonly name: string; readonly error: unknown }
  | { readonly kind: 'none'; readonly name: null };

export interface CurrentFollower {
  /** One check now (joins the running one, if any). */
  check(): Promise<FollowOutcome>;
  /** A check that starts after this call (waits for a running one first): sees what CURRENT names now. */
  sync(): Promise<FollowOutcome>;
  stop(): void;
}

export interface FollowOptions {
  readonly indexDir: string;
  readonly holder: IndexHolder;
  readonly status: IndexStatus;
  readonly load: (name: string) => Promise<ServingIndex>;
  /** 0 = no timer, only explicit check() calls. */
  readonly intervalMs?: number;
  readonly log?: Log;
  readonly onSwitch?: (name: string) => void;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function followCurrent(opts: FollowOptions): CurrentFollower {
  const log = opts.log ?? silentLog;
  let running: Promise<FollowOutcome> | null = null;
  const failed = new Map<string, unknown>();
  let lastReadError: string | null = null;

  const current = async (): Promise<string | null> => {
    try {
      const name = await readCurrent(opts.indexDir);
      lastReadError = null;
      return name;
    } catch (err) {
      if (messageOf(err) !== lastReadError) log.error({ err }, 'CURRENT cannot be read; still serving the loaded generation');
      lastReadError = messageOf(err);
      return null;
    }
  };

  const once = async (): Promise<FollowOutcome> => {
    const before = opts.holder.peek();
    const name = await current();
    if (!name) {
      if (before && lastReadError === null) opts.status.degrade(`INDEX_DIR/CURRENT is missing or names no generation; serving ${before.name}.`);
      return { kind: 'none', name: null };
    }
    if (name === before?.name) {
      opts.status.recover();
      return { kind: 'unchanged', name };
    }
    const earlier = failed.get(name);
    if (earlier !== undefined) return { kind: 'failed', name, error: earlier };
    let next: ServingIndex;
    try {
      next = await opts.load(name);
    } catch (err) {
      failed.set(name, err);
      const serving = before ? `; still serving ${before.name}` : '';
      opts.status.degrade(`The generation CURRENT names (${name}) cannot be loaded: ${messageOf(err)}${serving}. Run \`npm run ingest\` (or POST /reindex) to repair the index.`);
      log.error({ err, generation: name }, `INDEX DEGRADED: could not load the new index generation${serving}`);
      return { kind: 'failed', name, error: err };
    }
    if ((await current()) !== name || opts.holder.peek() !== before) return { kind: 'stale', name };
    opts.holder.swap(next);
    opts.status.recover();
    opts.onSwitch?.(name);
    return { kind: 'switched', name };
  };

  const check = (): Promise<FollowOutcome> => {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = opts.intervalMs ? setInterval(() => void check(), opts.intervalMs) : null;
  timer?.unref();
  return {
    check,
    async sync() {
      await running?.catch(() => undefined);
      return check();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
