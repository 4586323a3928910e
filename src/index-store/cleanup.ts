/**
 * Removing what a writer no longer needs: temp directories and CURRENT temp files of
 * interrupted runs, damaged generations, and intact generations beyond the newest `keep`.
 * It never removes the live generation (what CURRENT names) nor the newest intact ones: after
 * a manual rollback to an older generation, or with a damaged newest one, the intact
 * generations are what stay. Callers must hold the ingest lock: it serialises writers, so no
 * temp dir here belongs to a running writer. Failures are logged and skipped, not thrown.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { silentLog, type Log } from '../log.js';
import { CURRENT_FILE, TMP_PREFIX, generationDir, generationsDir, listGenerations, readCurrent } from './layout.js';
import { generationProblem } from './generation.js';

export interface CleanupOptions {
  /** How many intact generations to keep (the live one counts when it is intact). */
  readonly keep: number;
  /** A generation already known to be intact (just verified), so it is not read again. */
  readonly verified?: string;
  readonly log?: Log;
}

async function remove(target: string, what: string, log: Log): Promise<boolean> {
  try {
    await rm(target, { recursive: true, force: true });
    return true;
  } catch (err) {
    log.warn({ err, entry: path.basename(target) }, `could not remove ${what}`);
    return false;
  }
}

async function entries(dir: string, log: Log): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err }, 'could not list the index directory for cleanup');
    return [];
  }
}

/** Returns the names of what was removed. */
export async function cleanupGenerations(indexDir: string, opts: CleanupOptions): Promise<string[]> {
  const log = opts.log ?? silentLog;
  const removed: string[] = [];
  for (const e of await entries(indexDir, log)) {
    if (e.startsWith(`${CURRENT_FILE}.tmp-`) && (await remove(path.join(indexDir, e), 'a temp file of an interrupted switch', log))) removed.push(e);
  }
  for (const e of await entries(generationsDir(indexDir), log)) {
    if (e.startsWith(TMP_PREFIX) && (await remove(generationDir(indexDir, e), 'a temp generation of an interrupted run', log))) removed.push(e);
  }

  let live: string | null = null;
  try {
    live = await readCurrent(indexDir);
  } catch (err) {
    // Without knowing the live generation nothing can be removed safely.
    log.warn({ err }, 'could not read CURRENT; old generations are left in place');
    return removed;
  }
  const newestFirst = (await listGenerations(indexDir).catch(() => [] as string[])).reverse();
  const kept = new Set<string>();
  let intact = 0;
  const damaged: string[] = [];
  const isIntact = async (name: string): Promise<boolean> => {
    if (name === opts.verified) return true;
    const problem = await generationProblem(indexDir, name);
    if (problem) damaged.push(name);
    return problem === null;
  };
  if (live && newestFirst.includes(live)) {
    kept.add(live);
    if (await isIntact(live)) intact++;
  }
  for (const name of newestFirst) {
    if (intact >= opts.keep) break;
    if (kept.has(name) || !(await isIntact(name))) continue;
    kept.add(name);
    intact++;
  }
  for (const name of newestFirst) {
    if (kept.has(name)) continue;
    if (damaged.includes(name)) log.warn({ generation: name }, 'removing a damaged index generation');
    if (await remove(generationDir(indexDir, name), 'an old generation', log)) removed.push(name);
  }
  return removed;
}
