/**
 * Runs a re-index in a child process (reindex-child.ts), so reading, chunking, embedding, the
 * HNSW build and the verification never run on a serving process's event loop, and the
 * memory they take is returned to the system when the child exits. The child runs the same
 * reindex() as the CLI; the ingest lock (a file holding the child's pid) serialises it with
 * every other writer. Stages and log lines come back over IPC; errors come back as their
 * code, status and message and are rebuilt as the same typed errors.
 */
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Config } from '../config.js';
import { AppError, IndexError, ReindexError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import type { ReindexStage, ReindexSummary } from './reindex.js';

export type LogLevel = 'info' | 'warn' | 'error';

/** Parent → child. */
export interface RunMessage {
  readonly type: 'run';
  readonly config: Config;
}

export interface WireError {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

/** Child → parent. */
export type ChildMessage =
  | { readonly type: 'stage'; readonly stage: ReindexStage }
  | { readonly type: 'log'; readonly level: LogLevel; readonly fields: Record<string, unknown>; readonly message: string }
  | { readonly type: 'done'; readonly summary: ReindexSummary; readonly maxRssBytes: number }
  | { readonly type: 'failed'; readonly error: WireError };

const REINDEX_CODES = new Set(['reindex_failed', 'reindex_in_progress', 'corpus_unreadable', 'corpus_empty']);
const INDEX_CODES = new Set(['index_missing', 'index_mismatch', 'index_corrupt']);

/** An error as it crosses the process boundary. */
export function toWire(err: unknown): WireError {
  if (err instanceof AppError) return { code: err.code, status: err.status, message: err.message };
  return { code: 'reindex_failed', status: 500, message: `The re-index failed: ${err instanceof Error ? err.message : String(err)}` };
}

export function fromWire(e: WireError): AppError {
  if (REINDEX_CODES.has(e.code)) return new ReindexError(e.code as ConstructorParameters<typeof ReindexError>[0], e.status, e.message);
  if (INDEX_CODES.has(e.code)) return new IndexError(e.code as ConstructorParameters<typeof IndexError>[0], e.message);
  return new AppError(e.code, e.status, e.message);
}

/**
 * The child's scheduling priority (nice value): re-indexing is background work, so on a busy
 * machine the CPU goes to the serving process first and the re-index takes longer instead.
 */
export const CHILD_NICE = 10;

export interface ChildReindex {
  /** The summary, or the run's typed error. */
  readonly result: Promise<ReindexSummary & { readonly maxRssBytes: number }>;
  /** Stops the child (SIGTERM); a run cut short leaves at most a temp dir and a stale lock. */
  kill(): void;
}

/** How to start the child: compiled JavaScript as is; TypeScript sources (tests, tsx) through tsx. */
function childEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { file: here.replace(/reindex-in-child\.ts$/, 'reindex-child.ts'), execArgv: ['--import', tsx] };
  }
  return { file: here.replace(/reindex-in-child\.js$/, 'reindex-child.js'), execArgv: [] };
}

export function reindexInChild(config: Config, opts: { log?: Log; onStage?: (stage: ReindexStage) => void } = {}): ChildReindex {
  const log = opts.log ?? silentLog;
  const { file, execArgv } = childEntry();
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
  try {
    if (child.pid !== undefined) setPriority(child.pid, CHILD_NICE);
  } catch (err) {
    log.warn({ err }, 'could not lower the priority of the re-index process');
  }
  const result = new Promise<ReindexSummary & { maxRssBytes: number }>((resolve, reject) => {
    let settled = false;
    child.on('message', (raw) => {
      const m = raw as ChildMessage;
      if (m.type === 'stage') opts.onStage?.(m.stage);
      else if (m.type === 'log') log[m.level]({ ...m.fields, reindexPid: child.pid }, m.message);
      else if (m.type === 'done') {
        settled = true;
        resolve({ ...m.summary, maxRssBytes: m.maxRssBytes });
      } else if (m.type === 'failed') {
        settled = true;
        reject(fromWire(m.error));
      }
    });
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(new ReindexError('reindex_failed', 500, `The re-index process could not be started: ${err.message}`, { cause: err }));
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      reject(new ReindexError('reindex_failed', 500, `The re-index process ended unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); the live index is untouched.`));
    });
  });
  child.send({ type: 'run', config } satisfies RunMessage);
  return {
    result,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
