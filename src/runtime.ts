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
import type { LocalGloveEmbeddings } from './embeddings/local-glove.js';
import type { Lexicon } from './answer/lexicon.js';
import type { LlmClient } from './answer/llm-client.js';
import { toServingIndex, type ServingIndex } from './answer/serving-index.js';
import { ask, type AskDeps, type AskInput } from './answer/ask.js';
import { buildSentenceIndex } from './answer/sentence-index.js';
import { ModelError, parseModel, type AnswererModel } from './answer/model.js';
import { offTopicBankSchema, type OffTopicBank } from './answer/calibration.js';
import { ConfigError } from './errors.js';
import { PROJECT_ROOT } from './project-root.js';
import type { Answer, StreamEvent } from './types.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface Runtime {
  readonly config: Config;
  readonly embedding: EmbeddingPort;
  readonly lexicon: Lexicon;
  readonly llm: LlmClient | null;
  readonly mode: 'extractive' | 'llm';
  readonly model: AnswererModel;
  reindexDeps(overrides?: Partial<ReindexDeps>): ReindexDeps;
  /** Loads the live generation, or builds one when INDEX_DIR has none. */
  loadServingIndex(log?: (m: string) => void): Promise<ServingIndex>;
  toServing(gen: ReindexResult['loaded']): Promise<ServingIndex>;
  answer(input: AskInput, index: ServingIndex, emit?: (e: StreamEvent) => void): Promise<Answer>;
}

export function lexiconOf(glove: LocalGloveEmbeddings): Lexicon {
  return { size: glove.table.size, dimensions: glove.table.dimensions, rank: (k) => glove.wordRank(k), vector: (k) => glove.wordVector(k), embedKeys: (keys) => glove.embedKeys(keys) };
}

export const DEFAULT_MODEL_FILE = path.join(PROJECT_ROOT, 'models', 'answerer.json');
export const DEFAULT_BANK_FILE = path.join(PROJECT_ROOT, 'models', 'offtopic-bank.json');

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** The answerer model named by the configuration (or the committed one), parsed and checked. */
export async function loadAnswererModel(file: string = DEFAULT_MODEL_FILE): Promise<AnswererModel> {
  try {
    return parseModel(await readJson(file, 'answerer model'));
  } catch (err) {
    if (err instanceof ModelError) throw new ConfigError(`${file}: ${err.message}`);
    throw err;
  }
}

export async function loadOffTopicBank(file: string = DEFAULT_BANK_FILE): Promise<OffTopicBank> {
  const parsed = offTopicBankSchema.safeParse(await readJson(file, 'off-topic question bank'));
  if (!parsed.success) throw new ConfigError(`${file} is not an off-topic question bank: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return parsed.data;
}

export async function createRuntime(config: Config, log: (m: string) => void = () => {}): Promise<Runtime> {
  const [glove, model, bank] = await Promise.all([
    loadLocalEmbeddings(config.embeddingsCacheDir, log),
    loadAnswererModel(config.answerModel),
    loadOffTopicBank(config.offTopicBank),
  ]);
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
  const askDeps: AskDeps = { llm, llmDeadlineMs: config.openai.timeoutMs, onWarning: (m, err) => log(`${m}: ${(err as Error)?.message ?? err}`) };

  const reindexDeps = (overrides: Partial<ReindexDeps> = {}): ReindexDeps => ({
    corpusDir: config.corpusDir,
    indexDir: config.indexDir,
    chunker: DEFAULT_CHUNKER,
    embedding,
    keepGenerations: config.keepGenerations,
    now: () => new Date(),
    sentences: (chunks) => buildSentenceIndex(chunks, lexicon),
    ...overrides,
  });
  const toServing = (gen: ReindexResult['loaded']): Promise<ServingIndex> => toServingIndex(gen, { embeddings: embedding.embeddings, lexicon, model, bank, log });

  return {
    config,
    embedding,
    lexicon,
    llm,
    mode: llm ? 'llm' : 'extractive',
    model,
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
