/**
 * Checks a model's answer against the passages it was given, failing closed: markers that
 * name no passage are removed, links and images whose address is not in a cited passage are
 * removed, sentences that cite nothing valid (or echo the instructions) are dropped. What is
 * left is grounded only if some cited sentence remains.
 */
import { splitSentences } from '../text/sentences.js';

export interface CheckedAnswer {
  readonly text: string;
  /** Passage numbers the kept text cites, in first-use order. */
  readonly cited: number[];
  readonly dropped: number;
}

const MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;
const MD_IMAGE = /!\[([^\]]*)\]\(([^)\s]*)[^)]*\)/g;
const MD_LINK = /\[([^\]]+)\]\(([^)\s]*)[^)]*\)/g;
const HTML_TAG = /<\/?[a-z][^>]*>/gi;
const BARE_URL = /\b(?:https?:\/\/|www\.|javascript:|data:)[^\s)\]>"']*/gi;

/** Removes tags until none is left, so nested ones ("<<script>script>") cannot reassemble. */
function stripTags(text: string): string {
  let out = text;
  for (let i = 0; i < 10; i++) {
    const next = out.replace(HTML_TAG, '');
    if (next === out) return out;
    out = next;
  }
  return out.replace(/[<>]/g, '');
}

/**
 * Removes links, images and URLs whose address is not, exactly, an address in the allowed
 * text (a prefix of one, or one with data appended, is another address).
 */
export function stripForeignLinks(text: string, allowed: string): string {
  const known = new Set<string>();
  for (const url of allowed.match(BARE_URL) ?? []) known.add(url).add(url.replace(/[.,;:!?]+$/, ''));
  const ok = (url: string): boolean => url.length > 0 && (known.has(url) || known.has(url.replace(/[.,;:!?]+$/, ''))) && !/^(javascript|data):/i.test(url);
  return stripTags(
    text
      .replace(MD_IMAGE, (_m, alt: string, url: string) => (ok(url) ? `${alt} (${url})` : alt))
      .replace(MD_LINK, (_m, label: string, url: string) => (ok(url) ? `${label} (${url})` : label)),
  )
    .replace(BARE_URL, (url) => (ok(url) ? url : ''))
    .replace(/[ \t]{2,}/g, ' ');
}

/**
 * Does `sentence` repeat `secret` (e.g. the system prompt): a run of `run` characters of it,
 * at any offset, or the whole sentence (markers aside) when that is a shorter piece of it?
 */
export function echoes(sentence: string, secret: string, run = 30): boolean {
  const norm = (t: string): string => t.replace(/^\s*[-*]\s+/, '').replace(/\s+/g, ' ').trim().toLowerCase();
  const s = norm(sentence.replace(MARKER, ' '));
  const p = norm(secret);
  if (s.length >= 16 && p.includes(s)) return true;
  for (let i = 0; i + run <= p.length; i++) if (s.includes(p.slice(i, i + run))) return true;
  return false;
}

/**
 * "Heihe is in Heilongjiang. [1] It faces ..." puts the marker after the full stop, where the
 * sentence splitter would hand it to the next sentence: move such markers before the stop.
 */
export function markersBeforeStops(text: string): string {
  return text.replace(/([.!?]+)((?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+)/g, (_m, stop: string, markers: string) => `${markers.replace(/^\s+/, ' ')}${stop}`);
}

/** Why the citation check dropped a sentence: it cites no passage given, or repeats the instructions. */
export type CitationDrop = 'uncited' | 'echo';

export interface CitedSentence {
  /** The sentence with only valid markers, without foreign links ('' when dropped). */
  readonly text: string;
  /** Passage numbers its markers name, in order of use, repeats kept. */
  readonly cited: number[];
  readonly dropped: CitationDrop | null;
}

/** The citation check of one sentence (see checkCitations). `passages` maps passage numbers to their text. */
export function checkSentenceCitations(raw: string, passages: ReadonlyMap<number, string>, systemPrompt = ''): CitedSentence {
  const used: number[] = [];
  let sentence = raw.replace(MARKER, (_m, list: string) => {
    const ns = list.split(',').map((x) => Number(x.trim())).filter((n) => passages.has(n));
    used.push(...ns);
    return ns.map((n) => `[${n}]`).join('');
  });
  const allowed = used.map((n) => passages.get(n) ?? '').join('\n');
  sentence = stripForeignLinks(sentence, allowed).replace(/\s+([.,;:!?])/g, '$1').trim();
  // A marker turned into a link label ("[1](https://…)") was stripped with the link: it cites nothing.
  const shown = used.filter((n) => sentence.includes(`[${n}]`));
  const hasWords = /\p{L}{2,}/u.test(sentence.replace(MARKER, ''));
  if (shown.length === 0 || !hasWords) return { text: '', cited: [], dropped: 'uncited' };
  if (systemPrompt && echoes(sentence, systemPrompt)) return { text: '', cited: [], dropped: 'echo' };
  return { text: sentence, cited: shown, dropped: null };
}

/** A model's raw answer as the sentences to check, markers placed before their full stops. */
export function answerSentences(raw: string): string[] {
  const text = markersBeforeStops(raw.replace(/\r/g, '').trim());
  return splitSentences(text).map((s) => text.slice(s.start, s.end));
}

export function checkCitations(raw: string, passages: ReadonlyArray<{ n: number; text: string }>, systemPrompt = ''): CheckedAnswer {
  const valid = new Map(passages.map((p) => [p.n, p.text]));
  const kept: string[] = [];
  const cited: number[] = [];
  let dropped = 0;
  for (const sentence of answerSentences(raw)) {
    const checked = checkSentenceCitations(sentence, valid, systemPrompt);
    if (checked.dropped) {
      dropped++;
      continue;
    }
    kept.push(checked.text);
    for (const n of checked.cited) if (!cited.includes(n)) cited.push(n);
  }
  return { text: kept.join(' '), cited, dropped };
}
