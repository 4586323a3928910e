/**
 * Answering one question, end to end over a serving index: make it standalone (follow-ups),
 * retrieve passages, answer extractively or with the LLM (citations checked, falling back to
 * extractive when the model fails), and report progress as stream events.
 */
import type { Answer, ChatTurn, Citation, Retrieved, StreamEvent } from '../types.js';
import { UpstreamError } from '../errors.js';
import type { LlmClient } from './llm-client.js';
import type { ServingIndex } from './serving-index.js';
import { answerExtractively, DEFAULT_EXTRACTIVE, NOT_IN_CORPUS, READ_PASSAGES, type ExtractiveOptions } from './extractive.js';
import type { AnalyzedQuestion } from './question.js';
import { stripInvisible } from '../text/normalize.js';
import { checkCitations } from './citation-check.js';
import { condenseOffline } from './condense.js';
import { ANSWER_SYSTEM_PROMPT, NOT_IN_CORPUS_TOKEN } from './prompts.js';
import { splitSentences } from '../text/sentences.js';
import { MAX_ANSWER_CHARS, capCitation, capText } from './cap.js';

export interface AskInput {
  readonly question: string;
  readonly history: readonly ChatTurn[];
  readonly k: number;
  readonly signal?: AbortSignal;
}

export interface AskDeps {
  readonly llm: LlmClient | null;
  readonly extractive?: ExtractiveOptions;
  readonly onWarning?: (message: string, err: unknown) => void;
  /**
   * One deadline (ms) for all the model calls of an answer, follow-up condensing included, so
   * an answer never waits on the model longer than this however its time is split.
   */
  readonly llmDeadlineMs?: number;
}

type Emit = (event: StreamEvent) => void;

const toCitation = (r: Retrieved, n: number): Citation => capCitation({ n, chunkId: r.chunk.id, source: r.chunk.source, section: r.chunk.section, text: r.chunk.text, score: r.score });

/** How many of the top retrieved passages a refusal offers as `related`. */
export const RELATED_ON_REFUSAL = 3;

/** A refusal carries the passages that came closest, numbered 1..3, so readers can look or rephrase. */
const related = (retrieved: readonly Retrieved[]): { related: Citation[] } => ({ related: retrieved.slice(0, RELATED_ON_REFUSAL).map((r, i) => toCitation(r, i + 1)) });

