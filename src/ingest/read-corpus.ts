/**
 * Reads the corpus directory: every .txt/.md file below it is a source, in a stable order,
 * read one at a time (`readCorpusFiles`), so a large corpus is never all in memory as raw
 * bytes at once. A file that cannot be used stops the run with a message saying why: it
 * disappeared while the corpus was read, it cannot be read (permissions), it is binary (it
 * holds NUL bytes), or it is not UTF-8. The caller keeps the live index serving.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { ReindexError } from '../errors.js';
import type { SourceDoc } from '../types.js';

/** The names the ingest treats as sources (the documents API accepts the same). */
export const SOURCE_FILE = /\.(txt|md|markdown)$/i;

/**
 * The source files below `dir` (relative paths with `/`), unsorted: regular files with a
 * source extension; hidden entries and symbolic links are skipped. Throws what readdir throws.
 */
export async function listFiles(dir: string, rel = ''): Promise<string[]> {
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

/** The corpus's source files (relative paths with `/`), sorted; refuses a missing or empty corpus. */
export async function listCorpusFiles(corpusDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = (await listFiles(corpusDir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : 'cannot be read';
    throw new ReindexError('corpus_unreadable', 422, `The corpus directory "${corpusDir}" ${why}.`, { cause: err });
  }
  if (files.length === 0) throw new ReindexError('corpus_empty', 422, `The corpus directory "${corpusDir}" has no .txt or .md files.`);
  return files;
}

function unreadable(file: string, err: unknown): ReindexError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'disappeared while the corpus was being read (deleted or renamed meanwhile); run the re-index again'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read (permission denied)'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read${code ? ` (${code})` : ''}`;
  return new ReindexError('corpus_unreadable', 422, `The corpus file "${file}" ${why}.`, { cause: err });
}

/**
 * The text of a source file's bytes, or why it is not text: the one rule for what the ingest
 * indexes, which PUT /documents applies before writing (so an upload cannot break re-indexing).
 * A leading byte-order mark is not part of the text.
 */
export function decodeSourceText(bytes: Uint8Array): { readonly text: string } | { readonly problem: 'binary' | 'not_utf8' } {
  // UTF-8 text never holds a NUL byte; binary files (images, archives, zeroed files) do.
  if (bytes.includes(0)) return { problem: 'binary' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '') };
  } catch {
    return { problem: 'not_utf8' };
  }
}

/** One source file, decoded and checked. */
export async function readSource(corpusDir: string, file: string): Promise<SourceDoc> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(corpusDir, file));
  } catch (err) {
    throw unreadable(file, err);
  }
  const decoded = decodeSourceText(bytes);
  if ('problem' in decoded) {
    throw new ReindexError(
      'corpus_unreadable',
      422,
      decoded.problem === 'binary' ? `The corpus file "${file}" is binary (it contains NUL bytes); only UTF-8 text is indexed.` : `The corpus file "${file}" is not valid UTF-8 text.`,
    );
  }
  return { path: file, text: decoded.text };
}

/** The sources, read one at a time as they are consumed. */
export async function* readCorpusFiles(corpusDir: string): AsyncGenerator<SourceDoc> {
  for (const file of await listCorpusFiles(corpusDir)) yield await readSource(corpusDir, file);
}

/** Every source, in memory at once (small corpora, tests). */
export async function readCorpus(corpusDir: string): Promise<SourceDoc[]> {
  const docs: SourceDoc[] = [];
  for await (const doc of readCorpusFiles(corpusDir)) docs.push(doc);
  return docs;
}
