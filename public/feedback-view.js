// @ts-check
/**
 * The feedback control under each answer: thumbs up or down, then an optional note, sent to
 * POST /feedback. Once sent it says thanks and stays as it was (also after a reload).
 */
import { announce, button, el, icon } from './dom.js';

/** @typedef {import('./types.js').Answer} Answer */
/** @typedef {import('./types.js').Citation} Citation */
/** @typedef {import('./types.js').FeedbackBody} FeedbackBody */
/** @typedef {import('./types.js').SentFeedback} SentFeedback */

/**
 * @typedef {object} FeedbackDeps
 * @property {(body: FeedbackBody) => Promise<void>} send
 * @property {(turnId: string, feedback: SentFeedback) => void} saved
 * @property {() => number} noteChars the server's limit on a note
 * @property {(err: unknown) => string} describeError
 * @property {HTMLElement} announcer
 */

let formCounter = 0;

/**
 * @param {{ turnId: string, answer: Answer, sources: readonly Citation[], sent: SentFeedback | undefined }} item
 * @param {FeedbackDeps} deps
 * @returns {HTMLElement}
 */
export function renderFeedback(item, deps) {
  const box = el('div', 'feedback');
  box.setAttribute('role', 'group');
  box.setAttribute('aria-label', 'Feedback on this answer');
  const prompt = el('span', 'feedback-prompt', 'Was this helpful?');
  const up = button('thumb thumb-up', '', 'Helpful');
  const down = button('thumb thumb-down', '', 'Not helpful');
  up.append(icon('up'));
  down.append(icon('down'));
  up.dataset.verdict = 'up';
  down.dataset.verdict = 'down';
  const row = el('div', 'feedback-row');
  row.append(prompt, up, down);
  box.append(row);

  /** @param {'up' | 'down' | null} verdict */
  const press = (verdict) => {
    up.setAttribute('aria-pressed', String(verdict === 'up'));
    down.setAttribute('aria-pressed', String(verdict === 'down'));
  };

  /** @param {SentFeedback} sent */
  const thank = (sent) => {
    press(sent.verdict);
    up.disabled = true;
    down.disabled = true;
    prompt.textContent = 'Thanks for your feedback.';
    box.dataset.state = 'sent';
  };

  if (item.sent) {
    thank(item.sent);
    return box;
  }
  press(null);

  /** @type {HTMLFormElement | null} */
  let form = null;

  /** @param {'up' | 'down'} verdict */
  const openForm = (verdict) => {
    press(verdict);
    form?.remove();
    form = noteForm(verdict);
    box.append(form);
    form.querySelector('textarea')?.focus();
  };

  /** @param {'up' | 'down'} verdict */
  function noteForm(verdict) {
    const f = el('form', 'feedback-form');
    f.noValidate = true;
    const id = `feedback-note-${++formCounter}`;
    const label = el('label', 'feedback-label', verdict === 'down' ? 'What was wrong or missing? (optional)' : 'Anything to add? (optional)');
    label.htmlFor = id;
    const note = el('textarea', 'feedback-note');
    note.id = id;
    note.rows = 2;
    note.maxLength = deps.noteChars();
    const error = el('p', 'feedback-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    const submit = el('button', 'btn-small btn-send-feedback', 'Send feedback');
    submit.type = 'submit';
    const cancel = button('btn-small feedback-cancel', 'Cancel');
    cancel.addEventListener('click', () => {
      f.remove();
      form = null;
      press(null);
      (verdict === 'up' ? up : down).focus();
    });
    const buttons = el('div', 'feedback-buttons');
    buttons.append(submit, cancel);
    f.append(label, note, buttons, error);
    f.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = note.value.trim();
      submit.disabled = true;
      error.hidden = true;
      box.dataset.state = 'sending';
      try {
        await deps.send({ question: item.answer.question, answer: item.answer.answer, indexVersion: item.answer.indexVersion, chunkIds: item.sources.map((c) => c.chunkId), verdict, ...(text ? { note: text } : {}) });
        /** @type {SentFeedback} */
        const sent = { verdict, sentAt: new Date().toISOString(), ...(text ? { note: text } : {}) };
        f.remove();
        form = null;
        thank(sent);
        deps.saved(item.turnId, sent);
        announce(deps.announcer, 'Feedback sent. Thank you.');
      } catch (err) {
        error.textContent = deps.describeError(err);
        error.hidden = false;
        submit.disabled = false;
        box.dataset.state = 'error';
      }
    });
    return f;
  }

  up.addEventListener('click', () => openForm('up'));
  down.addEventListener('click', () => openForm('down'));
  return box;
}