/** Splits finished text into small pieces so clients can render it progressively. */
export function pieces(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

async function standaloneQuestion(input: AskInput, index: ServingIndex, deps: AskDeps): Promise<string> {
  if (input.history.length === 0) return input.question;
  if (deps.llm) {
    try {
      return await deps.llm.condense(input.question, input.history, input.signal);
    } catch (err) {
      deps.onWarning?.('condensing the follow-up with the LLM failed; carrying the subject offline', err);
    }
  }
  return condenseOffline(input.question, input.history, index.followUps);
}

function extractive(q: AnalyzedQuestion, retrieved: readonly Retrieved[], k: number, index: ServingIndex, deps: AskDeps, emit: Emit, fallback?: string): Answer {
  const result = answerExtractively(q, retrieved, index.answering, { ...(deps.extractive ?? DEFAULT_EXTRACTIVE), citePassages: k });
  const text = capText(result.answer, MAX_ANSWER_CHARS);
  const citations = result.citations.map(capCitation);
  emit({ type: 'citations', citations, question: q.text, indexVersion: index.version });
  for (const p of pieces(text)) emit({ type: 'delta', text: p });
  return {
    answer: text,
    grounded: result.grounded,
    citations,
    mode: 'extractive',
    indexVersion: index.version,
    question: q.text,
    ...(fallback ? { fallback } : {}),
    ...(result.grounded ? {} : related(retrieved)),
  };
}

async function generated(question: string, retrieved: readonly Retrieved[], k: number, index: ServingIndex, llm: LlmClient, input: AskInput, emit: Emit): Promise<Answer> {
  const passages = retrieved.slice(0, k).map((r, i) => toCitation(r, i + 1));
  emit({ type: 'citations', citations: passages, question, indexVersion: index.version });
  let buffer = '';
  let emittedUpTo = 0;
  let streamed = 0;
  // Only complete, checked sentences are streamed, so nothing unchecked reaches the client;
  // and no more than the answer cap.
  const flush = (final: boolean): void => {
    const spans = splitSentences(buffer);
    const complete = final ? spans : spans.slice(0, -1);
    for (const s of complete) {
      if (s.start < emittedUpTo) continue;
      const checked = checkCitations(buffer.slice(s.start, s.end), passages, ANSWER_SYSTEM_PROMPT);
      if (checked.text && streamed < MAX_ANSWER_CHARS) {
        const piece = capText(`${checked.text} `, MAX_ANSWER_CHARS - streamed);
        emit({ type: 'delta', text: piece });
        streamed += piece.length;
      }
      emittedUpTo = s.end;
    }
  };
  const raw = await llm.answer(question, passages, {
    ...(input.signal ? { signal: input.signal } : {}),
    onText: (t) => {
      buffer += t;
      flush(false);
    },
  });
  buffer = raw;
  flush(true);
  const checked = raw.trim() === NOT_IN_CORPUS_TOKEN ? null : checkCitations(raw, passages, ANSWER_SYSTEM_PROMPT);
  if (!checked || checked.cited.length === 0) {
    // No sentence passed the check, so none was streamed: stream the refusal, so that the
    // deltas add up to the answer as in every other case.
    for (const p of pieces(NOT_IN_CORPUS)) emit({ type: 'delta', text: p });
    return { answer: NOT_IN_CORPUS, grounded: false, citations: [], mode: 'llm', indexVersion: index.version, question, ...related(retrieved) };
  }
  return {
    answer: capText(checked.text, MAX_ANSWER_CHARS),
    grounded: true,
    citations: passages.filter((p) => checked.cited.includes(p.n)),
    mode: 'llm',
    indexVersion: index.version,
    question,
  };
}

/** Answers `input` from `index`; `emit` receives citations, deltas and the final answer. */
export async function ask(input: AskInput, index: ServingIndex, deps: AskDeps, emit: Emit = () => {}): Promise<Answer> {
  // Model calls stop at the client's disconnect or at the answer's deadline; `input.signal`
  // alone still tells a gone client (rethrow) from a late model (fall back).
  const deadline = deps.llm && deps.llmDeadlineMs ? AbortSignal.timeout(deps.llmDeadlineMs) : undefined;
  const modelSignal = deadline && input.signal ? AbortSignal.any([input.signal, deadline]) : (deadline ?? input.signal);
  const modelInput: AskInput = modelSignal ? { ...input, signal: modelSignal } : input;
  // Invisible characters (zero-width spaces, bidi controls) would split words and echo back.
  const question = stripInvisible(await standaloneQuestion({ ...modelInput, question: stripInvisible(input.question) }, index, deps));
  // The question is analysed once; retrieval and the answerer share its tokens.
  const q = index.analyze(question);
  // The extractive answerer reads a few more passages than it cites, to find the best sentence.
  const retrieved = await index.retriever.retrieve({ text: question, tokens: q.tokens }, Math.max(input.k, READ_PASSAGES));
  let answer: Answer;
  if (deps.llm) {
    try {
      answer = await generated(question, retrieved, input.k, index, deps.llm, modelInput, emit);
    } catch (err) {
      if (!(err instanceof UpstreamError) || input.signal?.aborted) throw err;
      deps.onWarning?.('the LLM failed; answering extractively', err);
      answer = extractive(q, retrieved, input.k, index, deps, emit, err.message);
    }
  } else {
    answer = extractive(q, retrieved, input.k, index, deps, emit);
  }
  emit({ type: 'done', answer });
  return answer;
}
