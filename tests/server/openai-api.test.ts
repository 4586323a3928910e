/**
 * The OpenAI-compatible API over the real server (extractive mode, real index), driven by the
 * official `openai` client and by LangChain's ChatOpenAI: models, completions (JSON and
 * streamed), follow-ups, questions the corpus cannot answer, and bad requests.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type OpenAI from 'openai';
import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ask, markers, postJson, squash } from '../helpers/http.js';
import { readSse } from '../helpers/sse.js';
import { answerPart, apiError, expectWellFormedCompletion, extras, MODEL_ID, openaiClient } from '../helpers/openai-client.js';

const RIVER = 'Which river forms the natural boundary between China and Russia?';
const REFUSAL = /corpus doesn't say/i;

let srv: TestServer;
let client: OpenAI;
beforeAll(async () => {
  srv = await startTestServer();
  client = openaiClient(srv.url);
});
afterAll(async () => srv?.close());

const user = (content: string) => ({ role: 'user' as const, content });

/** A streamed completion, read with the SDK: its content, chunks and closing chunk. */
async function streamed(params: Omit<OpenAI.ChatCompletionCreateParamsStreaming, 'stream' | 'model'>) {
  const stream = await client.chat.completions.create({ model: MODEL_ID, stream: true, ...params });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  const stop = chunks.find((c) => c.choices[0]?.finish_reason === 'stop');
  return { chunks, content, stop };
}

describe('GET /v1/models', () => {
  test('lists one model, which can be retrieved; another name is 404 model_not_found', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL_ID]);
    expect(list.data[0]?.object).toBe('model');
    expect((await client.models.retrieve(MODEL_ID)).id).toBe(MODEL_ID);
    const err = await apiError(client.models.retrieve('gpt-4o'));
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
  });
});

