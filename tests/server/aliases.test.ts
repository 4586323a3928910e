/**
 * The corpus calls the city both "Anheihe" and "Heihe" ("Anheihe, also called Heihe"): a
 * question using either name must find the passage that uses the other.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

async function ask(question: string): Promise<{ answer: string; grounded: boolean }> {
  const res = await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { answer: string; grounded: boolean };
}

test.each(['How many people live in Heihe?', 'How many people live in Anheihe?'])('%s is answered from the "Anheihe" population passage', async (question) => {
  const answer = await ask(question);
  expect(answer.grounded).toBe(true);
  expect(answer.answer).toContain('1.5 million');
});

test('the aliases are mined from the corpus, not configured', () => {
  expect(srv.holder.current().retriever.aliases.byLemma.get('heihe')).toContainEqual(['anheihe']);
});
