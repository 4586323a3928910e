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

/** A Log printing one line per message (CLIs): the message, and the problem it names if any. */
export function lineLog(print: (line: string) => void): Log {
  const line = (fields: object, message: string): void => {
    const problem = (fields as { problem?: unknown }).problem;
    print(typeof problem === 'string' ? `${message}: ${problem}` : message);
  };
  return { info: line, warn: line, error: line };
}
