/**
 * The on-disk form of a generation's sentence index: one JSON file (typed arrays as base64)
 * and the sentence vectors as raw float32. Reading validates the JSON's shape (zod) and every
 * length, id and number, so a damaged file is reported, never half-used.
 */
import { z } from 'zod';
import { aliasesFromGroups } from '../text/aliases.js';
import type { Rows, SentenceIndex } from '../answer/sentence-index.js';
import { runNow, type Steps } from '../sliced.js';
import { ownedBuffer } from './vectors.js';

type Typed = Int32Array | Uint16Array | Float32Array | Float64Array;
const b64 = (a: Typed): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function decode<T extends Typed>(s: string, make: (buf: ArrayBuffer) => T, bytes: number): T {
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % bytes !== 0) throw new Error('a typed array has a partial element');
  return make(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}
const int32 = (s: string): Int32Array => decode(s, (b) => new Int32Array(b), 4);

const rowsSchema = z.object({ offsets: z.string(), values: z.string() });
const fileSchema = z.object({
  version: z.string(),
  dimensions: z.number().int().positive(),
  chunkCount: z.number().int().nonnegative(),
  lemmas: z.array(z.string()),
  stems: z.array(z.string()),
  vectorKeys: z.array(z.string()),
  stemOf: z.string(),
  lemmaDf: z.string(),
  stemDf: z.string(),
  lemmaRank: z.string(),
  chunkSentences: z.string(),
  start: z.string(),
  end: z.string(),
  flags: z.string(),
  terms: rowsSchema,
  names: rowsSchema,
  numbers: rowsSchema,
  sectionTerms: rowsSchema,
  commonDirection: z.string(),
  bandCoverage: z.string(),
  aliases: z.array(z.array(z.array(z.string()))),
});

const rowsOut = (r: Rows): { offsets: string; values: string } => ({ offsets: b64(r.offsets), values: b64(r.values) });

export function encodeSentenceIndex(index: SentenceIndex): { json: string; vectors: Uint8Array } {
  const file: z.infer<typeof fileSchema> = {
    version: index.version,
    dimensions: index.dimensions,
    chunkCount: index.chunkCount,
    lemmas: [...index.lemmas],
    stems: [...index.stems],
    vectorKeys: [...index.vectorKeys],
    stemOf: b64(index.stemOf),
    lemmaDf: b64(index.lemmaDf),
    stemDf: b64(index.stemDf),
    lemmaRank: b64(index.lemmaRank),
    chunkSentences: b64(index.chunkSentences),
    start: b64(index.start),
    end: b64(index.end),
    flags: b64(index.flags),
    terms: rowsOut(index.terms),
    names: rowsOut(index.names),
    numbers: rowsOut(index.numbers),
    sectionTerms: rowsOut(index.sectionTerms),
    commonDirection: b64(index.commonDirection),
    bandCoverage: b64(index.bandCoverage),
    aliases: index.aliases.groups.map((g) => g.map((name) => [...name])),
  };
  return { json: JSON.stringify(file), vectors: new Uint8Array(index.vectors.buffer, index.vectors.byteOffset, index.vectors.byteLength) };
}

/**
 * Parses and checks a stored sentence index; throws with what is wrong. `vectorBytes` is taken
 * over, not copied, when it spans its whole buffer (a file just read): the caller must not reuse it.
 */
export function decodeSentenceIndex(json: string, vectorBytes: Uint8Array, chunkLengths: readonly number[]): SentenceIndex {
  return runNow(decodeSentenceIndexSteps(json, vectorBytes, chunkLengths));
}

/**
 * decodeSentenceIndex, pausing between arrays and inside the checks (see sliced.ts): a large
 * generation's features (200k+ sentences) take several hundred ms to decode and check, which a
 * server swapping in a new generation must not spend in one go.
 */
