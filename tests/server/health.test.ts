/**
 * /health tells the truth: "degraded" with the reason when the server is not serving the
 * generation CURRENT names (a start-up fallback to an older generation because the current
 * one is damaged; a new generation that fails to load; CURRENT naming a generation that does
 * not exist), "ok" again once that is repaired, and the last re-index's result and time.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { reindex } from '../../src/ingest/reindex.js';
import { FILES, generationDir, readCurrent, switchCurrent } from '../../src/index-store/layout.js';
import { createReindexer } from '../../src/server/reindexer.js';
import { createIndexStatus } from '../../src/server/index-status.js';
import type { ReindexSummary } from '../../src/ingest/reindex.js';
import { AppError } from '../../src/errors.js';
import type { Answer } from '../../src/types.js';
import { PROJECT_ROOT, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { HEIHE_TEXT, MASCOT_QUESTION, withMascot, type HealthBody } from '../helpers/reindex-fixtures.js';

const TOKEN = 'health-admin-token';

const health = async (srv: TestServer): Promise<{ status: number; body: HealthBody }> => {
  const res = await fetch(`${srv.url}/health`);
  return { status: res.status, body: (await res.json()) as HealthBody };
};
const postReindex = (srv: TestServer): Promise<Response> => fetch(`${srv.url}/reindex`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
const askMascot = async (srv: TestServer): Promise<Answer> =>
  (await (await fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question: MASCOT_QUESTION }) })).json()) as Answer;

/** A pino logger whose JSON lines land in `lines`. */
function capturingLogger(lines: string[]): pino.Logger {
  return pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    }),
  );
}