describe('POST /v1/chat/completions', () => {
  test('answers grounded: the same answer as /ask, with [n] markers, a sources list and the citations', async () => {
    const c = await client.chat.completions.create({ model: MODEL_ID, messages: [user(RIVER)], temperature: 0.7, max_tokens: 50 });
    expect(c.object).toBe('chat.completion');
    expect(c.model).toBe(MODEL_ID);
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0]?.finish_reason).toBe('stop');
    expect(c.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    const content = c.choices[0]?.message.content ?? '';
    expect(content).toMatch(/Amur/);
    expect(content).toMatch(/\n\nSources:\n- \[1\] heihe\.txt/);
    const a = expectWellFormedCompletion(content, extras(c), srv.config.corpusDir);
    expect(a.grounded).toBe(true);
    expect(markers(a.answer).length).toBeGreaterThan(0);
    const direct = await ask(srv.url, { question: RIVER });
    expect(a.answer).toBe(direct.answer);
    expect(a.citations).toEqual(direct.citations);
    expect(c.system_fingerprint).toBe(direct.indexVersion);
  });

  test('streams chat.completion.chunk events whose content equals the JSON answer', async () => {
    const json = await client.chat.completions.create({ model: MODEL_ID, messages: [user(RIVER)] });
    const s = await streamed({ messages: [user(RIVER)] });
    expect(s.chunks.length).toBeGreaterThan(3);
    expect(s.chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === s.chunks[0]?.id)).toBe(true);
    expect(s.chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(squash(s.content)).toBe(squash(json.choices[0]?.message.content ?? ''));
    expect(s.stop).toBeDefined();
    expectWellFormedCompletion(s.content, extras(s.stop), srv.config.corpusDir);
    expect(extras(s.stop).citations).toEqual(extras(json).citations);
  });

  test('on the wire: text/event-stream, data-only events, ending with data: [DONE]; usage chunk on request', async () => {
    const res = await postJson(`${srv.url}/v1/chat/completions`, { model: MODEL_ID, messages: [user(RIVER)], stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = await readSse(res);
    expect(events.every((e) => e.event === 'message')).toBe(true);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(events.filter((e) => e.data === '[DONE]')).toHaveLength(1);
    const usage = JSON.parse(events.at(-2)?.data ?? '{}') as OpenAI.ChatCompletionChunk;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  test('a follow-up conversation is answered like /ask with the same history', async () => {
    const first = await client.chat.completions.create({ model: MODEL_ID, messages: [user('What kind of climate does Heihe have?')] });
    const firstContent = first.choices[0]?.message.content ?? '';
    expect(firstContent).toMatch(/climate/i);
    const followUp = 'What about the winters there?';
    const c = await client.chat.completions.create({
      model: MODEL_ID,
      messages: [{ role: 'system', content: 'You are a helpful assistant.' }, user('What kind of climate does Heihe have?'), { role: 'assistant', content: firstContent }, user(followUp)],
    });
    const a = expectWellFormedCompletion(c.choices[0]?.message.content ?? '', extras(c), srv.config.corpusDir);
    expect(a.grounded).toBe(true);
    expect(a.answer).toMatch(/winter/i);
    // Rewritten into a standalone question that carries the subject in.
    expect(a.question).not.toBe(followUp);
    expect(a.question).toMatch(/Heihe/);
    const direct = await ask(srv.url, {
      question: followUp,
      history: [
        { role: 'user', content: 'What kind of climate does Heihe have?' },
        { role: 'assistant', content: answerPart(firstContent) },
      ],
    });
    expect(a.answer).toBe(direct.answer);
    expect(a.question).toBe(direct.question);
  });

  test.each(['How do I bake sourdough bread?', 'Who won the 1998 FIFA World Cup?'])('says the corpus does not cover "%s", without markers or sources', async (q) => {
    const c = await client.chat.completions.create({ model: MODEL_ID, messages: [user(q)] });
    const content = c.choices[0]?.message.content ?? '';
    expect(content).toMatch(REFUSAL);
    expect(markers(content)).toEqual([]);
    expect(content).not.toMatch(/Sources:/);
    expect(extras(c).grounding?.grounded).toBe(false);
    const s = await streamed({ messages: [user(q)] });
    expect(squash(s.content)).toBe(squash(content));
  });
});

describe('bad requests', () => {
  const create = (body: Record<string, unknown>) => apiError(client.chat.completions.create({ model: MODEL_ID, messages: [user(RIVER)], ...body } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming));

  test.each([
    ['no messages', { messages: [] }, /messages/],
    ['the last message is not the user', { messages: [user(RIVER), { role: 'assistant', content: 'The Amur.' }] }, /last message must be from the user/],
    ['an unknown role', { messages: [{ role: 'narrator', content: RIVER }] }, /role/],
    ['a question of 2,001 characters', { messages: [user('x'.repeat(2001))] }, /2000 characters/],
    ['a blank question', { messages: [user('   ')] }, /no text/],
    ['n = 2', { n: 2 }, /n must be 1/],
    ['a non-string model', { model: 42 }, /model/],
    ['messages not an array', { messages: 'hi' }, /messages/],
  ])('400 invalid_request for %s, in OpenAI error shape', async (_name, body, message) => {
    const err = await create(body);
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_request', name: 'BadRequestError' });
    expect(err.message).toMatch(message);
  });

  test('an unknown model is 404 model_not_found', async () => {
    expect(await create({ model: 'gpt-4o-mini' })).toMatchObject({ status: 404, code: 'model_not_found', name: 'NotFoundError' });
  });

  test('unknown Chat Completions parameters are accepted and ignored', async () => {
    const c = await client.chat.completions.create({ model: MODEL_ID, messages: [user(RIVER)], seed: 1, user: 'someone', top_p: 0.5, presence_penalty: 0.1, response_format: { type: 'text' } });
    expect(c.choices[0]?.message.content).toMatch(/Amur/);
  });

  test('invalid JSON, a non-JSON body, an unknown /v1 route: status and OpenAI error shape', async () => {
    const cases = [
      { res: await postJson(`${srv.url}/v1/chat/completions`, '{"model": '), status: 400, code: 'invalid_json' },
      { res: await fetch(`${srv.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }), status: 415, code: 'unsupported_media_type' },
      { res: await fetch(`${srv.url}/v1/embeddings`, { method: 'POST' }), status: 404, code: 'not_found' },
    ];
    for (const { res, status, code } of cases) {
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error).toMatchObject({ code, type: 'invalid_request_error', param: null });
    }
  });
});

describe("LangChain's ChatOpenAI pointed at the server", () => {
  const chat = (extra: Record<string, unknown> = {}) => new ChatOpenAI({ model: MODEL_ID, apiKey: 'no-key-needed', maxRetries: 0, configuration: { baseURL: `${srv.url}/v1` }, ...extra });

  test('invoke: the grounded answer with its sources', async () => {
    const reply = await chat().invoke([new SystemMessage('Answer briefly.'), new HumanMessage(RIVER)]);
    expect(typeof reply.content).toBe('string');
    const content = String(reply.content);
    expect(content).toMatch(/Amur/);
    expect(content).toMatch(/Sources:\n- \[\d+\]/);
    expect(answerPart(content)).toBe((await ask(srv.url, { question: RIVER })).answer);
  });

  test('stream: the chunks add up to the same content; a follow-up through message history', async () => {
    const whole = String((await chat().invoke([new HumanMessage(RIVER)])).content);
    let text = '';
    for await (const chunk of await chat({ streaming: true }).stream([new HumanMessage(RIVER)])) text += String(chunk.content);
    expect(squash(text)).toBe(squash(whole));

    const first = await chat().invoke([new HumanMessage('What kind of climate does Heihe have?')]);
    const second = await chat().invoke([new HumanMessage('What kind of climate does Heihe have?'), new AIMessage(String(first.content)), new HumanMessage('What about the winters there?')]);
    expect(String(second.content)).toMatch(/winter/i);
  });
});
