/**
 * A loaded index generation ready to answer from: its chunks, its hybrid retriever, its
 * sentence index (stored at ingest; rebuilt in memory for a generation written before it
 * existed), the answerer model and the corpus's refusal calibration, and the version every
 * answer produced from it carries.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { LoadedGeneration } from '../index-store/generation.js';
import { hybridRetrieverSteps, TOPICAL_SHARE, type Query, type Retriever } from '../retrieval/hybrid.js';
import type { FollowUpVocabulary } from './condense.js';
import { runNow, runSliced, type Steps } from '../sliced.js';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { IndexManifest } from '../types.js';
import type { Lexicon } from './lexicon.js';
import type { Thesaurus } from '../text/wordnet.js';
import { tokenize } from '../text/tokenize.js';
import { analyzeQuestion, vocabularyOf, type AnalyzedQuestion, type Vocabulary } from './question.js';
import { buildSentenceIndex, sentenceTexts, SENTENCE_FEATURES_VERSION, type SentenceIndex } from './sentence-index.js';
import { LemmaVectors } from './features.js';
import type { AnswererModel } from './model.js';
import { articlesInCorpus, calibrationFrom, fingerprint, quantile, restoreCalibration, storeCalibration, UNCALIBRATED, type Calibration, type GenerationCalibrator, type OffTopicBank } from './calibration.js';
import { sigmoid } from './model.js';
import { READ_PASSAGES, scoreQuestion, type AnswerContext } from './extractive.js';

export interface ServingIndex {
  readonly name: string;
  readonly version: string;
  readonly manifest: IndexManifest;
  readonly retriever: Retriever;
  readonly sentences: SentenceIndex;
  readonly vocabulary: Vocabulary;
  /** Everything the extractive answerer needs besides the question and its passages. */
  readonly answering: AnswerContext;
  /** Analyses a question against this corpus (once per question); `asked`: what the user wrote, when `text` is a follow-up made standalone. */
  analyze(text: string, asked?: string): AnalyzedQuestion;
  /** What offline follow-up handling asks of the corpus's vocabulary. */
  readonly followUps: FollowUpVocabulary;
}

export interface ServingDeps {
  readonly embeddings: EmbeddingsInterface;
  readonly lexicon: Lexicon;
  /** WordNet's word relations, for matching question words to related corpus words. */
  readonly thesaurus: Thesaurus;
  readonly model: AnswererModel;
  /** Off-topic questions to calibrate refusals with; null leaves the corpus uncalibrated. */
  readonly bank: OffTopicBank | null;
  /** Content hash of the bank (a stored calibration is used only for the same model and bank). */
  readonly bankId?: string;
  readonly log?: (message: string) => void;
  /**
   * Build in time slices and let the event loop turn between calibration questions: a serving
   * process swapping in a new generation keeps answering meanwhile (see sliced.ts).
   */
  readonly sliced?: boolean;
}

/** The sentence index stored with the generation, or one built now when it has none of this version. */
export function sentenceIndexOf(gen: LoadedGeneration, lexicon: Lexicon, log?: (m: string) => void): SentenceIndex {
  if (gen.sentences && gen.sentences.version === SENTENCE_FEATURES_VERSION) return gen.sentences;
  log?.(`Index generation ${gen.name} has no sentence features of version ${SENTENCE_FEATURES_VERSION}; computing them in memory (run \`npm run ingest\` to store them).`);
  return buildSentenceIndex(gen.chunks, lexicon);
}

/** Scores the bank's questions (those of articles the corpus does not hold) to find the corpus's off-topic level. */
export async function calibrate(index: Omit<ServingIndex, 'answering'> & { answering: Omit<AnswerContext, 'calibration'> }, bank: OffTopicBank, sliced = false): Promise<Calibration> {
  const corpus = new Set(sentenceTexts(index.sentences, index.retriever.chunks).map((text) => fingerprint(text)));
  const present = articlesInCorpus(bank, corpus);
  const articles = bank.articles.filter((a) => !present.has(a.title));
  const ctx: AnswerContext = { ...index.answering, calibration: UNCALIBRATED };
  const scored: Array<{ top: number; question: Float64Array }> = [];
  for (const a of articles) {
    for (const text of a.questions) {
      const q = index.analyze(text);
      const passages = await index.retriever.retrieve({ text, tokens: q.tokens } satisfies Query, READ_PASSAGES);
      const { candidates, question } = scoreQuestion(q, passages, ctx);
      if (candidates.length) scored.push({ top: Math.max(...candidates.map((c) => c.score)), question });
      if (sliced) await nextMacrotask();
    }
  }
  const titles = articles.map((a) => a.title);
  const level = calibrationFrom(
    scored.map((s) => s.top),
    titles,
  );
  // The bank's own P(answerable), its score now taken relative to the level just found: the
  // corpus answers only above the model's quantile of them.
  const model = index.answering.model;
  const ps = scored.map(({ top, question }) => {
    const row = Float64Array.from(question);
    row[row.length - 1] = level.relative(top);
    return sigmoid(model.refusalLogit(row));
  });
  return calibrationFrom(
    scored.map((s) => s.top),
    titles,
    ps.length ? quantile(ps, model.file.refusal.bankQuantile) : -Infinity,
  );
}

