/**
 * The error catalogue: one base class with a stable `code` and an HTTP `status`, so the
 * server maps every failure to `{error: {code, message}}` in one place. Messages are safe to
 * show to users; internals go to `cause` and the logs only.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

export const invalidRequest = (message: string): AppError => new AppError('invalid_request', 400, message);

/** The index on disk was built with another embedding model/dimension, or is missing or damaged. */
export class IndexError extends AppError {
  constructor(code: 'index_missing' | 'index_mismatch' | 'index_corrupt', message: string, options?: { cause?: unknown }) {
    super(code, 503, message, options);
    this.name = 'IndexError';
  }
}

/** A re-index could not complete; the live index keeps serving. */
export class ReindexError extends AppError {
  constructor(code: 'reindex_failed' | 'reindex_in_progress' | 'corpus_unreadable' | 'corpus_empty', status: number, message: string, options?: { cause?: unknown }) {
    super(code, status, message, options);
    this.name = 'ReindexError';
  }
}

/** The remote model failed (HTTP error, timeout); callers fall back or answer 503. */
export class UpstreamError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('upstream_unavailable', 503, message, options);
    this.name = 'UpstreamError';
  }
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
