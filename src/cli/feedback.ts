/**
 * npm run feedback [-- --export [--out FILE]]: summarises the feedback stored under
 * FEEDBACK_DIR; with --export, writes the thumbs-down questions as a draft question set in
 * the eval format (default FEEDBACK_DIR/eval-draft-<time>.jsonl; `--out -` prints it). An
 * existing file is never overwritten. Exit codes: 0 done, 1 failed, 2 bad configuration.
 */
import 'dotenv/config';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { configOrExit } from '../entry.js';
import { readFeedback } from '../feedback/store.js';
import { draftQuestionSet, toJsonLines } from '../feedback/export.js';

const program = new Command()
  .name('feedback')
  .description('Summarise stored answer feedback; export the thumbs-down ones as draft eval questions')
  .option('--export', 'write the thumbs-down questions as a draft question set (eval JSONL)')
  .option('--out <file>', 'where --export writes ("-" for stdout); refuses an existing file');
program.parse();
const opts = program.opts<{ export?: boolean; out?: string }>();

async function main(): Promise<void> {
  const config = configOrExit();
  const { records, skipped } = await readFeedback(config.feedbackDir);
  const down = records.filter((r) => r.verdict === 'down').length;
  // The summary goes to stderr, so `--out -` leaves stdout a clean JSONL stream.
  console.error(`${records.length} feedback records in ${config.feedbackDir}: ${records.length - down} up, ${down} down`);
  if (skipped.length > 0) console.error(`skipped ${skipped.length} unreadable line(s): ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}`);
  if (!opts.export) return;

  const drafts = draftQuestionSet(records);
  const text = toJsonLines(drafts);
  if (opts.out === '-') {
    process.stdout.write(text);
    return;
  }
  const out = opts.out ?? path.join(config.feedbackDir, `eval-draft-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  if (!opts.out) await mkdir(config.feedbackDir, { recursive: true });
  try {
    // 'wx': fail rather than replace a file that is already there.
    await writeFile(out, text, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${out} already exists; choose another --out (nothing was written)`);
    throw err;
  }
  console.error(`wrote ${drafts.length} draft question(s) to ${out}; fill in "evidence" and "facts" (or mark "oos": true), then run: npm run eval -- --set ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
