/**
 * The offline answerer: it picks the corpus sentences that best answer the question, quotes
 * them verbatim with [n] markers, and decides whether the corpus answers at all. A sentence's
 * score is the weighted share of the question's terms it covers (in itself, or less so in its
 * passage and section title), adjusted for the expected answer type; below a threshold, or
 * when a name or number of the question appears nowhere near, the answer is a refusal.
 */
import type { Citation, Retrieved } from '../types.js';
import { splitSentences } from '../text/sentences.js';
import { isStopWord, tokenize, type Token } from '../text/tokenize.js';
import type { Lexicon } from './lexicon.js';
import { analyzeQuestion, type AnalyzedQuestion, type AnswerType, type CorpusStats } from './question.js';
import { matchCredit } from './term-match.js';

export interface ExtractiveOptions {
  /** Minimum coverage score of the best sentence for the corpus to count as answering. */
  readonly minScore: number;
  /** Further sentences join the answer when they score at least this share of the best. */
  readonly followRatio: number;
  readonly maxSentences: number;
  readonly maxChars: number;
}

export const DEFAULT_EXTRACTIVE: ExtractiveOptions = Object.freeze({ minScore: 0.5, followRatio: 0.85, maxSentences: 2, maxChars: 600 });

export interface ScoredSentence {
  readonly passage: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly score: number;
  readonly coverage: number;
  readonly missingRequired: boolean;
}

export interface ExtractiveResult {
  readonly answer: string;
  readonly grounded: boolean;
  readonly citations: Citation[];
  readonly sentences: readonly ScoredSentence[];
}

export const NOT_IN_CORPUS = "The corpus doesn't say. I couldn't find this in the documents I have.";

const NUMBER_WORDS = /\b(hundred|thousand|million|billion|dozen|percent|half|one|two|three|four|five|six|seven|eight|nine|ten)\b/i;
const YEAR = /\b(1[0-9]{3}|20[0-9]{2})\b|\bcentur(y|ies)\b/i;

function hasAnswerType(type: AnswerType, text: string, tokens: readonly Token[], questionStems: ReadonlySet<string>): boolean {
  switch (type) {
    case 'number':
      return tokens.some((t) => t.numeric) || NUMBER_WORDS.test(text);
    case 'date':
      return YEAR.test(text);
    case 'person':
      return tokens.some((t, i) => i > 0 && t.capitalized && !questionStems.has(t.stem));
    case 'any':
      return true;
  }
}

const contentTokens = (text: string): Token[] => tokenize(text).filter((t) => !isStopWord(t.word));

// Credit for a term found not in the sentence but in its passage or section title: the
// sentence is about that context, but says less of it.
const PASSAGE_CREDIT = 0.35;
const SECTION_CREDIT = 0.6;

export function scoreSentences(q: AnalyzedQuestion, passages: readonly Retrieved[], lexicon: Lexicon): ScoredSentence[] {
  const totalWeight = q.terms.reduce((a, t) => a + t.weight, 0);
  if (totalWeight === 0) return [];
  const questionStems = new Set(q.terms.map((t) => t.stem));
  const out: ScoredSentence[] = [];
  passages.forEach((p, passage) => {
    const { chunk } = p;
    const passageTokens = contentTokens(chunk.text);
    const sectionTokens = contentTokens(chunk.section);
    const passageCredit = q.terms.map((t) => Math.max(PASSAGE_CREDIT * matchCredit(t, passageTokens, lexicon), SECTION_CREDIT * matchCredit(t, sectionTokens, lexicon)));
    for (const span of splitSentences(chunk.text)) {
      const text = chunk.text.slice(span.start, span.end);
      const tokens = contentTokens(text);
      let covered = 0;
      let missingRequired = false;
      q.terms.forEach((term, i) => {
        const credit = Math.max(matchCredit(term, tokens, lexicon), passageCredit[i] ?? 0);
        covered += term.weight * credit;
        if (term.required && credit < PASSAGE_CREDIT) missingRequired = true;
      });
      const coverage = covered / totalWeight;
      const typed = hasAnswerType(q.answerType, text, tokenize(text), questionStems);
      // Ties go to the passage retrieval ranked higher.
      const score = coverage * (typed ? 1 : 0.6) + 0.02 / (passage + 1);
      out.push({ passage, start: chunk.start + span.start, end: chunk.start + span.end, text, score, coverage, missingRequired });
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
  const scored = scoreSentences(q, passages, lexicon);
  const best = scored[0];
  if (!best || best.missingRequired || best.score < options.minScore) {
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
  // Read in corpus order: by passage rank, then position.
  picked.sort((a, b) => a.passage - b.passage || a.start - b.start);
  const citations: Citation[] = [];
  const numberOf = new Map<number, number>();
  for (const s of picked) {
    if (numberOf.has(s.passage)) continue;
    const r = passages[s.passage];
    if (!r) continue;
    const n = citations.length + 1;
    numberOf.set(s.passage, n);
    citations.push({ n, chunkId: r.chunk.id, source: r.chunk.source, section: r.chunk.section, text: r.chunk.text, score: r.score });
  }
  const answer = picked.map((s) => `${s.text} [${numberOf.get(s.passage)}]`).join(' ');
  return { answer, grounded: true, citations, sentences: scored };
}
