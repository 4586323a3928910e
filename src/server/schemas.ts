/**
 * Request shapes, parsed once at the edge into typed values. Unknown keys are refused (which
 * also refuses prototype-pollution keys such as "__proto__").
 */
import { z } from 'zod';
import { CHECK_REASONS, MAX_QUESTION_CHARS } from '../types.js';

export { MAX_QUESTION_CHARS };
export const MAX_HISTORY_TURNS = 20;
export const MAX_HISTORY_CONTENT_CHARS = 20_000;

/** A question under the name the client sends it as (`question` in a body, `q` in a query). */
const questionNamed = (name: string) =>
  z
    .string({ error: `${name} must be a string` })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, `${name} must not be empty`).max(MAX_QUESTION_CHARS, `${name} must be at most ${MAX_QUESTION_CHARS} characters`))
    .meta({ description: `Trimmed, then 1-${MAX_QUESTION_CHARS} characters.` });
const question = questionNamed('question');

export const askBodySchema = z
  .object({
    question,
    history: z
      .array(
        z.strictObject({
          role: z.enum(['user', 'assistant']),
          content: z.string().max(MAX_HISTORY_CONTENT_CHARS, `history content must be at most ${MAX_HISTORY_CONTENT_CHARS} characters`),
        }),
      )
      .max(MAX_HISTORY_TURNS, `history must have at most ${MAX_HISTORY_TURNS} turns`)
      .default([]),
    k: z.number().int().min(1).max(20).optional(),
    stream: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'AskRequest' });

export type AskBody = z.infer<typeof askBodySchema>;

export const searchQuerySchema = z
  .object({
    q: questionNamed('q'),
    k: z.coerce.number().int().min(1).max(20).default(5),
  })
  .strict();

