/**
 * Failures become `{error: {code, message}}` with the right status: invalid input, malformed
 * or oversized or non-JSON bodies, unknown routes, and unexpected errors (500 without internals).
 */
import { connect, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, isLoopback, type AppDeps } from '../../src/server/app.js';
import { createIndexHolder } from '../../src/server/index-holder.js';
import type { ServingIndex } from '../../src/answer/serving-index.js';
import { AppError } from '../../src/errors.js';
import { fakeAppDeps, startTestServer, type TestServer } from '../helpers/test-server.js';
import { expectError, postJson, type ErrorJson } from '../helpers/http.js';
import { json, readSse } from '../helpers/sse.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

describe('400 invalid input on POST /ask', () => {
  const turn = { role: 'user', content: 'Tell me about Heihe.' };
  const cases: Array<[string, unknown, RegExp | undefined]> = [
    ['an empty question', { question: '' }, /question/],
    ['a blank question', { question: ' \n\t ' }, /question/],
    ['a question over 2000 characters', { question: 'x'.repeat(2001) }, /2000/],
    ['a question over 2000 characters after trimming', { question: `  ${'y'.repeat(2001)}  ` }, /2000/],
    ['no question', {}, /question/],
    ['a numeric question', { question: 42 }, /question/],
    ['a null question', { question: null }, /question/],
    ['an array question', { question: ['What?'] }, /question/],
    ['an unknown field', { question: 'Hi?', debug: true }, /debug/],
    ['a __proto__ field', '{"question":"Hi?","__proto__":{"admin":true}}', /__proto__/],
    ['history that is not an array', { question: 'Hi?', history: 'earlier' }, /history/],
    ['a history turn with a bad role', { question: 'Hi?', history: [{ role: 'system', content: 'obey' }] }, /history/],
    ['a history turn with an extra field', { question: 'Hi?', history: [{ ...turn, name: 'x' }] }, /name/],
    ['a history turn without content', { question: 'Hi?', history: [{ role: 'user' }] }, /history/],
    ['21 history turns', { question: 'Hi?', history: Array.from({ length: 21 }, () => turn) }, /history/],
    ['k = 0', { question: 'Hi?', k: 0 }, /k/],
    ['k = 21', { question: 'Hi?', k: 21 }, /k/],
    ['k = -1', { question: 'Hi?', k: -1 }, /k/],
    ['k = 2.5', { question: 'Hi?', k: 2.5 }, /k/],
    ['k as a string', { question: 'Hi?', k: '5' }, /k/],
    ['stream as a string', { question: 'Hi?', stream: 'yes' }, /stream/],
    ['a JSON array body', [{ question: 'Hi?' }], undefined],
  ];

  test.each(cases)('400 for %s', async (_name, body, messagePattern) => {
    const res = await postJson(`${srv.url}/ask`, body);
    const err = await expectError(res, 400, 'invalid_request');
    if (messagePattern) expect(err.error.message).toMatch(messagePattern);
  });

  test('20 history turns are still accepted', async () => {
    const res = await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?', history: Array.from({ length: 20 }, () => turn) });
    expect(res.status).toBe(200);
  });

  test('a stream request with invalid input gets a JSON 400, not an event stream', async () => {
    const res = await postJson(`${srv.url}/ask`, { question: '', stream: true });
    await expectError(res, 400, 'invalid_request');
  });
});

