/**
 * Hybrid retrieval over one loaded index generation: dense neighbours from the HNSW index and
 * BM25 lexical matches, fused by reciprocal rank. The BM25 postings are built once when the
 * retriever is made, not per query.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { VectorStore } from '@langchain/core/vectorstores';
import type { Chunk, Retrieved } from '../types.js';
import { indexText } from '../ingest/chunk.js';
import { bm25Steps, type Bm25Index } from './bm25.js';
import { runNow, type Steps } from '../sliced.js';
import { stemmer } from 'stemmer';
import { reciprocalRankFusion } from './fusion.js';
import { aliasSteps, expandWithAliases, type Aliases } from './aliases.js';

export interface Retriever {
  readonly chunks: readonly Chunk[];
  readonly lexical: Bm25Index;
  /** Other names the corpus gives for things; queries are expanded with them. */
  readonly aliases: Aliases;
  retrieve(query: string, k: number): Promise<Retrieved[]>;
}

/** A word in at least this share of the passages is what the corpus is about, not a clue. */
const TOPICAL_SHARE = 0.3;

export interface HybridOptions {
  /** How many candidates each list contributes before fusion (at least k). */
  readonly candidates?: number;
  readonly denseWeight?: number;
  readonly lexicalWeight?: number;
}

export function createHybridRetriever(chunks: readonly Chunk[], store: VectorStore, embeddings: EmbeddingsInterface, options: HybridOptions = {}): Retriever {
  return runNow(hybridRetrieverSteps(chunks, store, embeddings, options));
}

/** createHybridRetriever, pausing at safe points (see sliced.ts). */
export function* hybridRetrieverSteps(chunks: readonly Chunk[], store: VectorStore, embeddings: EmbeddingsInterface, options: HybridOptions = {}): Steps<Retriever> {
  const lexical = yield* bm25Steps(chunks.map(indexText));
  const aliases = yield* aliasSteps(chunks.map((c) => c.text));
  const position = new Map<string, number>();
  for (const [i, c] of chunks.entries()) {
    position.set(c.id, i);
    if (i % 4096 === 4095) yield;
  }
  const denseWeight = options.denseWeight ?? 1;
  const lexicalWeight = options.lexicalWeight ?? 1;

  // Words in a large share of the passages (the city's names, in this corpus) say nothing about
  // which passage answers, yet as rare words they dominate a sentence vector: the dense query
  // leaves them out. The lexical ranking keeps them (BM25 already gives them little weight).
  const topical = (word: string): boolean => {
    const forms = [word, ...(aliases.get(word) ?? [])];
    return lexical.docCount >= 4 && forms.some((f) => lexical.df(stemmer(f)) / lexical.docCount >= TOPICAL_SHARE);
  };
  const withoutTopicalWords = (query: string): string => {
    const kept = query.replace(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu, (w) => (topical(w.toLowerCase().replace(/’/g, "'").replace(/'s$/, '')) ? ' ' : w));
    return /[\p{L}\p{N}]/u.test(kept) ? kept : query;
  };

  return {
    chunks,
    lexical,
    aliases,
    async retrieve(query, k) {
      const n = chunks.length;
      const take = Math.min(n, Math.max(1, k));
      if (n === 0 || !query.trim()) return [];
      const pool = Math.min(n, Math.max(take * 4, options.candidates ?? 20));
      const vector = await embeddings.embedQuery(withoutTopicalWords(query));
      const dense = await store.similaritySearchVectorWithScore(vector, pool);
      const denseIds = dense.map(([doc]) => position.get(String(doc.metadata['chunkId'])) ?? -1).filter((i) => i >= 0);
      // Aliases widen only the lexical query: names are rare words, and would pull the dense vector.
      const lexicalIds = lexical.search(expandWithAliases(query, aliases), pool).map((r) => r.doc);
      const fused = reciprocalRankFusion([
        { ids: denseIds, weight: denseWeight },
        { ids: lexicalIds, weight: lexicalWeight },
      ]);
      // Chunks neither list found still count when k asks for all of them.
      const seen = new Set(fused.map((f) => f.id));
      for (let i = 0; fused.length < take && i < n; i++) if (!seen.has(i)) fused.push({ id: i, score: 0, ranks: [null, null] });
      return fused.slice(0, take).map((f) => ({
        chunk: chunks[f.id] as Chunk,
        score: f.score,
        ranks: { dense: f.ranks[0] ?? null, lexical: f.ranks[1] ?? null },
      }));
    },
  };
}
