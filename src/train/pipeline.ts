/**
 * The training pipeline from labelled articles to a fitted model (npm run train, and the test
 * that retrains on a small fixture): builds the off-topic bank, indexes every training corpus
 * in memory, asks each its questions (answerable, off-topic, made unanswerable, adversarial),
 * and fits and validates the model (train.ts). Deterministic for the same inputs.
 */
import { rowOf, sentenceTexts, type SentenceIndex } from '../answer/sentence-index.js';
import type { LocalGloveEmbeddings } from '../embeddings/local-glove.js';
import type { Lexicon } from '../answer/lexicon.js';
import type { Thesaurus } from '../text/wordnet.js';
import { untrainedModel } from '../answer/model.js';
import { DEFAULT_EXTRACTIVE, sentenceOverlap } from '../answer/extractive.js';
import type { OffTopicBank } from '../answer/calibration.js';
import type { Article, LabelledQuestion } from './labelled.js';
import { corpusSpecs, offTopicBank, type CorpusSpec } from './corpora.js';
import { answeringSentences, buildCorpus, runQuestion, runWithoutAnswer, statesAnswer, type BuiltCorpus, type Run } from './dataset.js';
import { train, type RankerCache, type RankerWeighting, type TrainResult } from './train.js';
import { corpusNames, corruptQuestion, mainNames, rewordQuestion, swapName, transplantQuestion } from './corrupt.js';
import type { BoostParams } from './boost.js';
import { spinArticle, type SpinOptions } from './spin.js';
import { pronounFollowUp } from './follow-ups.js';
import { condenseOffline } from '../answer/condense.js';

export interface PipelineInput {
  readonly squad: readonly Article[];
  readonly heihe: Article;
  /** Questions of the evaluation sets: never in the bank. */
  readonly sharedQuestions: ReadonlySet<string>;
  readonly glove: LocalGloveEmbeddings;
  readonly lexicon: Lexicon;
  readonly thesaurus: Thesaurus;
  readonly bankPerArticle: number;
  readonly adversarialPerArticle: number;
  readonly corruptEvery: number;
  /** Also reword every n-th answerable question with a WordNet relative (corrupt.ts rewordQuestion), as a training-only answerable one; 0: none. */
  readonly rewordEvery?: number;
  readonly boost: BoostParams;
  /** How the ranker weighs its training questions (TrainInput.rankerWeighting). */
  readonly rankerWeighting?: RankerWeighting;
  readonly refusalL2: readonly number[];
  /** Fit the refusal under the weight signs of QUESTION_FEATURE_SIGNS (monotone logistic regression). */
  readonly monotoneRefusal?: boolean;
  /** Boosted trees on the refusal's linear log-odds (see TrainInput.refusalBoost). */
  readonly refusalBoost?: BoostParams;
  readonly rankerCache?: RankerCache;
  /** Also make on-topic unanswerables by swapping a name for another the corpus uses (corrupt.ts). */
  readonly swapNames?: boolean;
  /** Also ask every n-th answerable question without the passages that answer it, as an on-topic unanswerable (dataset.ts runWithoutAnswer); 0: none. */
  readonly removeAnswersEvery?: number;
  /**
   * Also make on-topic unanswerables by asking every n-th answerable question of a one-article
   * corpus (and Heihe's) of a copy of it without the sentences that answer them (the rest of
   * their passages stays); 0 or absent: none.
   */
  readonly thinEvery?: number;
  /**
   * Also make on-topic unanswerables by asking every n-th answerable question of a one-article
   * corpus (and Heihe's) of a copy of it with only its answer (its facts) cut from the sentences
   * that state it; 0 or absent: none.
   */
  readonly cutAnswersEvery?: number;
  /** Also ask each SQuAD article's answerable questions of a spun copy of it (spin.ts), for the ranker only; absent: none. */
  readonly spin?: SpinOptions;
  /**
   * Also move every n-th off-topic bank question that names something onto one of the corpus's
   * three main names (corrupt.ts transplantQuestion), as an on-topic unanswerable; 0 or absent: none.
   */
  readonly transplantEvery?: number;
  /**
   * Also ask every n-th answerable question as a follow-up to the question before it in its
   * article (follow-ups.ts), for the ranker only; 0 or absent: none.
   */
  readonly followUpEvery?: number;
  /** The ranker's weight of a made follow-up (TrainInput.followUpWeight). */
  readonly followUpWeight?: number;
  /** Made follow-ups are scored held out but fitted on by nothing (a baseline for them). */
  readonly followUpsEvalOnly?: boolean;
  /** How often a refusal must be right on held-out folds (default REFUSAL_PRECISION). */
  readonly refusalPrecision?: number;
  /** The quantile of a corpus's off-topic bank P(answerable) it refuses below (default BANK_QUANTILE). */
  readonly bankQuantile?: number;
  readonly log?: (m: string) => void;
}

