/**
 * Wiring from a Config to working parts: the embeddings port (local GloVe or OpenAI), the
 * word lexicon the extractive answerer uses, the optional LLM client, and the serving index
 * (built on first use when INDEX_DIR has none). Shared by the server, the CLIs, eval and bench,
 * so they all run the same pipeline.
 */
import type { Config } from './config.js';
import type { EmbeddingPort } from './ingest/build-generation.js';
import { reindex, reindexDepsFor, type ReindexDeps } from './ingest/reindex.js';
import type { LoadedGeneration } from './index-store/generation.js';
import { openLiveGeneration } from './index-store/open-live.js';
import { loadLocalEmbeddings } from './embeddings/load-local.js';
import { loadWordNet } from './text/load-wordnet.js';
import { createEmbeddingPort, lexiconOf, sentenceFeaturesOf } from './embeddings/port.js';
import type { Lexicon } from './answer/lexicon.js';
import type { LlmClient } from './answer/llm-client.js';
import { generationCalibrator, toServingIndex, type ServingIndex } from './answer/serving-index.js';
import { ask, type AskDeps, type AskInput } from './answer/ask.js';
import { ModelError, parseModel, type AnswererModel } from './answer/model.js';
import { offTopicBankSchema, type GenerationCalibrator, type OffTopicBank } from './answer/calibration.js';
import { parseClaimSettings } from './answer/claim-settings.js';
import type { ClaimCheckSettings } from './answer/claim-check.js';
import { ConfigError } from './errors.js';
import { PROJECT_ROOT } from './project-root.js';
import { lineLog, silentLog, type Log } from './log.js';
import type { Answer, StreamEvent } from './types.js';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';

/** The index a process starts serving, and why it is not the one CURRENT names (null when it is). */
export interface StartupIndex {
  readonly index: ServingIndex;
  readonly fallback: string | null;
}

export interface Runtime {
  readonly config: Config;
  readonly embedding: EmbeddingPort;
  readonly lexicon: Lexicon;
  readonly llm: LlmClient | null;
  readonly mode: 'extractive' | 'llm';
  readonly model: AnswererModel;
  reindexDeps(overrides?: Partial<ReindexDeps>): ReindexDeps;
  /**
   * The generation CURRENT names, else the newest that loads (a fallback, logged as an error);
   * builds one when INDEX_DIR has none, or none of its generations loads.
   */
  openServingIndex(log?: Log): Promise<StartupIndex>;
  /** openServingIndex's index (CLIs, eval). */
  loadServingIndex(log?: (m: string) => void): Promise<ServingIndex>;
  /** Builds the serving structures of a loaded generation in time slices (see sliced.ts). */
  toServing(gen: LoadedGeneration): Promise<ServingIndex>;
  answer(input: AskInput, index: ServingIndex, emit?: (e: StreamEvent) => void): Promise<Answer>;
}

export { lexiconOf };

export const DEFAULT_MODEL_FILE = path.join(PROJECT_ROOT, 'models', 'answerer.json');
export const DEFAULT_BANK_FILE = path.join(PROJECT_ROOT, 'models', 'offtopic-bank.json');
export const DEFAULT_CLAIM_CHECK_FILE = path.join(PROJECT_ROOT, 'models', 'claim-check.json');

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

/** The off-topic bank and its content hash (what a stored calibration names). */
export async function loadOffTopicBank(file: string = DEFAULT_BANK_FILE): Promise<{ bank: OffTopicBank; id: string }> {
  const json = await readJson(file, 'off-topic question bank');
  const parsed = offTopicBankSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${file} is not an off-topic question bank: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
  return { bank: parsed.data, id: createHash('sha256').update(JSON.stringify(parsed.data)).digest('hex').slice(0, 12) };
}

