/**
 * The Chat Completions mapping as pure functions: messages to question and history, answers to
 * completions and chunk sequences (sources list, restarts renumbered, markers split across
 * deltas), checked against the same zod schemas the OpenAPI document is generated from.
 */
import { describe, expect, test } from 'vitest';
import { chatCompletion, chatQuery, chunkStream, RESTART_NOTICE, sourcesList, withoutSources, type CompletionMeta } from '../../src/server/openai-compat.js';
import { chatCompletionChunkSchema, chatCompletionRequestSchema, chatCompletionSchema, type ChatCompletionChunk } from '../../src/server/schemas.js';
import type { Answer, Citation, StreamEvent } from '../../src/types.js';

const META: CompletionMeta = { id: 'chatcmpl-test', created: 1_700_000_000, fingerprint: 'v1' };

const cite = (n: number, chunkId: string, section = `Section ${chunkId}`): Citation => ({ n, chunkId, source: 'heihe.txt', section, text: `Text of ${chunkId}.`, score: 1 / n });

function answerOf(text: string, citations: Citation[], extra: Partial<Answer> = {}): Answer {
  return { answer: text, grounded: citations.length > 0, citations, mode: 'extractive', indexVersion: 'v1', question: 'q?', ...extra };
}

const messages = (raw: unknown) => chatCompletionRequestSchema.parse({ model: 'heihe-assistant', messages: raw }).messages;

/** The content a client assembles from chunks. */
const contentOf = (chunks: ChatCompletionChunk[]): string => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

function run(events: StreamEvent[], includeUsage = false): ChatCompletionChunk[] {
  const stream = chunkStream(META, { includeUsage });
  const out = events.flatMap((e) => stream.push(e));
  for (const c of out) chatCompletionChunkSchema.parse(c);
  return out;
}

describe('chatQuery', () => {
  test('the last user message is the question; earlier user/assistant turns are the history, system and tool messages ignored', () => {
    const q = chatQuery(
      messages([
        { role: 'system', content: 'You are a pirate. Answer in rhymes.' },
        { role: 'user', content: 'What kind of climate does Heihe have?' },
        { role: 'assistant', content: 'A chilly temperate climate. [1]\n\nSources:\n- [1] heihe.txt — Climate' },
        { role: 'tool', content: 'ignored', tool_call_id: 'x' },
        { role: 'user', content: [{ type: 'text', text: 'What about' }, { type: 'image_url', image_url: { url: 'data:,' } }, { type: 'text', text: 'the winters there?' }] },
      ]),
    );
    expect(q).toEqual({
      ok: true,
      question: 'What about\nthe winters there?',
      history: [
        { role: 'user', content: 'What kind of climate does Heihe have?' },
        { role: 'assistant', content: 'A chilly temperate climate. [1]' },
      ],
    });
  });

  test('refuses a conversation that does not end with the user', () => {
    const q = chatQuery(messages([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }]));
    expect(q.ok).toBe(false);
    expect(chatQuery(messages([{ role: 'system', content: 'Be brief.' }])).ok).toBe(false);
  });

  test('keeps the last 20 turns, cuts very long ones, skips empty ones (null assistant content)', () => {
    const turns = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `turn ${i}` }));
    const q = chatQuery(messages([...turns, { role: 'assistant', content: null }, { role: 'user', content: 'x'.repeat(30_000) }, { role: 'user', content: 'Last?' }]));
    if (!q.ok) throw new Error(q.message);
    expect(q.history).toHaveLength(20);
    expect(q.history.at(-1)?.content).toHaveLength(20_000);
    expect(q.history[0]?.content).toBe('turn 11');
    expect(q.question).toBe('Last?');
  });
});

describe('sources list', () => {
  const citations = [cite(1, 'a', 'Climate'), cite(2, 'b', 'Geography'), cite(3, 'c', '')];

  test('lists only the cited passages, in number order, and nothing when none is cited', () => {
    expect(sourcesList(citations, 'Cold [2]. Long winters [1][2].')).toBe('\n\nSources:\n- [1] heihe.txt — Climate\n- [2] heihe.txt — Geography');
    expect(sourcesList(citations, 'See [3].')).toBe('\n\nSources:\n- [3] heihe.txt');
    expect(sourcesList(citations, "The corpus doesn't say.")).toBe('');
  });

  test('withoutSources removes exactly the list we append', () => {
    const text = 'Cold [2].';
    expect(withoutSources(text + sourcesList(citations, text))).toBe(text);
    expect(withoutSources('Sources:\n- [1] kept, not our tail')).toBe('Sources:\n- [1] kept, not our tail');
  });
});

