/**
 * On-topic questions the corpus cannot answer, made from answerable ones: the question's most
 * specific term that the right sentence states is replaced by a word of similar frequency that
 * the corpus never uses ("Which university is in the city?" → "Which observatory is in the
 * city?"). Users ask such questions ("Who is the mayor?", "What was the GDP?"); off-topic bank
 * questions alone do not teach the refusal to tell them from answerable ones.
 */
import { createHash } from 'node:crypto';
import { tokenize, wordForms, type Token, type WordForms } from '../text/tokenize.js';
import type { ServingIndex } from '../answer/serving-index.js';
import type { AnalyzedQuestion, QuestionTerm } from '../answer/question.js';
import { namesOf } from '../answer/condense.js';
import type { Thesaurus } from '../text/wordnet.js';

/** The word of a frequency rank, and how many words there are. */
export interface WordList {
  readonly size: number;
  word(rank: number): string;
}

const mostSpecific = (terms: readonly QuestionTerm[]): QuestionTerm => terms.reduce((a, b) => (b.idf > a.idf ? b : a));

/** The question with the first word of `term` replaced by `word` (null when no token has its lemma). */
function replaced(question: string, q: AnalyzedQuestion, term: QuestionTerm, word: string): string | null {
  const token = q.tokens.find((t) => t.lemma === term.lemma);
  return token ? question.slice(0, token.start) + word + question.slice(token.end) : null;
}

/** The corrupted question, or null when it has no term of the right sentence to replace. */
export function corruptQuestion(question: string, serving: ServingIndex, answerLemmas: ReadonlySet<number>, words: WordList): string | null {
  const q = serving.analyze(question);
  const replaceable = q.terms.filter((t) => !t.name && !t.number && t.lemmaId >= 0 && answerLemmas.has(t.lemmaId) && /^[a-z]{4,}$/.test(t.key));
  if (replaceable.length === 0) return null;
  const term = mostSpecific(replaceable);
  // A deterministic start a little above the term's rank, so replacements vary between questions.
  const offset = createHash('sha256').update(question).digest().readUInt16BE(0) % 200;
  for (let r = Math.min(words.size - 1, term.rank + 1 + offset), tries = 0; r < words.size && tries < 5000; r++, tries++) {
    const w = words.word(r);
    if (!/^[a-z]{4,}$/.test(w)) continue;
    const forms = wordForms(w);
    if (forms.stop || serving.vocabulary.lemmaId(forms.lemma) >= 0 || serving.vocabulary.stemId(forms.stem) >= 0) continue;
    return replaced(question, q, term, w);
  }
  return null;
}

/**
 * The names a corpus uses (capitalised words that do not start a sentence), each once, in the
 * order they first appear; `sentences` are its sentences, one per string.
 */
export function corpusNames(sentences: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const text of sentences) for (const name of namesOf(text)) seen.add(name);
  return [...seen];
}

/**
 * An on-topic question the corpus cannot answer whose every word it knows: a name the right
 * sentence states is replaced by the corpus name most like it (by word vector) that the right
 * sentence does not state and that is no other name of it ("What is the population of Heihe?" →
 * "What is the population of Blagoveshchensk?"). Users ask such questions of facts the corpus
 * states about one thing only; a replaced word the corpus never uses does not teach them.
 * Null when the question has no such name or the corpus no other.
 */
export function swapName(question: string, serving: ServingIndex, answerLemmas: ReadonlySet<number>, names: readonly string[], similarity: (a: string, b: string) => number): string | null {
  const q = serving.analyze(question);
  const swappable = q.terms.filter((t) => t.name && t.lemmaId >= 0 && answerLemmas.has(t.lemmaId));
  if (swappable.length === 0) return null;
  const term = mostSpecific(swappable);
  const inQuestion = new Set(q.terms.map((t) => t.lemmaId));
  const otherNames = new Set(term.alternates.flat());
  let best: { name: string; similarity: number } | null = null;
  for (const name of names) {
    const forms = wordForms(name.toLowerCase());
    const id = serving.vocabulary.lemmaId(forms.lemma);
    if (forms.stop || id < 0 || answerLemmas.has(id) || inQuestion.has(id) || otherNames.has(id)) continue;
    const s = similarity(term.key, name.toLowerCase());
    if (!best || s > best.similarity) best = { name, similarity: s };
  }
  return best ? replaced(question, q, term, best.name) : null;
}

