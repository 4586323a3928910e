/**
 * Cleanup logs what it cannot do instead of swallowing it: an index directory it cannot list,
 * a CURRENT it cannot read (then nothing is removed: without the live generation's name
 * nothing is safe to remove). Leftovers of interrupted runs are removed.
 */
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanupGenerations } from '../../src/index-store/cleanup.js';
import type { Log } from '../../src/log.js';
import { followCurrent } from '../../src/server/follow-current.js';
import { createIndexHolder } from '../../src/server/index-holder.js';
import { createIndexStatus } from '../../src/server/index-status.js';
import type { ServingIndex } from '../../src/answer/serving-index.js';
import { tempDir } from '../helpers/test-server.js';

let indexDir: string;
let logged: string[];
const log: Log = {
  info: (_f, m) => logged.push(`info ${m}`),
  warn: (_f, m) => logged.push(`warn ${m}`),
  error: (_f, m) => logged.push(`error ${m}`),
};
beforeEach(() => {
  indexDir = tempDir('heihe-cleanup-');
  logged = [];
});
afterEach(() => rmSync(indexDir, { recursive: true, force: true }));

test('removes temp generations and CURRENT temp files of interrupted runs', async () => {
  mkdirSync(path.join(indexDir, 'generations', '.tmp-g-20000101t000000000z-0123456789ab'), { recursive: true });
  writeFileSync(path.join(indexDir, 'CURRENT.tmp-1-abc'), 'g-half');
  expect((await cleanupGenerations(indexDir, { keep: 2, log })).sort()).toEqual(['.tmp-g-20000101t000000000z-0123456789ab', 'CURRENT.tmp-1-abc']);
  expect(logged).toEqual([]);
});

test('an index directory whose generations/ cannot be listed is logged, not thrown', async () => {
  writeFileSync(path.join(indexDir, 'generations'), 'a file');
  expect(await cleanupGenerations(indexDir, { keep: 2, log })).toEqual([]);
  expect(logged).toEqual(['warn could not list the index directory for cleanup']);
});

test('a CURRENT that cannot be read is logged, and no generation is removed', async () => {
  mkdirSync(path.join(indexDir, 'generations', 'g-20000101t000000000z-0123456789ab'), { recursive: true });
  mkdirSync(path.join(indexDir, 'CURRENT')); // a directory: reading it fails with EISDIR
  expect(await cleanupGenerations(indexDir, { keep: 1, log })).toEqual([]);
  expect(logged).toEqual(['warn could not read CURRENT; old generations are left in place']);
  expect(existsSync(path.join(indexDir, 'generations', 'g-20000101t000000000z-0123456789ab'))).toBe(true);
});

test('the CURRENT follower logs an unreadable CURRENT once, and keeps serving', async () => {
  mkdirSync(path.join(indexDir, 'CURRENT'));
  const holder = createIndexHolder({ name: 'g-1', version: 'g-1' } as unknown as ServingIndex);
  const follower = followCurrent({ indexDir, holder, status: createIndexStatus(), load: async () => holder.current(), log });
  await follower.check();
  await follower.check();
  expect(logged).toEqual(['error CURRENT cannot be read; still serving the loaded generation']);
  expect(holder.peek()?.name).toBe('g-1');
});
