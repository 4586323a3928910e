/**
 * GET /openapi.json: the OpenAPI 3.1 document, generated from the catalog on the first request
 * (the generator is loaded only then, so it costs the server's start-up nothing) and kept.
 */
import { Router } from 'express';
import type { ApiOperation, DocumentOptions } from '../openapi.js';

export function openApiRouter(deps: { operations: readonly ApiOperation[]; options: DocumentOptions }): Router {
  let document: Promise<unknown> | null = null;
  const router = Router();
  router.get('/openapi.json', async (_req, res) => {
    document ??= import('../openapi.js')
      .then((m) => m.openApiDocument(deps.operations, deps.options))
      .catch((err: unknown) => {
        document = null;
        throw err;
      });
    res.json(await document);
  });
  return router;
}
