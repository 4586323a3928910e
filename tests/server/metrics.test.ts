/**
 * GET /metrics, scraped and parsed as Prometheus text: requests by route and status (labels
 * from a fixed set, never a request's own text), answers by mode and outcome, re-index runs
 * with duration and result, the live index, process metrics. Plus the pieces as units.
 */
import { METHODS } from 'node:http';
import { appendFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { postJson, type HealthJson } from '../helpers/http.js';
import { scrape, samples, total, type Scrape } from '../helpers/prometheus.js';
import { MODEL_ID } from '../helpers/openai-client.js';
import { createMetrics, routeLabeller } from '../../src/server/metrics.js';
import { createIndexHolder } from '../../src/server/index-holder.js';
import { apiOperations } from '../../src/server/api-catalog.js';
import { ReindexError } from '../../src/errors.js';
import type { ReindexSummary } from '../../src/server/reindexer.js';

const ADMIN = 'admin-token-for-the-metrics-test';
const auth = { authorization: `Bearer ${ADMIN}` };

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ env: { ADMIN_TOKEN: ADMIN } });
});
afterAll(async () => srv?.close());

const ROUTES = new Set([...apiOperations({ metricsRequireApiKey: true }).map((op) => op.path), 'static', 'unmatched']);

/** How much `name{labels}` grew while `fn` ran. */
async function growth(fn: () => Promise<unknown>, ...series: Array<[string, Record<string, string>]>): Promise<{ deltas: number[]; after: Scrape }> {
  const before = await scrape(srv.url);
  await fn();
  const after = await scrape(srv.url);
  return { deltas: series.map(([name, labels]) => total(after, name, labels) - total(before, name, labels)), after };
}

