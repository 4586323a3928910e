/**
 * The documents API over HTTP on a real port, with the real re-index (a child process) behind
 * it: create, replace (only that document's changed chunks embedded; the new text searched and
 * cited, the old text gone), delete (its passages gone from /search and /ask), deferred
 * re-indexing, conditional writes, path traversal and symbolic links refused with nothing
 * written outside (or inside) CORPUS_DIR, bodies refused (binary, not UTF-8, empty, too
 * large, other media types), the admin token, concurrent writes (exactly one 409), a write
 * whose re-index fails (written, not indexed, the previous generation serving and saying
 * so), and the log line of every write.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DocumentList } from '../../src/documents/documents.js';
import type { ReindexSummary } from '../../src/ingest/reindex.js';
import { LOCK_FILE } from '../../src/ingest/lock.js';
import { readCurrent } from '../../src/index-store/layout.js';
import { createApp } from '../../src/server/app.js';
import { fakeAppDeps, listenOnLoopback, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { ask, expectError, expectWellFormedAnswer, rawRequest, type Answer, type Citation, type SearchJson } from '../helpers/http.js';
import { generationChunks, spawnSleeper, waitFor } from '../helpers/reindex-fixtures.js';
import { hashTree } from '../hardening/lib.js';

const TOKEN = 'documents-admin-token-5f1c2e';
const LIMIT_BYTES = 16 * 1024;

interface WriteJson {
  document: { path: string; size: number; sha256: string; modified: string };
  created: boolean;
  indexed: boolean;
  reindex: ReindexSummary | null;
  reindexError?: { code: string; message: string };
}

interface DeleteJson {
  path: string;
  sha256: string;
  indexed: boolean;
  reindex: ReindexSummary | null;
  reindexError?: { code: string; message: string };
}

// Each section is one chunk (sections are never merged), so replacing one paragraph changes one chunk.
const BELLS_V1 = `# The Zorvath Bell

The Zorvath Bell hangs in the Qimeng pavilion above the river port. It was cast in 1911 by the foundry of Aldo Pemberwick.

# Bell Ringing Days

The Zorvath Bell is rung on the first morning of the ice drift each spring, when the Amur breaks up.

# Visiting the Bell

Visitors reach the Zorvath Bell by a wooden stair of ninety-nine steps from the embankment.
`;
const OLD_FACT = 'Qimeng pavilion';
const NEW_FACT = 'Tarsk gatehouse';
const BELLS_V2 = BELLS_V1.replace(
  'The Zorvath Bell hangs in the Qimeng pavilion above the river port. It was cast in 1911 by the foundry of Aldo Pemberwick.',
  'The Zorvath Bell hangs in the Tarsk gatehouse beside the old customs quay. It was recast in 1987 by the foundry of Merrow Quillan.',
);

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const auth = { authorization: `Bearer ${TOKEN}` };

const lines: string[] = [];
let srv: TestServer;
let outside: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN, DOCUMENT_BODY_LIMIT: '16kb' }, logger: pino({ level: 'info' }, sink) });
  outside = tempDir('heihe-outside-');
  writeFileSync(path.join(outside, 'secret.txt'), 'Not part of the corpus.\n');
});
afterAll(async () => {
  await srv?.close();
  if (outside) rmSync(outside, { recursive: true, force: true });
});

interface PutOptions {
  readonly type?: string;
  readonly headers?: Record<string, string>;
  readonly query?: string;
}

const put = (doc: string, body: string | Buffer, opts: PutOptions = {}): Promise<Response> =>
  fetch(`${srv.url}/documents/${doc}${opts.query ?? ''}`, { method: 'PUT', headers: { ...auth, 'content-type': opts.type ?? 'text/markdown', ...opts.headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
const del = (doc: string, opts: Omit<PutOptions, 'type'> = {}): Promise<Response> =>
  fetch(`${srv.url}/documents/${doc}${opts.query ?? ''}`, { method: 'DELETE', headers: { ...auth, ...opts.headers } });
async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}
const list = async (): Promise<DocumentList> => json<DocumentList>(await fetch(`${srv.url}/documents`), 200);
const listed = async (doc: string) => (await list()).documents.find((d) => d.path === doc);
const search = async (q: string): Promise<SearchJson['results']> => (await json<SearchJson>(await fetch(`${srv.url}/search?q=${encodeURIComponent(q)}&k=20`), 200)).results;
const postReindex = async (): Promise<ReindexSummary> => json<ReindexSummary>(await fetch(`${srv.url}/reindex`, { method: 'POST', headers: auth }), 200);
const onDisk = (doc: string): string => path.join(srv.config.corpusDir, doc);
const liveGeneration = async (): Promise<string> => (await readCurrent(srv.config.indexDir)) ?? '';

/** /ask, checked well formed; every passage it offers (cited, or the closest on a refusal). */
async function passages(question: string): Promise<{ answer: Answer; passages: Citation[] }> {
  const answer = await ask(srv.url, { question });
  expectWellFormedAnswer(answer, srv.config.corpusDir);
  return { answer, passages: [...answer.citations, ...(answer.related ?? [])] };
}

