/**
 * Thumbs-down feedback as a draft question set in the eval format (`npm run eval -- --set`):
 * one `{id, question, evidence, facts}` line per distinct question. What the right evidence
 * and facts are is for a person to fill in, so they start empty, and `draft` keeps what the
 * reader saw and said to help them (the scorers ignore unknown fields).
 */
import type { FeedbackRecord } from './feedback.js';

export interface DraftQuestion {
  readonly id: string;
  readonly question: string;
  readonly evidence: string[];
  readonly facts: string[];
  readonly draft: {
    readonly answers: string[];
    readonly notes: string[];
    readonly indexVersions: string[];
    readonly chunkIds: string[];
    readonly votes: number;
    readonly firstAt: string;
    readonly lastAt: string;
  };
}

const key = (question: string): string => question.replace(/\s+/g, ' ').trim().toLowerCase();
const addNew = (list: string[], items: readonly string[]): void => {
  for (const item of items) if (!list.includes(item)) list.push(item);
};

/** One draft per distinct (case- and space-insensitive) question voted down, in order of first vote. */
export function draftQuestionSet(records: readonly FeedbackRecord[]): DraftQuestion[] {
  const byQuestion = new Map<string, { id: string; question: string; answers: string[]; notes: string[]; indexVersions: string[]; chunkIds: string[]; votes: number; firstAt: string; lastAt: string }>();
  for (const r of records) {
    if (r.verdict !== 'down') continue;
    const k = key(r.question);
    let d = byQuestion.get(k);
    if (!d) {
      d = { id: `fb-${r.id.replace(/[^\w]/g, '').slice(0, 12)}`, question: r.question, answers: [], notes: [], indexVersions: [], chunkIds: [], votes: 0, firstAt: r.receivedAt, lastAt: r.receivedAt };
      byQuestion.set(k, d);
    }
    d.votes++;
    addNew(d.answers, [r.answer]);
    if (r.note) addNew(d.notes, [r.note]);
    addNew(d.indexVersions, [r.indexVersion]);
    addNew(d.chunkIds, r.chunkIds);
    if (r.receivedAt < d.firstAt) d.firstAt = r.receivedAt;
    if (r.receivedAt > d.lastAt) d.lastAt = r.receivedAt;
  }
  return [...byQuestion.values()].map(({ id, question, ...draft }) => ({ id, question, evidence: [], facts: [], draft }));
}

export const toJsonLines = (drafts: readonly DraftQuestion[]): string => drafts.map((d) => `${JSON.stringify(d)}\n`).join('');
