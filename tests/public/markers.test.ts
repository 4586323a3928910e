// @vitest-environment happy-dom
/**
 * Marker rendering (public/markers.js) in a DOM: "[n]" and "[n, m]" become markers only when
 * every number names a citation, whatever the pieces the text streams in; an unfinished
 * marker waits as text; quoted ranges of a passage are wrapped in <mark>.
 */
import { describe, expect, test } from 'vitest';
import { appendQuotedPassage, createMarkedWriter, normaliseQuotes, renderMarkedText } from '../../public/markers.js';
import type { Citation } from '../../src/types.js';

const citation = (n: number): Citation => ({ n, chunkId: `c${n}`, source: 'heihe.txt', section: `Section ${n}`, text: `Passage ${n}.`, score: 1 });
const CITATIONS = new Map([1, 2, 3].map((n) => [n, citation(n)]));

/** A writer into a fresh <div> whose markers are <button data-n>; records cited numbers. */
function setup() {
  const div = document.createElement('div');
  const cited: number[] = [];
  const opts = {
    citation: (n: number) => CITATIONS.get(n),
    marker: (c: Citation) => {
      const b = document.createElement('button');
      b.dataset['n'] = String(c.n);
      b.textContent = `[${c.n}]`;
      return b;
    },
    onCite: (n: number) => cited.push(n),
  };
  return { div, cited, opts };
}

/** The container as a readable string: markers as {n}, text as is. */
const shape = (div: Element): string =>
  Array.from(div.childNodes)
    .map((n) => (n instanceof HTMLElement && n.dataset['n'] ? `{${n.dataset['n']}}` : (n.textContent ?? '')))
    .join('');

describe('renderMarkedText', () => {
  test('known markers become elements, groups become one per number; unknown ones stay text', () => {
    const { div, opts } = setup();
    const cited = renderMarkedText(div, 'Heihe is on the Amur [2]. It faces Russia [1, 3]. A zoo [7]. A list [1, 9].', opts);
    expect(shape(div)).toBe('Heihe is on the Amur {2}. It faces Russia {1}{3}. A zoo [7]. A list [1, 9].');
    expect(cited).toEqual([1, 2, 3]);
    expect(div.querySelectorAll('button')).toHaveLength(3);
  });

  test('markup in the text stays text', () => {
    const { div, opts } = setup();
    renderMarkedText(div, '<img src=x onerror=alert(1)> [1]', opts);
    expect(div.querySelector('img')).toBeNull();
    expect(div.textContent).toBe('<img src=x onerror=alert(1)> [1]');
  });
});

describe('createMarkedWriter (streaming)', () => {
  const TEXT = 'The Amur River forms the border [1]. Winters are cold [2, 3]. Not a marker [x] or [12]. End [1]';

  test('gives the same result whatever the pieces, even split inside a marker', () => {
    const whole = setup();
    renderMarkedText(whole.div, TEXT, whole.opts);
    for (const size of [1, 2, 3, 5, 8]) {
      const { div, cited, opts } = setup();
      const writer = createMarkedWriter(div, opts);
      for (let i = 0; i < TEXT.length; i += size) writer.push(TEXT.slice(i, i + size));
      writer.end();
      expect(shape(div)).toBe(shape(whole.div));
      expect(shape(div)).toBe('The Amur River forms the border {1}. Winters are cold {2}{3}. Not a marker [x] or [12]. End {1}');
      expect(writer.text()).toBe(TEXT);
      expect(cited).toEqual([1, 2, 3]);
    }
  });

  test('a marker is drawn as soon as its bracket closes; an open one waits as plain text', () => {
    const { div, cited, opts } = setup();
    const writer = createMarkedWriter(div, opts);
    writer.push('The border [');
    expect(shape(div)).toBe('The border [');
    expect(div.querySelector('button')).toBeNull();
    writer.push('1');
    expect(shape(div)).toBe('The border [1');
    writer.push(']. Next');
    expect(shape(div)).toBe('The border {1}. Next');
    expect(cited).toEqual([1]);
    writer.push(' [2');
    writer.end();
    // Never closed: text.
    expect(shape(div)).toBe('The border {1}. Next [2');
    expect(div.querySelectorAll('button')).toHaveLength(1);
  });

  test('onCite hears each number once, in order of first appearance', () => {
    const { div, cited, opts } = setup();
    const writer = createMarkedWriter(div, opts);
    for (const piece of ['A [3]', ' B [1]', ' C [3, 1]', ' D [2]']) writer.push(piece);
    writer.end();
    expect(cited).toEqual([3, 1, 2]);
    expect(writer.cited()).toEqual([3, 1, 2]);
  });
});

describe('quoted passages', () => {
  test('quoted ranges are wrapped in <mark>; the text is unchanged', () => {
    const text = 'First sentence. Second one is quoted. Third. Fourth is quoted too.';
    const q1 = { start: text.indexOf('Second'), end: text.indexOf(' Third') };
    const q2 = { start: text.indexOf('Fourth'), end: text.length };
    const p = document.createElement('p');
    const first = appendQuotedPassage(p, text, [q2, q1]);
    expect(p.textContent).toBe(text);
    expect(Array.from(p.querySelectorAll('mark')).map((m) => m.textContent)).toEqual(['Second one is quoted.', 'Fourth is quoted too.']);
    expect(first?.textContent).toBe('Second one is quoted.');
  });

  test('no quotes, no marks; bad ranges are clamped, merged or dropped', () => {
    const p = document.createElement('p');
    expect(appendQuotedPassage(p, 'Plain <b>text</b>.', undefined)).toBeNull();
    expect(p.textContent).toBe('Plain <b>text</b>.');
    expect(p.querySelector('b')).toBeNull();
    expect(normaliseQuotes([{ start: -5, end: 3 }, { start: 2, end: 6 }, { start: 8, end: 8 }, { start: 9, end: 99 }, { start: 1.5, end: 4 }], 10)).toEqual([
      { start: 0, end: 6 },
      { start: 9, end: 10 },
    ]);
  });
});
