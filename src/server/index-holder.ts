/**
 * Holds the serving index and swaps it atomically. A request takes the index once, at its
 * start, and finishes on it even if a newer generation is swapped in meanwhile; so every
 * answer's indexVersion names the generation its citations came from.
 */
import { IndexError } from '../errors.js';
import type { ServingIndex } from '../answer/serving-index.js';

export interface IndexHolder {
  /** The live index; throws a 503 IndexError while none is loaded. */
  current(): ServingIndex;
  peek(): ServingIndex | null;
  swap(next: ServingIndex): void;
}

export function createIndexHolder(initial: ServingIndex | null = null): IndexHolder {
  let live = initial;
  return {
    current() {
      if (!live) throw new IndexError('index_missing', 'The index is not loaded yet. Run `npm run ingest` or POST /reindex.');
      return live;
    },
    peek: () => live,
    swap(next) {
      live = next;
    },
  };
}
