/**
 * Wiring from a Config to working parts: the embeddings port (local GloVe or OpenAI), the
 * word lexicon the extractive answerer uses, the optional LLM client, and the serving index
 * (built on first use when INDEX_DIR has none). Shared by the server, the CLIs, eval and bench,
 * so they all run the same pipeline.
 */
import type { Config } from './config.js';
import type { EmbeddingPort } from './ingest/build-generation.js';
import { DEFAULT_CHUNKER } from './ingest/chunk.js';
import { reindex, type ReindexDeps, type ReindexResult } from './ingest/reindex.js';
import { loadGeneration } from './index-store/generation.js';
import { readCurrent } from './index-store/layout.js';
import { loadLocalEmbeddings } from './embeddings/load-local.js';
import { sentenceVector, type LocalGloveEmbeddings } from './embeddings/local-glove.js';
import type { Lexicon } from './answer/lexicon.js';
import type { LlmClient } from './answer/llm-client.js';
import { toServingIndex, type ServingIndex } from './answer/serving-index.js';
import { ask, type AskDeps, type AskInput } from './answer/ask.js';
import type { Answer, StreamEvent } from './types.js';

export interface Runtime {
  readonly config: Config;
  readonly embedding: EmbeddingPort;
  readonly lexicon: Lexicon;
  readonly llm: LlmClient | null;
  readonly mode: 'extractive' | 'llm';
  reindexDeps(overrides?: Partial<ReindexDeps>): ReindexDeps;
  /** Loads the live generation, or builds one when INDEX_DIR has none. */
  loadServingIndex(log?: (m: string) => void): Promise<ServingIndex>;
  toServing(gen: ReindexResult['loaded']): ServingIndex;
  answer(input: AskInput, index: ServingIndex, emit?: (e: StreamEvent) => void): Promise<Answer>;
}

export function lexiconOf(glove: LocalGloveEmbeddings): Lexicon {
  return { similarity: (a, b) => glove.wordSimilarity(a, b), rank: (w) => glove.wordRank(w), size: glove.table.size, embed: (text) => sentenceVector(glove.table, text) };
}

export async function createRuntime(config: Config, log: (m: string) => void = () => {}): Promise<Runtime> {
  const glove = await loadLocalEmbeddings(config.embeddingsCacheDir, log);
  // The OpenAI client libraries are imported only when configured: loading them is a large
  // share of the server's cold start, and offline (extractive) mode never uses them.
  let embedding: EmbeddingPort = { embeddings: glove, info: glove.info };
  if (config.embeddingsProvider === 'openai') {
    const { OpenAIEmbeddings } = await import('@langchain/openai');
    embedding = {
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
  const lexicon = lexiconOf(glove);
  let llm: LlmClient | null = null;
  if (config.openai.apiKey) {
    const { createOpenAILlm } = await import('./answer/llm-client.js');
    llm = createOpenAILlm({ apiKey: config.openai.apiKey, baseURL: config.openai.baseURL, model: config.openai.model, timeoutMs: config.openai.timeoutMs, maxRetries: config.openai.maxRetries });
  }
  const askDeps: AskDeps = { lexicon, llm, llmDeadlineMs: config.openai.timeoutMs, onWarning: (m, err) => log(`${m}: ${(err as Error)?.message ?? err}`) };

  const reindexDeps = (overrides: Partial<ReindexDeps> = {}): ReindexDeps => ({
    corpusDir: config.corpusDir,
    indexDir: config.indexDir,
    chunker: DEFAULT_CHUNKER,
    embedding,
    keepGenerations: config.keepGenerations,
    now: () => new Date(),
    ...overrides,
  });
  const toServing = (gen: ReindexResult['loaded']): ServingIndex => toServingIndex(gen, embedding.embeddings, lexicon);

  return {
    config,
    embedding,
    lexicon,
    llm,
    mode: llm ? 'llm' : 'extractive',
    reindexDeps,
    toServing,
    async loadServingIndex(logLine = log) {
      const name = await readCurrent(config.indexDir);
      if (name) return toServing(await loadGeneration(config.indexDir, name, embedding.embeddings, embedding.info));
      logLine(`No index in ${config.indexDir}: building one from ${config.corpusDir}...`);
      const result = await reindex(reindexDeps());
      logLine(`Indexed ${result.files} file(s), ${result.chunks} chunks in ${Math.round(result.ms)} ms.`);
      return toServing(result.loaded);
    },
    answer: (input, index, emit) => ask(input, index, askDeps, emit),
  };
}
