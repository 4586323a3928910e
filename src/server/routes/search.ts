/** GET /search?q=...&k=5: the hybrid retrieval results, without answering. */
import { Router } from 'express';
import { invalidRequest } from '../../errors.js';
import { describeIssues, searchQuerySchema } from '../schemas.js';
import type { IndexHolder } from '../index-holder.js';
import type { Turn } from '../turns.js';

export function searchRouter(deps: { index: IndexHolder; turn?: Turn }): Router {
  const router = Router();
  router.get('/search', async (req, res) => {
    const parsed = searchQuerySchema.safeParse(req.query);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    if (deps.turn) await deps.turn();
    const index = deps.index.current();
    const hits = await index.retriever.retrieve(parsed.data.q, parsed.data.k);
    res.json({
      indexVersion: index.version,
      results: hits.map((h) => ({ chunkId: h.chunk.id, source: h.chunk.source, section: h.chunk.section, text: h.chunk.text, score: h.score })),
    });
  });
  return router;
}