/** A readable one-line summary of what is wrong with the input. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => {
      const where = i.path.length ? i.path.join('.') : 'body';
      // Keys are the client's own text: quote a few, briefly.
      if (i.code === 'unrecognized_keys') return `unknown field(s): ${i.keys.slice(0, 5).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}...` : k)).join(', ')}${i.keys.length > 5 ? ', ...' : ''}`;
      return i.message.startsWith(where) ? i.message : `${where}: ${i.message}`;
    })
    .join('; ');
}

// --- Response shapes -------------------------------------------------------------------
// What the routes send, as zod schemas: the OpenAPI document (GET /openapi.json) is generated
// from these and from the request schemas above, and the tests check real responses against
// the document. They are strict, so a field added to a response without its schema fails there.
// The server does not parse its own responses with them (nothing on the hot path).

export const errorBodySchema = z
  .strictObject({ error: z.strictObject({ code: z.string().meta({ description: 'Stable error code (see the README).' }), message: z.string() }) })
  .meta({ id: 'Error', description: 'Every error outside /v1: a stable code and a message safe to show.' });

export const citationSchema = z
  .strictObject({
    n: z.number().int().min(1).meta({ description: 'The number its `[n]` markers use.' }),
    chunkId: z.string(),
    source: z.string().meta({ description: 'Corpus file, relative to CORPUS_DIR.' }),
    section: z.string(),
    text: z.string().meta({ description: 'The passage, an exact slice of its source file.' }),
    score: z.number(),
    quotes: z
      .array(z.strictObject({ start: z.number().int().min(0), end: z.number().int().min(0) }).readonly())
      .readonly()
      .optional()
      .meta({ description: 'Offsets in `text` (UTF-16, end exclusive) of the sentences an extractive answer quotes from this passage.' }),
  })
  .meta({ id: 'Citation' });

export const answerChecksSchema = z
  .strictObject({
    sentences: z.number().int().min(0).meta({ description: 'Sentences the model wrote.' }),
    dropped: z.number().int().min(0).meta({ description: 'Sentences removed: each failed against the passages it cites.' }),
    trimmed: z.number().int().min(0).meta({ description: 'Sentences kept with an unsupported part (a clause of their own) removed.' }),
    reasons: z
      .partialRecord(z.enum(CHECK_REASONS), z.number().int().min(1))
      .meta({
        description:
          'How many dropped or trimmed sentences each reason accounts for: `uncited` (no marker naming a passage given), `echo` (repeats the instructions), `number` / `name` (states a number or a name no passage it cites states), `unsupported` (its content is not supported by the passages it cites).',
      }),
  })
  .meta({ id: 'AnswerChecks', description: 'LLM mode: how the sentences of the model answer fared against the passages they cite.' });

const answerMeta = {
  grounded: z.boolean().meta({ description: 'False when the corpus does not answer (the answer then says so and cites nothing).' }),
  mode: z.enum(['extractive', 'llm']),
  indexVersion: z.string().meta({ description: 'The index generation the citations came from.' }),
  question: z.string().meta({ description: 'The standalone question actually searched (follow-ups rewritten).' }),
  fallback: z
    .string()
    .optional()
    .meta({ description: 'Present when LLM mode did not answer and the answer is extractive: why (the model failed or timed out, or `unsupported_claims`: no sentence it wrote held against the passages it cites).' }),
  related: z
    .array(citationSchema)
    .optional()
    .meta({ description: 'On a refusal: the passages that came closest (numbered 1..3; nothing in `answer` cites them).' }),
  checks: answerChecksSchema.optional().meta({ description: 'LLM mode, when the model wrote an answer (also when it then fell back): what the claim check removed and why.' }),
};

export const answerSchema = z
  .strictObject({ answer: z.string().meta({ description: 'The answer, with `[n]` markers naming citations.' }), citations: z.array(citationSchema), ...answerMeta })
  .meta({ id: 'Answer' });

/** The data of each Server-Sent Event of POST /ask with stream: true (event names: citations, delta, done, error). */
export const askStreamEventSchema = z
  .union([
    z.strictObject({ citations: z.array(citationSchema), question: z.string(), indexVersion: z.string() }).meta({ title: 'citations', description: 'event: citations (a second one restarts the answer)' }),
    z.strictObject({ text: z.string() }).meta({ title: 'delta', description: 'event: delta' }),
    z.strictObject({ answer: answerSchema }).meta({ title: 'done', description: 'event: done' }),
    errorBodySchema,
  ])
  .meta({ id: 'AskStreamEvent' });

export const searchResponseSchema = z
  .strictObject({
    indexVersion: z.string(),
    results: z.array(z.strictObject({ chunkId: z.string(), source: z.string(), section: z.string(), text: z.string(), score: z.number() })),
  })
  .meta({ id: 'SearchResponse' });

const reindexRecordSchema = z
  .strictObject({
    at: z.string().meta({ description: 'When it finished (ISO 8601).' }),
    ok: z.boolean(),
    ms: z.number().min(0),
    generation: z.string().optional(),
    changed: z.boolean().optional(),
    repaired: z.boolean().optional(),
    error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
  })
  .nullable()
  .meta({ description: 'The last re-index of this server: result and time (null before the first).' });

export const healthResponseSchema = z
  .union([
    z.strictObject({
      status: z.enum(['ok', 'degraded']).meta({ description: '"degraded": the served generation is not the one CURRENT names (see `reason`).' }),
      reason: z.string().optional(),
      mode: z.enum(['extractive', 'llm']),
      index: z.strictObject({
        version: z.string(),
        generation: z.string(),
        chunks: z.number().int().min(0),
        embedding: z.strictObject({ provider: z.enum(['local', 'openai']), model: z.string(), dimensions: z.number().int().min(1) }),
        createdAt: z.string(),
        sources: z.number().int().min(0),
      }),
      answerer: z
        .strictObject({
          model: z.string().meta({ description: 'Id of the answerer model (models/answerer.json).' }),
          bankQuestions: z.number().int().min(0).meta({ description: 'Off-topic bank questions this corpus was calibrated with.' }),
          answerLevel: z.number().nullable().meta({ description: 'P(answerable) this corpus must reach to answer, from its bank (null: none).' }),
        })
        .meta({ description: 'The offline answerer and its calibration for the served corpus.' }),
      lastReindex: reindexRecordSchema,
    }),
    z.strictObject({ status: z.literal('starting'), mode: z.enum(['extractive', 'llm']), index: z.null(), lastReindex: reindexRecordSchema }),
  ])
  .meta({ id: 'Health' });

