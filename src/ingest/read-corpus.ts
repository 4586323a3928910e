/**
 * Reads the corpus directory: every .txt/.md file below it is a source, in a stable order.
 * Unreadable or non-UTF-8 files are an error (the caller keeps the live index serving).
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ReindexError } from '../errors.js';
import type { SourceDoc } from '../types.js';

const SOURCE_FILE = /\.(txt|md|markdown)$/i;

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, child)));
    else if (e.isFile() && SOURCE_FILE.test(e.name)) out.push(child);
  }
  return out;
}

export async function readCorpus(corpusDir: string): Promise<SourceDoc[]> {
  let files: string[];
  try {
    files = (await listFiles(corpusDir)).sort();
  } catch (err) {
    throw new ReindexError('corpus_unreadable', 422, `The corpus directory "${corpusDir}" cannot be read.`, { cause: err });
  }
  if (files.length === 0) throw new ReindexError('corpus_empty', 422, `The corpus directory "${corpusDir}" has no .txt or .md files.`);
  const docs: SourceDoc[] = [];
  for (const file of files) {
    let text: string;
    try {
      const bytes = await readFile(path.join(corpusDir, file));
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (err) {
      throw new ReindexError('corpus_unreadable', 422, `The corpus file "${file}" cannot be read as UTF-8 text.`, { cause: err });
    }
    docs.push({ path: file, text: text.replace(/^\uFEFF/, '') });
  }
  return docs;
}
