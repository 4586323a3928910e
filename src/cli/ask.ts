/**
 * npm run ask -- "question": answers one question on the command line, with its sources.
 */
import 'dotenv/config';
import { Command } from 'commander';
import { configOrExit } from '../entry.js';
import { createRuntime } from '../runtime.js';
import { READ_PASSAGES, scoreQuestion } from '../answer/extractive.js';
import { QUESTION_FEATURE_NOTES } from '../answer/features.js';
import { refusalContributions } from '../answer/model.js';
import { sentenceText } from '../answer/sentence-index.js';
import type { Retrieved } from '../types.js';
import { askBodySchema } from '../server/schemas.js';
import { offlineQuery } from '../answer/ask.js';
import { stripInvisible } from '../text/normalize.js';

// The features that moved P(answerable) most, printed by --explain: the rest move it little.
const EXPLAINED_FEATURES = 8;

const program = new Command()
  .name('ask')
  .argument('<question...>', 'the question to ask')
  .option('-k, --k <n>', 'passages to retrieve (1-20, as POST /ask takes)')
  .option('--after <question>', 'an earlier question of the chat, asked before this one (repeatable, oldest first): the question is answered as its follow-up', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('--json', 'print the whole answer object as JSON')
  .option('--explain', "print how the offline answerer scored the question: P(answerable), the threshold, the features that moved it most and the best sentences");
program.parse();
const opts = program.opts<{ k?: string; after: string[]; json?: boolean; explain?: boolean }>();

async function main(): Promise<void> {
  // The same checks as POST /ask, before anything is loaded.
  const body = askBodySchema.safeParse({ question: program.args.join(' '), history: opts.after.map((content) => ({ role: 'user', content })), ...(opts.k !== undefined ? { k: Number(opts.k) } : {}) });
  if (!body.success) {
    console.error(body.error.issues.map((i) => (i.path[0] === 'k' ? `-k: expected a whole number from 1 to 20, got "${opts.k}"` : i.message)).join('; '));
    process.exit(2);
  }
  const { question, history } = body.data;
  const config = configOrExit();
  const runtime = await createRuntime(config, (m) => console.error(m));
  const index = await runtime.loadServingIndex();
  if (opts.explain) {
    // As /ask does offline (answer/ask.ts): a follow-up is condensed first, and the answerer knows which words the user wrote.
    const { standalone, q } = offlineQuery(question, history, index);
    if (standalone !== stripInvisible(question)) console.log(`searched as: ${standalone}`);
    const passages = await index.retriever.retrieve({ text: standalone, tokens: q.tokens }, READ_PASSAGES);
    const scored = scoreQuestion(q, passages, index.answering);
    const ranked = [...scored.candidates].sort((a, b) => b.score - a.score).slice(0, 5);
    console.log(`answer kind: ${q.kind}; terms (* a name; idf: how specific to a few passages; unknown: the corpus never uses it): ${q.terms.map((t) => `${t.lemma}${t.name ? '*' : ''}(idf ${t.idf.toFixed(2)}${t.df ? '' : ', unknown'})`).join(' ')}`);
    const { calibration, model } = index.answering;
    const level = Math.max(model.file.refusal.threshold, calibration.answerLevel);
    console.log(`P(answerable) ${scored.answerable.toFixed(3)}: ${scored.answerable >= level ? 'answers' : 'refuses'} (it answers from ${level.toFixed(3)}: the model's threshold ${model.file.refusal.threshold}, or this corpus's off-topic level ${calibration.answerLevel.toFixed(3)} from ${calibration.questions} bank questions, whichever is higher)`);
    console.log('what moved it most (share of the log-odds against an average training question; + towards answering, - towards refusing; related features offset each other):');
    for (const c of refusalContributions(model.file, scored.question).slice(0, EXPLAINED_FEATURES)) {
      console.log(`  ${c.contribution >= 0 ? '+' : '-'}${Math.abs(c.contribution).toFixed(2)}  ${c.feature} = ${c.value.toFixed(2)}: ${QUESTION_FEATURE_NOTES[c.feature] ?? ''}`);
    }
    if (model.file.refusal.trees?.length) {
      const trees = model.refusalTreesLogit(scored.question);
      console.log(`  ${trees >= 0 ? '+' : '-'}${Math.abs(trees).toFixed(2)}  the refusal's ${model.file.refusal.trees.length} trees (combinations of the features above that a sum of weights cannot make)`);
    }
    console.log('best sentences (ranker score, probability among the candidates, rank of the passage in retrieval):');
    for (const c of ranked) {
      const chunk = (passages[c.passage] as Retrieved).chunk;
      const sentence = sentenceText(index.sentences, chunk.text, c.sentence);
      console.log(`  ${c.score.toFixed(2)} p=${c.prob.toFixed(2)} [retrieval rank ${c.passage + 1}] ${sentence.length > 160 ? `${sentence.slice(0, 159)}…` : sentence}`);
    }
  }
  const answer = await runtime.answer({ question, history, k: body.data.k ?? config.defaultK }, index);
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
