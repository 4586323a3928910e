import { describe, expect, it } from 'vitest';
import { condenseOffline, needsContext } from '../../src/answer/condense.js';
import type { ChatTurn } from '../../src/types.js';

const user = (content: string): ChatTurn => ({ role: 'user', content });
const assistant = (content: string): ChatTurn => ({ role: 'assistant', content });

describe('needsContext', () => {
  it.each(['And its population?', 'What about the winters there?', 'How about trade?', 'Why?', 'Is it cold?'])('%s leans on earlier turns', (q) => {
    expect(needsContext(q)).toBe(true);
  });

  it.each(['Is there a university in Heihe?', 'Are there parks in Heihe?', 'What is the population of Heihe?', 'How cold are winters in Heihe?', 'Which river forms the border with Russia?'])('%s stands alone', (q) => {
    expect(needsContext(q)).toBe(false);
  });
});

describe('condenseOffline', () => {
  const history = [user('How cold are the winters in Heihe?'), assistant('Winters in Heihe are long and cold [1].')];

  it('carries the names of the previous user turn into a follow-up', () => {
    const out = condenseOffline('And its population?', history);
    expect(out).toContain('Heihe');
    expect(out).toMatch(/^And its population\b/);
    expect(out.endsWith('?')).toBe(true);
  });

  it('carries the subject into "What about ... there?"', () => {
    const out = condenseOffline('What about the winters there?', [user('What is the population of Blagoveshchensk?'), assistant('The corpus does not say.')]);
    expect(out).toContain('Blagoveshchensk');
    expect(out).toMatch(/^What about the winters there\b/);
  });

  it('takes the subject from the latest user turn, not an older one or the assistant', () => {
    const turns = [user('Where is Blagoveshchensk?'), assistant('Across the Amur from Heihe [1].'), user('What is the history of Heihe?'), assistant('Heihe was a Qing outpost [2].')];
    const out = condenseOffline('And its population?', turns);
    expect(out).toContain('Heihe');
    expect(out).not.toContain('Blagoveshchensk');
    expect(out).not.toContain('Qing');
  });

  it('falls back to content words when the previous turn names nothing', () => {
    const out = condenseOffline('And in summer?', [user('how cold does the river get?')]);
    expect(out).toMatch(/cold/);
    expect(out).toMatch(/river/);
  });

  it('does not repeat a name the follow-up already has', () => {
    const out = condenseOffline('And what about Heihe?', [user('What is the climate of Heihe and Harbin?')]);
    expect(out).toContain('Harbin');
    expect(out.match(/Heihe/g)).toHaveLength(1);
  });

  it('leaves a standalone question unchanged', () => {
    expect(condenseOffline('What is the population of Harbin?', history)).toBe('What is the population of Harbin?');
  });

  it('leaves a question unchanged without history', () => {
    expect(condenseOffline('And its population?', [])).toBe('And its population?');
  });

  it('leaves a follow-up unchanged when earlier turns hold no subject', () => {
    expect(condenseOffline('And its population?', [assistant('Hello! Ask me about Heihe.')])).toBe('And its population?');
  });

  it('trims the question', () => {
    expect(condenseOffline('  What is the population of Harbin?  ', history)).toBe('What is the population of Harbin?');
  });
});
