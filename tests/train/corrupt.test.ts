import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLocalEmbeddings } from '../../src/embeddings/load-local.js';
import { lexiconOf } from '../../src/embeddings/port.js';
import { loadWordNet } from '../../src/text/load-wordnet.js';
import { wordForms, tokenize } from '../../src/text/tokenize.js';
import { untrainedModel } from '../../src/answer/model.js';
import { buildCorpus, type BuiltCorpus } from '../../src/train/dataset.js';
import { corpusNames, corruptQuestion, mainNames, rewordQuestion, swapName, transplantQuestion, type WordList } from '../../src/train/corrupt.js';
import type { Thesaurus } from '../../src/text/wordnet.js';

let corpus: BuiltCorpus;
let sources: { words: WordList; similarity: (a: string, b: string) => number };
let thesaurus: Thesaurus;
beforeAll(async () => {
  const glove = await loadLocalEmbeddings(path.join(import.meta.dirname, '../../.cache'));
  thesaurus = await loadWordNet(path.join(import.meta.dirname, '../../.cache'));
  const lexicon = lexiconOf(glove);
  const text = readFileSync(path.join(import.meta.dirname, '../../corpus/heihe.txt'), 'utf8');
  corpus = await buildCorpus('heihe', [{ title: 'Heihe', doc: { path: 'heihe.txt', text }, questions: [] }], glove, glove.info, lexicon, thesaurus, untrainedModel());
  sources = { words: glove.table, similarity: (a, b) => glove.wordSimilarity(a, b) };
});

/** The word of `made` that differs from `question` (a single-word replacement). */
function replaced(question: string, made: string): { was: string; now: string } {
  const a = tokenize(question).map((t) => t.key);
  const b = tokenize(made).map((t) => t.key);
  expect(b.length).toBe(a.length);
  const i = a.findIndex((k, j) => k !== b[j]);
  return { was: a[i] as string, now: b[i] as string };
}

describe('corruptQuestion', () => {
  const everyLemma = (): Set<number> => new Set(corpus.sentences.lemmas.map((_l, i) => i));
  const question = 'What kind of climate does the city have?';

  it('replaces the most specific answered term by a word the corpus never uses', () => {
    const made = corruptQuestion(question, corpus.serving, everyLemma(), sources.words);
    expect(made).not.toBeNull();
    const { was, now } = replaced(question, made as string);
    expect(was).toBe('climate');
    expect(corpus.serving.vocabulary.lemmaId(wordForms(now).lemma)).toBe(-1);
  });

  it('returns null when the answer sentence states none of the question terms', () => {
    expect(corruptQuestion(question, corpus.serving, new Set(), sources.words)).toBeNull();
  });
});

describe('swapName', () => {
  const lemma = (w: string): number => corpus.serving.vocabulary.lemmaId(w);
  const names = (): string[] => corpusNames(['Anheihe, also called Heihe, is a city.', 'It lies across the Amur River from Blagoveshchensk, Russia.', 'Winters are long.']);

  it('lists the names of sentences, not the words that start them', () => {
    expect(names()).toEqual(['Heihe', 'Amur', 'River', 'Blagoveshchensk', 'Russia']);
  });

  it('swaps a name the answer states for the most similar corpus name it does not, never for another name of the same thing', () => {
    const made = swapName('What is the population of Heihe?', corpus.serving, new Set([lemma('heihe'), lemma('population')]), ['Anheihe', 'River', 'Blagoveshchensk'], sources.similarity);
    // "Anheihe" is the corpus's other name for Heihe (it defines "Anheihe, also called Heihe").
    expect(made).toBe('What is the population of Blagoveshchensk?');
  });

  it('skips names the answer sentence also states, and returns null when no name is left', () => {
    const answer = new Set([lemma('heihe'), lemma('blagoveshchensk')]);
    expect(swapName('What is the population of Heihe?', corpus.serving, answer, ['Blagoveshchensk'], sources.similarity)).toBeNull();
    expect(swapName('What is the population of Heihe?', corpus.serving, new Set([lemma('population')]), ['Blagoveshchensk'], sources.similarity)).toBeNull();
    expect(swapName('What kind of climate does the city have?', corpus.serving, new Set([lemma('climate')]), names(), sources.similarity)).toBeNull();
  });
});

describe('rewordQuestion', () => {
  const lemma = (w: string): number => corpus.serving.vocabulary.lemmaId(w);
  const question = 'What kind of climate does the city have?';

  it('replaces an answered term by its closest WordNet relative that the answer sentence does not state', () => {
    const made = rewordQuestion(question, corpus.serving, new Set([lemma('climate'), lemma('city')]), thesaurus, sources.similarity, 0.4);
    expect(made).not.toBeNull();
    const { was, now } = replaced(question, made as string);
    // "climate" is the more specific of the two answered terms.
    expect(was).toBe('climate');
    expect(thesaurus.relatives('climate').direct).toContain(wordForms(now).lemma);
    expect(sources.similarity('climate', now)).toBeGreaterThanOrEqual(0.4);
  });

  it('takes the next term when the most specific has no relative alike enough, and null when none has', () => {
    const made = rewordQuestion(question, corpus.serving, new Set([lemma('climate'), lemma('city')]), thesaurus, (a) => (a === 'climate' ? 0 : 0.9), 0.4);
    expect(made).not.toBeNull();
    expect(replaced(question, made as string).was).toBe('city');
    expect(rewordQuestion(question, corpus.serving, new Set([lemma('climate'), lemma('city')]), thesaurus, () => 0, 0.4)).toBeNull();
    expect(rewordQuestion(question, corpus.serving, new Set(), thesaurus, sources.similarity, 0.4)).toBeNull();
  });
});

describe('mainNames', () => {
  it('orders names by how many sentences use them, ties by first use', () => {
    expect(mainNames(['Then Rollo met Charles.', 'Later Rollo left.', 'In Rouen Charles and Rollo spoke.', 'Only Emma stayed.'])).toEqual(['Rollo', 'Charles', 'Rouen', 'Emma']);
  });

  it("puts the Heihe corpus's own name first", () => {
    const texts = readFileSync(path.join(import.meta.dirname, '../../corpus/heihe.txt'), 'utf8').split(/(?<=[.!?])\s+/);
    expect(mainNames(texts).slice(0, 3).some((n) => /heihe/i.test(n))).toBe(true);
  });
});

describe('transplantQuestion', () => {
  it("replaces the question's first run of names by the subject", () => {
    expect(transplantQuestion('When was Harvard University founded?', 'Heihe')).toBe('When was Heihe founded?');
    expect(transplantQuestion('How many museums are in Warsaw?', 'Heihe')).toBe('How many museums are in Heihe?');
  });

  it('keeps a possessive with the new subject, and takes an all-capitals first word as a name', () => {
    expect(transplantQuestion("Who was Warsaw's first mayor?", 'Heihe')).toBe("Who was Heihe's first mayor?");
    expect(transplantQuestion('ARPANET was funded by whom?', 'Heihe')).toBe('Heihe was funded by whom?');
  });

  it('returns null for a question that names nothing, or only the subject', () => {
    expect(transplantQuestion('How many people live there?', 'Heihe')).toBeNull();
    expect(transplantQuestion('When did Heihe open a port?', 'Heihe')).toBeNull();
  });
});
