/**
 * LLM mode's check of every sentence of a model's answer against the passages it cites,
 * failing closed. A sentence is kept only if
 *   - it cites a passage it was given and does not repeat the instructions (citation-check.ts),
 *   - every number in it, with its magnitude and unit, is stated in a passage it cites,
 *   - every name in it occurs in a passage it cites (the subject of the whole source, e.g.
 *     "Heihe" in heihe.txt, is implied by each of its passages),
 *   - every negation, universal or exclusive word ("not", "all", "only") has one of its kind in
 *     a passage it cites (claim-facts.ts: the support score cannot see these stop words),
 *   - and its content is supported: the support score of its other content words by the cited
 *     passages (claim-support.ts) reaches the threshold chosen on labelled examples.
 * Each part of a sentence is checked against the markers it carries ("A [1] and B [2]": A
 * against passage 1, B against passage 2; words after the last marker against that marker).
 * When a later part fails and it starts a clause of its own (", and …", "; …", ", which …"),
 * only that part is removed; otherwise the sentence is dropped. What was dropped, and why, is
 * counted in `checks`.
 */
import type { AnswerChecks, CheckReason } from '../types.js';
import { tokenize, type Token } from '../text/tokenize.js';
import type { ServingIndex } from './serving-index.js';
import { perIndex, rowOf } from './sentence-index.js';
import { answerSentences, checkSentenceCitations } from './citation-check.js';
import { isCommonWord, nameBag, nameIn, quantities, quantityIn, scopeClasses, type NameBag, type Quantity } from './claim-facts.js';
import { claimMatcher, claimSupport, passageWindows, type SupportParams } from './claim-support.js';

/** What of a claim a cited passage must state as such: its numbers, its names, its scope words. */
export type FactFailure = 'number' | 'name' | 'scope';

export interface ClaimCheckSettings extends SupportParams {
  /** Sentences whose support score is below this are unsupported. */
  readonly threshold: number;
}

/** A passage the model was given: its number, its text, and where its chunk is in the index. */
export interface GivenPassage {
  readonly n: number;
  readonly text: string;
  readonly section: string;
  readonly source: string;
  /** Index of its chunk in the generation (and in the sentence index). */
  readonly position: number;
}

/** What the check needs of a serving index: its sentence features, vocabulary, word vectors and chunks. */
export interface ClaimIndex {
  readonly sentences: ServingIndex['sentences'];
  readonly vocabulary: ServingIndex['vocabulary'];
  readonly answering: Pick<ServingIndex['answering'], 'vectors'>;
  readonly retriever: Pick<ServingIndex['retriever'], 'chunks'>;
  analyze: ServingIndex['analyze'];
}

export interface ClaimContext {
  readonly index: ClaimIndex;
  readonly passages: readonly GivenPassage[];
  readonly settings: ClaimCheckSettings;
  /** The system prompt, which no kept sentence may repeat. */
  readonly systemPrompt: string;
}

export interface SentenceVerdict {
  /** The kept sentence, or its kept part; '' when dropped. */
  readonly text: string;
  /** Why a part was removed or the sentence dropped (null when kept whole). */
  readonly reason: CheckReason | null;
  /** Kept with a part removed. */
  readonly trimmed: boolean;
}

// A capitalised first word is a name when the corpus writes it as one, or when the corpus
// never uses it and it is not a common English word ("Harbin", "Moscow"; not "Festivals").
// Mid-sentence, every capitalised word is a name (as in the sentence index).
// A name in at least this share of its source's chunks is what the whole source is about:
// three quarters, a set value, not learned ("Heihe" is in 24 of heihe.txt's 32 chunks, so this
// sits right at it; retrieval's TOPICAL_SHARE of 0.3 is a different question: which words to
// leave out of a dense query).
const TOPIC_SHARE = 0.75;
const MIN_TOPIC_CHUNKS = 4;

