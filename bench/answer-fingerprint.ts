/**
 * npx tsx bench/answer-fingerprint.ts [out.jsonl]
 *
 * A fingerprint of everything the offline answerer decides, for checking that a change meant
 * only to make it faster changes no output: every question of the Heihe and SQuAD evaluation
 * sets (follow-ups with their history) through the runtime, one JSON line each with the
 * answer, grounded, the cited chunk ids, P(answerable), and SHA-256 hashes of the exact bits of
 * the pair-feature matrix, the ranker's scores and the question-feature row; first, per corpus,
 * the refusal calibration it computed at load. Two runs on the same code give the same file;
 * compare the files of the code before and after a change with `cmp`.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { condenseOffline } from '../src/answer/condense.js';
import { READ_PASSAGES, scoreQuestion } from '../src/answer/extractive.js';
import { stripInvisible } from '../src/text/normalize.js';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS } from './questions.js';
import { openCorpus, readCases } from './answer-corpus.js';
import type { EvalCase } from '../src/train/labelled.js';

const SHARED = '../shared/eval';

/** Question sets by corpus (the bench's timing questions too: they are what the bench times). */
const CORPORA: ReadonlyArray<{ corpus: string; sets: ReadonlyArray<{ name: string; cases: EvalCase[] }> }> = [
  {
    corpus: 'corpus',
    sets: [
      { name: 'heihe-dev', cases: readCases(`${SHARED}/dev.jsonl`) },
      { name: 'heihe-questions', cases: readCases('tests/fixtures/heihe-questions.jsonl') },
      { name: 'heihe-followups', cases: readCases('tests/fixtures/heihe-followups.jsonl') },
      { name: 'heihe-holdout', cases: readCases('tests/fixtures/eval-holdout.jsonl') },
      { name: 'bench', cases: [...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS].map((question, i) => ({ id: `bench-${i}`, question })) },
    ],
  },
  { corpus: 'tests/fixtures/heihe-changed', sets: [{ name: 'heihe-changed', cases: readCases('tests/fixtures/heihe-changed.jsonl') }] },
  {
    corpus: `${SHARED}/squad/dev/corpus`,
    sets: [
      { name: 'squad-dev', cases: readCases(`${SHARED}/squad/dev/set.jsonl`) },
      { name: 'squad-adversarial', cases: readCases(`${SHARED}/squad/dev/adversarial.jsonl`) },
    ],
  },
];

const hashOf = (a: Float64Array): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

const out = process.argv[2] ?? 'bench/results/answer-fingerprint.jsonl';
const lines: string[] = [];
let questions = 0;
for (const { corpus, sets } of CORPORA) {
  const { runtime, index, close } = await openCorpus(corpus);
  try {
    const c = index.answering.calibration;
    lines.push(JSON.stringify({ corpus, calibration: { questions: c.questions, median: c.median, spread: c.spread, answerLevel: c.answerLevel } }));
    for (const set of sets) {
      for (const kase of set.cases) {
        const history = kase.history ?? [];
        const answer = await runtime.answer({ question: kase.question, history, k: runtime.config.defaultK }, index);
        // The same steps ask() takes offline, to reach what the answer does not carry.
        const standalone = stripInvisible(condenseOffline(stripInvisible(kase.question), history, index.followUps));
        const q = index.analyze(standalone);
        const passages = await index.retriever.retrieve({ text: standalone, tokens: q.tokens }, Math.max(runtime.config.defaultK, READ_PASSAGES));
        const scored = scoreQuestion(q, passages, index.answering);
        const scores = Float64Array.from(scored.candidates, (s) => s.score);
        const probs = Float64Array.from(scored.candidates, (s) => s.prob);
        lines.push(
          JSON.stringify({
            set: set.name,
            id: kase.id,
            question: kase.question,
            standalone,
            answer: answer.answer,
            grounded: answer.grounded,
            citations: answer.citations.map((x) => x.chunkId),
            quotes: answer.citations.map((x) => x.quotes ?? null),
            answerable: scored.answerable,
            candidates: scored.candidates.length,
            pair: hashOf(scored.pair),
            scores: hashOf(scores),
            probs: hashOf(probs),
            questionFeatures: hashOf(scored.question),
          }),
        );
        questions++;
      }
    }
  } finally {
    close();
  }
}
writeFileSync(out, `${lines.join('\n')}\n`);
console.log(`${questions} questions fingerprinted into ${out}`);
