import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLocalEmbeddings } from '../../src/embeddings/load-local.js';
import { lexiconOf } from '../../src/embeddings/port.js';
import { loadWordNet } from '../../src/text/load-wordnet.js';
import { untrainedModel } from '../../src/answer/model.js';
import { buildCorpus, runQuestion, runWithoutAnswer, type BuiltCorpus } from '../../src/train/dataset.js';
import type { LabelledQuestion } from '../../src/train/labelled.js';
import { answerFactRanges, answerSentenceRanges, withoutRanges } from '../../src/train/pipeline.js';

let corpus: BuiltCorpus;
let lexiconSize: number;
let build: (text: string) => Promise<BuiltCorpus>;
beforeAll(async () => {
  const glove = await loadLocalEmbeddings(path.join(import.meta.dirname, '../../.cache'));
  const thesaurus = await loadWordNet(path.join(import.meta.dirname, '../../.cache'));
  const lexicon = lexiconOf(glove);
  build = (text) => buildCorpus('copy', [{ title: 'Heihe', doc: { path: 'heihe.txt', text }, questions: [] }], glove, glove.info, lexicon, thesaurus, untrainedModel());
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

describe('answer ranges cut from a copy of the corpus (pipeline.ts)', () => {
  const text = (): string => readFileSync(path.join(import.meta.dirname, '../../corpus/heihe.txt'), 'utf8');

  it('cuts only the stated fact from the sentence stating it, leaving what the sentence is about', async () => {
    const answered = await runQuestion(corpus, question('How many people live in Anheihe?', ['1.5 million']), 'answerable', lexiconSize);
    const ranges = answerFactRanges(answered, corpus);
    expect(ranges.length).toBeGreaterThan(0);
    const original = text();
    for (const [source, a, b] of ranges) {
      expect(source).toBe('heihe.txt');
      expect(original.slice(a, b).toLowerCase()).toBe('1.5 million');
    }
    const cut = withoutRanges(original, ranges.map(([, a, b]) => [a, b] as const));
    expect(cut).not.toContain('1.5 million');
    // The rest of the sentence stays: it still says what is counted.
    const [, a] = ranges[0] as [string, number, number];
    const sentenceStart = original.lastIndexOf('.', a) + 1;
    expect(cut).toContain(original.slice(sentenceStart, a).trim());
    // The copy no longer answers: asked of it, no candidate states the fact.
    const copy = await build(cut);
    const asked = await runQuestion(copy, question('How many people live in Anheihe?', ['1.5 million']), 'unanswerable', lexiconSize, true);
    expect(asked.factMask.every((m) => m === 0)).toBe(true);
  });

  it('cuts nothing when the fact is not written in the answering sentence as it is, and whole sentences for thinned copies', async () => {
    const answered = await runQuestion(corpus, question('How many people live in Anheihe?', ['1.5 million']), 'answerable', lexiconSize);
    expect(answerFactRanges({ ...answered, question: { ...answered.question, facts: ['2.7 million'] } }, corpus)).toEqual([]);
    // Whole words only: "illion" is inside "million", not a word of the sentence; case does not matter.
    expect(answerFactRanges({ ...answered, question: { ...answered.question, facts: ['illion'] } }, corpus)).toEqual([]);
    expect(answerFactRanges({ ...answered, question: { ...answered.question, facts: ['1.5 MILLION'] } }, corpus).length).toBeGreaterThan(0);
    const sentences = answerSentenceRanges(answered, corpus);
    const original = text();
    expect(sentences.length).toBeGreaterThan(0);
    expect(sentences.some(([, a, b]) => original.slice(a, b).includes('1.5 million'))).toBe(true);
  });
});
