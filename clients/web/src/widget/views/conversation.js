/* Widget methods (mixed into Widget, see widget.js): the conversation view: the message list (in
 * seq order, grouped, one tab stop with roving focus), the kicked and banned notices in its place,
 * history paging and scrolling, who is typing. */
import { PAGE, GROUP_MS } from '../config.js';
import { h } from '../../shared/dom.js';
import { ICON } from '../icons.js';
import { cap, fmtDay } from '../util.js';

export class Conversation {
  renderConv() {
    const c = this.activeConv();
    if (!c) return;
    this.view = 'conv';
    this.closePop();
    const isDm = c.kind === 'dm';
    this.backBtn.hidden = !isDm;
    this.inboxBtn.hidden = isDm || !this.client || !!this.fatal;
    this.searchBtn.hidden = isDm || !this.client || !!this.fatal;
    this.titleEl.textContent = isDm ? c.peer.name : this.channelTitle();
    if (this.fatal || c.kicked) {
      // No conversation to show: a notice takes its place.
      this.list = this.scroller = this.olderBtn = this.startEl = this.jump = this.typingEl = this.textarea = this.replyEl = this.noticeEl = null;
      this.body.replaceChildren(this.fatal ? this.finalNode() : this.kickedNode(c), h('p', { class: 'foot', text: 'Powered by Parley' }));
      this.updateSub();
      this.updateInboxDot();
      return;
    }
    this.olderBtn = h('button', { class: 'older', type: 'button', hidden: true, onclick: () => this.loadOlder(c) });
    this.startEl = h('p', { class: 'start', hidden: true });
    this.list = h('ol', { class: 'msgs', 'aria-label': isDm ? `Private conversation with ${c.peer.name}` : `Messages in ${this.titleEl.textContent}`, onkeydown: (e) => this.onListKey(e), onfocusin: (e) => this.onListFocus(e) });
    this.jump = h('button', { class: 'jump', type: 'button', hidden: true, text: 'New messages ↓', onclick: () => this.scrollToEnd(true) });
    this.scroller = h('div', { class: 'scroll', onscroll: () => { this.onScroll(); this.closePop(); } }, this.olderBtn, this.startEl, this.list, this.jump);
    this.typingEl = h('div', { class: 'typing', 'aria-hidden': 'true' });
    this.body.replaceChildren(this.scroller, this.typingEl, this.renderComposer(c), h('p', { class: 'foot', text: 'Powered by Parley' }));
    for (const seq of [...c.msgs.keys()].sort((a, b) => a - b)) this.insertNode(c.msgs.get(seq), false);
    for (const e of c.pending.values()) this.list.append(this.pendingNode(e));
    for (const x of c.eph) this.placeEphemeral(x);
    this.updatePaging();
    this.renderTyping();
    this.updateSub();
    this.updateInboxDot();
    this.updateComposer();
    this.scrollToEnd();
  }

  kickedNode(c) {
    const where = c.kind === 'dm' ? 'this conversation' : this.channelTitle();
    const wait = c.kicked && c.kicked.until ? c.kicked.until - Date.now() : 0;
    const btn = h('button', { class: 'primary', type: 'button', text: 'Rejoin the conversation', disabled: wait > 0, onclick: async () => {
      btn.disabled = true;
      btn.textContent = 'Rejoining…';
      try {
        await this.client.join(c.key);
        c.kicked = null;
        if (this.active === c.key) { this.renderConv(); this.focusDefault(); }
      } catch (e) {
        btn.disabled = false;
        btn.textContent = 'Rejoin the conversation';
        this.say(this.errorText(e, 'Could not rejoin'));
      }
    } });
    if (wait > 0) {
      setTimeout(() => { if (c.kicked && this.active === c.key && this.view === 'conv') this.renderConv(); }, wait + 100);
    }
    const back = wait > 0 ? `You can come back in ${Math.ceil(wait / 1000)} s` : 'You are welcome to come back';
    return h('div', { class: 'gone', role: 'status' }, h('div', { class: 'ico', html: ICON.leave, 'aria-hidden': 'true' }),
      h('h3', { text: 'You were removed from the conversation' }),
      h('p', { text: `A moderator removed you from ${where}. ${back}; please keep to the community guidelines.` }), btn);
  }

  finalNode() {
    const f = this.fatal;
    return h('div', { class: 'gone final', role: 'alert' }, h('div', { class: 'ico', html: ICON.ban, 'aria-hidden': 'true' }),
      h('h3', { text: 'You can no longer chat here' }),
      h('p', { text: f.message ? cap(f.message) : 'Your access to this community has been removed.' }),
      h('p', { text: f.until ? `This ends ${fmtDay.format(new Date(f.until))}.` : 'If you think this is a mistake, please contact the site’s support team.' }));
  }