const MARKER_GROUP = /(?:\s*\[\d{1,3}\])+/g;
const CLAUSE_START = /^\s*(?:[,;:–—]|\(|\b(?:and|but|while|whereas|which|although|though|as well as)\b)/i;
const CLAUSE_BREAK = /(?:,\s+(?:and|but|while|whereas|which|although|though)\s+|;\s+)/gi;

interface Part {
  /** Offsets of the part's words in the sentence, and where its markers end. */
  readonly start: number;
  readonly end: number;
  readonly markersEnd: number;
  readonly cites: readonly number[];
}

/** The parts of a sentence, each with the markers that cite it (words after the last marker take its markers). */
export function partsOf(sentence: string): Part[] {
  const parts: Part[] = [];
  let from = 0;
  for (const m of sentence.matchAll(MARKER_GROUP)) {
    const cites = [...m[0].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
    parts.push({ start: from, end: m.index, markersEnd: m.index + m[0].length, cites });
    from = m.index + m[0].length;
  }
  const tail = sentence.slice(from);
  const last = parts.at(-1);
  if (last && /[\p{L}\p{N}]/u.test(tail)) parts.push({ start: from, end: sentence.length, markersEnd: sentence.length, cites: last.cites });
  return parts.filter((p) => /[\p{L}\p{N}]/u.test(sentence.slice(p.start, p.end)));
}

interface PassageFacts {
  readonly quantities: readonly Quantity[];
  readonly names: NameBag;
  /** Its negation, universal and exclusive words, by class (see scopeClasses). */
  readonly scope: ReadonlySet<string>;
  /** Lemma ids of each run of sentences a claim may draw on (see SupportParams.window). */
  readonly windows: readonly Int32Array[];
}

// Per sentence index: the lemma ids the corpus writes as names, and each source's topic names.
const namesOfCorpus = perIndex((index) => new Set(index.names.values));
const topicNames = perIndex(() => new Map<string, Set<string>>());

/** Names (lemmas) in at least TOPIC_SHARE of the chunks of `source`, counting their aliases. */
function topicsOf(index: ClaimIndex, source: string): Set<string> {
  const s = index.sentences;
  const bySource = topicNames(s);
  let topics = bySource.get(source);
  if (topics) return topics;
  topics = new Set();
  const chunks = index.retriever.chunks.map((c, i) => ({ c, i })).filter(({ c }) => c.source === source);
  if (chunks.length >= MIN_TOPIC_CHUNKS) {
    const names = namesOfCorpus(s);
    const counts = new Map<string, number>();
    for (const { i } of chunks) {
      const seen = new Set<string>();
      for (let k = s.chunkSentences[i] as number; k < (s.chunkSentences[i + 1] as number); k++) {
        for (const id of rowOf(s.terms, k)) {
          const lemma = s.lemmas[id] as string;
          // A name counts for the names it is also called ("Anheihe" for "Heihe").
          if (names.has(id)) for (const l of [lemma, ...(s.aliases.byLemma.get(lemma) ?? []).filter((a) => a.length === 1).map((a) => a[0] as string)]) seen.add(l);
        }
      }
      for (const l of seen) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    for (const [l, n] of counts) if (n >= TOPIC_SHARE * chunks.length) topics.add(l);
  }
  bySource.set(source, topics);
  return topics;
}

/** Which tokens of a part are names. `initial`: the part starts the sentence. */
function namesIn(tokens: readonly Token[], initial: boolean, text: string, ctx: ClaimContext): Token[] {
  const s = ctx.index.sentences;
  return tokens.filter((t, i) => {
    if (!t.capitalized || t.stop || t.number !== null || t.key.length < 2) return false;
    if (i > 0 || !initial) return true;
    // An all-capital first word ("EU") is a name.
    if (/^\p{Lu}{2,}/u.test(text.slice(t.start, t.end))) return true;
    const id = ctx.index.vocabulary.lemmaId(t.lemma);
    if (id >= 0) return namesOfCorpus(s).has(id);
    return !isCommonWord(t.key) && !isCommonWord(t.lemma);
  });
}

/** Checks sentences against the passages they cite; one per answer (passage facts are computed once). */
export class ClaimChecker {
  private readonly facts = new Map<number, PassageFacts>();
  private readonly byNumber: ReadonlyMap<number, GivenPassage>;
  private readonly texts: ReadonlyMap<number, string>;

  constructor(private readonly ctx: ClaimContext) {
    this.byNumber = new Map(ctx.passages.map((p) => [p.n, p]));
    this.texts = new Map(ctx.passages.map((p) => [p.n, p.text]));
  }

  private factsOf(n: number): PassageFacts {
    let f = this.facts.get(n);
    if (!f) {
      const p = this.byNumber.get(n) as GivenPassage;
      const tokens = tokenize(p.text);
      f = { quantities: [...quantities(p.text, tokens), ...quantities(p.section)], names: nameBag([p.text, p.section]), scope: scopeClasses(tokens), windows: passageWindows(this.ctx.index.sentences, p.position, this.ctx.settings.window) };
      this.facts.set(n, f);
    }
    return f;
  }

  /** The number or name of a part its cited passages do not state (else null), and its support score. */
  private evaluate(text: string, cites: readonly number[], initial: boolean): { fact: FactFailure | null; support: number } {
    const facts = [...new Set(cites)].map((n) => this.factsOf(n));
    const tokens = tokenize(text);
    const analysed = this.ctx.index.analyze(text);
    const names = namesIn(tokens, initial, text, this.ctx);
    let fact: FactFailure | null = null;
    if (quantities(text, tokens).some((q) => !facts.some((f) => quantityIn(q, f.quantities)))) fact = 'number';
    else {
      const topics = new Set(cites.flatMap((n) => [...topicsOf(this.ctx.index, (this.byNumber.get(n) as GivenPassage).source)]));
      const aliases = this.ctx.index.sentences.aliases;
      if (names.some((name) => !topics.has(name.lemma) && !facts.some((f) => nameIn(name, f.names, aliases)))) fact = 'name';
      else if ([...scopeClasses(tokens)].some((cls) => !facts.some((f) => f.scope.has(cls)))) fact = 'scope';
    }
    // Names and numbers that hold count as matched (a topic name is implied by the passage);
    // the other words are matched by the scorer's term matching.
    const held = fact ? new Set<string>() : new Set([...names.map((t) => t.lemma), ...analysed.terms.filter((t) => t.lemma.startsWith('#')).map((t) => t.lemma)]);
    const first = initial ? tokens[0] : undefined;
    const content = analysed.terms
      // A capitalised first word the corpus never uses matches only itself, like a name.
      .map((t) => (first?.capitalized && t.lemma === first.lemma && t.lemmaId < 0 ? { ...t, name: true } : t));
    // The best support of any run of sentences of a cited passage, or of one run from each of two.
    const runs = facts.flatMap((f) => f.windows);
    for (let a = 0; a < facts.length; a++) for (let b = a + 1; b < facts.length; b++) for (const x of (facts[a] as PassageFacts).windows) for (const y of (facts[b] as PassageFacts).windows) runs.push(Int32Array.from([...x, ...y]));
    const matcher = claimMatcher(content, this.ctx.index.sentences, this.ctx.index.answering.vectors);
    let support = 0;
    for (const run of runs) support = Math.max(support, claimSupport(content, run, matcher, this.ctx.settings, held).score);
    return { fact, support };
  }

  /** Why a part fails against the passages it cites, or null when it holds. */
  private failure(text: string, cites: readonly number[], initial: boolean): CheckReason | null {
    const { fact, support } = this.evaluate(text, cites, initial);
    return fact ?? (support >= this.ctx.settings.threshold ? null : 'unsupported');
  }

  /** What the check sees of a whole sentence cited to passages `cites` (for choosing the threshold). */
  evaluateSentence(text: string, cites: readonly number[]): { fact: FactFailure | null; support: number } {
    return this.evaluate(text, cites, true);
  }

  /** Checks one sentence of the answer. */
  check(raw: string): SentenceVerdict {
    const cited = checkSentenceCitations(raw, this.texts, this.ctx.systemPrompt);
    if (cited.dropped) return { text: '', reason: cited.dropped, trimmed: false };
    const sentence = cited.text;
    const parts = partsOf(sentence);
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] as Part;
      const reason = this.failure(sentence.slice(part.start, part.end), part.cites, p === 0);
      if (!reason) continue;
      const cut = this.cutPoint(sentence, parts, p);
      if (cut === null) return { text: '', reason, trimmed: false };
      return { text: `${cut.replace(/[\s,;:–—-]+$/, '')}${finalStop(sentence)}`, reason, trimmed: true };
    }
    return { text: sentence, reason: null, trimmed: false };
  }

  /**
   * Where a sentence whose part `p` fails can be cut cleanly, as the text kept: before a failing
   * clause inside the part (the clauses before it hold, and keep the part's markers), or before
   * the part itself when it starts a clause. Null when there is no clean cut.
   */
  private cutPoint(sentence: string, parts: readonly Part[], p: number): string | null {
    const part = parts[p] as Part;
    const text = sentence.slice(part.start, part.end);
    const breaks = [...text.matchAll(CLAUSE_BREAK)].map((m) => m.index);
    let keepUpTo = -1;
    for (const b of breaks) {
      const prefix = text.slice(0, b);
      if (this.failure(prefix, part.cites, p === 0)) break;
      keepUpTo = b;
    }
    if (keepUpTo > 0) return `${sentence.slice(0, part.start + keepUpTo)}${sentence.slice(part.end, part.markersEnd)}`;
    if (p > 0 && CLAUSE_START.test(text)) return sentence.slice(0, (parts[p - 1] as Part).markersEnd);
    return null;
  }
}

const finalStop = (sentence: string): string => /[.!?]$/.exec(sentence.replace(/["'”’)\]]+$/, ''))?.[0] ?? '.';

/**
 * Checks an answer as it streams in: text is pushed as it arrives, and each sentence is checked
 * once it is complete (the next one has begun, or the answer has ended), so that only checked
 * text is ever handed on.
 */
export class StreamedAnswerCheck {
  private buffer = '';
  private checkedUpTo = 0;
  private readonly keptSentences: string[] = [];
  private readonly reasons: Partial<Record<CheckReason, number>> = {};
  private sentences = 0;
  private dropped = 0;
  private trimmed = 0;

  constructor(private readonly checker: ClaimChecker) {}

  /** Adds streamed text; returns the kept text of the sentences it completed. */
  push(text: string): string[] {
    this.buffer += text;
    return this.drain(false);
  }

  /** The answer has ended: checks what is left. */
  end(): string[] {
    return this.drain(true);
  }

  get kept(): readonly string[] {
    return this.keptSentences;
  }

  checks(): AnswerChecks {
    return { sentences: this.sentences, dropped: this.dropped, trimmed: this.trimmed, reasons: { ...this.reasons } };
  }

  private drain(final: boolean): string[] {
    const sentences = answerSentences(this.buffer);
    // Sentence boundaries are final once the next sentence has begun, and its words have
    // arrived (a marker split across pieces, "…city. [" + "1]", still belongs to the last one).
    let complete = final ? sentences.length : sentences.length - 1;
    if (!final && complete > 0 && !/\p{L}/u.test((sentences.at(-1) as string).replace(/\[[\d,\s]*\]?/g, ''))) complete--;
    const out: string[] = [];
    for (let i = this.checkedUpTo; i < complete; i++) {
      const verdict = this.checker.check(sentences[i] as string);
      this.sentences++;
      if (verdict.reason) this.reasons[verdict.reason] = (this.reasons[verdict.reason] ?? 0) + 1;
      if (!verdict.text) this.dropped++;
      else {
        if (verdict.trimmed) this.trimmed++;
        this.keptSentences.push(verdict.text);
        out.push(verdict.text);
      }
    }
    this.checkedUpTo = Math.max(this.checkedUpTo, complete);
    return out;
  }
}
