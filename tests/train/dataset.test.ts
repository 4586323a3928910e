import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLocalEmbeddings } from '../../src/embeddings/load-local.js';
import { lexiconOf } from '../../src/embeddings/port.js';
import { loadWordNet } from '../../src/text/load-wordnet.js';
import { untrainedModel } from '../../src/answer/model.js';
import { buildCorpus, runQuestion, runWithoutAnswer, type BuiltCorpus } from '../../src/train/dataset.js';
import type { LabelledQuestion } from '../../src/train/labelled.js';

let corpus: BuiltCorpus;
let lexiconSize: number;
beforeAll(async () => {
  const glove = await loadLocalEmbeddings(path.join(import.meta.dirname, '../../.cache'));
  const thesaurus = await loadWordNet(path.join(import.meta.dirname, '../../.cache'));
  const lexicon = lexiconOf(glove);
  lexiconSize = lexicon.size;
  const text = readFileSync(path.join(import.meta.dirname, '../../corpus/heihe.txt'), 'utf8');
  corpus = await buildCorpus('heihe', [{ title: 'Heihe', doc: { path: 'heihe.txt', text }, questions: [] }], glove, glove.info, lexicon, thesaurus, untrainedModel());
});

const question = (q: string, facts: string[]): LabelledQuestion => ({ id: 't1', question: q, article: 'Heihe', fold: 'test', impossible: false, spans: [], evidence: [], facts });

describe('runWithoutAnswer', () => {
  it('asks the question without the passages that state its answer, as an on-topic unanswerable one', async () => {
    const answered = await runQuestion(corpus, question('How many people live in Anheihe?', ['1.5 million']), 'answerable', lexiconSize);
    expect(answered.factMask.some((m) => m !== 0)).toBe(true);
    const removed = await runWithoutAnswer(corpus, answered, lexiconSize);
    expect(removed).not.toBeNull();
    const run = removed as NonNullable<typeof removed>;
    expect(run.role).toBe('unanswerable');
    expect(run.made).toBe(true);
    expect(run.question.id).toBe('t1~removed');
    expect(run.question.facts).toEqual([]);
    // No candidate is a sentence of a passage that answered, and the passages that did are gone.
    const answering = new Set([...answered.sentence].filter((_s, i) => answered.factMask[i] !== 0));
    expect([...run.sentence].some((s) => answering.has(s))).toBe(false);
    expect(run.labels.every((l) => l === 0)).toBe(true);
    // It still reads as many passages as the answerable one did (the next ones move up).
    expect(new Set(run.passage).size).toBe(new Set(answered.passage).size);
  });

  it('is null when no retrieved sentence answers the question (nothing to take away)', async () => {
    const answered = await runQuestion(corpus, question('Who is the mayor of Heihe?', ['Zhang Wei']), 'answerable', lexiconSize);
    expect(await runWithoutAnswer(corpus, answered, lexiconSize)).toBeNull();
  });
});
