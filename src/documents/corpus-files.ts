/**
 * The corpus files behind the documents API, on disk: finding a document without following
 * symbolic links, reading it, replacing it atomically (a temp file in the same folder,
 * fsync, rename, fsync of the folder) and deleting it, and listing every source with its size,
 * hash and time. Every path is built from the real path of CORPUS_DIR and checked segment by
 * segment with lstat (no symbolic link, no file where a folder should be), and the folder
 * written to must resolve (realpath) to itself inside the corpus, so nothing is ever read or
 * written outside CORPUS_DIR. Callers hold the write lock for writes; reads take none.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { AppError, ReindexError } from '../errors.js';
import { decodeSourceText, listFiles } from '../ingest/read-corpus.js';
import { fsCause } from '../ingest/reindex.js';
import { fsyncDir } from '../index-store/layout.js';
import type { DocumentPath } from './document-path.js';

/** What the API says about a stored document. */
export interface DocumentInfo {
  readonly path: string;
  readonly size: number;
  /** Of the file's bytes: the document's entity tag (If-Match). */
  readonly sha256: string;
  /** Last modification (ISO 8601). */
  readonly modified: string;
}

export interface StoredDocument extends DocumentInfo {
  /** sha256 of the text the ingest indexes (decoded, byte-order mark dropped), as the manifest records it; null when it is not text. */
  readonly textSha256: string | null;
}

const LIST_CONCURRENCY = 8;

/** Temp files of writes in progress (hidden, so neither the ingest nor the listing sees them). */
const TEMP_PREFIX = '.heihe-upload-';

export const sha256Hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

const refuse = (doc: DocumentPath, why: string): AppError => new AppError('invalid_path', 400, `Invalid document path "${doc.relative}": ${why}.`);
const SYMLINK = 'it goes through a symbolic link, and symbolic links are not followed';

const unwritable = (err: unknown): AppError =>
  new AppError('corpus_unwritable', 503, `The corpus could not be changed (${fsCause(err)}); the document was not written.`, { cause: err });

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

