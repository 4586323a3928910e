/**
 * npm run train: fits the answerer model on labelled data and validates it by leaving whole
 * articles out (src/train/train.ts), then writes the model and the off-topic bank:
 *   models/answerer.json       feature lists, weights, threshold, training-data hash, validation
 *   models/offtopic-bank.json  the off-topic questions each corpus's refusals are calibrated with
 * Data: the SQuAD 2.0 training articles and the Heihe question sets (evidence-labelled).
 * `--exclude Normans,Warsaw` leaves articles out entirely (to report figures on them honestly).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { loadLocalEmbeddings } from '../src/embeddings/load-local.js';
import { lexiconOf } from '../src/runtime.js';
import { loadWordNet } from '../src/text/load-wordnet.js';
import { squadArticles, questionSet, type Article, evalCaseSchema } from '../src/train/labelled.js';
import type { BuiltCorpus, Run } from '../src/train/dataset.js';
import { composed, RANKER_WEIGHTINGS } from '../src/train/train.js';
import { trainPipeline } from '../src/train/pipeline.js';
import type { RankerCache } from '../src/train/train.js';
import { treeFromJson, treeToJson, type TreeJson } from '../src/answer/forest.js';
import { DEFAULT_EXTRACTIVE } from '../src/answer/extractive.js';
import { PAIR_FEATURES } from '../src/answer/features.js';

const program = new Command()
  .option('--squad <file>', 'SQuAD 2.0 training articles', '../shared/eval/squad/train-squad.json')
  .option('--heihe <file>', 'the Heihe corpus document', 'corpus/heihe.txt')
  .option('--heihe-sets <files>', 'Heihe question sets (comma-separated; each is a validation fold)', '../shared/eval/dev.jsonl,tests/fixtures/eval-holdout.jsonl,tests/fixtures/heihe-questions.jsonl')
  .option('--shared-sets <files>', 'evaluation sets whose questions the bank must not contain', '../shared/eval/squad/dev/set.jsonl,../shared/eval/squad/dev/adversarial.jsonl,../shared/eval/dev.jsonl')
  .option('--exclude <titles>', 'SQuAD article titles to leave out entirely (comma-separated, e.g. Normans,Warsaw)', '')
  .option('--out <dir>', 'where to write the model and the bank (the default replaces the committed ones)', 'models')
  .option('--bank-per-article <n>', 'off-topic bank questions per article', '40')
  .option('--adversarial-per-article <n>', 'on-topic unanswerable questions per article (reported, not fitted)', '40')
  .option('--corrupt-every <n>', 'make an on-topic unanswerable question from every n-th answerable one', '3')
  .option('--ranker-cache <file>', 'keep the fitted rankers in FILE: written by the first run, reused by later runs on the same data and settings (for refusal experiments)')
  .option('--refusal-l2 <list>', 'L2 strengths of the refusal classifier tried, comma-separated (default 0.001,0.01,0.1; --quick: 0.01)')
  .option('--ranker-trees <n>', 'boosted trees in the ranker (default 120; --quick: 30)')
  .option('--ranker-depth <n>', 'depth of each ranker tree (default 5)')
  .option('--ranker-subsample <share>', 'share of the questions each ranker tree is grown on, drawn afresh per tree (stochastic boosting; default 1: all)')
  .option('--ranker-no-answer <weight>', 'give the ranker a "no answer" option scored 0 and fit it on the unanswerable questions too, weighing this multiple (above 0, at most 10) of the answerable ones (default: off)')
  .option('--ranker-colsample <share>', 'share of the features each ranker tree may split on, drawn afresh per tree (default 1: all)')
  .option('--ranker-weighting <how>', 'how the ranker weighs its training questions: question (each the same), article (each article the same total), sqrt (an article by the square root of its count)', 'question')
  .option('--refusal-trees <n>', 'boosted trees added to the refusal classifier, fitted on its linear log-odds (default 0: linear alone; measured, not the default: see README, Quality)')
  .option('--refusal-depth <n>', 'depth of each refusal tree (default 3; needs --refusal-trees)')
  .option('--monotone-refusal', 'fit the refusal with each weight kept to the sign QUESTION_FEATURE_SIGNS gives it (monotone logistic regression; measured, not the default: see README)')
  .option('--reword-every <n>', 'also reword every n-th answerable question with a WordNet relative, for fitting only (0: none)', '3')
  .option('--remove-answers-every <n>', 'also ask every n-th answerable question without the passages that answer it, as an on-topic unanswerable one (0: none)', '3')
  .option('--transplant-every <n>', 'also move every n-th off-topic bank question that names something onto one of the corpus\'s main names, as an on-topic unanswerable one (0: none)', '8')
  .option('--thin-every <n>', 'also ask every n-th answerable question of a one-article corpus (and Heihe\'s) of a copy without its answer sentences, as an on-topic unanswerable one (0: none)', '0')
  .option('--cut-answers-every <n>', 'also ask every n-th answerable question of a one-article corpus (and Heihe\'s) of a copy with its answer cut from the sentences stating it, as an on-topic unanswerable one (0: none)', '0')
  .option('--spin <share>', 'also ask each SQuAD article\'s answerable questions of a copy with this share of its words replaced by close WordNet relatives, for the ranker only (0: none)', '0')
  .option('--follow-up-every <n>', 'also ask every n-th answerable question as a follow-up to the question before it in its article (its shared name a pronoun), for the ranker only (0: none)', '2')
  .option('--follow-up-weight <w>', 'the ranker\'s weight of a made follow-up against a question asked on its own', '0.5')
  .option('--follow-ups-eval-only', 'score the made follow-ups held out without fitting on them (a baseline for --follow-up-every)')
  .option('--refusal-precision <p>', 'how often a refusal must be right on held-out folds, answerable and off-topic questions weighing the same (default 0.95)')
  .option('--bank-quantile <q>', 'the quantile of a corpus\'s off-topic bank P(answerable) below which it refuses (default 0.9)')
  .option('--swap-names', 'also make on-topic unanswerables by swapping a name for another the corpus uses')
  .option('--quick', '30 ranker trees and one L2 strength (for trying the pipeline and for tests, not a model to ship)')
  .option('--cache <dir>', 'word-vector cache directory', '.cache')
  .option('--export-runs <dir>', 'write the runs as raw arrays (for experiments outside this script)')
  .option('--heldout <file>', 'write every held-out prediction (corpus, role, P(answerable), fact found) as JSON lines')
  .option('--errors <file>', 'write the held-out misses (question, best sentence, right sentence) as JSON lines');
program.parse();
const opts = program.opts<{ squad: string; heihe: string; heiheSets: string; sharedSets: string; exclude: string; out: string; bankPerArticle: string; adversarialPerArticle: string; quick?: boolean; swapNames?: boolean; monotoneRefusal?: boolean; rankerTrees?: string; rankerDepth?: string; rankerSubsample?: string; rankerColsample?: string; rankerNoAnswer?: string; rankerWeighting: string; refusalTrees?: string; refusalDepth?: string; rankerCache?: string; refusalL2?: string; cache: string; errors?: string; heldout?: string; exportRuns?: string; corruptEvery: string; rewordEvery: string; removeAnswersEvery: string; bankQuantile?: string; refusalPrecision?: string; spin: string; thinEvery: string; cutAnswersEvery: string; transplantEvery: string; followUpEvery: string; followUpWeight?: string; followUpsEvalOnly?: boolean }>();

const log = (m: string): void => console.error(m);

/** Fold rankers kept in a JSON file under the key they were fitted for. */
function fileRankerCache(file: string): RankerCache {
  return {
    load: (key) => {
      if (!existsSync(file)) return null;
      let stored: { key?: unknown; rankers?: Record<string, TreeJson[]> };
      try {
        stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
      } catch (err) {
        // A cache is only a shortcut: one that cannot be read is fitted again (and rewritten).
        log(`ranker cache ${file} unreadable (${err instanceof Error ? err.message : String(err)}): fitting the rankers again`);
        return null;
      }
      if (stored.key !== key || !stored.rankers) return null;
      log(`rankers from ${file}`);
      return new Map(Object.entries(stored.rankers).map(([fold, trees]) => [fold, { trees: trees.map(treeFromJson) }]));
    },
    save: (key, rankers) => writeFileSync(file, JSON.stringify({ key, rankers: Object.fromEntries([...rankers].map(([fold, f]) => [fold, f.trees.map(treeToJson)])) })),
  };
}
const hash = createHash('sha256');
const read = (file: string): string => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    // Training reads the shared labelled data beside the repository (README, Scripts: npm run train).
    console.error(`cannot read ${file} (${err instanceof Error && 'code' in err ? String(err.code) : 'error'}): training needs the SQuAD training articles and the Heihe question sets; the defaults expect ../shared/eval next to this repository (or pass --squad, --heihe-sets)`);
    process.exit(2);
  }
  hash.update(`${path.basename(file)}\0${text}\0`);
  return text;
};

