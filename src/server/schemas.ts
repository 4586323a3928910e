/**
 * Request shapes, parsed once at the edge into typed values. Unknown keys are refused (which
 * also refuses prototype-pollution keys such as "__proto__").
 */
import { z } from 'zod';

export const MAX_QUESTION_CHARS = 2000;
export const MAX_HISTORY_TURNS = 20;
export const MAX_HISTORY_CONTENT_CHARS = 20_000;

const question = z
  .string({ error: 'question must be a string' })
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'question must not be empty').max(MAX_QUESTION_CHARS, `question must be at most ${MAX_QUESTION_CHARS} characters`));

export const askBodySchema = z
  .object({
    question,
    history: z
      .array(
        z.strictObject({
          role: z.enum(['user', 'assistant']),
          content: z.string().max(MAX_HISTORY_CONTENT_CHARS, `history content must be at most ${MAX_HISTORY_CONTENT_CHARS} characters`),
        }),
      )
      .max(MAX_HISTORY_TURNS, `history must have at most ${MAX_HISTORY_TURNS} turns`)
      .default([]),
    k: z.number().int().min(1).max(20).optional(),
    stream: z.boolean().default(false),
  })
  .strict();

export type AskBody = z.infer<typeof askBodySchema>;

export const searchQuerySchema = z
  .object({
    q: question,
    k: z.coerce.number().int().min(1).max(20).default(5),
  })
  .strict();

/** A readable one-line summary of what is wrong with the input. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'body';
      // Keys are the client's own text: quote a few, briefly.
      if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.slice(0, 5).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k)).join(', ')}${i.keys.length > 5 ? ', ...' : ''}`;
      return i.message.startsWith(where) ? i.message : `${where}: ${i.message}`;
    })
    .join('; ');
}
