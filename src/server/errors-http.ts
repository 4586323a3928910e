/**
 * The one place failures become HTTP responses `{error: {code, message}}` (on /v1, OpenAI's
 * `{error: {message, type, code, param}}`). Known errors keep
 * their code and status; body-parser's errors become 400/413/415; anything else is logged
 * with the request id and answered as a plain 500 without internals. Messages written for
 * the CLI may name directories; over HTTP any file-system path in them is replaced.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } });

/** The /v1 routes answer errors in OpenAI's shape; every other route in ours. */
export const usesOpenAIErrors = (url: string): boolean => /^\/v1([/?]|$)/i.test(url);

export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly code: string; readonly param: null };
}

/** OpenAI's error shape, for the /v1 routes: clients built on its SDKs read `message` and `type`. */
export const openAIErrorBody = (code: string, message: string, status: number): OpenAIErrorBody => ({
  error: { message, type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error', code, param: null },
});

interface ParserError {
  type?: string;
  status?: number;
}

function fromParser(err: ParserError): AppError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 400, 'The request body is not valid JSON.');
    case 'entity.invalid_utf8':
      return new AppError('invalid_json', 400, 'The request body is not valid UTF-8.');
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

// An absolute POSIX path of two or more segments, or a Windows drive path (not a route named
// after an HTTP method, as in "GET /v1/models"); and a stack frame.
const FS_PATH = /(?<![\w.:/])(?<!\b(?:GET|HEAD|POST|PUT|PATCH|DELETE) )(?:[A-Za-z]:)?(?:[\\/][\w.@~+-]+){2,}[\\/]?/g;
const STACK_FRAME = /\n\s*at\s[^\n]*|\bat\s+[\w$.<>]+\s+\([^)\n]*:\d+:\d+\)/g;

/** A message safe to send: no file-system paths, no stack frames, bounded length. */
export function publicMessage(message: string): string {
  const clean = message.replace(STACK_FRAME, '').replace(FS_PATH, '<path>');
  return clean.length > 500 ? `${clean.slice(0, 497)}...` : clean;
}

export const notFound: RequestHandler = (req, _res, next) => {
  const where = req.path.length > 200 ? `${req.path.slice(0, 200)}...` : req.path;
  next(new AppError('not_found', 404, `No route for ${req.method} ${where}.`));
};

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  const known = err instanceof AppError ? err : fromParser(err as ParserError);
  if (!known || known.status >= 500) req.log?.error({ err }, 'request failed');
  const status = known?.status ?? 500;
  // not_found echoes the request path the client sent; every other message is scrubbed.
  const message = known ? (known.code === 'not_found' ? known.message : publicMessage(known.message)) : '';
  const [code, text] = known ? [known.code, message] : ['internal_error', 'Something went wrong on our side.'];
  const body = usesOpenAIErrors(req.originalUrl) ? openAIErrorBody(code, text, status) : errorBody(code, text);
  if (res.headersSent) {
    // Mid-stream: the SSE writer reports errors itself; just end the response.
    res.end();
    return;
  }
  if (status === 429 && known && 'retryAfterSeconds' in known) res.setHeader('retry-after', String(known.retryAfterSeconds));
  res.status(status).json(body);
};

/**
 * A JSON body is required: 415 for another media type, 400 for a JSON request that sends no
 * body at all (`req.is` is then null, as for any request without a body, so the header says it).
 */
export function requireJsonBody(req: { is(type: string): string | false | null; get(name: string): string | undefined }, what: string): void {
  const type = req.is('application/json');
  if (type) return;
  // null: no body at all; false: a body of another type ("application/json-patch+json" included).
  if (type === null && /^application\/json\s*(;|$)/i.test(req.get('content-type') ?? '')) throw new AppError('invalid_json', 400, `The request body is empty: send ${what} as a JSON object.`);
  throw new AppError('unsupported_media_type', 415, `Send ${what} as JSON (content-type: application/json).`);
}
