/**
 * Builds the word-vector cache once before any test worker starts, so workers never race to
 * convert the 300 MB JSON (each would take seconds and a gigabyte of memory).
 */
import { ensureGloveCache } from '../src/embeddings/glove-cache.js';

export default async function setup(): Promise<void> {
  await ensureGloveCache({ cacheDir: process.env['EMBEDDINGS_CACHE_DIR'] ?? '.cache', log: (m) => console.log(m) });
}
