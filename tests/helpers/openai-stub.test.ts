/**
 * Tests for the local OpenAI stub, driven by the real `@langchain/openai` clients
 * (ChatOpenAI / OpenAIEmbeddings). A fetch guard fails any request not aimed at 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { startOpenAIStub, stubEmbedding, textReply } from './openai-stub.js';
import type { OpenAIStub, RecordedRequest } from './openai-stub.js';

const realFetch = globalThis.fetch;
const fetchedUrls: string[] = [];
const foreignUrls: string[] = [];

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

beforeAll(() => {
  vi.stubEnv('LANGSMITH_TRACING', 'false');
  vi.stubEnv('LANGCHAIN_TRACING_V2', 'false');
  vi.stubEnv('LANGCHAIN_TRACING', 'false');
  // The openai SDK captures globalThis.fetch when a client is constructed, so install the guard first.
  globalThis.fetch = (input, init) => {
    const url = requestUrl(input);
    fetchedUrls.push(url);
    if (new URL(url).hostname !== '127.0.0.1') {
      foreignUrls.push(url);
      return Promise.reject(new Error(`network access outside 127.0.0.1 blocked: ${url}`));
    }
    return realFetch(input, init);
  };
});

afterAll(() => {
  globalThis.fetch = realFetch;
  vi.unstubAllEnvs();
  expect(foreignUrls).toEqual([]);
  // The guard really sat in the SDK's path (only the SDK calls /v1/embeddings here).
  expect(fetchedUrls.some((u) => u.endsWith('/v1/embeddings'))).toBe(true);
});

let stub: OpenAIStub;
let baseURL: string;

beforeEach(async () => {
  stub = await startOpenAIStub();
  baseURL = `${stub.url}/v1`;
});

afterEach(async () => {
  await stub.close();
});

function chat(extra: { maxRetries?: number; timeout?: number } = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: 'stub-model',
    apiKey: 'test',
    configuration: { baseURL },
    maxRetries: extra.maxRetries ?? 0,
    ...(extra.timeout !== undefined ? { timeout: extra.timeout } : {}),
  });
}

function embedder(extra: { dimensions?: number; encodingFormat?: 'float' | 'base64' } = {}): OpenAIEmbeddings {
  return new OpenAIEmbeddings({
    model: 'stub-embed',
    apiKey: 'test',
    configuration: { baseURL },
    maxRetries: 0,
    ...extra,
  });
}

function bodyOf(req: RecordedRequest | undefined): Record<string, unknown> {
  const body = req?.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('no JSON body recorded');
  return body as Record<string, unknown>;
}

/**
 * Output tokens from a message's usage_metadata. @langchain/core 1.4.0 types `usage_metadata` as
 * `never` for the default message structure, so read it as unknown and narrow.
 */
function outputTokens(msg: { usage_metadata?: unknown }): number | undefined {
  const usage = msg.usage_metadata;
  if (typeof usage !== 'object' || usage === null || !('output_tokens' in usage)) return undefined;
  return typeof usage.output_tokens === 'number' ? usage.output_tokens : undefined;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

describe('openai stub: chat completions', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(new URL(stub.url).hostname).toBe('127.0.0.1');
    expect(Number(new URL(stub.url).port)).toBeGreaterThan(0);
  });

  it('answers a non-streamed completion and records the request', async () => {
    stub.enqueue(textReply('Heihe lies on the Amur river.'));
    const msg = await chat().invoke('Where is Heihe?');

    expect(msg.content).toBe('Heihe lies on the Amur river.');
    expect(outputTokens(msg)).toBe(6);
    expect(msg.response_metadata['finish_reason']).toBe('stop');

    expect(stub.requests).toHaveLength(1);
    const req = stub.chatRequests()[0];
    expect(req?.path).toBe('/v1/chat/completions');
    expect(req?.headers['authorization']).toBe('Bearer test');
    expect(req?.aborted).toBe(false);
    const body = bodyOf(req);
    expect(body['model']).toBe('stub-model');
    expect(body['stream']).toBe(false);
    expect(body['stream_options']).toBeUndefined();
    expect(body['messages']).toEqual([{ role: 'user', content: 'Where is Heihe?' }]);
  });

  it('lets the fallback answer from the prompt, with content parts normalised to strings', async () => {
    const seen: Array<Array<{ role: string; content: string }>> = [];
    stub.setFallback((messages) => {
      seen.push(messages);
      const last = messages[messages.length - 1];
      return textReply(`echo: ${last?.content ?? ''}`);
    });
    const msg = await chat().invoke([
      new SystemMessage('Be brief.'),
      new HumanMessage({
        content: [
          { type: 'text', text: 'part one' },
          { type: 'text', text: 'part two' },
        ],
      }),
    ]);
    expect(msg.content).toBe('echo: part one\npart two');
    expect(seen[0]).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'part one\npart two' },
    ]);
  });

  it('consumes queued replies in order before falling back', async () => {
    stub.enqueue(textReply('first'), textReply('second'));
    const model = chat();
    expect((await model.invoke('a')).content).toBe('first');
    expect((await model.invoke('b')).content).toBe('second');
    expect((await model.invoke('c')).content).toBe('Stub reply.');
  });

  it('streams a completion in several chunks, with a usage chunk', async () => {
    const text = 'Heihe faces Blagoveshchensk across the Amur river in winter and summer.';
    stub.enqueue(textReply(text));
    const contents: string[] = [];
    let usageTokens: number | undefined;
    for await (const chunk of await chat().stream('Tell me about Heihe')) {
      if (typeof chunk.content === 'string' && chunk.content.length > 0) contents.push(chunk.content);
      usageTokens = outputTokens(chunk) ?? usageTokens;
    }
    expect(contents.length).toBeGreaterThanOrEqual(3);
    expect(contents.join('')).toBe(text);
    expect(usageTokens).toBe(11);

    const body = bodyOf(stub.chatRequests()[0]);
    expect(body['stream']).toBe(true);
    expect(body['stream_options']).toEqual({ include_usage: true });
    expect(stub.chatRequests()[0]?.aborted).toBe(false);
  });

  it('answers a slow reply after the delay', async () => {
    stub.enqueue({ kind: 'slow', text: 'eventually', delayMs: 150 });
    const t0 = Date.now();
    const msg = await chat().invoke('hi');
    expect(msg.content).toBe('eventually');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });
});

