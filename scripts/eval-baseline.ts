/**
 * The naive baseline the issue measures the answerer against: the corpus sentence with the
 * best BM25 score for the question, always quoted (it never refuses).
 */
import type { Answer } from '../src/types.js';
import type { ServingIndex } from '../src/answer/serving-index.js';
import type { EvalCase } from '../src/train/labelled.js';
import { buildBm25 } from '../src/retrieval/bm25.js';

export function baselineAnswers(cases: readonly EvalCase[], index: ServingIndex): Array<{ c: EvalCase; answer: Answer; ms: number }> {
  const { chunks } = index.retriever;
  const ix = index.sentences;
  const sentences: Array<{ chunk: number; text: string }> = [];
  chunks.forEach((chunk, c) => {
    for (let s = ix.chunkSentences[c] as number; s < (ix.chunkSentences[c + 1] as number); s++) sentences.push({ chunk: c, text: chunk.text.slice(ix.start[s], ix.end[s]) });
  });
  const bm25 = buildBm25(sentences.map((s) => s.text));
  return cases.map((c) => {
    const top = bm25.search(c.question, 1)[0];
    const hit = top ? sentences[top.doc] : undefined;
    const chunk = hit ? chunks[hit.chunk] : undefined;
    const answer: Answer = {
      answer: hit ? `${hit.text} [1]` : '',
      grounded: Boolean(hit),
      citations: chunk ? [{ n: 1, chunkId: chunk.id, source: chunk.source, section: chunk.section, text: chunk.text, score: top?.score ?? 0 }] : [],
      mode: 'extractive',
      indexVersion: index.version,
      question: c.question,
    };
    return { c, answer, ms: 0 };
  });
}
