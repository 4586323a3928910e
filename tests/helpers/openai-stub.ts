/**
 * Local OpenAI-compatible HTTP stub for tests (node:http only, 127.0.0.1, random port).
 * Serves POST /v1/chat/completions (plain + SSE streaming, scripted replies/faults) and
 * POST /v1/embeddings (deterministic hashed bag-of-words vectors, float or base64), so
 * `@langchain/openai` clients can be exercised without touching the paid remote API.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StubReply =
  /** A normal completion (streamed in several chunks if the request has `stream: true`). */
  | { kind: 'text'; text: string }
  /** An OpenAI-style error JSON body `{ error: { message, type, code } }` with the given status. */
  | { kind: 'error'; status: number; message?: string; retryAfterSeconds?: number }
  /** Never answers (until the client aborts or the stub closes). */
  | { kind: 'hang' }
  /** Answers with `text` after `delayMs`. */
  | { kind: 'slow'; text: string; delayMs: number }
  /**
   * Streaming: sends the role delta plus the first `afterChunks` content deltas, then destroys
   * the socket (no finish chunk, no `[DONE]`). Non-streaming requests get their socket destroyed
   * before any response byte.
   */
  | { kind: 'cut'; text: string; afterChunks: number };

export interface RecordedRequest {
  path: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** True when the client disconnected before the stub finished its reply. */
  aborted: boolean;
}

export interface OpenAIStub {
  /** `http://127.0.0.1:PORT` (point clients at `url + '/v1'`). */
  url: string;
  /** Every request received, in order (chat + embeddings + unknown paths). */
  requests: RecordedRequest[];
  chatRequests(): RecordedRequest[];
  /** Queue replies for upcoming chat completion calls, consumed in order; when empty, `fallback` decides. */
  enqueue(...replies: StubReply[]): void;
  /** Default reply when the queue is empty: a function of the request's messages, so tests can answer from the prompt. */
  setFallback(fn: (messages: Array<{ role: string; content: string }>) => StubReply): void;
  /** Closes the server and destroys open sockets (hanging requests too). Idempotent. */
  close(): Promise<void>;
}

export interface StubMessage {
  role: string;
  content: string;
}

const CHAT_PATH = '/v1/chat/completions';
const EMBEDDINGS_PATH = '/v1/embeddings';
const DEFAULT_DIMENSIONS = 16;
const STREAM_PIECES = 4;

export function textReply(text: string): StubReply {
  return { kind: 'text', text };
}

/** Default fallback: a fixed, recognisable answer. */
const defaultFallback = (): StubReply => textReply('Stub reply.');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Normalises a chat message's content (string, null, or array of content parts) to a string. */
function contentToString(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const part of content) {
      if (typeof part === 'string') texts.push(part);
      else if (isRecord(part) && typeof part['text'] === 'string') texts.push(part['text']);
    }
    return texts.join('\n');
  }
  return '';
}

function extractMessages(body: unknown): StubMessage[] {
  if (!isRecord(body) || !Array.isArray(body['messages'])) return [];
  return body['messages'].map((m: unknown): StubMessage => ({
    role: isRecord(m) && typeof m['role'] === 'string' ? m['role'] : 'user',
    content: isRecord(m) ? contentToString(m['content']) : '',
  }));
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}

/** Splits text into at most `pieces` consecutive parts on word boundaries; joining them restores the text. */
export function splitIntoPieces(text: string, pieces: number): string[] {
  const tokens = text.match(/\s*\S+\s*/g) ?? (text.length > 0 ? [text] : []);
  if (tokens.length === 0) return [];
  const n = Math.max(1, Math.min(pieces, tokens.length));
  const size = Math.ceil(tokens.length / n);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += size) out.push(tokens.slice(i, i + size).join(''));
  return out;
}

/** 32-bit FNV-1a hash. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Deterministic text embedding: signed feature hashing of lowercase words into `dimensions`
 * buckets, L2-normalised. Texts sharing words get similar vectors; unrelated texts are ~orthogonal.
 */
export function stubEmbedding(text: string, dimensions: number): number[] {
  const vec = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const h = fnv1a(word);
    const bucket = h % dimensions;
    const sign = (fnv1a(`#${word}`) & 1) === 0 ? 1 : -1;
    vec[bucket] = (vec[bucket] ?? 0) + sign;
  }
  let norm = Math.sqrt(vec.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    // No words (or cancelling collisions): a text-dependent unit vector, never all-zero.
    vec[fnv1a(text) % dimensions] = 1;
    norm = 1;
  }
  return vec.map((x) => x / norm);
}

function float32Base64(vec: number[]): string {
  const f32 = Float32Array.from(vec);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
}