describe('reading', () => {
  test('GET /documents: each source with size, sha256, time, its chunks in the live generation, indexed', async () => {
    const body = await list();
    const health = (await (await fetch(`${srv.url}/health`)).json()) as { index: { version: string; chunks: number } };
    const bytes = readFileSync(onDisk('heihe.txt'));
    expect(body).toEqual({
      indexVersion: health.index.version,
      upToDate: true,
      documents: [{ path: 'heihe.txt', size: bytes.length, sha256: sha256(bytes), modified: expect.any(String), chunks: health.index.chunks, indexed: true }],
      deleted: [],
    });
    expect(Date.parse(body.documents[0]?.modified ?? '')).toBeGreaterThan(0);
  });

  test('GET /documents/{path}: the stored bytes as text/plain, with the sha256 as ETag; 404 JSON for none', async () => {
    const res = await fetch(`${srv.url}/documents/heihe.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const bytes = readFileSync(onDisk('heihe.txt'));
    expect(res.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    await expectError(await fetch(`${srv.url}/documents/missing.txt`), 404, 'document_not_found');
    await expectError(await fetch(`${srv.url}/documents/no/such/folder.md`), 404, 'document_not_found');
  });
});

describe('create, replace, delete', () => {
  const DOC = 'guides/bells.md';

  test('PUT creates a document in a new subfolder: written exactly, indexed, searched and cited', async () => {
    const before = (await list()).indexVersion;
    const res = await put(DOC, BELLS_V1);
    const body = await json<WriteJson>(res, 201);
    expect(body).toMatchObject({ document: { path: DOC, size: Buffer.byteLength(BELLS_V1), sha256: sha256(BELLS_V1) }, created: true, indexed: true });
    expect(res.headers.get('etag')).toBe(`"${sha256(BELLS_V1)}"`);
    expect(res.headers.get('location')).toBe(`/documents/${DOC}`);
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(BELLS_V1);
    // Only the new document's three chunks were embedded; heihe.txt's were reused.
    expect(body.reindex).toMatchObject({ changed: true, added: 3, removed: 0, embedded: 3 });
    expect(body.reindex?.version).not.toBe(before);

    expect(await listed(DOC)).toMatchObject({ chunks: 3, indexed: true, sha256: sha256(BELLS_V1) });
    const top = (await search('Zorvath Bell Qimeng pavilion'))[0];
    expect(top).toMatchObject({ source: DOC });
    expect(top?.text).toContain(OLD_FACT);
    const { answer, passages: offered } = await passages('Where does the Zorvath Bell hang?');
    expect(answer.indexVersion).toBe(body.reindex?.version);
    expect(offered.some((c) => c.source === DOC && c.text.includes(OLD_FACT))).toBe(true);
  });

  test('PUT replaces it: only the changed chunk is embedded; the new text is searched and cited, the old is gone', async () => {
    const oldRecords = generationChunks(srv.config.indexDir, await liveGeneration());
    const body = await json<WriteJson>(await put(DOC, BELLS_V2), 200);
    expect(body).toMatchObject({ created: false, indexed: true, document: { sha256: sha256(BELLS_V2) } });
    const newRecords = generationChunks(srv.config.indexDir, body.reindex?.generation ?? '');
    const oldKeys = new Set(oldRecords.map((r) => r.key));
    const freshKeys = new Set(newRecords.filter((r) => !oldKeys.has(r.key)).map((r) => r.key));
    // What was embedded is exactly the text the index had no vector for: one chunk, of this document.
    expect(body.reindex).toMatchObject({ changed: true, added: 1, removed: 1, embedded: 1 });
    expect(freshKeys.size).toBe(1);
    expect(newRecords.filter((r) => freshKeys.has(r.key)).map((r) => r.source)).toEqual([DOC]);
    expect(newRecords.find((r) => freshKeys.has(r.key))?.text).toContain(NEW_FACT);
    // Everything else kept its chunk and its vector.
    const unchanged = (records: typeof oldRecords) =>
      records
        .filter((r) => !r.text.includes(OLD_FACT) && !r.text.includes(NEW_FACT))
        .map((r) => `${r.id}:${r.key}`)
        .sort();
    expect(unchanged(newRecords)).toEqual(unchanged(oldRecords));

    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(BELLS_V2);
    expect(await listed(DOC)).toMatchObject({ chunks: 3, indexed: true, sha256: sha256(BELLS_V2) });
    const top = (await search('Zorvath Bell Tarsk gatehouse'))[0];
    expect(top).toMatchObject({ source: DOC });
    expect(top?.text).toContain(NEW_FACT);
    expect((await search('Qimeng pavilion Pemberwick')).filter((r) => r.text.includes(OLD_FACT))).toEqual([]);
    for (const question of ['Where does the Zorvath Bell hang?', 'Who cast the Zorvath Bell?']) {
      const { answer, passages: offered } = await passages(question);
      expect(answer.indexVersion).toBe(body.reindex?.version);
      expect(offered.some((c) => c.source === DOC && c.text.includes(NEW_FACT)), question).toBe(true);
      expect(offered.filter((c) => c.text.includes(OLD_FACT)), question).toEqual([]);
      expect(answer.answer).not.toContain(OLD_FACT);
    }
  });

  test('DELETE removes it: its passages are gone from /search and /ask; a second DELETE is 404', async () => {
    const body = await json<DeleteJson>(await del(DOC), 200);
    expect(body).toMatchObject({ path: DOC, sha256: sha256(BELLS_V2), indexed: true, reindex: { changed: true, removed: 3, added: 0, embedded: 0 } });
    expect(existsSync(onDisk(DOC))).toBe(false);
    expect((await list()).documents.map((d) => d.path)).toEqual(['heihe.txt']);
    expect((await list()).upToDate).toBe(true);
    await expectError(await fetch(`${srv.url}/documents/${DOC}`), 404, 'document_not_found');
    expect((await search('Zorvath Bell Tarsk gatehouse')).filter((r) => r.source === DOC)).toEqual([]);
    const { answer, passages: offered } = await passages('Where does the Zorvath Bell hang?');
    expect(answer.indexVersion).toBe(body.reindex?.version);
    expect(offered.filter((c) => c.source === DOC)).toEqual([]);
    await expectError(await del(DOC), 404, 'document_not_found');
  });

  test('?reindex=false defers: 202, listed as not indexed (or as deleted) until POST /reindex', async () => {
    const doc = 'deferred.txt';
    const text = 'The Ombrix ferry crosses to Blagoveshchensk twice a day in summer.\n';
    const version = (await list()).indexVersion;
    expect(await json<WriteJson>(await put(doc, text, { type: 'text/plain', query: '?reindex=false' }), 202)).toMatchObject({ created: true, indexed: false, reindex: null });
    expect(readFileSync(onDisk(doc), 'utf8')).toBe(text);
    expect(await list()).toMatchObject({ indexVersion: version, upToDate: false });
    expect(await listed(doc)).toMatchObject({ chunks: 0, indexed: false });
    expect((await search('Ombrix ferry')).filter((r) => r.source === doc)).toEqual([]);
    expect(await postReindex()).toMatchObject({ embedded: 1 });
    expect(await listed(doc)).toMatchObject({ chunks: 1, indexed: true });

    expect(await json<DeleteJson>(await del(doc, { query: '?reindex=false' }), 202)).toMatchObject({ path: doc, indexed: false, reindex: null });
    expect(await list()).toMatchObject({ upToDate: false, deleted: [{ path: doc, chunks: 1 }] });
    await postReindex();
    expect(await list()).toMatchObject({ upToDate: true, deleted: [] });
    await expectError(await put(doc, text, { type: 'text/plain', query: '?reindex=no' }), 400, 'invalid_request');
  });
});

describe('conditional writes', () => {
  const DOC = 'conditional.md';
  const v = (n: number): string => `# Version\n\nThis is version ${n} of the conditional note.\n`;
  const deferred = { query: '?reindex=false' };

  test('If-None-Match: * creates only; If-Match with the current sha256 replaces; a stale one is 412 and changes nothing', async () => {
    expect(await json<WriteJson>(await put(DOC, v(1), { ...deferred, headers: { 'if-none-match': '*' } }), 202)).toMatchObject({ created: true });
    await expectError(await put(DOC, v(9), { ...deferred, headers: { 'if-none-match': '*' } }), 412, 'precondition_failed');
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(v(1));

    const etag = (await fetch(`${srv.url}/documents/${DOC}`)).headers.get('etag') ?? '';
    expect(etag).toBe(`"${sha256(v(1))}"`);
    expect(await json<WriteJson>(await put(DOC, v(2), { ...deferred, headers: { 'if-match': etag } }), 202)).toMatchObject({ created: false, document: { sha256: sha256(v(2)) } });
    // The first editor's tag is stale now: refused, the second editor's text stays.
    const stale = await expectError(await put(DOC, v(3), { ...deferred, headers: { 'if-match': etag } }), 412, 'precondition_failed');
    expect(stale.error.message).toContain(sha256(v(2)));
    await expectError(await put(DOC, v(3), { ...deferred, headers: { 'if-match': `W/"${sha256(v(2))}"` } }), 412, 'precondition_failed');
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(v(2));
    // A bare sha256 (If-Match: <sha256>) works too.
    await json<WriteJson>(await put(DOC, v(3), { ...deferred, headers: { 'if-match': sha256(v(2)) } }), 202);
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(v(3));
  });

  test('DELETE with a stale If-Match is 412 and keeps the document; If-Match on a missing one is 412', async () => {
    await expectError(await del(DOC, { ...deferred, headers: { 'if-match': `"${sha256(v(1))}"` } }), 412, 'precondition_failed');
    expect(existsSync(onDisk(DOC))).toBe(true);
    await json<DeleteJson>(await del(DOC, { ...deferred, headers: { 'if-match': `"${sha256(v(3))}"` } }), 202);
    expect(existsSync(onDisk(DOC))).toBe(false);
    await expectError(await put('new-folder/never.md', v(1), { ...deferred, headers: { 'if-match': `"${sha256(v(1))}"` } }), 412, 'precondition_failed');
    expect(existsSync(onDisk('new-folder'))).toBe(false);
    await postReindex();
  });
});

describe('paths', () => {
  const body = 'Written where it must not be.\n';
  const absolute = path.join(tempDir('heihe-abs-'), 'evil.txt');
  const attempts = [
    '/documents/../escape.txt',
    '/documents/../../escape.txt',
    '/documents/sub/../../escape.txt',
    '/documents/%2e%2e/escape.txt',
    '/documents/%2E%2E/%2e%2e/escape.txt',
    '/documents/..%2fescape.txt',
    '/documents/sub%2f..%2f..%2fescape.txt',
    '/documents/a%2fb.txt',
    '/documents/%252e%252e/escape.txt',
    `/documents/${encodeURIComponent(absolute)}`,
    `/documents/${absolute}`,
    '/documents//etc/heihe-evil.txt',
    '/documents/..\\escape.txt',
    '/documents/sub%5c..%5c..%5cescape.txt',
    '/documents/C:%5Cevil.txt',
    '/documents/evil%00.txt',
    '/documents/evil.txt%00.md',
    '/documents/line%0Abreak.txt',
    '/documents/.hidden.md',
    '/documents/.git/config.md',
    '/documents/notes.sh',
    '/documents/notes',
    '/documents/folder/',
    `/documents/${'n'.repeat(300)}.txt`,
    `/documents/${'d/'.repeat(20)}deep.txt`,
  ];

  test('traversal and bad names: 400 JSON for PUT, GET and DELETE; nothing written inside or outside CORPUS_DIR', async () => {
    const before = hashTree(srv.dir);
    for (const attempt of attempts) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const res = await rawRequest(srv.url, method, attempt, { headers: { ...auth, 'content-type': 'text/plain' }, ...(method === 'PUT' ? { body } : {}) });
        expect(res.status, `${method} ${attempt}: ${res.text}`).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(res.text), `${method} ${attempt}`).toMatchObject({ error: { code: 'invalid_path', message: expect.stringMatching(/^Invalid document path/) } });
      }
    }
    // Malformed percent-encoding is refused by the router before it reaches us, as a 400 too.
    const malformed = await rawRequest(srv.url, 'PUT', '/documents/%E0%A4%A.txt', { headers: { ...auth, 'content-type': 'text/plain' }, body });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(hashTree(srv.dir)).toEqual(before);
    expect(existsSync(absolute)).toBe(false);
    expect(existsSync('/etc/heihe-evil.txt')).toBe(false);
    expect(existsSync(path.join(path.dirname(srv.dir), 'escape.txt'))).toBe(false);
  });

  test('symbolic links are not followed: a linked folder or file is refused for every method; its target is untouched', async () => {
    symlinkSync(outside, onDisk('linked'));
    symlinkSync(path.join(outside, 'secret.txt'), onDisk('alias.txt'));
    try {
      const outsideBefore = hashTree(outside);
      for (const doc of ['linked/evil.txt', 'linked/secret.txt', 'alias.txt']) {
        for (const res of [await put(doc, body, { type: 'text/plain' }), await fetch(`${srv.url}/documents/${doc}`), await del(doc)]) {
          expect((await expectError(res, 400, 'invalid_path')).error.message, doc).toMatch(/symbolic link/);
        }
      }
      expect(hashTree(outside)).toEqual(outsideBefore);
      expect(lstatSync(onDisk('alias.txt')).isSymbolicLink()).toBe(true);
      // Links are not documents (the ingest skips them too).
      expect((await list()).documents.map((d) => d.path)).toEqual(['heihe.txt']);
    } finally {
      rmSync(onDisk('linked'));
      rmSync(onDisk('alias.txt'));
    }
  });

  test('a file where a folder should be, and a folder where the document should be, are refused', async () => {
    mkdirSync(onDisk('folder.md'));
    try {
      await expectError(await put('heihe.txt/inner.md', body), 400, 'invalid_path');
      await expectError(await put('folder.md', body), 400, 'invalid_path');
      await expectError(await del('folder.md'), 400, 'invalid_path');
      expect(lstatSync(onDisk('folder.md')).isDirectory()).toBe(true);
    } finally {
      rmSync(onDisk('folder.md'), { recursive: true });
    }
  });
});

