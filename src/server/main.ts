/**
 * The server's entry point, and the only place that listens, reads the environment, watches
 * the index directory and handles signals. Everything else is built by createApp(deps).
 */
// First: start reading the word vectors while the other modules load.
import './prefetch.js';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.js';
import { createServer } from 'node:http';
import { pino } from 'pino';
import { configOrExit } from '../entry.js';
import { createRuntime } from '../runtime.js';
import { watchCorpus } from '../ingest/watch-corpus.js';
import { createApp } from './app.js';
import { appDepsFrom } from './app-deps.js';
import { createServing } from './serving.js';

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = pino({ level: config.logLevel });
  const runtime = await createRuntime(config, (m) => logger.info(m));
  // The generation CURRENT names, else the newest that loads (logged loudly, /health "degraded").
  const startup = await runtime.openServingIndex(logger);
  // Another process (npm run ingest) may switch CURRENT: followed every second, without a restart.
  const serving = createServing(runtime, startup, { log: logger, followIntervalMs: 1000 });
  const deps = appDepsFrom(runtime, serving, { logger, publicDir: path.join(PROJECT_ROOT, 'public') });
  const reindexNow = deps.reindex;
  const app = createApp(deps);

  const watcher = config.watchCorpus
    ? watchCorpus(config.corpusDir, reindexNow, {
        onResult: (r) => logger.info({ version: r.version, embedded: r.embedded, changed: r.changed }, 'corpus change re-indexed'),
        onError: (err) => logger.error({ err }, 're-index after corpus change failed'),
      })
    : null;

  // Slow senders are cut off after REQUEST_TIMEOUT_MS; Node checks for them every
  // connectionsCheckingInterval (30 s by default, which would double a short timeout).
  const server = createServer({ connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.requestTimeoutMs / 4))) }, app);
  server.once('error', (err: NodeJS.ErrnoException) => {
    logger.fatal({ err }, 'cannot listen');
    console.error(`Cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ url: `http://${config.host}:${port}`, mode: runtime.mode, index: serving.holder.peek()?.version, degraded: serving.status.problem() !== null }, 'Heihe assistant listening');
  });
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
  server.keepAliveTimeout = 5_000;

  let stopping = false;
  // While stopping, a finished response must not leave its keep-alive connection open for
  // keepAliveTimeout: close it (and any other idle one) as soon as the response is done.
  server.on('request', (_req, res) => {
    if (stopping) res.setHeader('connection', 'close');
    res.once('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
  });
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    serving.stop();
    watcher?.close();
    const force = setTimeout(() => {
      logger.warn('grace period over; closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    server.close(() => {
      logger.info('stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
