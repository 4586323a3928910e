/**
 * A small Server-Sent Events parser for tests, following the WHATWG event-stream rules:
 * lines end in LF, CRLF or CR; `event:`/`data:`/`id:` fields (one optional space after the
 * colon); lines starting with `:` are comments; several `data:` lines join with `\n`; a blank
 * line dispatches the event (an event with no data is dropped); an unfinished event at the end
 * of the stream is dropped. Chunks may split anywhere, even inside a CRLF or a UTF-8 sequence.
 */

export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export interface SseParser {
  push(chunk: string): void;
  /** Ends the stream: any unfinished event is dropped, as a browser would. */
  end(): void;
}

export function createSseParser(onEvent: (e: SseEvent) => void): SseParser {
  let buffer = '';
  let pendingCR = false;
  let event = '';
  let data: string[] = [];
  let id: string | undefined;

  const dispatch = (): void => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
    event = '';
    data = [];
  };

  const line = (l: string): void => {
    if (l === '') return dispatch();
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
  };

  return {
    push(chunk) {
      let text = chunk;
      // A CR that ended the previous chunk already ended its line: skip the LF of its CRLF.
      if (pendingCR && text.startsWith('\n')) text = text.slice(1);
      pendingCR = false;
      buffer += text;
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer);
        if (!m) break;
        if (m[0] === '\r' && m.index === buffer.length - 1) pendingCR = true;
        line(buffer.slice(0, m.index));
        buffer = buffer.slice(m.index + m[0].length);
      }
    },
    end() {
      buffer = '';
      event = '';
      data = [];
    },
  };
}

export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  const p = createSseParser((e) => out.push(e));
  p.push(text);
  p.end();
  return out;
}

/** The events of a response body as they arrive (decoding UTF-8 across chunk boundaries). */
export async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const queue: SseEvent[] = [];
  const parser = createSseParser((e) => queue.push(e));
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      parser.push(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift() as SseEvent;
    }
    parser.push(decoder.decode());
    parser.end();
    while (queue.length > 0) yield queue.shift() as SseEvent;
  } finally {
    // Leaving early (break/return/throw) cancels the body, which closes the connection.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** Reads a whole event-stream response. */
export async function readSse(res: Response): Promise<SseEvent[]> {
  if (!res.body) throw new Error('response has no body');
  const out: SseEvent[] = [];
  for await (const e of sseEvents(res.body)) out.push(e);
  return out;
}

/** The JSON payload of an event. */
export function json<T = unknown>(e: SseEvent | undefined): T {
  if (!e) throw new Error('no such event');
  return JSON.parse(e.data) as T;
}