/** LLM mode's claim-check settings (threshold chosen by scripts/claim-threshold.ts), parsed and checked. */
export async function loadClaimSettings(file: string = DEFAULT_CLAIM_CHECK_FILE): Promise<ClaimCheckSettings> {
  return parseClaimSettings(await readJson(file, 'claim-check settings'), file);
}

/** What the re-index child stores with a generation: its refusal calibration (see serving-index.ts). */
export async function calibratorFor(config: Config): Promise<GenerationCalibrator> {
  const [glove, thesaurus, model, { bank, id: bankId }] = await Promise.all([loadLocalEmbeddings(config.embeddingsCacheDir), loadWordNet(config.embeddingsCacheDir), loadAnswererModel(config.answerModel), loadOffTopicBank(config.offTopicBank)]);
  const embedding = await createEmbeddingPort(config, glove);
  return generationCalibrator({ embeddings: embedding.embeddings, lexicon: lexiconOf(glove), thesaurus, model, bank, bankId });
}

export async function createRuntime(config: Config, log: (m: string) => void = () => {}): Promise<Runtime> {
  const [glove, thesaurus, model, { bank, id: bankId }, claims] = await Promise.all([loadLocalEmbeddings(config.embeddingsCacheDir, log), loadWordNet(config.embeddingsCacheDir), loadAnswererModel(config.answerModel), loadOffTopicBank(config.offTopicBank), loadClaimSettings()]);
  const embedding = await createEmbeddingPort(config, glove);
  const lexicon = lexiconOf(glove);
  let llm: LlmClient | null = null;
  if (config.openai.apiKey) {
    const { createOpenAILlm } = await import('./answer/llm-client.js');
    llm = createOpenAILlm({ apiKey: config.openai.apiKey, baseURL: config.openai.baseURL, model: config.openai.model, timeoutMs: config.openai.timeoutMs, maxRetries: config.openai.maxRetries });
  }
  const askDeps: AskDeps = { llm, claims, llmDeadlineMs: config.openai.timeoutMs, onWarning: (m, err) => log(`${m}: ${(err as Error)?.message ?? err}`) };

  const servingDeps = { embeddings: embedding.embeddings, lexicon, thesaurus, model, bank, bankId, log };
  const reindexDeps = (overrides: Partial<ReindexDeps> = {}): ReindexDeps =>
    reindexDepsFor(config, embedding, { sentences: sentenceFeaturesOf(lexicon), calibrate: generationCalibrator(servingDeps), ...overrides });
  const toServing = (gen: LoadedGeneration): Promise<ServingIndex> => toServingIndex(gen, { ...servingDeps, sliced: true });

  const openServingIndex = async (out: Log = silentLog): Promise<StartupIndex> => {
    const live = await openLiveGeneration(config.indexDir, embedding.embeddings, embedding.info, out);
    if (live.kind === 'loaded') {
      if (live.fallback) out.error({ generation: live.loaded.name, reason: live.fallback }, `INDEX DEGRADED: ${live.fallback}`);
      return { index: await toServing(live.loaded), fallback: live.fallback };
    }
    if (live.kind === 'empty') out.info({}, `No index in ${config.indexDir}: building one from ${config.corpusDir}...`);
    else out.error({ problems: live.problems }, `No generation in ${config.indexDir} loads: rebuilding the index from ${config.corpusDir}...`);
    const result = await reindex(reindexDeps({ log: out }));
    out.info({ generation: result.generation }, `Indexed ${result.files} file(s), ${result.chunks} chunks in ${Math.round(result.ms)} ms.`);
    return { index: await toServing(result.loaded), fallback: null };
  };

  return {
    config,
    embedding,
    lexicon,
    llm,
    mode: llm ? 'llm' : 'extractive',
    model,
    reindexDeps,
    toServing,
    openServingIndex,
    async loadServingIndex(logLine = log) {
      return (await openServingIndex(lineLog(logLine))).index;
    },
    answer: (input, index, emit) => ask(input, index, askDeps, emit),
  };
}
