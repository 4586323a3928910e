import { describe, expect, test } from 'vitest';
import { createSseParser, parseSse, sseEvents, type SseEvent } from '../../public/sse.js';

describe('SSE parser (public/sse.js, shared by the page and the tests)', () => {
  test('parses event/data frames, joins multi-line data, skips comments and data-less events', () => {
    const text = ': comment\nevent: citations\ndata: {"a":1}\n\nevent: delta\ndata: line one\ndata:line two\n\nevent: empty\n\ndata: plain\n\n';
    expect(parseSse(text)).toEqual([
      { event: 'citations', data: '{"a":1}' },
      { event: 'delta', data: 'line one\nline two' },
      { event: 'message', data: 'plain' },
    ]);
  });

  test('handles CRLF and CR line ends, and drops an unfinished trailing event', () => {
    expect(parseSse('event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\revent: c\ndata: 3\n')).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  test('gives the same events whatever the chunking, even splitting CRLF', () => {
    const text = 'event: delta\r\ndata: {"text":"Hé "}\r\n\r\nevent: done\r\ndata: {"ok":true}\r\n\r\n';
    const whole = parseSse(text);
    expect(whole).toHaveLength(2);
    for (let size = 1; size <= 7; size++) {
      const out: SseEvent[] = [];
      const p = createSseParser((e) => out.push(e));
      for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
      p.end();
      expect(out).toEqual(whole);
    }
  });

  test('decodes UTF-8 split across body chunks', async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: 黑河\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of bytes) c.enqueue(Uint8Array.of(b));
        c.close();
      },
    });
    const out: SseEvent[] = [];
    for await (const e of sseEvents(body)) out.push(e);
    expect(out).toEqual([{ event: 'delta', data: '黑河' }]);
  });
});
