// @ts-check
/**
 * Talking to the server: /config, /health, /ask (streamed as Server-Sent Events, parsed by
 * sse.js) and /feedback. Failures become AskError with the server's `{error: {code, message}}`
 * when it sent one; a fetch that cannot reach the server rejects with a TypeError, which
 * callers report as "network".
 */
import { sseEvents } from './sse.js';

/** @typedef {import('./types.js').Answer} Answer */
/** @typedef {import('./types.js').Citation} Citation */
/** @typedef {import('./types.js').StreamEvent} StreamEvent */
/** @typedef {import('./types.js').ChatTurn} ChatTurn */
/** @typedef {import('./types.js').ClientConfig} ClientConfig */
/** @typedef {import('./types.js').Health} Health */
/** @typedef {import('./types.js').FeedbackBody} FeedbackBody */
/** @typedef {import('./sse.js').SseEvent} SseEvent */

export class AskError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {number} [status] HTTP status, when the server answered
   */
  constructor(code, message, status) {
    super(message);
    this.name = 'AskError';
    this.code = code;
    this.status = status;
  }
}

/**
 * Reads `{error:{code,message}}` from a failed response; falls back to the HTTP status.
 * @param {Response} res
 * @returns {Promise<AskError>}
 */
export async function errorFromResponse(res) {
  let code = `http_${res.status}`;
  let message = '';
  try {
    const body = await res.json();
    if (isRecord(body) && isRecord(body.error)) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = body.error.message;
    }
  } catch {
    // Not JSON (a proxy error page, for instance): the status line will have to do.
  }
  if (!message) {
    message = res.status === 429 ? 'Too many requests. Please wait a moment and try again.' : `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
  }
  return new AskError(code, message, res.status);
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
function isRecord(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * @param {unknown} v
 * @returns {v is Citation}
 */
function isCitation(v) {
  return isRecord(v) && Number.isInteger(v.n) && typeof v.text === 'string' && typeof v.chunkId === 'string';
}

/**
 * An answer as the page can use it, or null. The server is ours, but a proxy or an older
 * server could send something else: check what the page relies on.
 * @param {unknown} v
 * @returns {Answer | null}
 */
export function toAnswer(v) {
  if (!isRecord(v) || typeof v.answer !== 'string' || typeof v.grounded !== 'boolean' || typeof v.question !== 'string' || typeof v.indexVersion !== 'string' || !Array.isArray(v.citations)) return null;
  if (!v.citations.every(isCitation)) return null;
  if (v.related !== undefined && !(Array.isArray(v.related) && v.related.every(isCitation))) return null;
  return /** @type {Answer} */ (/** @type {unknown} */ (v));
}

/**
 * One SSE frame of /ask as a typed stream event, or null for a frame the page does not know
 * or cannot read (skipped rather than failing an otherwise fine answer).
 * @param {SseEvent} frame
 * @returns {StreamEvent | null}
 */
export function toStreamEvent(frame) {
  /** @type {unknown} */
  let data;
  try {
    data = JSON.parse(frame.data);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  switch (frame.event) {
    case 'citations':
      if (!Array.isArray(data.citations) || !data.citations.every(isCitation)) return null;
      return { type: 'citations', citations: data.citations, question: String(data.question ?? ''), indexVersion: String(data.indexVersion ?? '') };
    case 'delta':
      return typeof data.text === 'string' ? { type: 'delta', text: data.text } : null;
    case 'done': {
      const answer = toAnswer(data.answer);
      return answer ? { type: 'done', answer } : null;
    }
    case 'error': {
      const err = isRecord(data.error) ? data.error : {};
      return { type: 'error', error: { code: typeof err.code === 'string' ? err.code : 'stream_error', message: typeof err.message === 'string' ? err.message : 'The server reported an error.' } };
    }
    default:
      return null;
  }
}

/**
 * Asks one question and streams the answer: `onEvent` sees `citations` and `delta` events as
 * they arrive. Resolves with the final answer; rejects with AskError, an AbortError when
 * stopped, or a TypeError when the server cannot be reached.
 * @param {{ question: string, history: ChatTurn[], signal: AbortSignal, onEvent: (e: StreamEvent) => void }} request
 * @returns {Promise<Answer>}
 */
export async function askStreaming({ question, history, signal, onEvent }) {
  const res = await fetch('/ask', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ question, history, stream: true }),
    signal,
  });
  if (!res.ok) throw await errorFromResponse(res);
  // Tolerate a server that answers with plain JSON (streaming turned off by a proxy).
  if ((res.headers.get('content-type') ?? '').includes('application/json')) {
    const answer = toAnswer(await res.json());
    if (!answer) throw new AskError('bad_answer', 'The server sent an answer in an unexpected format.');
    return answer;
  }
  if (!res.body) throw new AskError('no_body', 'The server sent an empty response.');
  for await (const frame of sseEvents(res.body)) {
    const event = toStreamEvent(frame);
    if (!event) continue;
    if (event.type === 'done') return event.answer;
    if (event.type === 'error') throw new AskError(event.error.code, event.error.message);
    onEvent(event);
  }
  // The body ended without `done`: the connection dropped or the server crashed mid-answer.
  throw new AskError('incomplete', 'The answer was cut off before it finished. Please try again.');
}

/**
 * GET a JSON document; a 503 with a JSON body still resolves (health reports "starting" so).
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<{ status: number, body: unknown }>}
 */
async function getJson(path, signal) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!res.ok && res.status !== 503) throw await errorFromResponse(res);
  return { status: res.status, body: await res.json() };
}

/**
 * The limits the server enforces (GET /config).
 * @returns {Promise<ClientConfig>}
 */
export async function getClientConfig() {
  const { status, body } = await getJson('/config');
  const limits = isRecord(body) && isRecord(body.limits) ? body.limits : null;
  const keys = /** @type {const} */ (['questionChars', 'historyTurns', 'historyContentChars', 'bodyBytes', 'feedbackNoteChars']);
  if (status !== 200 || !limits || !keys.every((k) => Number.isInteger(limits[k]) && Number(limits[k]) > 0)) {
    throw new AskError('bad_config', 'The server sent its limits in an unexpected format.');
  }
  return /** @type {ClientConfig} */ (body);
}

/**
 * GET /health. Resolves with the health document (also for 503 "starting"); rejects when the
 * server cannot be reached or answers something else.
 * @param {AbortSignal} [signal]
 * @returns {Promise<Health>}
 */
export async function getHealth(signal) {
  const { body } = await getJson('/health', signal);
  if (!isRecord(body) || typeof body.status !== 'string') throw new AskError('bad_health', 'The server sent its status in an unexpected format.');
  return /** @type {Health} */ (body);
}

/**
 * POST /feedback. Resolves when stored (201); rejects with AskError or a TypeError.
 * @param {FeedbackBody} body
 * @returns {Promise<void>}
 */
export async function sendFeedback(body) {
  const res = await fetch('/feedback', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw await errorFromResponse(res);
}
