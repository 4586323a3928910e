/**
 * POST /v1/chat/completions: the OpenAI Chat Completions API over the same answers as /ask.
 * The last user message is the question and earlier turns the history; both pass /ask's own
 * body schema, so limits and follow-up handling are the same. JSON, or `chat.completion.chunk`
 * Server-Sent Events ending in `data: [DONE]`. A client that disconnects aborts the work.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { AppError, invalidRequest } from '../../errors.js';
import type { AskInput } from '../../answer/ask.js';
import { askBodySchema, chatCompletionRequestSchema, describeIssues, MODEL_ID } from '../schemas.js';
import { openEventStream } from '../sse.js';
import { openAIErrorBody, publicMessage, requireJsonBody } from '../errors-http.js';
import { chatCompletion, chatQuery, chunkStream, type CompletionMeta } from '../openai-compat.js';
import type { IndexHolder } from '../index-holder.js';
import type { Turn } from '../turns.js';
import { startAnswer, type Answerer } from './ask.js';
import { modelNotFound } from './models.js';
import { lazyInfoLog } from '../request-log.js';

function writeData(res: Response, data: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

export function chatCompletionsRouter(deps: { index: IndexHolder; answer: Answerer; defaultK: number; turn?: Turn }): Router {
  const router = Router();
  router.post('/v1/chat/completions', async (req: Request, res: Response) => {
    requireJsonBody(req, 'the request');
    const parsed = chatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    const body = parsed.data;
    if (body.model !== MODEL_ID) throw modelNotFound(body.model);
    const query = chatQuery(body.messages);
    if (!query.ok) throw invalidRequest(query.message);
    if (!query.question.trim()) throw invalidRequest('messages: the last user message has no text (it is the question).');
    const ask = askBodySchema.safeParse({ question: query.question, history: query.history });
    if (!ask.success) throw invalidRequest(`the last user message: ${describeIssues(ask.error)}`);

    const started = await startAnswer(res, deps);
    if (!started) return;
    const { signal, index } = started;
    const input: AskInput = { question: ask.data.question, history: ask.data.history, k: deps.defaultK, signal, log: lazyInfoLog(req) };
    const meta: CompletionMeta = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), fingerprint: index.version };

    if (!body.stream) {
      const answer = await deps.answer(input, index, () => {});
      if (!signal.aborted) res.json(chatCompletion(answer, meta));
      return;
    }
    openEventStream(res);
    const chunks = chunkStream(meta, { includeUsage: body.stream_options?.include_usage === true });
    try {
      await deps.answer(input, index, (event) => {
        for (const c of chunks.push(event)) writeData(res, c);
      });
      writeData(res, '[DONE]');
    } catch (err) {
      if (!signal.aborted) {
        req.log?.error({ err }, 'streamed chat completion failed');
        const e = err instanceof AppError ? err : new AppError('internal_error', 500, 'Something went wrong on our side.');
        // The openai SDKs raise an event holding `error` as an APIError.
        writeData(res, openAIErrorBody(e.code, publicMessage(e.message), e.status));
      }
    }
    res.end();
  });
  return router;
}
