/**
 * Request ids and the one `request completed` log line per request (what pino-http gave, at a
 * fraction of its cost per request). pino-http builds a child logger for every request, which
 * serialises the request into the child's bindings, and registers three listeners; under load
 * that was 7 % of `/search`'s CPU (bench/profile-server.ts). Here a request costs an id, one
 * `close` listener and, at completion, one log call; a child logger is made only for a request
 * whose handler logs something of its own (`req.log`, a getter on Express's request prototype).
 *
 * The line keeps pino-http's shape: `req` {id, method, url, remoteAddress}, `res` {statusCode},
 * `responseTime` (ms), at `info`, `warn` for a 4xx, `error` for a 5xx (whose error, with its
 * stack, the error handler logs through `req.log`), `aborted` when the client left first. What
 * is logged never holds a header or a query string: they may carry the admin token
 * (tests/hardening/log-secrets).
 */
import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Log } from '../log.js';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the client's `x-request-id` when it is a valid one, else a new UUID. */
    id: string;
    /** A logger whose lines carry this request's `req` fields (made on first use). */
    readonly log: Logger;
  }
}

/** A client's own request id is used when it is this plain (and echoed in `x-request-id`). */
const REQUEST_ID = /^[\w.-]{1,100}$/;

/** A request's path without its query string: a query may carry a token (`?token=…`) or a question. */
export const loggedPath = (url: string): string => {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?[query not logged]`;
};

interface RequestFields {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly remoteAddress: string | undefined;
}

const fieldsOf = (req: Request): RequestFields => ({ id: req.id, method: req.method, url: loggedPath(req.originalUrl || req.url || ''), remoteAddress: req.socket?.remoteAddress });

const CHILD = Symbol('request logger');
type WithChild = Request & { [CHILD]?: Logger };

/**
 * An info logger for `req` that makes its child logger only when a line is logged: the answer
 * path logs one line in a few (a claim check that dropped sentences), and `req.log` itself
 * would cost every request a child logger.
 */
export const lazyInfoLog = (req: Request): Pick<Log, 'info'> => ({ info: (fields, message) => req.log.info(fields, message) });

/**
 * Installs `req.log` on `app`'s request prototype and returns the middleware that gives each
 * request its id and logs its completion. Mount it before anything that may log or fail.
 */
export function requestLog(app: Express, logger: Logger): RequestHandler {
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: WithChild): Logger {
      return (this[CHILD] ??= logger.child({ req: fieldsOf(this) }));
    },
  });
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    const start = Date.now();
    // `close` comes once, after `finish` for a response that was sent, or alone when the client
    // left first (pino-http logged that too, as completed).
    res.once('close', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const fields = { req: fieldsOf(req), res: { statusCode: res.headersSent ? status : null }, responseTime: Date.now() - start, ...(res.writableFinished ? {} : { aborted: true }) };
      logger[level](fields, 'request completed');
    });
    next();
  };
}
