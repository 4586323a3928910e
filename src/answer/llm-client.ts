/**
 * The chat model port of LLM mode, and its implementation over LangChain's ChatOpenAI (any
 * OpenAI-compatible server: OpenAI, Ollama, llama.cpp, vLLM, LM Studio). Every call has a
 * deadline and honours the caller's abort signal, so a client that disconnects or a hung
 * upstream never holds a request longer than the configured time.
 */
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { ChatTurn, Citation } from '../types.js';
import { UpstreamError } from '../errors.js';
import { ANSWER_SYSTEM_PROMPT, CONDENSE_SYSTEM_PROMPT, answerUserPrompt, condenseUserPrompt } from './prompts.js';
import { echoes, stripForeignLinks } from './citation-check.js';

export interface LlmClient {
  readonly model: string;
  /**
   * Streams the raw answer text through `onText` and returns it whole. `deadlineAt` (on
   * performance.now()'s clock) bounds the waits between retries.
   */
  answer(question: string, passages: readonly Citation[], opts: { signal?: AbortSignal; deadlineAt?: number; onText?: (text: string) => void }): Promise<string>;
  /** Rewrites a follow-up into a standalone question. */
  condense(question: string, history: readonly ChatTurn[], signal?: AbortSignal, deadlineAt?: number): Promise<string>;
}

export interface OpenAILlmOptions {
  readonly apiKey: string;
  readonly baseURL?: string | undefined;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('');
  return '';
}

/** Aborts on the caller's signal or at the deadline, whichever comes first. */
function deadline(timeoutMs: number, signal?: AbortSignal): AbortSignal {
  const timer = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timer]) : timer;
}

interface ErrorShape {
  readonly name?: string;
  readonly status?: unknown;
  readonly code?: unknown;
  readonly final?: boolean;
  readonly cause?: unknown;
  readonly message?: string;
  readonly headers?: unknown;
}
const shape = (err: unknown): ErrorShape => (typeof err === 'object' && err !== null ? (err as ErrorShape) : {});

// Socket and DNS failures as Node and undici report them (on the error or its cause).
const NETWORK_CODE = /^(?:UND_ERR_|ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_STREAM_PREMATURE_CLOSE)/;
// The OpenAI SDK's errors that carry no HTTP status: the request did not get a response.
const CONNECTION_ERRORS = new Set(['APIConnectionError', 'APIConnectionTimeoutError']);

const aborted = (e: ErrorShape): boolean => e.name === 'AbortError' || e.name === 'TimeoutError';

/**
 * Whether an error came from the upstream model server or the way to it: an HTTP error
 * response, a connection that failed or was cut, a timeout or abort. Anything else thrown
 * while calling the model (a TypeError in our own code, a callback that throws) is a bug, not
 * an upstream failure: it is neither retried nor turned into a fallback.
 */
export function fromUpstream(err: unknown): boolean {
  for (let e = shape(err), depth = 0; depth < 4; e = shape(e.cause), depth++) {
    if (typeof e.status === 'number' || e.final || aborted(e)) return true;
    if (CONNECTION_ERRORS.has(e.name ?? '') || CONNECTION_ERRORS.has((e as { constructor?: { name?: string } }).constructor?.name ?? '')) return true;
    if (typeof e.code === 'string' && NETWORK_CODE.test(e.code)) return true;
    if (e.cause === undefined) break;
  }
  return false;
}

function upstreamError(err: unknown, timeoutMs: number): UpstreamError {
  const e = shape(err);
  if (aborted(e) || /abort|timeout/i.test(e.message ?? '')) {
    return new UpstreamError(`The language model did not answer within ${timeoutMs} ms.`, { cause: err });
  }
  return new UpstreamError(`The language model failed${typeof e.status === 'number' ? ` (HTTP ${e.status})` : ''}.`, { cause: err });
}

/** Upstream failures worth another try: rate limits, server faults, connections that failed. */
export function retryable(err: unknown): boolean {
  const e = shape(err);
  if (!fromUpstream(err) || e.final || aborted(e)) return false;
  return typeof e.status !== 'number' || e.status === 429 || e.status >= 500;
}

