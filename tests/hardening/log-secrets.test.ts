/**
 * No configured secret ever reaches the log. The real server (a child process, LOG_LEVEL=trace,
 * so every line it can write is written) runs in LLM mode against the OpenAI stub with an
 * ADMIN_TOKEN and an OPENAI_API_KEY, and is driven through what logs the most: the admin token
 * in a query string (`POST /reindex?token=…`, with and without the header), a real re-index
 * (whose child process logs through the server), document writes over HTTP (each logged),
 * model failures and fallbacks, a cut stream, searches and 404s carrying the token in their
 * query. Then neither secret may appear anywhere in its stdout or stderr, while the lines for
 * those requests are there.
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { childEnv, startServerChild, type ServerChild } from '../helpers/reindex-fixtures.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';

const ADMIN_TOKEN = 'adm-7f3c9e1b5d2a4068-secret';
const API_KEY = 'sk-live-4b8e2f6a1c9d3057-secret';

let dir: string;
let stub: OpenAIStub;
let server: ServerChild;

beforeAll(async () => {
  dir = tempDir('heihe-secrets-');
  cpSync(path.join(PROJECT_ROOT, 'corpus'), path.join(dir, 'corpus'), { recursive: true });
  stub = await startOpenAIStub();
  server = await startServerChild(
    childEnv({
      CORPUS_DIR: path.join(dir, 'corpus'),
      INDEX_DIR: path.join(dir, 'index'),
      ADMIN_TOKEN,
      OPENAI_API_KEY: API_KEY,
      OPENAI_BASE_URL: `${stub.url}/v1`,
      LLM_MAX_RETRIES: '0',
      LOG_LEVEL: 'trace',
    }),
  );
});
afterAll(async () => {
  await server?.stop();
  await stub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (p: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('neither ADMIN_TOKEN nor OPENAI_API_KEY appears in any log line', { timeout: 120_000 }, async () => {
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const statuses: Record<string, number> = {};
  const record = async (what: string, res: Promise<Response>): Promise<void> => {
    const r = await res;
    await r.text();
    statuses[what] = r.status;
  };
  await record('reindex with the token only in the query', post(`/reindex?token=${ADMIN_TOKEN}`, {}));
  await record('reindex with the token in the query and the header', post(`/reindex?token=${ADMIN_TOKEN}&x=1`, {}, bearer));
  await record('reindex with a wrong token', post('/reindex', {}, { authorization: `Bearer ${ADMIN_TOKEN}-wrong` }));
  await record('ask (model answers)', post('/ask', { question: 'What province is Heihe in?' }));
  stub.enqueue({ kind: 'error', status: 500, message: `upstream failure ${API_KEY}` });
  await record('ask (model fails: fallback)', post('/ask', { question: 'What province is Heihe in?' }));
  stub.enqueue({ kind: 'cut', text: 'Heihe is in Heilongjiang [1]. More text follows here.', afterChunks: 1 });
  await record('ask, streamed (stream cut: fallback)', post('/ask', { question: 'Which river forms the border?', stream: true }));
  await record('search with the token in the query', fetch(`${server.url}/search?q=Heihe&token=${ADMIN_TOKEN}`));
  await record('404 with the token in the query', fetch(`${server.url}/nowhere?token=${ADMIN_TOKEN}&key=${API_KEY}`));
  const document = (method: string, headers: Record<string, string>, query = ''): Promise<Response> =>
    fetch(`${server.url}/documents/notes/secrets-check.md${query}`, { method, headers: { 'content-type': 'text/markdown', ...headers }, ...(method === 'PUT' ? { body: '# Check\n\nThe Yselt bridge opens in May.\n' } : {}) });
  await record('document PUT with the token', document('PUT', bearer));
  await record('document PUT with the token also in the query', document('PUT', bearer, `?token=${ADMIN_TOKEN}`));
  await record('document PUT with a wrong token', document('PUT', { authorization: `Bearer ${ADMIN_TOKEN}-wrong` }));
  await record('document DELETE with the token', document('DELETE', bearer));
  const out = await server.stop();

  expect(statuses).toEqual({
    'reindex with the token only in the query': 401,
    'reindex with the token in the query and the header': 200,
    'reindex with a wrong token': 401,
    'ask (model answers)': 200,
    'ask (model fails: fallback)': 200,
    'ask, streamed (stream cut: fallback)': 200,
    'search with the token in the query': 400, // an unknown parameter
    '404 with the token in the query': 404,
    'document PUT with the token': 201,
    'document PUT with the token also in the query': 400, // an unknown parameter
    'document PUT with a wrong token': 401,
    'document DELETE with the token': 200,
  });
  // The key was in use: the model server received it.
  expect(stub.chatRequests().some((r) => r.headers['authorization'] === `Bearer ${API_KEY}`)).toBe(true);

  const log = `${out.stdout}\n${out.stderr}`;
  const lines = out.stdout.split('\n').filter(Boolean);
  const requests = lines.map((l) => JSON.parse(l) as { msg?: string; req?: { method: string; url: string } }).filter((l) => l.msg === 'request completed');
  // The lines are there (the test would pass vacuously on an empty log otherwise) ...
  expect(requests.map((r) => `${r.req?.method} ${r.req?.url}`)).toEqual(
    expect.arrayContaining(['POST /reindex?[query not logged]', 'POST /reindex', 'POST /ask', 'GET /search?[query not logged]', 'GET /nowhere?[query not logged]']),
  );
  expect(lines.some((l) => l.includes('re-index finished'))).toBe(true);
  expect(lines.some((l) => l.includes('"document created"') && l.includes('notes/secrets-check.md'))).toBe(true);
  expect(lines.some((l) => l.includes('"document deleted"'))).toBe(true);
  expect(lines.some((l) => l.includes('the LLM failed; answering extractively') || l.includes('fallback'))).toBe(true);
  // ... and hold no secret, in any form we write it.
  for (const secret of [ADMIN_TOKEN, API_KEY, encodeURIComponent(ADMIN_TOKEN)]) expect(log.includes(secret), `log contains ${secret}`).toBe(false);
  console.log(`[log-secrets] ${lines.length} log lines (${requests.length} request lines) at LOG_LEVEL=trace; no secret in any`);
});
