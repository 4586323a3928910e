/**
 * The OpenAPI 3.1 document of the HTTP API, generated (zod-openapi, over zod 4's JSON Schema
 * output) from the same zod schemas that validate requests and describe responses. Routes
 * describe themselves as ApiOperation values (src/server/api-catalog.ts holds the list); this
 * module only turns that list into a document, adding the error responses and security every
 * operation shares, so a new route is one entry in the catalog.
 */
import type { ZodObject, ZodType } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject, type oas31 } from 'zod-openapi';
import { errorBodySchema, openAIErrorSchema } from './schemas.js';
import { usesOpenAIErrors } from './errors-http.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** How an operation is protected: API_KEYS, ADMIN_TOKEN, or open. */
export type OperationAuth = 'apiKey' | 'adminToken' | 'none';

export interface ApiResponse {
  readonly description: string;
  readonly json?: ZodType;
  /** Server-Sent Events: the schema of each event's `data:` (OpenAI's own document does the same). */
  readonly eventStream?: ZodType;
  /** A plain-text body, e.g. the Prometheus exposition format (several media types: one of them). */
  readonly text?: { readonly mediaType: string | readonly string[]; readonly schema: ZodType };
}

export interface ApiOperation {
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/models/{model}` (Express: `/v1/models/:model`). */
  readonly path: string;
  /**
   * The last path parameter may hold `/` (Express: `/documents/*path`): `/documents/{path}`
   * matches `/documents/a/b.md`. OpenAPI cannot say so; the parameter's description does.
   */
  readonly lastParamSpansSegments?: boolean;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  readonly auth: OperationAuth;
  readonly query?: ZodObject;
  readonly params?: ZodObject;
  /** Request headers the operation reads (e.g. If-Match). */
  readonly headers?: ZodObject;
  /** A JSON request body. */
  readonly body?: ZodType;
  /** A text request body, in any of `mediaTypes`. */
  readonly textBody?: { readonly mediaTypes: readonly string[]; readonly schema: ZodType };
  /** Successful (and other route-specific) responses by status. */
  readonly responses: Readonly<Record<number, ApiResponse>>;
  /** Error statuses the route itself can answer; 401 and 429 are added from auth and limits. */
  readonly errors: readonly number[];
  /** What an error status means for this operation, where the shared description does not fit. */
  readonly errorDescriptions?: Readonly<Record<number, string>>;
  /** Rate-limited per client (RATE_LIMIT_PER_MINUTE or REINDEX_RATE_LIMIT_PER_MINUTE). */
  readonly rateLimited?: boolean;
}

export interface DocumentOptions {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  /** Whether API_KEYS is set (then apiKey operations require one, and /metrics may too). */
  readonly apiKeysRequired: boolean;
}

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: a field is missing, of the wrong type, out of range or unknown; or the body is not UTF-8 JSON.',
  401: 'Missing or wrong bearer token.',
  403: 'Forbidden: the feature is disabled by configuration.',
  404: 'Not found.',
  409: 'Conflict: another re-index (or change to the documents) is in progress.',
  412: 'A precondition (If-Match, If-None-Match) does not hold.',
  413: 'The body is larger than BODY_LIMIT.',
  415: 'The body is not application/json in a UTF encoding.',
  422: 'The corpus cannot be read.',
  429: 'Over the per-client rate limit; see Retry-After.',
  500: 'A bug, or a re-index that could not be written or verified.',
  502: 'The embedding service failed during a re-index.',
  503: 'No usable index (missing, built with other embeddings, or damaged), or the language model failed.',
};

function responsesOf(op: ApiOperation, opts: DocumentOptions): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const content: Record<string, { schema: ZodType }> = {};
    if (r.json) content['application/json'] = { schema: r.json };
    if (r.eventStream) content['text/event-stream'] = { schema: r.eventStream };
    if (r.text) for (const mediaType of [r.text.mediaType].flat()) content[mediaType] = { schema: r.text.schema };
    responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] = { description: r.description, content };
  }
  const errorSchema = usesOpenAIErrors(op.path) ? openAIErrorSchema : errorBodySchema;
  const statuses = new Set(op.errors);
  if ((op.auth === 'apiKey' && opts.apiKeysRequired) || op.auth === 'adminToken') statuses.add(401);
  if (op.rateLimited) statuses.add(429);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const description = op.errorDescriptions?.[status] ?? ERROR_DESCRIPTIONS[status] ?? 'Error.';
    responses[String(status) as `4${string}`] = { description, content: { 'application/json': { schema: errorSchema } } };
  }
  return responses;
}

function operationOf(op: ApiOperation, opts: DocumentOptions): ZodOpenApiOperationObject {
  const { textBody } = op;
  const security = op.auth === 'adminToken' ? [{ adminToken: [] }] : op.auth === 'apiKey' && opts.apiKeysRequired ? [{ apiKey: [] }] : [];
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security,
    ...(op.query || op.params || op.headers
      ? { requestParams: { ...(op.query ? { query: op.query } : {}), ...(op.params ? { path: op.params } : {}), ...(op.headers ? { header: op.headers } : {}) } }
      : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    ...(textBody ? { requestBody: { required: true, content: Object.fromEntries(textBody.mediaTypes.map((m) => [m, { schema: textBody.schema }])) } } : {}),
    responses: responsesOf(op, opts),
  };
}

/** The OpenAPI 3.1 document of `operations`. Throws if two operations share a method and path. */
export function openApiDocument(operations: readonly ApiOperation[], opts: DocumentOptions): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`two operations for ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operationOf(op, opts);
  }
  return createDocument({
    openapi: '3.1.0',
    info: { title: opts.title, version: opts.version, description: opts.description },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'One of API_KEYS (when set).' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN.' },
      },
    },
  });
}