/** A whole number ≥ `min` given to `flag`, or undefined when not given (exits on anything else). */
function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) {
    console.error(`${flag}: expected a whole number of at least ${min}, got "${value}"`);
    process.exit(2);
  }
  return n;
}
const positive = (flag: string, value: string | undefined): number | undefined => wholeNumber(flag, value, 1);
/** A number given to `flag` for which `valid` holds, described as `what`, or undefined when not given (exits on anything else). */
function numberIn(flag: string, value: string | undefined, valid: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !valid(n)) {
    console.error(`${flag}: expected ${what}, got "${value}"`);
    process.exit(2);
  }
  return n;
}
const refusalPrecision = numberIn('--refusal-precision', opts.refusalPrecision, (n) => n > 0.5 && n < 1, 'a number between 0.5 and 1');
const bankQuantile = numberIn('--bank-quantile', opts.bankQuantile, (n) => n > 0 && n < 1, 'a number between 0 and 1');
const rankerSubsample = numberIn('--ranker-subsample', opts.rankerSubsample, (n) => n > 0 && n <= 1, 'a share above 0, at most 1');
const rankerNoAnswer = numberIn('--ranker-no-answer', opts.rankerNoAnswer, (n) => n > 0 && n <= 10, 'a weight above 0, at most 10');
const rankerColsample = numberIn('--ranker-colsample', opts.rankerColsample, (n) => n > 0 && n <= 1, 'a share above 0, at most 1');
const spinShare = numberIn('--spin', opts.spin, (n) => n >= 0 && n <= 1, 'a share between 0 and 1') ?? 0;
const thinEvery = wholeNumber('--thin-every', opts.thinEvery, 0) ?? 0;
const cutAnswersEvery = wholeNumber('--cut-answers-every', opts.cutAnswersEvery, 0) ?? 0;
const transplantEvery = wholeNumber('--transplant-every', opts.transplantEvery, 0) ?? 0;
const followUpEvery = wholeNumber('--follow-up-every', opts.followUpEvery, 0) ?? 0;
const followUpWeight = numberIn('--follow-up-weight', opts.followUpWeight, (n) => n > 0 && n <= 10, 'a weight above 0, at most 10');
if (opts.followUpsEvalOnly && followUpEvery === 0) {
  console.error('--follow-ups-eval-only: only with --follow-up-every N (N ≥ 1)');
  process.exit(2);
}
const removeAnswersEvery = wholeNumber('--remove-answers-every', opts.removeAnswersEvery, 0) ?? 0;
const refusalTrees = wholeNumber('--refusal-trees', opts.refusalTrees, 0) ?? 0;
const refusalDepth = positive('--refusal-depth', opts.refusalDepth);
if (refusalDepth !== undefined && refusalTrees === 0) {
  console.error('--refusal-depth: only with --refusal-trees N (N ≥ 1); without trees the refusal is linear');
  process.exit(2);
}
const refusalL2 = opts.refusalL2?.split(',').map((v) => (v.trim() === '' ? Number.NaN : Number(v.trim())));
if (refusalL2 && (refusalL2.length === 0 || refusalL2.some((v) => !Number.isFinite(v) || v < 0))) {
  console.error(`--refusal-l2: expected comma-separated non-negative numbers, got "${opts.refusalL2}"`);
  process.exit(2);
}
const rankerWeighting = RANKER_WEIGHTINGS.find((w) => w === opts.rankerWeighting);
if (!rankerWeighting) {
  console.error(`--ranker-weighting: expected one of ${RANKER_WEIGHTINGS.join(', ')}, got "${opts.rankerWeighting}"`);
  process.exit(2);
}
const corruptEvery = positive('--corrupt-every', opts.corruptEvery) as number;
const rewordEvery = wholeNumber('--reword-every', opts.rewordEvery, 0) ?? 0;
const bankPerArticle = positive('--bank-per-article', opts.bankPerArticle) as number;
const adversarialPerArticle = wholeNumber('--adversarial-per-article', opts.adversarialPerArticle, 0) ?? 0;
const excluded = new Set(opts.exclude.split(',').map((s) => s.trim()).filter(Boolean));
const allSquad = squadArticles(JSON.parse(read(opts.squad)));
const unknownTitles = [...excluded].filter((t) => !allSquad.some((a) => a.title === t));
if (unknownTitles.length) {
  console.error(`--exclude: no article titled ${unknownTitles.join(', ')} in ${opts.squad} (titles: ${allSquad.map((a) => a.title).join(', ')})`);
  process.exit(2);
}
const squad = allSquad.filter((a) => !excluded.has(a.title));
const heiheText = read(opts.heihe);
const heiheQuestions = opts.heiheSets.split(',').filter(Boolean).flatMap((f) => questionSet(read(f), 'Heihe', `Heihe:${path.basename(f, '.jsonl')}`));
const heihe: Article = { title: 'Heihe', doc: { path: path.basename(opts.heihe), text: heiheText }, questions: heiheQuestions };
const sharedSetFiles = opts.sharedSets.split(',').filter(Boolean);
if (rankerNoAnswer !== undefined) log(`ranker with a "no answer" option, its unanswerable questions weighing ${rankerNoAnswer} × the answerable ones (the model file's validation.ranker.noAnswerWeight)`);
for (const f of sharedSetFiles.filter((file) => !existsSync(file))) log(`note: ${f} not found: the off-topic bank is not kept clear of its questions (--shared-sets)`);
const sharedQuestions = new Set(
  sharedSetFiles
    .filter((f) => existsSync(f))
    .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => evalCaseSchema.parse(JSON.parse(l)).question.trim().toLowerCase())),
);
const t0 = performance.now();
const glove = await loadLocalEmbeddings(opts.cache, log);
const { result, bank, runs, built, specs, overlap, duplicateOverlap } = await trainPipeline({
  squad,
  heihe,
  sharedQuestions,
  glove,
  lexicon: lexiconOf(glove),
  thesaurus: await loadWordNet(opts.cache),
  bankPerArticle,
  adversarialPerArticle,
  corruptEvery,
  rewordEvery,
  removeAnswersEvery,
  thinEvery,
  cutAnswersEvery,
  transplantEvery,
  followUpEvery,
  ...(followUpWeight !== undefined ? { followUpWeight } : {}),
  ...(opts.followUpsEvalOnly ? { followUpsEvalOnly: true } : {}),
  // 0.4: the cosine between unrelated words (~0.3) and loosely related ones (~0.5), as for reworded questions.
  ...(spinShare > 0 ? { spin: { share: spinShare, minSimilarity: 0.4 } } : {}),
  ...(bankQuantile !== undefined ? { bankQuantile } : {}),
  ...(refusalPrecision !== undefined ? { refusalPrecision } : {}),
  // Boosting settings compared on held-out folds (Packet_switching, Normans, Heihe): deeper trees
  // and a minimum child weight of a few questions did best; --quick grows fewer trees, for tests.
  boost: { trees: positive('--ranker-trees', opts.rankerTrees) ?? (opts.quick ? 30 : 120), depth: positive('--ranker-depth', opts.rankerDepth) ?? 5, learningRate: 0.1, l2: 1, minHessian: 5, bins: 32, ...(rankerSubsample !== undefined ? { subsample: rankerSubsample } : {}), ...(rankerColsample !== undefined ? { colsample: rankerColsample } : {}), ...(rankerNoAnswer !== undefined ? { noAnswerWeight: rankerNoAnswer } : {}) },
  rankerWeighting,
  refusalL2: refusalL2 ?? (opts.quick ? [1e-2] : [1e-3, 1e-2, 1e-1]),
  ...(opts.rankerCache ? { rankerCache: fileRankerCache(opts.rankerCache) } : {}),
  ...(opts.swapNames ? { swapNames: true } : {}),
  ...(opts.monotoneRefusal ? { monotoneRefusal: true } : {}),
  ...(refusalTrees > 0 ? { refusalBoost: { trees: refusalTrees, depth: refusalDepth ?? 3, learningRate: 0.1, l2: 1, minHessian: 5, bins: 32 } } : {}),
  log,
});

