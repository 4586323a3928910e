/**
 * POST /reindex (Authorization: Bearer ADMIN_TOKEN): rebuilds the index from the corpus and
 * swaps it in. 403 when no token is configured, 401 for a missing or wrong token, 409 while
 * another re-index runs.
 */
import { Router } from 'express';
import { AppError } from '../../errors.js';
import type { ReindexSummary } from '../reindexer.js';
import { requireAdminToken } from '../bearer.js';

const disabled = (): AppError => new AppError('reindex_disabled', 403, 'Re-indexing over HTTP is disabled: set ADMIN_TOKEN to enable it.');

export function reindexRouter(deps: { adminToken: string | undefined; reindex: () => Promise<ReindexSummary> }): Router {
  const router = Router();
  router.post('/reindex', requireAdminToken(deps.adminToken, disabled), async (_req, res) => {
    res.json(await deps.reindex());
  });
  return router;
}
