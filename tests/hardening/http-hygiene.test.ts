/**
 * HTTP hygiene: security headers (strict CSP, no x-powered-by), request ids, body limit,
 * per-client rate limits on /ask and /reindex (429 JSON with Retry-After), structured logs
 * carrying the request id and no secrets, and no stack trace or path in any error response.
 */
import { Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, test } from 'vitest';
import { fakeAppDeps, startTestServer, type TestServer } from '../helpers/test-server.js';
import { createApp } from '../../src/server/app.js';
import { ReindexError } from '../../src/errors.js';
import { PROJECT_ROOT, ask, isErrorBody, leaks } from './lib.js';

const servers: TestServer[] = [];
const listeners: Server[] = [];
afterAll(async () => {
  for (const l of listeners) {
    l.closeAllConnections();
    await new Promise<void>((r) => l.close(() => r()));
  }
  await Promise.all(servers.map((s) => s.close()));
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const s = await startTestServer({ env });
  servers.push(s);
  return s;
}

const QUESTION = { question: 'What province is Heihe in?' };

describe('security headers', () => {
  test('strict CSP, no x-powered-by, request ids on API and page responses', async () => {
    const srv = await start();
    const page = await fetch(`${srv.url}/`);
    const html = await page.text();
    const api = await ask(srv.url, QUESTION);
    const health = await fetch(`${srv.url}/health`, { headers: { 'x-request-id': 'client-chosen.id-1' } });
    const badId = await fetch(`${srv.url}/health`, { headers: { 'x-request-id': 'bad id with spaces <script>' } });
    await health.text();
    await badId.text();

    expect(page.status).toBe(200);
    expect(api.status).toBe(200);
    for (const h of [page.headers, api.headers]) {
      const csp = h.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v] as const));
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('img-src')).toEqual(["'self'"]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(h.get('x-powered-by')).toBeNull();
      expect(h.get('x-content-type-options')).toBe('nosniff');
      expect(h.get('referrer-policy')).toBe('no-referrer');
      expect(h.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(h.get('x-request-id')).toMatch(/^[\w.-]{1,100}$/);
    }
    // The page itself needs nothing the CSP forbids: no inline script, no inline handlers.
    const inlineScripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter((m) => !/\bsrc=/.test(m[1] ?? '') || (m[2] ?? '').trim() !== '');
    expect(inlineScripts).toHaveLength(0);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(health.headers.get('x-request-id')).toBe('client-chosen.id-1');
    expect(badId.headers.get('x-request-id')).not.toContain(' ');
    console.log(`headers: csp="${page.headers.get('content-security-policy')}" x-powered-by=${page.headers.get('x-powered-by')} inline-scripts=${inlineScripts.length} echoed-id=${health.headers.get('x-request-id')}`);
  });

  test('JSON body limit: a body over BODY_LIMIT is 413 JSON, one just under is read', async () => {
    const srv = await start({ BODY_LIMIT: '8kb' });
    const over = await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'x'.repeat(9000) }) });
    const overBody = (await over.json()) as unknown;
    const under = await ask(srv.url, { question: 'Heihe?', history: [{ role: 'user', content: 'y'.repeat(7000) }] });
    expect(over.status).toBe(413);
    expect(overBody).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(under.status).toBe(200);
    console.log(`body limit 8kb: 9000-char body -> ${over.status}; 7000-char history -> ${under.status}`);
  });
});

