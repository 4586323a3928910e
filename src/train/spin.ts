/**
 * Training articles reworded the way the Heihe text is: a share of their content words
 * replaced by a WordNet relative close in meaning ("bank" → "financial institution", "across"
 * → "move" in Heihe's own text). Every SQuAD question was written against its article's own
 * words, so the ranker learns there that the answer sentence shares them; users' corpora (the
 * Heihe one, and others put through a paraphraser or a translation) often do not. Asked of a
 * spun copy, the same questions teach the ranker to weigh the soft, related and vector
 * features where exact words are missing. Answers are never reworded: the words inside an
 * answer span keep their text, and the spans move with the text around them.
 */
import { createHash } from 'node:crypto';
import { tokenize } from '../text/tokenize.js';
import { closestRelative } from './corrupt.js';
import type { Thesaurus } from '../text/wordnet.js';
import type { Article, LabelledQuestion } from './labelled.js';

export interface SpinOptions {
  /** Share of eligible words replaced (chosen by a hash of the article and the word's position, so runs repeat). */
  readonly share: number;
  /** The least word-vector cosine a replacement has with the word it replaces. */
  readonly minSimilarity: number;
}

/** Whether the word at `index` of `key` is among the `share` chosen (a stable hash, not a random draw). */
const chosen = (key: string, index: number, share: number): boolean => createHash('sha256').update(`${key}\0${index}`).digest().readUInt32BE(0) / 0x1_0000_0000 < share;

/**
 * `text` with a share of its content words replaced by close relatives, none inside
 * `keep` (character ranges), and a function taking an offset of `text` to the same place in
 * the result (for offsets outside replaced words: span ends, which sit outside them).
 */
export function spinText(text: string, keep: ReadonlyArray<readonly [number, number]>, key: string, thesaurus: Thesaurus, similarity: (a: string, b: string) => number, options: SpinOptions): { text: string; offset: (at: number) => number } {
  const inKept = (a: number, b: number): boolean => keep.some(([s, e]) => a < e && b > s);
  let out = '';
  let at = 0;
  // (original offset, shift after it) of every replacement, in order.
  const shifts: Array<[number, number]> = [];
  let shift = 0;
  tokenize(text).forEach((t, i) => {
    // Names, numbers, function words and short words stay; so does a word inside an answer.
    if (t.stop || t.capitalized || t.number !== null || t.key.length < 4 || !/^[a-z]+$/.test(t.key)) return;
    if (inKept(t.start, t.end) || !chosen(key, i, options.share)) return;
    const word = closestRelative(t.lemma, thesaurus, similarity, options.minSimilarity);
    if (!word) return;
    out += text.slice(at, t.start) + word;
    at = t.end;
    shift += word.length - (t.end - t.start);
    shifts.push([t.end, shift]);
  });
  out += text.slice(at);
  const offset = (pos: number): number => {
    let s = 0;
    for (const [end, after] of shifts) {
      if (end > pos) break;
      s = after;
    }
    return pos + s;
  };
  return { text: out, offset };
}

/**
 * A spun copy of a SQuAD article with its answerable questions (ids suffixed "~spun"), under
 * the same title and fold, so that validation leaves it out with the article it was made from;
 * null when nothing was replaced.
 */
export function spinArticle(article: Article, thesaurus: Thesaurus, similarity: (a: string, b: string) => number, options: SpinOptions): Article | null {
  const answerable = article.questions.filter((q) => !q.impossible && q.spans.length > 0);
  const keep = answerable.flatMap((q) => q.spans);
  const spun = spinText(article.doc.text, keep, article.title, thesaurus, similarity, options);
  if (spun.text === article.doc.text) return null;
  const questions: LabelledQuestion[] = answerable.map((q) => ({ ...q, id: `${q.id}~spun`, spans: q.spans.map(([a, b]) => [spun.offset(a), spun.offset(b)] as const) }));
  return { title: article.title, doc: { path: article.doc.path.replace(/\.md$/, '-spun.md'), text: spun.text }, questions };
}
