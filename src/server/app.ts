/**
 * createApp(deps) builds the Express app: security headers, request ids and logs, JSON body
 * parsing with a limit, rate limits, the API routes, the static chat page, and the one error
 * handler. It does not listen; the entry point (main.ts) does.
 */
import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { IndexHolder } from './index-holder.js';
import type { IndexStatus } from './index-status.js';
import { askRouter, type Answerer } from './routes/ask.js';
import { searchRouter } from './routes/search.js';
import { healthRouter } from './routes/health.js';
import { reindexRouter } from './routes/reindex.js';
import type { ReindexSummary } from './reindexer.js';
import { errorBody, errorHandler, notFound } from './errors-http.js';
import { createTurns } from './turns.js';

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
  readonly reindexRateLimitPerMinute: number;
  readonly publicDir: string;
}

const REQUEST_ID = /^[\w.-]{1,100}$/;

/** A request's path without its query string: a query may carry a token (`?token=…`) or a question. */
export const loggedPath = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?[query not logged]`;
};

function limiter(perMinute: number): express.RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, _next, options) => {
      // express-rate-limit has set Retry-After to the seconds left in the window; keep a fallback.
      if (!res.getHeader('retry-after')) res.setHeader('retry-after', String(Math.ceil(options.windowMs / 1000)));
      res.status(429).json(errorBody('rate_limited', 'Too many requests; slow down and retry after the time in Retry-After.'));
    },
  });
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // Log what identifies a request, not its headers nor its query string: they may carry the
      // admin token (tests/hardening/log-secrets.test.ts).
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: loggedPath(req.url), remoteAddress: req.remoteAddress }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
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
  // Rate limits come before the body is read, so a client over its limit costs no parsing.
  app.use('/ask', limiter(deps.rateLimitPerMinute));
  app.use('/reindex', limiter(deps.reindexRateLimitPerMinute));
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
  app.use(askRouter({ index: deps.index, answer: deps.answer, defaultK: deps.defaultK, turn }));
  app.use(searchRouter({ index: deps.index, turn }));
  app.use(healthRouter({ index: deps.index, status: deps.status, mode: deps.mode }));
  app.use(reindexRouter({ adminToken: deps.adminToken, reindex: deps.reindex }));
  app.use(express.static(path.resolve(deps.publicDir), { index: 'index.html', fallthrough: true, maxAge: '5m' }));

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