/**
 * The WordNet direct relative of `lemma` (a single word, not a stop word, not the lemma
 * itself, nor one `skip` rules out) closest to it by word vector, at least `min` alike; null
 * when none.
 */
export function closestRelative(lemma: string, thesaurus: Thesaurus, similarity: (a: string, b: string) => number, min: number, skip: (forms: WordForms) => boolean = () => false): string | null {
  let best: { word: string; similarity: number } | null = null;
  for (const word of thesaurus.relatives(lemma).direct) {
    if (!/^[a-z]{3,}$/.test(word)) continue;
    const forms = wordForms(word);
    if (forms.stop || forms.lemma === lemma || skip(forms)) continue;
    const s = similarity(lemma, word);
    if (s >= min && (!best || s > best.similarity)) best = { word, similarity: s };
  }
  return best ? best.word : null;
}

/**
 * An answerable question reworded as users reword them: the question's most specific term that
 * the right sentence states is replaced by the WordNet direct relative (synonym, hypernym,
 * hyponym, derivation) closest to it by word vector that the right sentence does not state,
 * and at least `minSimilarity` alike ("Who was the hostage?" → "Who was the prisoner?"). Its
 * label stays answerable: it teaches the ranker and the refusal that a related word the
 * sentence lacks is still support, as a corpus written in other words than its readers' (Heihe)
 * needs, while the made unanswerables above teach that an unrelated unknown word is not. Null
 * when no term has such a relative.
 */
export function rewordQuestion(question: string, serving: ServingIndex, answerLemmas: ReadonlySet<number>, thesaurus: Thesaurus, similarity: (a: string, b: string) => number, minSimilarity: number): string | null {
  const q = serving.analyze(question);
  const replaceable = q.terms.filter((t) => !t.name && !t.number && t.lemmaId >= 0 && answerLemmas.has(t.lemmaId) && /^[a-z]{3,}$/.test(t.key));
  const ordered = [...replaceable].sort((a, b) => b.idf - a.idf);
  for (const term of ordered) {
    const word = closestRelative(term.lemma, thesaurus, similarity, minSimilarity, (forms) => {
      const id = serving.vocabulary.lemmaId(forms.lemma);
      return id >= 0 && answerLemmas.has(id);
    });
    if (word) return replaced(question, q, term, word);
  }
  return null;
}

/**
 * A corpus's names by how many of its sentences use them (most first; ties in order of first
 * use): its subjects ("Heihe", "Normans") lead. `sentences` are its sentences, one per string.
 */
export function mainNames(sentences: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const text of sentences) for (const name of namesOf(text)) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([name]) => name);
}

/**
 * Another article's question moved onto this corpus's subject: its first run of names is
 * replaced by `subject` ("When was Harvard founded?" → "When was Heihe founded?"). Users ask a
 * corpus about its subject what it never states (its mayor, founding year, time zone); an
 * off-topic question names another subject and a corrupted one changes a single word, so neither
 * teaches the refusal a question whose only known word is the subject. Null when the question
 * names nothing, or only the subject already.
 */
export function transplantQuestion(question: string, subject: string): string | null {
  const names = new Set(namesOf(question));
  if (names.size === 0) return null;
  const isName = (t: Token | undefined): t is Token => t !== undefined && names.has(question.slice(t.start, t.end));
  const tokens = tokenize(question);
  const first = tokens.findIndex(isName);
  if (first < 0) return null;
  let last = tokens[first] as Token;
  // A run of names: the next token is a name too and only spaces lie between ("Warsaw Uprising").
  for (let i = first + 1, next = tokens[i]; isName(next) && /^\s+$/.test(question.slice(last.end, next.start)); next = tokens[++i]) last = next;
  const start = (tokens[first] as Token).start;
  const end = last.end;
  const replaced = question.slice(start, end);
  // The possessive stays with the new subject ("Warsaw's mayor" → "Heihe's mayor").
  const possessive = /['’]s?$/.exec(replaced)?.[0] ?? '';
  if (replaced.slice(0, replaced.length - possessive.length) === subject) return null;
  return question.slice(0, start) + subject + possessive + question.slice(end);
}
