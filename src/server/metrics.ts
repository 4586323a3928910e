/**
 * Prometheus metrics (prom-client) of one app: requests by route and status, answers by mode
 * and outcome, LLM fallbacks, re-index runs, the live index, and the process. Each app has its
 * own registry, so several apps in one process (the tests) do not share counters. Every label
 * value comes from a fixed set: routes are the catalog's paths (or `static` / `unmatched`),
 * never a request's own text or ids.
 */
import type { Request, RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Answer } from '../types.js';
import type { IndexHolder } from './index-holder.js';
import type { ReindexSummary } from './reindexer.js';
import { AppError } from '../errors.js';
import type { Answerer } from './routes/ask.js';

export interface Metrics {
  readonly registry: Registry;
  /** Times every request; `routeOf` gives the bounded route label. Mount it first. */
  requests(routeOf: (req: Request) => string): RequestHandler;
  /** The answerer, counting what it answers (and fails to). */
  countAnswers(answer: Answerer, configuredMode: 'extractive' | 'llm'): Answerer;
  /** The re-index, timing and counting its runs. */
  countReindexes(reindex: () => Promise<ReindexSummary>): () => Promise<ReindexSummary>;
}

export interface MetricsOptions {
  readonly index: IndexHolder;
  /** Milliseconds since the epoch (the generation age is measured against it). */
  readonly now?: () => number;
}

const seconds = (startNs: bigint): number => Number(process.hrtime.bigint() - startNs) / 1e9;

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  const now = opts.now ?? Date.now;
  collectDefaultMetrics({ register: registry });

  const requestLabels = ['method', 'route', 'status'] as const;
  const requestsTotal = new Counter({ name: 'heihe_http_requests_total', help: 'HTTP requests by method, route and status (status "aborted": the client left first).', labelNames: requestLabels, registers: [registry] });
  const requestSeconds = new Histogram({
    name: 'heihe_http_request_duration_seconds',
    help: 'Time from the request arriving to its response ending (a whole stream for SSE), by method, route and status.',
    labelNames: requestLabels,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const answersTotal = new Counter({
    name: 'heihe_answers_total',
    help: 'Answers by mode (the one that answered) and outcome: grounded, refused (the corpus does not answer) or failed.',
    labelNames: ['mode', 'outcome'] as const,
    registers: [registry],
  });
  const fallbacksTotal = new Counter({ name: 'heihe_llm_fallbacks_total', help: 'Answers LLM mode gave extractively because the model failed (timeout, errors, a cut stream) or nothing it wrote held against its passages.', registers: [registry] });
  const reindexTotal = new Counter({
    name: 'heihe_reindex_runs_total',
    help: 'Re-index runs in this process (POST /reindex, corpus watching) by result: changed, unchanged, failed, or rejected (another run in progress).',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const reindexSeconds = new Histogram({
    name: 'heihe_reindex_duration_seconds',
    help: 'Duration of re-index runs by result (changed, unchanged, failed).',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  new Gauge({
    name: 'heihe_index_chunks',
    help: 'Chunks in the live index generation (0 while none is loaded).',
    registers: [registry],
    collect() {
      this.set(opts.index.peek()?.manifest.chunkCount ?? 0);
    },
  });
  new Gauge({
    name: 'heihe_index_generation_age_seconds',
    help: 'Seconds since the live index generation was built (NaN while none is loaded).',
    registers: [registry],
    collect() {
      const created = Date.parse(opts.index.peek()?.manifest.createdAt ?? '');
      this.set(Number.isFinite(created) ? Math.max(0, (now() - created) / 1000) : Number.NaN);
    },
  });

  return {
    registry,
    requests(routeOf) {
      // The metric children of each label combination, made once: labels are bounded, and a
      // request then costs a map lookup instead of hashing its labels twice.
      const series = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
      const seriesOf = (method: string, route: string, status: string) => {
        const key = `${method} ${route} ${status}`;
        let s = series.get(key);
        if (!s) {
          const labels = { method, route, status };
          s = { count: requestsTotal.labels(labels), time: requestSeconds.labels(labels) };
          series.set(key, s);
        }
        return s;
      };
      return (req, res, next) => {
        const start = process.hrtime.bigint();
        res.once('close', () => {
          const s = seriesOf(req.method, routeOf(req), res.writableFinished ? String(res.statusCode) : 'aborted');
          s.count.inc();
          s.time.observe(seconds(start));
        });
        next();
      };
    },
    countAnswers(answer, configuredMode) {
      return async (input, index, emit) => {
        try {
          const a: Answer = await answer(input, index, emit);
          answersTotal.inc({ mode: a.mode, outcome: a.grounded ? 'grounded' : 'refused' });
          if (a.fallback !== undefined) fallbacksTotal.inc();
          return a;
        } catch (err) {
          // A client that left is not a failure of ours.
          if (!input.signal?.aborted) answersTotal.inc({ mode: configuredMode, outcome: 'failed' });
          throw err;
        }
      };
    },
    countReindexes(reindex) {
      return async () => {
        const start = process.hrtime.bigint();
        try {
          const summary = await reindex();
          const result = summary.changed ? 'changed' : 'unchanged';
          reindexTotal.inc({ result });
          reindexSeconds.observe({ result }, seconds(start));
          return summary;
        } catch (err) {
          if (err instanceof AppError && err.code === 'reindex_in_progress') {
            reindexTotal.inc({ result: 'rejected' });
          } else {
            reindexTotal.inc({ result: 'failed' });
            reindexSeconds.observe({ result: 'failed' }, seconds(start));
          }
          throw err;
        }
      };
    },
  };
}

/** A route as the labeller needs it: a catalog path, and whether its last parameter may hold `/`. */
export interface RouteTemplate {
  readonly path: string;
  readonly lastParamSpansSegments?: boolean | undefined;
}

/**
 * Maps a request to its route label: the catalog path it matches (as Express matches:
 * case-insensitive, an optional trailing slash), else `static` for a successful GET/HEAD (the
 * chat page's files), else `unmatched`. So the label has at most catalog + 2 values.
 */
export function routeLabeller(routes: readonly RouteTemplate[]): (req: Request) => string {
  // One pattern per path (its methods share it).
  const spans = new Map<string, boolean>();
  for (const r of routes) spans.set(r.path, (spans.get(r.path) ?? false) || r.lastParamSpansSegments === true);
  const patterns = [...spans].map(([path, rest]) => {
    const escaped = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const source = rest ? escaped.replace(/\{[^/}]+\}$/, '.+') : escaped;
    return { path, re: new RegExp(`^${source.replace(/\{[^/}]+\}/g, '[^/]+')}/?$`, 'i') };
  });
  return (req) => {
    // originalUrl: routers mounted under a prefix rewrite req.url while they run.
    const pathname = req.originalUrl.split('?', 1)[0] ?? '';
    for (const { path, re } of patterns) if (re.test(pathname)) return path;
    return (req.method === 'GET' || req.method === 'HEAD') && req.res && req.res.statusCode < 400 ? 'static' : 'unmatched';
  };
}
