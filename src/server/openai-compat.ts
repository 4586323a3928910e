/**
 * The Chat Completions API over our answers, as pure functions: a request's messages become a
 * question and a history (then handled exactly as /ask handles them), and an answer becomes a
 * `chat.completion`, or its events a sequence of `chat.completion.chunk`s. The content is the
 * answer with its `[n]` markers followed by a short list of the cited sources, so a client
 * that knows nothing of citations still shows where each claim comes from; the citations
 * themselves travel as an extra field.
 */
import type { Answer, ChatTurn, Citation, StreamEvent } from '../types.js';
import { MAX_HISTORY_TURNS, MODEL_ID, type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest, type ChatMessage } from './schemas.js';

export interface CompletionMeta {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** The index version, reported as system_fingerprint. */
  readonly fingerprint: string;
}

export type ChatQuery = { readonly ok: true; readonly question: string; readonly history: ChatTurn[] } | { readonly ok: false; readonly message: string };

// History turns are only read to resolve follow-ups; a long paste in an early turn should not
// make the whole conversation unusable, so turns are cut to /ask's limit rather than refused.
const MAX_TURN_CHARS = 20_000;

export const ZERO_USAGE = Object.freeze({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });

/** The text of a message's content: a string, or the text parts of an array (others ignored). */
export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

const SOURCES_HEADING = 'Sources:';
// The sources list this module appends; removed again when an answer comes back as history.
const SOURCES_TAIL = /\n\nSources:\n(?:- \[\d+\][^\n]*(?:\n|$))+$/;

/** An assistant turn as the history should see it: without the sources list we appended. */
export function withoutSources(text: string): string {
  return text.replace(SOURCES_TAIL, '');
}

/**
 * The question (the last message, which must be the user's) and the history (the earlier user
 * and assistant turns, the last MAX_HISTORY_TURNS of them). System, developer and tool messages
 * are ignored: answers come from the corpus, whatever a client's system prompt asks.
 */
export function chatQuery(messages: ChatCompletionRequest['messages']): ChatQuery {
  const last = messages.at(-1);
  if (!last || last.role !== 'user') return { ok: false, message: 'messages: the last message must be from the user (it is the question).' };
  const history: ChatTurn[] = [];
  for (const m of messages.slice(0, -1)) {
    if (m.role !== 'user' && m.role !== 'assistant') continue;
    const text = m.role === 'assistant' ? withoutSources(messageText(m.content)) : messageText(m.content);
    if (text.trim()) history.push({ role: m.role, content: text.slice(0, MAX_TURN_CHARS) });
  }
  return { ok: true, question: messageText(last.content), history: history.slice(-MAX_HISTORY_TURNS) };
}

