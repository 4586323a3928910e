/**
 * POST /ask: validates the body, answers from the index live at the start of the request,
 * as JSON or as Server-Sent Events. A client that disconnects aborts the work.
 */
import { Router, type Request, type Response } from 'express';
import { AppError, invalidRequest } from '../../errors.js';
import type { Answer, StreamEvent } from '../../types.js';
import type { AskInput } from '../../answer/ask.js';
import type { ServingIndex } from '../../answer/serving-index.js';
import { askBodySchema, describeIssues } from '../schemas.js';
import { openEventStream, sendEvent } from '../sse.js';
import { publicMessage, requireJsonBody } from '../errors-http.js';
import type { IndexHolder } from '../index-holder.js';
import type { Turn } from '../turns.js';
import { lazyInfoLog } from '../request-log.js';

export type Answerer = (input: AskInput, index: ServingIndex, emit: (e: StreamEvent) => void) => Promise<Answer>;

/** An AbortController that fires when the client goes away before we have answered. */
function abortOnDisconnect(res: Response): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  return controller;
}

/**
 * The start of every answer (/ask, /v1/chat/completions): wait for a fair turn at the CPU (see
 * turns.ts), then take the live index. Null when the client left meanwhile, which costs nothing.
 */
export async function startAnswer(res: Response, deps: { index: IndexHolder; turn?: Turn | undefined }): Promise<{ signal: AbortSignal; index: ServingIndex } | null> {
  const controller = abortOnDisconnect(res);
  if (deps.turn) await deps.turn();
  if (controller.signal.aborted) return null;
  return { signal: controller.signal, index: deps.index.current() };
}

export function askRouter(deps: { index: IndexHolder; answer: Answerer; defaultK: number; turn?: Turn }): Router {
  const router = Router();
  router.post('/ask', async (req: Request, res: Response) => {
    requireJsonBody(req, 'the question');
    const parsed = askBodySchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    const body = parsed.data;
    const started = await startAnswer(res, deps);
    if (!started) return;
    const { signal, index } = started;
    const input: AskInput = { question: body.question, history: body.history, k: body.k ?? deps.defaultK, signal, log: lazyInfoLog(req) };

    if (!body.stream) {
      const answer = await deps.answer(input, index, () => {});
      if (!signal.aborted) res.json(answer);
      return;
    }
    openEventStream(res);
    try {
      await deps.answer(input, index, (event) => sendEvent(res, event));
    } catch (err) {
      if (!signal.aborted) {
        req.log?.error({ err }, 'streamed answer failed');
        const e = err instanceof AppError ? err : new AppError('internal_error', 500, 'Something went wrong on our side.');
        sendEvent(res, { type: 'error', error: { code: e.code, message: publicMessage(e.message) } });
      }
    }
    res.end();
  });
  return router;
}
