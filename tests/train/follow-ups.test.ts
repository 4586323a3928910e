import { describe, expect, it } from 'vitest';
import { pronounFollowUp } from '../../src/train/follow-ups.js';

describe('pronounFollowUp', () => {
  it.each([
    ['Who were the Normans?', 'When did the Normans conquer England?', 'When did they conquer England?'],
    ['Where did the Normans come from?', 'Who defeated the Normans at Hastings?', 'Who defeated them at Hastings?'],
    ['Where is Heihe?', "What is Heihe's population?", 'What is its population?'],
    ['Who were the Huguenots?', "What was the Huguenots' religion?", 'What was their religion?'],
    // A name of several words goes as a whole.
    ['What universities does Heihe have?', 'When was Heihe University founded?', 'When was it founded?'],
  ])('after "%s", asks "%s" as "%s"', (previous, question, expected) => {
    expect(pronounFollowUp(question, previous)).toBe(expected);
  });

  it('makes none when the two questions share no name', () => {
    expect(pronounFollowUp('What is the capital of France?', 'Where is Paris?')).toBeNull();
    expect(pronounFollowUp('How long are the winters?', 'Where is Heihe?')).toBeNull();
  });
});
