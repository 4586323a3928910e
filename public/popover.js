// @ts-check
/**
 * Citation markers and their popovers: hover (mouse) shows the cited passage, click or Enter
 * pins or unpins it, Escape or a click elsewhere closes it. Only one is open at a time; it is
 * built on demand and removed on close. The quoted sentence(s) are in <mark> and scrolled into
 * view inside the popover; a passage taller than the popover says so at its foot.
 */
import { button, el, prefersReducedMotion } from './dom.js';
import { appendQuotedPassage } from './markers.js';

/** @typedef {import('./types.js').Citation} Citation */
/** @typedef {{ wrap: HTMLElement, button: HTMLButtonElement, citation: Citation, turnId: string, popId: string }} Marker */

/** Delays that keep a hover popover from flickering when the pointer only passes by. */
const HOVER_OPEN_MS = 120;
const HOVER_CLOSE_MS = 200;

/** @param {string} turnId @param {number} n */
export const sourceId = (turnId, n) => `src-${turnId}-${n}`;

export function createPopovers() {
  /** @type {{ marker: Marker, pop: HTMLElement, pinned: boolean } | null} */
  let open = null;
  let hoverTimer = 0;
  let popCounter = 0;

  /** @param {{ restoreFocus?: boolean }} [opts] */
  function close({ restoreFocus = false } = {}) {
    window.clearTimeout(hoverTimer);
    if (!open) return;
    const { marker, pop } = open;
    open = null;
    pop.remove();
    marker.button.setAttribute('aria-expanded', 'false');
    if (restoreFocus) marker.button.focus();
  }

  /** @param {Marker} marker */
  function build(marker) {
    const { citation } = marker;
    const pop = el('span', 'cite-pop');
    pop.id = marker.popId;
    pop.setAttribute('role', 'note');
    pop.setAttribute('aria-label', `Citation ${citation.n}`);
    // A visible close control: on touch there is no hover to leave and no Escape key.
    const closer = button('pop-close', '×', 'Close citation');
    closer.addEventListener('click', () => close({ restoreFocus: true }));
    pop.append(el('span', 'section', citation.section || 'Untitled section'));
    if (citation.source) pop.append(el('span', 'pop-source', citation.source));
    const passage = el('span', 'passage');
    const mark = appendQuotedPassage(passage, citation.text || '', citation.quotes);
    pop.append(passage, el('span', 'pop-more', 'Scroll for the rest of the passage'), closer);
    // Clicks inside the popover (selecting text, scrolling) must not count as "outside".
    pop.addEventListener('click', (e) => e.stopPropagation());
    pop.addEventListener('scroll', () => markOverflow(pop));
    return { pop, mark };
  }

  /**
   * Shows the quote: scrolls the popover (not the page) so the first <mark> sits near its top,
   * then says whether more passage lies below.
   * @param {HTMLElement} pop
   * @param {HTMLElement | null} mark
   */
  function reveal(pop, mark) {
    if (mark && pop.scrollHeight > pop.clientHeight) {
      const top = mark.getBoundingClientRect().top - pop.getBoundingClientRect().top + pop.scrollTop;
      pop.scrollTop = Math.max(0, top - pop.clientHeight * 0.2);
    }
    markOverflow(pop);
  }

  /** @param {HTMLElement} pop */
  function markOverflow(pop) {
    const overflows = pop.scrollHeight > pop.clientHeight + 1;
    pop.dataset.overflow = String(overflows);
    pop.dataset.atEnd = String(!overflows || pop.scrollTop + pop.clientHeight >= pop.scrollHeight - 2);
  }

  /**
   * Chooses a side with classes rather than inline coordinates (the CSP forbids inline styles):
   * toward the roomier half of the answer column, and above the marker when it sits low in the
   * viewport. On narrow screens CSS turns the popover into a bottom sheet and ignores these.
   * @param {Marker} marker
   * @param {HTMLElement} pop
   */
  function place(marker, pop) {
    const rect = marker.button.getBoundingClientRect();
    const column = marker.wrap.closest('.a') ?? document.body;
    const colRect = column.getBoundingClientRect();
    pop.classList.toggle('pop-end', rect.left - colRect.left > colRect.width / 2);
    pop.classList.toggle('pop-above', rect.bottom > window.innerHeight * 0.55);
  }

  /** @param {Marker} marker @param {boolean} pinned */
  function show(marker, pinned) {
    if (open && open.marker === marker) {
      open.pinned = open.pinned || pinned;
      return;
    }
    close();
    const { pop, mark } = build(marker);
    marker.wrap.append(pop);
    place(marker, pop);
    reveal(pop, mark);
    marker.button.setAttribute('aria-expanded', 'true');
    open = { marker, pop, pinned };
  }

  /** @param {Marker} marker */
  function highlightSource(marker) {
    const li = document.getElementById(sourceId(marker.turnId, marker.citation.n));
    if (!li) return;
    li.classList.remove('highlight');
    void li.offsetWidth; // restarts the CSS animation when the same source is highlighted twice
    li.classList.add('highlight');
    li.scrollIntoView({ block: 'nearest', behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }

  /** @param {Marker} marker */
  function onClick(marker) {
    window.clearTimeout(hoverTimer);
    if (open && open.marker === marker && open.pinned) {
      close();
      return;
    }
    show(marker, true);
    highlightSource(marker);
  }

  /** @param {Marker} marker */
  function hoverOpen(marker) {
    window.clearTimeout(hoverTimer);
    if (open && (open.marker === marker || open.pinned)) return; // a pinned popover stays until dismissed
    hoverTimer = window.setTimeout(() => show(marker, false), HOVER_OPEN_MS);
  }

  /** @param {Marker} marker */
  function hoverClose(marker) {
    window.clearTimeout(hoverTimer);
    if (!open || open.marker !== marker || open.pinned) return;
    hoverTimer = window.setTimeout(() => {
      if (open && open.marker === marker && !open.pinned) close();
    }, HOVER_CLOSE_MS);
  }

  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !open) return;
    close({ restoreFocus: open.marker.wrap.contains(document.activeElement) });
  });
  // A tap or click anywhere else dismisses the popover (marker clicks stop propagation).
  document.addEventListener('click', () => close());
  window.addEventListener('resize', () => close());

  return {
    close,
    /**
     * A marker for `citation`: a wrapper (so the popover can sit next to it) holding the [n] button.
     * @param {Citation} citation
     * @param {string} turnId
     * @returns {HTMLElement}
     */
    marker(citation, turnId) {
      const n = citation.n;
      const wrap = el('span', 'cite-wrap');
      const b = button('cite', `[${n}]`, `Citation ${n}`);
      b.dataset.n = String(n);
      b.setAttribute('aria-expanded', 'false');
      const popId = `pop-${++popCounter}`;
      b.setAttribute('aria-controls', popId);
      wrap.append(b);
      /** @type {Marker} */
      const marker = { wrap, button: b, citation, turnId, popId };
      b.addEventListener('click', (event) => {
        event.stopPropagation();
        onClick(marker);
      });
      // Hover only for real mice: on touch, pointerenter fires right before click and would fight it.
      wrap.addEventListener('pointerenter', (e) => {
        if (e.pointerType === 'mouse') hoverOpen(marker);
      });
      wrap.addEventListener('pointerleave', (e) => {
        if (e.pointerType === 'mouse') hoverClose(marker);
      });
      return wrap;
    },
  };
}

/** @typedef {ReturnType<typeof createPopovers>} Popovers */
