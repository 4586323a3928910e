/**
 * npm run ingest [-- --watch]: builds a new index generation from CORPUS_DIR into INDEX_DIR
 * (re-embedding only changed text) and switches to it atomically. Safe while a server runs:
 * the server follows the switch. Exit codes: 0 done, 1 failed (live index untouched), 2 bad config.
 */
import 'dotenv/config';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { configOrExit } from '../entry.js';
import { AppError } from '../errors.js';
import { createRuntime } from '../runtime.js';
import { reindex } from '../ingest/reindex.js';
import { watchCorpus } from '../ingest/watch-corpus.js';
import { lineLog } from '../log.js';

const program = new Command()
  .name('ingest')
  .description('Index the corpus for the Heihe assistant')
  .option('-w, --watch', 're-index when corpus files change (debounced)')
  .option('--json', 'print the result as JSON');
program.parse();
const opts = program.opts<{ watch?: boolean; json?: boolean }>();

/** One re-index with its summary printed; on failure prints why and throws. */
async function runOnce(runtime: Awaited<ReturnType<typeof createRuntime>>): Promise<void> {
  const bar = process.stderr.isTTY && !opts.json ? new cliProgress.SingleBar({ format: 'embedding {bar} {value}/{total} chunks', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  let result;
  try {
    result = await reindex(
      runtime.reindexDeps({
        log: lineLog((m) => console.error(m)),
        onProgress: (done, total) => {
          if (!bar || total < 200) return; // only long runs get a bar
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      }),
    );
  } catch (err) {
    bar?.stop();
    const message = err instanceof AppError ? `${err.code}: ${err.message}` : (err as Error).message;
    console.error(`ingest failed, the live index is untouched: ${message}`);
    throw err;
  }
  bar?.stop();
  const { loaded: _loaded, ...summary } = result;
  if (opts.json) console.log(JSON.stringify({ ...summary, ms: Math.round(summary.ms) }));
  else {
    console.log(`files ${result.files}, chunks ${result.chunks} (added ${result.added}, unchanged ${result.unchanged}, removed ${result.removed})`);
    console.log(`embedded ${result.embedded}, reused ${result.reused}; ${result.changed ? `switched to ${result.generation}` : 'unchanged, kept ' + result.generation}`);
    if (result.repaired) console.log('repaired: the previous live generation could not be loaded and was replaced');
    console.log(`version ${result.version} in ${Math.round(result.ms)} ms`);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const runtime = await createRuntime(config, (m) => console.error(m));
  const ok = await runOnce(runtime).then(
    () => true,
    () => false,
  );
  if (!opts.watch && !config.watchCorpus) {
    process.exitCode = ok ? 0 : 1;
    return;
  }
  console.error(`watching ${config.corpusDir} for changes (Ctrl+C to stop)`);
  // Failures are printed by runOnce; a run refused with 409 (another re-index) is retried.
  watchCorpus(config.corpusDir, () => runOnce(runtime));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