export function* decodeSentenceIndexSteps(json: string, vectorBytes: Uint8Array, chunkLengths: readonly number[]): Steps<SentenceIndex> {
  const parsed = fileSchema.safeParse(JSON.parse(json));
  if (!parsed.success) throw new Error(`the sentence index is malformed (${parsed.error.issues[0]?.path.join('.') ?? 'shape'})`);
  yield;
  const f = parsed.data;
  const rows = function* (r: z.infer<typeof rowsSchema>): Steps<Rows> {
    const offsets = int32(r.offsets);
    yield;
    const values = int32(r.values);
    yield;
    return { offsets, values };
  };
  const ints = function* (s: string): Steps<Int32Array> {
    const out = int32(s);
    yield;
    return out;
  };
  const bytes = ownedBuffer(vectorBytes);
  const index: SentenceIndex = {
    version: f.version,
    dimensions: f.dimensions,
    chunkCount: f.chunkCount,
    lemmas: f.lemmas,
    stems: f.stems,
    vectorKeys: f.vectorKeys,
    stemOf: yield* ints(f.stemOf),
    lemmaDf: yield* ints(f.lemmaDf),
    stemDf: yield* ints(f.stemDf),
    lemmaRank: yield* ints(f.lemmaRank),
    chunkSentences: yield* ints(f.chunkSentences),
    start: yield* ints(f.start),
    end: yield* ints(f.end),
    flags: decode(f.flags, (b) => new Uint16Array(b), 2),
    terms: yield* rows(f.terms),
    names: yield* rows(f.names),
    numbers: yield* rows(f.numbers),
    sectionTerms: yield* rows(f.sectionTerms),
    vectors: new Float32Array(bytes.byteLength % 4 === 0 ? bytes : new ArrayBuffer(0)),
    commonDirection: decode(f.commonDirection, (b) => new Float32Array(b), 4),
    bandCoverage: decode(f.bandCoverage, (b) => new Float64Array(b), 8),
    aliases: aliasesFromGroups(f.aliases),
  };
  yield;
  yield* checkSentenceIndexSteps(index, chunkLengths);
  return index;
}

/** Every length, id range and number of a sentence index, against the chunks it describes. */
export function checkSentenceIndex(ix: SentenceIndex, chunkLengths: readonly number[]): void {
  runNow(checkSentenceIndexSteps(ix, chunkLengths));
}

/** Items checked between pauses. */
const CHECK_SLICE = 1 << 16;

function* checkSentenceIndexSteps(ix: SentenceIndex, chunkLengths: readonly number[]): Steps<void> {
  const fail = (what: string): never => {
    throw new Error(`the sentence index is inconsistent: ${what}`);
  };
  const v = ix.lemmas.length;
  const s = ix.start.length;
  if (ix.chunkCount !== chunkLengths.length || ix.chunkSentences.length !== ix.chunkCount + 1) fail('chunk count');
  if (ix.stemOf.length !== v || ix.lemmaDf.length !== v || ix.lemmaRank.length !== v || ix.vectorKeys.length !== v) fail('vocabulary arrays');
  if (ix.stemDf.length !== ix.stems.length) fail('stem arrays');
  if (ix.end.length !== s || ix.flags.length !== s || ix.chunkSentences[ix.chunkCount] !== s) fail('sentence arrays');
  if (ix.vectors.length !== s * ix.dimensions || ix.commonDirection.length !== ix.dimensions) fail('vector sizes');
  const { vectors } = ix;
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i])) fail('a vector that is not finite');
    if (i % CHECK_SLICE === CHECK_SLICE - 1) yield;
  }
  for (const id of ix.stemOf) if (id < 0 || id >= ix.stems.length) fail('stem id');
  for (let c = 0; c < ix.chunkCount; c++) {
    const from = ix.chunkSentences[c] as number;
    const to = ix.chunkSentences[c + 1] as number;
    if (to < from) fail('sentence ranges');
    for (let i = from; i < to; i++) if ((ix.start[i] as number) < 0 || (ix.end[i] as number) > (chunkLengths[c] as number) || (ix.end[i] as number) <= (ix.start[i] as number)) fail('sentence offsets');
    if (c % 4096 === 4095) yield;
  }
  for (const [name, rows, count] of [['terms', ix.terms, s], ['names', ix.names, s], ['numbers', ix.numbers, s], ['sectionTerms', ix.sectionTerms, ix.chunkCount]] as const) {
    if (rows.offsets.length !== count + 1 || rows.offsets[count] !== rows.values.length) fail(`${name} rows`);
    const { values } = rows;
    for (let i = 0; i < values.length; i++) {
      const id = values[i] as number;
      if (id < 0 || id >= v) fail(`${name} ids`);
      if (i % CHECK_SLICE === CHECK_SLICE - 1) yield;
    }
  }
}
