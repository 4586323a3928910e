/**
 * The on-disk shapes of a generation, as zod schemas: everything read back from INDEX_DIR is
 * parsed through these at the edge (never cast), so a damaged or hand-edited file is refused
 * with a message naming what is wrong instead of surfacing later as a wrong answer.
 */
import { z } from 'zod';
import type { Chunk, IndexManifest } from '../types.js';

const hex = (n: number): z.ZodString => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `${n} hex digits`);
const count = z.number().int().min(0);

export const embeddingInfoSchema = z.object({
  provider: z.enum(['local', 'openai']),
  model: z.string().min(1),
  dimensions: z.number().int().min(1).max(65_536),
});

export const manifestSchema = z
  .object({
    version: hex(12),
    createdAt: z.iso.datetime(),
    embedding: embeddingInfoSchema,
    chunker: z.object({ maxChars: z.number().int().min(1), minChars: count }),
    sources: z.array(z.object({ path: z.string().min(1), sha256: hex(64), chunks: count })),
    chunkCount: count,
    features: z.string().min(1).optional(),
  })
  .refine((m) => m.sources.reduce((n, s) => n + s.chunks, 0) === m.chunkCount, { message: 'the chunk counts of the sources do not add up to chunkCount' }) satisfies z.ZodType<IndexManifest>;

const chunkFields = {
  id: hex(20),
  source: z.string().min(1),
  section: z.string(),
  start: count,
  end: count,
  text: z.string().min(1),
};
const sliceLength = (c: { start: number; end: number; text: string }): boolean => c.end - c.start === c.text.length;
const SLICE_MESSAGE = 'end - start must equal the length of text';

export const chunkSchema = z.object(chunkFields).refine(sliceLength, { message: SLICE_MESSAGE }) satisfies z.ZodType<Chunk>;

/** One line of chunks.jsonl: a chunk and the cache key of its embedding. */
export const chunkRecordSchema = z.strictObject({ ...chunkFields, key: hex(32) }).refine(sliceLength, { message: SLICE_MESSAGE });
export type ChunkRecord = z.infer<typeof chunkRecordSchema>;

/** chunks.json of generations written before chunks.jsonl (read for serving and for reuse). */
export const legacyChunksFileSchema = z
  .object({ chunks: z.array(chunkSchema), embeddingKeys: z.array(hex(32)) })
  .refine((f) => f.chunks.length === f.embeddingKeys.length, { message: 'one embedding key per chunk' });

/** One entry of LangChain's docstore.json: [label, Document]; we store the chunk id as metadata. */
export const docstoreEntrySchema = z.tuple([z.string().regex(/^\d+$/), z.object({ pageContent: z.string(), metadata: z.object({ chunkId: hex(20) }) })]);
export const docstoreSchema = z.array(z.unknown());

/** LangChain's args.json next to the hnswlib index. */
export const hnswArgsSchema = z.object({ space: z.literal('cosine'), numDimensions: z.number().int().min(1) });

/** The first problem zod found, as one line ("chunkCount: expected number"). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}
