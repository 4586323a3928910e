/**
 * The embeddings a Config asks for, as the port ingest and retrieval use: the offline GloVe
 * vectors (default) or OpenAIEmbeddings. The OpenAI client library is imported only when
 * configured: loading it is a large share of a cold start, and offline mode never uses it.
 */
import type { Config } from '../config.js';
import type { EmbeddingPort, SentenceFeatures } from '../ingest/build-generation.js';
import type { LocalGloveEmbeddings } from './local-glove.js';
import { loadLocalEmbeddings } from './load-local.js';
import type { Lexicon } from '../answer/lexicon.js';
import { buildSentenceIndex, SENTENCE_FEATURES_VERSION } from '../answer/sentence-index.js';

export async function createEmbeddingPort(config: Config, glove?: LocalGloveEmbeddings, log?: (m: string) => void): Promise<EmbeddingPort> {
  if (config.embeddingsProvider === 'openai') {
    const { OpenAIEmbeddings } = await import('@langchain/openai');
    return {
      embeddings: new OpenAIEmbeddings({
        model: config.openai.embeddingsModel,
        apiKey: config.openai.apiKey ?? '',
        maxRetries: config.openai.maxRetries,
        timeout: config.openai.timeoutMs,
        configuration: { ...(config.openai.baseURL ? { baseURL: config.openai.baseURL } : {}), maxRetries: 0 },
      }),
      info: { provider: 'openai', model: config.openai.embeddingsModel },
    };
  }
  const local = glove ?? (await loadLocalEmbeddings(config.embeddingsCacheDir, log));
  return { embeddings: local, info: local.info };
}

/** The word lexicon the answerer uses, from the local GloVe table (whatever embeddings retrieval uses). */
export function lexiconOf(glove: LocalGloveEmbeddings): Lexicon {
  return { size: glove.table.size, dimensions: glove.table.dimensions, rank: (k) => glove.wordRank(k), vector: (k) => glove.wordVector(k), embedKeys: (keys) => glove.embedKeys(keys) };
}

/** What ingest computes per sentence for the answerer: always from the local word vectors. */
export async function sentenceFeaturesFor(config: Config, log?: (m: string) => void): Promise<SentenceFeatures> {
  return sentenceFeaturesOf(lexiconOf(await loadLocalEmbeddings(config.embeddingsCacheDir, log)));
}

export function sentenceFeaturesOf(lexicon: Lexicon): SentenceFeatures {
  return { version: SENTENCE_FEATURES_VERSION, build: (chunks) => buildSentenceIndex(chunks, lexicon) };
}
