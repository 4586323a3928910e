/**
 * Answering one question, end to end over a serving index: make it standalone (follow-ups),
 * retrieve passages, answer extractively or with the LLM (every sentence checked against the
 * passages it cites, see claim-check.ts; falling back to extractive when the model fails or
 * nothing it wrote holds), and report progress as stream events.
 */
import { MAX_QUESTION_CHARS, type Answer, type AnswerChecks, type ChatTurn, type Citation, type Retrieved, type StreamEvent } from '../types.js';
import type { Log } from '../log.js';
import { UpstreamError } from '../errors.js';
import type { LlmClient } from './llm-client.js';
import type { ServingIndex } from './serving-index.js';
import { answerExtractively, DEFAULT_EXTRACTIVE, NOT_IN_CORPUS, READ_PASSAGES, type ExtractiveOptions } from './extractive.js';
import type { AnalyzedQuestion } from './question.js';
import { stripInvisible } from '../text/normalize.js';
import { ClaimChecker, StreamedAnswerCheck, type ClaimCheckSettings } from './claim-check.js';
import { condenseOffline } from './condense.js';
import { ANSWER_SYSTEM_PROMPT, NOT_IN_CORPUS_TOKEN } from './prompts.js';
import { MAX_ANSWER_CHARS, capCitation, capText } from './cap.js';

export interface AskInput {
  readonly question: string;
  readonly history: readonly ChatTurn[];
  readonly k: number;
  readonly signal?: AbortSignal;
  /** When the model calls must be over, on performance.now()'s clock (from AskDeps.llmDeadlineMs). */
  readonly deadlineAt?: number;
  /** The request's log (the claim check records what it removed). */
  readonly log?: Pick<Log, 'info'>;
}

export interface AskDeps {
  readonly llm: LlmClient | null;
  /** The claim check's threshold and soft-match band (models/claim-check.json). */
  readonly claims: ClaimCheckSettings;
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
      return await deps.llm.condense(input.question, input.history, input.signal, input.deadlineAt);
    } catch (err) {
      deps.onWarning?.('condensing the follow-up with the LLM failed; carrying the subject offline', err);
    }
  }
  return offlineStandalone(input.question, input.history, index);
}

/**
 * The question as `ask` analyses it, once made standalone: a follow-up's words carried from
 * earlier turns are told from the ones the user wrote now (`asked`).
 */
function analyzedAsAsked(standalone: string, question: string, history: readonly ChatTurn[], index: Pick<ServingIndex, 'analyze'>): AnalyzedQuestion {
  return index.analyze(standalone, history.length ? stripInvisible(question) : undefined);
}

/** What `ask` searches offline for `question` after `history`: the standalone text and its analysis (`npm run ask -- --explain`). */
export function offlineQuery(question: string, history: readonly ChatTurn[], index: Pick<ServingIndex, 'followUps' | 'analyze'>): { readonly standalone: string; readonly q: AnalyzedQuestion } {
  const standalone = stripInvisible(offlineStandalone(stripInvisible(question), history, index));
  return { standalone, q: analyzedAsAsked(standalone, question, history, index) };
}

