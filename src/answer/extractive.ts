/**
 * The offline answerer: it picks the corpus sentences that best answer the question, quotes
 * them verbatim with [n] markers, and decides whether the corpus answers at all. A sentence's
 * score is the weighted share of the question's terms it covers (in itself, or less so in its
 * passage and section title), adjusted for the expected answer type; below a threshold, or
 * when a name or number of the question appears nowhere near, the answer is a refusal.
 */
import type { Citation, Retrieved } from '../types.js';
import type { Token } from '../text/tokenize.js';
import { analyzePassage, cosineWithout } from './passage-analysis.js';
import { expandWithAliases } from '../retrieval/aliases.js';
import type { Lexicon } from './lexicon.js';
import { analyzeQuestion, type AnalyzedQuestion, type AnswerType, type CorpusStats } from './question.js';
import { matchCredit } from './term-match.js';

export interface ExtractiveOptions {
  /** Minimum coverage score of the best sentence for the corpus to count as answering. */
  readonly minScore: number;
  /** When the question names something, the minimum coverage of what it asks about it. */
  readonly minRestCoverage: number;
  /** Refuse when at least this weighted share of the question's terms is unknown to the corpus. */
  readonly maxUnknownShare: number;
  /** Further sentences join the answer when they score at least this share of the best. */
  readonly followRatio: number;
  readonly maxSentences: number;
  readonly maxChars: number;
  /** How many top passages are returned as citations (the answer's markers point into them). */
  readonly citePassages: number;
}

export const DEFAULT_EXTRACTIVE: ExtractiveOptions = Object.freeze({ minScore: 0.4, minRestCoverage: 0.2, maxUnknownShare: 0.8, followRatio: 0.8, maxSentences: 2, maxChars: 600, citePassages: 5 });

export interface ScoredSentence {
  readonly passage: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly score: number;
  readonly coverage: number;
  /** Coverage of the terms other than the required names: what the question asks about them. */
  readonly restCoverage: number;
  /** Weighted share of question terms that occur nowhere in the corpus and are not matched here. */
  readonly unknownShare: number;
  readonly missingRequired: boolean;
}

export interface ExtractiveResult {
  readonly answer: string;
  readonly grounded: boolean;
  readonly citations: Citation[];
  readonly sentences: readonly ScoredSentence[];
}

// Bracketed numbers in corpus text (footnotes, or planted fakes like "[9]") would read as our
// citation markers: a quoted sentence leaves them out.
const FOOTNOTE = /\s*\[\d+(?:\s*,\s*\d+)*\]/g;
const quotable = (sentence: string): string => sentence.replace(FOOTNOTE, '').replace(/\s+([.,;:!?])/g, '$1').trim();

export const NOT_IN_CORPUS = "The corpus doesn't say. I couldn't find this in the documents I have.";

// Magnitudes, not small number words: "the two nations" does not answer "how many".
const NUMBER_WORDS = /\b(hundreds?|thousands?|millions?|billions?|dozens?|percent)\b/i;
const YEAR = /\b(1[0-9]{3}|20[0-9]{2})\b|\bcentur(y|ies)\b/i;

function hasAnswerType(type: AnswerType, text: string, tokens: readonly Token[], questionStems: ReadonlySet<string>): boolean {
  switch (type) {
    case 'number':
      // A year is a date, not a count.
      return tokens.some((t) => t.numeric && !YEAR.test(t.word)) || NUMBER_WORDS.test(text);
    case 'date':
      return YEAR.test(text);
    case 'person':
    case 'place':
      return tokens.some((t, i) => i > 0 && t.capitalized && !questionStems.has(t.stem));
    case 'any':
      return true;
  }
}

// Credit for a term found not in the sentence but in its passage or section title: the
// sentence is about that context, but says less of it.
const PASSAGE_CREDIT = 0.35;
const SECTION_CREDIT = 0.6;
// Sentence-vector cosine is ~0.3 for unrelated sentences and ~0.8 for paraphrases here.
const SIM_FLOOR = 0.05;
const SIM_SPAN = 0.7;
/** Share of the score from term coverage; the rest from sentence-vector similarity. */
const COVERAGE_SHARE = 0.6;
const TYPE_BONUS = 0.1;

