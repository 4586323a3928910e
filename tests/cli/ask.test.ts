/**
 * The ask CLI as a child process (node --import tsx src/cli/ask.ts): an answer with its cited
 * sources, and --explain saying whether and why the offline answerer answers.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { childEnv, collect, spawnTs } from '../helpers/reindex-fixtures.js';

let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dir = tempDir('heihe-ask-cli-');
  env = childEnv({ CORPUS_DIR: path.join(PROJECT_ROOT, 'corpus'), INDEX_DIR: path.join(dir, 'index') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('--explain prints the decision, the features that moved it with what they measure, and the best sentences; then the answer', { timeout: 120_000 }, async () => {
  const run = await collect(spawnTs('src/cli/ask.ts', ['--explain', 'Which province is Heihe in?'], env));
  expect(run.stderr).not.toMatch(/Error|at .*\.ts:\d+/);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^P\(answerable\) 0\.\d{3}: answers \(it answers from 0\.\d{3}/m);
  const moved = run.stdout.split('\n').filter((l) => /^ {2}[+-]\d+\.\d{2} {2}\w+ = -?\d+\.\d{2}: \S/.test(l));
  expect(moved).toHaveLength(8);
  expect(run.stdout).toMatch(/^best sentences/m);
  expect(run.stdout).toMatch(/Heilongjiang province.*\[1\]/);
  expect(run.stdout).toMatch(/^\[1\] heihe\.txt — /m);
});

test('--explain on a question the corpus cannot answer says it refuses', { timeout: 120_000 }, async () => {
  const run = await collect(spawnTs('src/cli/ask.ts', ['--explain', 'How do I bake sourdough bread?'], env));
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^P\(answerable\) 0\.\d{3}: refuses/m);
  expect(run.stdout).toMatch(/unknown_\w+ = 1\.00: /);
  expect(run.stdout).toMatch(/grounded: false/);
});
