import { parseConfig } from './src/config.js';
import { createRuntime } from './src/runtime.js';
import { readFileSync } from 'node:fs';
const rt = await createRuntime(parseConfig({ ...process.env, INDEX_DIR: process.env.IDX ?? '/tmp/askidx-b', CORPUS_DIR: process.env.CORPUS ?? '/work/main/corpus', EMBEDDINGS_CACHE_DIR: '/work/main/.cache', LOG_LEVEL: 'silent', ANSWER_MODEL: '/work/tmp/m14b/answerer.json', OFFTOPIC_BANK: '/work/tmp/m14b/offtopic-bank.json' }));
const index = await rt.loadServingIndex();
const qs = [...readFileSync('/work/main/tests/fixtures/heihe-questions.jsonl', 'utf8').split('\n'), ...readFileSync('/work/shared/eval/dev.jsonl', 'utf8').split('\n')].filter(Boolean).map((l) => JSON.parse(l).question);
for (let pass = 0; pass < Number(process.env.PASSES ?? 5); pass++) {
  const times: number[] = [];
  for (const q of qs) { const t = performance.now(); await rt.answer({ question: q, history: [], k: 5 }, index); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log('p50', times[times.length >> 1]!.toFixed(3), 'p95', times[Math.floor(times.length * 0.95)]!.toFixed(3));
}
