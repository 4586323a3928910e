// @ts-check
/**
 * Answer text with citation markers: "[1]" or "[1, 2]" become marker elements when every
 * number names a known citation (an unknown "[7]" stays text rather than a dead button).
 * The writer renders text as it streams in: a marker is drawn the moment its closing bracket
 * arrives, and only a possible marker still open at the end ("… [1") waits as plain text.
 * Also: passage text with the quoted sentence(s) wrapped in <mark>.
 */

/** @typedef {import('./types.js').Citation} Citation */
/** @typedef {import('./types.js').Quote} Quote */

const MARKER = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
/** The start of a marker that may still be completed by the next piece of text. */
const OPEN_MARKER = /\[[\d\s,]*$/;

/**
 * @typedef {object} MarkedWriterOptions
 * @property {(n: number) => Citation | undefined} citation the citation numbered n, if any
 * @property {(c: Citation) => Node} marker builds the element for one cited number
 * @property {(n: number) => void} [onCite] told of each cited number, on its first marker
 */

/**
 * Writes marked text into `container`, piece by piece.
 * @param {Element} container
 * @param {MarkedWriterOptions} opts
 */
export function createMarkedWriter(container, opts) {
  let raw = '';
  let pending = '';
  /** @type {number[]} */
  const cited = [];
  /** Holds the open tail; stays last in the container. */
  const tail = document.createTextNode('');
  container.append(tail);

  /** @param {string} text complete text (no open marker at its end) */
  function render(text) {
    let last = 0;
    for (const m of text.matchAll(MARKER)) {
      const numbers = (m[1] ?? '').split(',').map((s) => Number(s.trim()));
      const citations = numbers.map((n) => opts.citation(n));
      if (!citations.every((c) => c !== undefined)) continue;
      if (m.index > last) tail.before(document.createTextNode(text.slice(last, m.index)));
      for (const c of citations) {
        tail.before(opts.marker(c));
        if (!cited.includes(c.n)) {
          cited.push(c.n);
          opts.onCite?.(c.n);
        }
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) tail.before(document.createTextNode(text.slice(last)));
  }

  return {
    /** @param {string} text the next piece */
    push(text) {
      if (!text) return;
      raw += text;
      const all = pending + text;
      const open = OPEN_MARKER.exec(all);
      const ready = open ? all.slice(0, open.index) : all;
      pending = open ? all.slice(open.index) : '';
      if (ready) render(ready);
      tail.data = pending;
    },
    /** The text is complete: an unfinished marker stays text. */
    end() {
      const rest = pending;
      pending = '';
      tail.data = '';
      if (rest) render(rest);
      tail.remove();
    },
    /** Everything pushed so far. */
    text() {
      return raw;
    },
    /** Cited numbers in order of first appearance. */
    cited() {
      return [...cited];
    },
  };
}

/**
 * Renders a whole marked text at once. Returns the cited numbers, ascending.
 * @param {Element} container
 * @param {string} text
 * @param {MarkedWriterOptions} opts
 * @returns {number[]}
 */
export function renderMarkedText(container, text, opts) {
  const writer = createMarkedWriter(container, opts);
  writer.push(text);
  writer.end();
  return writer.cited().sort((a, b) => a - b);
}

/**
 * Quote ranges clamped to the text, sorted, overlapping ones merged; empty ones dropped.
 * @param {readonly Quote[] | undefined} quotes
 * @param {number} length
 * @returns {Quote[]}
 */
export function normaliseQuotes(quotes, length) {
  /** @type {Quote[]} */
  const out = [];
  const sorted = (quotes ?? [])
    .filter((q) => Number.isInteger(q.start) && Number.isInteger(q.end))
    .map((q) => ({ start: Math.max(0, q.start), end: Math.min(length, q.end) }))
    .filter((q) => q.start < q.end)
    .sort((a, b) => a.start - b.start);
  for (const q of sorted) {
    const prev = out.at(-1);
    if (prev && q.start <= prev.end) out[out.length - 1] = { start: prev.start, end: Math.max(prev.end, q.end) };
    else out.push(q);
  }
  return out;
}

/**
 * Appends passage `text` to `container` with its quoted ranges in <mark>. Returns the first
 * <mark>, or null when nothing is quoted.
 * @param {Element} container
 * @param {string} text
 * @param {readonly Quote[] | undefined} quotes
 * @returns {HTMLElement | null}
 */
export function appendQuotedPassage(container, text, quotes) {
  /** @type {HTMLElement | null} */
  let first = null;
  let last = 0;
  for (const q of normaliseQuotes(quotes, text.length)) {
    if (q.start > last) container.append(document.createTextNode(text.slice(last, q.start)));
    const mark = document.createElement('mark');
    mark.className = 'quote';
    mark.textContent = text.slice(q.start, q.end);
    container.append(mark);
    first ??= mark;
    last = q.end;
  }
  if (last < text.length) container.append(document.createTextNode(text.slice(last)));
  return first;
}
