/**
 * POST /reindex (Authorization: Bearer ADMIN_TOKEN): rebuilds the index from the corpus and
 * swaps it in. 403 when no token is configured, 401 for a missing or wrong token, 409 while
 * another re-index runs.
 */
import { Router, type Request } from 'express';
import { AppError } from '../../errors.js';
import type { ReindexSummary } from '../reindexer.js';
import { bearerToken, tokenMatches } from '../bearer.js';

function authorize(req: Request, adminToken: string | undefined): void {
  if (!adminToken) throw new AppError('reindex_disabled', 403, 'Re-indexing over HTTP is disabled: set ADMIN_TOKEN to enable it.');
  if (!tokenMatches(bearerToken(req), [adminToken])) {
    throw new AppError('unauthorized', 401, 'A valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>).');
  }
}

export function reindexRouter(deps: { adminToken: string | undefined; reindex: () => Promise<ReindexSummary> }): Router {
  const router = Router();
  router.post('/reindex', async (req, res) => {
    authorize(req, deps.adminToken);
    res.json(await deps.reindex());
  });
  return router;
}
