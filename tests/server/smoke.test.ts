import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

test('POST /ask answers a corpus question with a valid citation', async () => {
  const res = await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What province is Heihe in?' }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { answer: string; grounded: boolean; citations: Array<{ n: number; text: string }> };
  expect(body.grounded).toBe(true);
  expect(body.answer).toContain('Heilongjiang');
  expect(body.answer).toMatch(/\[1\]/);
  expect(body.citations[0]?.text).toContain('Heilongjiang');
});
