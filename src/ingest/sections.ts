/**
 * Splits a source into blocks (runs of text between blank lines) and names the section each
 * paragraph belongs to. Headings are markdown `#` lines, or in plain text short single lines
 * without closing punctuation that stand alone between blank lines.
 */
import type { Span } from '../text/sentences.js';

export interface Paragraph extends Span {
  readonly section: string;
  /** Offset of the heading that opened the section (0 before the first): two sections with the same title stay apart. */
  readonly sectionStart: number;
}

const UNTITLED_SECTION = 'Introduction';
/** A section title is embedded with every chunk under it: a longer "heading" is a paragraph. */
export const MAX_TITLE_CHARS = 200;

/** Blocks of text separated by blank lines, as trimmed spans. */
export function splitBlocks(text: string): Span[] {
  const blocks: Span[] = [];
  const separator = /\n[ \t]*(?:\r?\n[ \t]*)+/g;
  let start = 0;
  for (const m of text.matchAll(separator)) {
    pushTrimmed(blocks, text, start, m.index);
    start = m.index + m[0].length;
  }
  pushTrimmed(blocks, text, start, text.length);
  return blocks;
}

function pushTrimmed(out: Span[], text: string, start: number, end: number): void {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(text[s] ?? '')) s++;
  while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
  if (e > s) out.push({ start: s, end: e });
}

/** The heading's title if the block is a heading, else null. */
export function headingTitle(block: string, isMarkdown: boolean): string | null {
  if (block.length > MAX_TITLE_CHARS) return null;
  const md = /^#{1,6}\s+(.+?)\s*#*$/.exec(block);
  if (md && !block.includes('\n')) return md[1] ?? null;
  if (isMarkdown) return null;
  if (block.includes('\n') || block.length > 80) return null;
  if (/[.!?:;,]$/.test(block)) return null;
  const words = block.split(/\s+/);
  return words.length <= 12 && /^[\p{Lu}\p{N}]/u.test(block) ? block : null;
}

/** Paragraphs of a source with the section they fall under; headings themselves are not paragraphs. */
export function paragraphs(text: string, isMarkdown: boolean): Paragraph[] {
  const out: Paragraph[] = [];
  const blocks = splitBlocks(text);
  let section = UNTITLED_SECTION;
  let sectionStart = 0;
  blocks.forEach((block, i) => {
    const raw = text.slice(block.start, block.end);
    // A lone short line at the very end is a closing remark, not a heading of nothing.
    const title = i < blocks.length - 1 ? headingTitle(raw, isMarkdown) : null;
    if (title !== null) {
      section = title;
      sectionStart = block.start;
    } else out.push({ ...block, section, sectionStart });
  });
  return out;
}
