/**
 * A cross-process lock for re-indexing: a lock file created exclusively (link(2) of a file
 * already holding the owner's identity, so no reader ever sees it empty). Only the holder
 * writes generations or cleans up, so cleanup never touches another writer's temp dir.
 *
 * The owner is "pid start-time token". A lock whose owner is gone (e.g. a SIGKILLed ingest, or
 * a previous incarnation of a container's pid 1) is stale and taken over: it is first renamed
 * aside, atomically, and taken over only if what was moved is still that stale lock.
 */
import { readFileSync } from 'node:fs';
import { link, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ReindexError } from '../errors.js';
import { ensureDir } from '../index-store/layout.js';
import { silentLog, type Log } from '../log.js';

export const LOCK_FILE = 'ingest.lock';

/**
 * Contents of the locks this process holds or is taking right now (a pid match alone does not
 * prove a lock is ours: a previous process may have had the same pid). Registered before the
 * link, so a concurrent caller in this process never mistakes a just-taken lock for stale.
 */
const ours = new Set<string>();

interface Owner {
  readonly pid: number;
  /** Process start time (Linux: clock ticks since boot), or null where it cannot be read. */
  readonly start: string | null;
}

/** Linux only: field 22 (start time) and field 3 (state) of /proc/<pid>/stat. */
function procStat(pid: number): { start: string; zombie: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ? { start: rest[19], zombie: rest[0] === 'Z' || rest[0] === 'X' } : null;
  } catch {
    return null;
  }
}

const self: Owner = { pid: process.pid, start: procStat(process.pid)?.start ?? null };

function parseOwner(content: string): Owner | null {
  const [pid, start] = content.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return null;
  return { pid: n, start: start && start !== '-' ? start : null };
}

/** Whether the process that wrote a lock still runs (a reused pid does not count). */
function ownerAlive(owner: Owner, content: string): boolean {
  if (owner.pid === self.pid && (owner.start === null || owner.start === self.start)) return ours.has(content);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(owner.pid);
  if (!stat) return true; // not Linux (or no /proc): trust the pid
  return !stat.zombie && (owner.start === null || owner.start === stat.start);
}

const inProgress = (): ReindexError => new ReindexError('reindex_in_progress', 409, 'A re-index is already running; try again when it has finished.');

async function readLock(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** `ingest.lock.<pid>.<random>` (an attempt's temp file) or `ingest.lock.stale-<pid>.<random>` (a lock moved aside). */
const LOCK_TEMP = /^ingest\.lock\.(?:stale-)?(\d+)\./;

/** Removes temp files of acquire attempts whose process has died (a kill can leave them). */
async function sweepDeadTemps(indexDir: string): Promise<void> {
  for (const name of await readdir(indexDir)) {
    const m = LOCK_TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !ownerAlive({ pid, start: null }, '')) await rm(path.join(indexDir, name), { force: true });
  }
}

/**
 * Takes the ingest lock of INDEX_DIR or throws ReindexError 409 when another live process (or
 * another caller in this process) holds it. Returns the release function.
 */
export async function acquireIngestLock(indexDir: string, log: Log = silentLog): Promise<() => Promise<void>> {
  await ensureDir(indexDir);
  const file = path.join(indexDir, LOCK_FILE);
  const content = `${self.pid} ${self.start ?? '-'} ${randomBytes(8).toString('hex')}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, content);
    ours.add(content);
    try {
      await link(tmp, file);
      // Leftovers only cost a directory entry: a failed sweep does not stop the run.
      await sweepDeadTemps(indexDir).catch((err: unknown) => log.warn({ err }, 'could not sweep temp files of dead ingest-lock attempts'));
      return async () => {
        // Remove the lock only if it is still ours.
        if ((await readLock(file).catch(() => null)) === content) await rm(file, { force: true });
        ours.delete(content);
      };
    } catch (err) {
      ours.delete(content);
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await rm(tmp, { force: true });
    }
    const existing = await readLock(file);
    if (existing === null) continue; // released meanwhile: try again
    const owner = parseOwner(existing);
    if (owner && ownerAlive(owner, existing)) throw inProgress();
    // Stale. Move it aside atomically; whoever renames it gets it, the others see ENOENT.
    const aside = `${file}.stale-${process.pid}.${randomBytes(6).toString('hex')}`;
    try {
      await rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = await readLock(aside);
    if (moved !== existing) {
      // Between our read and our rename another process took the lock over: give it back.
      await link(aside, file).catch((err: unknown) => log.warn({ err }, 'could not give back an ingest lock taken over meanwhile'));
      await rm(aside, { force: true });
      throw inProgress();
    }
    await rm(aside, { force: true });
  }
  throw inProgress();
}
