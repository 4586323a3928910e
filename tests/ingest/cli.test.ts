/**
 * The ingest CLI as a child process (node --import tsx src/cli/ingest.ts): exit codes 0 / 1 / 2,
 * the printed summary, the live index untouched on failure, and --watch re-indexing once per
 * burst of changes.
 */
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LOCK_FILE } from '../../src/ingest/lock.js';
import { readCurrent } from '../../src/index-store/layout.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';
import { HEIHE_TEXT, generationChunks, childEnv, collect, freePort, generationEntries, runIngest, spawnTs, waitFor, withMascot } from '../helpers/reindex-fixtures.js';

let dir: string;
let corpusDir: string;
let indexDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  dir = tempDir('heihe-cli-');
  corpusDir = path.join(dir, 'corpus');
  indexDir = path.join(dir, 'index');
  cpSync(path.join(PROJECT_ROOT, 'corpus'), corpusDir, { recursive: true });
  env = childEnv({ CORPUS_DIR: corpusDir, INDEX_DIR: indexDir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('exit 0 with a printed summary; --json prints {version, added, unchanged, removed, embedded, ms}', { timeout: 120_000 }, async () => {
  const first = await runIngest(env);
  expect(first.stderr).not.toMatch(/failed/);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/^files 1, chunks (\d+) \(added \1, unchanged 0, removed 0\)$/m);
  expect(first.stdout).toMatch(/^embedded \d+, reused 0; switched to g-\w+-[0-9a-f]{12}$/m);
  const version = /^version ([0-9a-f]{12}) in \d+ ms$/m.exec(first.stdout)?.[1];
  expect(version).toBeDefined();
  expect(await readCurrent(indexDir)).toMatch(new RegExp(`-${version}$`));

  writeFileSync(path.join(corpusDir, 'heihe.txt'), withMascot(HEIHE_TEXT));
  const second = await runIngest(env, ['--json']);
  expect(second.code).toBe(0);
  const summary = JSON.parse(second.stdout) as Record<string, unknown>;
  expect(summary).toMatchObject({ changed: true, added: 1, removed: 0, embedded: 1 });
  for (const key of ['version', 'added', 'unchanged', 'removed', 'embedded', 'ms']) expect(summary).toHaveProperty(key);
  expect(summary['version']).not.toBe(version);
  console.log(`[cli] ingest child: first run ${Math.round(first.ms)} ms wall, summary ${JSON.stringify(summary)}`);
});

test('exit 1 on an unreadable corpus file, the live index untouched', { timeout: 120_000 }, async () => {
  const current = await readCurrent(indexDir);
  const entries = generationEntries(indexDir);
  const bad = path.join(corpusDir, 'latin1.txt');
  writeFileSync(bad, Buffer.from('Heihe caf\xe9 on the Amur\n', 'latin1'));
  try {
    const r = await runIngest(env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ingest failed, the live index is untouched: corpus_unreadable');
    expect(r.stderr).toContain('latin1.txt');
    expect(await readCurrent(indexDir)).toBe(current);
    expect(generationEntries(indexDir)).toEqual(entries);
    expect(existsSync(path.join(indexDir, LOCK_FILE))).toBe(false);
  } finally {
    rmSync(bad);
  }
});

test('exit 1 on an embedding error (embeddings server unreachable), the live index untouched', { timeout: 120_000 }, async () => {
  const current = await readCurrent(indexDir);
  const entries = generationEntries(indexDir);
  const port = await freePort(); // nothing listens there
  const r = await runIngest({ ...env, EMBEDDINGS_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MAX_RETRIES: '0' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('ingest failed, the live index is untouched: reindex_failed: Embedding the corpus failed');
  expect(await readCurrent(indexDir)).toBe(current);
  expect(generationEntries(indexDir)).toEqual(entries);
  expect(existsSync(path.join(indexDir, LOCK_FILE))).toBe(false);
});

test('exit 2 on bad configuration, naming the variable; nothing touched', { timeout: 120_000 }, async () => {
  const current = await readCurrent(indexDir);
  for (const [key, value] of [
    ['KEEP_GENERATIONS', '0'],
    ['EMBEDDINGS_PROVIDER', 'word2vec'],
  ] as const) {
    const r = await runIngest({ ...env, [key]: value });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid configuration');
    expect(r.stderr).toContain(key);
  }
  expect(await readCurrent(indexDir)).toBe(current);
});

test('--watch re-indexes once per burst of changes (debounced), and again on the next change', { timeout: 120_000 }, async () => {
  const file = path.join(corpusDir, 'heihe.txt');
  writeFileSync(file, HEIHE_TEXT);
  const child = spawnTs('src/cli/ingest.ts', ['--watch', '--json'], env);
  const done = collect(child);
  const lines: Array<{ changed: boolean; embedded: number; version: string }> = [];
  let buffered = '';
  child.stdout?.on('data', (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, nl)) as (typeof lines)[number]);
      buffered = buffered.slice(nl + 1);
    }
  });
  try {
    await waitFor(() => lines.length === 1, 60_000, 'the initial run');
    expect(lines[0]).toMatchObject({ changed: true, embedded: 0 }); // back to the original text: vectors reused
    // Wait until the watcher is set up (it is, right after the first run is printed).
    await new Promise((r) => setTimeout(r, 300));
    // A burst of saves, 60 ms apart: one re-index, of the final text.
    for (let i = 1; i <= 4; i++) {
      writeFileSync(file, `${HEIHE_TEXT.trimEnd()}\n\nDraft ${i}: the Heihe night market opens in May.\n`);
      await new Promise((r) => setTimeout(r, 60));
    }
    writeFileSync(file, withMascot(HEIHE_TEXT));
    await waitFor(() => lines.length >= 2, 15_000, 'a re-index after the burst');
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ changed: true, embedded: 1 });
    expect(generationChunks(indexDir, (await readCurrent(indexDir)) ?? '').some((c) => c.text.includes('Lumi'))).toBe(true);

    writeFileSync(file, HEIHE_TEXT);
    await waitFor(() => lines.length >= 3, 15_000, 'a re-index after the next change');
    expect(lines[2]).toMatchObject({ changed: true, embedded: 0, removed: 1 });
    expect(lines[2]?.version).toBe(lines[0]?.version);
  } finally {
    child.kill('SIGTERM');
    await done;
  }
});
