/**
 * npm run eval: every question set through the in-process pipeline (offline mode), scored as
 * ../shared/eval/ask-eval.mjs scores a server, printed as one table; beside each answerable
 * set, the naive baseline (the top BM25 sentence, always answering). Exits 1 when a set falls
 * below its floor (FLOORS), so CI catches a regression in answer quality.
 *
 *   npm run eval                         all suites (shared ones when ../shared is there)
 *   npm run eval -- --suite squad-dev    one suite
 *   npm run eval -- --set F --corpus D   an ad-hoc set over a corpus file or directory
 *   ANSWER_MODEL=... npm run eval        another model (e.g. one fitted without the dev articles)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { createRuntime, DEFAULT_BANK_FILE, DEFAULT_MODEL_FILE, type Runtime } from '../src/runtime.js';
import { evalCaseSchema, type EvalCase } from '../src/train/labelled.js';
import { corpusText, scoreAnswers, type Figures } from './eval-score.js';
import { baselineAnswers } from './eval-baseline.js';

const SHARED = '../shared/eval';

interface Suite {
  readonly name: string;
  readonly corpus: string;
  readonly set: string;
  /** The floor CI holds each figure to (NaN-valued figures are not checked). */
  readonly floors: Partial<Record<keyof Figures, number>>;
  /** Reported, never a reason to fail (SQuAD's on-topic unanswerables). */
  readonly reportOnly?: boolean;
}

// Floors a little under what the committed model measures (README, "Quality"), so a
// regression fails CI; the issue's targets are printed beside them and discussed there.
const SUITES: readonly Suite[] = [
  { name: 'heihe-dev', corpus: 'corpus', set: `${SHARED}/dev.jsonl`, floors: { fact_recall: 0.8, answered: 0.9, oos_refusal: 0.6, faithful: 1, markers_valid: 1 } },
  { name: 'squad-dev', corpus: `${SHARED}/squad/dev/corpus`, set: `${SHARED}/squad/dev/set.jsonl`, floors: { fact_recall: 0.85, answered: 0.9, oos_refusal: 0.8, faithful: 1, markers_valid: 1 } },
  { name: 'squad-adversarial', corpus: `${SHARED}/squad/dev/corpus`, set: `${SHARED}/squad/dev/adversarial.jsonl`, floors: { faithful: 1, markers_valid: 1 }, reportOnly: true },
  { name: 'heihe-holdout', corpus: 'corpus', set: 'tests/fixtures/eval-holdout.jsonl', floors: { fact_recall: 0.8, answered: 0.85, faithful: 1, markers_valid: 1 } },
  { name: 'heihe-questions', corpus: 'corpus', set: 'tests/fixtures/heihe-questions.jsonl', floors: { fact_recall: 0.5, answered: 0.85, faithful: 1, markers_valid: 1 } },
  { name: 'heihe-followups', corpus: 'corpus', set: 'tests/fixtures/heihe-followups.jsonl', floors: { fact_recall: 0.35, answered: 0.75, faithful: 1, markers_valid: 1 } },
  { name: 'heihe-changed', corpus: 'tests/fixtures/heihe-changed', set: 'tests/fixtures/heihe-changed.jsonl', floors: { fact_recall: 0.7, answered: 0.85, faithful: 1, markers_valid: 1 } },
];

/** The issue's targets for the shared sets, printed beside the figures. */
const TARGETS: Readonly<Record<string, string>> = {
  'heihe-dev': 'fact_recall ≥ 0.92, answered = oos_refusal = 1',
  'squad-dev': 'fact_recall ≥ 0.85, answered ≥ 0.92, oos_refusal ≥ 0.90, median ≤ 450',
};

const program = new Command()
  .option('--suite <name>', `one of: ${SUITES.map((s) => s.name).join(', ')}`)
  .option('--set <file>', 'an ad-hoc question set (JSONL)')
  .option('--corpus <path>', 'its corpus (a file or directory)', 'corpus')
  .option('--verbose', 'print every answer')
  .option('--json', 'print the figures as JSON')
  .option('--no-check', 'do not fail below the floors');
program.parse();
const opts = program.opts<{ suite?: string; set?: string; corpus: string; verbose?: boolean; json?: boolean; check: boolean }>();

const readCases = (file: string): EvalCase[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => evalCaseSchema.parse(JSON.parse(l)));

