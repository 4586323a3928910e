/**
 * Error codes that say what happened, over POST /reindex (the re-index runs in a child
 * process, so code, status and message must cross that boundary intact), from the CLI and from
 * reindex() itself: a corpus of empty files is 422 corpus_empty; a file of NUL bytes is refused
 * as binary (422 corpus_unreadable); a file deleted while the corpus is read is reported as
 * gone, not as "not UTF-8"; an index directory that cannot be written is 500 reindex_failed
 * naming the cause. The live index keeps serving through all of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { readCorpusFiles } from '../../src/ingest/read-corpus.js';
import { reindex } from '../../src/ingest/reindex.js';
import { readCurrent } from '../../src/index-store/layout.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { HEIHE_TEXT, childEnv, generationEntries, runIngest } from '../helpers/reindex-fixtures.js';

const TOKEN = 'errors-admin-token';

interface ErrorOut {
  status: number;
  code: string;
  message: string;
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN } });
});
afterAll(async () => srv?.close());

async function postReindex(): Promise<ErrorOut> {
  const res = await fetch(`${srv.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code ?? 'ok', message: body.error?.message ?? '' };
}

/** Runs `fn` with the corpus replaced by `files`, then restores the Heihe text. */
async function withCorpus<T>(files: Record<string, string | Buffer>, fn: () => Promise<T>): Promise<T> {
  const dir = srv.config.corpusDir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'heihe.txt'), HEIHE_TEXT);
  }
}

async function expectStillServing(generation: string | null): Promise<void> {
  expect(await readCurrent(srv.config.indexDir)).toBe(generation);
  expect(generationEntries(srv.config.indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
  const res = await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: 'What province is Heihe in?' }) });
  expect(res.status).toBe(200);
}

describe('POST /reindex', () => {
  test('a corpus of empty (or white-space) files → 422 corpus_empty, not 500', async () => {
    const live = await readCurrent(srv.config.indexDir);
    const err = await withCorpus({ 'a.txt': '', 'b.md': '   \n\n\t\n', 'c.txt': '\n' }, postReindex);
    expect(err).toMatchObject({ status: 422, code: 'corpus_empty' });
    expect(err.message).toBe('The corpus has 3 file(s) but no text to index: they are empty or hold only white space.');
    await expectStillServing(live);
  });

  test('a file of NUL bytes → 422 corpus_unreadable, refused as binary (not indexed)', async () => {
    const live = await readCurrent(srv.config.indexDir);
    const err = await withCorpus({ 'heihe.txt': HEIHE_TEXT, 'zeros.txt': Buffer.alloc(4096) }, postReindex);
    expect(err).toMatchObject({ status: 422, code: 'corpus_unreadable' });
    expect(err.message).toContain('"zeros.txt" is binary (it contains NUL bytes)');
    // Text with a NUL inside is binary too.
    const mixed = await withCorpus({ 'heihe.txt': `${HEIHE_TEXT}\0tail` }, postReindex);
    expect(mixed.message).toContain('"heihe.txt" is binary');
    await expectStillServing(live);
  });

  test('an index directory that cannot be written → 500 reindex_failed naming the cause', async (ctx) => {
    const live = await readCurrent(srv.config.indexDir);
    // As root, permissions do not stop writes: make the directory immutable where the file
    // system allows it (ext4, xfs), else make it read-only for a non-root user.
    const dir = srv.config.indexDir;
    const root = process.getuid?.() === 0;
    try {
      if (root) execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
      else execFileSync('chmod', ['a-w', dir]);
    } catch {
      ctx.skip('cannot make a directory unwritable here (not root-immutable, not chmod-able)');
    }
    let err: ErrorOut;
    try {
      err = await postReindex();
    } finally {
      if (root) execFileSync('chattr', ['-i', dir]);
      else execFileSync('chmod', ['u+w', dir]);
    }
    expect(err).toMatchObject({ status: 500, code: 'reindex_failed' });
    expect(err.message).toMatch(/^The index directory cannot be written \((EPERM: operation not permitted|EACCES: permission denied)\)\.$/);
    await expectStillServing(live);
  });
});

describe('reindex() and the CLI', () => {
  test('an INDEX_DIR below a file (ENOTDIR) → reindex_failed 500 with the cause; the CLI exits 1 saying so', async () => {
    const dir = tempDir('heihe-unwritable-');
    try {
      writeFileSync(path.join(dir, 'a-file'), 'not a directory');
      const indexDir = path.join(dir, 'a-file', 'index');
      const err = await reindex(srv.runtime.reindexDeps({ indexDir })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'reindex_failed', status: 500, message: 'The index directory cannot be written (ENOTDIR: not a directory).' });
      const cli = await runIngest(childEnv({ CORPUS_DIR: srv.config.corpusDir, INDEX_DIR: indexDir }));
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('reindex_failed: The index directory cannot be written (ENOTDIR: not a directory).');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the CLI: a corpus of empty files exits 1 with corpus_empty', async () => {
    const dir = tempDir('heihe-empty-corpus-');
    try {
      mkdirSync(path.join(dir, 'corpus'));
      writeFileSync(path.join(dir, 'corpus', 'empty.txt'), '');
      const cli = await runIngest(childEnv({ CORPUS_DIR: path.join(dir, 'corpus'), INDEX_DIR: path.join(dir, 'index') }));
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('corpus_empty: The corpus has 1 file(s) but no text to index');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file deleted while the corpus is being read is reported as gone (not as "not UTF-8")', async () => {
    const dir = tempDir('heihe-vanishing-');
    try {
      for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(path.join(dir, name), `${name} holds some text.`);
      const files = readCorpusFiles(dir);
      expect((await files.next()).value?.path).toBe('a.txt'); // listed all three, read the first
      rmSync(path.join(dir, 'b.txt'));
      const err = await files.next().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'corpus_unreadable', status: 422 });
      expect((err as AppError).message).toBe('The corpus file "b.txt" disappeared while the corpus was being read (deleted or renamed meanwhile); run the re-index again.');
      expect((err as AppError).message).not.toMatch(/UTF-8/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('invalid UTF-8 is still reported as such', async () => {
    const dir = tempDir('heihe-latin1-');
    try {
      writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from('Caf\xe9 au lait', 'latin1'));
      const err = await readCorpusFiles(dir)
        .next()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect((err as AppError).message).toBe('The corpus file "latin1.txt" is not valid UTF-8 text.');
      expect(readFileSync(path.join(dir, 'latin1.txt')).includes(0)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
