/**
 * Sentence boundaries with offsets, so every sentence we cite is an exact slice of its source.
 * A boundary is . ! or ? (with closing quotes/brackets) followed by white space and then an
 * upper-case letter, digit or opening quote; common abbreviations and initials are not
 * boundaries. Decimals like "1.5" never match because no space follows the dot.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'mt', 'vs', 'e.g', 'i.e', 'fig', 'inc', 'ltd', 'corp', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'approx', 'u.s', 'u.k',
]);

// Abbreviations only before a number ("No. 5", "p. 12"); elsewhere "no." ends a sentence.
const NUMBER_ABBREVIATIONS = new Set(['no', 'nos', 'vol', 'p', 'pp']);

// A bracketed note right after the stop ("...illegal.[citation needed] The") stays with its sentence.
const BOUNDARY = /[.!?]+["'”’)\]]*(?:\[[^\]\n]{1,40}\])*(?=\s+["'“‘(\[]?[\p{Lu}\p{N}])/gu;
// A blank line always ends a sentence: a heading, list item or paragraph without a full stop
// must not run into the next one.
const BLANK_LINE = /\n[ \t]*\n\s*/g;

/** Sentences of text[from, to), trimmed of surrounding white space; never empty. */
export function splitSentences(text: string, from = 0, to = text.length): Span[] {
  const spans: Span[] = [];
  let start = from;
  const region = text.slice(from, to);
  for (const m of region.matchAll(BLANK_LINE)) {
    spans.push(...splitBlock(text, start, from + m.index));
    start = from + m.index + m[0].length;
  }
  spans.push(...splitBlock(text, start, to));
  return spans;
}

function splitBlock(text: string, from: number, to: number): Span[] {
  const spans: Span[] = [];
  const region = text.slice(from, to);
  let sentenceStart = 0;
  for (const m of region.matchAll(BOUNDARY)) {
    const end = m.index + m[0].length;
    const before = region.slice(sentenceStart, m.index);
    const lastWord = /([\p{L}.]+)$/u.exec(before)?.[1]?.toLowerCase() ?? '';
    // "Dr. Li" or an initial "J. Smith" is not the end of a sentence.
    const beforeNumber = /^\s+\d/.test(region.slice(end));
    if (m[0].startsWith('.') && (ABBREVIATIONS.has(lastWord) || (beforeNumber && NUMBER_ABBREVIATIONS.has(lastWord)) || /^\p{L}$/u.test(lastWord))) continue;
    pushTrimmed(spans, region, sentenceStart, end, from);
    sentenceStart = end;
  }
  pushTrimmed(spans, region, sentenceStart, region.length, from);
  return spans;
}

function pushTrimmed(spans: Span[], region: string, start: number, end: number, offset: number): void {
  let s = start;
  let e = end;
  while (s < e && /\s/.test(region[s] ?? '')) s++;
  while (e > s && /\s/.test(region[e - 1] ?? '')) e--;
  if (e > s) spans.push({ start: s + offset, end: e + offset });
}
