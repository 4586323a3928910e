/**
 * Hybrid retrieval over one loaded index generation: dense neighbours from the HNSW index and
 * BM25 lexical matches, fused by reciprocal rank. The BM25 postings are built once when the
 * retriever is made, not per query; a query is tokenised once (or arrives tokenised).
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { VectorStore } from '@langchain/core/vectorstores';
import type { Chunk, Retrieved } from '../types.js';
import { indexText } from '../ingest/chunk.js';
import { bm25Steps, type Bm25Index } from './bm25.js';
import { runNow, type Steps } from '../sliced.js';
import { reciprocalRankFusion } from './fusion.js';
import { tokenize, wordForms, type Token } from '../text/tokenize.js';
import { NO_ALIASES, type Aliases } from '../text/aliases.js';

/** A query already run through the shared tokenizer. */
export interface Query {
  readonly text: string;
  readonly tokens: readonly Token[];
}

export interface Retriever {
  readonly chunks: readonly Chunk[];
  readonly lexical: Bm25Index;
  /** Other names the corpus gives for things; lexical queries are widened with them. */
  readonly aliases: Aliases;
  retrieve(query: string | Query, k: number): Promise<Retrieved[]>;
}

/** Embeddings that can embed words the shared tokenizer has already folded (the local ones can). */
interface KeyEmbeddings {
  embedKeys(keys: readonly string[]): ArrayLike<number>;
}
const embedsKeys = (e: EmbeddingsInterface): e is EmbeddingsInterface & KeyEmbeddings => typeof (e as Partial<KeyEmbeddings>).embedKeys === 'function';

/**
 * A word in at least this share of the passages is what the corpus is about (the city's names,
 * in the Heihe corpus), not a clue to which passage answers: as a rare word it would dominate
 * the dense query vector, so the dense query leaves it out (BM25 already gives it little weight).
 */
export const TOPICAL_SHARE = 0.3;

export interface HybridOptions {
  /** How many candidates each list contributes before fusion (at least k). */
  readonly candidates?: number;
  readonly denseWeight?: number;
  readonly lexicalWeight?: number;
  readonly aliases?: Aliases;
}

/** Word families of the query's content words and of the other names the corpus gives them. */
export function lexicalStems(tokens: readonly Token[], aliases: Aliases): string[] {
  const stems = tokens.filter((t) => !t.stop).map((t) => t.stem);
  const lemmas = tokens.map((t) => t.lemma);
  for (const t of tokens) for (const alt of aliases.byLemma.get(t.lemma) ?? []) stems.push(...alt.map((l) => wordForms(l).stem));
  for (const p of aliases.phrases) {
    const at = lemmas.findIndex((_l, i) => p.lemmas.every((l, j) => lemmas[i + j] === l));
    if (at >= 0) for (const alt of p.others) stems.push(...alt.map((l) => wordForms(l).stem));
  }
  return stems;
}

/**
 * The rank constant of the fusion (each list adds weight / (FUSION_K + rank)). Chosen on the
 * training questions by how often the passage with the answer is among the 10 the answerer
 * reads (`npx tsx scripts/fusion-recall.ts` simulates the fusion over every chunk's dense and
 * BM25 ranks; README, Quality): on the 8 SQuAD training articles as one-article corpora (1,388
 * questions) 0.958 at the usual 60, 0.966 at 30, 0.977 at 10; on Heihe's 113 training
 * questions 0.929, 0.929, 0.938. Equal weights were kept: at 10, half the dense weight gave
 * SQuAD 0.979 and Heihe the same 0.938, twice the dense weight Heihe 0.956 (its paraphrased
 * text favours the word vectors) but SQuAD 0.950.
 */
export const FUSION_K = 10;

export function createHybridRetriever(chunks: readonly Chunk[], store: VectorStore, embeddings: EmbeddingsInterface, options: HybridOptions = {}): Retriever {
  return runNow(hybridRetrieverSteps(chunks, store, embeddings, options));
}

/** createHybridRetriever, pausing at safe points (see sliced.ts). */
export function* hybridRetrieverSteps(chunks: readonly Chunk[], store: VectorStore, embeddings: EmbeddingsInterface, options: HybridOptions = {}): Steps<Retriever> {
  const lexical = yield* bm25Steps(chunks.map(indexText));
  const aliases = options.aliases ?? NO_ALIASES;
  const position = new Map<string, number>();
  for (const [i, c] of chunks.entries()) {
    position.set(c.id, i);
    if (i % 4096 === 4095) yield;
  }
  const denseWeight = options.denseWeight ?? 1;
  const lexicalWeight = options.lexicalWeight ?? 1;

  const topical = (t: Token): boolean => {
    if (lexical.docCount < 4) return false;
    const forms = [t.lemma, ...(aliases.byLemma.get(t.lemma) ?? []).filter((a) => a.length === 1).map((a) => a[0] as string)];
    return forms.some((f) => lexical.df(wordForms(f).stem) / lexical.docCount >= TOPICAL_SHARE);
  };
  const denseVector = async (query: Query): Promise<ArrayLike<number>> => {
    const kept = query.tokens.filter((t) => !topical(t));
    const words = kept.some((t) => !t.stop) ? kept : query.tokens;
    if (embedsKeys(embeddings)) return embeddings.embedKeys(words.map((t) => t.key));
    return embeddings.embedQuery(words === query.tokens ? query.text : words.map((t) => query.text.slice(t.start, t.end)).join(' '));
  };

  return {
    chunks,
    lexical,
    aliases,
    async retrieve(input, k) {
      const query: Query = typeof input === 'string' ? { text: input, tokens: tokenize(input) } : input;
      const n = chunks.length;
      const take = Math.min(n, Math.max(1, k));
      if (n === 0 || !query.text.trim()) return [];
      const pool = Math.min(n, Math.max(take * 4, options.candidates ?? 20));
      const dense = await store.similaritySearchVectorWithScore(Array.from(await denseVector(query)), pool);
      const denseIds = dense.map(([doc]) => position.get(String(doc.metadata['chunkId'])) ?? -1).filter((i) => i >= 0);
      const lexicalIds = lexical.searchStems(lexicalStems(query.tokens, aliases), pool).map((r) => r.doc);
      const fused = reciprocalRankFusion(
        [
          { ids: denseIds, weight: denseWeight },
          { ids: lexicalIds, weight: lexicalWeight },
        ],
        FUSION_K,
      );
      // Chunks neither list found still count when k asks for all of them.
      const seen = new Set(fused.map((f) => f.id));
      for (let i = 0; fused.length < take && i < n; i++) if (!seen.has(i)) fused.push({ id: i, score: 0, ranks: [null, null] });
      return fused.slice(0, take).map((f) => ({
        chunk: chunks[f.id] as Chunk,
        position: f.id,
        score: f.score,
        ranks: { dense: f.ranks[0] ?? null, lexical: f.ranks[1] ?? null },
      }));
    },
  };
}
