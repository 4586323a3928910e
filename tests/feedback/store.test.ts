/**
 * The feedback store on a real directory: one JSON line per record in a file per UTC day,
 * appended (never truncating what is there), queued so concurrent appends stay whole lines,
 * read back with bad lines skipped, and a typed 503 when the directory cannot be written.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { FeedbackBody } from '../../src/feedback/feedback.js';
import { createFeedbackStore, feedbackFileName, readFeedback } from '../../src/feedback/store.js';
import { tempDir } from '../helpers/test-server.js';

const BODY: FeedbackBody = { question: 'What province is Heihe in?', answer: 'Heilongjiang. [1]', indexVersion: 'abc123', chunkIds: ['c1'], verdict: 'down', note: 'too short' };

let dir: string;
let ids = 0;
let now = new Date('2031-03-04T23:59:59.000Z');
const clock = { now: () => now, newId: () => `id-${++ids}` };

beforeEach(() => {
  dir = path.join(tempDir('heihe-feedback-'), 'nested', 'feedback');
  ids = 0;
  now = new Date('2031-03-04T23:59:59.000Z');
});
afterEach(() => rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));

describe('createFeedbackStore', () => {
  test('creates the directory and appends one JSON line with an id and the time received', async () => {
    const record = await createFeedbackStore(dir, clock).append(BODY);
    expect(record).toEqual({ id: 'id-1', receivedAt: '2031-03-04T23:59:59.000Z', ...BODY });
    const text = readFileSync(path.join(dir, 'feedback-2031-03-04.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([record]);
  });

  test('appends after what a file already holds, and starts a new file on a new day', async () => {
    mkdirSync(dir, { recursive: true });
    const existing = path.join(dir, feedbackFileName(now.toISOString()));
    const before = '{"kept":"a line written earlier, even one that is not a record"}\n';
    writeFileSync(existing, before);
    const store = createFeedbackStore(dir, clock);
    await store.append(BODY);
    await store.append({ ...BODY, verdict: 'up' });
    const after = readFileSync(existing, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length).trimEnd().split('\n')).toHaveLength(2);

    now = new Date('2031-03-05T00:00:01.000Z');
    await store.append(BODY);
    expect(readFileSync(path.join(dir, 'feedback-2031-03-05.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(1);
    expect(readFileSync(existing, 'utf8')).toBe(after);
  });

  test('50 concurrent appends give 50 whole lines', async () => {
    const store = createFeedbackStore(dir, clock);
    const long = 'x'.repeat(20_000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append({ ...BODY, answer: `${i} ${long}` })));
    const lines = readFileSync(path.join(dir, 'feedback-2031-03-04.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(50);
    const answers = lines.map((l) => (JSON.parse(l) as { answer: string }).answer.split(' ')[0]);
    expect(new Set(answers).size).toBe(50);
  });

  test('a directory that cannot be created is a typed 503, and the store keeps working afterwards', async () => {
    const parent = path.dirname(dir);
    mkdirSync(path.dirname(parent), { recursive: true });
    writeFileSync(parent, 'a file where the directory should be');
    const store = createFeedbackStore(dir, clock);
    const err = await store.append(BODY).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'feedback_unavailable', status: 503 });
    expect(readFileSync(parent, 'utf8')).toBe('a file where the directory should be');
    rmSync(parent);
    await expect(store.append(BODY)).resolves.toMatchObject({ id: 'id-2' });
  });
});

describe('readFeedback', () => {
  test('reads every record of every day file in date order and reports lines it cannot read', async () => {
    const store = createFeedbackStore(dir, clock);
    now = new Date('2031-03-05T10:00:00.000Z');
    await store.append({ ...BODY, verdict: 'up' });
    now = new Date('2031-03-04T10:00:00.000Z');
    await store.append(BODY);
    // A torn last line (a crash mid-write), a foreign line, and a file that is not ours.
    writeFileSync(path.join(dir, 'feedback-2031-03-04.jsonl'), '{"id":"torn","receivedAt":"2031\n{"hello":1}\n', { flag: 'a' });
    writeFileSync(path.join(dir, 'notes.txt'), 'not feedback');
    const { records, skipped } = await readFeedback(dir);
    expect(records.map((r) => [r.id, r.verdict])).toEqual([
      ['id-2', 'down'],
      ['id-1', 'up'],
    ]);
    expect(records[0]).toEqual({ id: 'id-2', receivedAt: '2031-03-04T10:00:00.000Z', ...BODY });
    expect(skipped).toEqual(['feedback-2031-03-04.jsonl:2', 'feedback-2031-03-04.jsonl:3']);
  });

  test('a directory that does not exist holds no feedback', async () => {
    await expect(readFeedback(path.join(dir, 'missing'))).resolves.toEqual({ records: [], skipped: [] });
  });
});