describe('bodies', () => {
  const DOC = 'body-check.txt';

  test('binary, invalid UTF-8 and empty bodies: 400 invalid_text; other media types and charsets: 415; nothing written', async () => {
    const cases: Array<[string | Buffer, string, number, string]> = [
      [Buffer.from('text with a NUL\0 inside'), 'text/plain', 400, 'invalid_text'],
      [Buffer.alloc(2048), 'text/plain', 400, 'invalid_text'],
      [Buffer.from([0x48, 0x65, 0xff, 0xfe, 0x6c]), 'text/plain', 400, 'invalid_text'],
      [Buffer.from([0xc3, 0x28]), 'text/markdown; charset=utf-8', 400, 'invalid_text'],
      ['', 'text/plain', 400, 'invalid_text'],
      [' \n\t\n', 'text/plain', 400, 'invalid_text'],
      ['<p>hello</p>', 'text/html', 415, 'unsupported_media_type'],
      ['{"text":"hello"}', 'application/json', 415, 'unsupported_media_type'],
      ['hello', 'application/octet-stream', 415, 'unsupported_media_type'],
      ['hello', 'text/plain; charset=latin1', 415, 'unsupported_media_type'],
      ['hello', 'not a media type', 415, 'unsupported_media_type'],
    ];
    for (const [content, type, status, code] of cases) {
      const res = await put(DOC, content, { type });
      await expectError(res, status, code);
    }
    const untyped = await rawRequest(srv.url, 'PUT', `/documents/${DOC}`, { headers: auth, body: 'hello' });
    expect(untyped.status).toBe(415);
    expect(existsSync(onDisk(DOC))).toBe(false);
  });

  test('DOCUMENT_BODY_LIMIT: a body at the limit is stored, one byte over is 413', async () => {
    const atLimit = `${'Heihe lies on the Amur. '.repeat(LIMIT_BYTES / 24 + 1)}`.slice(0, LIMIT_BYTES - 1) + '\n';
    expect(Buffer.byteLength(atLimit)).toBe(LIMIT_BYTES);
    await json<WriteJson>(await put(DOC, atLimit, { type: 'text/plain; charset=UTF-8', query: '?reindex=false' }), 202);
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(atLimit);
    await expectError(await put(DOC, `${atLimit}x`, { type: 'text/plain', query: '?reindex=false' }), 413, 'payload_too_large');
    expect(readFileSync(onDisk(DOC), 'utf8')).toBe(atLimit);
    await json<DeleteJson>(await del(DOC, { query: '?reindex=false' }), 202);
  });

  test('a byte-order mark is kept as sent; the indexed text is the same as for the ingest', async () => {
    const doc = 'with-bom.md';
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Bom\n\nThe Vellith market opens at six on Sundays.\n')]);
    const body = await json<WriteJson>(await put(doc, bytes), 201);
    expect(body.document.sha256).toBe(sha256(bytes));
    expect(readFileSync(onDisk(doc)).equals(bytes)).toBe(true);
    expect(await listed(doc)).toMatchObject({ indexed: true, chunks: 1 });
    await json<DeleteJson>(await del(doc), 200);
  });
});