/** The `[n]` numbers a text cites. */
export function citedNumbers(text: string): Set<number> {
  return new Set([...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
}

/** "\n\nSources:\n- [1] heihe.txt — Climate" for the citations `text` cites; empty when it cites none. */
export function sourcesList(citations: readonly Citation[], text: string): string {
  const cited = citedNumbers(text);
  const lines = citations
    .filter((c) => cited.has(c.n))
    .sort((a, b) => a.n - b.n)
    .map((c) => `- [${c.n}] ${c.source}${c.section && c.section !== c.source ? ` — ${c.section}` : ''}`);
  return lines.length ? `\n\n${SOURCES_HEADING}\n${lines.join('\n')}` : '';
}

const grounding = (a: Answer): ChatCompletion['grounding'] => ({
  grounded: a.grounded,
  mode: a.mode,
  indexVersion: a.indexVersion,
  question: a.question,
  ...(a.fallback !== undefined ? { fallback: a.fallback } : {}),
  ...(a.checks !== undefined ? { checks: a.checks } : {}),
});

export function chatCompletion(answer: Answer, meta: CompletionMeta): ChatCompletion {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: MODEL_ID,
    system_fingerprint: meta.fingerprint,
    choices: [{ index: 0, message: { role: 'assistant', content: answer.answer + sourcesList(answer.citations, answer.answer), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { ...ZERO_USAGE },
    citations: [...answer.citations],
    grounding: grounding(answer),
  };
}

/** Shown when a streamed answer restarts (LLM mode fell back after some text was sent). */
export const RESTART_NOTICE = '(The model stopped part-way; here is what the documents say instead.)';

export interface ChunkStream {
  /** The chunks to send for one answer event. */
  push(event: StreamEvent): ChatCompletionChunk[];
}

/**
 * Turns a streamed answer's events into chunks: a role chunk first, the deltas as content,
 * then the sources list and a closing chunk (finish_reason "stop", with the citations), and a
 * usage chunk when asked for. Chunks cannot be taken back, so when an answer restarts (a
 * second `citations` event after text was sent) the text stays, a notice follows, and the new
 * answer's `[n]` are renumbered so that they and the earlier ones each name one passage of
 * one combined list (the same passage keeps its number).
 */
export function chunkStream(meta: CompletionMeta, opts: { includeUsage: boolean }): ChunkStream {
  let combined: Citation[] = [];
  let renumber = new Map<number, number>();
  let sent = '';
  let restarted = false;
  let started = false;
  // A delta ending inside a marker ("[1") waits for the rest, so it is renumbered whole.
  let held = '';

  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'stop' | null, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: MODEL_ID,
    system_fingerprint: meta.fingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(opts.includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const content = (text: string): ChatCompletionChunk[] => {
    if (!text) return [];
    sent += text;
    return [chunk({ content: text }, null)];
  };
  const mapped = (text: string): string => text.replace(/\[(\d+)\]/g, (m, n: string) => (renumber.has(Number(n)) ? `[${renumber.get(Number(n))}]` : m));

  const onCitations = (citations: readonly Citation[]): ChatCompletionChunk[] => {
    if (!sent && !held) {
      combined = [...citations];
      renumber = new Map(citations.map((c) => [c.n, c.n]));
      return [];
    }
    const out = content(mapped(held));
    held = '';
    restarted = true;
    renumber = new Map();
    for (const c of citations) {
      const same = combined.find((x) => x.chunkId === c.chunkId);
      const n = same?.n ?? Math.max(0, ...combined.map((x) => x.n)) + 1;
      if (!same) combined.push({ ...c, n });
      renumber.set(c.n, n);
    }
    return [...out, ...content(`\n\n${RESTART_NOTICE}\n\n`)];
  };

  const onDone = (answer: Answer): ChatCompletionChunk[] => {
    const out = content(mapped(held));
    held = '';
    // Without a restart the numbers are the answer's own; after one, the combined list's:
    // the passages any streamed marker names, and those of the final answer.
    let citations = [...answer.citations];
    if (restarted) {
      const cited = citedNumbers(sent);
      const final = new Set(answer.citations.map((c) => renumber.get(c.n) ?? c.n));
      citations = combined.filter((c) => cited.has(c.n) || final.has(c.n)).sort((a, b) => a.n - b.n);
    }
    out.push(...content(sourcesList(restarted ? combined : answer.citations, sent)));
    out.push(chunk({}, 'stop', { citations, grounding: grounding(answer) }));
    if (opts.includeUsage) out.push({ ...chunk({}, null), choices: [], usage: { ...ZERO_USAGE } });
    return out;
  };

  return {
    push(event) {
      const out: ChatCompletionChunk[] = [];
      if (!started) {
        started = true;
        out.push(chunk({ role: 'assistant', content: '' }, null));
      }
      switch (event.type) {
        case 'citations':
          out.push(...onCitations(event.citations));
          break;
        case 'delta': {
          const text = held + event.text;
          const cut = /\[\d*$/.exec(text);
          held = cut ? cut[0] : '';
          out.push(...content(mapped(cut ? text.slice(0, cut.index) : text)));
          break;
        }
        case 'done':
          out.push(...onDone(event.answer));
          break;
        case 'error':
          break;
      }
      return out;
    },
  };
}
