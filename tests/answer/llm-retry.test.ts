import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenAILlm, fromUpstream, retryAfterMs, retryable, withRetries } from '../../src/answer/llm-client.js';
import { UpstreamError } from '../../src/errors.js';
import { startOpenAIStub, type OpenAIStub } from '../helpers/openai-stub.js';

const httpError = (status: number): Error => Object.assign(new Error(`HTTP ${status}`), { status });

/** An attempt that fails with the given errors in turn, then succeeds with its call count. */
function flaky(errors: readonly unknown[]): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const err = errors[calls++];
      if (err !== undefined) throw err;
      return `ok after ${calls}`;
    },
    calls: () => calls,
  };
}

describe('retryable', () => {
  it('retries rate limits, server faults and network errors', () => {
    expect(retryable(httpError(429))).toBe(true);
    expect(retryable(httpError(500))).toBe(true);
    expect(retryable(httpError(503))).toBe(true);
    expect(retryable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('does not retry what did not come from the upstream: a bug is not an upstream failure', () => {
    expect(retryable(new TypeError("Cannot read properties of undefined (reading 'text')"))).toBe(false);
    expect(retryable(new RangeError('Invalid array length'))).toBe(false);
    expect(retryable(new Error('ECONNRESET'))).toBe(false);
  });

  it('does not retry client errors, aborts, timeouts or final errors', () => {
    expect(retryable(httpError(400))).toBe(false);
    expect(retryable(httpError(401))).toBe(false);
    expect(retryable(httpError(404))).toBe(false);
    expect(retryable(new DOMException('aborted', 'AbortError'))).toBe(false);
    expect(retryable(new DOMException('timed out', 'TimeoutError'))).toBe(false);
    expect(retryable(Object.assign(new Error('stream cut after output'), { final: true }))).toBe(false);
  });
});

describe('fromUpstream', () => {
  it('knows HTTP errors, connection errors and cut sockets (on the error or its cause)', () => {
    expect(fromUpstream(httpError(400))).toBe(true);
    expect(fromUpstream(Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' }))).toBe(true);
    const cut = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(fromUpstream(cut)).toBe(true);
    expect(retryable(cut)).toBe(true);
    expect(fromUpstream(new DOMException('timed out', 'TimeoutError'))).toBe(true);
  });

  it('does not take our own errors for the upstream', () => {
    expect(fromUpstream(new TypeError('x is not a function'))).toBe(false);
    expect(fromUpstream(new TypeError('wrapped', { cause: new RangeError('deep') }))).toBe(false);
    expect(fromUpstream('a string')).toBe(false);
    expect(fromUpstream(undefined)).toBe(false);
  });
});

describe('retryAfterMs', () => {
  const withHeaders = (headers: Record<string, string>): Error => Object.assign(httpError(429), { headers: new Headers(headers) });
  it('reads seconds, OpenAI\'s retry-after-ms, and an HTTP date', () => {
    expect(retryAfterMs(withHeaders({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(withHeaders({ 'retry-after': '0.5' }))).toBe(500);
    expect(retryAfterMs(withHeaders({ 'retry-after-ms': '150', 'retry-after': '9' }))).toBe(150);
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(retryAfterMs(withHeaders({ 'retry-after': 'Tue, 01 Dec 2026 10:00:07 GMT' }), now)).toBe(7000);
    expect(retryAfterMs(withHeaders({ 'retry-after': 'Tue, 01 Dec 2026 09:59:00 GMT' }), now)).toBe(0);
    expect(retryAfterMs(Object.assign(httpError(429), { headers: { 'retry-after': '3' } }))).toBe(3000);
  });
  it('is null when the upstream did not say, or said nonsense', () => {
    expect(retryAfterMs(httpError(429))).toBeNull();
    expect(retryAfterMs(withHeaders({ 'retry-after': 'soon' }))).toBeNull();
  });
});

describe('withRetries', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('returns the first success', async () => {
    const f = flaky([]);
    await expect(withRetries(f.attempt, { retries: 3, signal: new AbortController().signal, baseDelayMs: 1 })).resolves.toBe('ok after 1');
    expect(f.calls()).toBe(1);
  });

  it('retries retryable failures until one succeeds', async () => {
    const f = flaky([httpError(503), httpError(429)]);
    await expect(withRetries(f.attempt, { retries: 2, signal: new AbortController().signal, baseDelayMs: 1 })).resolves.toBe('ok after 3');
    expect(f.calls()).toBe(3);
  });

  it('gives up after 1 + retries attempts with the last error', async () => {
    const last = httpError(502);
    const f = flaky([httpError(500), httpError(503), last, httpError(500)]);
    await expect(withRetries(f.attempt, { retries: 2, signal: new AbortController().signal, baseDelayMs: 1 })).rejects.toBe(last);
    expect(f.calls()).toBe(3);
  });

  it('does not retry with retries = 0', async () => {
    const f = flaky([httpError(503)]);
    await expect(withRetries(f.attempt, { retries: 0, signal: new AbortController().signal, baseDelayMs: 1 })).rejects.toMatchObject({ status: 503 });
    expect(f.calls()).toBe(1);
  });

  it('does not retry an error that is not retryable', async () => {
    const f = flaky([httpError(401)]);
    await expect(withRetries(f.attempt, { retries: 5, signal: new AbortController().signal, baseDelayMs: 1 })).rejects.toMatchObject({ status: 401 });
    expect(f.calls()).toBe(1);
  });

  it('does not retry once the signal has aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const attempt = async (): Promise<string> => {
      calls++;
      controller.abort(new Error('client went away'));
      throw httpError(503);
    };
    await expect(withRetries(attempt, { retries: 3, signal: controller.signal, baseDelayMs: 1 })).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(1);
  });

  it('stops waiting as soon as the signal aborts during the backoff', async () => {
    const controller = new AbortController();
    const reason = new Error('client went away');
    const f = flaky([httpError(503), httpError(503)]);
    const started = performance.now();
    const run = withRetries(f.attempt, { retries: 3, signal: controller.signal, baseDelayMs: 60_000 });
    setTimeout(() => controller.abort(reason), 20);
    await expect(run).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(f.calls()).toBe(1);
  });

  it('waits what Retry-After asks instead of backing off', async () => {
    vi.useFakeTimers();
    const limited = Object.assign(httpError(429), { headers: new Headers({ 'retry-after': '3' }) });
    const f = flaky([limited]);
    const run = withRetries(f.attempt, { retries: 2, signal: new AbortController().signal, baseDelayMs: 10 });
    await vi.advanceTimersByTimeAsync(2999);
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    await expect(run).resolves.toBe('ok after 2');
  });

  it('gives up at once when the wait asked for would pass the deadline', async () => {
    let clock = 1000;
    const limited = Object.assign(httpError(429), { headers: new Headers({ 'retry-after': '30' }) });
    const f = flaky([limited]);
    await expect(withRetries(f.attempt, { retries: 2, signal: new AbortController().signal, deadlineAt: clock + 20_000, now: () => clock })).rejects.toBe(limited);
    expect(f.calls()).toBe(1);
    // The same holds for a backoff that no longer fits.
    clock = 0;
    const g = flaky([httpError(503)]);
    await expect(withRetries(g.attempt, { retries: 2, signal: new AbortController().signal, baseDelayMs: 1000, deadlineAt: 500, now: () => clock })).rejects.toMatchObject({ status: 503 });
    expect(g.calls()).toBe(1);
  });

  it('does not retry a bug', async () => {
    const bug = new TypeError('x is not a function');
    const f = flaky([bug]);
    await expect(withRetries(f.attempt, { retries: 3, signal: new AbortController().signal, baseDelayMs: 1 })).rejects.toBe(bug);
    expect(f.calls()).toBe(1);
  });

  it('backs off exponentially', async () => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter: factor 0.75 + 0.5 * 0.5 = 1
    const f = flaky([httpError(503), httpError(503), httpError(503)]);
    const run = withRetries(f.attempt, { retries: 3, signal: new AbortController().signal, baseDelayMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.calls()).toBe(1);
    for (const [wait, callsAfter] of [
      [1000, 2],
      [2000, 3],
      [4000, 4],
    ] as const) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(f.calls()).toBe(callsAfter - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(f.calls()).toBe(callsAfter);
    }
    await expect(run).resolves.toBe('ok after 4');
  });

  it('jitters each wait between 75% and 125% of its base', async () => {
    vi.useFakeTimers();
    const random = vi.spyOn(Math, 'random');
    for (const [r, expected] of [
      [0, 750],
      [0.998, 1249],
    ] as const) {
      random.mockReturnValue(r);
      const f = flaky([httpError(503)]);
      const run = withRetries(f.attempt, { retries: 1, signal: new AbortController().signal, baseDelayMs: 1000 });
      await vi.advanceTimersByTimeAsync(Math.ceil(expected) - 1);
      expect(f.calls()).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(f.calls()).toBe(2);
      await run;
    }
  });
});

/** Runs `fn` against a fresh OpenAI stub, closed afterwards. */
async function withStub(fn: (stub: OpenAIStub) => Promise<void>): Promise<void> {
  const stub = await startOpenAIStub();
  try {
    await fn(stub);
  } finally {
    await stub.close();
  }
}

describe('the OpenAI client against the stub', () => {
  it('reads Retry-After off the real error of a 429, retries and answers', () =>
    withStub(async (stub) => {
      stub.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 1 });
      const once = createOpenAILlm({ apiKey: 'sk-test', baseURL: `${stub.url}/v1`, model: 'stub', timeoutMs: 10_000, maxRetries: 0 });
      const err = await once.answer('Q?', [], {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      // What withRetries waits (its timing is tested with fake timers above).
      expect(retryAfterMs((err as UpstreamError).cause)).toBe(1000);
      stub.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 1 }, { kind: 'text', text: 'Heihe is in Heilongjiang [1].' });
      const llm = createOpenAILlm({ apiKey: 'sk-test', baseURL: `${stub.url}/v1`, model: 'stub', timeoutMs: 10_000, maxRetries: 2 });
      await expect(llm.answer('Q?', [], {})).resolves.toBe('Heihe is in Heilongjiang [1].');
      expect(stub.chatRequests()).toHaveLength(3);
    }));

  it('falls back at once when Retry-After is past the deadline', () =>
    withStub(async (stub) => {
      stub.enqueue({ kind: 'error', status: 429, retryAfterSeconds: 120 }, { kind: 'text', text: 'never asked for' });
      const llm = createOpenAILlm({ apiKey: 'sk-test', baseURL: `${stub.url}/v1`, model: 'stub', timeoutMs: 10_000, maxRetries: 2 });
      await expect(llm.answer('Q?', [], { deadlineAt: performance.now() + 5000 })).rejects.toBeInstanceOf(UpstreamError);
      expect(stub.chatRequests()).toHaveLength(1);
    }));

  it('rethrows a bug in the caller as it is: no retry, no UpstreamError (so no silent fallback)', () =>
    withStub(async (stub) => {
      stub.setFallback(() => ({ kind: 'text', text: 'Heihe is in Heilongjiang [1].' }));
      const llm = createOpenAILlm({ apiKey: 'sk-test', baseURL: `${stub.url}/v1`, model: 'stub', timeoutMs: 10_000, maxRetries: 2 });
      const bug = new TypeError('onText is broken');
      await expect(
        llm.answer('Q?', [], {
          onText: () => {
            throw bug;
          },
        }),
      ).rejects.toBe(bug);
      expect(stub.chatRequests()).toHaveLength(1);
    }));
});
