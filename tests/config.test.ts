import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

/** The ConfigError that parsing `env` throws (fails the test if it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

describe('parseConfig', () => {
  it('has defaults for everything', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      corpusDir: 'corpus',
      indexDir: 'index',
      embeddingsCacheDir: '.cache',
      embeddingsProvider: 'local',
      adminToken: undefined,
      watchCorpus: false,
      rateLimitPerMinute: 60,
      rateLimitLocal: false,
      reindexRateLimitPerMinute: 6,
      bodyLimit: '64kb',
      documentBodyLimit: '1mb',
      requestTimeoutMs: 30_000,
      shutdownGraceMs: 10_000,
      logLevel: 'info',
      defaultK: 5,
      keepGenerations: 2,
      feedbackDir: 'data/feedback',
      feedbackRateLimitPerMinute: 20,
    });
    expect(config.openai).toEqual({ apiKey: undefined, baseURL: undefined, model: 'gpt-4o-mini', embeddingsModel: 'text-embedding-3-small', timeoutMs: 20_000, maxRetries: 2 });
  });

  it('reads and converts values', () => {
    const config = parseConfig({
      PORT: '8080',
      WATCH_CORPUS: 'true',
      OPENAI_API_KEY: '  sk-test  ',
      OPENAI_BASE_URL: 'http://localhost:11434/v1',
      LLM_MAX_RETRIES: '0',
      ADMIN_TOKEN: '',
      LOG_LEVEL: 'debug',
      DEFAULT_K: '8',
      DOCUMENT_BODY_LIMIT: '256kb',
    });
    expect(config.port).toBe(8080);
    expect(config.watchCorpus).toBe(true);
    expect(config.openai.apiKey).toBe('sk-test');
    expect(config.openai.baseURL).toBe('http://localhost:11434/v1');
    expect(config.openai.maxRetries).toBe(0);
    expect(config.adminToken).toBeUndefined();
    expect(config.logLevel).toBe('debug');
    expect(config.defaultK).toBe(8);
    expect(config.documentBodyLimit).toBe('256kb');
    expect(parseConfig({ WATCH_CORPUS: '1' }).watchCorpus).toBe(true);
    expect(parseConfig({ WATCH_CORPUS: '0' }).watchCorpus).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['EMBEDDINGS_PROVIDER', 'cohere'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['OPENAI_BASE_URL', 'localhost:11434'],
    ['OPENAI_BASE_URL', 'javascript:alert(1)'],
    ['OPENAI_BASE_URL', 'ftp://example.com/v1'],
    ['LLM_MAX_RETRIES', '9'],
    ['WATCH_CORPUS', 'yes'],
    ['LOG_LEVEL', 'verbose'],
    ['BODY_LIMIT', 'lots'],
    ['DOCUMENT_BODY_LIMIT', '1 gigabyte'],
    ['DEFAULT_K', '0'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.name).toBe('ConfigError');
    expect(err.message).toContain(name);
  });

  it('treats a blank value as unset, so the default applies (not 0)', () => {
    const config = parseConfig({ PORT: '', RATE_LIMIT_PER_MINUTE: ' ', LLM_TIMEOUT_MS: '', HOST: '', OPENAI_BASE_URL: '' });
    expect(config.port).toBe(3000);
    expect(config.rateLimitPerMinute).toBe(60);
    expect(config.openai.timeoutMs).toBe(20_000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.openai.baseURL).toBeUndefined();
    // An explicit 0 is still 0.
    expect(parseConfig({ PORT: '0', RATE_LIMIT_PER_MINUTE: '0' })).toMatchObject({ port: 0, rateLimitPerMinute: 0 });
  });

  it('accepts http and https base URLs', () => {
    expect(parseConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }).openai.baseURL).toBe('http://127.0.0.1:11434/v1');
    expect(parseConfig({ OPENAI_BASE_URL: ' https://api.openai.com/v1 ' }).openai.baseURL).toBe('https://api.openai.com/v1');
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('LOG_LEVEL');
  });

  it('refuses EMBEDDINGS_PROVIDER=openai without OPENAI_API_KEY', () => {
    for (const key of [undefined, '', '   ']) {
      const err = configError({ EMBEDDINGS_PROVIDER: 'openai', OPENAI_API_KEY: key });
      expect(err.message).toContain('EMBEDDINGS_PROVIDER');
      expect(err.message).toContain('OPENAI_API_KEY');
    }
    expect(parseConfig({ EMBEDDINGS_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-test' }).embeddingsProvider).toBe('openai');
  });

  it('reads API_KEYS as a list of comma-separated keys; blanks between commas are dropped', () => {
    expect(parseConfig({}).apiKeys).toEqual([]);
    expect(parseConfig({ API_KEYS: '' }).apiKeys).toEqual([]);
    expect(parseConfig({ API_KEYS: ' key-a , key-b,,key-c ' }).apiKeys).toEqual(['key-a', 'key-b', 'key-c']);
    expect(parseConfig({}).metricsRequireApiKey).toBe(true);
    expect(parseConfig({ METRICS_REQUIRE_API_KEY: 'false' }).metricsRequireApiKey).toBe(false);
    expect(Object.isFrozen(parseConfig({ API_KEYS: 'k' }).apiKeys)).toBe(true);
  });

  it('refuses an API key holding whitespace, without echoing the keys', () => {
    const err = configError({ API_KEYS: 'good-key,secret key' });
    expect(err.message).toContain('API_KEYS');
    expect(err.message).not.toContain('secret');
    expect(configError({ METRICS_REQUIRE_API_KEY: 'maybe' }).message).toContain('METRICS_REQUIRE_API_KEY');
  });

  it('returns a frozen config', () => {
    const config = parseConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.openai)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(3000);
  });

  it('does not leak the API key into error messages', () => {
    const err = configError({ OPENAI_API_KEY: 'sk-secret-value', PORT: 'bad' });
    expect(err.message).not.toContain('sk-secret-value');
  });
});