describe('openai stub: errors and faults', () => {
  it('surfaces a 429 as an error (maxRetries 0)', async () => {
    stub.enqueue({ kind: 'error', status: 429, message: 'Rate limit reached for requests' });
    await expect(chat().invoke('hi')).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining('Rate limit reached') as unknown,
      lc_error_code: 'MODEL_RATE_LIMIT',
    });
    expect(stub.chatRequests()).toHaveLength(1);
  });

  it('surfaces a 500 as an error (maxRetries 0)', async () => {
    stub.enqueue({ kind: 'error', status: 500, message: 'The server had an error' });
    await expect(chat().invoke('hi')).rejects.toMatchObject({ status: 500 });
    expect(stub.chatRequests()).toHaveLength(1);
  });

  it('surfaces an error on a streamed request before any chunk', async () => {
    stub.enqueue({ kind: 'error', status: 500 });
    const run = async (): Promise<void> => {
      for await (const _chunk of await chat().stream('hi')) {
        // drain
      }
    };
    await expect(run()).rejects.toMatchObject({ status: 500 });
  });

  it('retry quirks: a 500 is retried by LangChain (not the SDK); a header-less 429 is not', async () => {
    stub.enqueue({ kind: 'error', status: 500 }, textReply('second time lucky'));
    const msg = await chat({ maxRetries: 1 }).invoke('hi');
    expect(msg.content).toBe('second time lucky');
    const reqs = stub.chatRequests();
    expect(reqs).toHaveLength(2);
    // LangChain sets the SDK's own maxRetries to 0 and retries via AsyncCaller: each attempt is a "first" SDK try.
    expect(reqs.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '0']);

    stub.enqueue({ kind: 'error', status: 429 });
    await expect(chat({ maxRetries: 2 }).invoke('hi')).rejects.toMatchObject({ status: 429 });
    expect(stub.chatRequests()).toHaveLength(3);
  }, 10_000);

  it('a hang is ended by the client AbortSignal and recorded as aborted', async () => {
    stub.enqueue({ kind: 'hang' });
    await expect(chat().invoke('hi', { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await vi.waitFor(() => expect(stub.chatRequests()[0]?.aborted).toBe(true));
  });

  it('a hang is ended by the client timeout option and recorded as aborted', async () => {
    stub.enqueue({ kind: 'hang' });
    await expect(chat({ timeout: 200 }).invoke('hi')).rejects.toThrow(/timed out/i);
    await vi.waitFor(() => expect(stub.chatRequests()[0]?.aborted).toBe(true));
  });

  it('aborting a streamed reply mid-way is recorded as aborted', async () => {
    stub.enqueue({ kind: 'slow', text: 'never seen', delayMs: 5_000 });
    const controller = new AbortController();
    const run = async (): Promise<void> => {
      for await (const _chunk of await chat().stream('hi', { signal: controller.signal })) {
        // drain
      }
    };
    const pending = run();
    await vi.waitFor(() => expect(stub.chatRequests()).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(stub.chatRequests()[0]?.aborted).toBe(true));
  });

  it('a cut stream makes the client stream throw after the first chunks', async () => {
    stub.enqueue({ kind: 'cut', text: 'one two three four five six seven eight', afterChunks: 2 });
    const contents: string[] = [];
    const run = async (): Promise<void> => {
      for await (const chunk of await chat().stream('hi')) {
        if (typeof chunk.content === 'string' && chunk.content.length > 0) contents.push(chunk.content);
      }
    };
    await expect(run()).rejects.toThrow();
    expect(contents).toHaveLength(2);
    expect(contents.join('')).toBe('one two three four ');
    // The stub cut the connection itself: that is not a client abort.
    expect(stub.chatRequests()[0]?.aborted).toBe(false);
  });

  it('a cut on a non-streamed request makes invoke throw', async () => {
    stub.enqueue({ kind: 'cut', text: 'x', afterChunks: 0 });
    await expect(chat().invoke('hi')).rejects.toThrow();
  });

  it('close() ends hanging requests', async () => {
    stub.enqueue({ kind: 'hang' });
    const pending = chat().invoke('hi');
    await vi.waitFor(() => expect(stub.chatRequests()).toHaveLength(1));
    await stub.close();
    await expect(pending).rejects.toThrow();
    await stub.close(); // idempotent
  });

  it('returns an OpenAI-style 404 for unknown paths and retry-after on errors', async () => {
    const res = await fetch(`${stub.url}/v1/models`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'not_found' } });

    stub.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 7 });
    const err = await fetch(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(err.status).toBe(429);
    expect(err.headers.get('retry-after')).toBe('7');
    expect(await err.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', message: 'Stub error 429' } });
  });
});

