/**
 * A small corpus about Heihe indexed the way ingest does it (real chunker, real sentence
 * index) over a fake lexicon, and hand-made answerer models whose few weights a test can
 * reason about. For unit tests of question analysis, features and the extractive answerer.
 */
import { chunkSource } from '../../src/ingest/chunk.js';
import { buildSentenceIndex, SENTENCE_FEATURES_VERSION, type SentenceIndex } from '../../src/answer/sentence-index.js';
import { vocabularyOf, analyzeQuestion, type AnalyzedQuestion, type Vocabulary } from '../../src/answer/question.js';
import { LemmaVectors, PAIR_FEATURES, QUESTION_FEATURES } from '../../src/answer/features.js';
import { CALIBRATED_FEATURES, MODEL_FORMAT, parseModel, type AnswererModel } from '../../src/answer/model.js';
import { UNCALIBRATED } from '../../src/answer/calibration.js';
import type { AnswerContext } from '../../src/answer/extractive.js';
import type { Lexicon } from '../../src/answer/lexicon.js';
import { EMPTY_THESAURUS, type Thesaurus } from '../../src/text/wordnet.js';
import type { Chunk, Retrieved } from '../../src/types.js';
import { fakeLexicon, retrieved } from './unit-fakes.js';

export const HEIHE_SOURCE = [
  'Geography',
  'Anheihe, also called Heihe, lies on the Amur River in Heilongjiang province. It faces Blagoveshchensk across the river. The two cities are linked by a bridge.',
  'Population',
  'Heihe is home to a population of over 1.5 million humans. Han Chinese are the majority. The Manchu have lived in the region since 1689.',
  'Climate',
  'Winters in Heihe are long and bitterly cold, with temperatures far below freezing. Summers are short and mild.',
  'History',
  'The Treaty of Nerchinsk was signed in 1689. It described the border along the Amur River.',
  'Education',
  'Heihe University offers programs in arts and sciences.',
  'Trade',
  'Heihe has a port on the river for trade with Russia. The European Union (EU) buys timber there.',
].join('\n\n');

export const HEIHE_LEXICON = fakeLexicon({
  common: ['the', 'of', 'and', 'a', 'in', 'to', 'is', 'was', 'like', 'city', 'people', 'live', 'home', 'over', 'million', 'year', 'river', 'population', 'long', 'cold', 'winter', 'winters', 'summers', 'russia'],
  similar: [
    ['people', 'humans', 0.8],
    ['live', 'home', 0.75],
    ['cold', 'freezing', 0.7],
  ],
  unknown: ['anheihe', 'blagoveshchensk', 'nerchinsk', 'heihe'],
});

export interface Fixture {
  readonly chunks: readonly Chunk[];
  readonly index: SentenceIndex;
  readonly vocabulary: Vocabulary;
  readonly lexicon: Lexicon;
  chunk(section: string): Chunk;
  analyze(question: string, asked?: string): AnalyzedQuestion;
  passages(...sections: string[]): Retrieved[];
  context(model: AnswererModel): AnswerContext;
}

export function heiheFixture(source = HEIHE_SOURCE, lexicon: Lexicon = HEIHE_LEXICON, thesaurus: Thesaurus = EMPTY_THESAURUS): Fixture {
  const chunks = chunkSource({ path: 'heihe.txt', text: source }, { maxChars: 1000, minChars: 0 });
  const index = buildSentenceIndex(chunks, lexicon);
  const vocabulary = vocabularyOf(index, lexicon, thesaurus);
  const chunk = (section: string): Chunk => {
    const c = chunks.find((x) => x.section === section);
    if (!c) throw new Error(`no chunk in ${section}`);
    return c;
  };
  return {
    chunks,
    index,
    vocabulary,
    lexicon,
    chunk,
    analyze: (q, asked) => analyzeQuestion(q, index, vocabulary, lexicon, asked),
    passages: (...sections) => retrieved(sections.map(chunk), chunks),
    context: (model) => ({ index, vectors: new LemmaVectors(index, lexicon), model, calibration: UNCALIBRATED, lexiconSize: lexicon.size }),
  };
}

/** A model with only the named weights (on unstandardised features), as a test can reason about it. */
export function handModel(opts: { ranker: Record<string, number>; refusal: Record<string, number>; refusalBias: number; threshold: number; secondMinProb: number; duplicateOverlap?: number }): AnswererModel {
  const questionNames = [...QUESTION_FEATURES, ...CALIBRATED_FEATURES];
  const linear = (names: readonly string[], weights: Record<string, number>, bias: number): { mean: number[]; scale: number[]; weights: number[]; bias: number } => {
    for (const k of Object.keys(weights)) if (!names.includes(k)) throw new Error(`no feature ${k}`);
    return { mean: names.map(() => 0), scale: names.map(() => 1), weights: names.map((n) => weights[n] ?? 0), bias };
  };
  return parseModel({
    format: MODEL_FORMAT,
    createdAt: '2026-12-01T00:00:00.000Z',
    features: { version: SENTENCE_FEATURES_VERSION, pair: [...PAIR_FEATURES], question: questionNames },
    ranker: { kind: 'linear', ...linear(PAIR_FEATURES, opts.ranker, 0) },
    refusal: { ...linear(questionNames, opts.refusal, opts.refusalBias), threshold: opts.threshold, targetPrecision: 0.95, bankQuantile: 0.9 },
    compose: { secondMinProb: opts.secondMinProb, duplicateOverlap: opts.duplicateOverlap ?? 0.8 },
    training: { dataHash: 'test', sources: [], questions: 0, candidates: 0 },
    validation: {},
  });
}