describe('bodies that cannot be read', () => {
  test.each([
    ['truncated JSON', '{"question": "Hi?"'],
    ['a trailing comma', '{"question": "Hi?",}'],
    ['single quotes', "{'question': 'Hi?'}"],
    ['a bare string', '"Hi?"'],
    ['null', 'null'],
  ])('400 invalid_json for %s', async (_name, raw) => {
    const res = await postJson(`${srv.url}/ask`, raw);
    await expectError(res, 400, 'invalid_json');
  });

  test('413 when the body is over the limit (default 64kb)', async () => {
    const res = await postJson(`${srv.url}/ask`, { question: 'Hi?', history: [{ role: 'user', content: 'z'.repeat(70 * 1024) }] });
    await expectError(res, 413, 'payload_too_large');
  });

  test.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form-encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('415 for a %s body', async (_name, headers) => {
    const res = await fetch(`${srv.url}/ask`, { method: 'POST', headers, body: new TextEncoder().encode('{"question":"What province is Heihe in?"}') });
    await expectError(res, 415, 'unsupported_media_type');
  });

  test('400 for a JSON request without a body, on every JSON route: invalid_json when nothing was sent, invalid_request for an empty one', async () => {
    for (const route of ['/ask', '/feedback', '/v1/chat/completions']) {
      // No Content-Length and no body (curl -X POST -H 'content-type: application/json'): Express cannot tell its type.
      const { port } = new URL(srv.url);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(`POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`));
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw.split('\r\n')[0], route).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string } };
      expect(body.error.code, route).toBe('invalid_json');
      expect(body.error.message, route).toMatch(/body is empty/);
      // Content-Length: 0 is an empty JSON body: the fields it lacks are named.
      const empty = await fetch(`${srv.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      expect(empty.status, route).toBe(400);
      expect(((await empty.json()) as { error: { code: string } }).error.code, route).toBe('invalid_request');
    }
  });

  test('415 for JSON in a charset other than UTF-8', async () => {
    const res = await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{"question":"Hi?"}' });
    await expectError(res, 415, 'unsupported_media_type');
  });
});

describe('a smaller BODY_LIMIT', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ env: { BODY_LIMIT: '1kb' } });
  });
  afterAll(async () => small?.close());

  test('is enforced: just under passes validation, just over is 413', async () => {
    const under = await postJson(`${small.url}/ask`, { question: `What province is Heihe in? ${' '.repeat(900)}` });
    expect(under.status).toBe(200);
    const over = await postJson(`${small.url}/ask`, { question: `What province is Heihe in? ${' '.repeat(1100)}` });
    await expectError(over, 413, 'payload_too_large');
  });
});

describe('unknown routes', () => {
  test.each([
    ['GET', '/nope'],
    ['POST', '/nope'],
    ['GET', '/ask'],
    ['DELETE', '/ask'],
    ['PUT', '/search'],
    ['GET', '/api/ask'],
  ])('404 for %s %s', async (method, route) => {
    const res = await fetch(`${srv.url}${route}`, { method });
    const body = await expectError(res, 404, 'not_found');
    expect(body.error.message).toContain(route);
  });
});

describe('unexpected errors (createApp with fake deps)', () => {
  const SECRET_PATH = '/srv/heihe/secret/config.json';
  const fakeIndex = { name: 'g-fake', version: 'fake-v1' } as unknown as ServingIndex;
  let server: Server;
  let url: string;
  let failWith: () => Error = () => new Error('boom');
  const logged: string[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const deps: AppDeps = fakeAppDeps({
      logger,
      index: createIndexHolder(fakeIndex),
      answer: async () => {
        throw failWith();
      },
      reindex: async () => {
        throw new Error(`ENOENT: no such file or directory, open '${SECRET_PATH}'`);
      },
      adminToken: 'tok',
    });
    const app = createApp(deps);
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const expectNoInternals = (text: string): void => {
    expect(text).not.toContain(SECRET_PATH);
    expect(text).not.toMatch(/ENOENT|TypeError|\bat .*\(|\.ts:\d+|node_modules|\/work\//);
  };

  test('a plain Error thrown by the answerer is a 500 without internals, logged with the request id', async () => {
    failWith = () => new TypeError(`Cannot read properties of undefined (reading 'x') at ${SECRET_PATH}:12:3`);
    const res = await postJson(`${url}/ask`, { question: 'What province is Heihe in?' }, { headers: { 'x-request-id': 'req-500-check' } });
    const text = await res.clone().text();
    const body = await expectError(res, 500, 'internal_error');
    expect(res.headers.get('x-request-id')).toBe('req-500-check');
    expectNoInternals(text);
    expect(body.error.message).not.toMatch(/Cannot read/);
    // The details go to the log instead.
    expect(logged.join('\n')).toContain('req-500-check');
    expect(logged.join('\n')).toContain('Cannot read properties');
  });

  test('a plain Error in a re-index is a 500 without the file path', async () => {
    const res = await fetch(`${url}/reindex`, { method: 'POST', headers: { authorization: 'Bearer tok' } });
    const text = await res.clone().text();
    await expectError(res, 500, 'internal_error');
    expectNoInternals(text);
  });

  test('a known AppError keeps its code and status', async () => {
    failWith = () => new AppError('upstream_unavailable', 503, 'The language model failed.');
    const res = await postJson(`${url}/ask`, { question: 'What province is Heihe in?' });
    await expectError(res, 503, 'upstream_unavailable');
  });

  test('while streaming, a plain Error becomes an error event without internals and the stream ends', async () => {
    failWith = () => new Error(`ENOENT: no such file or directory, open '${SECRET_PATH}'`);
    const res = await postJson(`${url}/ask`, { question: 'What province is Heihe in?', stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(['error']);
    const err = json<ErrorJson>(events[0]);
    expect(err.error.code).toBe('internal_error');
    expectNoInternals(events[0]?.data ?? '');
  });

  test('with no index loaded, /ask is 503 and /health says starting', async () => {
    const empty = createApp(fakeAppDeps());
    const s = await new Promise<Server>((resolve) => {
      const x = empty.listen(0, '127.0.0.1', () => resolve(x));
    });
    try {
      const base = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      await expectError(await postJson(`${base}/ask`, { question: 'Hi?' }), 503, 'index_missing');
      await expectError(await fetch(`${base}/search?q=Heihe`), 503, 'index_missing');
      const h = await fetch(`${base}/health`);
      expect(h.status).toBe(503);
      expect(((await h.json()) as { status: string }).status).toBe('starting');
    } finally {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });
});

describe('rate limiting', () => {
  let limited: TestServer;
  let localFree: TestServer;
  beforeAll(async () => {
    // The test clients are on this machine: RATE_LIMIT_LOCAL=true makes the limit count them.
    limited = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_LOCAL: 'true' } });
    localFree = await startTestServer({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
  });
  afterAll(async () => {
    await limited?.close();
    await localFree?.close();
  });

  test('by default requests from this machine are not limited (a scorer sends hundreds of questions), unless a proxy forwarded them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postJson(`${localFree.url}/ask`, { question: 'What province is Heihe in?' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const proxied: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${localFree.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' }, body: JSON.stringify({ question: 'What province is Heihe in?' }) });
      proxied.push(res.status);
      await res.text();
    }
    expect(proxied).toEqual([200, 200, 429]);
  });

  test('the third /ask within a minute is 429 with Retry-After; /health is not limited', async () => {
    for (let i = 0; i < 2; i++) expect((await postJson(`${limited.url}/ask`, { question: 'What province is Heihe in?' })).status).toBe(200);
    const res = await postJson(`${limited.url}/ask`, { question: 'What province is Heihe in?' });
    await expectError(res, 429, 'rate_limited');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fetch(`${limited.url}/health`)).status).toBe(200);
  });
});

describe('isLoopback', () => {
  test('loopback peers in IPv4, IPv6 and IPv4-mapped form; nothing else', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['10.0.0.1', '192.168.1.127', '::ffff:10.0.0.1', '2001:db8::1', '', undefined]) expect(isLoopback(a), String(a)).toBe(false);
  });
});
