/**
 * Test plumbing for the OpenAI-compatible API: the official `openai` client pointed at a test
 * server, and the checks every completion must pass (its answer part is a well-formed answer,
 * every marker is in the sources list and in the citations).
 */
import OpenAI from 'openai';
import { expect } from 'vitest';
import { withoutSources } from '../../src/server/openai-compat.js';
import { MODEL_ID, type ChatCompletion } from '../../src/server/schemas.js';
import { expectWellFormedAnswer, markers, type Answer, type Citation } from './http.js';

export { MODEL_ID };

/** The official client; retries off so a refused request fails at once. */
export function openaiClient(baseUrl: string, apiKey = 'no-key-needed'): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${baseUrl}/v1`, maxRetries: 0, timeout: 30_000 });
}

/** Our extra fields, which the SDK's types do not know. */
export interface Extras {
  citations?: Citation[];
  grounding?: ChatCompletion['grounding'];
}

export const extras = (x: unknown): Extras => x as Extras;

/** The content's answer part (without the sources list). */
export const answerPart = (content: string): string => withoutSources(content);

/** The numbers listed under "Sources:". */
export function listedSources(content: string): number[] {
  const tail = content.slice(answerPart(content).length);
  return [...tail.matchAll(/^- \[(\d+)\]/gm)].map((m) => Number(m[1]));
}

/**
 * The answer a completion carries is well formed (markers name citations, citation texts are
 * slices of the corpus), and the sources list names exactly the cited passages.
 */
export function expectWellFormedCompletion(content: string, x: Extras, corpusDir: string): Answer {
  expect(x.citations, 'citations extra field').toBeDefined();
  expect(x.grounding, 'grounding extra field').toBeDefined();
  const answer = { answer: answerPart(content), citations: x.citations ?? [], ...(x.grounding as ChatCompletion['grounding']) } as Answer;
  expectWellFormedAnswer(answer, corpusDir);
  expect(listedSources(content)).toEqual([...new Set(markers(answer.answer))].sort((a, b) => a - b));
  return answer;
}

/** The status, type and code of an error the client raised. */
export async function apiError(p: Promise<unknown>): Promise<{ status: number | undefined; type: string | undefined; code: string | null | undefined; message: string; name: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return { status: err.status, type: err.type, code: err.code, message: err.message, name: err.constructor.name };
    throw err;
  }
  throw new Error('the request succeeded');
}