export function scoreSentences(question: string, q: AnalyzedQuestion, passages: readonly Retrieved[], lexicon: Lexicon, corpus: CorpusStats): ScoredSentence[] {
  const common = corpus.commonDirection;
  const unknownToCorpus = q.terms.map((t) => corpus.df(t.stem) === 0);
  const totalWeight = q.terms.reduce((a, t) => a + t.weight, 0);
  const restWeight = q.terms.reduce((a, t) => a + (t.required ? 0 : t.weight), 0);
  if (totalWeight === 0) return [];
  const questionStems = new Set(q.terms.map((t) => t.stem));
  // With the other names of its names, so "Heihe" is as close to a sentence about "Anheihe".
  const questionVector = lexicon.embed(corpus.aliases ? expandWithAliases(question, corpus.aliases) : question);
  const out: ScoredSentence[] = [];
  passages.forEach((p, passage) => {
    const { chunk } = p;
    const analyzed = analyzePassage(chunk, lexicon);
    const passageCredit = q.terms.map((t) =>
      Math.max(PASSAGE_CREDIT * matchCredit(t, analyzed.content, lexicon), SECTION_CREDIT * matchCredit(t, analyzed.sectionContent, lexicon)),
    );
    for (const sentence of analyzed.sentences) {
      let covered = 0;
      let restCovered = 0;
      let unknown = 0;
      let missingRequired = false;
      q.terms.forEach((term, i) => {
        const credit = Math.max(matchCredit(term, sentence.content, lexicon), passageCredit[i] ?? 0);
        covered += term.weight * credit;
        if (unknownToCorpus[i] && credit < 0.5) unknown += term.weight;
        if (!term.required) restCovered += term.weight * credit;
        if (term.required && credit < PASSAGE_CREDIT) missingRequired = true;
      });
      const coverage = covered / totalWeight;
      const restCoverage = restWeight > 0 ? restCovered / restWeight : 1;
      const unknownShare = unknown / totalWeight;
      const similarity = Math.min(1, Math.max(0, (cosineWithout(questionVector, sentence.vector, common) - SIM_FLOOR) / SIM_SPAN));
      const typed = hasAnswerType(q.answerType, sentence.text, sentence.tokens, questionStems);
      // Ties go to the passage retrieval ranked higher.
      // Numbers and dates are reliably recognised, so holding one is evidence of an answer.
      const typeBonus = typed && (q.answerType === 'number' || q.answerType === 'date') ? TYPE_BONUS : 0;
      const score = (COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * similarity) * (typed ? 1 : 0.6) + typeBonus + 0.02 / (passage + 1);
      out.push({ passage, start: chunk.start + sentence.start, end: chunk.start + sentence.end, text: sentence.text, score, coverage, restCoverage, unknownShare, missingRequired });
    }
  });
  return out.sort((a, b) => b.score - a.score || a.passage - b.passage || a.start - b.start);
}

export function answerExtractively(
  question: string,
  passages: readonly Retrieved[],
  lexicon: Lexicon,
  corpus: CorpusStats,
  options: ExtractiveOptions = DEFAULT_EXTRACTIVE,
): ExtractiveResult {
  const q = analyzeQuestion(question, lexicon, corpus);
  const scored = scoreSentences(question, q, passages, lexicon, corpus);
  const best = scored[0];
  // A name anchors the question; what it asks about the name must be covered too.
  const asksAboutName = q.terms.some((t) => t.required) && q.terms.some((t) => !t.required);
  // Most of what the question asks about never occurs in the corpus: it is about something else.
  const offTopic = (best?.unknownShare ?? 1) >= options.maxUnknownShare;
  if (!best || best.missingRequired || offTopic || best.score < options.minScore || (asksAboutName && best.restCoverage < options.minRestCoverage)) {
    // Nothing is cited when nothing answers (as in LLM mode).
    return { answer: NOT_IN_CORPUS, grounded: false, citations: [], sentences: scored };
  }
  const picked = [best];
  let length = best.text.length;
  for (const s of scored.slice(1)) {
    if (picked.length >= options.maxSentences || s.score < best.score * options.followRatio) break;
    if (s.missingRequired || length + s.text.length > options.maxChars) continue;
    picked.push(s);
    length += s.text.length;
  }
  // Read in order: by passage rank, then position.
  picked.sort((a, b) => a.passage - b.passage || a.start - b.start);
  // The passages the answer quotes come first, so its markers read [1], [2]; the other top
  // passages it read follow, for clients that show what was searched.
  const order = [...new Set([...picked.map((s) => s.passage), ...passages.slice(0, options.citePassages).map((_r, i) => i)])];
  const citations: Citation[] = order.map((passage, i) => {
    const { chunk, score } = passages[passage] as Retrieved;
    // Where the quoted sentences sit in the passage text, so clients can highlight them.
    const quotes = picked.filter((s) => s.passage === passage).map((s) => ({ start: s.start - chunk.start, end: s.end - chunk.start }));
    return { n: i + 1, chunkId: chunk.id, source: chunk.source, section: chunk.section, text: chunk.text, score, ...(quotes.length > 0 ? { quotes } : {}) };
  });
  const numberOf = (passage: number): number => order.indexOf(passage) + 1;
  const answer = picked.map((s) => `${quotable(s.text)} [${numberOf(s.passage)}]`).join(' ');
  return { answer, grounded: true, citations, sentences: scored };
}