describe('openai stub: embeddings', () => {
  it('embeds similar texts closer than unrelated ones (SDK default base64 encoding)', async () => {
    const emb = embedder();
    const [a, b, c] = await emb.embedDocuments([
      'the frozen Amur river at Heihe in winter',
      'Heihe in winter by the frozen Amur river',
      'soybean export statistics and customs tariffs',
    ]);
    if (!a || !b || !c) throw new Error('missing embeddings');
    expect(a).toHaveLength(16);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    expect(cosine(a, b)).toBeGreaterThan(0.9);
    expect(a).not.toEqual(c);

    const q = await emb.embedQuery('frozen river at Heihe');
    expect(cosine(q, a)).toBeGreaterThan(cosine(q, c));

    const reqs = stub.requests.filter((r) => r.path === '/v1/embeddings');
    expect(reqs).toHaveLength(2);
    const body = bodyOf(reqs[0]);
    // openai SDK v6 silently asks for base64 and decodes it itself.
    expect(body['encoding_format']).toBe('base64');
    expect(body['model']).toBe('stub-embed');
    expect(Array.isArray(body['input'])).toBe(true);
    expect(bodyOf(reqs[1])['input']).toBe('frozen river at Heihe');
  });

  it('returns the same vectors for float encoding, honouring dimensions', async () => {
    const text = 'Heihe border trade';
    const viaFloat = await embedder({ encodingFormat: 'float', dimensions: 32 }).embedQuery(text);
    const viaBase64 = await embedder({ dimensions: 32 }).embedQuery(text);
    expect(viaFloat).toHaveLength(32);
    expect(viaBase64).toHaveLength(32);
    viaFloat.forEach((x, i) => expect(viaBase64[i]).toBeCloseTo(x, 6));
    expect(viaFloat.map((x) => Math.fround(x))).toEqual(viaBase64);
    expect(viaFloat).toEqual(stubEmbedding(text, 32));

    const [floatReq, base64Req] = stub.requests;
    expect(bodyOf(floatReq)['encoding_format']).toBe('float');
    expect(bodyOf(floatReq)['dimensions']).toBe(32);
    expect(bodyOf(base64Req)['encoding_format']).toBe('base64');
  });

  it('uses the embeddingDimensions option and never returns a zero vector', async () => {
    const other = await startOpenAIStub({ embeddingDimensions: 8 });
    try {
      const emb = new OpenAIEmbeddings({
        model: 'stub-embed',
        apiKey: 'test',
        configuration: { baseURL: `${other.url}/v1` },
        maxRetries: 0,
      });
      const [v, empty] = await emb.embedDocuments(['abc def', '']);
      expect(v).toHaveLength(8);
      expect(Math.hypot(...(empty ?? []))).toBeCloseTo(1, 5);
    } finally {
      await other.close();
    }
  });
});