describe('rate limits', () => {
  test('RATE_LIMIT_PER_MINUTE=5 (RATE_LIMIT_LOCAL=true, the client being on this machine): the 6th /ask is 429 JSON with Retry-After; /health is not limited', async () => {
    const srv = await start({ RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_LOCAL: 'true' });
    const statuses: number[] = [];
    let sixth: Awaited<ReturnType<typeof ask>> | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await ask(srv.url, QUESTION);
      statuses.push(r.status);
      if (i === 5) sixth = r;
    }
    const healths = await Promise.all(Array.from({ length: 10 }, () => fetch(`${srv.url}/health`).then((r) => r.status)));
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(sixth?.status).toBe(429);
    expect(sixth?.headers.get('content-type')).toMatch(/^application\/json/);
    expect(sixth?.json).toMatchObject({ error: { code: 'rate_limited' } });
    expect(isErrorBody(sixth?.json)).toBe(true);
    const retryAfter = Number(sixth?.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(sixth?.headers.get('ratelimit')).toMatch(/r=0/);
    expect(healths.every((s) => s === 200)).toBe(true);
    console.log(`rate limit 5/min: statuses=${statuses.join(',')} retry-after=${retryAfter} ratelimit="${sixth?.headers.get('ratelimit')}" health x10 all 200`);
  });

  test('REINDEX_RATE_LIMIT_PER_MINUTE=2: the 3rd /reindex is 429; RATE_LIMIT_PER_MINUTE=0 turns /ask limiting off', async () => {
    const srv = await start({ ADMIN_TOKEN: 'hygiene-admin-token', REINDEX_RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_PER_MINUTE: '0' });
    const reindexStatuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${srv.url}/reindex`, { method: 'POST', headers: { authorization: 'Bearer hygiene-admin-token' } });
      reindexStatuses.push(last.status);
      if (i < 2) await last.text();
    }
    const lastBody = (await last?.json()) as unknown;
    // 80 quick (invalid) asks: with the limit off none is 429.
    const asks = await Promise.all(Array.from({ length: 80 }, () => ask(srv.url, { question: '' }).then((r) => r.status)));
    expect(reindexStatuses).toEqual([200, 200, 429]);
    expect(lastBody).toMatchObject({ error: { code: 'rate_limited' } });
    expect(last?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(asks.filter((s) => s === 429)).toHaveLength(0);
    console.log(`reindex limit 2/min: ${reindexStatuses.join(',')}; /ask limit off: 80 requests, 429s=${asks.filter((s) => s === 429).length}`);
  });
});

describe('errors and logs', () => {
  test('failures answer {error:{code,message}} without stack traces or paths; logs carry request ids, never the admin token', async () => {
    const srv = await start();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const logger = pino({ level: 'info' }, sink);
    const internalPath = path.join(PROJECT_ROOT, 'src/answer/secret-internal.ts');
    let reindexMode: 'real' | 'path-error' = 'real';
    const app = createApp(fakeAppDeps({
      logger,
      index: srv.holder,
      answer: async (input, index, emit) => {
        if (input.question.includes('explode')) throw new Error(`boom at ${internalPath}:42:7`);
        return srv.runtime.answer(input, index, emit);
      },
      reindex: async () => {
        if (reindexMode === 'path-error') throw new ReindexError('corpus_unreadable', 422, `The corpus directory "${srv.config.corpusDir}" cannot be read.`);
        return srv.serving.reindex();
      },
      adminToken: 'log-secret-token-123',
    }));
    const listener = await new Promise<Server>((resolve) => {
      const l = app.listen(0, '127.0.0.1', () => resolve(l));
    });
    listeners.push(listener);
    const base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;

    const crash = await ask(base, { question: 'please explode' });
    const crashStream = await ask(base, { question: 'please explode', stream: true });
    const ok = await ask(base, QUESTION, { headers: { 'x-request-id': 'trace-me-1' } });
    const reindexOk = await fetch(`${base}/reindex`, { method: 'POST', headers: { authorization: 'Bearer log-secret-token-123' } });
    await reindexOk.text();
    reindexMode = 'path-error';
    const reindexBad = await fetch(`${base}/reindex`, { method: 'POST', headers: { authorization: 'Bearer log-secret-token-123' } });
    const reindexBadText = await reindexBad.text();
    // A real unreadable corpus: the corpus directory is gone.
    reindexMode = 'real';
    rmSync(srv.config.corpusDir, { recursive: true, force: true });
    const reindexGone2 = await fetch(`${base}/reindex`, { method: 'POST', headers: { authorization: 'Bearer log-secret-token-123' } });
    const reindexGoneText = await reindexGone2.text();
    const badPath = await fetch(`${base}/%E0%A4%A`);
    const badPathText = await badPath.text();
    await new Promise<void>((r) => setImmediate(r));

    expect(crash.status).toBe(500);
    expect(crash.json).toMatchObject({ error: { code: 'internal_error' } });
    const streamError = crashStream.frames.find((f) => f.event === 'error');
    expect(streamError?.data).toMatchObject({ error: { code: 'internal_error' } });
    expect(reindexBad.status).toBe(422);
    expect(reindexGone2.status).toBe(422);
    for (const body of [crash.raw, crashStream.raw, reindexBadText, reindexGoneText, badPathText]) expect(leaks(body)).toEqual([]);
    expect(reindexBadText).not.toContain(srv.dir);
    expect(ok.headers.get('x-request-id')).toBe('trace-me-1');

    const entries = lines.map((l) => JSON.parse(l) as { level: number; msg: string; req?: { id?: string }; err?: { stack?: string } });
    const completed = entries.filter((e) => e.msg === 'request completed');
    expect(completed.every((e) => typeof e.req?.id === 'string' && e.req.id.length > 0)).toBe(true);
    expect(completed.some((e) => e.req?.id === 'trace-me-1')).toBe(true);
    const crashId = crash.headers.get('x-request-id');
    const crashLog = entries.find((e) => e.req?.id === crashId && e.err);
    expect(crashLog?.err?.stack).toContain('secret-internal.ts'); // the details go to the logs...
    expect(lines.join('\n')).not.toContain('log-secret-token-123'); // ...but never the token
    console.log(
      `errors: crash=${crash.status} stream-error=${JSON.stringify(streamError?.data)} reindex-path-error=${reindexBad.status} ${reindexBadText} corpus-gone=${reindexGone2.status} bad-path=${badPath.status}; logs: ${lines.length} lines, ${completed.length} with request ids, token leaks=0`,
    );
  });
});
