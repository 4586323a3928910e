import { parseConfig } from './src/config.js';
import { createRuntime } from './src/runtime.js';
import { READ_PASSAGES, scoreQuestion } from './src/answer/extractive.js';
import { PAIR_FEATURES } from './src/answer/features.js';
const config = parseConfig({ ...process.env, INDEX_DIR: '/tmp/askidx-t', LOG_LEVEL: 'silent' });
const rt = await createRuntime(config);
const index = await rt.loadServingIndex();
const question = process.argv[2] ?? 'How many people live in Heihe?';
const q = index.analyze(question);
const passages = await index.retriever.retrieve({ text: question, tokens: q.tokens }, READ_PASSAGES);
const s = scoreQuestion(q, passages, index.answering);
const w = index.answering.model.ranker.weights;
const d = PAIR_FEATURES.length;
const ranked = s.candidates.map((c, i) => ({ c, i })).sort((a, b) => b.c.score - a.c.score);
const want = process.argv[3] ?? 'populace';
const show = [ranked[0], ranked.find((r) => passages[r.c.passage]!.chunk.text.slice(index.sentences.start[r.c.sentence], index.sentences.end[r.c.sentence]).includes(want))];
for (const r of show) {
  if (!r) continue;
  const text = passages[r.c.passage]!.chunk.text.slice(index.sentences.start[r.c.sentence], index.sentences.end[r.c.sentence]);
  console.log(r.c.score.toFixed(2), text.slice(0, 80));
  const contrib = PAIR_FEATURES.map((n, j) => [n, (w[j] as number) * (s.pair[r.i * d + j] as number), s.pair[r.i * d + j]] as const).filter((x) => Math.abs(x[1]) > 0.3).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  console.log('  ', contrib.map(([n, c, x]) => `${n}=${(x as number).toFixed(2)}→${c.toFixed(2)}`).join(' '));
}