export const reindexSummarySchema = z
  .strictObject({
    version: z.string(),
    generation: z.string(),
    changed: z.boolean().meta({ description: 'False when the corpus was unchanged and the live generation was kept.' }),
    repaired: z.boolean().meta({ description: 'True when the live generation could not be loaded and this run replaced it.' }),
    files: z.number().int().min(0),
    chunks: z.number().int().min(0),
    added: z.number().int().min(0),
    unchanged: z.number().int().min(0),
    removed: z.number().int().min(0),
    embedded: z.number().int().min(0),
    reused: z.number().int().min(0),
    ms: z.number().min(0),
  })
  .meta({ id: 'ReindexSummary' });

// --- Documents (/documents) ---------------------------------------------------------------

export const documentPathParamsSchema = z.object({
  path: z.string().meta({
    description:
      'The document, relative to CORPUS_DIR: folders separated by plain "/" (not %2F), each segment percent-encoded once (encodeURIComponent). A .txt or .md (.markdown) name; no "." or ".." segments, no hidden names, no backslashes or control characters, at most 512 bytes.',
    example: 'guides/river-port.md',
  }),
});

export const documentWriteQuerySchema = z
  .object({
    reindex: z
      .enum(['true', 'false'], { error: 'reindex must be "true" or "false"' })
      .default('true')
      .meta({ description: '"false" writes (or deletes) without re-indexing: the change is served after the next POST /reindex.' }),
  })
  .strict();

export const documentConditionHeadersSchema = z.object({
  'if-match': z.string().optional().meta({ description: 'Change only if the document is still this version: its sha256 (the ETag, quoted or bare), or * for "it exists". Else 412.' }),
  'if-none-match': z.string().optional().meta({ description: 'PUT only: `*` creates the document only if it does not exist yet. Else 412.' }),
});

export const documentTextSchema = z.string().meta({ description: 'The document, UTF-8 text (no NUL bytes), as stored.' });

const sha256Field = z.string().regex(/^[0-9a-f]{64}$/).meta({ description: 'sha256 of the bytes (hex); the ETag is this value in quotes.' });

export const documentInfoSchema = z
  .strictObject({
    path: z.string().meta({ description: 'Relative to CORPUS_DIR, with "/".' }),
    size: z.number().int().min(0).meta({ description: 'Bytes.' }),
    sha256: sha256Field,
    modified: z.string().meta({ description: 'Last modification (ISO 8601).' }),
  })
  .meta({ id: 'DocumentInfo' });

export const documentListSchema = z
  .strictObject({
    indexVersion: z.string().nullable().meta({ description: 'The live generation; null while no index is loaded.' }),
    upToDate: z.boolean().meta({ description: 'Every document is indexed as it is on disk, and the index holds no deleted one.' }),
    documents: z.array(
      documentInfoSchema.extend({
        chunks: z.number().int().min(0).meta({ description: 'Chunks of this path in the live generation (0 when it has none).' }),
        indexed: z.boolean().meta({ description: 'The live generation was built from exactly this text; false for a new or changed document not re-indexed yet.' }),
      }),
    ),
    deleted: z
      .array(z.strictObject({ path: z.string(), chunks: z.number().int().min(0) }))
      .meta({ description: 'Sources the live generation still holds that are no longer on disk (deleted without a re-index).' }),
  })
  .meta({ id: 'DocumentList' });

