/**
 * POST /reindex (Authorization: Bearer ADMIN_TOKEN): rebuilds the index from the corpus and
 * swaps it in. 403 when no token is configured, 401 for a missing or wrong token, 409 while
 * another re-index runs.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { AppError } from '../../errors.js';
import type { ReindexSummary } from '../reindexer.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function authorize(req: Request, adminToken: string | undefined): void {
  if (!adminToken) throw new AppError('reindex_disabled', 403, 'Re-indexing over HTTP is disabled: set ADMIN_TOKEN to enable it.');
  const header = req.get('authorization') ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(header);
  // Compare digests so the comparison takes the same time whatever the token's length.
  if (!m?.[1] || !timingSafeEqual(digest(m[1].trim()), digest(adminToken))) {
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
