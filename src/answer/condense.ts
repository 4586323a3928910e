/**
 * Offline follow-up handling: a question that leans on earlier turns ("And its population?",
 * "What about the winters there?") gets the subject of the earlier user turns carried into
 * it, so retrieval and answering see a standalone question.
 */
import type { ChatTurn } from '../types.js';
import { isStopWord, tokenize } from '../text/tokenize.js';

const ANAPHORA = /\b(it|its|it's|there|they|them|their|theirs|this|that|these|those|he|she|his|her|the city|the town)\b/i;
const CONTINUATION = /^\s*(and|also|what about|how about|and what about|what else)\b/i;

export function needsContext(question: string): boolean {
  const content = tokenize(question).filter((t) => !isStopWord(t.word));
  return ANAPHORA.test(question) || CONTINUATION.test(question) || content.length <= 1;
}

/** Names (capitalised words past the first) of a text, in order, without repeats. */
function names(text: string): string[] {
  const out: string[] = [];
  tokenize(text).forEach((t, i) => {
    const raw = text.slice(t.start, t.end);
    if (i > 0 && t.capitalized && !isStopWord(t.word) && !out.includes(raw)) out.push(raw);
  });
  return out;
}

export function condenseOffline(question: string, history: readonly ChatTurn[]): string {
  const q = question.trim();
  if (history.length === 0 || !needsContext(q)) return q;
  const userTurns = history.filter((t) => t.role === 'user').map((t) => t.content);
  const own = new Set(tokenize(q).map((t) => t.stem));
  for (let i = userTurns.length - 1; i >= 0; i--) {
    const turn = userTurns[i] ?? '';
    let carried = names(turn).filter((n) => !own.has(tokenize(n)[0]?.stem ?? ''));
    if (carried.length === 0) {
      carried = tokenize(turn)
        .filter((t) => !isStopWord(t.word) && !own.has(t.stem))
        .map((t) => turn.slice(t.start, t.end));
    }
    if (carried.length > 0) return `${q.replace(/[?.!\s]+$/, '')} (about ${carried.join(' ')})?`;
  }
  return q;
}
