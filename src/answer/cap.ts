/**
 * Upper bounds on what one answer sends: the answer text and each cited passage. Chunks are
 * bounded at ingest (at most the chunker's maxChars), so these caps only bite on generations
 * written before that, or on a model that runs on; they keep a response small either way.
 */
import type { Citation } from '../types.js';

export const MAX_ANSWER_CHARS = 4000;
export const MAX_CITATION_CHARS = 4000;

/** `text` if it fits, else cut at the last white space before `max` with "…" appended. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max - 1);
  return `${text.slice(0, cut > max / 2 ? cut : max - 1).trimEnd()}…`;
}

export const capCitation = (c: Citation): Citation => (c.text.length <= MAX_CITATION_CHARS ? c : { ...c, text: capText(c.text, MAX_CITATION_CHARS) });
