/**
 * Starts the real app (real runtime, real hnswlib index on disk in a temp dir, real Express on
 * a loopback port) for integration tests. The corpus defaults to the project's corpus/.
 */
import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { pino, type Logger } from 'pino';
import { parseConfig, type Config } from '../../src/config.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { ReindexDeps } from '../../src/ingest/reindex.js';
import { createApp, type AppDeps } from '../../src/server/app.js';
import { createIndexHolder, type IndexHolder } from '../../src/server/index-holder.js';
import { createIndexStatus } from '../../src/server/index-status.js';
import { appDepsFrom } from '../../src/server/app-deps.js';
import { createServing, type Serving } from '../../src/server/serving.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

export interface TestServer {
  readonly url: string;
  readonly server: Server;
  readonly runtime: Runtime;
  readonly holder: IndexHolder;
  readonly serving: Serving;
  readonly config: Config;
  /** Temp dir holding index/ and (when copied) corpus/. */
  readonly dir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra environment (e.g. OPENAI_API_KEY, OPENAI_BASE_URL, ADMIN_TOKEN). */
  readonly env?: Record<string, string>;
  /** Copy this directory as the corpus (default: the project's corpus/). */
  readonly corpusFrom?: string;
  /** Copy this directory as INDEX_DIR before starting (default: none, so one is built). */
  readonly indexFrom?: string;
  /**
   * Re-index in the test's process with these overrides (e.g. a failing embedding port)
   * instead of in a child process as the server does.
   */
  readonly reindexOverrides?: (runtime: Runtime) => Partial<ReindexDeps>;
  /** A pino logger for the app (default: silent). */
  readonly logger?: Logger;
}

export function tempDir(prefix = 'heihe-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dir = tempDir();
  const corpusDir = path.join(dir, 'corpus');
  cpSync(opts.corpusFrom ?? path.join(PROJECT_ROOT, 'corpus'), corpusDir, { recursive: true });
  if (opts.indexFrom) cpSync(opts.indexFrom, path.join(dir, 'index'), { recursive: true });
  const config = parseConfig({
    EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'),
    RATE_LIMIT_PER_MINUTE: '0',
    REINDEX_RATE_LIMIT_PER_MINUTE: '0',
    FEEDBACK_RATE_LIMIT_PER_MINUTE: '0',
    ...opts.env,
    CORPUS_DIR: corpusDir,
    INDEX_DIR: path.join(dir, 'index'),
    FEEDBACK_DIR: path.join(dir, 'feedback'),
  });
  const runtime = await createRuntime(config);
  const logger = opts.logger ?? pino({ level: 'silent' });
  const overrides = opts.reindexOverrides?.(runtime);
  const serving = createServing(runtime, await runtime.openServingIndex(logger), { log: logger, followIntervalMs: 0, ...(overrides ? { reindexInProcess: overrides } : {}) });
  const app = createApp(appDepsFrom(runtime, serving, { logger, publicDir: path.join(PROJECT_ROOT, 'public') }));
  const listening = await listenOnLoopback(app);
  return {
    url: listening.url,
    server: listening.server,
    runtime,
    holder: serving.holder,
    serving,
    config,
    dir,
    async close() {
      serving.stop();
      await listening.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves `app` on a free loopback port (for apps built around fakes with fakeAppDeps). */
export async function listenOnLoopback(app: Express): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * App deps for tests that build the app around fakes: answers and re-indexes fail unless
 * overridden, limits are off, the real page is served.
 */
export function fakeAppDeps(overrides: Partial<AppDeps> = {}): AppDeps {
  return {
    logger: pino({ level: 'silent' }),
    index: createIndexHolder(null),
    status: createIndexStatus(),
    answer: async () => {
      throw new Error('not reached');
    },
    reindex: async () => {
      throw new Error('not reached');
    },
    mode: 'extractive',
    adminToken: undefined,
    defaultK: 5,
    bodyLimit: '64kb',
    rateLimitPerMinute: 0,
    reindexRateLimitPerMinute: 0,
    documents: {
      list: async () => ({ indexVersion: null, upToDate: false, documents: [], deleted: [] }),
      read: async () => null,
      put: async () => {
        throw new Error('not reached');
      },
      remove: async () => {
        throw new Error('not reached');
      },
    },
    documentBodyLimit: '1mb',
    feedback: {
      append: async () => {
        throw new Error('not reached');
      },
    },
    feedbackRateLimitPerMinute: 0,
    publicDir: path.join(PROJECT_ROOT, 'public'),
    ...overrides,
  };
}
