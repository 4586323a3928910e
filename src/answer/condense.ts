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
  // "Is there a university?" uses an existential "there", not one that points back.
  const withoutExistential = question.replace(/\b(is|are|was|were|isn't|aren't)\s+there\b/gi, '');
  return ANAPHORA.test(withoutExistential) || CONTINUATION.test(question) || content.length <= 1;
}

// A capitalised word right after these describes the thing asked for, not the subject:
// in "Which Russian city lies across from Heihe?" the subject is Heihe, not "Russian".
const WH_DETERMINER = new Set(['which', 'what', 'whose']);

/** Names (capitalised words past the first) of a text, in order, without repeats. */
function names(text: string): string[] {
  const out: string[] = [];
  const tokens = tokenize(text);
  tokens.forEach((t, i) => {
    const raw = text.slice(t.start, t.end);
    if (WH_DETERMINER.has(tokens[i - 1]?.word ?? '')) return;
    if (i > 0 && t.capitalized && !isStopWord(t.word) && !out.includes(raw)) out.push(raw);
  });
  return out;
}

export function condenseOffline(question: string, history: readonly ChatTurn[]): string {
  const q = question.trim();
  if (history.length === 0 || !needsContext(q)) return q;
  const userTurns = history.filter((t) => t.role === 'user').map((t) => t.content);
  const own = new Set(tokenize(q).map((t) => t.stem));
  const about = (carried: readonly string[]): string => `${q.replace(/[?.!\s]+$/, '')} (about ${carried.join(' ')})?`;
  let words: string[] = [];
  for (let i = userTurns.length - 1; i >= 0; i--) {
    const turn = userTurns[i] ?? '';
    const named = names(turn).filter((n) => !own.has(tokenize(n)[0]?.stem ?? ''));
    if (named.length > 0) return about(named);
    const content = tokenize(turn)
      .filter((t) => !isStopWord(t.word) && !own.has(t.stem))
      .map((t) => turn.slice(t.start, t.end));
    // A follow-up without names ("What about the winters there?") took its subject from an
    // earlier turn: look there before settling for its words.
    if (content.length > 0 && !needsContext(turn)) return about(content);
    if (words.length === 0) words = content;
  }
  return words.length > 0 ? about(words) : q;
}
