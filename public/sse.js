// @ts-check
/**
 * Server-Sent Events parsing, shared by the chat page and the tests (no DOM, no dependencies).
 * It follows the WHATWG event-stream rules: lines end in LF, CRLF or CR; `event:`/`data:`/`id:`
 * fields take one optional space after the colon; lines starting with `:` are comments; several
 * `data:` lines join with `\n`; a blank line dispatches the event (one with no data is dropped);
 * an unfinished event at the end of the stream is dropped. Chunks may split anywhere, even
 * inside a CRLF or a UTF-8 sequence. (EventSource itself cannot POST, hence our own reader.)
 */

/**
 * @typedef {object} SseEvent
 * @property {string} event The `event:` field, `message` when absent.
 * @property {string} data
 * @property {string} [id]
 */

/**
 * @typedef {object} SseParser
 * @property {(chunk: string) => void} push Feeds decoded text.
 * @property {() => void} end Ends the stream: any unfinished event is dropped, as a browser would.
 */

/**
 * @param {(e: SseEvent) => void} onEvent
 * @returns {SseParser}
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let pendingCR = false;
  let event = '';
  /** @type {string[]} */
  let data = [];
  /** @type {string | undefined} */
  let id;

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
    event = '';
    data = [];
  };

  /** @param {string} l */
  const line = (l) => {
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

/**
 * The events of a whole event-stream text.
 * @param {string} text
 * @returns {SseEvent[]}
 */
export function parseSse(text) {
  /** @type {SseEvent[]} */
  const out = [];
  const p = createSseParser((e) => out.push(e));
  p.push(text);
  p.end();
  return out;
}

/**
 * The events of a response body as they arrive, decoding UTF-8 across chunk boundaries.
 * Leaving the loop early (break, return, throw) cancels the body, which closes the connection.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<SseEvent, void, undefined>}
 */
export async function* sseEvents(body) {
  /** @type {SseEvent[]} */
  const queue = [];
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
      for (let e = queue.shift(); e; e = queue.shift()) yield e;
    }
    parser.push(decoder.decode());
    parser.end();
    for (let e = queue.shift(); e; e = queue.shift()) yield e;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
