/**
 * Configuration: one zod schema over the environment, parsed once at start-up, frozen and
 * passed down. `.env.example` mirrors this schema line for line. A bad value stops start-up
 * with a message naming the variable.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1');
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  CORPUS_DIR: z.string().min(1).default('corpus'),
  INDEX_DIR: z.string().min(1).default('index'),
  EMBEDDINGS_CACHE_DIR: z.string().min(1).default('.cache'),
  EMBEDDINGS_PROVIDER: z.enum(['local', 'openai']).default('local'),
  OPENAI_API_KEY: optionalString,
  // http(s) only: "localhost:11434" (no scheme) parses as a URL of scheme "localhost:".
  OPENAI_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://127.0.0.1:11434/v1' }).optional()),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_EMBEDDINGS_MODEL: z.string().min(1).default('text-embedding-3-small'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  ADMIN_TOKEN: optionalString,
  // Comma-separated; a key can never hold whitespace (it travels as `Authorization: Bearer <key>`).
  API_KEYS: optionalString.pipe(
    z
      .string()
      .optional()
      .transform((v) => (v ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0))
      .refine((keys) => keys.every((k) => !/\s/.test(k)), 'keys are separated by commas and hold no spaces'),
  ),
  METRICS_REQUIRE_API_KEY: bool.default(true),
  WATCH_CORPUS: bool.default(false),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  RATE_LIMIT_LOCAL: bool.default(false),
  REINDEX_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size like 64kb').default('64kb'),
  DOCUMENT_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'a size like 1mb').default('1mb'),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DEFAULT_K: z.coerce.number().int().min(1).max(20).default(5),
  KEEP_GENERATIONS: z.coerce.number().int().min(1).max(20).default(2),
  ANSWER_MODEL: optionalString,
  OFFTOPIC_BANK: optionalString,
  FEEDBACK_DIR: z.string().min(1).default('data/feedback'),
  FEEDBACK_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(20),
});

export type Config = Readonly<{
  port: number;
  host: string;
  corpusDir: string;
  indexDir: string;
  embeddingsCacheDir: string;
  embeddingsProvider: 'local' | 'openai';
  openai: Readonly<{ apiKey: string | undefined; baseURL: string | undefined; model: string; embeddingsModel: string; timeoutMs: number; maxRetries: number }>;
  adminToken: string | undefined;
  /** Bearer keys for /ask, /search, /v1/* (and /metrics unless metricsRequireApiKey is off); empty = open. */
  apiKeys: readonly string[];
  metricsRequireApiKey: boolean;
  watchCorpus: boolean;
  rateLimitPerMinute: number;
  /** The /ask and /feedback limits apply to requests from this machine (loopback) too. */
  rateLimitLocal: boolean;
  reindexRateLimitPerMinute: number;
  bodyLimit: string;
  /** Largest document accepted by PUT /documents/{path}. */
  documentBodyLimit: string;
  requestTimeoutMs: number;
  shutdownGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  defaultK: number;
  keepGenerations: number;
  /** The answerer model file; undefined = the committed models/answerer.json. */
  answerModel: string | undefined;
  /** The off-topic question bank for refusal calibration; undefined = models/offtopic-bank.json. */
  offTopicBank: string | undefined;
  feedbackDir: string;
  feedbackRateLimitPerMinute: number;
}>;

/** Parses the environment (or any record of strings) into a frozen Config, or throws ConfigError. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): Config {
  // A blank value (`PORT=` in .env) means unset, so the default applies: coercing '' would give 0
  // (a random port, or rate limits off).
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v === undefined || v.trim() !== ''));
  const result = schema.safeParse(set);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = result.data;
  if (e.EMBEDDINGS_PROVIDER === 'openai' && !e.OPENAI_API_KEY) {
    throw new ConfigError('Invalid configuration:\n  EMBEDDINGS_PROVIDER: "openai" needs OPENAI_API_KEY');
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    corpusDir: e.CORPUS_DIR,
    indexDir: e.INDEX_DIR,
    embeddingsCacheDir: e.EMBEDDINGS_CACHE_DIR,
    embeddingsProvider: e.EMBEDDINGS_PROVIDER,
    openai: Object.freeze({
      apiKey: e.OPENAI_API_KEY,
      baseURL: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      embeddingsModel: e.OPENAI_EMBEDDINGS_MODEL,
      timeoutMs: e.LLM_TIMEOUT_MS,
      maxRetries: e.LLM_MAX_RETRIES,
    }),
    adminToken: e.ADMIN_TOKEN,
    apiKeys: Object.freeze(e.API_KEYS),
    metricsRequireApiKey: e.METRICS_REQUIRE_API_KEY,
    watchCorpus: e.WATCH_CORPUS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitLocal: e.RATE_LIMIT_LOCAL,
    reindexRateLimitPerMinute: e.REINDEX_RATE_LIMIT_PER_MINUTE,
    bodyLimit: e.BODY_LIMIT,
    documentBodyLimit: e.DOCUMENT_BODY_LIMIT,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    logLevel: e.LOG_LEVEL,
    defaultK: e.DEFAULT_K,
    keepGenerations: e.KEEP_GENERATIONS,
    answerModel: e.ANSWER_MODEL,
    offTopicBank: e.OFFTOPIC_BANK,
    feedbackDir: e.FEEDBACK_DIR,
    feedbackRateLimitPerMinute: e.FEEDBACK_RATE_LIMIT_PER_MINUTE,
  });
}
