/**
 * createApp(deps) builds the Express app: metrics, security headers, request ids and logs,
 * rate limits, API keys, JSON body parsing with a limit, the API routes (ours, the documents
 * of the corpus and the OpenAI-compatible /v1), the OpenAPI document, the static chat page,
 * and the one error handler. It does not listen; the entry point (main.ts) does.
 */
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { IndexHolder } from './index-holder.js';
import type { IndexStatus } from './index-status.js';
import { askRouter, type Answerer } from './routes/ask.js';
import { searchRouter } from './routes/search.js';
import { healthRouter } from './routes/health.js';
import { reindexRouter } from './routes/reindex.js';
import { modelsRouter } from './routes/models.js';
import { chatCompletionsRouter } from './routes/chat-completions.js';
import { openApiRouter } from './routes/openapi.js';
import { metricsRouter } from './routes/metrics.js';
import { feedbackRouter } from './routes/feedback.js';
import { clientConfigRouter } from './routes/client-config.js';
import { documentsRouter } from './routes/documents.js';
import type { Documents } from '../documents/documents.js';
import type { FeedbackStore } from '../feedback/store.js';
import type { ReindexSummary } from './reindexer.js';
import { errorHandler, notFound } from './errors-http.js';
import { createTurns } from './turns.js';
import { AppError } from '../errors.js';
import { requireApiKey } from './bearer.js';
import { API_INFO, apiOperations } from './api-catalog.js';
import { createMetrics, routeLabeller, type Metrics } from './metrics.js';
import { requestLog } from './request-log.js';

export interface AppDeps {
  readonly logger: Logger;
  readonly index: IndexHolder;
  /** Degraded serving (a fallback generation) and the last re-index, for /health. */
  readonly status: IndexStatus;
  readonly answer: Answerer;
  readonly reindex: () => Promise<ReindexSummary>;
  readonly mode: 'extractive' | 'llm';
  readonly adminToken: string | undefined;
  readonly defaultK: number;
  readonly bodyLimit: string;
  /** Requests per minute per client on /ask; 0 turns the limit off. */
  readonly rateLimitPerMinute: number;
  /** RATE_LIMIT_LOCAL: /ask's and /feedback's limits count requests from this machine too (default: they do not). */
  readonly rateLimitLocal?: boolean;
  readonly reindexRateLimitPerMinute: number;
  /** The corpus as documents (GET/PUT/DELETE /documents). */
  readonly documents: Documents;
  /** DOCUMENT_BODY_LIMIT: the largest PUT /documents body. */
  readonly documentBodyLimit: string;
  /** Where POST /feedback stores what readers say about answers. */
  readonly feedback: FeedbackStore;
  readonly feedbackRateLimitPerMinute: number;
  readonly publicDir: string;
  /** API_KEYS: when non-empty, /ask, /search and /v1/* need one as a bearer token. */
  readonly apiKeys?: readonly string[];
  /** METRICS_REQUIRE_API_KEY (default true): /metrics needs a key too, when there are keys. */
  readonly metricsRequireApiKey?: boolean;
  /** The app's metrics; appDepsFrom makes them so that its re-indexer counts its runs. A new set when absent. */
  readonly metrics?: Metrics;
}

/** A loopback peer: a process on this machine (trust proxy is off, so this is the socket's own address). */
export const isLoopback = (address: string | undefined): boolean => address !== undefined && (/^127\./.test(address) || address === '::1' || /^::ffff:127\./i.test(address));

/** A request a proxy passed on (it says for whom): its loopback peer is the proxy, not the client. */
const forwarded = (req: express.Request): boolean => req.get('x-forwarded-for') !== undefined || req.get('forwarded') !== undefined || req.get('x-real-ip') !== undefined;

/**
 * Requests per minute per client. `local: false` leaves loopback peers out: the server listens
 * on 127.0.0.1 unless HOST says otherwise, so by default its only clients are this machine's
 * own tools (the CLI, a scorer sending hundreds of questions, a script), whose owner runs the
 * server; the limit shares a server among remote clients. A request a proxy forwarded is counted
 * (all of them against one budget: trust proxy is off, so the proxy is the client).
 */