const reindexOutcome = {
  indexed: z.boolean().meta({ description: 'The live index reflects the change. False: the re-index was deferred (reindex=false) or failed (see reindexError); the change itself was made.' }),
  reindex: reindexSummarySchema.nullable().meta({ description: 'The re-index run; null when deferred or failed.' }),
  reindexError: z
    .strictObject({ code: z.string(), message: z.string() })
    .optional()
    .meta({ description: 'Why the re-index after the change failed; the previous index generation keeps serving. Fix the cause and POST /reindex.' }),
};

export const documentWriteSchema = z
  .strictObject({ document: documentInfoSchema, created: z.boolean().meta({ description: 'True when there was no such document before.' }), ...reindexOutcome })
  .meta({ id: 'DocumentWrite' });

export const documentDeleteSchema = z.strictObject({ path: z.string(), sha256: sha256Field, ...reindexOutcome }).meta({ id: 'DocumentDelete' });

export const clientConfigSchema = z
  .strictObject({
    limits: z.strictObject({
      questionChars: z.number().int(),
      historyTurns: z.number().int(),
      historyContentChars: z.number().int(),
      bodyBytes: z.number().int(),
      feedbackNoteChars: z.number().int(),
    }),
  })
  .meta({ id: 'ClientConfig', description: 'The limits a client must respect.' });

export const feedbackReceiptSchema = z.strictObject({ id: z.string(), receivedAt: z.string() }).meta({ id: 'FeedbackReceipt' });

export const openApiDocumentSchema = z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument', description: 'This document.' });

export const metricsTextSchema = z.string().meta({ description: 'Prometheus text exposition format 0.0.4.' });

// --- OpenAI-compatible API (/v1) ---------------------------------------------------------
// The request side is lenient where clients differ: parameters of the Chat Completions API
// that do not apply here (tools, response_format, seed, user, ...) are accepted and ignored,
// not refused, because Open WebUI, LangChain and editor plugins each send a different set.

export const MODEL_ID = 'heihe-assistant';

export const openAIErrorSchema = z
  .strictObject({
    error: z.strictObject({
      message: z.string(),
      type: z.string().meta({ description: 'invalid_request_error, rate_limit_error or server_error.' }),
      code: z.string().meta({ description: 'Stable error code, as outside /v1 (e.g. invalid_request, model_not_found, invalid_api_key).' }),
      param: z.null(),
    }),
  })
  .meta({ id: 'OpenAIError', description: "Errors of the /v1 routes, in OpenAI's shape." });

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() }).meta({ description: 'Text parts are read; other parts (images, audio, files) are ignored.' });
const messageContent = z.union([z.string(), z.array(contentPart).max(100)]).meta({ id: 'MessageContent' });

const chatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: messageContent }).meta({ description: 'Ignored: answers come from the corpus only.' }),
  z.object({ role: z.literal('developer'), content: messageContent }).meta({ description: 'Ignored, like system.' }),
  z.object({ role: z.literal('user'), content: messageContent }),
  z.object({ role: z.literal('assistant'), content: messageContent.nullish() }),
  z.object({ role: z.literal('tool'), content: messageContent }).meta({ description: 'Ignored.' }),
]);

export const chatCompletionRequestSchema = z
  .object({
    model: z.string({ error: 'model must be a string' }).min(1).meta({ description: `Must be ${MODEL_ID} (GET /v1/models).` }),
    messages: z
      .array(chatMessageSchema)
      .min(1, 'messages must not be empty')
      .max(1000)
      .meta({ description: 'The last message must be from the user: it is the question. Earlier user and assistant turns are the history (the last 20 are used, as in /ask).' }),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    n: z.number().int().min(1).max(1, 'n must be 1: one answer per request').nullish(),
    max_tokens: z.number().int().min(1).nullish().meta({ description: 'Accepted and ignored: answers are short quotes or checked model text.' }),
    max_completion_tokens: z.number().int().min(1).nullish().meta({ description: 'Accepted and ignored.' }),
    temperature: z.number().min(0).max(2).nullish().meta({ description: 'Accepted and ignored.' }),
    top_p: z.number().min(0).max(1).nullish().meta({ description: 'Accepted and ignored.' }),
  })
  .meta({ id: 'ChatCompletionRequest', description: 'The Chat Completions request. Other parameters of that API are accepted and ignored.' });

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;