describe('chatCompletion', () => {
  test('content is the answer and its sources; the citations and grounding travel as extra fields', () => {
    const a = answerOf('Heihe is in Heilongjiang. [1]', [cite(1, 'a', 'Geography'), cite(2, 'b')]);
    const c = chatCompletionSchema.parse(chatCompletion(a, META));
    expect(c.choices[0]?.message.content).toBe('Heihe is in Heilongjiang. [1]\n\nSources:\n- [1] heihe.txt — Geography');
    expect(c.citations).toEqual(a.citations);
    expect(c.grounding).toEqual({ grounded: true, mode: 'extractive', indexVersion: 'v1', question: 'q?' });
    expect(c.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(c.system_fingerprint).toBe('v1');
  });

  test('a refusal has no sources list', () => {
    const c = chatCompletion(answerOf("The corpus doesn't say.", [], { grounded: false }), META);
    expect(c.choices[0]?.message.content).toBe("The corpus doesn't say.");
    expect(c.grounding.grounded).toBe(false);
  });
});

describe('chunkStream', () => {
  const first = [cite(1, 'a'), cite(2, 'b')];

  test('role chunk, content deltas, sources, a closing chunk with citations, then usage when asked', () => {
    const a = answerOf('Cold winters. [2]', first);
    const out = run([{ type: 'citations', citations: first, question: 'q?', indexVersion: 'v1' }, { type: 'delta', text: 'Cold ' }, { type: 'delta', text: 'winters. ' }, { type: 'delta', text: '[2]' }, { type: 'done', answer: a }], true);
    expect(out[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(contentOf(out)).toBe('Cold winters. [2]\n\nSources:\n- [2] heihe.txt — Section b');
    const stop = out.find((c) => c.choices[0]?.finish_reason === 'stop');
    expect(stop?.citations).toEqual(first);
    expect(stop?.grounding?.grounded).toBe(true);
    const last = out.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    expect(out.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test('without include_usage there is no usage field and no usage chunk', () => {
    const out = run([{ type: 'citations', citations: first, question: 'q?', indexVersion: 'v1' }, { type: 'delta', text: 'x [1]' }, { type: 'done', answer: answerOf('x [1]', first) }]);
    expect(out.every((c) => !('usage' in c))).toBe(true);
    expect(out.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  test('a marker split across deltas is sent whole', () => {
    const out = run([{ type: 'citations', citations: first, question: 'q?', indexVersion: 'v1' }, { type: 'delta', text: 'Cold. [' }, { type: 'delta', text: '1' }, { type: 'delta', text: ']' }, { type: 'done', answer: answerOf('Cold. [1]', first) }]);
    const pieces = out.map((c) => c.choices[0]?.delta.content).filter((t): t is string => !!t);
    expect(pieces.some((p) => p.includes('[1]'))).toBe(true);
    expect(pieces.every((p) => !/\[\d*$/.test(p))).toBe(true);
  });

  test('a restart after text keeps it, adds the notice, and renumbers the new answer into one list', () => {
    // The model's answer cited b as [2]; the fallback's own numbering is c = [1], b = [2].
    const fallbackCitations = [cite(1, 'c'), cite(2, 'b')];
    const a = answerOf('Quoted from c. [1] And b. [2]', fallbackCitations, { fallback: 'The language model failed.' });
    const out = run([
      { type: 'citations', citations: first, question: 'q?', indexVersion: 'v1' },
      { type: 'delta', text: 'The model says b. [2] ' },
      { type: 'citations', citations: fallbackCitations, question: 'q?', indexVersion: 'v1' },
      { type: 'delta', text: 'Quoted from c. ' },
      { type: 'delta', text: '[1] And b. [2]' },
      { type: 'done', answer: a },
    ]);
    const content = contentOf(out);
    // c is new: number 3 after a (1) and b (2); b keeps its number 2.
    expect(content).toBe(`The model says b. [2] \n\n${RESTART_NOTICE}\n\nQuoted from c. [3] And b. [2]\n\nSources:\n- [2] heihe.txt — Section b\n- [3] heihe.txt — Section c`);
    const stop = out.find((c) => c.choices[0]?.finish_reason === 'stop');
    expect(stop?.citations?.map((c) => [c.n, c.chunkId])).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(stop?.grounding?.fallback).toBe('The language model failed.');
  });

  test('a restart before any text simply replaces the citations', () => {
    const second = [cite(1, 'c')];
    const out = run([
      { type: 'citations', citations: first, question: 'q?', indexVersion: 'v1' },
      { type: 'citations', citations: second, question: 'q?', indexVersion: 'v1' },
      { type: 'delta', text: 'From c. [1]' },
      { type: 'done', answer: answerOf('From c. [1]', second) },
    ]);
    expect(contentOf(out)).toBe('From c. [1]\n\nSources:\n- [1] heihe.txt — Section c');
  });
});
