/**
 * Feedback storage: JSON lines appended to one file per UTC day under FEEDBACK_DIR
 * (`feedback-YYYY-MM-DD.jsonl`). Files are only ever opened for appending, so nothing stored
 * is overwritten or truncated, and no part of a file name comes from a request. Appends from
 * one process are queued so lines never interleave.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { feedbackRecordSchema, type FeedbackBody, type FeedbackRecord } from './feedback.js';

export interface FeedbackStore {
  /** Stores one piece of feedback and returns the stored record. */
  append(body: FeedbackBody): Promise<FeedbackRecord>;
}

export interface StoredFeedback {
  readonly records: FeedbackRecord[];
  /** Lines that are not valid records (a torn last line after a crash, hand edits), by file:line. */
  readonly skipped: string[];
}

const FILE = /^feedback-\d{4}-\d{2}-\d{2}\.jsonl$/;

export const feedbackFileName = (receivedAt: string): string => `feedback-${receivedAt.slice(0, 10)}.jsonl`;

export function createFeedbackStore(dir: string, clock: { now: () => Date; newId: () => string } = { now: () => new Date(), newId: randomUUID }): FeedbackStore {
  let queue: Promise<unknown> = Promise.resolve();
  const write = async (record: FeedbackRecord): Promise<void> => {
    try {
      await mkdir(dir, { recursive: true });
      // Flag 'a' (O_APPEND): creates the file or appends to it; it never truncates.
      await appendFile(path.join(dir, feedbackFileName(record.receivedAt)), `${JSON.stringify(record)}\n`, { flag: 'a', mode: 0o600 });
    } catch (err) {
      throw new AppError('feedback_unavailable', 503, 'Feedback cannot be stored right now; please try again later.', { cause: err });
    }
  };
  return {
    append(body) {
      const record: FeedbackRecord = { id: clock.newId(), receivedAt: clock.now().toISOString(), ...body };
      const done = queue.then(() => write(record));
      queue = done.catch(() => {});
      return done.then(() => record);
    },
  };
}

/** Reads every stored record, oldest file first; a missing directory holds none. */
export async function readFeedback(dir: string): Promise<StoredFeedback> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => FILE.test(n)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], skipped: [] };
    throw err;
  }
  const records: FeedbackRecord[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    const lines = (await readFile(path.join(dir, name), 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const record = feedbackRecordSchema.safeParse(parsed);
      if (record.success) records.push(record.data);
      else skipped.push(`${name}:${i + 1}`);
    });
  }
  return { records, skipped };
}
