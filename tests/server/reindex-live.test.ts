/**
 * POST /reindex on a live server: auth (401/403), zero-downtime swaps under continuous
 * questions (every answer's citations belong to the generation its indexVersion names),
 * requests in flight finishing on their generation, 409 for a second re-index, and failures
 * answered with JSON errors while the live index keeps serving.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { createApp } from '../../src/server/app.js';
import { createIndexHolder } from '../../src/server/index-holder.js';
import type { ServingIndex } from '../../src/answer/serving-index.js';
import type { Answer } from '../../src/types.js';
import { LOCK_FILE } from '../../src/ingest/lock.js';
import { readCurrent } from '../../src/index-store/layout.js';
import { fakeAppDeps, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import {
  HEIHE_TEXT,
  MASCOT_QUESTION,
  POPULATION_NEW,
  POPULATION_OLD,
  generationChunkIds,
  generationEntries,
  spawnSleeper,
  withMascot,
  writeBigCorpus,
} from '../helpers/reindex-fixtures.js';

const TOKEN = 'test-admin-token';

interface ReindexBody {
  version: string;
  generation: string;
  changed: boolean;
  added: number;
  unchanged: number;
  removed: number;
  embedded: number;
  ms: number;
}

const postReindex = (srv: TestServer, token: string | null = TOKEN): Promise<Response> =>
  fetch(`${srv.url}/reindex`, { method: 'POST', headers: token === null ? {} : { authorization: `Bearer ${token}` } });
const postAsk = (srv: TestServer, question: string): Promise<Response> =>
  fetch(`${srv.url}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) });
const health = async (srv: TestServer): Promise<{ index: { version: string; generation: string } }> =>
  (await (await fetch(`${srv.url}/health`)).json()) as { index: { version: string; generation: string } };

describe('POST /reindex authorisation', () => {
  let open: TestServer;
  let secured: TestServer;
  beforeAll(async () => {
    [open, secured] = await Promise.all([startTestServer(), startTestServer({ env: { ADMIN_TOKEN: TOKEN } })]);
  });
  afterAll(async () => Promise.all([open?.close(), secured?.close()]));

  test('403 when no ADMIN_TOKEN is configured', async () => {
    const res = await postReindex(open, 'anything');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('reindex_disabled');
  });

  test('401 without a token, with a wrong one, or a malformed header', async () => {
    for (const res of [
      await postReindex(secured, null),
      await postReindex(secured, 'wrong-token'),
      await postReindex(secured, `${TOKEN}x`),
      await fetch(`${secured.url}/reindex`, { method: 'POST', headers: { authorization: TOKEN } }),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  test('200 with the token: the summary of the run', async () => {
    const res = await postReindex(secured);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReindexBody;
    expect(body).toMatchObject({ changed: false, added: 0, removed: 0, embedded: 0 });
    expect(body.version).toBe((await health(secured)).index.version);
    expect(Number.isInteger(body.ms)).toBe(true);
  });
});

describe('zero-downtime re-indexing under load', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN, KEEP_GENERATIONS: '20' } });
  });
  afterAll(async () => srv?.close());

  test('4 clients asking continuously through 6 re-indexes: all 200, every citation from the generation its indexVersion names', async () => {
    const file = path.join(srv.config.corpusDir, 'heihe.txt');
    const indexDir = srv.config.indexDir;
    /** Chunk ids of each version, read from its generation's chunk store right after the switch. */
    const chunksOf = new Map<string, Set<string>>();
    const record = (version: string, generation: string): void => {
      if (!chunksOf.has(version)) chunksOf.set(version, generationChunkIds(indexDir, generation));
    };
    const live = srv.holder.peek();
    if (!live) throw new Error('no index');
    record(live.version, live.name);

    const questions = [MASCOT_QUESTION, 'How many people live in Anheihe?', 'What province is Heihe in?', 'Which river forms the border with Russia?'];
    const answers: Array<{ status: number; body: Answer }> = [];
    let stop = false;
    let clientError: unknown = null;
    const client = async (i: number): Promise<void> => {
      try {
        for (let n = 0; !stop; n++) {
          const res = await postAsk(srv, questions[(i + n) % questions.length] as string);
          answers.push({ status: res.status, body: (await res.json()) as Answer });
          // A short think time: the clients keep the server busy without starving the re-index.
          await new Promise((r) => setTimeout(r, 15));
        }
      } catch (err) {
        clientError = err;
      }
    };
    const clients = [0, 1, 2, 3].map(client);

    const edits = [
      (t: string) => withMascot(t),
      (t: string) => withMascot(t).replace(POPULATION_OLD, POPULATION_NEW),
      (t: string) => t.replace(POPULATION_OLD, POPULATION_NEW),
      (t: string) => t,
    ];
    const runs: ReindexBody[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const before = answers.length;
        writeFileSync(file, edits[i % edits.length]?.(HEIHE_TEXT) ?? HEIHE_TEXT);
        const res = await postReindex(srv);
        expect(res.status).toBe(200);
        const body = (await res.json()) as ReindexBody;
        expect(body.changed).toBe(true);
        record(body.version, body.generation);
        runs.push(body);
        // Let the clients answer from the new generation for a moment.
        while (answers.length < before + 8 && !clientError) await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(clientError).toBeNull();

    const mascotVersions = new Set(runs.filter((_, i) => i % 4 < 2).map((r) => r.version));
    const byVersion = new Map<string, number>();
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      const ids = chunksOf.get(body.indexVersion);
      expect(ids, `indexVersion ${body.indexVersion} is a generation that was live`).toBeDefined();
      for (const c of body.citations) expect(ids?.has(c.chunkId), `citation ${c.chunkId} of ${body.indexVersion}`).toBe(true);
      byVersion.set(body.indexVersion, (byVersion.get(body.indexVersion) ?? 0) + 1);
      // Only the versions that have the mascot can name it (which sentence answers the question
      // is the answerer's business, measured by npm run eval; this test is about generations).
      if (body.answer.includes('Lumi')) expect(mascotVersions.has(body.indexVersion), `${body.indexVersion} has the mascot`).toBe(true);
    }
    for (const { body } of answers.filter((a) => a.body.question === MASCOT_QUESTION)) {
      expect(body.citations.some((c) => c.text.includes('Lumi'))).toBe(mascotVersions.has(body.indexVersion));
    }
    expect(byVersion.size).toBeGreaterThanOrEqual(4);
    console.log(`[reindex-live] ${answers.length} /ask requests, all 200, during ${runs.length} re-indexes (embedded ${runs.map((r) => r.embedded).join('/')}, ms ${runs.map((r) => r.ms).join('/')}); answers per version: ${[...byVersion.values()].join(', ')}`);
  // Six re-indexes, each with its refusal calibration, under four clients: 19 s on an idle
  // 2-core machine, past the default 60 s once when the machine was shared (CI, 2026-12-02).
  }, 240_000);

  test('a request in flight finishes on the generation it started with', async () => {
    const fakeIndex = (name: string): ServingIndex => ({ name, version: name, manifest: { version: name } }) as unknown as ServingIndex;
    const holder = createIndexHolder(fakeIndex('gen-a'));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const app = createApp(fakeAppDeps({
      index: holder,
      answer: async (input, index) => {
        if (input.question.startsWith('slow')) {
          entered();
          await gate;
        }
        return { answer: 'ok', grounded: true, citations: [], mode: 'extractive', indexVersion: index.version, question: input.question } satisfies Answer;
      },
    }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    const ask = (question: string): Promise<Answer> =>
      fetch(`http://127.0.0.1:${port}/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ question }) }).then((r) => r.json() as Promise<Answer>);
    try {
      const slow = ask('slow question?');
      await inside;
      holder.swap(fakeIndex('gen-b'));
      expect((await ask('fast question?')).indexVersion).toBe('gen-b');
      release();
      expect((await slow).indexVersion).toBe('gen-a');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('409 and failures over HTTP', () => {
  let srv: TestServer;
  let fault: 'none' | 'documents' | 'query' = 'none';
  let corpusSrc: string;
  beforeAll(async () => {
    // A corpus big enough (~1000 chunks) that a full re-embedding takes a while.
    corpusSrc = tempDir('heihe-big-');
    writeBigCorpus(corpusSrc, 30, 1);
    srv = await startTestServer({
      corpusFrom: corpusSrc,
      env: { ADMIN_TOKEN: TOKEN },
      reindexOverrides: (runtime) => {
        const base = runtime.embedding.embeddings;
        const embeddings: EmbeddingsInterface = {
          embedDocuments: async (t) => {
            if (fault === 'documents') throw new Error('embedding service unavailable');
            return base.embedDocuments(t);
          },
          embedQuery: async (t) => {
            if (fault === 'query') throw new Error('probe embedding failed');
            return base.embedQuery(t);
          },
        };
        return { embedding: { embeddings, info: runtime.embedding.info } };
      },
    });
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(corpusSrc, { recursive: true, force: true });
  });

  const errorOf = async (res: Response): Promise<{ status: number; code: string; message: string }> => {
    const body = (await res.json()) as { error: { code: string; message: string } };
    return { status: res.status, code: body.error.code, message: body.error.message };
  };

  /** Live index untouched: same generation served and on disk, no temp dirs, no lock. */
  async function expectStillServing(generation: string): Promise<void> {
    expect((await health(srv)).index.generation).toBe(generation);
    expect(await readCurrent(srv.config.indexDir)).toBe(generation);
    expect(generationEntries(srv.config.indexDir).filter((e) => e.startsWith('.'))).toEqual([]);
    expect(existsSync(path.join(srv.config.indexDir, LOCK_FILE))).toBe(false);
    const res = await postAsk(srv, 'What province is Heihe in?');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).indexVersion).toBe((await health(srv)).index.version);
  }

  test('two concurrent POST /reindex: the first runs (200), the second gets 409', async () => {
    const before = (await health(srv)).index.version;
    writeBigCorpus(srv.config.corpusDir, 30, 2); // every chunk changes: a long re-index
    const first = postReindex(srv);
    await new Promise((r) => setTimeout(r, 100));
    const second = await postReindex(srv);
    expect(await errorOf(second)).toMatchObject({ status: 409, code: 'reindex_in_progress' });
    const done = await first;
    expect(done.status).toBe(200);
    const body = (await done.json()) as ReindexBody;
    expect(body.embedded).toBe(body.added);
    expect(body.embedded).toBeGreaterThan(900);
    expect(body.version).not.toBe(before);
    expect((await health(srv)).index.version).toBe(body.version);
    console.log(`[reindex-live] full re-embed of ${body.embedded} chunks took ${body.ms} ms; the concurrent request got 409`);
  });

  test('a lock held by another live process → 409', async () => {
    const sleeper = spawnSleeper();
    const lock = path.join(srv.config.indexDir, LOCK_FILE);
    try {
      writeFileSync(lock, `${sleeper.pid} - other\n`);
      expect(await errorOf(await postReindex(srv))).toMatchObject({ status: 409, code: 'reindex_in_progress' });
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.on('close', r));
    }
    expect(existsSync(lock)).toBe(true);
    expect((await postReindex(srv)).status).toBe(200); // the stale lock does not block
  });

  test('an unreadable corpus file → 422 corpus_unreadable; the live index keeps serving', async () => {
    const live = (await health(srv)).index.generation;
    const bad = path.join(srv.config.corpusDir, 'zz-broken.txt');
    writeFileSync(bad, Buffer.from([0xc3, 0x28, 0xa0, 0xa1]));
    try {
      const err = await errorOf(await postReindex(srv));
      expect(err).toMatchObject({ status: 422, code: 'corpus_unreadable' });
      expect(err.message).toContain('zz-broken.txt');
      await expectStillServing(live);
    } finally {
      rmSync(bad);
    }
  });

  test('an embedding error → 502 reindex_failed; a failing check → 500 reindex_failed; the live index keeps serving', async () => {
    const live = (await health(srv)).index.generation;
    const part = path.join(srv.config.corpusDir, 'part-000.txt');
    writeFileSync(part, `${readFileSync(part, 'utf8')}\n\nA new paragraph about the Heihe night market, open from May to September.\n`);
    try {
      fault = 'documents';
      expect(await errorOf(await postReindex(srv))).toMatchObject({ status: 502, code: 'reindex_failed' });
      await expectStillServing(live);
      fault = 'query';
      expect(await errorOf(await postReindex(srv))).toMatchObject({ status: 500, code: 'reindex_failed' });
      await expectStillServing(live);
    } finally {
      fault = 'none';
    }
    const ok = await postReindex(srv);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as ReindexBody).embedded).toBe(1);
  });
});