describe('requests', () => {
  test('counted and timed by method, route and status', async () => {
    const secret = `question-text-${Date.now()}`;
    const { deltas, after } = await growth(
      async () => {
        for (const q of ['What province is Heihe in?', 'Which treaty defined the border along the Amur River?', `How do I bake sourdough bread? ${secret}`]) {
          expect((await postJson(`${srv.url}/ask`, { question: q })).status).toBe(200);
        }
        expect((await postJson(`${srv.url}/ask`, { question: secret, nope: 1 })).status).toBe(400);
        expect((await fetch(`${srv.url}/search?q=river`)).status).toBe(200);
        expect((await fetch(`${srv.url}/v1/models/${secret}`)).status).toBe(404);
        expect((await fetch(`${srv.url}/no/such/${secret}`)).status).toBe(404);
        expect((await fetch(`${srv.url}/`)).status).toBe(200);
        expect((await fetch(`${srv.url}/ASK/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"question":"What province is Heihe in?"}' })).status).toBe(200);
      },
      ['heihe_http_requests_total', { method: 'POST', route: '/ask', status: '200' }],
      ['heihe_http_requests_total', { method: 'POST', route: '/ask', status: '400' }],
      ['heihe_http_requests_total', { method: 'GET', route: '/search', status: '200' }],
      ['heihe_http_requests_total', { method: 'GET', route: '/v1/models/{model}', status: '404' }],
      ['heihe_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }],
      ['heihe_http_requests_total', { method: 'GET', route: 'static', status: '200' }],
      ['heihe_http_request_duration_seconds_count', { method: 'POST', route: '/ask', status: '200' }],
    );
    expect(deltas).toEqual([4, 1, 1, 1, 1, 1, 4]);
    // The request's own text (question, path) never becomes a label value.
    expect(after.text).not.toContain(secret);
    expect(after.families.get('heihe_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
  });

  test('label values come from fixed sets; histogram buckets are cumulative', async () => {
    await fetch(`${srv.url}/${'x'.repeat(50)}`, { method: 'DELETE' });
    const s = await scrape(srv.url);
    const all = samples(s, 'heihe_http_requests_total');
    expect(all.length).toBeGreaterThan(0);
    for (const m of all) {
      expect(ROUTES).toContain(m.labels?.['route']);
      expect(METHODS).toContain(m.labels?.['method']);
      expect(m.labels?.['status']).toMatch(/^([1-5]\d\d|aborted)$/);
    }
    const counts = samples(s, 'heihe_http_request_duration_seconds_count');
    expect(counts.length).toBeGreaterThan(0);
    for (const c of counts) {
      const { method = '', route = '', status = '' } = c.labels ?? {};
      const buckets = samples(s, 'heihe_http_request_duration_seconds_bucket', { method, route, status })
        .map((b) => ({ le: b.labels?.['le'] === '+Inf' ? Infinity : Number(b.labels?.['le']), n: Number(b.value) }))
        .sort((a, b) => a.le - b.le);
      expect(buckets.length).toBeGreaterThan(2);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]?.n).toBeGreaterThanOrEqual(buckets[i - 1]?.n ?? 0);
      expect(buckets.at(-1)).toEqual({ le: Infinity, n: Number(c.value) });
    }
  });
});

describe('answers', () => {
  test('by mode and outcome, from /ask and /v1 alike', async () => {
    const { deltas } = await growth(
      async () => {
        await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?' });
        await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?', stream: true }).then((r) => r.text());
        await postJson(`${srv.url}/v1/chat/completions`, { model: MODEL_ID, messages: [{ role: 'user', content: 'What province is Heihe in?' }] });
        await postJson(`${srv.url}/ask`, { question: 'Who won the 1998 FIFA World Cup?' });
        await postJson(`${srv.url}/v1/chat/completions`, { model: MODEL_ID, stream: true, messages: [{ role: 'user', content: 'How do I bake sourdough bread?' }] }).then((r) => r.text());
      },
      ['heihe_answers_total', { mode: 'extractive', outcome: 'grounded' }],
      ['heihe_answers_total', { mode: 'extractive', outcome: 'refused' }],
      ['heihe_llm_fallbacks_total', {}],
    );
    expect(deltas).toEqual([3, 2, 0]);
  });
});

describe('re-indexing and the index', () => {
  test('runs by result with durations; chunks and generation age follow the live generation', async () => {
    const health = async (): Promise<HealthJson> => (await (await fetch(`${srv.url}/health`)).json()) as HealthJson;
    const reindex = () => fetch(`${srv.url}/reindex`, { method: 'POST', headers: auth });
    const bad = path.join(srv.config.corpusDir, 'broken.txt');
    const { deltas, after } = await growth(
      async () => {
        expect((await reindex()).status).toBe(200);
        appendFileSync(path.join(srv.config.corpusDir, 'heihe.txt'), '\n\nMetrics test paragraph: the ferry timetable changes every spring and autumn.\n');
        expect((await reindex()).status).toBe(200);
        writeFileSync(bad, Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
        expect((await reindex()).status).toBe(422);
        rmSync(bad);
      },
      ['heihe_reindex_runs_total', { result: 'unchanged' }],
      ['heihe_reindex_runs_total', { result: 'changed' }],
      ['heihe_reindex_runs_total', { result: 'failed' }],
      ['heihe_reindex_duration_seconds_count', { result: 'changed' }],
      ['heihe_reindex_duration_seconds_count', { result: 'failed' }],
    );
    expect(deltas).toEqual([1, 1, 1, 1, 1]);
    const h = await health();
    expect(total(after, 'heihe_index_chunks')).toBe(h.index.chunks);
    const ageBound = (Date.now() - Date.parse(h.index.createdAt)) / 1000;
    const age = total(after, 'heihe_index_generation_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThanOrEqual(ageBound + 1);
  });

  test('process metrics are there', async () => {
    const s = await scrape(srv.url);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(s.families.has(name), name).toBe(true);
    }
  });
});

describe('units', () => {
  const label = routeLabeller(apiOperations({ metricsRequireApiKey: true }));
  const req = (method: string, originalUrl: string, status = 200) => ({ method, originalUrl, res: { statusCode: status } }) as unknown as Request;

  test('routeLabeller matches as Express does and keeps everything else to two values', () => {
    expect(label(req('POST', '/ask'))).toBe('/ask');
    expect(label(req('POST', '/ASK/?x=1'))).toBe('/ask');
    expect(label(req('GET', '/v1/models/anything-at-all'))).toBe('/v1/models/{model}');
    expect(label(req('GET', '/v1/models'))).toBe('/v1/models');
    expect(label(req('GET', '/app.js'))).toBe('static');
    expect(label(req('GET', '/missing.js', 404))).toBe('unmatched');
    expect(label(req('POST', '/ask/extra'))).toBe('unmatched');
    // A document path spans segments: one label however deep, and never the path itself.
    expect(label(req('GET', '/documents'))).toBe('/documents');
    expect(label(req('GET', '/documents/'))).toBe('/documents');
    expect(label(req('PUT', '/documents/heihe.txt'))).toBe('/documents/{path}');
    expect(label(req('DELETE', '/documents/guides/2026/river%20port.md?reindex=false'))).toBe('/documents/{path}');
  });

  const summary: ReindexSummary = { version: 'v', generation: 'g', changed: true, repaired: false, files: 1, chunks: 1, added: 1, unchanged: 0, removed: 0, embedded: 1, reused: 0, ms: 1 };

  test('a re-index refused because one is running counts as rejected, without a duration', async () => {
    const m = createMetrics({ index: createIndexHolder(null) });
    const busy = m.countReindexes(async () => {
      throw new ReindexError('reindex_in_progress', 409, 'busy');
    });
    await expect(busy()).rejects.toThrow('busy');
    await m.countReindexes(async () => summary)();
    const text = await m.registry.metrics();
    expect(text).toMatch(/^heihe_reindex_runs_total\{result="rejected"\} 1$/m);
    expect(text).toMatch(/^heihe_reindex_runs_total\{result="changed"\} 1$/m);
    expect(text).not.toMatch(/heihe_reindex_duration_seconds_count\{result="rejected"\}/);
    // No index loaded: no chunks served, and an age that is unknown rather than fresh.
    expect(text).toMatch(/^heihe_index_chunks 0$/m);
    expect(text).toMatch(/^heihe_index_generation_age_seconds nan$/im); // prom-client writes "Nan"; Prometheus reads it
  });

  test('an answer the client walked away from is not counted as failed', async () => {
    const m = createMetrics({ index: createIndexHolder(null) });
    const failing = m.countAnswers(async () => {
      throw new Error('boom');
    }, 'llm');
    const gone = new AbortController();
    gone.abort();
    const input = { question: 'q', history: [], k: 5 };
    await expect(failing({ ...input, signal: gone.signal }, {} as never, () => {})).rejects.toThrow('boom');
    await expect(failing(input, {} as never, () => {})).rejects.toThrow('boom');
    expect(await m.registry.metrics()).toMatch(/^heihe_answers_total\{mode="llm",outcome="failed"\} 1$/m);
  });
});
