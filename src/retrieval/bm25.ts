/**
 * Okapi BM25 over chunk texts, built once per index generation (postings in memory) and
 * queried without re-tokenising the corpus.
 */
import { contentStems } from '../text/tokenize.js';

export interface Bm25Index {
  readonly docCount: number;
  /** Number of documents containing the stem. */
  df(stem: string): number;
  /** Inverse document frequency (BM25's, always > 0). */
  idf(stem: string): number;
  /** Documents with a positive score, best first, at most `limit`. */
  search(query: string, limit: number): Array<{ doc: number; score: number }>;
}

export interface Bm25Params {
  readonly k1: number;
  readonly b: number;
}

export function buildBm25(texts: readonly string[], params: Bm25Params = { k1: 1.2, b: 0.75 }): Bm25Index {
  const postings = new Map<string, Array<{ doc: number; tf: number }>>();
  const lengths = new Float64Array(texts.length);
  texts.forEach((text, doc) => {
    const stems = contentStems(text);
    lengths[doc] = stems.length;
    const tf = new Map<string, number>();
    for (const s of stems) tf.set(s, (tf.get(s) ?? 0) + 1);
    for (const [stem, count] of tf) {
      let list = postings.get(stem);
      if (!list) postings.set(stem, (list = []));
      list.push({ doc, tf: count });
    }
  });
  const n = texts.length;
  const avgdl = n ? lengths.reduce((a, b) => a + b, 0) / n || 1 : 1;
  const df = (stem: string): number => postings.get(stem)?.length ?? 0;
  const idf = (stem: string): number => {
    const d = df(stem);
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };

  return {
    docCount: n,
    df,
    idf,
    search(query, limit) {
      const scores = new Map<number, number>();
      for (const stem of new Set(contentStems(query))) {
        const list = postings.get(stem);
        if (!list) continue;
        const w = idf(stem);
        for (const { doc, tf } of list) {
          const norm = tf + params.k1 * (1 - params.b + (params.b * (lengths[doc] ?? 0)) / avgdl);
          scores.set(doc, (scores.get(doc) ?? 0) + (w * tf * (params.k1 + 1)) / norm);
        }
      }
      return [...scores]
        .map(([doc, score]) => ({ doc, score }))
        .sort((a, b) => b.score - a.score || a.doc - b.doc)
        .slice(0, limit);
    },
  };
}
