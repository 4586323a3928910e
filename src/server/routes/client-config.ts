/**
 * GET /config: the limits a client must respect (question length, history size, request body
 * size, feedback note length), so the chat page reads them from the server instead of copying
 * them by hand.
 */
import { Router } from 'express';
import { FEEDBACK_LIMITS } from '../../feedback/feedback.js';
import { MAX_HISTORY_CONTENT_CHARS, MAX_HISTORY_TURNS, MAX_QUESTION_CHARS } from '../schemas.js';

export interface ClientConfig {
  readonly limits: {
    readonly questionChars: number;
    readonly historyTurns: number;
    readonly historyContentChars: number;
    /** Largest JSON request body, in bytes (BODY_LIMIT). */
    readonly bodyBytes: number;
    readonly feedbackNoteChars: number;
  };
}

const UNIT = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;

/** BODY_LIMIT ("64kb", validated by the config schema) in bytes, as Express counts them. */
export function bodyLimitBytes(limit: string): number {
  const m = /^(\d+)(b|kb|mb)$/i.exec(limit);
  if (!m) throw new Error(`not a body limit: ${limit}`);
  return Number(m[1]) * UNIT[(m[2] as string).toLowerCase() as keyof typeof UNIT];
}

export function clientConfigRouter(deps: { bodyLimit: string }): Router {
  const config: ClientConfig = {
    limits: {
      questionChars: MAX_QUESTION_CHARS,
      historyTurns: MAX_HISTORY_TURNS,
      historyContentChars: MAX_HISTORY_CONTENT_CHARS,
      bodyBytes: bodyLimitBytes(deps.bodyLimit),
      feedbackNoteChars: FEEDBACK_LIMITS.noteChars,
    },
  };
  const router = Router();
  router.get('/config', (_req, res) => {
    res.json(config);
  });
  return router;
}
