/**
 * API_KEYS: with keys set, /v1/*, /ask, /search (and /metrics unless METRICS_REQUIRE_API_KEY
 * is false) need one as a bearer token, 401 otherwise; /health, the page and the OpenAPI
 * document stay open. Driven by the official openai client and ChatOpenAI where a client is
 * used; the document says which operations need a key.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage } from '@langchain/core/messages';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { postJson, type ErrorJson } from '../helpers/http.js';
import { scrape } from '../helpers/prometheus.js';
import { apiError, MODEL_ID, openaiClient } from '../helpers/openai-client.js';
import { tokenMatches } from '../../src/server/bearer.js';

const KEYS = ['key-one-0123456789abcdef', 'key-two-fedcba9876543210'];
const Q = 'What province is Heihe in?';

let srv: TestServer;
let open: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ env: { API_KEYS: ` ${KEYS.join(' , ')} ` } });
  open = await startTestServer({ env: { API_KEYS: KEYS.join(','), METRICS_REQUIRE_API_KEY: 'false' } });
});
afterAll(async () => {
  await srv?.close();
  await open?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('the openai client', () => {
  test('without a key, or with a wrong one: 401 invalid_api_key (AuthenticationError)', async () => {
    for (const key of ['', 'key-one', 'wrong', `${KEYS[0]}x`]) {
      const err = await apiError(openaiClient(srv.url, key || 'missing').chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: Q }] }));
      expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error', name: 'AuthenticationError' });
    }
    expect(await apiError(openaiClient(srv.url, 'wrong').models.list())).toMatchObject({ status: 401 });
  });

  test('with either key: models and completions work', async () => {
    for (const key of KEYS) {
      const client = openaiClient(srv.url, key);
      expect((await client.models.list()).data.map((m) => m.id)).toEqual([MODEL_ID]);
      const c = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: Q }] });
      expect(c.choices[0]?.message.content).toMatch(/Heilongjiang/);
    }
  });

  test('ChatOpenAI with the key in apiKey', async () => {
    const chat = (apiKey: string) => new ChatOpenAI({ model: MODEL_ID, apiKey, maxRetries: 0, configuration: { baseURL: `${srv.url}/v1` } });
    expect(String((await chat(KEYS[1] ?? '').invoke([new HumanMessage(Q)])).content)).toMatch(/Heilongjiang/);
    await expect(chat('wrong').invoke([new HumanMessage(Q)])).rejects.toMatchObject({ status: 401 });
  });
});

describe('our routes follow the same setting', () => {
  test('/ask and /search: 401 in our error shape without a key, 200 with one', async () => {
    for (const headers of [{}, bearer('wrong'), { authorization: KEYS[0] ?? '' }, { authorization: `Basic ${KEYS[0]}` }]) {
      const res = await postJson(`${srv.url}/ask`, { question: Q }, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await res.json()) as ErrorJson;
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
      expect(body.error.code).toBe('invalid_api_key');
      expect((await fetch(`${srv.url}/search?q=river`, { headers })).status).toBe(401);
    }
    // Express matches paths case-insensitively and with a trailing slash: so does the key check.
    expect((await postJson(`${srv.url}/ASK/`, { question: Q })).status).toBe(401);
    expect((await fetch(`${srv.url}/V1/models`)).status).toBe(401);
    expect((await postJson(`${srv.url}/ask`, { question: Q }, { headers: bearer(KEYS[0] ?? '') })).status).toBe(200);
    expect((await fetch(`${srv.url}/search?q=river`, { headers: bearer(KEYS[1] ?? '') })).status).toBe(200);
  });

  test('a refused request costs no body parsing: invalid JSON without a key is still 401', async () => {
    expect((await postJson(`${srv.url}/ask`, '{not json')).status).toBe(401);
  });

  test('/health, the chat page and /openapi.json stay open; the document marks what needs a key', async () => {
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
    expect((await fetch(`${srv.url}/`)).status).toBe(200);
    const res = await fetch(`${srv.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>> };
    for (const [path, method] of [['/ask', 'post'], ['/search', 'get'], ['/v1/chat/completions', 'post'], ['/v1/models', 'get'], ['/metrics', 'get']] as const) {
      expect(doc.paths[path]?.[method]?.security, path).toEqual([{ apiKey: [] }]);
      expect(doc.paths[path]?.[method]?.responses['401'], path).toBeDefined();
    }
    expect(doc.paths['/health']?.['get']?.security).toEqual([]);
  });

  test('/metrics needs a key by default; METRICS_REQUIRE_API_KEY=false leaves it open', async () => {
    expect((await fetch(`${srv.url}/metrics`)).status).toBe(401);
    const s = await scrape(srv.url, bearer(KEYS[0] ?? ''));
    expect(s.families.has('heihe_http_requests_total')).toBe(true);
    // The refusals above were counted, under their route and 401.
    expect(s.text).toMatch(/heihe_http_requests_total\{method="POST",route="\/ask",status="401"\} [1-9]/);
    await scrape(open.url);
    expect((await postJson(`${open.url}/ask`, { question: Q })).status).toBe(401);
  });
});

describe('tokenMatches', () => {
  test('matches any configured secret exactly, nothing else', () => {
    expect(tokenMatches(KEYS[1], KEYS)).toBe(true);
    expect(tokenMatches(KEYS[0], KEYS)).toBe(true);
    expect(tokenMatches(KEYS[0]?.toUpperCase(), KEYS)).toBe(false);
    expect(tokenMatches(KEYS[0]?.slice(0, -1), KEYS)).toBe(false);
    expect(tokenMatches('', KEYS)).toBe(false);
    expect(tokenMatches(undefined, KEYS)).toBe(false);
    expect(tokenMatches('anything', [])).toBe(false);
  });
});
