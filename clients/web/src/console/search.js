/* Parley staff console: the Search view (#/search): every channel, archived and private ones and
 * DMs included (staff only). */
import { h, markedText } from '../shared/dom.js';
import { avatar, icon, relTime } from './kit.js';
import { op } from './server.js';
import { E, S, learn } from './state.js';
import { nameText } from './names.js';
import { openInChannel } from './stream.js';

export function renderSearchView() {
  const input = h('input', { type: 'search', name: 'q', 'aria-label': 'Search every channel', maxlength: '256',
    placeholder: 'Words, "a phrase", from:user, in:channel, is:solved' });
  E.searchResults = h('div', { class: 'search-results' });
  E.searchStatus = h('p', { class: 'desc', role: 'status' });
  const form = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); runSearch(input.value, ''); } },
    input, h('button', { class: 'btn primary', type: 'submit' }, icon('search', 15), 'Search'));
  E.main.replaceChildren(
    h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: 'Search' }),
        h('div', { class: 'desc', text: 'Every channel: archived and private ones, and private conversations, which only staff can search.' }))),
    h('div', { class: 'scroll-area' }, form, E.searchStatus, E.searchResults));
  input.focus();
}

async function runSearch(query, cursor) {
  const ticket = S.searchTicket = (S.searchTicket || 0) + 1;
  if (!cursor) { E.searchResults.replaceChildren(); E.searchStatus.textContent = 'Searching…'; }
  let r;
  try {
    r = await op({ op: 'search', query, limit: 20, ...(cursor ? { cursor } : {}) });
  } catch (e) {
    if (ticket === S.searchTicket) E.searchStatus.textContent = e.message;
    return;
  }
  if (ticket !== S.searchTicket || E.viewId !== 'search') return;
  const list = E.searchResults.querySelector('ol') || E.searchResults.appendChild(h('ol', { class: 'card search-list' }));
  for (const x of r.results) {
    learn(x.from.id, x.from.name, x.from.role);
    const dm = x.channel.startsWith('dm:');
    const where = dm ? `private: ${x.channel.slice(3).split(':').join(' ↔ ')}` : '#' + x.channel;
    const snip = h('p', { class: 'snip' });
    snip.append(...markedText(x.snippet));
    list.append(h('li', { 'data-channel': x.channel, 'data-seq': String(x.seq) },
      avatar(x.from.id, x.from.name, 'sm'),
      h('div', { class: 'q' },
        h('div', { class: 'm' }, nameText(x.from.id, 'b'), ` · ${where} · message #${x.seq} · `, relTime(x.ts),
          x.solved_seq ? ' · solved' : ''),
        snip),
      dm ? null : h('button', { class: 'btn small ghost', type: 'button', 'aria-label': `Show message #${x.seq} in #${x.channel}`,
        onclick: () => openInChannel({ channel: x.channel, seq: x.seq }) }, icon('open', 14), 'Show in channel')));
  }
  const shown = list.children.length;
  E.searchStatus.textContent = shown ? `${shown} result${shown === 1 ? '' : 's'}${r.cursor ? ' so far' : ''}.` : `Nothing matches ${query}.`;
  const old = E.searchResults.querySelector('.more');
  if (old) old.remove();
  if (r.cursor) {
    E.searchResults.append(h('div', { class: 'more' }, h('button', { class: 'btn', type: 'button', onclick: () => runSearch(query, r.cursor) }, 'More results')));
  }
}
