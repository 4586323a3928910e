/**
 * Follow-up questions over HTTP: the history makes them standalone (offline by carrying the
 * subject, in LLM mode by asking the model to rewrite), and the rewritten question is what is
 * searched, answered and reported back in `question`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startOpenAIStub, type OpenAIStub, type RecordedRequest } from '../helpers/openai-stub.js';
import { ask, askStream, expectWellFormedAnswer, guardNetwork, markers, type Answer } from '../helpers/http.js';
import { CONDENSE_PREFIX, isCondense, messagesOf, passagesOf, questionOf, quoting, startLlmServer } from '../helpers/llm.js';
import { json } from '../helpers/sse.js';
import type { ChatTurn } from '../../src/types.js';

const FIRST = 'Which Russian city lies across the river from Heihe?';

/** The section of the passage the answer's first marker cites. */
function firstCitedSection(a: Answer): string | undefined {
  const n = markers(a.answer)[0];
  return a.citations.find((c) => c.n === n)?.section;
}

describe('offline follow-ups', () => {
  let srv: TestServer;
  let history: ChatTurn[];
  beforeAll(async () => {
    srv = await startTestServer();
    const first = await ask(srv.url, { question: FIRST });
    history = [
      { role: 'user', content: FIRST },
      { role: 'assistant', content: first.answer },
    ];
  });
  afterAll(async () => srv?.close());

  test('the first question is answered from the introduction', async () => {
    const a = await ask(srv.url, { question: FIRST });
    expect(a.grounded).toBe(true);
    expect(a.answer).toMatch(/Blagoveshchensk/);
  });

  test('"And what is its population?" carries the subject and is answered from the population passage', async () => {
    const a = await ask(srv.url, { question: 'And what is its population?', history });
    expect(a.question).not.toBe('And what is its population?');
    expect(a.question).toMatch(/^And what is its population\b/);
    expect(a.question).toContain('Heihe');
    // "Russian" describes the city asked about, not the subject of the conversation.
    expect(a.question).not.toContain('Russian');
    expect(a.question.endsWith('?')).toBe(true);
    expect(a.grounded).toBe(true);
    // The standalone question finds the population passage (which sentence the ranker quotes
    // is measured by the follow-up set of npm run eval).
    expect(a.citations.some((c) => c.section === 'Population and Demographics')).toBe(true);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('"What about the winters there?" carries the subject and cites the climate passage', async () => {
    const a = await ask(srv.url, { question: 'What about the winters there?', history });
    expect(a.question).toMatch(/^What about the winters there\b/);
    expect(a.question).toContain('Heihe');
    expect(a.grounded).toBe(true);
    expect(firstCitedSection(a)).toBe('Climate and Environment');
    expect(a.answer).toMatch(/Winters are long/);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('without the history the same follow-up is not rewritten', async () => {
    const a = await ask(srv.url, { question: 'What about the winters there?' });
    expect(a.question).toBe('What about the winters there?');
  });

  test('a standalone question is left as it is, even with history', async () => {
    const a = await ask(srv.url, { question: 'What are the winters like in Heihe?', history });
    expect(a.question).toBe('What are the winters like in Heihe?');
    expect(firstCitedSection(a)).toBe('Climate and Environment');
  });

  test('a chain of follow-ups keeps the subject of the latest user turn that has one', async () => {
    const turns: ChatTurn[] = [
      ...history,
      { role: 'user', content: 'What about the winters there?' },
      { role: 'assistant', content: 'Winters are long and cruel. [1]' },
    ];
    const a = await ask(srv.url, { question: 'And its economy?', history: turns });
    expect(a.question).toContain('Heihe');
    expect(a.grounded).toBe(true);
    expect(firstCitedSection(a)).toBe('Economic Overview');
  });

  test('streamed, the citations and done events report the standalone question', async () => {
    const s = await askStream(srv.url, { question: 'What about the winters there?', history });
    const first = json<{ question: string }>(s.events[0]);
    expect(first.question).toContain('Heihe');
    expect(s.done?.question).toBe(first.question);
    expect(s.done?.grounded).toBe(true);
  });
});

describe('LLM follow-ups', () => {
  const REWRITTEN = 'What is the population of Heihe, the city across the Amur River from Blagoveshchensk?';
  const LLM_HISTORY: ChatTurn[] = [
    { role: 'user', content: FIRST },
    { role: 'assistant', content: 'Heihe lies directly across the Amur River from Blagoveshchensk, Russia [1].' },
  ];
  let net: ReturnType<typeof guardNetwork>;
  let stub: OpenAIStub;
  let srv: TestServer;
  beforeAll(async () => {
    net = guardNetwork();
    stub = await startOpenAIStub();
    stub.setFallback((messages) =>
      isCondense(messages) ? { kind: 'text', text: REWRITTEN } : { kind: 'text', text: quoting(messages) },
    );
    srv = await startLlmServer(stub.url);
  });
  afterAll(async () => {
    await srv?.close();
    await stub?.close();
    net?.restore();
    expect(net.refused).toEqual([]);
  });

  async function callsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; calls: RecordedRequest[] }> {
    const before = stub.chatRequests().length;
    const result = await fn();
    return { result, calls: stub.chatRequests().slice(before) };
  }

  test('the model rewrites the follow-up from the history; the rewrite is searched, answered and reported', async () => {
    const { result: a, calls } = await callsDuring(() => ask(srv.url, { question: 'And what is its population?', history: LLM_HISTORY }));
    expect(calls).toHaveLength(2);
    const [condense, answer] = calls.map(messagesOf);
    // 1. The condense prompt carries the system instruction, the history and the follow-up.
    expect(condense?.[0]?.role).toBe('system');
    expect(condense?.[0]?.content.startsWith(CONDENSE_PREFIX)).toBe(true);
    const prompt = condense?.find((m) => m.role === 'user')?.content ?? '';
    expect(prompt).toContain(`User: ${FIRST}`);
    expect(prompt).toContain('Assistant: Heihe lies directly across the Amur River from Blagoveshchensk, Russia [1].');
    expect(questionOf(condense ?? [])).toBe('And what is its population?');
    // Condensing is a plain (non-streamed) completion.
    expect((calls[0]?.body as { stream?: boolean }).stream).not.toBe(true);
    // 2. The answer prompt asks the rewritten question.
    expect(isCondense(answer ?? [])).toBe(false);
    expect(questionOf(answer ?? [])).toBe(REWRITTEN);
    expect(passagesOf(answer ?? []).length).toBe(5);

    expect(a.question).toBe(REWRITTEN);
    expect(a.mode).toBe('llm');
    expect(a.grounded).toBe(true);
    expectWellFormedAnswer(a, srv.config.corpusDir);
  });

  test('retrieval uses the rewrite: the passages sent to the model are about population', async () => {
    const { calls } = await callsDuring(() => ask(srv.url, { question: 'And what is its population?', history: LLM_HISTORY }));
    const passages = passagesOf(messagesOf(calls[1]));
    expect(passages.some((p) => p.section === 'Population and Demographics')).toBe(true);
  });

  test('quotes around the rewrite are removed', async () => {
    stub.enqueue({ kind: 'text', text: `"${REWRITTEN}"` });
    const a = await ask(srv.url, { question: 'And what is its population?', history: LLM_HISTORY });
    expect(a.question).toBe(REWRITTEN);
  });

  test('a question without history is not sent for rewriting', async () => {
    const { result: a, calls } = await callsDuring(() => ask(srv.url, { question: 'What is the population of Heihe?' }));
    expect(calls).toHaveLength(1);
    expect(isCondense(messagesOf(calls[0]))).toBe(false);
    expect(a.question).toBe('What is the population of Heihe?');
  });

  test('when rewriting fails, the subject is carried offline and the model still answers', async () => {
    stub.enqueue({ kind: 'error', status: 400, message: 'bad request' });
    const { result: a, calls } = await callsDuring(() => ask(srv.url, { question: 'What about the winters there?', history: LLM_HISTORY }));
    expect(calls).toHaveLength(2);
    expect(isCondense(messagesOf(calls[0]))).toBe(true);
    expect(a.question).toMatch(/^What about the winters there\b/);
    expect(a.question).toContain('Heihe');
    expect(questionOf(messagesOf(calls[1]))).toBe(a.question);
    expect(a.mode).toBe('llm');
  });

  test('streamed, the citations event already carries the rewritten question', async () => {
    const s = await askStream(srv.url, { question: 'And what is its population?', history: LLM_HISTORY });
    expect(json<{ question: string }>(s.events[0]).question).toBe(REWRITTEN);
    expect(s.done?.question).toBe(REWRITTEN);
  });
});
