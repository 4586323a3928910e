// @vitest-environment happy-dom
/**
 * One answer area (public/answer-view.js) in a DOM: while streaming, markers become buttons
 * and their sources join the list in number order as they arrive; a second `citations` event
 * starts the text over; the final answer shows only the cited sources, and a refusal shows
 * the passages that came closest.
 */
import { describe, expect, test } from 'vitest';
import { createAnswerView } from '../../public/answer-view.js';
import { createPopovers } from '../../public/popover.js';
import type { Answer, Citation } from '../../src/types.js';

const citation = (n: number, section = `Section ${n}`): Citation => ({ n, chunkId: `c${n}`, source: 'heihe.txt', section, text: `Passage ${n}. Quoted sentence ${n}.`, score: 1, quotes: [{ start: 11, end: 29 }] });
const CITATIONS = [1, 2, 3].map((n) => citation(n));

function view() {
  const a = document.createElement('div');
  document.body.append(a);
  const v = createAnswerView(a, { id: 't1', question: 'Q?' }, {
    popovers: createPopovers(),
    announcer: document.createElement('div'),
    isNearBottom: () => false,
    scrollToBottom: () => {},
    feedback: { send: async () => {}, saved: () => {}, noteChars: () => 2000, describeError: () => 'x', announcer: document.createElement('div') },
  });
  return { a, v };
}

const sourceNumbers = (a: Element) => Array.from(a.querySelectorAll('.sources li .source-n')).map((e) => e.textContent);

describe('createAnswerView', () => {
  test('while streaming, markers and their sources appear as they arrive, sources in number order', () => {
    const { a, v } = view();
    v.setState('streaming');
    v.setCitations(CITATIONS);
    v.appendDelta('The river [');
    expect(a.querySelectorAll('.a-body .cite')).toHaveLength(0);
    v.appendDelta('3]. The city [1');
    expect(Array.from(a.querySelectorAll('.a-body .cite')).map((b) => b.textContent)).toEqual(['[3]']);
    expect(sourceNumbers(a)).toEqual(['[3]']);
    v.appendDelta(']. Again [3].');
    expect(sourceNumbers(a)).toEqual(['[1]', '[3]']);
    expect(a.querySelector('.a-body')?.textContent).toBe('The river [3]. The city [1]. Again [3].');
    expect(v.streamedText()).toBe('The river [3]. The city [1]. Again [3].');
    // The passage in the list has its quote marked.
    expect(a.querySelector('.sources li mark')?.textContent).toBe('Quoted sentence 1.');

    // A restart (LLM fallback after partial output) drops what streamed.
    v.setCitations(CITATIONS);
    expect(a.querySelector('.a-body')?.textContent).toBe('');
    expect(a.querySelector('.sources')).toBeNull();
  });

  test('the final answer shows only the sources its markers cite', () => {
    const { a, v } = view();
    const answer: Answer = { answer: 'It is on the Amur [2].', grounded: true, citations: CITATIONS, mode: 'extractive', indexVersion: 'v1', question: 'Q?' };
    v.renderDone(answer);
    expect(a.dataset['state']).toBe('done');
    expect(a.dataset['grounded']).toBe('true');
    expect(sourceNumbers(a)).toEqual(['[2]']);
    expect(a.querySelector('.related')).toBeNull();
    expect(a.querySelector('.feedback')).not.toBeNull();
  });

  test('a refusal shows the passages that came closest, unnumbered, and no sources', () => {
    const { a, v } = view();
    const related = [citation(1, 'Healthcare'), citation(2, 'Climate'), citation(3, 'Trade')].map(({ quotes: _q, ...c }) => c);
    v.renderDone({ answer: "The corpus doesn't say.", grounded: false, citations: [], related, mode: 'extractive', indexVersion: 'v1', question: 'Q?' });
    expect(a.dataset['grounded']).toBe('false');
    expect(a.querySelector('.badge')?.textContent).toBe('Not in the corpus');
    expect(a.querySelector('.sources')).toBeNull();
    expect(a.querySelector('.related .sources-title')?.textContent).toBe('These passages came closest:');
    expect(Array.from(a.querySelectorAll('.related .source-section')).map((e) => e.textContent)).toEqual(['Healthcare', 'Climate', 'Trade']);
    expect(a.querySelectorAll('.related .source-n')).toHaveLength(0);
    expect(a.querySelectorAll('.related mark')).toHaveLength(0);
  });
});
