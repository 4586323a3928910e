/**
 * Builds the scale corpus: real English text this project did not write, present on any
 * machine after `npm ci`. It gathers from node_modules (deduplicated by content):
 *   1. Markdown docs (README.md, docs/*.md, CHANGELOG.md, ...), licences skipped;
 *   2. other .txt docs, licences and notices skipped;
 *   3. the prose of the JSDoc comments in TypeScript declaration files (*.d.ts), written
 *      out as plain-text documents, because the Markdown alone gives fewer than 20,000 chunks.
 * Files are written under <outDir>/all/ in a fixed pseudo-random order (by content hash), with
 * their chunk counts under the project's chunker in <outDir>/manifest.json, so a corpus of about
 * N chunks is the first files of that order (see `subsetCorpus`), and every size has the same mix.
 *
 *   npx tsx bench/gather-scale-corpus.ts [outDir]
 */
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chunkSource, DEFAULT_CHUNKER } from '../src/ingest/chunk.js';

export interface ScaleFile {
  readonly name: string;
  readonly kind: 'markdown' | 'text' | 'jsdoc';
  readonly from: string;
  readonly bytes: number;
  readonly chunks: number;
}

export interface ScaleManifest {
  readonly files: readonly ScaleFile[];
  readonly totalChunks: number;
  readonly totalBytes: number;
  readonly byKind: Readonly<Record<ScaleFile['kind'], { files: number; chunks: number; bytes: number }>>;
  readonly ms: number;
}

const LICENCE = /^(licen[cs]e|copying|notice|authors|patents|thirdpartynotice)/i;
const MAX_FILE_BYTES = 2_000_000;

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

function kindOf(file: string): ScaleFile['kind'] | null {
  const base = path.basename(file);
  if (LICENCE.test(base)) return null;
  if (/\.(md|markdown)$/i.test(base)) return 'markdown';
  if (/\.txt$/i.test(base)) return 'text';
  if (/\.d\.(ts|mts|cts)$/i.test(base)) return 'jsdoc';
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The prose of a declaration file: its /** ... *\/ comments, one paragraph each, markup of the comment removed. */
export function jsdocProse(source: string): string {
  const paragraphs: string[] = [];
  for (const m of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const body = (m[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/^\s*\*? ?/, '').trimEnd())
      .join('\n')
      .trim();
    // Keep comments that say something: at least five words.
    if ((body.match(/[A-Za-z]{2,}/g) ?? []).length >= 5) paragraphs.push(body);
  }
  return paragraphs.join('\n\n');
}

function safeName(rel: string): string {
  const name = rel.replace(/[\\/]+/g, '__').replace(/[^\w.@+-]/g, '_');
  return name.startsWith('.') ? `_${name}` : name;
}

export function gatherScaleCorpus(nodeModules: string, outDir: string): ScaleManifest {
  const started = performance.now();
  const allDir = path.join(outDir, 'all');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(allDir, { recursive: true });
  const files: string[] = [];
  walk(nodeModules, files);
  files.sort();
  const seen = new Set<string>();
  const picked: Array<ScaleFile & { hash: string }> = [];
  for (const file of files) {
    const kind = kindOf(file);
    if (!kind) continue;
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      continue;
    }
    if (size === 0 || size > MAX_FILE_BYTES) continue;
    let text: string;
    try {
      text = utf8.decode(readFileSync(file)).replace(/^\uFEFF/, '');
    } catch {
      continue; // not UTF-8
    }
    if (kind === 'jsdoc') text = jsdocProse(text);
    if (text.trim().length < 200) continue;
    const hash = createHash('sha1').update(text.replace(/\s+/g, ' ').trim()).digest('hex');
    if (seen.has(hash)) continue; // the same README in several copies of a package
    seen.add(hash);
    const rel = path.relative(nodeModules, file);
    const name = `${kind}/${safeName(rel)}${kind === 'jsdoc' ? '.txt' : ''}`;
    const chunks = chunkSource({ path: name, text }, DEFAULT_CHUNKER).length;
    mkdirSync(path.join(allDir, kind), { recursive: true });
    writeFileSync(path.join(allDir, name), text);
    picked.push({ name, kind, from: rel, bytes: Buffer.byteLength(text), chunks, hash });
  }
  // A fixed shuffle, so any prefix has about the same mix of kinds as the whole.
  picked.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const byKind = { markdown: { files: 0, chunks: 0, bytes: 0 }, text: { files: 0, chunks: 0, bytes: 0 }, jsdoc: { files: 0, chunks: 0, bytes: 0 } };
  for (const f of picked) {
    const k = byKind[f.kind];
    k.files++;
    k.chunks += f.chunks;
    k.bytes += f.bytes;
  }
  const manifest: ScaleManifest = {
    files: picked.map(({ hash: _hash, ...f }) => f),
    totalChunks: picked.reduce((a, f) => a + f.chunks, 0),
    totalBytes: picked.reduce((a, f) => a + f.bytes, 0),
    byKind,
    ms: performance.now() - started,
  };
  writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

/**
 * A corpus directory of the first files of the manifest's order, about `targetChunks` chunks
 * (at least that many, unless the whole corpus is smaller). Files are hard-linked (copied if
 * linking fails). Returns the directory and its exact chunk count.
 */
export function subsetCorpus(outDir: string, manifest: ScaleManifest, targetChunks: number): { dir: string; chunks: number; files: number; bytes: number } {
  const dir = path.join(outDir, `n${targetChunks}`);
  rmSync(dir, { recursive: true, force: true });
  let chunks = 0;
  let files = 0;
  let bytes = 0;
  for (const f of manifest.files) {
    if (chunks >= targetChunks) break;
    const target = path.join(dir, f.name);
    mkdirSync(path.dirname(target), { recursive: true });
    const source = path.join(outDir, 'all', f.name);
    try {
      linkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
    chunks += f.chunks;
    files++;
    bytes += f.bytes;
  }
  return { dir, chunks, files, bytes };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]).replace(/\.(ts|js)$/, '') === path.resolve(import.meta.dirname, 'gather-scale-corpus');
if (isMain) {
  const outDir = path.resolve(process.argv[2] ?? path.join(os.tmpdir(), 'heihe-scale-corpus'));
  const nodeModules = path.resolve(import.meta.dirname, '..', 'node_modules');
  if (!existsSync(nodeModules)) throw new Error(`${nodeModules} not found: run npm ci first`);
  const m = gatherScaleCorpus(nodeModules, outDir);
  console.log(`${m.files.length} files, ${m.totalChunks} chunks, ${(m.totalBytes / 2 ** 20).toFixed(1)} MiB of text in ${Math.round(m.ms)} ms -> ${outDir}/all`);
  for (const [kind, k] of Object.entries(m.byKind)) console.log(`  ${kind.padEnd(9)} ${String(k.files).padStart(5)} files ${String(k.chunks).padStart(6)} chunks ${(k.bytes / 2 ** 20).toFixed(1)} MiB`);
}
