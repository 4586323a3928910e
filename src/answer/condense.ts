/**
 * Offline follow-up handling: makes a question that leans on earlier turns standalone before
 * it is searched, deciding from the question's own form (and which of its words the corpus
 * knows) what it takes from them.
 *  - A full question with a name of its own ("When did the Normans reach Italy?") stands alone.
 *  - A question with a topic of its own that the corpus knows ("Is there a university?", "What
 *    about its population?": a possessive points at the subject) keeps its words and gets only
 *    the conversation's subject added: the names of the latest user turn that has any, or,
 *    when no turn names anything, the name the corpus is about.
 *  - A question that points back at the earlier topic ("When was it signed?", "Which ones?",
 *    "How many beds does it have?") also gets the earlier question's topic words. One whose
 *    own words the corpus does not know is a new topic ("How do I bake bread?"), left to be
 *    refused.
 *  - A fragment that only swaps the subject ("And Blagoveshchensk?") takes the previous
 *    question with the new name in place of the old.
 *  - A fragment that only adds a modifier ("And in summer?") takes the previous question with
 *    the modifier in place of the one it had, and one with no words of its own ("And?") the
 *    previous question.
 * Only user turns are read: an assistant's words are never carried into a search.
 */
import type { ChatTurn } from '../types.js';
import { tokenize, type Token } from '../text/tokenize.js';

const CONNECTIVE = /^\s*(?:(?:and|also|so|but|then|ok|okay)\b[\s,]*)*(?:(?:what|how)\s+about|what\s+of|as\s+for)?\s*/i;
const PREPOSITIONS = new Set(['in', 'on', 'at', 'during', 'for', 'from', 'to', 'after', 'before', 'since', 'with', 'without', 'by', 'under', 'over', 'between', 'among', 'near', 'around', 'into', 'of', 'within', 'outside', 'inside', 'throughout']);
const QUESTION_WORDS = new Set(['what', 'which', 'who', 'whom', 'whose', 'when', 'where', 'why', 'how', 'is', 'are', 'was', 'were', 'do', 'does', 'did', 'can', 'could', 'has', 'have', 'had', 'will', 'would', 'should', 'may', 'might', 'tell', 'name', 'list', 'describe', 'explain', 'give']);
// A capitalised word right after these describes the thing asked for, not the subject:
// in "Which Russian city lies across from Heihe?" the subject is Heihe, not "Russian".
const WH_DETERMINERS = new Set(['which', 'what', 'whose']);

/**
 * Names of a text, in order: capitalised content words, except the first word of a sentence
 * (capitalised by convention) unless written in capitals or `firstCounts` (a fragment such as
 * "Harvard's library?" starts with its name).
 */
export function namesOf(text: string, firstCounts = false): string[] {
  const tokens = tokenize(text);
  const out: string[] = [];
  tokens.forEach((t, i) => {
    const raw = text.slice(t.start, t.end);
    const isName = t.capitalized && !t.stop && t.number === null && (i > 0 || firstCounts || /^\p{Lu}{2,}/u.test(raw)) && !QUESTION_WORDS.has(t.key);
    if (isName && !WH_DETERMINERS.has(tokens[i - 1]?.key ?? '') && !out.includes(raw)) out.push(raw);
  });
  return out;
}

const trimEnd = (s: string): string => s.replace(/[?.!\s]+$/, '');
const contentOf = (tokens: readonly Token[]): Token[] => tokens.filter((t) => !t.stop && !QUESTION_WORDS.has(t.key));

/** The latest user turn's names, looking further back while a turn has none. */
function conversationSubject(userTurns: readonly string[]): string[] {
  for (let i = userTurns.length - 1; i >= 0; i--) {
    const names = namesOf(userTurns[i] ?? '');
    if (names.length > 0) return names;
  }
  return [];
}

/** `previous` with the phrase after its last `preposition` replaced by `phrase` (or `phrase` added). */
function replaceModifier(previous: string, preposition: string, phrase: string): string {
  const base = trimEnd(previous);
  const re = new RegExp(`\\b${preposition}\\b(?!.*\\b${preposition}\\b)[^,;]*$`, 'i');
  return re.test(base) ? `${base.replace(re, phrase)}?` : `${base} ${phrase}?`;
}

const wordsOf = (text: string): string[] => tokenize(text).map((t) => t.key);

/** Every content word of the text (numbers aside) is one the corpus uses. */
const inCorpusWords = (text: string, vocabulary: FollowUpVocabulary): boolean => contentOf(tokenize(text)).every((t) => t.number !== null || vocabulary.knows(t.lemma));

/**
 * Words that stand for the earlier topic, or say the thing asked about is the other one of a
 * pair it set up ("the other bank" after a question about a river, "who else"); possessives
 * ("its", "their") point at the subject instead.
 */
const TOPIC_PRONOUNS = new Set(['it', 'they', 'them', 'this', 'that', 'these', 'those', 'ones', 'one', 'other', 'another', 'else']);
/** Pronouns that can stand for a name of an earlier turn ("this", "that" also start clauses). */
const SUBJECT_PRONOUNS = new Set(['it', 'they', 'them', 'its', 'their']);

/** What the corpus knows of a word, so a follow-up can tell its own topic from a reference. */
export interface FollowUpVocabulary {
  /** The corpus uses the word (by lemma). */
  knows(lemma: string): boolean;
  /** The word is what the whole corpus is about (the city's name in the Heihe corpus). */
  topical(lemma: string): boolean;
  /** The name the whole corpus is about, as its text writes it ("Heihe"); none when no name is. */
  subject(): readonly string[];
}

const KNOWS_EVERYTHING: FollowUpVocabulary = { knows: () => true, topical: () => false, subject: () => [] };

