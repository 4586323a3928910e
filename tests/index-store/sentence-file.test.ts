/**
 * The stored form of a sentence index: what is written decodes to the same index, and damage
 * anywhere (including past the first pause of the sliced check) is refused with what is wrong.
 */
import { describe, expect, test } from 'vitest';
import { decodeSentenceIndex, decodeSentenceIndexSteps, encodeSentenceIndex } from '../../src/index-store/sentence-file.js';
import { runSliced } from '../../src/sliced.js';
import type { SentenceIndex } from '../../src/answer/sentence-index.js';
import { heiheFixture } from '../helpers/answer-fixture.js';

const fixture = heiheFixture();
const lengths = fixture.chunks.map((c) => c.text.length);
const { json, vectors } = encodeSentenceIndex(fixture.index);
/** The vector bytes as a file read whole: a buffer of its own. */
const fileBytes = (): Uint8Array => new Uint8Array(vectors.slice().buffer);
const arrays = (ix: SentenceIndex): unknown[] => [ix.lemmas, ix.stems, ix.vectorKeys, ix.stemOf, ix.lemmaDf, ix.stemDf, ix.lemmaRank, ix.chunkSentences, ix.start, ix.end, ix.flags, ix.terms, ix.names, ix.numbers, ix.sectionTerms, ix.vectors, ix.commonDirection, ix.bandCoverage, ix.aliases.groups];

describe('sentence-file', () => {
  test('round trip: the decoded index equals the encoded one, at once and in time slices', async () => {
    const decoded = decodeSentenceIndex(json, fileBytes(), lengths);
    expect(arrays(decoded)).toEqual(arrays(fixture.index));
    expect(decoded).toMatchObject({ version: fixture.index.version, dimensions: fixture.index.dimensions, chunkCount: fixture.index.chunkCount });
    expect(arrays(await runSliced(decodeSentenceIndexSteps(json, fileBytes(), lengths), 0))).toEqual(arrays(fixture.index));
  });

  test('vector bytes that are a view into a larger buffer are copied, not aliased', () => {
    const padded = new Uint8Array(vectors.byteLength + 8);
    padded.set(vectors, 4);
    const decoded = decodeSentenceIndex(json, padded.subarray(4, 4 + vectors.byteLength), lengths);
    expect(Array.from(decoded.vectors)).toEqual(Array.from(fixture.index.vectors));
    padded.fill(0);
    expect(Array.from(decoded.vectors)).toEqual(Array.from(fixture.index.vectors));
  });

  test('a vector that is not finite (the last value) is refused', () => {
    const bytes = fileBytes();
    new Float32Array(bytes.buffer)[fixture.index.vectors.length - 1] = Number.NaN;
    expect(() => decodeSentenceIndex(json, bytes, lengths)).toThrow(/a vector that is not finite/);
  });

  test('a term id out of range (the last one) is refused', () => {
    const file = JSON.parse(json) as { terms: { values: string } };
    const raw = Buffer.from(file.terms.values, 'base64');
    const values = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    values[values.length - 1] = fixture.index.lemmas.length;
    file.terms.values = Buffer.from(values.buffer).toString('base64');
    expect(() => decodeSentenceIndex(JSON.stringify(file), fileBytes(), lengths)).toThrow(/terms ids/);
  });

  test('sentence offsets past the end of their chunk, and a malformed file, are refused', () => {
    expect(() => decodeSentenceIndex(json, fileBytes(), lengths.map((n) => n - 1))).toThrow(/sentence offsets/);
    expect(() => decodeSentenceIndex(JSON.stringify({ ...JSON.parse(json), lemmas: 3 }), fileBytes(), lengths)).toThrow(/malformed \(lemmas\)/);
  });
});