function header(headers: unknown, name: string): string | null {
  if (headers && typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(n: string): string | null }).get(name);
  if (headers && typeof headers === 'object') {
    const v = (headers as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/**
 * How long the upstream asked us to wait before retrying, in ms: `retry-after-ms` (OpenAI's),
 * else `Retry-After` as seconds or an HTTP date; null when it did not say.
 */
export function retryAfterMs(err: unknown, now: number = Date.now()): number | null {
  const headers = shape(err).headers;
  const ms = Number(header(headers, 'retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(?:\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

export interface RetryOptions {
  readonly retries: number;
  readonly signal: AbortSignal;
  readonly baseDelayMs?: number;
  /** When retrying must be over, on `now()`'s clock: a wait that would pass it is not started. */
  readonly deadlineAt?: number;
  readonly now?: () => number;
}

/**
 * Runs `attempt` up to 1 + retries times, stopping when `signal` aborts. Between attempts it
 * waits what the upstream asked (Retry-After), else an exponential backoff; when that wait
 * would end past the deadline, it gives up at once (the caller falls back now rather than at
 * the deadline).
 */
export async function withRetries<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const now = opts.now ?? (() => performance.now());
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= opts.retries || opts.signal.aborted || !retryable(err)) throw err;
      const delay = retryAfterMs(err) ?? (opts.baseDelayMs ?? 250) * 2 ** i * (0.75 + Math.random() * 0.5);
      if (opts.deadlineAt !== undefined && now() + delay >= opts.deadlineAt) throw err;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, delay);
        opts.signal.addEventListener('abort', () => (clearTimeout(t), reject(opts.signal.reason)), { once: true });
      });
    }
  }
}

export function createOpenAILlm(opts: OpenAILlmOptions): LlmClient {
  const chat = new ChatOpenAI({
    model: opts.model,
    apiKey: opts.apiKey,
    temperature: 0,
    // Retries are ours (withRetries): LangChain skips a 429 that has no Retry-After header.
    maxRetries: 0,
    configuration: { ...(opts.baseURL ? { baseURL: opts.baseURL } : {}), maxRetries: 0 },
  });
  // Each call is bounded by its own timeout and by the answer's deadline, whichever is first.
  const retry = <T>(signal: AbortSignal, deadlineAt: number | undefined, attempt: () => Promise<T>): Promise<T> =>
    withRetries(attempt, { retries: opts.maxRetries, signal, deadlineAt: Math.min(performance.now() + opts.timeoutMs, deadlineAt ?? Infinity) });
  // Only upstream failures become UpstreamError (and a fallback); a bug is rethrown as it is.
  const asUpstream = (err: unknown): unknown => (fromUpstream(err) ? upstreamError(err, opts.timeoutMs) : err);
  return {
    model: opts.model,
    async answer(question, passages, { signal, deadlineAt, onText }) {
      const messages = [new SystemMessage(ANSWER_SYSTEM_PROMPT), new HumanMessage(answerUserPrompt(question, passages))];
      const limit = deadline(opts.timeoutMs, signal);
      let text = '';
      try {
        await retry(limit, deadlineAt, async () => {
          const stream = await chat.stream(messages, { signal: limit });
          try {
            for await (const chunk of stream) {
              const piece = contentText(chunk.content);
              if (!piece) continue;
              text += piece;
              onText?.(piece);
            }
          } catch (err) {
            // Once text has reached the client a retry would repeat it: a cut stream is final then.
            if (text && fromUpstream(err)) throw Object.assign(new Error('stream cut after output', { cause: err }), { final: true });
            throw err;
          }
        });
      } catch (err) {
        throw asUpstream(err);
      }
      return text;
    },
    async condense(question, history, signal, deadlineAt) {
      try {
        const limit = deadline(opts.timeoutMs, signal);
        const out = await retry(limit, deadlineAt, () =>
          chat.invoke([new SystemMessage(CONDENSE_SYSTEM_PROMPT), new HumanMessage(condenseUserPrompt(question, history))], { signal: limit }),
        );
        // The rewritten question is searched and shown back to the client: it may carry only
        // the addresses the user wrote, and must not be the instructions repeated.
        const said = [question, ...history.map((t) => t.content)].join('\n');
        const text = stripForeignLinks(contentText(out.content), said).trim().replace(/^"|"$/g, '');
        return text.length > 0 && text.length <= 2000 && !echoes(text, CONDENSE_SYSTEM_PROMPT) ? text : question;
      } catch (err) {
        throw asUpstream(err);
      }
    },
  };
}
