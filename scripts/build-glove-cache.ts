/**
 * Builds the offline word-vector cache once (slow: ~10 s, ~1 GB RAM), so the server and tests
 * start fast. Usage: npx tsx scripts/build-glove-cache.ts [--cache-dir DIR]
 * Default DIR: $EMBEDDINGS_CACHE_DIR, else `.cache` under the project root.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureGloveCache, loadGloveTable } from '../src/embeddings/glove-cache.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'cache-dir': { type: 'string' } } });
const cacheDir = path.resolve(projectRoot, values['cache-dir'] ?? process.env['EMBEDDINGS_CACHE_DIR'] ?? '.cache');

const started = performance.now();
const cachePath = await ensureGloveCache({ cacheDir, log: (m) => console.log(m) });
const ensured = performance.now();
const table = await loadGloveTable(cachePath);
const loadedAt = performance.now();
const { size } = await stat(cachePath);
console.log(`cache: ${cachePath}`);
console.log(`size:  ${(size / 2 ** 20).toFixed(1)} MiB (${table.size} words x ${table.dimensions} dims)`);
console.log(`time:  ensure ${((ensured - started) / 1000).toFixed(2)} s, load ${(loadedAt - ensured).toFixed(0)} ms`);
