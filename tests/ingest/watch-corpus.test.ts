/**
 * watchCorpus with a fake run: debounced, never overlapping (a change during a run makes one
 * more run), and a run refused with 409 (another re-index holds the lock) is retried.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { watchCorpus, type CorpusWatcher } from '../../src/ingest/watch-corpus.js';
import { ReindexError } from '../../src/errors.js';
import { tempDir } from '../helpers/test-server.js';
import { sleep, waitFor } from '../helpers/reindex-fixtures.js';

let dir: string;
let watcher: CorpusWatcher | null = null;
beforeEach(() => {
  dir = tempDir('heihe-watch-unit-');
  mkdirSync(path.join(dir, 'sub'));
});
afterEach(() => {
  watcher?.close();
  watcher = null;
  rmSync(dir, { recursive: true, force: true });
});

test('a burst of changes (also in subdirectories) makes one run; a change during a run makes exactly one more', async () => {
  let runs = 0;
  let active = 0;
  let maxActive = 0;
  let release: (() => void) | null = null;
  watcher = watchCorpus(
    dir,
    async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      if (runs === 1) await new Promise<void>((r) => (release = r));
      active--;
      return runs;
    },
    { debounceMs: 150 },
  );
  await sleep(100);
  for (let i = 0; i < 5; i++) {
    writeFileSync(path.join(dir, i % 2 ? 'a.txt' : 'sub/b.md'), `edit ${i}`);
    await sleep(30);
  }
  await waitFor(() => release !== null, 5000, 'the first run');
  // Changes while the first run is still going.
  writeFileSync(path.join(dir, 'a.txt'), 'during the run');
  await sleep(300);
  writeFileSync(path.join(dir, 'a.txt'), 'still during the run');
  await sleep(300);
  expect(runs).toBe(1);
  (release as unknown as () => void)();
  await waitFor(() => runs === 2, 5000, 'the follow-up run');
  await sleep(500);
  expect(runs).toBe(2);
  expect(maxActive).toBe(1);
});

test('a run refused with 409 is retried; other errors are reported and wait for the next change', async () => {
  const outcomes: string[] = [];
  let runs = 0;
  watcher = watchCorpus(
    dir,
    async () => {
      runs++;
      if (runs === 1) throw new ReindexError('reindex_in_progress', 409, 'busy');
      if (runs === 3) throw new Error('embedding failed');
      return runs;
    },
    { debounceMs: 50, retryMs: 200, onResult: (r) => outcomes.push(`ok ${r}`), onError: (e) => outcomes.push(`error ${(e as Error).message}`) },
  );
  await sleep(100);
  writeFileSync(path.join(dir, 'a.txt'), 'one');
  await waitFor(() => outcomes.length === 2, 5000, 'the retry');
  expect(outcomes).toEqual(['error busy', 'ok 2']);
  writeFileSync(path.join(dir, 'a.txt'), 'two');
  await waitFor(() => outcomes.length === 3, 5000, 'the failing run');
  await sleep(500);
  expect(outcomes).toEqual(['error busy', 'ok 2', 'error embedding failed']);
});