export interface PipelineResult {
  readonly result: TrainResult;
  readonly bank: OffTopicBank;
  readonly runs: readonly Run[];
  readonly built: readonly BuiltCorpus[];
  readonly specs: ReadonlyArray<CorpusSpec | { readonly name: string; readonly kind: 'heihe'; readonly articles: readonly string[] }>;
  /** Share of the smaller sentence's terms the other has (the near-duplicate test). */
  readonly overlap: (run: Run, a: number, b: number) => number;
  readonly duplicateOverlap: number;
}

/** `text` without the character ranges (overlapping ones merged), a space where one was cut. */
export function withoutRanges(text: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [a, b] of sorted) {
    if (b <= at) continue;
    out += `${text.slice(at, Math.max(at, a)).replace(/[ \t]+$/, '')} `;
    at = b;
  }
  return (out + text.slice(at).replace(/^[ \t]+/, '')).replace(/ +\n/g, '\n');
}

/** The whole answering sentences of a run as [source, start, end) document ranges (thinned copies). */
export function answerSentenceRanges(run: Run, corpus: BuiltCorpus): Array<[string, number, number]> {
  return answeringSentences(run, corpus).map(({ chunk, start, end }) => [chunk.source, chunk.start + start, chunk.start + end]);
}

/**
 * Every occurrence of a run's facts (SQuAD's shortest answer, a Heihe question's facts) inside
 * its answering sentences, case-insensitive (cut copies); none when no fact is written there
 * as it is (the sentence would keep the answer).
 */
