/**
 * npx tsx scripts/fusion-recall.ts [--heihe-sets a.jsonl,b.jsonl]
 *
 * How FUSION_K (src/retrieval/hybrid.ts) was chosen: on the training questions, how often the
 * passage holding the answer is among the READ_PASSAGES the answerer reads, for reciprocal
 * rank fusion with other rank constants and dense-list weights. Each SQuAD training article is
 * indexed alone (as the one-document corpora of training are), then Heihe's corpus with its
 * training question sets; every question is asked once for the dense and BM25 rank of every
 * chunk, and the fusion is simulated over those ranks. Prints one table per corpus kind.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import { READ_PASSAGES } from '../src/answer/extractive.js';
import { questionSet, squadArticles } from '../src/train/labelled.js';

const program = new Command()
  .option('--squad <file>', 'SQuAD-format training articles', '../shared/eval/squad/train-squad.json')
  .option('--heihe <file>', 'the Heihe corpus', 'corpus/heihe.txt')
  .option('--heihe-sets <files>', "Heihe's training question sets (comma-separated)", '../shared/eval/dev.jsonl,tests/fixtures/eval-holdout.jsonl,tests/fixtures/heihe-questions.jsonl');
program.parse();
const opts = program.opts<{ squad: string; heihe: string; heiheSets: string }>();

/** A question's rank of every chunk in each list (Infinity: not in the list), and which chunks hold its answer. */
interface Ranked {
  readonly dense: number[];
  readonly lexical: number[];
  readonly right: boolean[];
}
interface Corpus {
  readonly kind: string;
  readonly text: string;
  readonly file: string;
  readonly questions: ReadonlyArray<{ question: string; holds: (start: number, end: number) => boolean }>;
}

const corpora: Corpus[] = squadArticles(JSON.parse(readFileSync(opts.squad, 'utf8'))).map((a) => ({
  kind: 'SQuAD training articles, one per corpus',
  text: a.doc.text,
  file: a.doc.path,
  questions: a.questions.filter((q) => !q.impossible && q.spans.length > 0).map((q) => ({ question: q.question, holds: (s, e) => q.spans.some(([x, y]) => x >= s && y <= e) })),
}));
const heiheText = readFileSync(opts.heihe, 'utf8');
const heiheQuestions = opts.heiheSets.split(',').filter(Boolean).flatMap((f) => questionSet(readFileSync(f, 'utf8'), 'Heihe', 'Heihe'));
corpora.push({
  kind: "Heihe's training questions",
  text: heiheText,
  file: path.basename(opts.heihe),
  questions: heiheQuestions.filter((q) => !q.impossible && q.evidence.length > 0).map((q) => ({ question: q.question, holds: (s, e) => q.evidence.some((ev) => heiheText.slice(s, e).toLowerCase().includes(ev.toLowerCase())) })),
});

const byKind = new Map<string, Ranked[]>();
const work = mkdtempSync(path.join(os.tmpdir(), 'fusion-recall-'));
try {
  for (const [i, c] of corpora.entries()) {
    const corpusDir = path.join(work, `corpus-${i}`);
    mkdirSync(corpusDir);
    writeFileSync(path.join(corpusDir, c.file), c.text);
    const config = parseConfig({ ...process.env, CORPUS_DIR: corpusDir, INDEX_DIR: path.join(work, `index-${i}`), OPENAI_API_KEY: '', EMBEDDINGS_PROVIDER: 'local', LOG_LEVEL: 'silent' });
    const index = await (await createRuntime(config)).loadServingIndex();
    const list = byKind.get(c.kind) ?? [];
    byKind.set(c.kind, list);
    for (const { question, holds } of c.questions) {
      const q = index.analyze(question);
      // Every chunk, so each list ranks them all (the pool is the whole corpus).
      const all = await index.retriever.retrieve({ text: question, tokens: q.tokens }, Number.MAX_SAFE_INTEGER);
      list.push({ dense: all.map((r) => r.ranks.dense ?? Infinity), lexical: all.map((r) => r.ranks.lexical ?? Infinity), right: all.map((r) => holds(r.chunk.start, r.chunk.end)) });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Share of questions whose answer passage is among the first READ_PASSAGES under weighted RRF. */
function recall(rows: readonly Ranked[], k: number, denseWeight: number): number {
  let found = 0;
  let asked = 0;
  for (const r of rows) {
    if (!r.right.some(Boolean)) continue;
    asked++;
    const score = r.dense.map((d, i) => denseWeight / (k + d) + 1 / (k + (r.lexical[i] as number)));
    const order = score.map((_s, i) => i).sort((a, b) => (score[b] as number) - (score[a] as number) || a - b);
    if (order.slice(0, READ_PASSAGES).some((i) => r.right[i])) found++;
  }
  return asked ? found / asked : Number.NaN;
}

const WEIGHTS = [0, 0.5, 1, 2, 1e6];
for (const [kind, rows] of byKind) {
  console.log(`\n${kind} (${rows.length} questions): answer passage among the ${READ_PASSAGES} read; dense weight (BM25 weight 1; 0 = BM25 alone, 1e6 = vectors alone)`);
  console.log(['k', ...WEIGHTS.map((w) => `w=${w}`)].join('\t'));
  for (const k of [10, 30, 60]) console.log([k, ...WEIGHTS.map((w) => recall(rows, k, w).toFixed(3))].join('\t'));
}
