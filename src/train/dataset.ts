/**
 * Turns labelled questions into training examples through the serving pipeline itself: each
 * corpus is chunked, embedded, indexed (a real in-memory HNSW index and BM25) and analysed
 * exactly as at ingest, and each question is analysed, retrieved and featurised exactly as on
 * /ask. What is kept per question ("run") is what fitting and validation need: the candidate
 * feature rows, which candidates hold the answer, which of the facts each states, their
 * lengths, and the question-level features that do not depend on the ranker.
 */
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Chunk, Retrieved, SourceDoc } from '../types.js';
import { buildGeneration } from '../ingest/build-generation.js';
import { DEFAULT_CHUNKER } from '../ingest/chunk.js';
import { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import { SEARCH_EF } from '../index-store/generation.js';
import { Document } from '@langchain/core/documents';
import { buildSentenceIndex, type SentenceIndex } from '../answer/sentence-index.js';
import { toServingIndex, type ServingIndex } from '../answer/serving-index.js';
import type { Lexicon } from '../answer/lexicon.js';
import type { Thesaurus } from '../text/wordnet.js';
import type { AnswererModel } from '../answer/model.js';
import type { AnalyzedQuestion } from '../answer/question.js';
import { candidatesOf, corpusFeatures, pairFeatures, PAIR_FEATURES } from '../answer/features.js';
import { READ_PASSAGES, quotable } from '../answer/extractive.js';
import type { Article, LabelledQuestion } from './labelled.js';

/** answerable; off the corpus (another article's question); on topic but unanswerable (made, or Heihe's); SQuAD's adversarial (reported only). */
export type Role = 'answerable' | 'offtopic' | 'unanswerable' | 'adversarial';

export interface Run {
  readonly corpus: string;
  readonly question: LabelledQuestion;
  readonly role: Role;
  /** Made from an answerable question (src/train/corrupt.ts): a fitting aid, not a question anyone asked. */
  readonly made: boolean;
  /** Fitted on by the ranker only (a question asked of a spun copy of its article, spin.ts): the refusal never sees it. */
  readonly rankerOnly?: boolean;
  /** A made follow-up (follow-ups.ts): `question.question` is its standalone form. */
  readonly followUp?: boolean;
  /** Scored held out but fitted on by nothing (made follow-ups measured against a ranker that never saw any). */
  readonly evalOnly?: boolean;
  /** The corpus whose off-topic bank calibrates it, when not its own (a thinned copy is calibrated as its original, pipeline.ts). */
  readonly calibrationCorpus?: string;
  /** Candidates × PAIR_FEATURES, row-major. */
  readonly pair: Float32Array;
  /** Per candidate: 1 when the sentence holds (part of) the answer. */
  readonly labels: Uint8Array;
  /** Per candidate: bit i set when the sentence states fact i. */
  readonly factMask: Uint32Array;
  /** Per candidate: its sentence id in the corpus's sentence index, passage rank, length quoted. */
  readonly sentence: Int32Array;
  readonly passage: Int32Array;
  readonly position: Int32Array;
  readonly length: Int32Array;
  readonly corpusFeatures: Float64Array;
}

export interface BuiltCorpus {
  readonly name: string;
  /** Article titles it holds. */
  readonly articles: ReadonlySet<string>;
  readonly serving: ServingIndex;
  readonly sentences: SentenceIndex;
  readonly chunks: readonly Chunk[];
  /** The document (source path) of each article. */
  readonly sources: ReadonlyMap<string, string>;
}

/** Indexes documents in memory with the ingest pipeline (chunks, embeddings, HNSW, sentence index). */
export async function buildCorpus(name: string, articles: readonly Article[], embeddings: EmbeddingsInterface & { info?: unknown }, embeddingInfo: { provider: 'local'; model: string; dimensions: number }, lexicon: Lexicon, thesaurus: Thesaurus, model: AnswererModel): Promise<BuiltCorpus> {
  const docs: SourceDoc[] = articles.map((a) => a.doc);
  const { data } = await buildGeneration(docs, { chunker: DEFAULT_CHUNKER, embedding: { embeddings, info: embeddingInfo }, now: new Date(0), sentences: (chunks) => buildSentenceIndex(chunks, lexicon) });
  // An in-memory HNSW index over the same vectors (training writes nothing to disk).
  const dims = data.manifest.embedding.dimensions;
  const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: dims });
  const rows = data.chunks.map((_c, i) => Array.from(data.vectors.subarray(i * dims, (i + 1) * dims)));
  await store.addVectors(rows, data.chunks.map((c) => new Document({ pageContent: c.text, metadata: { chunkId: c.id } })));
  store.index.setEf(SEARCH_EF);
  const serving = await toServingIndex({ ...data, name, store }, { embeddings, lexicon, thesaurus, model, bank: null });
  return { name, articles: new Set(articles.map((a) => a.title)), serving, sentences: serving.sentences, chunks: data.chunks, sources: new Map(articles.map((a) => [a.title, a.doc.path])) };
}

const normalise = (s: string): string => s.toLowerCase().replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/\s+/g, ' ').trim();

