/**
 * Cuts a span of text that is longer than a chunk may be (a run-on sentence, a file without
 * sentence punctuation) into pieces of at most `maxChars`: at a clause break (, ; : or a dash
 * followed by white space) in the second half of the window if there is one, else at the last
 * white space, else (one enormous "word") exactly at the limit, never inside a surrogate pair.
 * Pieces are trimmed of white space and are exact slices of the text.
 */
import type { Span } from '../text/sentences.js';

const CLAUSE_END = new Set([',', ';', ':', '—', '–']);
const isSpace = (ch: string | undefined): boolean => ch !== undefined && /\s/.test(ch);

/** Where the next piece of text[start, …) ends (exclusive), given it must end by `limit`. */
function cutPoint(text: string, start: number, limit: number, maxChars: number): number {
  const half = start + Math.floor(maxChars / 2);
  for (let p = limit - 1; p >= half; p--) if (CLAUSE_END.has(text[p] ?? '') && isSpace(text[p + 1])) return p + 1;
  for (let p = limit; p > start; p--) if (isSpace(text[p])) return p;
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff && limit - 1 > start ? limit - 1 : limit;
}

export function boundedSpans(text: string, span: Span, maxChars: number): Span[] {
  const out: Span[] = [];
  let s = span.start;
  for (;;) {
    while (s < span.end && isSpace(text[s])) s++;
    if (s >= span.end) return out;
    let end: number;
    if (span.end - s <= maxChars) end = span.end;
    else end = cutPoint(text, s, s + maxChars, maxChars);
    let e = end;
    while (e > s && isSpace(text[e - 1])) e--;
    if (e > s) out.push({ start: s, end: e });
    s = end;
  }
}