export function answerFactRanges(run: Run, corpus: BuiltCorpus): Array<[string, number, number]> {
  // Whole words only ("two" is not cut from "network"), matched in the text as written (lower-casing can change lengths).
  const patterns = run.question.facts
    .map((f) => f.trim())
    .filter((f) => f.length > 0)
    .map((f) => new RegExp(`(?<![\\p{L}\\p{N}])${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'giu'));
  const ranges: Array<[string, number, number]> = [];
  for (const { chunk, start, end } of answeringSentences(run, corpus)) {
    const text = chunk.text.slice(start, end);
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) ranges.push([chunk.source, chunk.start + start + m.index, chunk.start + start + m.index + m[0].length]);
  }
  return ranges;
}

// A corpus refuses at least 9 in 10 of its off-topic bank (the bank quantile of P(answerable)).
export const BANK_QUANTILE = 0.9;
/** A refusal should be right 19 times in 20 when answerable and off-topic questions are equally common. */
export const REFUSAL_PRECISION = 0.95;

// Two sentences sharing more than 80 % of the smaller one's terms say the same thing twice.
export const DUPLICATE_OVERLAP = 0.8;

export async function trainPipeline(input: PipelineInput): Promise<PipelineResult> {
  const { squad, heihe, glove, lexicon, thesaurus } = input;
  const log = input.log ?? (() => {});
  const opts = { adversarialPerArticle: input.adversarialPerArticle, corruptEvery: input.corruptEvery };
  const sharedQuestions = input.sharedQuestions;
  const bank = offTopicBank(squad, input.bankPerArticle, 30, sharedQuestions, 'SQuAD 2.0 (Rajpurkar et al. 2018), Wikipedia text, CC BY-SA 4.0: questions of ../shared/eval/squad/train-squad.json');
  const bankQuestions = new Map(bank.articles.map((a) => [a.title, new Set(a.questions)]));

  const placeholder = untrainedModel();
  const articles = [...squad, heihe];
  const byTitle = new Map(articles.map((a) => [a.title, a]));
  const specs = [...corpusSpecs(squad.map((a) => a.title)), { name: 'heihe', kind: 'heihe', articles: ['Heihe'] } as const];

  const t0 = performance.now();
  const runs: Run[] = [];
  const built: BuiltCorpus[] = [];
  for (const spec of specs) {
    const corpus = await buildCorpus(spec.name, spec.articles.map((t) => byTitle.get(t) as Article), glove, glove.info, lexicon, thesaurus, placeholder);
    built.push(corpus);
    const inCorpus = new Set(spec.articles);
    const texts = input.swapNames || input.transplantEvery ? sentenceTexts(corpus.sentences, corpus.chunks) : [];
    const names = input.swapNames ? corpusNames(texts) : [];
    let count = 0;
    let rewordedCount = 0;
    let removedCount = 0;
    const transplantEvery = input.transplantEvery ?? 0;
    // Its subjects, and the folds its own questions are validated in (transplanted ones take turns).
    const subjects = transplantEvery > 0 ? mainNames(texts).slice(0, 3) : [];
    const ownFolds = [...new Set(spec.articles.flatMap((t) => (byTitle.get(t) as Article).questions.map((q) => q.fold)))];
    let transplantable = 0;
    let transplantedCount = 0;
    let followUpCount = 0;
    const followUpEvery = input.followUpEvery ?? 0;
    for (const a of articles) {
      if (inCorpus.has(a.title)) {
        let adversarial = 0;
        let answerable = 0;
        let previous: string | null = null;
        for (const q of a.questions) {
          count++;
          const before = previous;
          previous = q.question;
          if (q.impossible) {
            if (a.title === 'Heihe') runs.push(await runQuestion(corpus, q, 'unanswerable', lexicon.size));
            else if (adversarial++ < Number(opts.adversarialPerArticle)) runs.push(await runQuestion(corpus, q, 'adversarial', lexicon.size));
            continue;
          }
          const run = await runQuestion(corpus, q, 'answerable', lexicon.size);
          runs.push(run);
          const nth = answerable++;
          if (followUpEvery > 0 && before !== null && nth % followUpEvery === 0) {
            // Asked after the question before it (SQuAD lists a paragraph's questions together), as the server would condense it.
            const asked = pronounFollowUp(q.question, before);
            const standalone = asked === null ? null : condenseOffline(asked, [{ role: 'user', content: before }], corpus.serving.followUps);
            if (asked !== null && standalone !== null && standalone !== asked) {
              const followUp = await runQuestion(corpus, { ...q, id: `${q.id}~followup`, question: standalone }, 'answerable', lexicon.size, true, asked);
              runs.push({ ...followUp, rankerOnly: true, followUp: true, ...(input.followUpsEvalOnly ? { evalOnly: true } : {}) });
              followUpCount++;
            }
          }
          const removeEvery = input.removeAnswersEvery ?? 0;
          // Two questions after the corrupted ones, so the made kinds seldom share a source.
          if (removeEvery > 0 && nth % removeEvery === 2 % removeEvery) {
            const removed = await runWithoutAnswer(corpus, run, lexicon.size);
            if (removed) {
              runs.push(removed);
              removedCount++;
            }
          }
          const rewordEvery = input.rewordEvery ?? 0;
          // Reworded ones start one question after the corrupted ones, so the two seldom share a source.
          const reword = rewordEvery > 0 && nth % rewordEvery === 1 % rewordEvery;
          if (nth % Number(opts.corruptEvery) !== 0 && !reword) continue;
          const answerLemmas = new Set<number>();
          run.labels.forEach((l, i) => l && rowOf(corpus.sentences.terms, run.sentence[i] as number).forEach((id) => answerLemmas.add(id)));
          if (reword) {
            // 0.4: the cosine between unrelated words (~0.3) and loosely related ones (~0.5), as features.ts SOFT_BANDS.
            const reworded = rewordQuestion(q.question, corpus.serving, answerLemmas, thesaurus, (a, b) => glove.wordSimilarity(a, b), 0.4);
            if (reworded) {
              runs.push(await runQuestion(corpus, { ...q, id: `${q.id}~reworded`, question: reworded }, 'answerable', lexicon.size, true));
              rewordedCount++;
            }
          }
          if (nth % Number(opts.corruptEvery) !== 0) continue;
          const corrupted = corruptQuestion(q.question, corpus.serving, answerLemmas, glove.table);
          const made = (id: string, question: string): LabelledQuestion => ({ ...q, id: `${q.id}~${id}`, question, impossible: true, spans: [], evidence: [], facts: [] });
          if (corrupted) runs.push(await runQuestion(corpus, made('unanswerable', corrupted), 'unanswerable', lexicon.size, true));
          const swapped = input.swapNames ? swapName(q.question, corpus.serving, answerLemmas, names, (a, b) => glove.wordSimilarity(a, b)) : null;
          if (swapped) runs.push(await runQuestion(corpus, made('swapped', swapped), 'unanswerable', lexicon.size, true));
        }
      } else {
        // Off the corpus: the article's bank questions; Heihe's questions for the Heihe corpus
        // only (many of them name no place: "How long are the summers?" is a fair question for
        // any corpus about a city, so it is no off-topic example for one).
        const bankOf = bankQuestions.get(a.title);
        if (a.title === 'Heihe') continue;
        for (const q of a.questions) {
          if (bankOf?.has(q.question.trim()) && !q.impossible) {
            runs.push(await runQuestion(corpus, q, 'offtopic', lexicon.size));
            count++;
            const moved = subjects.length ? transplantQuestion(q.question, subjects[transplantable % subjects.length] as string) : null;
            if (moved && transplantable++ % transplantEvery === 0) {
              const fold = ownFolds[transplantedCount++ % ownFolds.length] as string;
              runs.push(await runQuestion(corpus, { ...q, id: `${q.id}~transplanted`, question: moved, article: spec.articles[0] as string, fold, impossible: true, spans: [], evidence: [], facts: [] }, 'unanswerable', lexicon.size, true));
            }
          }
        }
      }
    }
    log(`${spec.name}: ${corpus.chunks.length} chunks, ${corpus.sentences.start.length} sentences, ${count} questions, ${rewordedCount} reworded, ${removedCount} without their answer, ${transplantedCount} transplanted, ${followUpCount} follow-ups (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  // Copies of the one-article corpora (and Heihe's) with the answers of every n-th answerable
  // question cut, each question asked of its copy as an on-topic unanswerable: thinned copies
  // lose the answering sentences, cut copies only the answer within them (SQuAD 2.0's kind of
  // unanswerable: the sentence still names what is asked about, not the asked-for fact). A copy
  // holds the same article (so its fold leaves it out) and is calibrated with its original's bank.
  const copySpecs: CorpusSpec[] = [];
  const originals = specs.map((spec, i) => ({ spec, corpus: built[i] as BuiltCorpus })).filter(({ spec }) => spec.kind !== 'group');
  const copies: Array<{ readonly kind: string; readonly suffix: string; readonly lost: string; readonly every: number; readonly offset: number; readonly cut: (run: Run, corpus: BuiltCorpus) => Array<[string, number, number]> }> = [
    { kind: 'thin', suffix: 'thinned', lost: 'sentences', every: input.thinEvery ?? 0, offset: 1, cut: answerSentenceRanges },
    // Offset 2: mostly other questions than the thinned ones, when both are made.
    { kind: 'cut', suffix: 'cut', lost: 'facts', every: input.cutAnswersEvery ?? 0, offset: 2, cut: answerFactRanges },
  ];
  for (const { kind, suffix, lost, every, offset, cut: rangesOf } of copies) {
    if (every <= 0) continue;
    for (const { spec, corpus } of originals) {
      const asked = runs.filter((r) => r.corpus === spec.name && r.role === 'answerable' && !r.made).filter((_r, i) => i % every === offset % every);
      const cut = new Map<string, Array<[number, number]>>();
      const cutting = asked.filter((r) => {
        const ranges = rangesOf(r, corpus);
        for (const [source, a, b] of ranges) {
          const list = cut.get(source) ?? [];
          list.push([a, b]);
          cut.set(source, list);
        }
        return ranges.length > 0;
      });
      if (cut.size === 0) continue;
      const changed = spec.articles.map((t) => byTitle.get(t) as Article).map((a) => ({ ...a, doc: { ...a.doc, text: withoutRanges(a.doc.text, cut.get(a.doc.path) ?? []) } }));
      const copySpec: CorpusSpec = { name: `${kind}:${spec.name}`, kind: 'one-document', articles: spec.articles };
      const copy = await buildCorpus(copySpec.name, changed, glove, glove.info, lexicon, thesaurus, placeholder);
      built.push(copy);
      copySpecs.push(copySpec);
      let made = 0;
      for (const r of cutting) {
        // Spans point into the original text: only the facts (and Heihe's evidence) say whether a sentence left still answers.
        const q: LabelledQuestion = { ...r.question, id: `${r.question.id}~${suffix}`, impossible: true, spans: [] };
        const run = await runQuestion(copy, q, 'unanswerable', lexicon.size, true);
        if (statesAnswer(run)) continue;
        runs.push({ ...run, question: { ...q, evidence: [], facts: [] }, calibrationCorpus: spec.name });
        made++;
      }
      log(`${copySpec.name}: ${made} of ${cutting.length} questions asked without their answer ${lost} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }

  // Spun copies of the SQuAD articles, one corpus each, holding the article's title (so that its
  // fold leaves the copy out too): their answerable questions, for the ranker only.
  const spunSpecs: CorpusSpec[] = [];
  if (input.spin) {
    for (const a of squad) {
      const spun = spinArticle(a, thesaurus, (x, y) => glove.wordSimilarity(x, y), input.spin);
      if (!spun) continue;
      const spec: CorpusSpec = { name: `spun:${a.title}`, kind: 'one-document', articles: [a.title] };
      const corpus = await buildCorpus(spec.name, [spun], glove, glove.info, lexicon, thesaurus, placeholder);
      built.push(corpus);
      spunSpecs.push(spec);
      for (const q of spun.questions) runs.push({ ...(await runQuestion(corpus, q, 'answerable', lexicon.size, true)), rankerOnly: true });
      log(`${spec.name}: ${corpus.chunks.length} chunks, ${spun.questions.length} questions (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  const allSpecs = [...specs, ...copySpecs, ...spunSpecs];

  const indexOf = new Map(built.map((c) => [c.name, c.sentences]));
  const overlap = (run: Run, a: number, b: number): number => sentenceOverlap(indexOf.get(run.corpus) as SentenceIndex, run.sentence[a] as number, run.sentence[b] as number);

  const result = train(
    {
      runs,
      corpora: allSpecs.map((s) => ({ name: s.name, kind: s.kind, articles: new Set(s.articles) })),
      bankArticles: new Set(squad.map((a) => a.title)),
      folds: [...new Set(articles.flatMap((a) => a.questions.map((q) => q.fold)))],
      boost: input.boost,
      ...(input.rankerWeighting ? { rankerWeighting: input.rankerWeighting } : {}),
      ...(input.followUpWeight !== undefined ? { followUpWeight: input.followUpWeight } : {}),
      refusalL2: input.refusalL2,
      ...(input.monotoneRefusal ? { monotoneRefusal: true } : {}),
      ...(input.refusalBoost ? { refusalBoost: input.refusalBoost } : {}),
      ...(input.rankerCache ? { rankerCache: input.rankerCache } : {}),
      bankQuantile: input.bankQuantile ?? BANK_QUANTILE,
      targetPrecision: input.refusalPrecision ?? REFUSAL_PRECISION,
      // The limit is a median of 450 characters; keep a margin for markers and the second sentence.
      maxMedianChars: 400,
      log,
    },
    overlap,
    DUPLICATE_OVERLAP,
    DEFAULT_EXTRACTIVE.maxChars,
  );

  return { result, bank, runs, built, specs: allSpecs, overlap, duplicateOverlap: DUPLICATE_OVERLAP };
}