/** Asks one question of a built corpus and keeps what fitting needs; `asked`: what a follow-up's user wrote (its standalone form is `question.question`). */
export async function runQuestion(corpus: BuiltCorpus, question: LabelledQuestion, role: Role, lexiconSize: number, made = false, asked?: string): Promise<Run> {
  const q = corpus.serving.analyze(question.question, asked);
  const passages = (await corpus.serving.retriever.retrieve({ text: question.question, tokens: q.tokens }, READ_PASSAGES)).slice(0, READ_PASSAGES);
  return runOn(corpus, question, role, lexiconSize, made, q, passages);
}

/**
 * An answerable question asked as if the passages that answer it were not in the corpus: an
 * on-topic question whose words the corpus knows but whose asked-for fact it does not state
 * ("What year was Heihe founded?" of a text that never dates the founding). The passages of
 * `answered`'s labelled sentences are left out of the retrieved ones (the next ones move up);
 * null when it has none, or when a sentence left states the answer or a fact all the same (the
 * question would still be answerable).
 */
export async function runWithoutAnswer(corpus: BuiltCorpus, answered: Run, lexiconSize: number): Promise<Run | null> {
  const question = answered.question;
  const q = corpus.serving.analyze(question.question);
  const answering = new Set(answeringSentences(answered, corpus).map((s) => s.chunkIndex));
  if (answering.size === 0) return null;
  const passages = (await corpus.serving.retriever.retrieve({ text: question.question, tokens: q.tokens }, READ_PASSAGES + answering.size)).filter((p) => !answering.has(p.position)).slice(0, READ_PASSAGES);
  const made: LabelledQuestion = { ...question, id: `${question.id}~removed`, impossible: true };
  const run = runOn(corpus, made, 'unanswerable', lexiconSize, true, q, passages);
  // Labelled with the original's spans and facts, then cleared: a sentence still stating them leaves the question answerable.
  if (statesAnswer(run)) return null;
  return { ...run, question: { ...made, spans: [], evidence: [], facts: [] } };
}

/** A run's answering sentences (labelled, or stating a fact): their chunk and their span in its text. */
export function answeringSentences(run: Run, corpus: BuiltCorpus): Array<{ readonly chunkIndex: number; readonly chunk: Chunk; readonly start: number; readonly end: number }> {
  const out: Array<{ chunkIndex: number; chunk: Chunk; start: number; end: number }> = [];
  run.labels.forEach((l, i) => {
    if (!l && !run.factMask[i]) return;
    const sentence = run.sentence[i] as number;
    const chunkIndex = chunkOf(corpus.sentences, sentence);
    out.push({ chunkIndex, chunk: corpus.chunks[chunkIndex] as Chunk, start: corpus.sentences.start[sentence] as number, end: corpus.sentences.end[sentence] as number });
  });
  return out;
}

/** The chunk a sentence of the index belongs to (chunkSentences holds each chunk's first sentence, and the end). */
export function chunkOf(index: SentenceIndex, sentence: number): number {
  let lo = 0;
  let hi = index.chunkCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((index.chunkSentences[mid] as number) <= sentence) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whether some candidate of a run holds its answer (a labelled sentence, or one stating a fact). */
export const statesAnswer = (run: Run): boolean => run.labels.some((l) => l === 1) || run.factMask.some((m) => m !== 0);

function runOn(corpus: BuiltCorpus, question: LabelledQuestion, role: Role, lexiconSize: number, made: boolean, q: AnalyzedQuestion, passages: readonly Retrieved[]): Run {
  const index = corpus.sentences;
  const candidates = candidatesOf(passages, index);
  const pair = pairFeatures(q, passages, candidates, index, corpus.serving.answering.vectors);
  const n = candidates.length;
  const labels = new Uint8Array(n);
  const factMask = new Uint32Array(n);
  const length = new Int32Array(n);
  const facts = question.facts.map(normalise);
  const evidence = question.evidence.map(normalise);
  candidates.forEach((c, i) => {
    const chunk = corpus.chunks[(passages[c.passage] as Retrieved).position] as Chunk;
    const start = index.start[c.sentence] as number;
    const end = index.end[c.sentence] as number;
    const text = chunk.text.slice(start, end);
    const norm = normalise(text);
    const docStart = chunk.start + start;
    const docEnd = chunk.start + end;
    const bySpan = corpus.sources.get(question.article) === chunk.source && question.spans.some(([a, b]) => a < docEnd && b > docStart);
    labels[i] = bySpan || evidence.some((e) => norm.includes(e)) ? 1 : 0;
    let mask = 0;
    facts.forEach((f, j) => {
      if (normalise(quotable(text)).includes(f)) mask |= 1 << j;
    });
    factMask[i] = mask;
    length[i] = quotable(text).length;
  });
  return {
    corpus: corpus.name,
    question,
    role,
    made,
    pair: Float32Array.from(pair),
    labels,
    factMask,
    sentence: Int32Array.from(candidates, (c) => c.sentence),
    passage: Int32Array.from(candidates, (c) => c.passage),
    position: Int32Array.from(candidates, (c) => c.position),
    length,
    corpusFeatures: corpusFeatures(q, index, lexiconSize),
  };
}

export const PAIR_WIDTH = PAIR_FEATURES.length;
