/**
 * npm run eval: runs a question set (default ../shared/eval/dev.jsonl when present, else tests/fixtures/eval-holdout.jsonl)
 * through the in-process pipeline and prints the same figures as ask-eval.mjs. Exits 1 when a
 * figure is below the targets of the core issue, so CI catches a quality regression.
 */
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../src/config.js';
import { createRuntime } from '../src/runtime.js';
import { scoreAnswers, type EvalCase, TARGETS, meetsTargets } from './eval-score.js';

const program = new Command()
  .option('--set <file>', 'question set (JSONL)', existsSync('../shared/eval/dev.jsonl') ? '../shared/eval/dev.jsonl' : 'tests/fixtures/eval-holdout.jsonl')
  .option('--corpus <file>', 'corpus file the citations must quote', 'corpus/heihe.txt')
  .option('--verbose', 'print every answer')
  .option('--no-check', 'do not fail on targets');
program.parse();
const opts = program.opts<{ set: string; corpus: string; verbose?: boolean; check: boolean }>();

const indexDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-eval-'));
try {
  const config = parseConfig({ ...process.env, INDEX_DIR: indexDir, OPENAI_API_KEY: '', EMBEDDINGS_PROVIDER: 'local' });
  const runtime = await createRuntime(config);
  const index = await runtime.loadServingIndex();
  const cases = readFileSync(opts.set, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EvalCase);
  const results = [];
  for (const c of cases) {
    const t0 = performance.now();
    const answer = await runtime.answer({ question: c.question, history: [], k: config.defaultK }, index);
    results.push({ c, answer, ms: performance.now() - t0 });
    if (opts.verbose) console.log(`${c.id} grounded=${answer.grounded} ${c.question}\n   -> ${answer.answer}\n`);
  }
  const { figures, misses } = scoreAnswers(results, readFileSync(opts.corpus, 'utf8'));
  for (const m of misses) console.log(`miss  ${m}`);
  console.log(Object.entries(figures).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`).join(' '));
  if (opts.check && !meetsTargets(figures)) {
    console.error(`below targets: ${JSON.stringify(TARGETS)}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(indexDir, { recursive: true, force: true });
}
