/**
 * The logging port of modules below the entry points (ingest, index store, the re-index
 * child): the subset of pino's API they use, so the server passes its logger and tests pass a
 * recorder. Nothing that is logged here may hold a secret (see tests/hardening/log-secrets).
 */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLog: Log = { info: () => {}, warn: () => {}, error: () => {} };
