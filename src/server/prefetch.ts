/**
 * Imported first by the server's entry point: starts reading the word-vector cache while the
 * rest of the modules (LangChain, Express, zod: about half a second) load, so cold start pays
 * for the two side by side rather than one after the other. Uses only Node built-ins; config
 * is validated later as usual, and a failed prefetch is simply retried by the normal load.
 */
import 'dotenv/config';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GLOVE_CACHE_FILE, loadGloveTableOnce } from '../embeddings/glove-cache.js';

const cacheDir = process.env['EMBEDDINGS_CACHE_DIR']?.trim() || '.cache';
const cacheFile = path.resolve(cacheDir, GLOVE_CACHE_FILE);
if (existsSync(cacheFile)) loadGloveTableOnce(cacheFile).catch(() => undefined);
