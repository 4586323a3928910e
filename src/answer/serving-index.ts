/**
 * A loaded index generation ready to answer from: its chunks, its hybrid retriever and the
 * version every answer produced from it carries.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { LoadedGeneration } from '../index-store/generation.js';
import { hybridRetrieverSteps, type Retriever } from '../retrieval/hybrid.js';
import { runNow, type Steps } from '../sliced.js';
import type { IndexManifest } from '../types.js';
import type { Lexicon } from './lexicon.js';
import type { CorpusStats } from './question.js';
import { commonDirection } from './passage-analysis.js';

export interface ServingIndex {
  readonly name: string;
  readonly version: string;
  readonly manifest: IndexManifest;
  readonly retriever: Retriever;
  /** Corpus statistics the extractive answerer weighs question terms with. */
  readonly stats: CorpusStats;
}

// Enough passages to find the shared direction; more only cost start-up time.
const COMMON_DIRECTION_SAMPLE = 400;

export function toServingIndex(gen: LoadedGeneration, embeddings: EmbeddingsInterface, lexicon: Lexicon): ServingIndex {
  return runNow(servingIndexSteps(gen, embeddings, lexicon));
}

/** toServingIndex, pausing at safe points: a server runs it in slices (see sliced.ts). */
export function* servingIndexSteps(gen: LoadedGeneration, embeddings: EmbeddingsInterface, lexicon: Lexicon): Steps<ServingIndex> {
  const retriever = yield* hybridRetrieverSteps(gen.chunks, gen.store, embeddings);
  const step = Math.max(1, Math.floor(gen.chunks.length / COMMON_DIRECTION_SAMPLE));
  const sample = gen.chunks.filter((_c, i) => i % step === 0).slice(0, COMMON_DIRECTION_SAMPLE);
  const sampleVectors: Array<ArrayLike<number>> = [];
  for (const c of sample) {
    sampleVectors.push(lexicon.embed(c.text));
    if (sampleVectors.length % 16 === 0) yield;
  }
  const direction = commonDirection(sampleVectors);
  const stats: CorpusStats = { docCount: retriever.lexical.docCount, df: (s) => retriever.lexical.df(s), commonDirection: direction, aliases: retriever.aliases };
  return { name: gen.name, version: gen.manifest.version, manifest: gen.manifest, retriever, stats };
}