/**
 * The earlier question's topic: its content words that are not names and that the corpus uses.
 * A word the corpus never uses matches no passage word; carried along it makes the follow-up
 * look like a question about something the corpus does not cover ("ever", "fixed" in "Was
 * there ever a treaty that fixed the border?" turned "When was it signed?" into a refusal).
 */
function topicOf(turn: string, vocabulary: FollowUpVocabulary): string[] {
  const names = new Set(namesOf(turn).flatMap(wordsOf));
  return contentOf(tokenize(turn))
    .filter((t) => !names.has(t.key) && t.number === null && vocabulary.knows(t.lemma))
    .map((t) => turn.slice(t.start, t.end));
}

/**
 * The previous question about other names: its names replaced by them, except names the corpus
 * is about (the subject stays: "Is there a Russian community in Heihe?" + "And the Manchu?").
 */
function swapSubject(previous: string, names: readonly string[], vocabulary: FollowUpVocabulary): string {
  const all = namesOf(previous);
  const kept = all.filter((n) => tokenize(n).every((t) => vocabulary.topical(t.lemma)));
  const old = all.length > kept.length ? all.filter((n) => !kept.includes(n)) : all.slice(-1);
  if (old.length === 0) return `${trimEnd(previous)} (${names.join(' ')})?`;
  const tokens = tokenize(previous);
  const oldKeys = new Set(old.flatMap(wordsOf));
  let out = '';
  let at = 0;
  let replaced = false;
  for (const t of tokens) {
    if (!oldKeys.has(t.key) || !t.capitalized) continue;
    out += previous.slice(at, t.start) + (replaced ? '' : names.join(' '));
    replaced = true;
    at = t.end;
  }
  // A dropped name leaves its conjunction behind ("of Harbin and ?"): tidy it away.
  return (out + previous.slice(at))
    .replace(/\s*,?\s+(?:and|or)\s*(?=[?.!]*$)/i, '')
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([?.!])/g, '$1')
    .trim();
}

export function condenseOffline(question: string, history: readonly ChatTurn[], vocabulary: FollowUpVocabulary = KNOWS_EVERYTHING): string {
  const q = question.trim();
  const userTurns = history.filter((t) => t.role === 'user').map((t) => t.content.trim()).filter(Boolean);
  if (userTurns.length === 0) return q;
  const previous = userTurns[userTurns.length - 1] as string;
  // A chat whose questions name nothing ("What is the climate like?") is about what the corpus
  // is about, when they are in the corpus's words: "Who invented the telephone?" is not, and its
  // follow-ups must not be made to look like questions about the corpus.
  const named = conversationSubject(userTurns);
  const subject = named.length > 0 ? named : userTurns.every((turn) => inCorpusWords(turn, vocabulary)) ? vocabulary.subject() : [];
  const withSubject = (text: string): string => {
    const missing = subject.filter((s) => !text.toLowerCase().includes(s.toLowerCase()));
    return missing.length ? `${trimEnd(text)} (${missing.join(' ')})?` : text;
  };

  const connective = CONNECTIVE.exec(q)?.[0] ?? '';
  const rest = q.slice(connective.length).trim();
  const restTokens = tokenize(rest);
  const startsAsQuestion = QUESTION_WORDS.has(restTokens[0]?.key ?? '');
  if (!startsAsQuestion) {
    const content = contentOf(restTokens);
    if (content.length === 0) return previous; // "And?", "What about it?"
    const first = restTokens[0] as Token;
    if (PREPOSITIONS.has(first.key)) return withSubject(replaceModifier(previous, first.key, trimEnd(rest))); // "And in summer?"
    const names = namesOf(rest, true);
    if (names.length > 0 && content.every((t) => names.some((n) => wordsOf(n).includes(t.key)))) return swapSubject(previous, names, vocabulary); // "And Blagoveshchensk?"
  }
  const tokens = tokenize(q);
  const ownNames = namesOf(q, !startsAsQuestion);
  if (ownNames.length > 0) {
    // A personal pronoun before the question's first name stands for the conversation's
    // subject ("Do they have exchanges with Russia?" after a question about Heihe University);
    // one after it has that name to stand for ("What did the Normans do after they landed?").
    const nameStarts = new Set(ownNames.map((n) => wordsOf(n)[0]));
    const firstName = tokens.findIndex((t) => t.capitalized && nameStarts.has(t.key));
    const pronoun = tokens.findIndex((t) => SUBJECT_PRONOUNS.has(t.key));
    return pronoun >= 0 && pronoun < firstName ? withSubject(q) : q;
  }
  const own = contentOf(tokens).filter((t) => !TOPIC_PRONOUNS.has(t.key));
  // Words of its own that the corpus does not know make a new topic, not a reference: "How do
  // I bake sourdough bread?" must stay what it is, so that it is refused.
  const pointsBack = tokens.some((t) => TOPIC_PRONOUNS.has(t.key)) || own.length === 0 || own.every((t) => vocabulary.topical(t.lemma));
  // ...and not even the subject: it would make the question look like one about the corpus.
  if (!pointsBack && !own.some((t) => vocabulary.knows(t.lemma))) return q;
  if (!pointsBack) return withSubject(q);
  // "When was it signed?" after a treaty question: the treaty's words, and the subject.
  const ownKeys = new Set(tokens.map((t) => t.key));
  const topic = topicOf(previous, vocabulary).filter((w) => !ownKeys.has(wordsOf(w)[0] ?? ''));
  const missing = subject.filter((n) => !q.toLowerCase().includes(n.toLowerCase()));
  const carried = [...topic, ...missing];
  return carried.length ? `${trimEnd(q)} (${carried.join(' ')})?` : q;
}
