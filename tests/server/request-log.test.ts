/**
 * The request log (src/server/request-log.ts) on a real Express app on a loopback port: one
 * `request completed` line per request with its id, path (never the query), status and time, at
 * the level its status calls for; the client's own id echoed, a bad one replaced; `req.log`
 * lines carry the request's fields; a client that leaves mid-response is logged as aborted.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lazyInfoLog, requestLog } from '../../src/server/request-log.js';

interface Line {
  level: number;
  msg: string;
  req?: { id: string; method: string; url: string; remoteAddress?: string };
  res?: { statusCode: number | null };
  responseTime?: number;
  aborted?: boolean;
  note?: string;
}

const lines: Line[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
    done();
  },
});
let server: http.Server;
let base = '';

beforeAll(async () => {
  const app = express();
  app.use(requestLog(app, pino({ level: 'info' }, sink)));
  app.get('/ok', (req, res) => {
    req.log.info({ note: 'from the handler' }, 'handler line');
    res.json({ ok: true });
  });
  app.get('/lazy', (req, res) => {
    lazyInfoLog(req).info({ note: 'lazily' }, 'lazy line');
    res.json({ ok: true });
  });
  app.get('/missing', (_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'no' } });
  });
  app.get('/broken', (_req, res) => {
    res.status(500).json({ error: { code: 'internal_error', message: 'no' } });
  });
  app.get('/slow', (_req, res) => {
    res.write('{"partial":');
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const completedFor = async (id: string): Promise<Line> => {
  for (let i = 0; i < 50; i++) {
    const line = lines.find((l) => l.msg === 'request completed' && l.req?.id === id);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request completed line for ${id}`);
};

describe('request log', () => {
  test('one completed line per request, with the id echoed, the path without its query, and the status', async () => {
    const res = await fetch(`${base}/ok?token=secret-in-query`, { headers: { 'x-request-id': 'trace-me-7' } });
    expect(res.headers.get('x-request-id')).toBe('trace-me-7');
    const line = await completedFor('trace-me-7');
    expect(line).toMatchObject({ level: 30, req: { id: 'trace-me-7', method: 'GET', url: '/ok?[query not logged]' }, res: { statusCode: 200 } });
    expect(typeof line.responseTime).toBe('number');
    expect(line.aborted).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain('secret-in-query');
    expect(lines.filter((l) => l.msg === 'request completed' && l.req?.id === 'trace-me-7')).toHaveLength(1);
    // A handler's own line carries the request's fields.
    expect(lines.find((l) => l.msg === 'handler line')).toMatchObject({ note: 'from the handler', req: { id: 'trace-me-7', url: '/ok?[query not logged]' } });
  });

  test("the lazy info log writes through the request's own logger", async () => {
    await fetch(`${base}/lazy`, { headers: { 'x-request-id': 'lazy-1' } });
    await completedFor('lazy-1');
    expect(lines.find((l) => l.msg === 'lazy line')).toMatchObject({ level: 30, note: 'lazily', req: { id: 'lazy-1', method: 'GET', url: '/lazy' } });
  });

  test('a missing or unusable client id gets a fresh UUID', async () => {
    const none = await fetch(`${base}/ok`);
    const bad = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'has spaces and ; semicolons' } });
    for (const res of [none, bad]) {
      const id = res.headers.get('x-request-id') ?? '';
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await completedFor(id);
    }
    expect(none.headers.get('x-request-id')).not.toBe(bad.headers.get('x-request-id'));
  });

  test('4xx at warn, 5xx at error', async () => {
    await fetch(`${base}/missing`, { headers: { 'x-request-id': 'four-oh-four' } });
    await fetch(`${base}/broken`, { headers: { 'x-request-id': 'five-hundred' } });
    expect((await completedFor('four-oh-four')).level).toBe(40);
    expect(await completedFor('five-hundred')).toMatchObject({ level: 50, res: { statusCode: 500 } });
  });

  test('a client that leaves before the response ends is logged as aborted', async () => {
    const req = http.get(`${base}/slow`, { headers: { 'x-request-id': 'left-early' } });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.once('data', () => req.destroy());
    const line = await completedFor('left-early');
    expect(line.aborted).toBe(true);
  });
});
