/* Widget methods (mixed into Widget, see widget.js): the inbox, the list of private
 * conversations. */
import { h } from '../../shared/dom.js';
import { snippet } from '../util.js';

export class Inbox {
  renderInbox() {
    this.backBtn.hidden = false;
    this.inboxBtn.hidden = true;
    this.searchBtn.hidden = true;
    this.titleEl.textContent = 'Messages';
    const dms = [...this.convs.values()].filter((c) => c.kind === 'dm' && (c.last || c.msgs.size || c.pending.size))
      .sort((a, b) => ((b.last && b.last.ts) || 0) - ((a.last && a.last.ts) || 0));
    const list = dms.length ? h('ul', { class: 'inbox', role: 'list', style: 'list-style:none;margin:0' }, dms.map((c) => h('li', null,
      h('button', { class: 'conv', type: 'button', onclick: () => this.show(c.key), 'aria-label': `${c.peer.name}${c.unread ? `, ${c.unread} unread` : ''}${c.last ? ': ' + snippet(c.last.text, 60) : ''}` },
        this.avatar(c.peer.id, c.peer.name),
        h('div', { class: 'txt' }, h('b', { text: c.peer.name }), h('span', { text: c.last ? snippet(c.last.text, 60) : 'No messages yet' })),
        c.unread ? h('span', { class: 'n', text: String(c.unread) }) : null))))
      : h('p', { class: 'empty', text: 'No private conversations yet. Select someone’s name in the channel to write to them privately.' });
    this.body.replaceChildren(list);
    this.updateSub();
    this.updateInboxDot();
  }
}