describe('authorisation', () => {
  test('writes without the admin token, or with a wrong one, are 401 and change nothing', async () => {
    const before = hashTree(srv.config.corpusDir);
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      await expectError(await fetch(`${srv.url}/documents/intruder.txt`, { method: 'PUT', headers: { ...headers, 'content-type': 'text/plain' }, body: 'hello' }), 401, 'unauthorized');
      await expectError(await fetch(`${srv.url}/documents/heihe.txt`, { method: 'DELETE', headers }), 401, 'unauthorized');
    }
    // The token is checked before the path: a traversal attempt without it learns nothing more.
    const res = await rawRequest(srv.url, 'PUT', '/documents/../escape.txt', { headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(401);
    expect(hashTree(srv.config.corpusDir)).toEqual(before);
  });

  test('without ADMIN_TOKEN writes are 403 documents_read_only; with API_KEYS, reads need a key and writes the admin token', async () => {
    const readOnly = await listenOnLoopback(createApp(fakeAppDeps()));
    try {
      await expectError(await fetch(`${readOnly.url}/documents/a.txt`, { method: 'PUT', headers: { authorization: 'Bearer anything', 'content-type': 'text/plain' }, body: 'x' }), 403, 'documents_read_only');
      await expectError(await fetch(`${readOnly.url}/documents/a.txt`, { method: 'DELETE' }), 403, 'documents_read_only');
      expect((await fetch(`${readOnly.url}/documents`)).status).toBe(200);
    } finally {
      await readOnly.close();
    }
    const puts: string[] = [];
    const keyed = await listenOnLoopback(
      createApp(
        fakeAppDeps({
          adminToken: 'admin',
          apiKeys: ['reader-key'],
          documents: {
            ...fakeAppDeps().documents,
            put: async (doc, bytes) => {
              puts.push(doc.relative);
              return { document: { path: doc.relative, size: bytes.length, sha256: sha256(Buffer.from(bytes)), modified: new Date(0).toISOString() }, created: true, reindex: { state: 'deferred' } };
            },
          },
        }),
      ),
    );
    try {
      await expectError(await fetch(`${keyed.url}/documents`), 401, 'invalid_api_key');
      await expectError(await fetch(`${keyed.url}/documents/a.txt`), 401, 'invalid_api_key');
      expect((await fetch(`${keyed.url}/documents`, { headers: { authorization: 'Bearer reader-key' } })).status).toBe(200);
      await expectError(await fetch(`${keyed.url}/documents/a.txt`, { method: 'PUT', headers: { authorization: 'Bearer reader-key', 'content-type': 'text/plain' }, body: 'x' }), 401, 'unauthorized');
      expect((await fetch(`${keyed.url}/documents/a.txt?reindex=false`, { method: 'PUT', headers: { authorization: 'Bearer admin', 'content-type': 'text/plain' }, body: 'x' })).status).toBe(202);
      expect(puts).toEqual(['a.txt']);
    } finally {
      await keyed.close();
    }
  });
});

describe('serialised with re-indexing', () => {
  test('two concurrent writes: exactly one 409 reindex_in_progress, the other written and indexed', async () => {
    const [a, b] = ['race/a.md', 'race/b.md'];
    const text = (doc: string): string => `# Race\n\nThe document ${doc} was written by the Kestrune race.\n`;
    const responses = await Promise.all([put(a, text(a)), put(b, text(b))]);
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const [winner, loser] = responses[0]?.status === 201 ? [a, b] : [b, a];
    const refused = responses.find((r) => r.status === 409);
    if (refused) await expectError(refused, 409, 'reindex_in_progress');
    expect(readFileSync(onDisk(winner), 'utf8')).toBe(text(winner));
    expect(existsSync(onDisk(loser))).toBe(false);
    expect(await listed(winner)).toMatchObject({ indexed: true });
    // A write and a POST /reindex at once: one of them is refused too.
    const [write, run] = await Promise.all([put(loser, text(loser)), fetch(`${srv.url}/reindex`, { method: 'POST', headers: auth })]);
    expect([write.status, run.status].sort()).toEqual(write.status === 409 ? [200, 409] : [201, 409]);
    await json<DeleteJson>(await del(winner), 200);
    if (existsSync(onDisk(loser))) await json<DeleteJson>(await del(loser), 200);
  });

  test('a write while the re-index of another write runs: 409, nothing written', async () => {
    const first = 'race/first.md';
    const second = 'race/second.md';
    const pending = put(first, '# First\n\nThe Halvorn quay was written first.\n');
    // The first write's file is on disk as soon as it is written; its re-index (a child process) is still to come.
    await waitFor(() => existsSync(onDisk(first)), 30_000, 'the first write');
    await expectError(await put(second, '# Second\n\nNot written.\n'), 409, 'reindex_in_progress');
    expect(await json<WriteJson>(await pending, 201)).toMatchObject({ indexed: true });
    expect(existsSync(onDisk(second))).toBe(false);
    await json<DeleteJson>(await del(first), 200);
  });

  test('while another process (npm run ingest) holds the ingest lock: 409, nothing written', async () => {
    const sleeper = spawnSleeper();
    const lock = path.join(srv.config.indexDir, LOCK_FILE);
    try {
      writeFileSync(lock, `${sleeper.pid} - other\n`);
      await expectError(await put('locked.md', '# Locked\n\nNot written.\n'), 409, 'reindex_in_progress');
      await expectError(await del('heihe.txt'), 409, 'reindex_in_progress');
      expect(existsSync(onDisk('locked.md'))).toBe(false);
      expect(existsSync(onDisk('heihe.txt'))).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.on('close', r));
      rmSync(lock, { force: true });
    }
  });

  test('a re-index that fails after the write: 202, the file stays written, the previous generation serves and /documents says not indexed', async () => {
    const doc = 'notes/after-failure.md';
    const text = '# Failure\n\nThe Drovask lighthouse was written while the corpus held a broken file.\n';
    const generation = await liveGeneration();
    writeFileSync(onDisk('broken.txt'), Buffer.alloc(1024)); // binary: every re-index refuses the corpus
    try {
      const body = await json<WriteJson>(await put(doc, text), 202);
      expect(body).toMatchObject({ created: true, indexed: false, reindex: null, reindexError: { code: 'corpus_unreadable' } });
      expect(body.reindexError?.message).toContain('"broken.txt" is binary');
      expect(readFileSync(onDisk(doc), 'utf8')).toBe(text);
      expect(await liveGeneration()).toBe(generation);
      const health = (await (await fetch(`${srv.url}/health`)).json()) as { status: string; index: { generation: string }; lastReindex: { ok: boolean; error?: { code: string } } };
      expect(health).toMatchObject({ status: 'ok', index: { generation }, lastReindex: { ok: false, error: { code: 'corpus_unreadable' } } });
      expect(await list()).toMatchObject({ upToDate: false });
      expect(await listed(doc)).toMatchObject({ indexed: false, chunks: 0, sha256: sha256(text) });
      expect(await listed('broken.txt')).toMatchObject({ indexed: false, chunks: 0 });
      expect((await search('Drovask lighthouse')).filter((r) => r.source === doc)).toEqual([]);
    } finally {
      rmSync(onDisk('broken.txt'));
    }
    await postReindex();
    expect(await listed(doc)).toMatchObject({ indexed: true, chunks: 1 });
    await json<DeleteJson>(await del(doc), 200);
  });
});

