/**
 * npm run ask -- "question": answers one question on the command line, with its sources.
 */
import 'dotenv/config';
import { Command } from 'commander';
import { configOrExit } from '../entry.js';
import { createRuntime } from '../runtime.js';

const program = new Command()
  .name('ask')
  .argument('<question...>', 'the question to ask')
  .option('-k, --k <n>', 'passages to retrieve', (v) => Number.parseInt(v, 10))
  .option('--json', 'print the whole answer object as JSON');
program.parse();
const opts = program.opts<{ k?: number; json?: boolean }>();

async function main(): Promise<void> {
  const config = configOrExit();
  const runtime = await createRuntime(config, (m) => console.error(m));
  const index = await runtime.loadServingIndex();
  const question = program.args.join(' ').trim();
  const answer = await runtime.answer({ question, history: [], k: opts.k ?? config.defaultK }, index);
  if (opts.json) {
    console.log(JSON.stringify(answer, null, 2));
    return;
  }
  console.log(`\n${answer.answer}\n`);
  const cited = new Set([...answer.answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])));
  for (const c of answer.citations.filter((c) => cited.has(c.n))) {
    console.log(`[${c.n}] ${c.source} — ${c.section}\n    ${c.text.replace(/\s+/g, ' ')}\n`);
  }
  console.log(`(${answer.mode}${answer.fallback ? `, fallback: ${answer.fallback}` : ''}; grounded: ${answer.grounded}; index ${answer.indexVersion})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