  /** Re-renders one message in place (after an edit, a mark, a reaction …). */
  rerender(c, seq) {
    if (!c || this.active !== c.key || this.view !== 'conv' || !this.list) return;
    const m = c.msgs.get(seq);
    const old = this.list.querySelector(`li[data-seq="${seq}"]`);
    if (!m || !old) return;
    const hadFocus = old.contains(this.shadow.activeElement);
    this.insertNode(m, true);
    if (hadFocus && !(this.editing && this.editing.seq === seq && this.editing.channel === c.key)) this.focusMsg(seq);
  }

  focusMsg(seq) {
    const el = this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
    if (!el) return;
    this.setActiveItem(el);
    el.focus({ preventScroll: true });
  }

  jumpTo(seq) {
    const el = this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
    if (!el) return;
    el.scrollIntoView({ block: 'center', behavior: 'smooth' });
    this.setActiveItem(el);
    el.focus({ preventScroll: true });
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), 1200);
  }

  /** Inserts (or replaces) the node for a confirmed message, in seq order, before pending ones. */
  insertNode(m, replace) {
    if (!this.list) return;
    const node = this.messageNode(m);
    const old = this.list.querySelector(`li[data-seq="${m.seq}"]`);
    if (old) { old.replaceWith(node); if (old.tabIndex === 0) this.setActiveItem(node); }
    else this.insertOrdered(node, m.seq);
    this.regroup(node);
    if (node.nextElementSibling) this.regroup(node.nextElementSibling);
    if (!this.list.querySelector('li[tabindex="0"]')) this.setActiveItem(node);
    else if (!this.list.contains(this.shadow.activeElement) && !node.nextElementSibling) this.setActiveItem(node);
  }

  /** Puts `node` in the list in order of `key`: a message's seq, or for an ephemeral line the
   *  seq of the message it followed + 0.5; pending sends stay last. */
  insertOrdered(node, key) {
    let before = null;
    for (let el = this.list.lastElementChild; el; el = el.previousElementSibling) {
      if (el.dataset.cmid) { before = el; continue; }
      const at = el.dataset.eph ? Number(el.dataset.after) + 0.5 : Number(el.dataset.seq);
      if (at > key) { before = el; continue; }
      break;
    }
    this.list.insertBefore(node, before);
  }

  regroup(li) {
    const prev = li.previousElementSibling;
    // a new badge (someone just became an advocate) starts a new group, so that it shows
    const same = prev && !li.dataset.reply && prev.dataset.from === li.dataset.from && prev.dataset.adv === li.dataset.adv &&
      Math.abs(Number(li.dataset.ts) - Number(prev.dataset.ts)) < GROUP_MS;
    li.classList.toggle('grouped', !!same);
  }

  // Roving focus: the message list is one tab stop; arrows move between messages, and the
  // buttons of the current message come next in the tab order.
  setActiveItem(li) {
    for (const el of this.list.querySelectorAll('li[tabindex="0"]')) {
      el.tabIndex = -1;
      for (const b of el.querySelectorAll('button')) b.tabIndex = -1;
    }
    li.tabIndex = 0;
    for (const b of li.querySelectorAll('button')) b.tabIndex = 0;
  }

  onListFocus(e) {
    const li = e.target.closest && e.target.closest('li.msg');
    if (li && li.tabIndex !== 0) this.setActiveItem(li);
  }

  onListKey(e) {
    const cur = e.target.closest && e.target.closest('li.msg');
    if (!cur || e.target !== cur) return;
    const items = [...this.list.children];
    let i = items.indexOf(cur);
    if (e.key === 'ArrowUp') i--;
    else if (e.key === 'ArrowDown') i++;
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = items.length - 1;
    else if (e.key === 'r' && !e.ctrlKey && !e.metaKey && this.activeConv().kind !== 'dm' && cur.dataset.seq) {
      const m = this.activeConv().msgs.get(Number(cur.dataset.seq));
      if (m) { e.preventDefault(); this.setReply(m); }
      return;
    } else return;
    e.preventDefault();
    if (i < 0) { this.loadOlder(this.activeConv()); return; }
    const next = items[Math.min(i, items.length - 1)];
    this.setActiveItem(next);
    next.focus();
  }

  // -- paging and scrolling --
  async loadInitial(c) {
    c.loading = true;
    if (this.active === c.key) this.updatePaging();
    let done = true;
    try {
      const opts = { limit: PAGE };
      if (c.info) opts.before = c.info.last_seq + 1;
      if (c.info && !c.info.last_seq) c.hasMore = false;
      else this.addPage(c, await this.client.history(c.key, opts), false);
    } catch (e) {
      if (e.code === 'not_found') c.hasMore = false; // a DM nobody has written in yet
      else done = false; // e.g. disconnected: tried again on the next join or open
    }
    c.loading = false;
    c.loaded = c.loaded || done;
    if (this.active === c.key) this.updatePaging();
  }

  async loadOlder(c) {
    if (!c || c.loading || !c.hasMore || !this.client || c.oldest == null) return;
    c.loading = true;
    this.updatePaging();
    try {
      const page = await this.client.history(c.key, { before: c.oldest, limit: PAGE });
      this.addPage(c, page, true);
    } catch (e) { /* the button stays; try again later */ }
    c.loading = false;
    if (this.active === c.key) this.updatePaging();
  }

  addPage(c, page, older) {
    c.hasMore = page.has_more;
    if (page.oldest != null && (c.oldest == null || page.oldest < c.oldest)) c.oldest = page.oldest;
    this.mergePage(c, page, older);
  }

  /** New messages of a history page go in; known ones are updated when the page shows
   *  them changed (edited, deleted, reactions, accepted answer). */
  mergePage(c, page, older) {
    const fresh = [], changed = [];
    const sig = (m) => JSON.stringify([m.text, m.edited_at, m.deleted, m.reactions, m.solved_seq]);
    for (const m of page.all) {
      c.marks.noteMessage(m);
      const old = c.msgs.get(m.seq);
      if (!old) { c.msgs.set(m.seq, m); fresh.push(m); }
      else if (sig(old) !== sig(m)) { c.msgs.set(m.seq, m); changed.push(m.seq); }
      if (c.parents.has(m.seq)) c.parents.set(m.seq, m);
    }
    const last = page.all[page.all.length - 1];
    if (last && (!c.last || last.ts >= c.last.ts)) c.last = { text: last.text, ts: last.ts, from: last.from.name };
    if (this.active !== c.key || this.view !== 'conv' || !this.scroller) return;
    const sc = this.scroller, h0 = sc.scrollHeight, top0 = sc.scrollTop;
    const nearEnd = this.nearEnd();
    for (const m of fresh) this.insertNode(m, false);
    for (const seq of changed) this.rerender(c, seq);
    if (older === true) sc.scrollTop = sc.scrollHeight - h0 + top0; // keep the reader where they were
    else if (older === false || nearEnd) this.scrollToEnd();
  }

  updatePaging() {
    const c = this.activeConv();
    if (!c || !this.olderBtn) return;
    const more = c.hasMore && c.oldest != null;
    this.olderBtn.hidden = !(more || c.loading);
    this.olderBtn.textContent = c.loading ? 'Loading…' : 'Load earlier messages';
    this.olderBtn.disabled = c.loading;
    this.list.setAttribute('aria-busy', c.loading ? 'true' : 'false');
    const atStart = c.loaded && !c.hasMore && !c.loading;
    this.startEl.hidden = !atStart;
    if (atStart) {
      this.startEl.replaceChildren(...(c.kind === 'dm'
        ? [h('b', { text: c.peer.name }), 'This is the beginning of your private conversation.']
        : [h('b', { text: 'Welcome to ' + this.channelTitle() }), 'This is the very beginning of the conversation.']));
    }
  }

  onScroll() {
    const c = this.activeConv();
    if (this.scroller.scrollTop < 60) this.loadOlder(c);
    if (this.nearEnd()) this.jump.hidden = true;
  }

  nearEnd() { const s = this.scroller; return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 80; }

  showJump() { if (this.jump) this.jump.hidden = false; }

  scrollToEnd(force) {
    if (!this.scroller) return;
    const s = this.scroller;
    requestAnimationFrame(() => { s.scrollTop = s.scrollHeight; });
    s.scrollTop = s.scrollHeight;
    if (force && this.jump) this.jump.hidden = true;
  }

  renderTyping() {
    if (!this.typingEl) return;
    const m = this.typers.get(this.active);
    const now = Date.now();
    const names = m ? [...m.entries()].filter(([, v]) => v.until > now).map(([, v]) => v.name) : [];
    const text = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing`
      : names.length === 2 ? `${names[0]} and ${names[1]} are typing` : 'Several people are typing';
    this.typingEl.replaceChildren(...(text ? [h('span', { class: 'dots' }, h('i'), h('i'), h('i')), text] : []));
  }
}
