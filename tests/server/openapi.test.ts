/**
 * GET /openapi.json: a valid OpenAPI 3.1 document (checked by an OpenAPI schema validator)
 * that names every route the app serves, and whose declared schemas the real responses of
 * each route match (checked by ajv against the document itself): JSON bodies, each event of
 * the streams, and errors.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createApp } from '../../src/server/app.js';
import { fakeAppDeps, startTestServer, type TestServer } from '../helpers/test-server.js';
import { postJson, type Answer } from '../helpers/http.js';
import { startOpenAIStub, type StubMessage } from '../helpers/openai-stub.js';
import { isCondense, questionOf, quoting, startLlmServer } from '../helpers/llm.js';
import { readSse } from '../helpers/sse.js';
import { MODEL_ID } from '../helpers/openai-client.js';

const ADMIN = 'admin-token-for-the-openapi-test';

interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown> };
}

// ajv-formats is CommonJS (module.exports is the plugin); its types describe it as `.default`.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

let srv: TestServer;
let doc: OpenApiDoc;
let ajv: Ajv2020;

beforeAll(async () => {
  srv = await startTestServer({ env: { ADMIN_TOKEN: ADMIN } });
  const res = await fetch(`${srv.url}/openapi.json`);
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDoc;
  ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc, 'openapi.json');
});
afterAll(async () => srv?.close());

const pointer = (...parts: string[]): string => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction>();

/** The validator of what `method path` declares for `status` in `mediaType`; fails the test if it declares nothing. */
function declared(method: string, path: string, status: number, mediaType: string): ValidateFunction {
  const op = doc.paths[path]?.[method];
  expect(op, `${method.toUpperCase()} ${path} is documented`).toBeDefined();
  expect(op?.responses[String(status)], `${method.toUpperCase()} ${path} declares ${status}`).toBeDefined();
  expect(op?.responses[String(status)]?.content?.[mediaType], `${method.toUpperCase()} ${path} ${status} declares ${mediaType}`).toBeDefined();
  const ref = `openapi.json#/${pointer('paths', path, method, 'responses', String(status), 'content', mediaType, 'schema')}`;
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

function expectValid(v: ValidateFunction, data: unknown, what: string): void {
  const ok = v(data);
  expect(ok, `${what}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(data).slice(0, 400)}`).toBe(true);
}

/** Checks a JSON response against the document, by its own status. */
async function expectJsonMatches(method: string, path: string, res: Response): Promise<unknown> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body: unknown = await res.json();
  expectValid(declared(method, path, res.status, 'application/json'), body, `${method.toUpperCase()} ${path} ${res.status}`);
  return body;
}

/** Checks every event of a stream against the document (the `[DONE]` terminator aside); returns the event count. */
async function expectStreamMatches(method: string, path: string, res: Response): Promise<number> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const v = declared(method, path, 200, 'text/event-stream');
  const events = (await readSse(res)).filter((e) => e.data !== '[DONE]');
  for (const e of events) expectValid(v, JSON.parse(e.data), `${path} event ${e.event}`);
  return events.length;
}

/** Method + path of every route an Express app serves (routers included), in OpenAPI's path syntax. */
function expressRoutes(app: Express): string[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const out: string[] = [];
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) out.push(`${m} ${layer.route.path.replace(/[:*](\w+)/g, '{$1}')}`);
      else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out.sort();
}

