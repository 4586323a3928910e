/** GET /metrics: the Prometheus text format (protected by API_KEYS unless METRICS_REQUIRE_API_KEY=false). */
import { Router } from 'express';
import type { Registry } from 'prom-client';

export function metricsRouter(deps: { registry: Registry }): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await deps.registry.metrics();
    res.setHeader('content-type', deps.registry.contentType);
    res.setHeader('cache-control', 'no-store');
    res.send(text);
  });
  return router;
}
