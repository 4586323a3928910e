/**
 * The corpus as documents, for the HTTP API: list them against the live index generation
 * (chunks it holds of each, whether it has the text that is on disk now), read one, create or
 * replace one, delete one. A change runs under the re-index lock of this server (a second
 * change, POST /reindex or a watch-mode run meanwhile: 409), and the file is written under
 * the ingest lock of INDEX_DIR (a concurrent `npm run ingest`: 409, nothing written); then
 * the corpus is re-indexed through the usual path (incremental: only text not already
 * embedded is embedded). A re-index that fails after the write leaves the file written and
 * the previous generation serving, and the outcome says so.
 */
import type { IndexManifest } from '../types.js';
import type { ReindexSummary } from '../ingest/reindex.js';
import { acquireIngestLock } from '../ingest/lock.js';
import { AppError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import type { DocumentPath } from './document-path.js';
import { failedPrecondition, type Preconditions } from './conditions.js';
import { deleteFile, infoOf, listStored, locate, sha256Hex, writeAtomically, type DocumentInfo } from './corpus-files.js';

export type { DocumentInfo } from './corpus-files.js';

export interface ListedDocument extends DocumentInfo {
  /** Chunks of this path in the live generation (0 when it has none). */
  readonly chunks: number;
  /** The live generation was built from exactly the text on disk now. */
  readonly indexed: boolean;
}

export interface DocumentList {
  /** The live generation's version; null while no index is loaded. */
  readonly indexVersion: string | null;
  /** Every document is indexed and the index holds nothing that is not on disk. */
  readonly upToDate: boolean;
  readonly documents: readonly ListedDocument[];
  /** Sources the live generation still holds that are no longer in the corpus. */
  readonly deleted: ReadonlyArray<{ readonly path: string; readonly chunks: number }>;
}

/**
 * What became of the re-index after a change: done (the live index reflects it), deferred
 * (`reindex: false`), or failed (the change itself stands; the previous generation keeps
 * serving).
 */
export type ReindexOutcome =
  | { readonly state: 'done'; readonly summary: ReindexSummary }
  | { readonly state: 'deferred' }
  | { readonly state: 'failed'; readonly error: unknown };

export interface IndexOutcome {
  readonly reindex: ReindexOutcome;
}

export interface WriteOutcome extends IndexOutcome {
  readonly document: DocumentInfo;
  readonly created: boolean;
}

export interface DeleteOutcome extends IndexOutcome {
  readonly path: string;
  /** Size and sha256 of the deleted file's bytes. */
  readonly size: number;
  readonly sha256: string;
}

export interface ChangeOptions {
  readonly preconditions: Preconditions;
  /** Re-index after the change (the default); false defers it to a later POST /reindex. */
  readonly reindex: boolean;
}

export interface Documents {
  list(): Promise<DocumentList>;
  /** The stored bytes and what they are, or null when there is no such document. */
  read(doc: DocumentPath): Promise<{ readonly info: DocumentInfo; readonly bytes: Buffer } | null>;
  /** Creates or replaces a document; `bytes` are checked UTF-8 text (decodeSourceText in read-corpus.ts). */
  put(doc: DocumentPath, bytes: Uint8Array, opts: ChangeOptions): Promise<WriteOutcome>;
  /** Deletes a document; 404 document_not_found when there is none. */
  remove(doc: DocumentPath, opts: ChangeOptions): Promise<DeleteOutcome>;
}

export interface DocumentsDeps {
  readonly corpusDir: string;
  readonly indexDir: string;
  /** The manifest of the generation being served, if any. */
  readonly liveManifest: () => IndexManifest | null;
  /** Runs a change and its re-index under the re-index lock (see server/reindexer.ts). */
  readonly exclusive: <T>(work: (reindex: () => Promise<ReindexSummary>) => Promise<T>) => Promise<T>;
  readonly log?: Log;
}

export const documentNotFound = (doc: DocumentPath): AppError => new AppError('document_not_found', 404, `There is no document "${doc.relative}".`);

/** Whether a manifest source is the text `textSha256` (null: not text) of a file. */
const holds = (source: { sha256: string } | undefined, textSha256: string | null): boolean => source !== undefined && textSha256 !== null && source.sha256 === textSha256;

export function createDocuments(deps: DocumentsDeps): Documents {
  const log = deps.log ?? silentLog;

  /** The change under both locks, then the re-index (unless deferred), reported either way. */
  const change = <T>(opts: ChangeOptions, write: () => Promise<T>): Promise<T & IndexOutcome> =>
    deps.exclusive(async (reindex) => {
      const release = await acquireIngestLock(deps.indexDir, log);
      let written: T;
      try {
        written = await write();
      } finally {
        await release().catch((err: unknown) => log.warn({ err }, 'could not release the ingest lock; the next run takes it over as stale'));
      }
      if (!opts.reindex) return { ...written, reindex: { state: 'deferred' } };
      try {
        return { ...written, reindex: { state: 'done', summary: await reindex() } };
      } catch (error) {
        return { ...written, reindex: { state: 'failed', error } };
      }
    });

  const checkPreconditions = (current: Buffer | null, p: Preconditions): void => {
    const why = failedPrecondition(current ? sha256Hex(current) : null, p);
    if (why) throw new AppError('precondition_failed', 412, why);
  };

  return {
    async list() {
      const stored = await listStored(deps.corpusDir);
      const manifest = deps.liveManifest();
      const sources = new Map((manifest?.sources ?? []).map((s) => [s.path, s]));
      const documents = stored.map(({ textSha256, ...info }) => ({ ...info, chunks: sources.get(info.path)?.chunks ?? 0, indexed: holds(sources.get(info.path), textSha256) }));
      const onDisk = new Set(stored.map((d) => d.path));
      const deleted = [...sources.values()].filter((s) => !onDisk.has(s.path)).map((s) => ({ path: s.path, chunks: s.chunks }));
      return { indexVersion: manifest?.version ?? null, upToDate: manifest !== null && deleted.length === 0 && documents.every((d) => d.indexed), documents, deleted };
    },

    async read(doc) {
      const at = await locate(deps.corpusDir, doc, { createFolders: false });
      if (!at?.current) return null;
      return { info: infoOf(doc.relative, at.current.bytes, at.current.stats), bytes: at.current.bytes };
    },

    put(doc, bytes, opts) {
      return change(opts, async () => {
        // Checked before missing folders are made, so a refused write leaves nothing behind.
        const found = await locate(deps.corpusDir, doc, { createFolders: false });
        checkPreconditions(found?.current?.bytes ?? null, opts.preconditions);
        const at = found ?? (await locate(deps.corpusDir, doc, { createFolders: true }));
        if (!at) throw documentNotFound(doc); // not reached: the folders were just made
        return { document: await writeAtomically(at, doc, bytes), created: at.current === null };
      });
    },

    remove(doc, opts) {
      return change(opts, async () => {
        const at = await locate(deps.corpusDir, doc, { createFolders: false });
        checkPreconditions(at?.current?.bytes ?? null, opts.preconditions);
        if (!at?.current) throw documentNotFound(doc);
        await deleteFile(at);
        return { path: doc.relative, size: at.current.bytes.length, sha256: sha256Hex(at.current.bytes) };
      });
    },
  };
}
