/**
 * Turns benchmark results into Markdown tables (printed, and pasted into the README) and the
 * PASS/MISS verdicts against the targets.
 */
import { fmt, medRange, mib, type Latency, type Summary } from './stats.js';
import type { IngestRun, LatencyMeasure, PeerMeasure } from './measure.js';
import type { LoadResult } from './load.js';
import type { StallMeasure } from './stall.js';

export interface HttpRow {
  readonly connections: number;
  readonly ask: readonly LoadResult[];
  readonly bare: readonly LoadResult[];
  readonly askRps: Summary;
  readonly bareRps: Summary;
  /** median /ask req/s ÷ median bare req/s */
  readonly ratio: number;
  readonly askP50: Summary;
  readonly askP99: Summary;
  readonly bareP50: Summary;
  readonly bareP99: Summary;
  /** GET /search on the real server (hybrid retrieval, no answer), against the bare route's req/s. */
  readonly search: readonly LoadResult[];
  readonly searchRps: Summary;
  readonly searchRatio: number;
  readonly searchP50: Summary;
  readonly searchP99: Summary;
  /** GET /health on the real server: its middleware stack (logging, helmet, routing) without answering. */
  readonly stack: readonly LoadResult[];
  readonly stackRps: Summary;
}

export interface ScaleRow {
  readonly targetChunks: number;
  readonly chunks: number;
  readonly files: number;
  readonly textBytes: number;
  readonly ingestMs: Summary;
  readonly chunksPerSec: number;
  readonly warm: IngestRun;
  readonly servingBuildMs: number;
  readonly indexBytes: number;
  readonly indexParts: Record<string, number>;
  readonly answer: LatencyMeasure;
  readonly retrieve: LatencyMeasure;
  readonly serverReadyMs: number;
  readonly serverIdleRss: number;
  readonly serverPeakRss: number;
  readonly http: LoadResult | null;
  readonly peer: PeerMeasure | null;
}

export interface Target {
  readonly name: string;
  readonly value: string;
  readonly target: string;
  readonly status: 'PASS' | 'MISS' | 'not run';
}

export function target(name: string, value: number | null, limit: number, cmp: '<=' | '>=', show: (x: number) => string): Target {
  if (value === null || !Number.isFinite(value)) return { name, value: 'n/a', target: `${cmp === '<=' ? '≤' : '≥'} ${show(limit)}`, status: 'not run' };
  const ok = cmp === '<=' ? value <= limit : value >= limit;
  return { name, value: show(value), target: `${cmp === '<=' ? '≤' : '≥'} ${show(limit)}`, status: ok ? 'PASS' : 'MISS' };
}

export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export const ms = (x: number): string => fmt(x, 'ms');
const pct = (l: Latency): string => `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} ms`;

export function targetsTable(targets: readonly Target[]): string {
  return table(
    ['Target', 'Measured (median)', 'Goal', 'Status'],
    targets.map((t) => [t.name, t.value, t.target, t.status]),
  );
}

export interface HeiheTableInput {
  readonly chunks: number;
  readonly cold: Summary;
  readonly warm: Summary;
  readonly warmEmbedded: readonly number[];
  readonly retrieve: LatencyMeasure;
  readonly answer: LatencyMeasure;
  readonly peer: PeerMeasure;
}

export function heiheTable(h: HeiheTableInput): string {
  const p = h.peer;
  return table(
    ['Heihe corpus', 'Ours (hybrid BM25 + HNSW, extractive)', 'LangChain stock (RecursiveCharacterTextSplitter + HNSWLib)'],
    [
      ['chunks', String(h.chunks), String(p.chunks)],
      ['ingest, cold', `${medRange(h.cold, 'ms')} (read, chunk, embed, write, verify)`, `${medRange(p.ingestMs, 'ms')} in memory; ${medRange(p.ingestSaveMs, 'ms')} with save()`],
      ['re-index, unchanged', `${medRange(h.warm, 'ms')}, embedded ${[...new Set(h.warmEmbedded)].join('/')}`, 'n/a (no incremental path)'],
      ['retrieval p50 / p95 / p99', `${pct(h.retrieve.all)} (retriever.retrieve, k=5)`, `${pct(p.query.all)} (similaritySearch, k=5)`],
      ['answer p50 / p95 / p99', `${pct(h.answer.all)} (retrieval + extractive answer)`, 'n/a (retrieval only)'],
      ['samples', `${h.answer.questions} questions × ${h.answer.passes} passes; p50 per pass ${medRange(h.answer.passP50, 'ms')}`, `${p.query.questions} × ${p.query.passes}`],
    ],
  );
}

export function httpTable(rows: readonly HttpRow[]): string {
  return table(
    ['connections', '/ask req/s', '/ask p50 / p99', 'bare Express req/s', 'bare p50 / p99', '/ask ÷ bare', '/search req/s', '/search p50 / p99', '/search ÷ bare', 'app GET /health req/s (÷ bare)'],
    rows.map((r) => [
      String(r.connections),
      medRange(r.askRps),
      `${fmt(r.askP50.median)} / ${fmt(r.askP99.median)} ms`,
      medRange(r.bareRps),
      `${fmt(r.bareP50.median)} / ${fmt(r.bareP99.median)} ms`,
      `${(r.ratio * 100).toFixed(1)} %`,
      medRange(r.searchRps),
      `${fmt(r.searchP50.median)} / ${fmt(r.searchP99.median)} ms`,
      `${(r.searchRatio * 100).toFixed(1)} %`,
      `${medRange(r.stackRps)} (${((r.stackRps.median / r.bareRps.median) * 100).toFixed(0)} %)`,
    ]),
  );
}

