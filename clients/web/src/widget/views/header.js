/* Widget methods (mixed into Widget, see widget.js): the panel's header (title, who is here, the
 * reconnect banner, the inbox dot), the launcher's unread count and preview card, the screen
 * reader announcements, and switching between the views (conversation, inbox, search). */
import { h } from '../../shared/dom.js';
import { initials, hue, snippet } from '../util.js';

export class Header {
  setBanner(text, kind) {
    this.banner.hidden = !text;
    this.banner.className = 'banner' + (kind ? ' ' + kind : '');
    this.banner.replaceChildren(...(text ? [kind ? '' : h('span', { class: 'spin', 'aria-hidden': 'true' }), text] : []));
  }

  updateSub() {
    const c = this.client;
    let text;
    if (this.view === 'inbox') text = 'Private conversations';
    else if (this.view === 'search') text = 'Everything you can read here';
    else if (c && c.state !== 'open' && c.state !== 'idle') text = c.state === 'failed' ? 'Unavailable' : 'Connecting…';
    else if (this.activeConv() && this.activeConv().kind === 'dm') {
      const peer = this.activeConv().peer;
      text = peer && this.online.has(peer.id) ? 'Online now · private conversation' : 'Private conversation';
    } else {
      const names = [...this.online.values()];
      text = names.length === 0 ? (this.cfg.subtitle || 'Ask the team and the community')
        : names.length === 1 ? `${names[0]} is here`
          : names.length === 2 ? `${names[0]} and ${names[1]} are here` : `${names[0]} and ${names.length - 1} others are here`;
    }
    this.subEl.textContent = text;
    const showStack = this.view === 'conv' && this.active === this.channel;
    this.stack.replaceChildren(...(showStack ? [...this.online.entries()].slice(0, 3).map(([id, n]) => this.avatar(id, n)) : []));
  }

  channelTitle() {
    const c = this.convs.get(this.channel);
    return this.cfg.title || (c && c.info && c.info.title) || 'Help';
  }

  avatar(id, name) { return h('div', { class: 'av', style: `--h:${hue(id)}`, 'aria-hidden': 'true', text: initials(name) }); }

  updateCount() {
    let n = 0;
    for (const c of this.convs.values()) n += c.unread;
    this.count.hidden = n === 0 || this.isOpen; // the open panel shows where they are
    this.count.textContent = n > 99 ? '99+' : String(n);
    this.launcher.setAttribute('aria-label', (this.isOpen ? 'Close chat' : 'Open chat') + (n ? `, ${n} unread` : ''));
  }

  updateInboxDot() {
    let n = 0;
    for (const c of this.convs.values()) if (c.kind === 'dm') n += c.unread;
    this.inboxDot.hidden = n === 0;
    this.inboxDot.textContent = String(n);
    this.inboxBtn.setAttribute('aria-label', 'Private messages' + (n ? `, ${n} unread` : ''));
    const ch = this.convs.get(this.channel);
    const chUnread = ch ? ch.unread : 0;
    this.backBtn.setAttribute('aria-label', `Back to ${this.channelTitle()}` + (chUnread ? `, ${chUnread} unread` : ''));
  }

  showPreview(c, m) {
    this.preview.dataset.channel = c.key;
    this.preview.replaceChildren(this.avatar(m.from.id, m.from.name), h('div', null, h('b', { text: m.from.name + (c.kind === 'dm' ? ' · private' : ' replied') }), h('span', { text: snippet(m.text, 90) })));
    this.preview.setAttribute('aria-label', `${m.from.name}: ${snippet(m.text, 90)}. Open chat`);
    this.preview.hidden = false;
  }

  say(text) {
    // Re-adding a node makes screen readers announce it; keep the region short.
    const p = h('p', { text: snippet(text, 300) });
    this.announcer.append(p);
    while (this.announcer.childElementCount > 3) this.announcer.firstChild.remove();
  }

  // -- switching views --
  renderView() { if (this.view === 'inbox') this.renderInbox(); else if (this.view === 'conv') this.renderConv(); else if (this.view === 'search') this.renderSearch(); }

  show(key) {
    this.active = key;
    this.view = 'conv';
    this.replyTo = null;
    const c = this.convs.get(key);
    if (c && !c.loaded && !c.loading && this.client) this.loadInitial(c);
    this.renderConv();
    this.markRead(key);
    this.focusDefault();
  }

  showInbox() {
    this.view = 'inbox';
    this.renderInbox();
    const first = this.body.querySelector('button');
    if (first) first.focus();
  }

  openDm(peer) {
    if (!this.me || peer.id === this.me.id) return;
    const c = this.dmWith(peer);
    this.show(c.key);
  }
}
