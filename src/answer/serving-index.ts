/**
 * A loaded index generation ready to answer from: its chunks, its hybrid retriever and the
 * version every answer produced from it carries.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { LoadedGeneration } from '../index-store/generation.js';
import { createHybridRetriever, type Retriever } from '../retrieval/hybrid.js';
import type { IndexManifest } from '../types.js';

export interface ServingIndex {
  readonly name: string;
  readonly version: string;
  readonly manifest: IndexManifest;
  readonly retriever: Retriever;
}

export function toServingIndex(gen: LoadedGeneration, embeddings: EmbeddingsInterface): ServingIndex {
  return { name: gen.name, version: gen.manifest.version, manifest: gen.manifest, retriever: createHybridRetriever(gen.chunks, gen.store, embeddings) };
}
