import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryable, withRetries } from '../../src/answer/llm-client.js';

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

  it('does not retry client errors, aborts, timeouts or final errors', () => {
    expect(retryable(httpError(400))).toBe(false);
    expect(retryable(httpError(401))).toBe(false);
    expect(retryable(httpError(404))).toBe(false);
    expect(retryable(new DOMException('aborted', 'AbortError'))).toBe(false);
    expect(retryable(new DOMException('timed out', 'TimeoutError'))).toBe(false);
    expect(retryable(Object.assign(new Error('stream cut after output'), { final: true }))).toBe(false);
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
