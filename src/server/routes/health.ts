/**
 * GET /health: liveness plus what is being served (mode, index version and size), whether
 * it is the generation CURRENT names ("ok") or a fallback ("degraded", with the reason), and
 * the last re-index's result and time.
 */
import { Router } from 'express';
import type { IndexHolder } from '../index-holder.js';
import type { IndexStatus } from '../index-status.js';
import { publicMessage } from '../errors-http.js';

export function healthRouter(deps: { index: IndexHolder; status: IndexStatus; mode: 'extractive' | 'llm' }): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const live = deps.index.peek();
    const lastReindex = deps.status.lastReindex();
    if (!live) {
      res.status(503).json({ status: 'starting', mode: deps.mode, index: null, lastReindex });
      return;
    }
    const m = live.manifest;
    const problem = deps.status.problem();
    res.json({
      status: problem ? 'degraded' : 'ok',
      ...(problem ? { reason: publicMessage(problem) } : {}),
      mode: deps.mode,
      index: { version: m.version, generation: live.name, chunks: m.chunkCount, embedding: m.embedding, createdAt: m.createdAt, sources: m.sources.length },
      answerer: { model: live.answering.model.id, bankQuestions: live.answering.calibration.questions, answerLevel: Number.isFinite(live.answering.calibration.answerLevel) ? live.answering.calibration.answerLevel : null },
      lastReindex,
    });
  });
  return router;
}
