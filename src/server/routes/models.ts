/** GET /v1/models and GET /v1/models/{model}: the one model an OpenAI client can pick. */
import { Router } from 'express';
import { AppError } from '../../errors.js';
import { MODEL_ID, type Model } from '../schemas.js';

export const modelNotFound = (model: string): AppError =>
  new AppError('model_not_found', 404, `The model ${JSON.stringify(model.length > 100 ? `${model.slice(0, 100)}...` : model)} does not exist; use "${MODEL_ID}" (GET /v1/models).`);

export function modelsRouter(deps: { ownedBy: string; created: number }): Router {
  const model: Model = { id: MODEL_ID, object: 'model', created: deps.created, owned_by: deps.ownedBy };
  const router = Router();
  router.get('/v1/models', (_req, res) => {
    res.json({ object: 'list', data: [model] });
  });
  router.get('/v1/models/:model', (req, res) => {
    if (req.params.model !== MODEL_ID) throw modelNotFound(req.params.model);
    res.json(model);
  });
  return router;
}
