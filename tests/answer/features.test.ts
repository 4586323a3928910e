import { describe, expect, it } from 'vitest';
import { candidatesOf, corpusFeatures, CORPUS_FEATURES, pairFeatures, PAIR_FEATURES, topFeatures, TOP_FEATURES, LemmaVectors, TermMatcher } from '../../src/answer/features.js';
import { FLAG, rowOf } from '../../src/answer/sentence-index.js';
import { heiheFixture, HEIHE_LEXICON, HEIHE_SOURCE } from '../helpers/answer-fixture.js';
import { fakeLexicon } from '../helpers/unit-fakes.js';
import type { Thesaurus } from '../../src/text/wordnet.js';

const fx = heiheFixture();
const vectors = new LemmaVectors(fx.index, fx.lexicon);

/** The features of every candidate sentence of the given passages, by sentence text. */
function featuresOf(question: string, ...sections: string[]): Map<string, Record<string, number>> {
  return followUpFeaturesOf(question, undefined, ...sections);
}

/** featuresOf for a follow-up: `question` its standalone form, `asked` what the user wrote. */
function followUpFeaturesOf(question: string, asked: string | undefined, ...sections: string[]): Map<string, Record<string, number>> {
  const q = fx.analyze(question, asked);
  const passages = fx.passages(...sections);
  const candidates = candidatesOf(passages, fx.index);
  const rows = pairFeatures(q, passages, candidates, fx.index, vectors);
  const out = new Map<string, Record<string, number>>();
  candidates.forEach((c, i) => {
    const chunk = passages[c.passage]?.chunk;
    const text = chunk?.text.slice(fx.index.start[c.sentence], fx.index.end[c.sentence]) ?? '';
    out.set(text, Object.fromEntries(PAIR_FEATURES.map((name, j) => [name, rows[i * PAIR_FEATURES.length + j] as number])));
  });
  return out;
}

const find = (m: Map<string, Record<string, number>>, start: string): Record<string, number> => {
  const hit = [...m].find(([text]) => text.startsWith(start));
  if (!hit) throw new Error(`no sentence starting "${start}"`);
  return hit[1];
};

describe('the sentence index', () => {
  it('splits every chunk into sentences with offsets into the chunk, and flags what they hold', () => {
    const pop = fx.chunk('Population');
    const c = fx.chunks.indexOf(pop);
    const from = fx.index.chunkSentences[c] as number;
    const to = fx.index.chunkSentences[c + 1] as number;
    const texts = Array.from({ length: to - from }, (_v, i) => pop.text.slice(fx.index.start[from + i], fx.index.end[from + i]));
    expect(texts).toEqual(['Heihe is home to a population of over 1.5 million humans.', 'Han Chinese are the majority.', 'The Manchu have lived in the region since 1689.']);
    expect((fx.index.flags[from] as number) & FLAG.number).toBeTruthy();
    expect((fx.index.flags[from] as number) & FLAG.magnitude).toBeTruthy();
    expect((fx.index.flags[from + 2] as number) & FLAG.year).toBeTruthy();
    expect((fx.index.flags[from + 2] as number) & FLAG.number).toBeFalsy();
  });
});

