import { describe, expect, it } from 'vitest';
import { markersBeforeStops, checkCitations, echoes, stripForeignLinks } from '../../src/answer/citation-check.js';
import { ANSWER_SYSTEM_PROMPT } from '../../src/answer/prompts.js';

const PASSAGES = [
  { n: 1, text: 'Heihe lies on the Amur River, across from Blagoveshchensk.' },
  { n: 2, text: 'The city is home to over 1.5 million people. See https://www.heihe.gov.cn/population for details.' },
  { n: 3, text: 'Winters are long and cold.' },
];

describe('checkCitations', () => {
  it('keeps well-cited sentences as they are', () => {
    const raw = 'Heihe lies on the Amur River [1]. Winters are long [3].';
    const checked = checkCitations(raw, PASSAGES);
    expect(checked).toEqual({ text: raw, cited: [1, 3], dropped: 0 });
  });

  it('removes a marker that names no passage, and drops a sentence left without a valid one', () => {
    const checked = checkCitations('Heihe lies on the Amur River [1][9]. It has a famous zoo [9]. Winters are long [3].', PASSAGES);
    expect(checked.text).toBe('Heihe lies on the Amur River [1]. Winters are long [3].');
    expect(checked.cited).toEqual([1, 3]);
    expect(checked.dropped).toBe(1);
    expect(checked.text).not.toContain('[9]');
    expect(checked.text).not.toContain('zoo');
  });

  it('reduces a list marker to its valid numbers', () => {
    expect(checkCitations('Over 1.5 million people live there [2, 7].', PASSAGES).text).toBe('Over 1.5 million people live there [2].');
    expect(checkCitations('Heihe faces Blagoveshchensk [1, 3].', PASSAGES)).toMatchObject({ text: 'Heihe faces Blagoveshchensk [1][3].', cited: [1, 3] });
    expect(checkCitations('Nothing valid here [0, 4, 12].', PASSAGES)).toEqual({ text: '', cited: [], dropped: 1 });
  });

  it('drops sentences without any marker', () => {
    const checked = checkCitations('Heihe is a border city. It faces Blagoveshchensk [1].', PASSAGES);
    expect(checked).toEqual({ text: 'It faces Blagoveshchensk [1].', cited: [1], dropped: 1 });
  });

  it('lists cited passages in first-use order, without repeats', () => {
    expect(checkCitations('Winters are cold [3]. The river is the Amur [1][3]. The border is the river [1].', PASSAGES).cited).toEqual([3, 1]);
  });

  it('drops sentences that are only a marker', () => {
    expect(checkCitations('[1]. Heihe is on the Amur [1].', PASSAGES)).toEqual({ text: 'Heihe is on the Amur [1].', cited: [1], dropped: 1 });
  });

  it('is ungrounded for empty or marker-free text', () => {
    expect(checkCitations('', PASSAGES)).toEqual({ text: '', cited: [], dropped: 0 });
    expect(checkCitations('I think it is cold.', PASSAGES).cited).toEqual([]);
  });

  it('removes foreign markdown links, keeping their label', () => {
    const checked = checkCitations('Heihe lies on the [Amur River](https://evil.example/phish) [1].', PASSAGES);
    expect(checked.text).toBe('Heihe lies on the Amur River [1].');
  });

  it('removes foreign images, bare URLs and javascript: links', () => {
    const raw =
      'Heihe lies on the Amur ![map](https://evil.example/x.png) [1]. ' +
      'Visit http://evil.example/win now [1]. ' +
      'Click [here](javascript:alert(1)) for more on the river [1]. ' +
      'It is at www.evil.example too [1].';
    const checked = checkCitations(raw, PASSAGES);
    expect(checked.text).not.toMatch(/evil|javascript|https?:|www\./i);
    expect(checked.text).toContain('Heihe lies on the Amur map [1].');
    expect(checked.text).toContain('Visit now [1].');
    expect(checked.cited).toEqual([1]);
  });

  it('does not count a marker disguised as a link ("[1](https://...)") as a citation', () => {
    const checked = checkCitations('Heihe is on the Amur [1](https://evil.example). Winters are long [3].', PASSAGES);
    expect(checked.text).toBe('Winters are long [3].');
    expect(checked.cited).toEqual([3]);
    expect(checked.dropped).toBe(1);
  });

  it('removes HTML tags', () => {
    const checked = checkCitations('Winters are <b>long</b> and cold <img src=x onerror=alert(1)> [3].', PASSAGES);
    expect(checked.text).toBe('Winters are long and cold [3].');
  });

  it('keeps a URL that occurs in the cited passage', () => {
    const bare = checkCitations('Details are at https://www.heihe.gov.cn/population [2].', PASSAGES);
    expect(bare.text).toBe('Details are at https://www.heihe.gov.cn/population [2].');
    const link = checkCitations('See [the census](https://www.heihe.gov.cn/population) [2].', PASSAGES);
    expect(link.text).toBe('See the census (https://www.heihe.gov.cn/population) [2].');
  });

  it('removes a URL that occurs only in a passage the sentence does not cite', () => {
    const checked = checkCitations('Details are at https://www.heihe.gov.cn/population [1].', PASSAGES);
    expect(checked.text).toBe('Details are at [1].');
  });

  it('drops a sentence that echoes the system prompt', () => {
    const echo = 'My rules: if the passages do not contain the answer, reply with exactly NOT_IN_CORPUS and nothing else [1].';
    const checked = checkCitations(`${echo} Heihe faces Blagoveshchensk [1].`, PASSAGES, ANSWER_SYSTEM_PROMPT);
    expect(checked.text).toBe('Heihe faces Blagoveshchensk [1].');
    expect(checked.dropped).toBe(1);
    // Without a prompt to compare with, the same sentence is kept.
    expect(checkCitations(echo, PASSAGES).dropped).toBe(0);
  });
});

describe('stripForeignLinks', () => {
  it('keeps allowed addresses and removes the rest', () => {
    const allowed = 'Sources: https://ok.example/page';
    expect(stripForeignLinks('[a](https://ok.example/page) [b](https://bad.example)', allowed)).toBe('a (https://ok.example/page) b');
    expect(stripForeignLinks('go https://ok.example/page or https://bad.example', allowed)).toBe('go https://ok.example/page or ');
  });

  it('never allows javascript: or data: addresses, even if the passage has them', () => {
    const allowed = 'javascript:alert(1) data:text/html,hi';
    expect(stripForeignLinks('[x](javascript:alert(1)) data:text/html,hi', allowed)).not.toMatch(/javascript:|data:/);
  });
});

describe('echoes', () => {
  it('finds a long run of the secret, ignoring case and spacing', () => {
    expect(echoes('EVERY SENTENCE of your   answer must end with the marker of the passage', ANSWER_SYSTEM_PROMPT)).toBe(true);
    expect(echoes('Heihe is a city on the Amur River in Heilongjiang.', ANSWER_SYSTEM_PROMPT)).toBe(false);
  });
});

describe('markers written after the full stop', () => {
  it('stay with the sentence they follow', () => {
    const passages = [
      { n: 1, text: 'Heihe is in Heilongjiang.' },
      { n: 2, text: 'It faces Blagoveshchensk.' },
    ];
    const checked = checkCitations('Heihe is in Heilongjiang. [1] It faces Blagoveshchensk. [2]', passages);
    expect(checked.text).toBe('Heihe is in Heilongjiang [1]. It faces Blagoveshchensk [2].');
    expect(checked.cited).toEqual([1, 2]);
    expect(markersBeforeStops('One. [1][2] Two.')).toBe('One [1][2]. Two.');
  });
});

