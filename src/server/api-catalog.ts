/**
 * The catalog of the HTTP API: one entry per route, naming the zod schemas its requests are
 * validated with and its responses follow. GET /openapi.json is generated from it, and the
 * metrics label requests by its paths. A new route (e.g. /feedback, /documents) adds one entry
 * here; a test fails while an Express route has none.
 */
import type { ApiOperation } from './openapi.js';
import { feedbackBodySchema } from '../feedback/feedback.js';
import {
  answerSchema,
  askBodySchema,
  askStreamEventSchema,
  chatCompletionRequestSchema,
  chatCompletionSchema,
  chatCompletionStreamEventSchema,
  clientConfigSchema,
  feedbackReceiptSchema,
  healthResponseSchema,
  metricsTextSchema,
  modelListSchema,
  modelParamsSchema,
  modelSchema,
  openApiDocumentSchema,
  reindexSummarySchema,
  searchQuerySchema,
  searchResponseSchema,
  MODEL_ID,
} from './schemas.js';

export const API_INFO = {
  title: 'Heihe assistant',
  version: '1.0.0',
  description: 'Grounded, cited answers about the city of Heihe from a local corpus, and an OpenAI-compatible chat endpoint over them.',
} as const;

export interface CatalogOptions {
  /** METRICS_REQUIRE_API_KEY: /metrics takes the API keys too (when API_KEYS is set). */
  readonly metricsRequireApiKey: boolean;
}

export function apiOperations(opts: CatalogOptions): readonly ApiOperation[] {
  return [
    {
      method: 'post',
      path: '/ask',
      operationId: 'ask',
      summary: 'Answer a question from the corpus, with citations',
      description:
        'With `history`, a follow-up is rewritten into a standalone question first. With `stream: true` the answer comes as Server-Sent Events: `citations`, `delta`s, then `done` (or `error`); a second `citations` event restarts the answer.',
      tag: 'answers',
      auth: 'apiKey',
      body: askBodySchema,
      responses: { 200: { description: 'The answer (JSON), or its events (stream: true).', json: answerSchema, eventStream: askStreamEventSchema } },
      errors: [400, 413, 415, 500, 503],
      rateLimited: true,
    },
    {
      method: 'get',
      path: '/search',
      operationId: 'search',
      summary: 'The hybrid retrieval ranking for a query, without an answer',
      tag: 'answers',
      auth: 'apiKey',
      query: searchQuerySchema,
      responses: { 200: { description: 'Ranked passages.', json: searchResponseSchema } },
      errors: [400, 500, 503],
    },
    {
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary: 'Liveness, mode and the live index',
      tag: 'operations',
      auth: 'none',
      responses: { 200: { description: 'Serving.', json: healthResponseSchema }, 503: { description: 'No index loaded yet.', json: healthResponseSchema } },
      errors: [],
    },
    {
      method: 'get',
      path: '/config',
      operationId: 'clientConfig',
      summary: 'The limits a client must respect (question length, history, body size, feedback note)',
      tag: 'operations',
      auth: 'none',
      responses: { 200: { description: 'The limits.', json: clientConfigSchema } },
      errors: [],
    },
    {
      method: 'post',
      path: '/feedback',
      operationId: 'feedback',
      summary: 'A reader’s thumbs up or down on an answer, with an optional note',
      description: 'Stored append-only as one JSON line under FEEDBACK_DIR; `npm run feedback -- --export` turns the thumbs-down ones into a draft question set.',
      tag: 'answers',
      auth: 'none',
      body: feedbackBodySchema,
      responses: { 201: { description: 'Stored.', json: feedbackReceiptSchema } },
      errors: [400, 413, 415, 500, 503],
      rateLimited: true,
    },
    {
      method: 'post',
      path: '/reindex',
      operationId: 'reindex',
      summary: 'Re-index the corpus and switch to the new generation',
      description: 'Incremental (unchanged text is not re-embedded) and atomic; the live index keeps serving if anything fails.',
      tag: 'operations',
      auth: 'adminToken',
      responses: { 200: { description: 'The run.', json: reindexSummarySchema } },
      errors: [403, 409, 422, 500, 502],
      rateLimited: true,
    },
    {
      method: 'get',
      path: '/v1/models',
      operationId: 'listModels',
      summary: 'OpenAI-compatible: the one model',
      tag: 'openai',
      auth: 'apiKey',
      responses: { 200: { description: `One model, ${MODEL_ID}.`, json: modelListSchema } },
      errors: [],
    },
    {
      method: 'get',
      path: '/v1/models/{model}',
      operationId: 'retrieveModel',
      summary: 'OpenAI-compatible: one model',
      tag: 'openai',
      auth: 'apiKey',
      params: modelParamsSchema,
      responses: { 200: { description: 'The model.', json: modelSchema } },
      errors: [404],
    },
    {
      method: 'post',
      path: '/v1/chat/completions',
      operationId: 'createChatCompletion',
      summary: 'OpenAI-compatible chat completion: a grounded answer to the last user message',
      description:
        'The last user message is the question; earlier user and assistant turns are the history, handled as in /ask. The content is the answer with its `[n]` markers followed by a "Sources:" list; `citations` and `grounding` are extra fields. With `stream: true`, `chat.completion.chunk` events end with `data: [DONE]`; a failure after the stream has started is an event holding an OpenAIError.',
      tag: 'openai',
      auth: 'apiKey',
      body: chatCompletionRequestSchema,
      responses: { 200: { description: 'The completion (JSON), or its chunks (stream: true).', json: chatCompletionSchema, eventStream: chatCompletionStreamEventSchema } },
      errors: [400, 404, 413, 415, 500, 503],
      rateLimited: true,
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tag: 'operations',
      auth: 'none',
      responses: { 200: { description: 'The document.', json: openApiDocumentSchema } },
      errors: [],
    },
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      auth: opts.metricsRequireApiKey ? 'apiKey' : 'none',
      responses: { 200: { description: 'Metrics in the Prometheus text format.', text: { mediaType: 'text/plain', schema: metricsTextSchema } } },
      errors: [],
    },
  ];
}
