import { describe, expect, it } from 'vitest';
import { spinArticle, spinText } from '../../src/train/spin.js';
import type { Thesaurus } from '../../src/text/wordnet.js';
import type { Article } from '../../src/train/labelled.js';

// A thesaurus and word similarity small enough to read: "river" ~ "stream", "large" ~ "big" ~ "huge".
const RELATIVES: Record<string, string[]> = { river: ['stream', 'watercourse'], large: ['big', 'huge', 'large'], city: ['metropolis'], flows: ['flow'], flow: ['run'] };
const thesaurus: Thesaurus = { relatives: (w) => ({ direct: RELATIVES[w] ?? [], siblings: [] }) };
const SIMILAR: Record<string, number> = { 'river stream': 0.7, 'river watercourse': 0.5, 'large big': 0.8, 'large huge': 0.6, 'city metropolis': 0.3, 'flow run': 0.45 };
const similarity = (a: string, b: string): number => SIMILAR[`${a} ${b}`] ?? 0;
const everyWord = { share: 1, minSimilarity: 0.4 };

describe('spinText', () => {
  it('replaces content words by their closest relative above the floor, keeping names, short words and case', () => {
    const { text } = spinText('The large river flows past Harbin. River boats are slow.', [], 'k', thesaurus, similarity, everyWord);
    // "large" → "big" (0.8 beats 0.6), "river" → "stream"; "flows" → "run" (lemma "flow");
    // the capitalised "River" and the name "Harbin" stay; "city" → "metropolis" is below the floor.
    expect(text).toBe('The big stream run past Harbin. River boats are slow.');
    expect(spinText('A large city.', [], 'k', thesaurus, similarity, everyWord).text).toBe('A big city.');
  });

  it('never touches a kept range, and maps offsets after replacements to the same place', () => {
    const source = 'The large river meets the large lake.';
    const lake = source.indexOf('lake');
    const keep: Array<[number, number]> = [[source.lastIndexOf('large'), lake + 4]];
    const spun = spinText(source, keep, 'k', thesaurus, similarity, everyWord);
    expect(spun.text).toBe('The big stream meets the large lake.');
    const [a, b] = keep[0] as [number, number];
    expect(spun.text.slice(spun.offset(a), spun.offset(b))).toBe('large lake');
  });

  it('replaces about the share asked for, the same words every time', () => {
    const source = Array.from({ length: 200 }, () => 'large').join(' ');
    const once = spinText(source, [], 'article', thesaurus, similarity, { share: 0.25, minSimilarity: 0.4 }).text;
    const replaced = once.split(' ').filter((w) => w === 'big').length;
    expect(replaced).toBeGreaterThan(30);
    expect(replaced).toBeLessThan(70);
    expect(spinText(source, [], 'article', thesaurus, similarity, { share: 0.25, minSimilarity: 0.4 }).text).toBe(once);
  });
});

describe('spinArticle', () => {
  const text = '# Rivers\n\nThe large river flows into the sea. Its delta is large.\n';
  const answer = text.indexOf('the sea');
  const article: Article = {
    title: 'Rivers',
    doc: { path: 'rivers.md', text },
    questions: [
      { id: 'q1', question: 'Where does the river flow?', article: 'Rivers', fold: 'Rivers', impossible: false, spans: [[answer, answer + 'the sea'.length]], evidence: [], facts: ['the sea'] },
      { id: 'q2', question: 'Who built the delta?', article: 'Rivers', fold: 'Rivers', impossible: true, spans: [], evidence: [], facts: [] },
    ],
  };

  it('keeps the title and fold (validation leaves the copy out with its article), answerable questions only, their spans on the same answer', () => {
    const spun = spinArticle(article, thesaurus, similarity, everyWord);
    expect(spun).not.toBeNull();
    const a = spun as Article;
    expect(a.title).toBe('Rivers');
    expect(a.doc.path).toBe('rivers-spun.md');
    expect(a.doc.text).toContain('The big stream run into the sea.');
    expect(a.questions.map((q) => q.id)).toEqual(['q1~spun']);
    const [s, e] = (a.questions[0] as Article['questions'][number]).spans[0] as [number, number];
    expect(a.doc.text.slice(s, e)).toBe('the sea');
    expect(a.questions[0]?.fold).toBe('Rivers');
  });

  it('is null when no word has a close relative', () => {
    expect(spinArticle({ ...article, doc: { path: 'x.md', text: 'Harbin is cold.' } }, thesaurus, similarity, everyWord)).toBeNull();
  });
});