function errorType(status: number): { type: string; code: string | null } {
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'not_found' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

function sendError(res: ServerResponse, status: number, message: string, retryAfterSeconds?: number): void {
  const { type, code } = errorType(status);
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function startOpenAIStub(opts: { embeddingDimensions?: number } = {}): Promise<OpenAIStub> {
  const defaultDimensions = opts.embeddingDimensions ?? DEFAULT_DIMENSIONS;
  const requests: RecordedRequest[] = [];
  const queue: StubReply[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let fallback: (messages: StubMessage[]) => StubReply = defaultFallback;
  let closing = false;
  let closed: Promise<void> | undefined;
  let counter = 0;
  // Responses whose socket the stub destroys on purpose ('cut'): not a client abort.
  const cutByStub = new WeakSet<ServerResponse>();
  const cutSocket = (res: ServerResponse): void => {
    cutByStub.add(res);
    res.socket?.destroy();
  };

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  /** Writes SSE events one per macrotask so the client sees them as separate reads where possible. */
  const writeEvents = (res: ServerResponse, events: string[], done: () => void): void => {
    let i = 0;
    const step = (): void => {
      if (res.destroyed || closing) return;
      const ev = events[i];
      if (ev === undefined) {
        done();
        return;
      }
      i += 1;
      res.write(`data: ${ev}\n\n`, () => setImmediate(step));
    };
    step();
  };

  const answerChat = (res: ServerResponse, body: Record<string, unknown>, text: string, cutAfter?: number): void => {
    if (res.destroyed || closing) return;
    counter += 1;
    const id = `chatcmpl-stub-${counter}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof body['model'] === 'string' ? body['model'] : 'stub-model';
    const promptTokens = extractMessages(body).reduce((s, m) => s + countWords(m.content), 0);
    const completionTokens = countWords(text);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };

    if (body['stream'] !== true) {
      if (cutAfter !== undefined) {
        cutSocket(res);
        return;
      }
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        system_fingerprint: 'fp_stub',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
      });
      return;
    }

    const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_stub',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
    const pieces = splitIntoPieces(text, Math.max(STREAM_PIECES, (cutAfter ?? 0) + 1));
    const events = [chunk({ role: 'assistant', content: '' }, null), ...pieces.map((p) => chunk({ content: p }, null))];

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });

    if (cutAfter !== undefined) {
      writeEvents(res, events.slice(0, 1 + Math.max(0, cutAfter)), () => cutSocket(res));
      return;
    }

    events.push(chunk({}, 'stop'));
    const streamOptions = body['stream_options'];
    if (isRecord(streamOptions) && streamOptions['include_usage'] === true) {
      events.push(JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_stub', choices: [], usage }));
    }
    events.push('[DONE]');
    writeEvents(res, events, () => res.end());
  };

  const handleChat = (res: ServerResponse, body: unknown): void => {
    if (!isRecord(body)) {
      sendError(res, 400, 'Request body must be a JSON object.');
      return;
    }
    let reply: StubReply;
    try {
      reply = queue.shift() ?? fallback(extractMessages(body));
    } catch (err) {
      // A test's fallback that throws answers 500 with why, instead of leaving the request hanging.
      sendError(res, 500, `stub fallback failed: ${(err as Error).message}`);
      return;
    }
    switch (reply.kind) {
      case 'text':
        answerChat(res, body, reply.text);
        return;
      case 'error':
        sendError(res, reply.status, reply.message ?? `Stub error ${reply.status}`, reply.retryAfterSeconds);
        return;
      case 'hang':
        return;
      case 'slow':
        later(reply.delayMs, () => answerChat(res, body, reply.text));
        return;
      case 'cut':
        answerChat(res, body, reply.text, reply.afterChunks);
        return;
    }
  };

  const handleEmbeddings = (res: ServerResponse, body: unknown): void => {
    if (!isRecord(body)) {
      sendError(res, 400, 'Request body must be a JSON object.');
      return;
    }
    const input = body['input'];
    const inputs: string[] | undefined =
      typeof input === 'string'
        ? [input]
        : Array.isArray(input) && input.every((x): x is string => typeof x === 'string')
          ? input
          : undefined;
    if (inputs === undefined) {
      sendError(res, 400, "'input' must be a string or an array of strings.");
      return;
    }
    const dims = body['dimensions'];
    const dimensions = typeof dims === 'number' && Number.isInteger(dims) && dims > 0 ? dims : defaultDimensions;
    const base64 = body['encoding_format'] === 'base64';
    const tokens = inputs.reduce((s, t) => s + countWords(t), 0);
    sendJson(res, 200, {
      object: 'list',
      data: inputs.map((text, index) => {
        const vec = stubEmbedding(text, dimensions);
        return { object: 'embedding', index, embedding: base64 ? float32Base64(vec) : vec };
      }),
      model: typeof body['model'] === 'string' ? body['model'] : 'stub-embed',
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedRequest = { path, body: undefined, headers: { ...req.headers }, aborted: false };
    requests.push(record);
    res.on('close', () => {
      // Closed before the reply was fully written, and not by the stub itself (cut / close()).
      if (!res.writableFinished && !closing && !cutByStub.has(res)) record.aborted = true;
    });

    readBody(req)
      .then((raw) => {
        let body: unknown = raw;
        if (raw.length > 0) {
          try {
            body = JSON.parse(raw) as unknown;
          } catch {
            record.body = raw;
            sendError(res, 400, 'Invalid JSON body.');
            return;
          }
        }
        record.body = body;
        const known = path === CHAT_PATH || path === EMBEDDINGS_PATH;
        if (!known) {
          sendError(res, 404, `Unknown path: ${req.method ?? '?'} ${path}`);
          return;
        }
        if (req.method !== 'POST') {
          sendError(res, 405, `Method ${req.method ?? '?'} not allowed on ${path}`);
          return;
        }
        if (path === CHAT_PATH) handleChat(res, body);
        else handleEmbeddings(res, body);
      })
      .catch(() => {
        // Client went away while sending the body; 'close' handler records it.
      });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        chatRequests: () => requests.filter((r) => r.path === CHAT_PATH),
        enqueue: (...replies: StubReply[]) => {
          queue.push(...replies);
        },
        setFallback: (fn) => {
          fallback = fn;
        },
        close: () => {
          if (closed !== undefined) return closed;
          closing = true;
          for (const t of timers) clearTimeout(t);
          timers.clear();
          closed = new Promise<void>((res, rej) => {
            server.close((err) => (err ? rej(err) : res()));
            server.closeAllConnections();
          });
          return closed;
        },
      });
    });
  });
}
