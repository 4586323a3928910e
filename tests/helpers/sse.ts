/**
 * SSE helpers for tests. The parser is the chat page's own (public/sse.js), so the tests read
 * streams exactly as the page does; this file adds whole-response reading and JSON payloads.
 */
import { sseEvents, type SseEvent } from '../../public/sse.js';

export { createSseParser, parseSse, sseEvents, type SseEvent, type SseParser } from '../../public/sse.js';

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
