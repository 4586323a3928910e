/**
 * Thumbs-down feedback becomes a draft question set in the eval format, as a pure function
 * and through `npm run feedback -- --export` (the CLI as a child process: files, exit codes,
 * never overwriting an existing file).
 */
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FeedbackRecord } from '../../src/feedback/feedback.js';
import { draftQuestionSet, toJsonLines } from '../../src/feedback/export.js';
import { createFeedbackStore } from '../../src/feedback/store.js';
import type { EvalCase } from '../../scripts/eval-score.js';
import { tempDir } from '../helpers/test-server.js';
import { childEnv, collect, spawnTs } from '../helpers/reindex-fixtures.js';

const record = (over: Partial<FeedbackRecord>): FeedbackRecord => ({
  id: 'f0',
  receivedAt: '2031-01-01T00:00:00.000Z',
  question: 'What province is Heihe in?',
  answer: 'Heilongjiang. [1]',
  indexVersion: 'v1',
  chunkIds: ['c1'],
  verdict: 'down',
  ...over,
});

describe('draftQuestionSet', () => {
  test('one draft per question voted down, in the eval format, with what the readers saw and said', () => {
    const drafts = draftQuestionSet([
      record({ id: 'a1-b2', question: 'How many people live in Heihe?', answer: 'Wrong. [1]', note: 'it is 1.5 million', chunkIds: ['c1', 'c2'] }),
      record({ id: 'up1', verdict: 'up', question: 'Where is Heihe?' }),
      record({ id: 'a3', question: '  how many people   live in Heihe? ', answer: 'Wrong. [1]', receivedAt: '2031-01-02T00:00:00.000Z', indexVersion: 'v2', chunkIds: ['c2', 'c3'] }),
      record({ id: 'a4', question: 'Is there a zoo?', answer: "The corpus doesn't say." }),
    ]);
    expect(drafts).toEqual([
      {
        id: 'fb-a1b2',
        question: 'How many people live in Heihe?',
        evidence: [],
        facts: [],
        draft: { answers: ['Wrong. [1]'], notes: ['it is 1.5 million'], indexVersions: ['v1', 'v2'], chunkIds: ['c1', 'c2', 'c3'], votes: 2, firstAt: '2031-01-01T00:00:00.000Z', lastAt: '2031-01-02T00:00:00.000Z' },
      },
      {
        id: 'fb-a4',
        question: 'Is there a zoo?',
        evidence: [],
        facts: [],
        draft: { answers: ["The corpus doesn't say."], notes: [], indexVersions: ['v1'], chunkIds: ['c1'], votes: 1, firstAt: '2031-01-01T00:00:00.000Z', lastAt: '2031-01-01T00:00:00.000Z' },
      },
    ]);
    // Each line reads as an eval case.
    const cases = toJsonLines(drafts).trimEnd().split('\n').map((l) => JSON.parse(l) as EvalCase);
    expect(cases.map((c) => [c.id, c.question, c.evidence, c.facts])).toEqual(drafts.map((d) => [d.id, d.question, [], []]));
  });

  test('no thumbs-down, no drafts', () => {
    expect(draftQuestionSet([record({ verdict: 'up' })])).toEqual([]);
    expect(toJsonLines([])).toBe('');
  });
});

describe('npm run feedback -- --export (child process)', () => {
  let dir: string;
  let feedbackDir: string;
  beforeAll(async () => {
    dir = tempDir('heihe-feedback-cli-');
    feedbackDir = path.join(dir, 'feedback');
    const store = createFeedbackStore(feedbackDir);
    await store.append({ question: 'What is the population of Heihe?', answer: "The corpus doesn't say.", indexVersion: 'v1', chunkIds: ['c9'], verdict: 'down', note: 'the corpus says 1.5 million' });
    await store.append({ question: 'Where is Heihe?', answer: 'On the Amur. [1]', indexVersion: 'v1', chunkIds: ['c1'], verdict: 'up' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => collect(spawnTs('src/cli/feedback.ts', args, childEnv({ FEEDBACK_DIR: feedbackDir })));

  test('without --export it summarises and writes nothing', { timeout: 60_000 }, async () => {
    const before = readdirSync(feedbackDir);
    const r = await run([]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`2 feedback records in ${feedbackDir}: 1 up, 1 down`);
    expect(readdirSync(feedbackDir)).toEqual(before);
  });

  test('--export writes the thumbs-down ones to a new file; an existing --out file is refused and left alone', { timeout: 60_000 }, async () => {
    const r = await run(['--export']);
    expect(r.code, r.stderr).toBe(0);
    const written = readdirSync(feedbackDir).filter((n) => n.startsWith('eval-draft-'));
    expect(written).toHaveLength(1);
    const lines = readFileSync(path.join(feedbackDir, written[0]!), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as EvalCase & { draft: { notes: string[] } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ question: 'What is the population of Heihe?', evidence: [], facts: [], draft: { notes: ['the corpus says 1.5 million'] } });
    expect(r.stderr).toContain('wrote 1 draft question(s)');

    const out = path.join(dir, 'taken.jsonl');
    writeFileSync(out, 'precious\n');
    const refused = await run(['--export', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(readFileSync(out, 'utf8')).toBe('precious\n');

    const fresh = path.join(dir, 'fresh.jsonl');
    expect((await run(['--export', '--out', fresh])).code).toBe(0);
    expect(existsSync(fresh)).toBe(true);
    expect(readFileSync(fresh, 'utf8')).toBe(readFileSync(path.join(feedbackDir, written[0]!), 'utf8'));

    const stdout = await run(['--export', '--out', '-']);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(readFileSync(fresh, 'utf8'));
  });
});
