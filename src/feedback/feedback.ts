/**
 * Feedback on an answer (thumbs up or down, with an optional note): the shape a client sends,
 * and the record we store. Parsed with zod at the edges: the request body in the route, each
 * stored line when the CLI reads them back.
 */
import { z } from 'zod';

export const FEEDBACK_LIMITS = Object.freeze({
  // The standalone question the answer was for; an LLM-condensed follow-up can be longer than
  // what a person types (2,000), so this is looser than /ask's limit.
  questionChars: 4000,
  answerChars: 20_000,
  noteChars: 2000,
  chunkIds: 50,
});

const ID = /^[\w-]{1,100}$/;

export interface FeedbackBody {
  readonly question: string;
  readonly answer: string;
  readonly indexVersion: string;
  readonly chunkIds: readonly string[];
  readonly verdict: 'up' | 'down';
  readonly note?: string;
}

export interface FeedbackRecord extends FeedbackBody {
  readonly id: string;
  /** ISO time the server stored it. */
  readonly receivedAt: string;
}

const trimmed = (max: number, what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${what} must not be empty`).max(max, `${what} must be at most ${max} characters`));

export const feedbackBodySchema = z
  .object({
    question: trimmed(FEEDBACK_LIMITS.questionChars, 'question'),
    answer: trimmed(FEEDBACK_LIMITS.answerChars, 'answer'),
    indexVersion: z.string().regex(ID, 'indexVersion must be an index version (letters, digits, - and _)'),
    chunkIds: z.array(z.string().regex(ID, 'chunkIds must be chunk ids')).max(FEEDBACK_LIMITS.chunkIds, `chunkIds must have at most ${FEEDBACK_LIMITS.chunkIds} items`),
    verdict: z.enum(['up', 'down'], { error: 'verdict must be "up" or "down"' }),
    // A blank note is no note.
    note: z
      .string({ error: 'note must be a string' })
      .max(FEEDBACK_LIMITS.noteChars, `note must be at most ${FEEDBACK_LIMITS.noteChars} characters`)
      .transform((s) => s.trim())
      .optional(),
  })
  .strict()
  .transform(({ note, ...rest }): FeedbackBody => (note ? { ...rest, note } : rest));

/** One stored line: the body as received, plus an id and the time the server stored it. */
export const feedbackRecordSchema = z
  .object({
    id: z.string().min(1),
    receivedAt: z.iso.datetime(),
    question: z.string(),
    answer: z.string(),
    indexVersion: z.string(),
    chunkIds: z.array(z.string()),
    verdict: z.enum(['up', 'down']),
    note: z.string().optional(),
  })
  .transform(({ note, ...rest }): FeedbackRecord => (note ? { ...rest, note } : rest));
