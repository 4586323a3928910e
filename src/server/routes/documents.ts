/**
 * The corpus over HTTP: GET /documents (the sources, and whether the live index is up to date
 * with each), GET /documents/{path} (the stored text), PUT /documents/{path} (create or
 * replace, then re-index) and DELETE /documents/{path} (then re-index). Writes need the admin
 * token, checked before the path, the media type and the body; the path is validated from the
 * raw URL (document-path.ts), the body must be UTF-8 text (the ingest's own rule) within
 * DOCUMENT_BODY_LIMIT. A write answers 201 (created) or 200 (replaced) with the re-index
 * summary once the live index has it, 202 when the change is made but not indexed (deferred
 * with ?reindex=false, or the re-index failed: the previous generation keeps serving). Every
 * write is logged with the path, size and hash.
 */
import { MIMEType } from 'node:util';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../errors.js';
import { decodeSourceText } from '../../ingest/read-corpus.js';
import { parseDocumentPath, type DocumentPath } from '../../documents/document-path.js';
import { entityTag, parseEntityTags, type Preconditions } from '../../documents/conditions.js';
import { documentNotFound, type ChangeOptions, type Documents, type ReindexOutcome } from '../../documents/documents.js';
import { requireAdminToken } from '../bearer.js';
import { publicMessage } from '../errors-http.js';
import { describeIssues, documentWriteQuerySchema } from '../schemas.js';

export const DOCUMENT_MEDIA_TYPES = ['text/plain', 'text/markdown'] as const;

const PREFIX = '/documents/';

/** The document a /documents/{path} request names, from the raw (still percent-encoded) path. */
const documentOf = (req: Request): DocumentPath => parseDocumentPath(req.path.slice(PREFIX.length));

const readOnly = (): AppError => new AppError('documents_read_only', 403, 'Changing documents over HTTP is disabled: set ADMIN_TOKEN to enable it.');
const unsupported = (): AppError => new AppError('unsupported_media_type', 415, 'A document is sent as text/plain or text/markdown, in UTF-8.');
const invalidText = (why: string): AppError => new AppError('invalid_text', 400, `The document is not accepted: ${why}.`);

/** Refuses a body that is not text/plain or text/markdown in UTF-8, before it is read. */
const textOnly: RequestHandler = (req, _res, next) => {
  let mime: MIMEType;
  try {
    mime = new MIMEType(req.get('content-type') ?? '');
  } catch {
    return next(unsupported());
  }
  const charset = mime.params.get('charset');
  if (!(DOCUMENT_MEDIA_TYPES as readonly string[]).includes(mime.essence) || (charset !== null && !/^utf-?8$/i.test(charset))) return next(unsupported());
  next();
};

/** Validates the path before anything else is read. */
const validPath: RequestHandler = (req, _res, next) => {
  documentOf(req);
  next();
};

function changeOptions(req: Request): ChangeOptions {
  const query = documentWriteQuerySchema.safeParse(req.query);
  if (!query.success) throw new AppError('invalid_request', 400, describeIssues(query.error));
  const preconditions: Preconditions = { ifMatch: parseEntityTags(req.get('if-match')), ifNoneMatch: parseEntityTags(req.get('if-none-match')) };
  return { preconditions, reindex: query.data.reindex === 'true' };
}

/** The checked text of a PUT body (bytes as sent: they are what is stored and hashed). */
function documentBytes(req: Request): Buffer {
  const bytes: unknown = req.body;
  const body = Buffer.isBuffer(bytes) ? bytes : Buffer.alloc(0);
  const decoded = decodeSourceText(body);
  if ('problem' in decoded) throw invalidText(decoded.problem === 'binary' ? 'it is binary (it contains NUL bytes); only UTF-8 text is stored' : 'it is not valid UTF-8 text');
  if (decoded.text.trim() === '') throw invalidText('it holds no text (to remove a document, DELETE it)');
  return body;
}

/** The response fields saying what became of the re-index. */
function indexFields(outcome: ReindexOutcome): { indexed: boolean; reindex: unknown; reindexError?: { code: string; message: string } } {
  if (outcome.state === 'done') return { indexed: true, reindex: outcome.summary };
  if (outcome.state === 'deferred') return { indexed: false, reindex: null };
  const known = outcome.error instanceof AppError ? outcome.error : null;
  return {
    indexed: false,
    reindex: null,
    reindexError: known ? { code: known.code, message: publicMessage(known.message) } : { code: 'internal_error', message: 'Something went wrong on our side.' },
  };
}

/** One log line per write: what changed and what became of the re-index (never a header, so never the token). */
function logChange(req: Request, what: string, fields: Record<string, unknown>, outcome: ReindexOutcome): void {
  if (outcome.state === 'failed') {
    const err = outcome.error;
    const code = err instanceof AppError ? err.code : 'internal_error';
    req.log.error({ ...fields, reindex: 'failed', reindexError: code, ...(err instanceof AppError ? {} : { err }) }, `${what}; the re-index after it failed, the previous index generation keeps serving`);
    return;
  }
  const run = outcome.state === 'done' ? { generation: outcome.summary.generation, embedded: outcome.summary.embedded, changed: outcome.summary.changed } : {};
  req.log.info({ ...fields, reindex: outcome.state, ...run }, what);
}

const statusOf = (outcome: ReindexOutcome, created: boolean): number => (outcome.state !== 'done' ? 202 : created ? 201 : 200);

export function documentsRouter(deps: { documents: Documents; adminToken: string | undefined; bodyLimit: string }): Router {
  const router = Router();
  const admin = requireAdminToken(deps.adminToken, readOnly);
  // Raw bytes: they are stored as sent, and checked for UTF-8 here rather than decoded leniently.
  const rawBody = express.raw({ type: () => true, limit: deps.bodyLimit });

  router.get('/documents', async (_req, res) => {
    res.json(await deps.documents.list());
  });

  router.get('/documents/*path', async (req, res: Response) => {
    const doc = documentOf(req);
    const found = await deps.documents.read(doc);
    if (!found) throw documentNotFound(doc);
    res.set({
      'content-type': `${doc.mediaType}; charset=utf-8`,
      etag: entityTag(found.info.sha256),
      'last-modified': new Date(found.info.modified).toUTCString(),
      'cache-control': 'no-cache',
    });
    res.send(found.bytes);
  });

  router.put('/documents/*path', admin, validPath, textOnly, rawBody, async (req, res) => {
    const doc = documentOf(req);
    const opts = changeOptions(req);
    const bytes = documentBytes(req);
    const outcome = await deps.documents.put(doc, bytes, opts);
    const { document, created } = outcome;
    logChange(req, created ? 'document created' : 'document replaced', { document: { path: document.path, bytes: document.size, sha256: document.sha256 }, created }, outcome.reindex);
    res
      .status(statusOf(outcome.reindex, created))
      .set({ etag: entityTag(document.sha256), location: `${PREFIX}${doc.segments.map(encodeURIComponent).join('/')}` })
      .json({ document, created, ...indexFields(outcome.reindex) });
  });

  router.delete('/documents/*path', admin, async (req, res) => {
    const doc = documentOf(req);
    const outcome = await deps.documents.remove(doc, changeOptions(req));
    logChange(req, 'document deleted', { document: { path: outcome.path, bytes: outcome.size, sha256: outcome.sha256 } }, outcome.reindex);
    res.status(statusOf(outcome.reindex, false)).json({ path: outcome.path, sha256: outcome.sha256, ...indexFields(outcome.reindex) });
  });

  return router;
}