describe('start-up falls back to the newest generation that loads', () => {
  let prepared: string;
  let older: string;
  let damaged: string;
  let srv: TestServer;
  const lines: string[] = [];

  beforeAll(async () => {
    // Two generations (without and with the mascot paragraph); then the live one is damaged.
    prepared = tempDir('heihe-health-prep-');
    mkdirSync(path.join(prepared, 'corpus'));
    const file = path.join(prepared, 'corpus', 'heihe.txt');
    writeFileSync(file, HEIHE_TEXT);
    const runtime = await createRuntime(parseConfig({ CORPUS_DIR: path.join(prepared, 'corpus'), INDEX_DIR: path.join(prepared, 'index'), EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache') }));
    older = (await reindex(runtime.reindexDeps())).generation;
    writeFileSync(file, withMascot(HEIHE_TEXT));
    damaged = (await reindex(runtime.reindexDeps())).generation;
    writeFileSync(path.join(generationDir(path.join(prepared, 'index'), damaged), FILES.hnsw, FILES.hnswIndex), '');
    srv = await startTestServer({ corpusFrom: path.join(prepared, 'corpus'), indexFrom: path.join(prepared, 'index'), env: { ADMIN_TOKEN: TOKEN }, logger: capturingLogger(lines) });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(prepared, { recursive: true, force: true });
  });

  test('serves the older generation, says so loudly in the log and as "degraded" with the reason in /health', async () => {
    const { status, body } = await health(srv);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.index?.generation).toBe(older);
    expect(body.reason).toContain(damaged);
    expect(body.reason).toMatch(/cannot be loaded: .*HNSW index cannot be read/);
    expect(body.reason).toContain(`serving the older generation ${older}`);
    expect(body.lastReindex).toBeNull();
    const loud = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50 && l.msg.startsWith('INDEX DEGRADED'));
    expect(loud).toHaveLength(1);
    // It answers, from the older generation (which has no mascot).
    const a = await askMascot(srv);
    expect(a.indexVersion).not.toBe('');
    expect(a.citations.some((c) => c.text.includes('Lumi'))).toBe(false);
    // CURRENT itself is left alone: repairing is ingest's job.
    expect(await readCurrent(srv.config.indexDir)).toBe(damaged);
  });

  test('POST /reindex repairs it: a new generation, embeddings reused, /health "ok" with the last re-index', async () => {
    const res = await postReindex(srv);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReindexSummary;
    expect(body).toMatchObject({ changed: true, repaired: true, embedded: 0 });
    const after = await health(srv);
    expect(after.body.status).toBe('ok');
    expect(after.body.reason).toBeUndefined();
    expect(after.body.index?.generation).toBe(body.generation);
    expect(after.body.lastReindex).toMatchObject({ ok: true, generation: body.generation, repaired: true });
    expect(Date.now() - Date.parse(after.body.lastReindex?.at ?? '')).toBeLessThan(60_000);
    expect((await askMascot(srv)).answer).toContain('Lumi');
  });
});

describe('while running', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN } });
  });
  afterAll(async () => srv?.close());

  test('CURRENT naming a generation that does not exist → degraded (still serving); back → ok', async () => {
    const live = (await health(srv)).body.index?.generation ?? '';
    await switchCurrent(srv.config.indexDir, 'g-20000101t000000000z-0123456789ab');
    await srv.serving.follower.check();
    const { body } = await health(srv);
    expect(body.status).toBe('degraded');
    expect(body.reason).toMatch(/g-20000101t000000000z-0123456789ab\) cannot be loaded: Index generation .* does not exist.*still serving/);
    expect(body.index?.generation).toBe(live);
    await switchCurrent(srv.config.indexDir, live);
    await srv.serving.follower.check();
    expect((await health(srv)).body.status).toBe('ok');
  });

  test('a new generation that fails to load (NaN vectors) → degraded with the reason; the previous one keeps serving', async () => {
    const live = (await health(srv)).body.index?.generation ?? '';
    // A copy of the live generation under a newer name, with a NaN vector.
    const bad = live.replace(/^g-\d{8}t/, 'g-29990101t');
    cpSync(generationDir(srv.config.indexDir, live), generationDir(srv.config.indexDir, bad), { recursive: true });
    const vectors = path.join(generationDir(srv.config.indexDir, bad), FILES.vectors);
    const buf = readFileSync(vectors);
    buf.writeFloatLE(Number.NaN, 0);
    writeFileSync(vectors, buf);
    await switchCurrent(srv.config.indexDir, bad);
    await srv.serving.follower.check();
    const { body } = await health(srv);
    expect(body.status).toBe('degraded');
    expect(body.reason).toContain(`(${bad}) cannot be loaded`);
    expect(body.reason).toContain('vectors.f32 vector 0 is not finite and of unit length');
    expect(body.index?.generation).toBe(live);
    expect((await askMascot(srv)).indexVersion).toBe(body.index?.version);
    await switchCurrent(srv.config.indexDir, live);
    await srv.serving.follower.check();
    expect((await health(srv)).body.status).toBe('ok');
    rmSync(generationDir(srv.config.indexDir, bad), { recursive: true, force: true });
  });

  test('a failed re-index is the last re-index (code, message, time); the served index stays "ok"', async () => {
    const file = path.join(srv.config.corpusDir, 'heihe.txt');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, '');
    try {
      const res = await postReindex(srv);
      expect(res.status).toBe(422);
      const { body } = await health(srv);
      expect(body.status).toBe('ok');
      expect(body.lastReindex).toMatchObject({ ok: false, error: { code: 'corpus_empty' } });
      expect(body.lastReindex?.error?.message).toMatch(/no text to index/);
    } finally {
      writeFileSync(file, text);
    }
  });
});

describe('the re-indexer', () => {
  test('a run whose generation this server cannot load is 500 reindex_failed, recorded as the last re-index', async () => {
    const status = createIndexStatus();
    const summary = { generation: 'g-new', version: 'abc', changed: true, repaired: false, ms: 10, files: 1, chunks: 1, added: 1, unchanged: 0, removed: 0, embedded: 1, reused: 0 } satisfies ReindexSummary;
    const run = createReindexer({ run: async () => summary, sync: async () => ({ kind: 'failed', name: 'g-new', error: new Error('damaged on the way') }), status }).reindex;
    const err = await run().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'reindex_failed', status: 500 });
    expect((err as AppError).message).toContain('g-new was written, but this server cannot load it: damaged on the way');
    expect(status.lastReindex()).toMatchObject({ ok: false, error: { code: 'reindex_failed' } });
    // A generation that loads: a success.
    const ok = createReindexer({ run: async () => summary, sync: async () => ({ kind: 'switched', name: 'g-new' }), status }).reindex;
    expect(await ok()).toMatchObject({ generation: 'g-new' });
    expect(status.lastReindex()).toMatchObject({ ok: true, generation: 'g-new' });
  });
});
