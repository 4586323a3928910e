/**
 * The one entry point for offline embeddings: builds the word-vector cache if needed, loads it,
 * and wraps it in LocalGloveEmbeddings. Memoised per cache directory, so the server, scripts and
 * tests in one process share a single ~42 MiB table.
 */
import path from 'node:path';
import { ensureGloveCache, loadGloveTableOnce } from './glove-cache.js';
import { LocalGloveEmbeddings } from './local-glove.js';

const loaded = new Map<string, Promise<LocalGloveEmbeddings>>();

export function loadLocalEmbeddings(cacheDir: string, log?: (m: string) => void): Promise<LocalGloveEmbeddings> {
  const key = path.resolve(cacheDir);
  let pending = loaded.get(key);
  if (!pending) {
    pending = (async () => {
      const cachePath = await ensureGloveCache(log ? { cacheDir: key, log } : { cacheDir: key });
      return new LocalGloveEmbeddings(await loadGloveTableOnce(cachePath));
    })();
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key)); // a failure (e.g. missing package) may be retried
  }
  return pending;
}