function limiter(perMinute: number, local = true): express.RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    skip: (req) => !local && isLoopback(req.socket.remoteAddress) && !forwarded(req),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, next, options) => {
      // express-rate-limit has set Retry-After to the seconds left in the window; keep a fallback.
      if (!res.getHeader('retry-after')) res.setHeader('retry-after', String(Math.ceil(options.windowMs / 1000)));
      // Through the error handler, so /v1 answers in OpenAI's error shape.
      next(new AppError('rate_limited', 429, 'Too many requests; slow down and retry after the time in Retry-After.'));
    },
  });
}

const isRead = (req: express.Request): boolean => req.method === 'GET' || req.method === 'HEAD';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag hashed over every JSON body: an answer or a search result is computed before its
  // hash could say "not modified", so the tag saved no work, and SHA-1 over ~3 KB cost ~13 % of
  // /search's throughput (bench/ab-env.ts). Documents send their own sha256 ETag; the static chat
  // page keeps serve-static's.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  const apiKeys = deps.apiKeys ?? [];
  const metricsRequireApiKey = deps.metricsRequireApiKey ?? true;
  const operations = apiOperations({ metricsRequireApiKey });
  const metrics = deps.metrics ?? createMetrics({ index: deps.index });
  // First, so every request is timed and counted, including those refused further on.
  app.use(metrics.requests(routeLabeller(operations)));

  app.use(requestLog(app, deps.logger));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  // Rate limits and API keys come before the body is read, so a refused client costs no
  // parsing. /ask and /v1/chat/completions do the same work and share one budget per client.
  const countLocal = deps.rateLimitLocal ?? false;
  const askLimit = limiter(deps.rateLimitPerMinute, countLocal);
  app.use(['/ask', '/v1/chat/completions'], askLimit);
  // A document change re-indexes like POST /reindex and shares its budget (unless deferred).
  const reindexLimit = limiter(deps.reindexRateLimitPerMinute);
  app.use('/reindex', reindexLimit);
  app.use('/documents', (req, res, next) => (isRead(req) || req.query['reindex'] === 'false' ? next() : reindexLimit(req, res, next)));
  if (apiKeys.length > 0) {
    app.use(['/ask', '/search', '/v1'], requireApiKey(apiKeys));
    // Reads give out the corpus as /search does; writes take the admin token instead (one Authorization header).
    const documentReads = requireApiKey(apiKeys);
    app.use('/documents', (req, res, next) => (isRead(req) ? documentReads(req, res, next) : next()));
    if (metricsRequireApiKey) app.use('/metrics', requireApiKey(apiKeys));
  }
  app.use('/feedback', limiter(deps.feedbackRateLimitPerMinute, countLocal));
  app.use(
    express.json({
      limit: deps.bodyLimit,
      strict: true,
      type: 'application/json',
      // Invalid UTF-8 would otherwise be decoded to U+FFFD and accepted silently.
      verify: (_req, _res, buf, encoding) => {
        if ((encoding ?? 'utf-8').toLowerCase().replace('_', '-') === 'utf-8' && !isUtf8(buf)) {
          throw Object.assign(new Error('request body is not valid UTF-8'), { status: 400, type: 'entity.invalid_utf8' });
        }
      },
    }),
  );
  // Answers and searches take fair turns at the CPU, so file and socket I/O (a re-index, new
  // connections) is not starved under load.
  const turn = createTurns(2);
  const answer = metrics.countAnswers(deps.answer, deps.mode);
  app.use(askRouter({ index: deps.index, answer, defaultK: deps.defaultK, turn }));
  app.use(searchRouter({ index: deps.index, turn }));
  app.use(healthRouter({ index: deps.index, status: deps.status, mode: deps.mode }));
  app.use(reindexRouter({ adminToken: deps.adminToken, reindex: deps.reindex }));
  app.use(modelsRouter({ ownedBy: 'heihe', created: Math.floor(Date.now() / 1000) }));
  app.use(chatCompletionsRouter({ index: deps.index, answer, defaultK: deps.defaultK, turn }));
  app.use(openApiRouter({ operations, options: { ...API_INFO, apiKeysRequired: apiKeys.length > 0 } }));
  app.use(metricsRouter({ registry: metrics.registry }));
  app.use(feedbackRouter({ store: deps.feedback }));
  app.use(clientConfigRouter({ bodyLimit: deps.bodyLimit }));
  app.use(documentsRouter({ documents: deps.documents, adminToken: deps.adminToken, bodyLimit: deps.documentBodyLimit }));
  app.use(express.static(path.resolve(deps.publicDir), { index: 'index.html', fallthrough: true, maxAge: '5m' }));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
