/**
 * npx tsx scripts/compare-heldout.ts BASE_DIR OTHER_DIR [--samples N]
 *
 * Whether a training variant beats another beyond the noise of which questions were asked:
 * each DIR holds a model trained with `npm run train -- --out DIR --heldout DIR/heldout.jsonl`
 * (its answerer.json for the refusal threshold, its held-out predictions). Prints both
 * selection criteria and fact recalls, each difference with a paired-bootstrap 95% interval and
 * how often the other variant came out ahead, and each share behind the criterion
 * (src/train/compare.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { compareHeldOut, heldOutLineSchema, type HeldOutLine } from '../src/train/compare.js';

const program = new Command()
  .description('Scores two training variants (each trained with --out DIR --heldout DIR/heldout.jsonl) on their held-out predictions: the selection criterion and fact recall of each, the differences with paired-bootstrap 95% intervals, and the shares behind the criterion.')
  .argument('<base>', 'directory of the base variant (answerer.json, heldout.jsonl)')
  .argument('<other>', 'directory of the variant compared with it')
  .option('--samples <n>', 'bootstrap resamples', '2000');
program.parse();
const [baseDir, otherDir] = program.args as [string, string];
const samples = Number(program.opts<{ samples: string }>().samples);
if (!Number.isInteger(samples) || samples < 1) {
  console.error('--samples must be a whole number of at least 1');
  process.exit(2);
}

const thresholdSchema = z.object({ refusal: z.object({ threshold: z.number() }) });

const jsonOrNull = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

function variant(dir: string): { lines: HeldOutLine[]; threshold: number } {
  const read = (file: string): string => {
    try {
      return readFileSync(path.join(dir, file), 'utf8');
    } catch {
      console.error(`${path.join(dir, file)} is missing: train the variant with --out ${dir} --heldout ${path.join(dir, 'heldout.jsonl')}`);
      process.exit(2);
    }
  };
  const threshold = thresholdSchema.parse(JSON.parse(read('answerer.json'))).refusal.threshold;
  const lines = read('heldout.jsonl')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = heldOutLineSchema.safeParse(jsonOrNull(l));
      if (!parsed.success) {
        console.error(`${path.join(dir, 'heldout.jsonl')} line ${i + 1} is not a held-out prediction of this version of npm run train (retrain with --heldout): ${parsed.error.issues.map((x) => `${x.path.join('.') || 'line'} ${x.message}`).join('; ')}`);
        process.exit(2);
      }
      return parsed.data;
    });
  return { lines, threshold };
}

const c = compareHeldOut(variant(baseDir), variant(otherDir), samples);
const f = (x: number): string => x.toFixed(4);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${f(x)}`;
for (const [name, figure] of [
  ['criterion', c.criterion],
  ['fact recall', c.factRecall],
] as const) {
  console.log(`${name.padEnd(11)} ${f(figure.base)} → ${f(figure.other)}: ${signed(figure.difference)}, 95% interval [${signed(figure.interval[0])}, ${signed(figure.interval[1])}]; the other ahead in ${(100 * figure.otherBetter).toFixed(1)} % of ${samples} paired resamples`);
}
console.log(`(${baseDir} → ${otherDir}) the shares the criterion averages, per corpus kind and role (right: answered if answerable, refused otherwise; own: the unanswerables people wrote)`);
for (const cell of c.cells) console.log(`  ${cell.cell.padEnd(24)} ${f(cell.base)} → ${f(cell.other)}  (${cell.questions} questions)`);
