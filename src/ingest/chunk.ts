/**
 * Chunking: paragraphs become chunks; a long paragraph is cut between sentences, a sentence
 * longer than a chunk may be at clause or word boundaries (bounded-spans.ts), and short
 * neighbours in the same section are merged. No chunk is longer than `maxChars`. Every chunk
 * is an exact slice of its source, and its id is a hash of source path + text, so unchanged
 * text keeps its id.
 */
import { createHash } from 'node:crypto';
import type { Chunk, ChunkerSettings, SourceDoc } from '../types.js';
import { splitSentences, type Span } from '../text/sentences.js';
import { paragraphs, type Paragraph } from './sections.js';
import { boundedSpans } from './bounded-spans.js';

export const DEFAULT_CHUNKER: ChunkerSettings = Object.freeze({ maxChars: 1200, minChars: 200 });

export function chunkId(source: string, text: string, occurrence: number): string {
  const h = createHash('sha256').update(source).update('\0').update(text);
  if (occurrence > 0) h.update('\0').update(String(occurrence));
  return h.digest('hex').slice(0, 20);
}

/** Packs sentences of a paragraph into spans of at most maxChars (a longer sentence is cut first). */
function packSentences(text: string, para: Paragraph, maxChars: number): Span[] {
  if (para.end - para.start <= maxChars) return [para];
  const spans: Span[] = [];
  let current: Span | null = null;
  const pieces = splitSentences(text, para.start, para.end).flatMap((s) => (s.end - s.start > maxChars ? boundedSpans(text, s, maxChars) : [s]));
  for (const s of pieces) {
    if (current && s.end - current.start <= maxChars) current = { start: current.start, end: s.end };
    else {
      if (current) spans.push(current);
      current = s;
    }
  }
  if (current) spans.push(current);
  return spans;
}

export function chunkSource(doc: SourceDoc, settings: ChunkerSettings = DEFAULT_CHUNKER): Chunk[] {
  const isMarkdown = /\.(md|markdown)$/i.test(doc.path);
  const pieces: Array<Span & { section: string; sectionStart: number }> = [];
  for (const para of paragraphs(doc.text, isMarkdown)) {
    for (const span of packSentences(doc.text, para, settings.maxChars)) {
      const prev = pieces.at(-1);
      const merged = prev ? span.end - prev.start : Infinity;
      // Merge a short piece into its short neighbour of the same section.
      if (
        prev &&
        prev.sectionStart === para.sectionStart &&
        (prev.end - prev.start < settings.minChars || span.end - span.start < settings.minChars) &&
        merged <= settings.maxChars
      ) {
        pieces[pieces.length - 1] = { ...prev, end: span.end };
      } else pieces.push({ start: span.start, end: span.end, section: para.section, sectionStart: para.sectionStart });
    }
  }
  const seen = new Map<string, number>();
  return pieces.map((p) => {
    const text = doc.text.slice(p.start, p.end);
    const occurrence = seen.get(text) ?? 0;
    seen.set(text, occurrence + 1);
    return { id: chunkId(doc.path, text, occurrence), source: doc.path, section: p.section, start: p.start, end: p.end, text };
  });
}

export function chunkSources(docs: readonly SourceDoc[], settings: ChunkerSettings = DEFAULT_CHUNKER): Chunk[] {
  return docs.flatMap((d) => chunkSource(d, settings));
}

/** What gets embedded and lexically indexed for a chunk: its section title gives it context. */
export function indexText(chunk: Pick<Chunk, 'section' | 'text'>): string {
  return `${chunk.section}\n${chunk.text}`;
}
