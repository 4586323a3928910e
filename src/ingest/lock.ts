/**
 * A cross-process lock for re-indexing: a lock file created exclusively, holding the owner's
 * pid. A lock whose owner has died (e.g. a SIGKILLed ingest) is stale and taken over.
 */
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ReindexError } from '../errors.js';
import { ensureDir } from '../index-store/layout.js';

const LOCK_FILE = 'ingest.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireIngestLock(indexDir: string): Promise<() => Promise<void>> {
  await ensureDir(indexDir);
  const file = path.join(indexDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    // The pid is written first and the lock appears by link(), so no reader sees it empty.
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, String(process.pid));
    try {
      await link(tmp, file);
      return async () => {
        await rm(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner) && owner !== process.pid) break;
      if (owner === process.pid) break;
      await rm(file, { force: true }); // stale: its owner is gone
    } finally {
      await rm(tmp, { force: true });
    }
  }
  throw new ReindexError('reindex_in_progress', 409, 'A re-index is already running; try again when it has finished.');
}