export function scaleTable(rows: readonly ScaleRow[]): string {
  return table(
    ['chunks', 'files / text', 'ingest, cold', 'chunks/s', 'unchanged re-index', 'index on disk', 'answer p50 / p95', 'retrieval p50 / p95', 'server ready', 'server RSS idle / peak', 'HTTP /ask c=16'],
    rows.map((r) => [
      r.chunks.toLocaleString('en-US'),
      `${r.files} / ${fmt(mib(r.textBytes))} MiB`,
      medRange(r.ingestMs, 'ms'),
      fmt(r.chunksPerSec),
      `${ms(r.warm.ms)}, embedded ${r.warm.embedded}`,
      `${fmt(mib(r.indexBytes))} MiB`,
      `${fmt(r.answer.all.p50)} / ${fmt(r.answer.all.p95)} ms`,
      `${fmt(r.retrieve.all.p50)} / ${fmt(r.retrieve.all.p95)} ms`,
      ms(r.serverReadyMs),
      `${fmt(mib(r.serverIdleRss))} / ${fmt(mib(r.serverPeakRss))} MiB`,
      r.http ? `${fmt(r.http.rps)} req/s, p50 ${fmt(r.http.latencyP50)} ms` : 'n/a',
    ]),
  );
}

export function scalePeerTable(rows: readonly ScaleRow[]): string {
  const withPeer = rows.filter((r) => r.peer);
  if (withPeer.length === 0) return '';
  return table(
    ['our chunks', 'ours: ingest / retrieval p50', 'LangChain chunks', 'LangChain: ingest in memory / with save()', 'LangChain similaritySearch p50 / p95'],
    withPeer.map((r) => {
      const p = r.peer as PeerMeasure;
      return [
        r.chunks.toLocaleString('en-US'),
        `${medRange(r.ingestMs, 'ms')} / ${fmt(r.retrieve.all.p50)} ms`,
        p.chunks.toLocaleString('en-US'),
        `${medRange(p.ingestMs, 'ms')} / ${medRange(p.ingestSaveMs, 'ms')}`,
        `${fmt(p.query.all.p50)} / ${fmt(p.query.all.p95)} ms`,
      ];
    }),
  );
}

/** How a figure grows from the smallest to the largest size: "×N for ×M chunks". */
export function growth(rows: readonly ScaleRow[]): string[] {
  if (rows.length < 2) return [];
  const a = rows[0] as ScaleRow;
  const b = rows.at(-1) as ScaleRow;
  const k = b.chunks / a.chunks;
  const g = (name: string, x: number, y: number): string => `${name} ×${fmt(y / x)}`;
  return [
    `From ${a.chunks.toLocaleString('en-US')} to ${b.chunks.toLocaleString('en-US')} chunks (×${fmt(k)}): ` +
      [
        g('ingest time', a.ingestMs.median, b.ingestMs.median),
        g('index on disk', a.indexBytes, b.indexBytes),
        g('answer p50', a.answer.all.p50, b.answer.all.p50),
        g('retrieval p50', a.retrieve.all.p50, b.retrieve.all.p50),
        g('server ready', a.serverReadyMs, b.serverReadyMs),
        g('server peak RSS', a.serverPeakRss, b.serverPeakRss),
      ].join(', ') +
      '.',
  ];
}

export interface StallRow {
  readonly textBytes: number;
  readonly measure: StallMeasure;
  readonly serverPeakRss: number;
  /** Peak RSS of the server's child processes (the re-index). */
  readonly childPeakRss: number;
}

/** One paragraph: a large re-index over HTTP and how the server answered meanwhile. */
export function stallLine(row: StallRow): string {
  const m = row.measure;
  const body = m.body as { chunks?: number; embedded?: number };
  return (
    `Re-index under service (POST /reindex adding ${fmt(mib(row.textBytes))} MiB of new text: ${(body.chunks ?? 0).toLocaleString('en-US')} chunks, ${(body.embedded ?? 0).toLocaleString('en-US')} embedded, ` +
    `in a child process; until the new generation was served): ${fmt(m.reindexMs / 1000)} s. ` +
    `GET /health every 100 ms: ${m.health.n} probes, p50 ${ms(m.health.p50)}, p99 ${ms(m.health.p99)}, slowest ${ms(m.health.max)}; ` +
    `POST /ask every 500 ms: ${m.ask.n}, p50 ${ms(m.ask.p50)}, slowest ${ms(m.ask.max)}; ${m.failedProbes} failed. ` +
    `Peak RSS: server ${fmt(mib(row.serverPeakRss))} MiB, re-index process ${fmt(mib(row.childPeakRss))} MiB.`
  );
}
