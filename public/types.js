// @ts-check
/**
 * The data shapes the page works with, for JSDoc (`@typedef {import('./types.js').Answer}`).
 * The server's own TypeScript types are named here, not copied, so `npm run typecheck` fails
 * when the page and the server disagree. This module has no runtime content.
 */

/** @typedef {import('../src/types.js').Answer} Answer */
/** @typedef {import('../src/types.js').Citation} Citation */
/** @typedef {import('../src/types.js').StreamEvent} StreamEvent */
/** @typedef {import('../src/types.js').ChatTurn} ChatTurn */
/** @typedef {import('../src/server/routes/client-config.js').ClientConfig} ClientConfig */
/** @typedef {ClientConfig['limits']} Limits */
/** @typedef {import('../src/feedback/feedback.js').FeedbackBody} FeedbackBody */
/** @typedef {{ readonly start: number, readonly end: number }} Quote */

/**
 * GET /health (src/server/routes/health.ts): 200 when serving, 503 with `status: 'starting'`
 * and `index: null` while no index is loaded.
 * @typedef {object} Health
 * @property {string} status
 * @property {'extractive' | 'llm'} mode
 * @property {{ version: string, generation: string, chunks: number, embedding: { provider: string, model: string, dimensions: number }, createdAt: string, sources: number } | null} index
 */

/** @typedef {{ code: string, message: string }} TurnError */
/** @typedef {{ verdict: 'up' | 'down', note?: string, sentAt: string }} SentFeedback */

/**
 * One question and what became of it. Only settled turns are stored.
 * @typedef {{ id: string, question: string, status: 'done', answer: Answer, feedback?: SentFeedback }
 *   | { id: string, question: string, status: 'error', error: TurnError, partial: string }} StoredTurn
 */

/**
 * @typedef {object} Conversation
 * @property {string} id
 * @property {string} title The first question, shortened.
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {StoredTurn[]} turns
 */

export {};
