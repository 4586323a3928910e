/**
 * Follow-ups made from labelled questions, so the ranker learns from examples how much a
 * follow-up's carried words count (condense.ts adds them; question.ts marks them): a question
 * asked after the one before it in its article, the name both share replaced by a pronoun
 * ("When did the Normans conquer England?" after "Who were the Normans?" → "When did they
 * conquer England?"). Its answer is the original question's.
 */
import { tokenize, type Token } from '../text/tokenize.js';
import { namesOf } from '../answer/condense.js';

// A plural name after a preposition or a past participle ("defeated the Normans") is an object
// ("them"), else a subject ("they").
const PREPOSITIONS = new Set(['of', 'in', 'on', 'at', 'by', 'for', 'from', 'to', 'with', 'about', 'against', 'between', 'among', 'into', 'over', 'under', 'than', 'like']);
const isObjectAfter = (key: string): boolean => PREPOSITIONS.has(key) || /[a-z]{3}ed$/.test(key);
const POSSESSIVE = /['’]s?$/;
// A possessive apostrophe the tokenizer leaves outside the word ("the Huguenots' religion").
const TRAILING_POSSESSIVE = /^['’]s?/;

/** The run of capitalised content tokens around token `i` (a name of several words), as token indices. */
function nameRun(tokens: readonly Token[], text: string, i: number): [number, number] {
  const joined = (a: Token, b: Token): boolean => /^\s+$/.test(text.slice(a.end, b.start)) || a.end === b.start;
  const inName = (t: Token | undefined): t is Token => t !== undefined && t.capitalized && !t.stop && t.number === null;
  let from = i;
  let to = i;
  while (from > 1 && inName(tokens[from - 1]) && joined(tokens[from - 1] as Token, tokens[from] as Token)) from--;
  while (inName(tokens[to + 1]) && joined(tokens[to] as Token, tokens[to + 1] as Token) && !POSSESSIVE.test(text.slice((tokens[to] as Token).start, (tokens[to] as Token).end))) to++;
  return [from, to];
}

/**
 * `question` asked as a follow-up to `previous`: its first name that `previous` also has
 * replaced by "it", "they"/"them" (a plural after "the") or "its"/"their" (a possessive); null
 * when they share no name.
 */
export function pronounFollowUp(question: string, previous: string): string | null {
  const before = previous.toLowerCase();
  const shared = namesOf(question).find((n) => before.includes(n.replace(POSSESSIVE, '').toLowerCase()));
  if (!shared) return null;
  const tokens = tokenize(question);
  const at = tokens.findIndex((t, i) => i > 0 && question.slice(t.start, t.end).replace(POSSESSIVE, '') === shared.replace(POSSESSIVE, ''));
  if (at < 0) return null;
  const [from, to] = nameRun(tokens, question, at);
  const first = tokens[from] as Token;
  const last = tokens[to] as Token;
  const lastRaw = question.slice(last.start, last.end);
  const trailing = TRAILING_POSSESSIVE.exec(question.slice(last.end))?.[0] ?? '';
  const article = tokens[from - 1]?.key === 'the' ? (tokens[from - 1] as Token) : null;
  const plural = article !== null && /s$/.test(lastRaw.replace(POSSESSIVE, ''));
  const possessive = POSSESSIVE.test(lastRaw) || trailing !== '';
  const precedingKey = tokens[(article ? from - 1 : from) - 1]?.key ?? '';
  const pronoun = possessive ? (plural ? 'their' : 'its') : plural ? (isObjectAfter(precedingKey) ? 'them' : 'they') : 'it';
  const start = article ? article.start : first.start;
  return `${question.slice(0, start)}${pronoun}${question.slice(last.end + trailing.length)}`;
}
