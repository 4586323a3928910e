/**
 * The plain data shapes that flow through the pipeline:
 * corpus -> ingest (Chunk, IndexManifest) -> retrieval (Retrieved) -> answer (Answer) -> server.
 * Nothing here does I/O.
 */

/** A source document as read from the corpus directory. `path` is relative to the corpus dir, with `/`. */
export interface SourceDoc {
  readonly path: string;
  readonly text: string;
}

/** A contiguous span of a source. Invariant: `text === sourceText.slice(start, end)`. */
export interface Chunk {
  /** Stable hash of source path + text: same text, same id, run after run. */
  readonly id: string;
  readonly source: string;
  readonly section: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface EmbeddingInfo {
  readonly provider: 'local' | 'openai';
  readonly model: string;
  readonly dimensions: number;
}

export interface ChunkerSettings {
  readonly maxChars: number;
  readonly minChars: number;
}

export interface IndexManifest {
  /** Hash of the content: embedding model + chunker + chunk ids. Names a generation. */
  readonly version: string;
  readonly createdAt: string;
  readonly embedding: EmbeddingInfo;
  readonly chunker: ChunkerSettings;
  readonly sources: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly chunks: number }>;
  readonly chunkCount: number;
  /** Version of the sentence features stored with the generation (absent in older ones). */
  readonly features?: string | undefined;
}

export interface Retrieved {
  readonly chunk: Chunk;
  /** Index of the chunk in its generation (and in the generation's sentence index). */
  readonly position: number;
  /** Fused score, higher is better. */
  readonly score: number;
  /** 1-based rank in each list, or null when the chunk was absent from it. */
  readonly ranks: { readonly dense: number | null; readonly lexical: number | null };
}

export interface Citation {
  readonly n: number;
  readonly chunkId: string;
  readonly source: string;
  readonly section: string;
  readonly text: string;
  readonly score: number;
  /**
   * Offsets into `text` (UTF-16, end exclusive) of the sentence(s) the answer quotes from this
   * passage, so clients can highlight them. Extractive answers fill it; LLM answers omit it.
   */
  readonly quotes?: ReadonlyArray<{ readonly start: number; readonly end: number }>;
}

export type AnswerMode = 'extractive' | 'llm';

/**
 * Why LLM mode removed a sentence of the model's answer (or part of one): it cited no passage
 * it was given ("uncited"), repeated the instructions ("echo"), stated a number or a name its
 * cited passages do not, or said something they do not support ("unsupported").
 */
/** Why the LLM claim check dropped or cut a sentence (see src/answer/claim-check.ts). */
/** The longest question /ask takes (after trimming), and the longest one the answerer searches. */
export const MAX_QUESTION_CHARS = 2000;

export const CHECK_REASONS = ['uncited', 'echo', 'number', 'name', 'scope', 'unsupported'] as const;
export type CheckReason = (typeof CHECK_REASONS)[number];

/** What the check of a model's answer removed: sentences dropped, sentences cut short, and why. */
export interface AnswerChecks {
  /** Sentences the model wrote. */
  readonly sentences: number;
  readonly dropped: number;
  /** Sentences kept with an unsupported part removed. */
  readonly trimmed: number;
  /** How many sentences (dropped or trimmed) each reason accounts for. */
  readonly reasons: Readonly<Partial<Record<CheckReason, number>>>;
}

export interface Answer {
  readonly answer: string;
  readonly grounded: boolean;
  readonly citations: readonly Citation[];
  readonly mode: AnswerMode;
  readonly indexVersion: string;
  /** The standalone question that was actually searched. */
  readonly question: string;
  /** Why the configured mode was not used (e.g. the LLM failed and we answered extractively). */
  readonly fallback?: string;
  /**
   * On a refusal (grounded false, no citations): the passages retrieval ranked highest, numbered
   * 1..3, so a reader can look at what came closest or rephrase. Nothing in `answer` cites them.
   */
  readonly related?: readonly Citation[];
  /**
   * LLM mode: how the model's sentences fared against the passages they cite. Present when the
   * model wrote an answer (also when none of it held and the answer fell back to extractive).
   */
  readonly checks?: AnswerChecks;
}

export interface ChatTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/**
 * Events of a streamed answer, in order: citations, delta*, done | error. A second `citations`
 * event restarts the answer (LLM mode falling back to extractive after partial output): clients
 * drop the text streamed so far.
 */
export type StreamEvent =
  | { readonly type: 'citations'; readonly citations: readonly Citation[]; readonly question: string; readonly indexVersion: string }
  | { readonly type: 'delta'; readonly text: string }
  | { readonly type: 'done'; readonly answer: Answer }
  | { readonly type: 'error'; readonly error: { readonly code: string; readonly message: string } };
