// @ts-check
/**
 * The list of past chats (a panel under the header): open one, or delete it.
 */
import { button, el, icon } from './dom.js';

/** @typedef {import('./store.js').ChatSummary} ChatSummary */

/**
 * @param {HTMLElement} listEl the <ul> of the panel
 * @param {readonly ChatSummary[]} chats newest first
 * @param {string} currentId
 * @param {{ open: (id: string) => void, remove: (id: string, title: string) => void }} on
 */
export function renderChatList(listEl, chats, currentId, on) {
  listEl.replaceChildren();
  if (chats.length === 0) {
    listEl.append(el('li', 'chats-empty', 'No past chats yet. Your questions and answers are kept in this browser.'));
    return;
  }
  for (const chat of chats) {
    const li = el('li', 'chat-item');
    li.dataset.chatId = chat.id;
    const open = button('chat-open', '');
    open.append(el('span', 'chat-title', chat.title), el('span', 'chat-meta', `${chat.turns} question${chat.turns === 1 ? '' : 's'} · ${when(chat.updatedAt)}`));
    if (chat.id === currentId) open.setAttribute('aria-current', 'true');
    open.addEventListener('click', () => on.open(chat.id));
    const del = button('chat-delete', '', `Delete chat: ${chat.title}`);
    del.append(icon('trash'));
    del.addEventListener('click', () => on.remove(chat.id, chat.title));
    li.append(open, del);
    listEl.append(li);
  }
}

/** @param {string} iso */
function when(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleDateString();
}