if (opts.exportRuns) {
  mkdirSync(opts.exportRuns, { recursive: true });
  const total = runs.reduce((a, r) => a + r.labels.length, 0);
  const x = new Float32Array(total * runs[0]!.pair.length / runs[0]!.labels.length || 0);
  const labels = new Uint8Array(total);
  const offsets = new Int32Array(runs.length + 1);
  let at = 0;
  runs.forEach((r, i) => {
    x.set(r.pair, at * (r.pair.length / Math.max(1, r.labels.length)));
    labels.set(r.labels, at);
    at += r.labels.length;
    offsets[i + 1] = at;
  });
  writeFileSync(path.join(opts.exportRuns, 'x.f32'), new Uint8Array(x.buffer));
  writeFileSync(path.join(opts.exportRuns, 'labels.u8'), labels);
  writeFileSync(path.join(opts.exportRuns, 'offsets.i32'), new Uint8Array(offsets.buffer));
  writeFileSync(path.join(opts.exportRuns, 'runs.json'), JSON.stringify(runs.map((r) => ({ corpus: r.corpus, role: r.role, article: r.question.article, id: r.question.id, corpusFeatures: [...r.corpusFeatures], factMask: [...r.factMask], facts: r.question.facts.length, length: [...r.length] }))));
  writeFileSync(path.join(opts.exportRuns, 'meta.json'), JSON.stringify({ pair: PAIR_FEATURES, corpora: specs }));
}
const modelFile = {
  ...result.model,
  createdAt: new Date().toISOString(),
  training: {
    dataHash: hash.digest('hex'),
    sources: [opts.squad, opts.heihe, ...opts.heiheSets.split(',')].map((f) => path.basename(f)),
    excluded: [...excluded],
    questions: new Set(runs.map((r) => r.question.id)).size,
    runs: runs.length,
    candidates: runs.reduce((a, r) => a + r.labels.length, 0),
    corpora: specs.map((s) => s.name),
    // How the questions made from answerable ones were made (src/train/corrupt.ts).
    made: { corruptEvery, rewordEvery, swapNames: opts.swapNames === true, removeAnswersEvery, thinEvery, cutAnswersEvery, transplantEvery, spin: spinShare, followUpEvery, followUpsEvalOnly: opts.followUpsEvalOnly === true },
  },
};
if (opts.heldout) {
  const kinds = new Map(specs.map((s) => [s.name, s.kind]));
  const lines = result.heldOut.map((h) => {
    const picked = composed(h, result.model.compose.secondMinProb, overlap, duplicateOverlap, DEFAULT_EXTRACTIVE.maxChars);
    const full = (1 << h.run.question.facts.length) - 1;
    const mask = picked.reduce((m, i) => m | (h.run.factMask[i] as number), 0);
    return JSON.stringify({ corpus: h.run.corpus, kind: kinds.get(h.run.corpus), fold: h.fold, role: h.run.role, made: h.run.made, article: h.run.question.article, id: h.run.question.id, q: h.run.question.question, p: Number(h.answerable.toFixed(4)), bankLevel: Number.isFinite(h.bankLevel) ? Number(h.bankLevel.toFixed(4)) : null, fact: h.run.question.facts.length > 0 && (mask & full) === full, top1: h.run.labels[h.order[0] ?? -1] === 1 });
  });
  // Written before the model (whose --out directory is made below): its directory may not exist yet (so for --errors).
  mkdirSync(path.dirname(path.resolve(opts.heldout)), { recursive: true });
  writeFileSync(opts.heldout, `${lines.join('\n')}\n`);
}
if (opts.errors) {
  const corpusOf = new Map(built.map((c) => [c.name, c]));
  const text = (run: Run, i: number): string => {
    const c = corpusOf.get(run.corpus) as BuiltCorpus;
    const s = run.sentence[i] as number;
    let chunk = 0;
    while ((c.sentences.chunkSentences[chunk + 1] as number) <= s) chunk++;
    return (c.chunks[chunk]?.text ?? '').slice(c.sentences.start[s], c.sentences.end[s]);
  };
  const lines = result.heldOut
    .filter((h) => h.run.role === 'answerable' && h.run.labels[h.order[0] ?? -1] !== 1)
    .map((h) => {
      const right = [...h.run.labels.keys()].filter((i) => h.run.labels[i] === 1);
      return JSON.stringify({ corpus: h.run.corpus, q: h.run.question.question, facts: h.run.question.facts, best: text(h.run, h.order[0] ?? 0), bestPassage: h.run.passage[h.order[0] ?? 0], right: right.map((i) => ({ rank: [...h.order].indexOf(i) + 1, passage: h.run.passage[i], text: text(h.run, i) })), answerable: h.answerable });
    });
  mkdirSync(path.dirname(path.resolve(opts.errors)), { recursive: true });
  writeFileSync(opts.errors, `${lines.join('\n')}\n`);
}
mkdirSync(opts.out, { recursive: true });
writeFileSync(path.join(opts.out, 'answerer.json'), `${JSON.stringify(modelFile, null, 1)}\n`);
writeFileSync(path.join(opts.out, 'offtopic-bank.json'), `${JSON.stringify(bank, null, 1)}\n`);
log(`wrote ${path.join(opts.out, 'answerer.json')} and offtopic-bank.json in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(JSON.stringify({ ranking: result.report['ranking'], byCorpusKind: result.report['byCorpusKind'] }, null, 1));
