/**
 * POST /feedback: a reader's thumbs up or down on an answer, with an optional note. The body
 * is validated here; the store appends it as one JSON line (201 with the stored id).
 */
import { Router } from 'express';
import { requireJsonBody } from '../errors-http.js';
import { invalidRequest } from '../../errors.js';
import { feedbackBodySchema } from '../../feedback/feedback.js';
import type { FeedbackStore } from '../../feedback/store.js';
import { describeIssues } from '../schemas.js';

export function feedbackRouter(deps: { store: FeedbackStore }): Router {
  const router = Router();
  router.post('/feedback', async (req, res) => {
    requireJsonBody(req, 'feedback');
    const parsed = feedbackBodySchema.safeParse(req.body);
    if (!parsed.success) throw invalidRequest(describeIssues(parsed.error));
    const record = await deps.store.append(parsed.data);
    res.status(201).json({ id: record.id, receivedAt: record.receivedAt });
  });
  return router;
}