/** The real path of CORPUS_DIR; 422 corpus_unreadable when it is missing. */
async function corpusRoot(corpusDir: string): Promise<string> {
  try {
    return await realpath(corpusDir);
  } catch (err) {
    const why = code(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${fsCause(err)})`;
    throw new ReindexError('corpus_unreadable', 422, `The corpus directory "${corpusDir}" ${why}.`, { cause: err });
  }
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Opens a regular file without following a symbolic link (nor blocking on a FIFO); null when it is gone. */
async function openFile(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

async function readOpened(fh: FileHandle): Promise<{ bytes: Buffer; stats: Stats }> {
  try {
    const stats = await fh.stat();
    return { bytes: stats.isFile() ? await fh.readFile() : Buffer.alloc(0), stats };
  } finally {
    await fh.close();
  }
}

export interface Located {
  /** The folder, a real path inside the corpus. */
  readonly dir: string;
  readonly file: string;
  /** The file as it is now; null when it does not exist. */
  readonly current: { readonly bytes: Buffer; readonly stats: Stats } | null;
}

/**
 * Finds `doc` below CORPUS_DIR, creating missing folders when `createFolders`. Null when a
 * folder is missing (and not created). Refuses (400 invalid_path) a symbolic link anywhere on
 * the way, a file where a folder should be, and a folder where the document should be.
 */
export async function locate(corpusDir: string, doc: DocumentPath, opts: { createFolders: boolean }): Promise<Located | null> {
  const root = await corpusRoot(corpusDir);
  let dir = root;
  for (const name of doc.segments.slice(0, -1)) {
    const next = path.join(dir, name);
    let stats = await lstatOrNull(next);
    if (!stats) {
      if (!opts.createFolders) return null;
      try {
        await mkdir(next);
      } catch (err) {
        if (code(err) !== 'EEXIST') throw unwritable(err);
      }
      stats = await lstat(next);
    }
    if (stats.isSymbolicLink()) throw refuse(doc, SYMLINK);
    if (!stats.isDirectory()) throw refuse(doc, `"${name}" is a file, not a folder`);
    dir = next;
  }
  // Belt and braces: with no link on the way, the folder's real path is itself, inside the root.
  const real = await realpath(dir);
  if (real !== dir || (real !== root && !real.startsWith(root + path.sep))) throw refuse(doc, SYMLINK);
  const file = path.join(dir, doc.segments[doc.segments.length - 1] ?? '');
  const stats = await lstatOrNull(file);
  if (!stats) return { dir, file, current: null };
  if (stats.isSymbolicLink()) throw refuse(doc, 'it is a symbolic link, and symbolic links are not followed');
  if (stats.isDirectory()) throw refuse(doc, 'it names a folder');
  if (!stats.isFile()) throw refuse(doc, 'it is not a regular file');
  const fh = await openFile(file).catch((err: unknown) => {
    // ELOOP: it became a symbolic link since the lstat above.
    if (code(err) === 'ELOOP') throw refuse(doc, 'it is a symbolic link, and symbolic links are not followed');
    throw err;
  });
  return { dir, file, current: fh ? await readOpened(fh) : null };
}

export const infoOf = (relative: string, bytes: Uint8Array, stats: Stats): DocumentInfo => ({
  path: relative,
  size: bytes.length,
  sha256: sha256Hex(bytes),
  modified: stats.mtime.toISOString(),
});

/** Makes a folder's entries (a rename, an unlink) durable; some file systems refuse (EINVAL), and the rename is atomic anyway. */
const syncDir = (dir: string): Promise<void> => fsyncDir(dir).catch(() => {});

/** Removes temp files that writes killed half-way left in `dir` (callers hold the write lock, so none is in use). */
async function sweepTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(TEMP_PREFIX)).map((n) => rm(path.join(dir, n), { force: true })));
}

/**
 * Replaces (or creates) the located file with `bytes` atomically: readers and the ingest see
 * the old file or the new one, never a part. A replaced file keeps its permission bits.
 */
export async function writeAtomically(at: Located, doc: DocumentPath, bytes: Uint8Array): Promise<DocumentInfo> {
  await sweepTemps(at.dir);
  const tmp = path.join(at.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}.tmp`);
  let stats: Stats;
  try {
    // O_EXCL: a fresh file, never an existing one or a link planted under the temp name.
    const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await fh.writeFile(bytes);
      if (at.current) await fh.chmod(at.current.stats.mode & 0o7777);
      await fh.sync();
      stats = await fh.stat();
    } finally {
      await fh.close();
    }
    await rename(tmp, at.file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw unwritable(err);
  }
  await syncDir(at.dir);
  return infoOf(doc.relative, bytes, stats);
}

/** Deletes the located (existing) file. */
export async function deleteFile(at: Located): Promise<void> {
  try {
    await unlink(at.file);
  } catch (err) {
    if (code(err) === 'ENOENT') return;
    throw new AppError('corpus_unwritable', 503, `The corpus could not be changed (${fsCause(err)}); the document was not deleted.`, { cause: err });
  }
  await syncDir(at.dir);
}

/** Every source file of the corpus, as the ingest lists them (sorted; no hidden files, no links), with size, hashes and time. */
export async function listStored(corpusDir: string): Promise<StoredDocument[]> {
  const root = await corpusRoot(corpusDir);
  let files: string[];
  try {
    files = (await listFiles(root)).sort();
  } catch (err) {
    throw new ReindexError('corpus_unreadable', 422, `The corpus directory "${corpusDir}" cannot be read (${fsCause(err)}).`, { cause: err });
  }
  const read = async (rel: string): Promise<StoredDocument | null> => {
    // Gone since it was listed, or replaced by a link meanwhile: not a document.
    const fh = await openFile(path.join(root, rel)).catch((err: unknown) => {
      if (code(err) === 'ELOOP') return null;
      throw err;
    });
    if (!fh) return null;
    const { bytes, stats } = await readOpened(fh);
    if (!stats.isFile()) return null;
    const decoded = decodeSourceText(bytes);
    return { ...infoOf(rel, bytes, stats), textSha256: 'text' in decoded ? sha256Hex(decoded.text) : null };
  };
  // A few files at a time: the reads overlap (libuv's pool has 4 threads), memory stays bounded.
  const out: Array<StoredDocument | null> = new Array<StoredDocument | null>(files.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) out[i] = await read(files[i] ?? '');
  };
  await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, files.length) }, worker));
  return out.filter((d): d is StoredDocument => d !== null);
}
