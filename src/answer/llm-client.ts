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
  /** Streams the raw answer text through `onText` and returns it whole. */
  answer(question: string, passages: readonly Citation[], opts: { signal?: AbortSignal; onText?: (text: string) => void }): Promise<string>;
  /** Rewrites a follow-up into a standalone question. */
  condense(question: string, history: readonly ChatTurn[], signal?: AbortSignal): Promise<string>;
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

function upstreamError(err: unknown, timeoutMs: number): UpstreamError {
  const e = err as { name?: string; status?: number; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || /abort|timeout/i.test(e?.message ?? '')) {
    return new UpstreamError(`The language model did not answer within ${timeoutMs} ms.`, { cause: err });
  }
  return new UpstreamError(`The language model failed${e?.status ? ` (HTTP ${e.status})` : ''}.`, { cause: err });
}

/** HTTP statuses worth another try: rate limits and server faults. */
export function retryable(err: unknown): boolean {
  const e = err as { status?: number; final?: boolean; name?: string };
  if (e?.final || e?.name === 'AbortError' || e?.name === 'TimeoutError') return false;
  return e?.status === undefined || e.status === 429 || e.status >= 500;
}

/** Runs `attempt` up to 1 + retries times with exponential backoff, stopping when `signal` aborts. */
export async function withRetries<T>(attempt: () => Promise<T>, opts: { retries: number; signal: AbortSignal; baseDelayMs?: number }): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= opts.retries || opts.signal.aborted || !retryable(err)) throw err;
      const delay = (opts.baseDelayMs ?? 250) * 2 ** i * (0.75 + Math.random() * 0.5);
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
  const retry = <T>(signal: AbortSignal, attempt: () => Promise<T>): Promise<T> => withRetries(attempt, { retries: opts.maxRetries, signal });
  return {
    model: opts.model,
    async answer(question, passages, { signal, onText }) {
      const messages = [new SystemMessage(ANSWER_SYSTEM_PROMPT), new HumanMessage(answerUserPrompt(question, passages))];
      const limit = deadline(opts.timeoutMs, signal);
      let text = '';
      try {
        await retry(limit, async () => {
          // Once text has reached the client a retry would repeat it, so only retry before.
          if (text) throw Object.assign(new Error('stream cut after output'), { final: true });
          const stream = await chat.stream(messages, { signal: limit });
          for await (const chunk of stream) {
            const piece = contentText(chunk.content);
            if (!piece) continue;
            text += piece;
            onText?.(piece);
          }
        });
      } catch (err) {
        throw upstreamError(err, opts.timeoutMs);
      }
      return text;
    },
    async condense(question, history, signal) {
      try {
        const limit = deadline(opts.timeoutMs, signal);
        const out = await retry(limit, () =>
          chat.invoke([new SystemMessage(CONDENSE_SYSTEM_PROMPT), new HumanMessage(condenseUserPrompt(question, history))], { signal: limit }),
        );
        // The rewritten question is searched and shown back to the client: it may carry only
        // the addresses the user wrote, and must not be the instructions repeated.
        const said = [question, ...history.map((t) => t.content)].join('\n');
        const text = stripForeignLinks(contentText(out.content), said).trim().replace(/^"|"$/g, '');
        return text.length > 0 && text.length <= 2000 && !echoes(text, CONDENSE_SYSTEM_PROMPT) ? text : question;
      } catch (err) {
        throw upstreamError(err, opts.timeoutMs);
      }
    },
  };
}