describe('pairFeatures', () => {
  it('measures a follow-up\'s own words apart from those carried from earlier turns', () => {
    const alone = find(featuresOf('When was the Treaty of Nerchinsk signed?', 'History'), 'The Treaty of Nerchinsk');
    expect(alone['cov_own']).toBeCloseTo(alone['cov_family'] as number);
    expect(alone['cov_own_soft']).toBeCloseTo(alone['cov_soft'] as number);
    expect(alone['carried_share']).toBe(0);
    const f = followUpFeaturesOf('When was it signed (Treaty Nerchinsk)?', 'When was it signed?', 'History', 'Geography');
    const treaty = find(f, 'The Treaty of Nerchinsk');
    expect(treaty['carried_share']).toBeGreaterThan(0.5);
    expect(treaty['cov_family']).toBeCloseTo(1);
    expect(treaty['cov_own']).toBeCloseTo(1); // "signed" is there
    const described = find(f, 'It described the border');
    expect(described['cov_own']).toBe(0);
    expect(described['carried_share']).toBeCloseTo(treaty['carried_share'] as number);
  });

  it('measures how much of the question each sentence covers, exactly and by word family', () => {
    const f = featuresOf('When was the Treaty of Nerchinsk signed?', 'History', 'Geography');
    const treaty = find(f, 'The Treaty of Nerchinsk');
    const described = find(f, 'It described the border');
    expect(treaty['cov_exact']).toBeCloseTo(1);
    expect(described['cov_exact']).toBe(0);
    // The sentence after the one that matches: its previous sentence covers the question.
    expect(described['cov_prev']).toBeCloseTo(1);
    expect(described['cov_passage']).toBeCloseTo(1);
    expect(treaty['bigrams']).toBe(1);
    expect(treaty['longest_run']).toBeCloseTo(1);
  });

  it('credits words of similar meaning softly, never names or numbers', () => {
    const f = featuresOf('How many people live in Heihe?', 'Population');
    const humans = find(f, 'Heihe is home to');
    expect(humans['cov_exact']).toBeLessThan(humans['cov_soft'] as number);
    expect(humans['cov_soft_70']).toBeGreaterThan(0);
    expect(humans['number_x_number']).toBe(1);
    expect(humans['number_x_magnitude']).toBe(1);
    // Only the question's own answer kind is crossed with the sentence's flags.
    expect(humans['date_x_number']).toBe(0);
    const names = featuresOf('When did Blagoveshchensk sign it?', 'History', 'Geography');
    expect(find(names, 'The Treaty')['names_matched']).toBe(0);
    expect(find(names, 'It faces Blagoveshchensk')['names_matched']).toBe(1);
    expect(find(names, 'The Treaty')['cov_soft']).toBeLessThan(1);
  });

  it('matches a name through the other name the corpus gives it', () => {
    const f = featuresOf('What does the EU buy?', 'Trade');
    expect(find(f, 'The European Union')['cov_exact']).toBeGreaterThan(0.5);
    const g = featuresOf('What does the European Union buy?', 'Trade');
    expect(find(g, 'The European Union')['cov_exact']).toBeGreaterThan(0.9);
  });

  it('tells a sentence that adds something from one that only repeats the question', () => {
    const f = featuresOf('Which river does Heihe lie on?', 'Geography');
    const first = find(f, 'Anheihe, also called');
    expect(first['novelty']).toBeGreaterThan(0);
    expect(first['novel_name']).toBe(1);
  });
});