/** Which words the corpus uses, and which it is about (in at least TOPICAL_SHARE of its chunks). */
export function followUpVocabulary(index: SentenceIndex, vocabulary: Vocabulary, chunks: readonly { readonly text: string }[]): FollowUpVocabulary {
  const df = (lemma: string): number => {
    const id = vocabulary.lemmaId(lemma);
    return id >= 0 ? (index.lemmaDf[id] as number) : 0;
  };
  const topical = (lemma: string): boolean => index.chunkCount >= 4 && df(lemma) / index.chunkCount >= TOPICAL_SHARE;
  // Found once per generation, as it is loaded, so no request pays for it.
  const subject = corpusSubject(chunks, topical);
  return { knows: (lemma) => df(lemma) > 0, topical, subject: () => subject };
}

/**
 * Chunks read to find the corpus's subject, evenly spaced: a topical word is in at least
 * TOPICAL_SHARE (0.3) of the chunks, so in about 77 of 256, enough to rank its spellings; and
 * tokenising them costs ~20 ms at most (about 80 ms per MB of text) where a 20,000-chunk corpus
 * read whole would add over a second to loading it.
 */
const SUBJECT_SAMPLE_CHUNKS = 256;

/** The capitalised word of a topical lemma the chunks write most often (first written wins a tie); none without one. */
export function corpusSubject(chunks: readonly { readonly text: string }[], topical: (lemma: string) => boolean): string[] {
  const counts = new Map<string, number>();
  const step = Math.max(1, chunks.length / SUBJECT_SAMPLE_CHUNKS);
  for (let at = 0; at < chunks.length; at += step) {
    const chunk = chunks[Math.floor(at)] as { readonly text: string };
    for (const t of tokenize(chunk.text)) {
      if (!t.capitalized || t.number !== null || !topical(t.lemma)) continue;
      const surface = chunk.text.slice(t.start, t.end).replace(/['’]s?$/, '');
      counts.set(surface, (counts.get(surface) ?? 0) + 1);
    }
  }
  let best: string | null = null;
  for (const [surface, n] of counts) if (best === null || n > (counts.get(best) as number)) best = surface;
  return best === null ? [] : [best];
}

/** The synchronous part of toServingIndex, pausing at safe points. */
function* retrieverSteps(gen: LoadedGeneration, deps: ServingDeps): Steps<{ sentences: SentenceIndex; retriever: Retriever }> {
  const sentences = sentenceIndexOf(gen, deps.lexicon, deps.log);
  yield;
  const retriever = yield* hybridRetrieverSteps(gen.chunks, gen.store, deps.embeddings, { aliases: sentences.aliases });
  return { sentences, retriever };
}

export async function toServingIndex(gen: LoadedGeneration, deps: ServingDeps): Promise<ServingIndex> {
  const { sentences, retriever } = deps.sliced ? await runSliced(retrieverSteps(gen, deps)) : runNow(retrieverSteps(gen, deps));
  const vocabulary = vocabularyOf(sentences, deps.lexicon, deps.thesaurus);
  const base = {
    name: gen.name,
    version: gen.manifest.version,
    manifest: gen.manifest,
    retriever,
    sentences,
    vocabulary,
    analyze: (text: string, asked?: string) => analyzeQuestion(text, sentences, vocabulary, deps.lexicon, asked),
    followUps: followUpVocabulary(sentences, vocabulary, gen.chunks),
  };
  const uncalibrated: AnswerContext = { index: sentences, vectors: new LemmaVectors(sentences, deps.lexicon), model: deps.model, calibration: UNCALIBRATED, lexiconSize: deps.lexicon.size };
  const stored = gen.calibration;
  let calibration = UNCALIBRATED;
  if (deps.bank && gen.chunks.length > 0) {
    if (stored && stored.model === deps.model.id && stored.bank === deps.bankId) calibration = restoreCalibration(stored);
    else {
      deps.log?.(`Calibrating refusals for index generation ${gen.name} (${stored ? 'it was calibrated for another model or bank' : 'it has no stored calibration'}; \`npm run ingest\` stores one).`);
      calibration = await calibrate({ ...base, answering: uncalibrated }, deps.bank, deps.sliced);
    }
  }
  return { ...base, answering: { ...uncalibrated, calibration } };
}

/** What ingest stores with a generation: its calibration for this model and bank (JSON). */
export function generationCalibrator(deps: ServingDeps & { readonly bank: OffTopicBank; readonly bankId: string }): GenerationCalibrator {
  const questions = deps.bank.articles.reduce((n, a) => n + a.questions.length, 0);
  return {
    model: deps.model.id,
    bank: deps.bankId,
    async calibrate(loaded) {
      deps.log?.(`Calibrating refusals for index generation ${loaded.name} (${questions} off-topic questions).`);
      const { log: _said, ...quiet } = deps;
      const serving = await toServingIndex({ ...loaded, calibration: undefined }, quiet);
      return storeCalibration(serving.answering.calibration, deps.model.id, deps.bankId);
    },
  };
}
