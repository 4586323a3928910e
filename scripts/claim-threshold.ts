/**
 * npm run claims:threshold: chooses LLM mode's claim-check settings (support threshold,
 * soft-match band, sentence window) on the "tune" split of tests/fixtures/llm-claims.jsonl,
 * reports the figures on every split (tune, test, blind), and writes them with the settings to
 * models/claim-check.json (the file the server reads). `--check` only compares: it exits 1
 * when the committed file's settings or figures are not what the examples give.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseConfig } from '../src/config.js';
import { createRuntime, DEFAULT_CLAIM_CHECK_FILE } from '../src/runtime.js';
import { checkLabelled, chooseSettings, claimFigures, parseLabelledClaims, SETTINGS_GRID, SPLITS, MIN_SUPPORTED_KEPT } from '../src/answer/claim-calibration.js';

const program = new Command()
  .option('--set <file>', 'labelled claims (JSONL)', 'tests/fixtures/llm-claims.jsonl')
  .option('--out <file>', 'settings file to write', DEFAULT_CLAIM_CHECK_FILE)
  .option('--check', 'compare with the committed file instead of writing it');
program.parse();
const opts = program.opts<{ set: string; out: string; check?: boolean }>();

const indexDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-claims-'));
try {
  const config = parseConfig({ ...process.env, INDEX_DIR: indexDir, OPENAI_API_KEY: '', EMBEDDINGS_PROVIDER: 'local', LOG_LEVEL: 'silent' });
  const runtime = await createRuntime(config);
  const index = await runtime.loadServingIndex();
  const claims = parseLabelledClaims(readFileSync(opts.set, 'utf8'));
  const tune = claims.filter((c) => c.split === 'tune');
  const choice = chooseSettings(index, tune);
  const figures = Object.fromEntries(SPLITS.map((split) => [split, claimFigures(checkLabelled(index, claims.filter((c) => c.split === split), choice.settings))]));
  for (const [split, f] of Object.entries(figures)) {
    console.log(
      `${split}: supported kept ${f.supported.kept}/${f.supported.total} (${(100 * f.supported.rate).toFixed(1)}%, ${f.supported.trimmed} trimmed), ` +
        `planted reaching a client ${f.planted.reached}/${f.planted.total} (${Object.entries(f.planted.byLabel).map(([l, v]) => `${l} ${v.reached}/${v.total}`).join(', ')}), ` +
        `contradictions kept ${f.contradictions.kept}/${f.contradictions.total}, support AUC ${f.auc.toFixed(3)}`,
    );
  }
  const file = {
    version: 1,
    ...choice.settings,
    chosenOn: `${opts.set} (split "tune", ${tune.length} examples): the most planted claims rejected while keeping >= ${MIN_SUPPORTED_KEPT * 100}% of supported ones, then the widest margin; grid ${JSON.stringify(SETTINGS_GRID)}`,
    figures,
  };
  console.log(`settings: ${JSON.stringify(choice.settings)} (margin ${choice.margin.toFixed(4)})`);
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (opts.check) {
    const committed = readFileSync(opts.out, 'utf8');
    if (committed !== text) {
      console.error(`${opts.out} is not what the examples give: run npm run claims:threshold`);
      process.exitCode = 1;
    } else console.log(`${opts.out} matches.`);
  } else {
    writeFileSync(opts.out, text);
    console.log(`wrote ${opts.out}`);
  }
} finally {
  rmSync(indexDir, { recursive: true, force: true });
}
