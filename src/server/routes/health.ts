/** GET /health: liveness plus what is being served (mode, index version and size). */
import { Router } from 'express';
import type { IndexHolder } from '../index-holder.js';

export function healthRouter(deps: { index: IndexHolder; mode: 'extractive' | 'llm' }): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const live = deps.index.peek();
    if (!live) {
      res.status(503).json({ status: 'starting', mode: deps.mode, index: null });
      return;
    }
    const m = live.manifest;
    res.json({
      status: 'ok',
      mode: deps.mode,
      index: { version: m.version, generation: live.name, chunks: m.chunkCount, embedding: m.embedding, createdAt: m.createdAt, sources: m.sources.length },
    });
  });
  return router;
}