describe('logs', () => {
  test('every write is logged with path, size and sha256; the token never appears', () => {
    const writes = lines.map((l) => JSON.parse(l) as { msg: string; document?: { path: string; bytes: number; sha256: string }; reindex?: string }).filter((l) => /^document (created|replaced|deleted)/.test(l.msg));
    const created = writes.find((l) => l.msg === 'document created' && l.document?.path === 'guides/bells.md');
    expect(created).toMatchObject({ document: { path: 'guides/bells.md', bytes: Buffer.byteLength(BELLS_V1), sha256: sha256(BELLS_V1) }, reindex: 'done' });
    expect(writes.find((l) => l.msg === 'document replaced' && l.document?.sha256 === sha256(BELLS_V2))).toMatchObject({ document: { bytes: Buffer.byteLength(BELLS_V2) } });
    expect(writes.find((l) => l.msg === 'document deleted' && l.document?.path === 'guides/bells.md')).toMatchObject({ document: { bytes: Buffer.byteLength(BELLS_V2), sha256: sha256(BELLS_V2) } });
    expect(writes.find((l) => l.msg.startsWith('document created; the re-index after it failed'))).toMatchObject({ document: { path: 'notes/after-failure.md' }, reindexError: 'corpus_unreadable' });
    for (const l of writes) {
      expect(l.document?.path, l.msg).toEqual(expect.any(String));
      expect(l.document?.bytes, l.msg).toEqual(expect.any(Number));
      expect(l.document?.sha256, l.msg).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(writes.length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});
