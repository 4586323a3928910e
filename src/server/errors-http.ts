/**
 * The one place failures become HTTP responses `{error: {code, message}}`. Known errors keep
 * their code and status; body-parser's errors become 400/413/415; anything else is logged
 * with the request id and answered as a plain 500 without internals.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

interface ParserError {
  type?: string;
  status?: number;
}

function fromParser(err: ParserError): AppError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('payload_too_large', 413, 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 415, 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
      return new AppError('request_aborted', 400, 'The request was aborted.');
    default:
      return typeof err.status === 'number' && err.status >= 400 && err.status < 500
        ? new AppError('bad_request', err.status, 'The request could not be read.')
        : null;
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', 404, `No route for ${req.method} ${req.path}.`));
};

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  const known = err instanceof AppError ? err : fromParser(err as ParserError);
  if (!known || known.status >= 500) req.log?.error({ err }, 'request failed');
  const status = known?.status ?? 500;
  const body = known ? errorBody(known.code, known.message) : errorBody('internal_error', 'Something went wrong on our side.');
  if (res.headersSent) {
    // Mid-stream: the SSE writer reports errors itself; just end the response.
    res.end();
    return;
  }
  if (status === 429 && known && 'retryAfterSeconds' in known) res.setHeader('retry-after', String(known.retryAfterSeconds));
  res.status(status).json(body);
};