const usageSchema = z
  .strictObject({ prompt_tokens: z.number().int().min(0), completion_tokens: z.number().int().min(0), total_tokens: z.number().int().min(0) })
  .meta({ id: 'Usage', description: 'Always zeros: no tokens are counted (offline answers use no model; in LLM mode the upstream usage is not passed on).' });

const groundingSchema = z
  .strictObject(answerMeta)
  .meta({ id: 'Grounding', description: 'Extra field: what /ask reports besides the answer text and citations.' });

const extraCitations = z.array(citationSchema).meta({
  description: 'Extra field: the passages the answer was drawn from, numbered as its `[n]` markers (the same objects as /ask). The content lists the cited ones as "Sources".',
});

/** What a completion and each of its chunks begin with. */
const completionHead = {
  id: z.string(),
  created: z.number().int().meta({ description: 'Unix seconds.' }),
  model: z.literal(MODEL_ID),
  system_fingerprint: z.string().meta({ description: 'The index version the answer came from.' }),
};

export const chatCompletionSchema = z
  .strictObject({
    ...completionHead,
    object: z.literal('chat.completion'),
    choices: z
      .array(
        z.strictObject({
          index: z.literal(0),
          message: z.strictObject({
            role: z.literal('assistant'),
            content: z.string().meta({ description: 'The grounded answer with its `[n]` markers, then a short "Sources:" list of the cited passages.' }),
            refusal: z.null(),
          }),
          logprobs: z.null(),
          finish_reason: z.literal('stop'),
        }),
      )
      .length(1),
    usage: usageSchema,
    citations: extraCitations,
    grounding: groundingSchema,
  })
  .meta({ id: 'ChatCompletion' });

export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const chatCompletionChunkSchema = z
  .strictObject({
    ...completionHead,
    object: z.literal('chat.completion.chunk'),
    choices: z
      .array(
        z.strictObject({
          index: z.literal(0),
          delta: z.strictObject({ role: z.literal('assistant').optional(), content: z.string().optional() }),
          logprobs: z.null(),
          finish_reason: z.literal('stop').nullable(),
        }),
      )
      .max(1)
      .meta({ description: 'Empty only in the usage chunk (stream_options.include_usage).' }),
    usage: usageSchema.nullable().optional().meta({ description: 'With stream_options.include_usage: null on every chunk but the last, which has no choices.' }),
    citations: extraCitations.optional().meta({ description: 'Extra field, on the chunk whose finish_reason is "stop": the passages the streamed `[n]` markers name.' }),
    grounding: groundingSchema.optional().meta({ description: 'Extra field, on the chunk whose finish_reason is "stop".' }),
  })
  .meta({ id: 'ChatCompletionChunk' });

export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;

/** The data of each Server-Sent Event of a streamed chat completion (the last one is the literal `[DONE]`). */
export const chatCompletionStreamEventSchema = z.union([chatCompletionChunkSchema, openAIErrorSchema]).meta({ id: 'ChatCompletionStreamEvent' });

export const modelSchema = z
  .strictObject({ id: z.literal(MODEL_ID), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })
  .meta({ id: 'Model' });

export type Model = z.infer<typeof modelSchema>;

export const modelListSchema = z.strictObject({ object: z.literal('list'), data: z.array(modelSchema) }).meta({ id: 'ModelList' });

export const modelParamsSchema = z.object({ model: z.string().meta({ description: `The model id: ${MODEL_ID}.` }) });