describe('the document', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.valid, JSON.stringify(result.errors, null, 2)).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  test('documents exactly the routes the app serves', () => {
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`))
      .sort();
    expect(expressRoutes(createApp(fakeAppDeps()))).toEqual(documented);
    expect(documented).toEqual(
      expect.arrayContaining(['post /ask', 'get /search', 'get /health', 'post /reindex', 'get /documents', 'get /documents/{path}', 'put /documents/{path}', 'delete /documents/{path}', 'get /v1/models', 'post /v1/chat/completions', 'get /openapi.json', 'get /metrics']),
    );
  });

  test('request bodies are the validating schemas: /ask refuses unknown fields, chat completions require a model and messages', () => {
    const ask = doc.components.schemas['AskRequest'] as { additionalProperties?: unknown; required?: string[] };
    expect(ask.additionalProperties).toBe(false);
    expect(ask.required).toEqual(['question']);
    const chat = doc.components.schemas['ChatCompletionRequest'] as { required?: string[] };
    expect(chat.required?.sort()).toEqual(['messages', 'model']);
  });

  test('without API_KEYS no operation needs a key; /reindex and document changes always need the admin token', () => {
    expect(doc.paths['/ask']?.['post']?.security).toEqual([]);
    expect(doc.paths['/ask']?.['post']?.responses['401']).toBeUndefined();
    expect(doc.paths['/reindex']?.['post']?.security).toEqual([{ adminToken: [] }]);
    for (const method of ['put', 'delete']) expect(doc.paths['/documents/{path}']?.[method]?.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/documents']?.['get']?.security).toEqual([]);
  });

  test('PUT /documents/{path} takes a text body (text/plain or text/markdown), the path, ?reindex and If-Match / If-None-Match', () => {
    const put = doc.paths['/documents/{path}']?.['put'] as unknown as { requestBody: { content: Record<string, unknown> }; parameters: Array<{ in: string; name: string }> };
    expect(Object.keys(put.requestBody.content).sort()).toEqual(['text/markdown', 'text/plain']);
    expect(put.parameters.map((p) => `${p.in} ${p.name}`).sort()).toEqual(['header if-match', 'header if-none-match', 'path path', 'query reindex']);
  });
});

describe('real responses match their declared schemas', () => {
  test('POST /ask: JSON answers (grounded and refused), every stream event, and errors', async () => {
    await expectJsonMatches('post', '/ask', await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?' }));
    await expectJsonMatches('post', '/ask', await postJson(`${srv.url}/ask`, { question: 'How do I bake sourdough bread?' }));
    const events = await expectStreamMatches('post', '/ask', await postJson(`${srv.url}/ask`, { question: 'What province is Heihe in?', stream: true }));
    expect(events).toBeGreaterThan(2);
    const bad = await postJson(`${srv.url}/ask`, { question: 'x', extra: true });
    expect(bad.status).toBe(400);
    await expectJsonMatches('post', '/ask', bad);
    const big = await postJson(`${srv.url}/ask`, { question: 'x', history: [{ role: 'user', content: 'y'.repeat(70_000) }] });
    expect(big.status).toBe(413);
    await expectJsonMatches('post', '/ask', big);
  });

  test('GET /search and GET /health', async () => {
    await expectJsonMatches('get', '/search', await fetch(`${srv.url}/search?q=river&k=3`));
    const bad = await fetch(`${srv.url}/search?q=`);
    expect(bad.status).toBe(400);
    await expectJsonMatches('get', '/search', bad);
    await expectJsonMatches('get', '/health', await fetch(`${srv.url}/health`));
  });

  test('POST /reindex: the summary, and 401 without the token', async () => {
    const ok = await fetch(`${srv.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(ok.status).toBe(200);
    await expectJsonMatches('post', '/reindex', ok);
    const no = await fetch(`${srv.url}/reindex`, { method: 'POST' });
    expect(no.status).toBe(401);
    await expectJsonMatches('post', '/reindex', no);
  });

  test('the /v1 routes: models, completions (JSON and every chunk), and OpenAI-shaped errors', async () => {
    await expectJsonMatches('get', '/v1/models', await fetch(`${srv.url}/v1/models`));
    await expectJsonMatches('get', '/v1/models/{model}', await fetch(`${srv.url}/v1/models/${MODEL_ID}`));
    const missing = await fetch(`${srv.url}/v1/models/gpt-4o`);
    expect(missing.status).toBe(404);
    await expectJsonMatches('get', '/v1/models/{model}', missing);
    const body = { model: MODEL_ID, messages: [{ role: 'user', content: 'Which river forms the natural boundary between China and Russia?' }] };
    await expectJsonMatches('post', '/v1/chat/completions', await postJson(`${srv.url}/v1/chat/completions`, body));
    await expectJsonMatches('post', '/v1/chat/completions', await postJson(`${srv.url}/v1/chat/completions`, { ...body, messages: [{ role: 'user', content: 'How do I bake sourdough bread?' }] }));
    expect(await expectStreamMatches('post', '/v1/chat/completions', await postJson(`${srv.url}/v1/chat/completions`, { ...body, stream: true, stream_options: { include_usage: true } }))).toBeGreaterThan(3);
    for (const [bad, status] of [[{ ...body, messages: [] }, 400], [{ ...body, model: 'gpt-4o' }, 404]] as const) {
      const res = await postJson(`${srv.url}/v1/chat/completions`, bad);
      expect(res.status).toBe(status);
      await expectJsonMatches('post', '/v1/chat/completions', res);
    }
  });

  test('LLM mode: answers carrying the claim checks (kept, trimmed, fallen back), their streams and completions', async () => {
    const stub = await startOpenAIStub();
    const llm = await startLlmServer(stub.url);
    try {
      const Q = { question: 'What province is Heihe in?' };
      const replies: Array<[(m: StubMessage[]) => string, Partial<Answer>]> = [
        // Kept whole, one sentence dropped for an invented name, one cut short.
        [
          (m) => `${quoting(m)} Heihe lies across the river from Khabarovsk [1]. ${quoting(m).replace(/ \[1\]\.$/, ' [1], and it has a famous zoo.')}`,
          { mode: 'llm', checks: { sentences: 3, dropped: 1, trimmed: 1, reasons: { name: 1, unsupported: 1 } } },
        ],
        // Nothing holds: the extractive answer, with fallback "unsupported_claims".
        [() => 'Heihe has a famous zoo [1].', { mode: 'extractive', fallback: 'unsupported_claims', checks: { sentences: 1, dropped: 1, trimmed: 0, reasons: { unsupported: 1 } } }],
      ];
      for (const [reply, expected] of replies) {
        stub.setFallback((m) => ({ kind: 'text', text: isCondense(m) ? questionOf(m) : reply(m) }));
        const a = (await expectJsonMatches('post', '/ask', await postJson(`${llm.url}/ask`, Q))) as Answer;
        expect(a).toMatchObject(expected);
        await expectStreamMatches('post', '/ask', await postJson(`${llm.url}/ask`, { ...Q, stream: true }));
        const body = { model: MODEL_ID, messages: [{ role: 'user', content: Q.question }] };
        const c = (await expectJsonMatches('post', '/v1/chat/completions', await postJson(`${llm.url}/v1/chat/completions`, body))) as { grounding: { checks?: unknown } };
        expect(c.grounding.checks).toEqual(a.checks);
        await expectStreamMatches('post', '/v1/chat/completions', await postJson(`${llm.url}/v1/chat/completions`, { ...body, stream: true }));
      }
    } finally {
      await llm.close();
      await stub.close();
    }
  });

  test('the /documents routes: the list, a document (text), writes (201, 200, 202) and their errors', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const put = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${srv.url}/documents/${path}`, { method: 'PUT', headers: { ...auth, 'content-type': 'text/markdown', ...headers }, body });
    await expectJsonMatches('get', '/documents', await fetch(`${srv.url}/documents`));
    const text = await fetch(`${srv.url}/documents/heihe.txt`);
    expect(text.status).toBe(200);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expectValid(declared('get', '/documents/{path}', 200, 'text/plain'), await text.text(), 'GET /documents/{path}');
    const missing = await fetch(`${srv.url}/documents/none.md`);
    expect(missing.status).toBe(404);
    await expectJsonMatches('get', '/documents/{path}', missing);

    const created = await put('api/spec.md', '# Spec\n\nThe Orvane clock tower chimes at noon.\n');
    expect(created.status).toBe(201);
    await expectJsonMatches('put', '/documents/{path}', created);
    const md = await fetch(`${srv.url}/documents/api/spec.md`);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expectValid(declared('get', '/documents/{path}', 200, 'text/markdown'), await md.text(), 'GET /documents/{path} (markdown)');
    const replaced = await put('api/spec.md', '# Spec\n\nThe Orvane clock tower chimes at one.\n');
    expect(replaced.status).toBe(200);
    await expectJsonMatches('put', '/documents/{path}', replaced);
    const deferred = await put('api/spec.md?reindex=false', '# Spec\n\nThe Orvane clock tower chimes at two.\n');
    expect(deferred.status).toBe(202);
    await expectJsonMatches('put', '/documents/{path}', deferred);
    for (const [res, status] of [
      [await put('api/.hidden.md', 'x'), 400],
      [await put('api/binary.md', 'a\0b'), 400],
      [await fetch(`${srv.url}/documents/api/x.md`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'x' }), 401],
      [await put('api/spec.md', 'x', { 'if-match': `"${'0'.repeat(64)}"` }), 412],
      [await put('api/big.md', 'x'.repeat(1024 * 1024 + 1)), 413],
      [await put('api/x.md', 'x', { 'content-type': 'text/html' }), 415],
    ] as const) {
      expect(res.status).toBe(status);
      await expectJsonMatches('put', '/documents/{path}', res);
    }

    const deleted = await fetch(`${srv.url}/documents/api/spec.md`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(200);
    await expectJsonMatches('delete', '/documents/{path}', deleted);
    const gone = await fetch(`${srv.url}/documents/api/spec.md`, { method: 'DELETE', headers: auth });
    expect(gone.status).toBe(404);
    await expectJsonMatches('delete', '/documents/{path}', gone);
  });

  test('GET /openapi.json and GET /metrics', async () => {
    await expectJsonMatches('get', '/openapi.json', await fetch(`${srv.url}/openapi.json`));
    const metrics = await fetch(`${srv.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expectValid(declared('get', '/metrics', 200, 'text/plain'), await metrics.text(), 'GET /metrics');
  });

  test('while no index is loaded: /health 503 and /ask 503 index_missing', async () => {
    const server = await new Promise<Server>((resolve) => {
      const s = createApp(fakeAppDeps()).listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      await expectJsonMatches('get', '/health', health);
      const ask = await postJson(`${url}/ask`, { question: 'What province is Heihe in?' });
      expect(ask.status).toBe(503);
      expect(await expectJsonMatches('post', '/ask', ask)).toMatchObject({ error: { code: 'index_missing' } });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