describe('number binding: a number question wants its number next to what it counts or measures', () => {
  const source = [
    'Population',
    'Heihe is home to a population of over 1.5 million humans. It has two universities and 3 museums.',
    'River',
    'The Amur River runs 2,824 km to the sea. The river has 12 bridges.',
  ].join('\n\n');
  const f = heiheFixture(source);
  const lemmaVectors = new LemmaVectors(f.index, f.lexicon);
  const unbound = (question: string, section: string): Record<string, number> => {
    const q = f.analyze(question);
    const passages = f.passages(section);
    const candidates = candidatesOf(passages, f.index);
    const rows = pairFeatures(q, passages, candidates, f.index, lemmaVectors);
    const col = PAIR_FEATURES.indexOf('number_unbound');
    return Object.fromEntries(candidates.map((c, i) => [(passages[c.passage]?.chunk.text ?? '').slice(f.index.start[c.sentence], f.index.end[c.sentence]), rows[i * PAIR_FEATURES.length + col] as number]));
  };

  it('binds a count to the counted thing, not to another number of the passage', () => {
    expect(unbound('How many humans live in Heihe?', 'Population')).toEqual({
      'Heihe is home to a population of over 1.5 million humans.': 0,
      'It has two universities and 3 museums.': 1,
    });
    expect(unbound('How many museums does Heihe have?', 'Population')['It has two universities and 3 museums.']).toBe(0);
  });

  it('counts the name when the question has no other word to count', () => {
    // "of them" points back; the number must still be next to what is asked about.
    expect(unbound('How many of them are Russian?', 'Population')).toEqual({
      'Heihe is home to a population of over 1.5 million humans.': 1,
      'It has two universities and 3 museums.': 1,
    });
  });

  it('binds a measure ("how long") only to a number with a unit', () => {
    expect(unbound('How long is the Amur River?', 'River')).toEqual({ 'The Amur River runs 2,824 km to the sea.': 0, 'The river has 12 bridges.': 1 });
  });

  it('leaves questions that ask for no number alone', () => {
    expect(Object.values(unbound('Which river runs to the sea?', 'River'))).toEqual([0, 0]);
  });

  it('grades the binding: the best cosine next to a new number, and whether a WordNet kin of the counted thing is there', () => {
    // "populace" is near "population" (a cosine of about 0.55, under the hard binding's 0.6: the fake
    // lexicon's lean of 0.3 gives that) and its WordNet sibling.
    const lexicon = fakeLexicon({ common: ['the', 'of', 'a', 'is', 'to', 'home', 'over', 'million', 'population', 'populace', 'humans', 'museums'], similar: [['population', 'populace', 0.3]], unknown: ['heihe'] });
    const thesaurus: Thesaurus = { relatives: (w) => ({ direct: [], siblings: w === 'population' ? ['populace'] : [] }) };
    const g = heiheFixture(['Population', 'Heihe is home to a populace of over 1.5 million humans. Heihe is home to 3 museums. Its populace is diverse.'].join('\n\n'), lexicon, thesaurus);
    const q = g.analyze('What is the population of Heihe?');
    const passages = g.passages('Population');
    const candidates = candidatesOf(passages, g.index);
    const rows = pairFeatures(q, passages, candidates, g.index, new LemmaVectors(g.index, g.lexicon));
    const col = (name: string, i: number): number => rows[i * PAIR_FEATURES.length + PAIR_FEATURES.indexOf(name)] as number;
    const [populace, museums, noNumber] = [0, 1, 2];
    expect(col('number_unbound', populace)).toBe(1);
    expect(col('number_bound_soft', populace)).toBeGreaterThan(0.45);
    expect(col('number_bound_soft', populace)).toBeLessThan(0.6);
    expect(col('number_bound_kin', populace)).toBe(1);
    expect(col('number_bound_soft', museums)).toBeLessThan(0.5);
    expect(col('number_bound_kin', museums)).toBe(0);
    // A populace with no number next to it binds nothing.
    expect([col('number_unbound', noNumber), col('number_bound_soft', noNumber), col('number_bound_kin', noNumber)]).toEqual([1, 0, 0]);
  });

  it('a word of the same family next to the number binds fully', () => {
    const q = f.analyze('How many humans live in Heihe?');
    const passages = f.passages('Population');
    const candidates = candidatesOf(passages, f.index);
    const rows = pairFeatures(q, passages, candidates, f.index, lemmaVectors);
    const at = (name: string): number => rows[PAIR_FEATURES.indexOf(name)] as number;
    expect([at('number_unbound'), at('number_bound_soft')]).toEqual([0, 1]);
  });
});

