/**
 * npx tsx bench/answer-stages.ts [passes] [corpusDir]
 *
 * Where an offline answer's time goes, stage by stage, on the same questions as
 * bench/answer-latency.ts: question analysis, retrieval, the answerer's candidate list, pair
 * features, the ranker, the refusal's question features, composing the answer, and the JSON of
 * the response. Each stage is timed over every question (one warm-up pass, then `passes`),
 * on inputs prepared by the stages before it, so the figures add up to about one answer.
 */
import os from 'node:os';
import { condenseOffline } from '../src/answer/condense.js';
import { answerExtractively, DEFAULT_EXTRACTIVE, READ_PASSAGES, scoreQuestion } from '../src/answer/extractive.js';
import { candidatesOf, corpusFeatures, pairFeatures, topFeatures } from '../src/answer/features.js';
import { stripInvisible } from '../src/text/normalize.js';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS } from './questions.js';
import { openCorpus, readCases } from './answer-corpus.js';
import { fmt } from './stats.js';
import { measureLatency } from './measure.js';

const passes = Number(process.argv[2] ?? 5);
const corpus = process.argv[3] ?? 'corpus';
const SHARED = '../shared/eval';
const cases =
  corpus === 'corpus'
    ? [
        ...readCases(`${SHARED}/dev.jsonl`),
        ...readCases('tests/fixtures/heihe-questions.jsonl'),
        ...readCases('tests/fixtures/heihe-followups.jsonl'),
        ...readCases('tests/fixtures/eval-holdout.jsonl'),
        ...[...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS].map((question, i) => ({ id: `bench-${i}`, question, history: [] })),
      ]
    : [...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS].map((question, i) => ({ id: `bench-${i}`, question, history: [] }));

const { runtime, index, close } = await openCorpus(corpus);
try {
  const k = runtime.config.defaultK;
  const ctx = index.answering;
  const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`${cases.length} questions × ${passes} passes on ${corpus}; load average before: ${load()}`);
  const standalone = cases.map((c) => stripInvisible(condenseOffline(stripInvisible(c.question), c.history ?? [], index.followUps)));
  const analysed = standalone.map((s) => index.analyze(s));
  const retrieved = await Promise.all(analysed.map((q) => index.retriever.retrieve({ text: q.text, tokens: q.tokens }, Math.max(k, READ_PASSAGES))));
  const items = analysed.map((q, i) => {
    const passages = retrieved[i] ?? [];
    const candidates = candidatesOf(passages, ctx.index);
    const pair = pairFeatures(q, passages, candidates, ctx.index, ctx.vectors);
    const scores = ctx.model.rank(pair);
    return { q, passages, candidates, pair, scores };
  });
  const rows: Array<[string, number]> = [];
  const time = async <T>(label: string, list: readonly T[], fn: (x: T) => unknown): Promise<void> => {
    const m = await measureLatency(list, passes, fn);
    rows.push([label, m.all.mean]);
    console.log(`${label.padEnd(44)} mean ${fmt(m.all.mean * 1000)} µs  p50 ${fmt(m.all.p50 * 1000)} µs`);
  };
  await time('condense + analyse question', cases, (c) => index.analyze(stripInvisible(condenseOffline(stripInvisible(c.question), c.history ?? [], index.followUps))));
  await time('retrieve (dense + BM25 + fusion), 10 passages', analysed, (q) => index.retriever.retrieve({ text: q.text, tokens: q.tokens }, Math.max(k, READ_PASSAGES)));
  await time('candidatesOf', items, (x) => candidatesOf(x.passages, ctx.index));
  await time('pairFeatures', items, (x) => pairFeatures(x.q, x.passages, x.candidates, ctx.index, ctx.vectors));
  await time('ranker (forest)', items, (x) => ctx.model.rank(x.pair));
  await time('topFeatures + corpusFeatures', items, (x) => [topFeatures(x.pair, x.scores), corpusFeatures(x.q, ctx.index, ctx.lexiconSize)]);
  await time('scoreQuestion (all of the above after retrieval)', items, (x) => scoreQuestion(x.q, x.passages, ctx));
  await time('answerExtractively (scoreQuestion + compose)', items, (x) => answerExtractively(x.q, x.passages, ctx, { ...DEFAULT_EXTRACTIVE, citePassages: k }));
  const answers = await Promise.all(cases.map((c) => runtime.answer({ question: c.question, history: c.history ?? [], k }, index)));
  await time('JSON.stringify of the answer', answers, (a) => JSON.stringify(a));
  await time('runtime.answer (whole offline ask)', cases, (c) => runtime.answer({ question: c.question, history: c.history ?? [], k }, index));
  const candidates = items.reduce((a, x) => a + x.candidates.length, 0) / items.length;
  const bytes = answers.reduce((a, x) => a + JSON.stringify(x).length, 0) / answers.length;
  console.log(`mean candidates per question ${fmt(candidates)}; mean answer JSON ${fmt(bytes)} characters; load average after: ${load()}`);
} finally {
  close();
}
