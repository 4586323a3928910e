/**
 * Which corpora the training questions are asked of, and the off-topic bank. Corpora of
 * several sizes — one article (like the one-document Heihe corpus), groups of five (like the
 * SQuAD dev group) — so the model sees how features move with corpus size. The bank takes a
 * fixed sample of each article's questions, never one that a shared evaluation set asks.
 */
import { createHash } from 'node:crypto';
import { splitSentences } from '../text/sentences.js';
import { fingerprint, type OffTopicBank } from '../answer/calibration.js';
import type { Article } from './labelled.js';

export interface CorpusSpec {
  readonly name: string;
  readonly kind: 'one-document' | 'group';
  readonly articles: readonly string[];
}

/**
 * One corpus per article, and groups of five articles such that every article is in at least
 * two groups and (for leave-one-out) every group leaves some other group without it.
 */
export function corpusSpecs(titles: readonly string[]): CorpusSpec[] {
  const specs: CorpusSpec[] = titles.map((t) => ({ name: `one:${t}`, kind: 'one-document', articles: [t] }));
  const n = titles.length;
  if (n >= 6) {
    // Rotations of a window of five over the articles, every other start: n/2 groups.
    for (let start = 0; start < n; start += 2) specs.push({ name: `group:${start}`, kind: 'group', articles: Array.from({ length: 5 }, (_v, i) => titles[(start + i) % n] as string) });
  }
  return specs;
}

const hashOf = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Per article: `perArticle` questions (a fixed hash order, none asked by `exclude`) and sentence fingerprints. */
export function offTopicBank(articles: readonly Article[], perArticle: number, fingerprints: number, exclude: ReadonlySet<string>, source: string): OffTopicBank {
  return {
    format: 'heihe-offtopic-bank/1',
    source,
    articles: articles.map((a) => {
      const questions = a.questions
        .filter((q) => !q.impossible && !exclude.has(q.question.trim().toLowerCase()))
        .map((q) => ({ q: q.question.trim(), h: hashOf(q.id) }))
        .sort((x, y) => (x.h < y.h ? -1 : x.h > y.h ? 1 : 0))
        .slice(0, perArticle)
        .map((x) => x.q);
      const spans = splitSentences(a.doc.text).filter((s) => s.end - s.start >= 40);
      const step = Math.max(1, Math.floor(spans.length / fingerprints));
      const prints = spans.filter((_s, i) => i % step === 0).slice(0, fingerprints).map((s) => fingerprint(a.doc.text.slice(s.start, s.end)));
      return { title: a.title, fingerprints: prints, questions };
    }),
  };
}
