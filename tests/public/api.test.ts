// @vitest-environment happy-dom
/**
 * What the page makes of the server's replies (public/api.js): SSE frames of /ask as typed
 * stream events (unknown or unreadable ones skipped), answers checked before use, and error
 * bodies turned into messages. The requests themselves run against the real server in the
 * browser test.
 */
import { describe, expect, test } from 'vitest';
import { AskError, errorFromResponse, toAnswer, toStreamEvent } from '../../public/api.js';
import { parseSse } from '../../public/sse.js';
import type { Answer, Citation } from '../../src/types.js';

const citation: Citation = { n: 1, chunkId: 'c1', source: 'heihe.txt', section: 'Geography', text: 'Heihe lies on the Amur.', score: 0.5, quotes: [{ start: 0, end: 23 }] };
const answer: Answer = { answer: 'Heihe lies on the Amur. [1]', grounded: true, citations: [citation], mode: 'extractive', indexVersion: 'v1', question: 'Where is Heihe?' };

describe('toStreamEvent', () => {
  test('reads the four event types the server sends, as the server writes them', () => {
    const text = [
      `event: citations\ndata: ${JSON.stringify({ citations: [citation], question: 'Where is Heihe?', indexVersion: 'v1' })}\n\n`,
      `event: delta\ndata: ${JSON.stringify({ text: 'Heihe ' })}\n\n`,
      `event: done\ndata: ${JSON.stringify({ answer })}\n\n`,
      `event: error\ndata: ${JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } })}\n\n`,
    ].join('');
    expect(parseSse(text).map(toStreamEvent)).toEqual([
      { type: 'citations', citations: [citation], question: 'Where is Heihe?', indexVersion: 'v1' },
      { type: 'delta', text: 'Heihe ' },
      { type: 'done', answer },
      { type: 'error', error: { code: 'internal_error', message: 'Something went wrong on our side.' } },
    ]);
  });

  test('skips frames it cannot use', () => {
    for (const frame of [
      { event: 'delta', data: 'not json' },
      { event: 'delta', data: '{"text": 5}' },
      { event: 'ping', data: '{}' },
      { event: 'citations', data: '{"citations": [{"n": "one"}]}' },
      { event: 'done', data: '{"answer": {"answer": "x"}}' },
      { event: 'message', data: '[1, 2]' },
    ]) {
      expect(toStreamEvent(frame), frame.data).toBeNull();
    }
    // An error event without the usual shape still reports an error.
    expect(toStreamEvent({ event: 'error', data: '{}' })).toEqual({ type: 'error', error: { code: 'stream_error', message: 'The server reported an error.' } });
  });
});

describe('toAnswer', () => {
  test('accepts answers with related passages and quotes; refuses what the page could not show', () => {
    const refusal = { ...answer, grounded: false, citations: [], related: [citation] };
    expect(toAnswer(refusal)).toBe(refusal);
    expect(toAnswer({ ...answer, citations: 'none' })).toBeNull();
    expect(toAnswer({ ...answer, related: [{ n: 1 }] })).toBeNull();
    expect(toAnswer({ ...answer, question: undefined })).toBeNull();
    expect(toAnswer(null)).toBeNull();
  });
});

describe('errorFromResponse', () => {
  test("uses the server's code and message", async () => {
    const err = await errorFromResponse(new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests; slow down.' } }), { status: 429 }));
    expect(err).toBeInstanceOf(AskError);
    expect([err.code, err.message, err.status]).toEqual(['rate_limited', 'Too many requests; slow down.', 429]);
  });

  test('without a JSON body, says what the status means', async () => {
    const limited = await errorFromResponse(new Response('<html>busy</html>', { status: 429 }));
    expect([limited.code, limited.message]).toEqual(['http_429', 'Too many requests. Please wait a moment and try again.']);
    const bad = await errorFromResponse(new Response('oops', { status: 502, statusText: 'Bad Gateway' }));
    expect(bad.message).toBe('The server answered 502 Bad Gateway.');
  });
});
