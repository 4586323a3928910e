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

/** Removes links, images and URLs whose address does not occur in the allowed text. */
export function stripForeignLinks(text: string, allowed: string): string {
  const ok = (url: string): boolean => url.length > 0 && allowed.includes(url) && !/^(javascript|data):/i.test(url);
  return text
    .replace(MD_IMAGE, (_m, alt: string, url: string) => (ok(url) ? `${alt} (${url})` : alt))
    .replace(MD_LINK, (_m, label: string, url: string) => (ok(url) ? `${label} (${url})` : label))
    .replace(HTML_TAG, '')
    .replace(BARE_URL, (url) => (ok(url) ? url : ''))
    .replace(/[ \t]{2,}/g, ' ');
}

/** Does `sentence` repeat a long run of `secret` (e.g. the system prompt)? */
export function echoes(sentence: string, secret: string, run = 40): boolean {
  const s = sentence.replace(/\s+/g, ' ').toLowerCase();
  const p = secret.replace(/\s+/g, ' ').toLowerCase();
  for (let i = 0; i + run <= p.length; i += Math.floor(run / 2)) if (s.includes(p.slice(i, i + run))) return true;
  return false;
}

export function checkCitations(raw: string, passages: ReadonlyArray<{ n: number; text: string }>, systemPrompt = ''): CheckedAnswer {
  const valid = new Map(passages.map((p) => [p.n, p.text]));
  const kept: string[] = [];
  const cited: number[] = [];
  let dropped = 0;
  const text = raw.replace(/\r/g, '').trim();
  for (const span of splitSentences(text)) {
    let sentence = text.slice(span.start, span.end);
    const used: number[] = [];
    sentence = sentence.replace(MARKER, (_m, list: string) => {
      const ns = list.split(',').map((x) => Number(x.trim())).filter((n) => valid.has(n));
      used.push(...ns);
      return ns.map((n) => `[${n}]`).join('');
    });
    const allowed = used.map((n) => valid.get(n) ?? '').join('\n');
    sentence = stripForeignLinks(sentence, allowed).replace(/\s+([.,;:!?])/g, '$1').trim();
    const hasWords = /\p{L}{2,}/u.test(sentence.replace(MARKER, ''));
    if (used.length === 0 || !hasWords || (systemPrompt && echoes(sentence, systemPrompt))) {
      dropped++;
      continue;
    }
    kept.push(sentence);
    for (const n of used) if (!cited.includes(n)) cited.push(n);
  }
  return { text: kept.join(' '), cited, dropped };
}