describe('question-level features', () => {
  it('report the best candidate and how much of the question the corpus knows', () => {
    const q = fx.analyze('Who is the mayor of Heihe?');
    const passages = fx.passages('Geography', 'Population');
    const candidates = candidatesOf(passages, fx.index);
    const rows = pairFeatures(q, passages, candidates, fx.index, vectors);
    const scores = Float64Array.from(candidates, (_c, i) => rows[i * PAIR_FEATURES.length + PAIR_FEATURES.indexOf('cov_exact')] as number);
    const top = Object.fromEntries(TOP_FEATURES.map((n, i) => [n, topFeatures(rows, scores)[i]]));
    expect(top['top_prob']).toBeGreaterThan(0);
    expect(top['top_prob']).toBeLessThanOrEqual(1);
    const corpus = Object.fromEntries(CORPUS_FEATURES.map((n, i) => [n, corpusFeatures(q, fx.index, fx.lexicon.size)[i]]));
    expect(corpus['unknown_any']).toBe(1); // "mayor" is nowhere in the corpus
    expect(corpus['unknown_share_idf']).toBeGreaterThan(0.5);
    // On topic by its known words, yet asking what the corpus never mentions: the product is the interaction feature.
    expect(corpus['known_information_x_unknown']).toBeCloseTo((corpus['known_information'] as number) * (corpus['unknown_share_idf'] as number), 12);
    expect(corpus['known_information_x_unknown']).toBeGreaterThan(0);
    const known = Object.fromEntries(CORPUS_FEATURES.map((n, i) => [n, corpusFeatures(fx.analyze('Which river is on the border?'), fx.index, fx.lexicon.size)[i]]));
    expect(known['unknown_any']).toBe(0);
    expect(known['known_information_x_unknown']).toBe(0);
  });
});

describe('TermMatcher', () => {
  const runsOf = (sections: string[]): Int32Array[] =>
    fx.passages(...sections).flatMap((p) => {
      const rows: Int32Array[] = [];
      for (let s = fx.index.chunkSentences[p.position] as number; s < (fx.index.chunkSentences[p.position + 1] as number); s++) rows.push(rowOf(fx.index.terms, s));
      return rows;
    });
  const matchAll = (m: TermMatcher, runs: Int32Array[]): number[][] => runs.map((r) => [...m.match(r, true).soft]);

  it('matches the same while another matcher of the same index is alive and interleaved with it (the slot arrays are shared)', () => {
    const sections = fx.chunks.map((c) => c.section).filter((s, i, all) => all.indexOf(s) === i);
    const runs = runsOf(sections);
    const a = fx.analyze('How many people live in Heihe and how cold are its winters?');
    const b = fx.analyze('Which river flows past the city, and what crosses it?');
    const alone = (q: typeof a): number[][] => matchAll(new TermMatcher(q.terms, fx.index, vectors), runs);
    const expectedA = alone(a);
    const expectedB = alone(b);
    expect(expectedA.flat().some((x) => x > 0 && x < 1)).toBe(true);
    // Both alive: each run matched by one, then the other, so each overwrites the other's entries.
    const ma = new TermMatcher(a.terms, fx.index, vectors);
    const mb = new TermMatcher(b.terms, fx.index, vectors);
    mb.prepare(runs);
    const gotA: number[][] = [];
    const gotB: number[][] = [];
    for (const r of runs) {
      gotA.push([...ma.match(r, true).soft]);
      gotB.push([...mb.match(r, true).soft]);
    }
    expect(gotA).toEqual(expectedA);
    expect(gotB).toEqual(expectedB);
  });
});

