import { describe, expect, it } from 'vitest';
import { condenseOffline, namesOf } from '../../src/answer/condense.js';
import type { ChatTurn } from '../../src/types.js';

const user = (content: string): ChatTurn => ({ role: 'user', content });
const assistant = (content: string): ChatTurn => ({ role: 'assistant', content });
const after = (first: string, question: string): string => condenseOffline(question, [user(first), assistant('Anheihe reports a chilly temperate climate, with long cruel winters [1].')]);

describe('namesOf', () => {
  it('finds names past the first word, not the thing a which-question asks for', () => {
    expect(namesOf('Which Russian city lies across the river from Heihe?')).toEqual(['Heihe']);
    expect(namesOf('When did the Normans reach Italy?')).toEqual(['Normans', 'Italy']);
    expect(namesOf('Harbin or Heihe?')).toEqual(['Heihe']);
    expect(namesOf('Harbin or Heihe?', true)).toEqual(['Harbin', 'Heihe']);
  });
});

describe('condenseOffline', () => {
  it('searches a question with its own topic on its own terms (the issue’s climate → population chat)', () => {
    expect(after('What is the climate like?', 'What about its population?')).toBe('What about its population?');
  });

  it('gives a chat that names nothing the name the corpus is about, never an assistant turn’s', () => {
    const vocab = { knows: () => true, topical: (l: string) => l === 'heihe', subject: () => ['Heihe'] };
    const history = [user('What is the climate like?'), assistant('Anheihe reports a cold continental climate, near Blagoveshchensk [1].')];
    expect(condenseOffline('What about its population?', history, vocab)).toBe('What about its population (Heihe)?');
    expect(condenseOffline('Is there a university?', history, vocab)).toBe('Is there a university (Heihe)?');
    // A name of the chat wins over the corpus's; a question naming its own stands alone.
    expect(condenseOffline('What about its population?', [user('What is the climate like in Harbin?')], vocab)).toBe('What about its population (Harbin)?');
    expect(condenseOffline('Where is Blagoveshchensk?', history, vocab)).toBe('Where is Blagoveshchensk?');
    // A chat off the corpus's words gets no subject: its follow-ups must stay off-topic.
    const knowsClimate = { ...vocab, knows: (l: string) => ['climate', 'like', 'population', 'heihe'].includes(l) };
    expect(condenseOffline('What is its population?', [user('What is the climate like?')], knowsClimate)).toBe('What is its population (Heihe)?');
    expect(condenseOffline('What is its population?', [user('Who invented the telephone?')], knowsClimate)).toBe('What is its population?');
    expect(condenseOffline('When did it happen?', [user('Who invented the telephone?')], knowsClimate)).not.toContain('Heihe');
    // No earlier turn, nothing added; a corpus about no one name adds none.
    expect(condenseOffline('What about its population?', [], vocab)).toBe('What about its population?');
    expect(condenseOffline('What about its population?', history, { ...vocab, subject: () => [] })).toBe('What about its population?');
  });

  it('adds only the subject of the conversation to a question with its own topic', () => {
    expect(after('What kind of climate does Heihe have?', 'Is there a university?')).toBe('Is there a university (Heihe)?');
    expect(after('Who were the Normans?', 'What religion were they?')).toBe('What religion were they (Normans)?');
    expect(after('What kind of climate does Heihe have?', 'What about its population?')).toBe('What about its population (Heihe)?');
  });

  it('lets a question that names its own subject stand alone', () => {
    expect(after('What is the capital of Poland?', 'When did the Normans reach Italy?')).toBe('When did the Normans reach Italy?');
    // A pronoun after the question's own name stands for that name.
    expect(after('What is the capital of Poland?', 'What did the Normans do after they reached Italy?')).toBe('What did the Normans do after they reached Italy?');
  });

  it('adds the subject to a question with a name of its own when a pronoun before it points back', () => {
    expect(after('What can you study at Heihe University?', 'Do they have exchanges with Russia?')).toBe('Do they have exchanges with Russia (Heihe University)?');
    expect(after('Where is Heihe?', 'Is it close to Harbin?')).toBe('Is it close to Harbin (Heihe)?');
  });

  it('gives an elliptic modifier the earlier question, the old modifier replaced', () => {
    expect(after('What is the weather like in winter?', 'And in summer?')).toBe('What is the weather like in summer?');
    expect(after('How cold does it get?', 'And in summer?')).toBe('How cold does it get in summer?');
  });

  it('swaps the subject for a fragment that only names a new one', () => {
    expect(after('What is the population of Heihe?', 'And Blagoveshchensk?')).toBe('What is the population of Blagoveshchensk?');
    expect(after('What is the climate of Heihe and Harbin?', 'And what about Harbin?')).toBe('What is the climate of Harbin?');
  });

  it('borrows the earlier topic for a question that points back at it, not for one with a new topic', () => {
    const vocab = { knows: (l: string) => ['population', 'university', 'treaty', 'sign', 'border', 'landscape', 'heihe'].includes(l), topical: (l: string) => l === 'heihe', subject: () => [] };
    // "fixed" is a word this corpus never uses: carried, it would only make the question look off-topic.
    expect(condenseOffline('When was it signed?', [user('Was there a treaty that fixed the border?')], vocab)).toBe('When was it signed (treaty border)?');
    expect(condenseOffline('When was it signed?', [user('Was there a treaty that fixed the border?')])).toBe('When was it signed (treaty fixed border)?');
    expect(condenseOffline('Which ones?', [user('Are there universities in Heihe?')], vocab)).toBe('Which ones (universities Heihe)?');
    // Words the corpus does not know: a new topic, searched as it is (and refused).
    expect(condenseOffline('How do I bake sourdough bread?', [user('What is the landscape like around Heihe?')], vocab)).toBe('How do I bake sourdough bread?');
    // "The other X", "who else": the other one of what the earlier question was about.
    expect(condenseOffline("What's on the other bank?", [user('Which river is Heihe on?')], { knows: (l) => ['river', 'bank', 'heihe'].includes(l), topical: (l) => l === 'heihe', subject: () => [] })).toBe("What's on the other bank (river Heihe)?");
    // A possessive points at the subject, not the earlier topic.
    expect(condenseOffline('What about its population?', [user('What is the climate like in Heihe?')], vocab)).toBe('What about its population (Heihe)?');
  });

  it('keeps the name the corpus is about when a fragment swaps another', () => {
    const vocab = { knows: () => true, topical: (l: string) => l === 'heihe', subject: () => [] };
    expect(condenseOffline('What about the Manchu?', [user('Is there a Russian community in Heihe?')], vocab)).toBe('Is there a Manchu community in Heihe?');
  });

  it('repeats the earlier question for a follow-up with no words of its own', () => {
    expect(after('Which river forms the border?', 'And?')).toBe('Which river forms the border?');
  });

  it('never carries words from assistant turns', () => {
    const out = condenseOffline('Is it cold there?', [user('Where is Heihe?'), assistant('Heihe lies across the Amur from Blagoveshchensk [1].')]);
    expect(out).toContain('Heihe');
    expect(out).not.toContain('Blagoveshchensk');
    expect(out).not.toContain('Amur');
  });

  it('takes the subject from the latest user turn that has one', () => {
    const turns = [user('Where is Blagoveshchensk?'), assistant('Across the Amur [1].'), user('What is the history of Heihe?'), assistant('A Qing outpost [2].'), user('And the climate?'), assistant('Cold [3].')];
    expect(condenseOffline('Is there a port?', turns)).toBe('Is there a port (Heihe)?');
  });

  it('leaves a question unchanged without user turns, and trims it', () => {
    expect(condenseOffline('And its population?', [])).toBe('And its population?');
    expect(condenseOffline('And its population?', [assistant('Hello! Ask me about Heihe.')])).toBe('And its population?');
    expect(condenseOffline('  What is the population of Harbin?  ', [user('Where is Heihe?')])).toBe('What is the population of Harbin?');
  });
});
