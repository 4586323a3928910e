/**
 * npx tsx bench/answer-latency.ts [passes]
 *
 * In-process latency of the offline answer on the Heihe corpus, warm: every Heihe question
 * (the evaluation sets, follow-ups with their history, and the bench's timing questions), one
 * untimed pass, then `passes` timed ones. Two figures: `runtime.answer()` (condense, analyse,
 * retrieve, answer: what `npm run bench` times) and the extractive answerer alone
 * (`answerExtractively` on an analysed question and its retrieved passages, the part the
 * answerer's own code decides). Prints the load average beside them: the machine is shared.
 */
import os from 'node:os';
import { condenseOffline } from '../src/answer/condense.js';
import { answerExtractively, DEFAULT_EXTRACTIVE, READ_PASSAGES } from '../src/answer/extractive.js';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS } from './questions.js';
import { openCorpus, readCases } from './answer-corpus.js';
import { fmt } from './stats.js';
import { measureLatency, type LatencyMeasure } from './measure.js';

const passes = Number(process.argv[2] ?? 5);
const SHARED = '../shared/eval';
const cases = [
  ...readCases(`${SHARED}/dev.jsonl`),
  ...readCases('tests/fixtures/heihe-questions.jsonl'),
  ...readCases('tests/fixtures/heihe-followups.jsonl'),
  ...readCases('tests/fixtures/eval-holdout.jsonl'),
  ...[...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS].map((question, i) => ({ id: `bench-${i}`, question, history: [] })),
];

const report = (label: string, m: LatencyMeasure): void => {
  const l = m.all;
  console.log(`${label.padEnd(34)} p50 ${fmt(l.p50)} ms  p95 ${fmt(l.p95)} ms  p99 ${fmt(l.p99)} ms  (per-pass p50 ${fmt(m.passP50.min)}–${fmt(m.passP50.max)}; n=${l.n})`);
};

const { runtime, index, close } = await openCorpus('corpus');
try {
  const k = runtime.config.defaultK;
  const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`${cases.length} Heihe questions × ${passes} passes (after a warm-up pass); load average before: ${load()}`);
  const full = await measureLatency(cases, passes, (c) => runtime.answer({ question: c.question, history: c.history ?? [], k }, index));
  // The answerer alone, on questions analysed and passages retrieved beforehand.
  const prepared = await Promise.all(
    cases.map(async (c) => {
      const q = index.analyze(condenseOffline(c.question, c.history ?? [], index.followUps));
      return { q, passages: await index.retriever.retrieve({ text: q.text, tokens: q.tokens }, Math.max(k, READ_PASSAGES)) };
    }),
  );
  const answerer = await measureLatency(prepared, passes, ({ q, passages }) => answerExtractively(q, passages, index.answering, { ...DEFAULT_EXTRACTIVE, citePassages: k }));
  report('runtime.answer (whole offline ask)', full);
  report('answerExtractively alone', answerer);
  console.log(`load average after: ${load()}`);
} finally {
  close();
}