describe('WordNet relatives', () => {
  // A thesaurus with a few relations (the real one is tested in tests/text/wordnet.test.ts).
  const relations: Record<string, { direct?: string[]; siblings?: string[] }> = {
    populace: { direct: ['people', 'population'] },
    frosty: { siblings: ['cold', 'warm'] },
    resident: { direct: ['human'] },
  };
  const thesaurus: Thesaurus = { relatives: (w) => ({ direct: relations[w]?.direct ?? [], siblings: relations[w]?.siblings ?? [] }) };
  const wx = heiheFixture(HEIHE_SOURCE, HEIHE_LEXICON, thesaurus);
  const wxVectors = new LemmaVectors(wx.index, wx.lexicon);
  const rowsOf = (question: string, ...sections: string[]): Map<string, Record<string, number>> => {
    const q = wx.analyze(question);
    const passages = wx.passages(...sections);
    const candidates = candidatesOf(passages, wx.index);
    const rows = pairFeatures(q, passages, candidates, wx.index, wxVectors);
    return new Map(candidates.map((c, i) => [(passages[c.passage]?.chunk.text ?? '').slice(wx.index.start[c.sentence], wx.index.end[c.sentence]), Object.fromEntries(PAIR_FEATURES.map((n, j) => [n, rows[i * PAIR_FEATURES.length + j] as number]))]));
  };

  it('count a direct relative as the term, and a sibling only in cov_kin', () => {
    const f = rowsOf('What is the populace of Heihe?', 'Population', 'Climate');
    const home = find(f, 'Heihe is home');
    expect(home['cov_exact']).toBeLessThan(1);
    expect(home['cov_related']).toBeCloseTo(1);
    expect(home['related_all_window']).toBe(1);
    const winters = find(f, 'Winters in Heihe');
    expect(winters['cov_related']).toBeLessThan(1);
    expect(winters['related_all_window']).toBe(0);
    const cold = find(rowsOf('Are the winters frosty?', 'Climate'), 'Winters in Heihe');
    expect(cold['cov_kin']).toBeGreaterThan(cold['cov_related'] as number);
  });

  it('take a term from the sentence before for related_all_window', () => {
    // "Han Chinese are the majority." follows the sentence with the residents' relative ("humans").
    const f = rowsOf('Are Han Chinese the majority of the residents?', 'Population');
    expect(find(f, 'Han Chinese')['cov_related']).toBeLessThan(1);
    expect(find(f, 'Han Chinese')['related_all_window']).toBe(1);
  });

  it('tell a word the corpus has no relative of from one it paraphrases', () => {
    const corpus = (q: string): Record<string, number> => Object.fromEntries(CORPUS_FEATURES.map((n, i) => [n, corpusFeatures(wx.analyze(q), wx.index, wx.lexicon.size)[i] as number]));
    const mayor = corpus('Who is the mayor of Heihe?');
    expect(mayor['unknown_any']).toBe(1);
    expect(mayor['unrelated_any']).toBe(1);
    expect(mayor['unrelated_share_idf']).toBeGreaterThan(0.5);
    const populace = corpus('What is the populace of Heihe?');
    expect(populace['unknown_any']).toBe(1);
    expect(populace['unrelated_any']).toBe(0);
  });

  it('match the same with two matchers alive and interleaved (the mask arrays are shared)', () => {
    const runs = wx.passages('Population', 'Climate').flatMap((p) => Array.from({ length: (wx.index.chunkSentences[p.position + 1] as number) - (wx.index.chunkSentences[p.position] as number) }, (_v, k) => rowOf(wx.index.terms, (wx.index.chunkSentences[p.position] as number) + k)));
    const a = wx.analyze('What is the populace of Heihe?');
    const b = wx.analyze('Are the winters frosty for the residents?');
    const both = (m: TermMatcher, r: Int32Array): number[] => [...m.match(r, false).related, ...m.match(r, false).kin];
    const expectedA = runs.map((r) => both(new TermMatcher(a.terms, wx.index, wxVectors), r));
    const expectedB = runs.map((r) => both(new TermMatcher(b.terms, wx.index, wxVectors), r));
    expect(expectedA.flat().some((x) => x === 1)).toBe(true);
    expect(expectedB.flat().some((x) => x === 1)).toBe(true);
    const ma = new TermMatcher(a.terms, wx.index, wxVectors);
    const mb = new TermMatcher(b.terms, wx.index, wxVectors);
    expect(runs.map((r) => [both(ma, r), both(mb, r)])).toEqual(runs.map((_r, i) => [expectedA[i], expectedB[i]]));
  });
});