async function runSuite(suite: Suite): Promise<{ figures: Figures; baseline: Figures | null; misses: string[] }> {
  const indexDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-eval-'));
  try {
    const corpusDir = existsSync(suite.corpus) && !suite.corpus.match(/\.(txt|md)$/) ? suite.corpus : path.dirname(suite.corpus);
    const config = parseConfig({ ...process.env, CORPUS_DIR: corpusDir, INDEX_DIR: indexDir, OPENAI_API_KEY: '', EMBEDDINGS_PROVIDER: 'local', LOG_LEVEL: 'silent' });
    const runtime: Runtime = await createRuntime(config);
    const index = await runtime.loadServingIndex();
    const cases = readCases(suite.set);
    const results = [];
    for (const c of cases) {
      const t0 = performance.now();
      const answer = await runtime.answer({ question: c.question, history: c.history ?? [], k: config.defaultK }, index);
      results.push({ c, answer, ms: performance.now() - t0 });
      if (opts.verbose) console.log(`${c.id} grounded=${answer.grounded} ${c.question}\n   -> ${answer.answer}\n`);
    }
    const corpus = corpusText(corpusDir);
    const scored = scoreAnswers(results, corpus);
    const answerable = cases.filter((c) => !c.oos);
    const baseline = answerable.length ? scoreAnswers(baselineAnswers(answerable, index), corpus).figures : null;
    return { figures: scored.figures, baseline, misses: scored.misses };
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}

const fmt = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));
const suites = opts.set
  ? [{ name: path.basename(opts.set, '.jsonl'), corpus: opts.corpus, set: opts.set, floors: {} } satisfies Suite]
  : SUITES.filter((s) => (opts.suite ? s.name === opts.suite : true)).filter((s) => {
      if (existsSync(s.set) && existsSync(s.corpus)) return true;
      // The shared sets live beside the repository (../shared), which a plain clone lacks.
      console.error(`skipping ${s.name}: ${existsSync(s.set) ? s.corpus : s.set} not found`);
      return false;
    });
if (suites.length === 0) {
  console.error(opts.suite ? `no suite "${opts.suite}" (or its files are missing)` : 'no question sets found');
  process.exit(2);
}

const rows: Array<Record<string, string>> = [];
const report: Record<string, unknown> = {};
let failed = false;
for (const suite of suites) {
  const { figures, baseline, misses } = await runSuite(suite).catch((err: unknown) => {
    // A model or bank file that cannot be read or parsed (ANSWER_MODEL, OFFTOPIC_BANK): one line, as the server says it.
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(2);
  });
  report[suite.name] = { figures, baseline };
  if (opts.verbose) for (const m of misses) console.log(`miss  ${suite.name} ${m}`);
  const below = Object.entries(suite.floors).filter(([k, floor]) => {
    const v = figures[k as keyof Figures];
    return !Number.isNaN(v) && v < (floor as number);
  });
  if (below.length && !suite.reportOnly) failed = true;
  rows.push({
    set: suite.name,
    questions: String(figures.questions),
    retrieval_hit: fmt(figures.retrieval_hit),
    fact_recall: fmt(figures.fact_recall),
    'bm25 top sentence': fmt(baseline?.fact_recall),
    answered: fmt(figures.answered),
    oos_refusal: fmt(figures.oos_refusal),
    faithful: fmt(figures.faithful),
    markers_valid: fmt(figures.markers_valid),
    answer_chars: fmt(figures.answer_chars),
    p50_ms: fmt(figures.p50_ms),
    '': below.length ? `BELOW ${below.map(([k, f]) => `${k} ${f}`).join(', ')}` : (TARGETS[suite.name] ? `issue: ${TARGETS[suite.name]}` : ''),
  });
}
if (opts.json) console.log(JSON.stringify(report, null, 2));
else {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(width[i] ?? 0)).join('  ').trimEnd();
  // Which model was scored: the committed one unless ANSWER_MODEL names another.
  const named = parseConfig(process.env);
  // Relative to here when inside this directory (models/answerer.json), else as an absolute path (/tmp/m/answerer.json, not ../../tmp/m/…).
  const shown = (file: string): string => {
    const relative = path.relative(process.cwd(), file);
    return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? path.resolve(file) : relative;
  };
  console.log(`model: ${shown(named.answerModel ?? DEFAULT_MODEL_FILE)}; off-topic bank: ${shown(named.offTopicBank ?? DEFAULT_BANK_FILE)}`);
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => r[c] ?? '')));
}
if (failed && opts.check) {
  console.error('a question set is below its floor (see BELOW; the floors are set for the committed model: `--no-check` for another)');
  process.exitCode = 1;
}