/** A follow-up made standalone without a model (condense.ts), as `ask` searches it offline. */
export function offlineStandalone(question: string, history: readonly ChatTurn[], index: Pick<ServingIndex, 'followUps'>): string {
  const standalone = condenseOffline(question, history, index.followUps);
  // Earlier turns may be longer than a question (up to 20,000 characters each): a follow-up made
  // from one is searched as asked rather than as a question no client could send (one of
  // 60,000 characters took half a second to analyse).
  return standalone.length <= MAX_QUESTION_CHARS ? standalone : question;
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

/** The fallback reason of an answer whose model-written sentences all failed the claim check. */
export const UNSUPPORTED_CLAIMS = 'unsupported_claims';

type Generated = { kind: 'answer'; answer: Answer } | { kind: 'unsupported'; checks: AnswerChecks };

async function generated(question: string, retrieved: readonly Retrieved[], k: number, index: ServingIndex, deps: AskDeps & { llm: LlmClient }, input: AskInput, emit: Emit): Promise<Generated> {
  const given = retrieved.slice(0, k);
  const passages = given.map((r, i) => toCitation(r, i + 1));
  emit({ type: 'citations', citations: passages, question, indexVersion: index.version });
  const checker = new ClaimChecker({
    index,
    passages: given.map((r, i) => ({ n: i + 1, text: r.chunk.text, section: r.chunk.section, source: r.chunk.source, position: r.position })),
    settings: deps.claims,
    systemPrompt: ANSWER_SYSTEM_PROMPT,
  });
  // Sentences are streamed once checked (a sentence is checked when it is complete), so nothing
  // unchecked reaches the client; and no more than the answer cap.
  const answerCheck = new StreamedAnswerCheck(checker);
  let streamed = 0;
  const stream = (sentences: readonly string[]): void => {
    for (const sentence of sentences) {
      if (streamed >= MAX_ANSWER_CHARS) return;
      // Sentences are joined by one space, as in the final answer, so the deltas add up to it.
      const piece = capText(streamed > 0 ? ` ${sentence}` : sentence, MAX_ANSWER_CHARS - streamed);
      emit({ type: 'delta', text: piece });
      streamed += piece.length;
    }
  };
  const raw = await deps.llm.answer(question, passages, {
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.deadlineAt !== undefined ? { deadlineAt: input.deadlineAt } : {}),
    onText: (t) => stream(answerCheck.push(t)),
  });
  stream(answerCheck.end());
  if (raw.trim() === NOT_IN_CORPUS_TOKEN) {
    // The refusal token cites nothing, so nothing was streamed: stream the refusal, so that the
    // deltas add up to the answer as in every other case.
    for (const p of pieces(NOT_IN_CORPUS)) emit({ type: 'delta', text: p });
    return { kind: 'answer', answer: { answer: NOT_IN_CORPUS, grounded: false, citations: [], mode: 'llm', indexVersion: index.version, question, ...related(retrieved) } };
  }
  const checks = answerCheck.checks();
  if (checks.dropped > 0 || checks.trimmed > 0) input.log?.info({ checks }, `LLM answer checked: ${checks.dropped} of ${checks.sentences} sentence(s) dropped, ${checks.trimmed} cut short`);
  if (answerCheck.kept.length === 0) return { kind: 'unsupported', checks };
  const text = capText(answerCheck.kept.join(' '), MAX_ANSWER_CHARS);
  const cited = new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  return {
    kind: 'answer',
    answer: { answer: text, grounded: true, citations: passages.filter((p) => cited.has(p.n)), mode: 'llm', indexVersion: index.version, question, checks },
  };
}

/** Answers `input` from `index`; `emit` receives citations, deltas and the final answer. */
export async function ask(input: AskInput, index: ServingIndex, deps: AskDeps, emit: Emit = () => {}): Promise<Answer> {
  // Model calls stop at the client's disconnect or at the answer's deadline; `input.signal`
  // alone still tells a gone client (rethrow) from a late model (fall back).
  const deadline = deps.llm && deps.llmDeadlineMs ? AbortSignal.timeout(deps.llmDeadlineMs) : undefined;
  const modelSignal = deadline && input.signal ? AbortSignal.any([input.signal, deadline]) : (deadline ?? input.signal);
  const modelInput: AskInput = modelSignal ? { ...input, signal: modelSignal, ...(deadline ? { deadlineAt: performance.now() + (deps.llmDeadlineMs as number) } : {}) } : input;
  // Invisible characters (zero-width spaces, bidi controls) would split words and echo back.
  const question = stripInvisible(await standaloneQuestion({ ...modelInput, question: stripInvisible(input.question) }, index, deps));
  // The question is analysed once; retrieval and the answerer share its tokens.
  const q = analyzedAsAsked(question, input.question, input.history, index);
  // The extractive answerer reads a few more passages than it cites, to find the best sentence.
  const retrieved = await index.retriever.retrieve({ text: question, tokens: q.tokens }, Math.max(input.k, READ_PASSAGES));
  let answer: Answer;
  if (deps.llm) {
    let result: Generated;
    try {
      result = await generated(question, retrieved, input.k, index, { ...deps, llm: deps.llm }, modelInput, emit);
    } catch (err) {
      if (!(err instanceof UpstreamError) || input.signal?.aborted) throw err;
      deps.onWarning?.('the LLM failed; answering extractively', err);
      result = { kind: 'answer', answer: extractive(q, retrieved, input.k, index, deps, emit, err.message) };
    }
    // Nothing the model wrote held against its passages: the corpus's own sentences instead.
    answer = result.kind === 'answer' ? result.answer : { ...extractive(q, retrieved, input.k, index, deps, emit, UNSUPPORTED_CLAIMS), checks: result.checks };
  } else {
    answer = extractive(q, retrieved, input.k, index, deps, emit);
  }
  emit({ type: 'done', answer });
  return answer;
}
