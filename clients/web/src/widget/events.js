/* Widget methods (mixed into Widget, see widget.js): what the protocol client emits (see the
 * header of parley-client.js), applied to the model and to what is on screen. */
import { PAGE } from './config.js';
import { h } from '../shared/dom.js';
import { ICON } from './icons.js';
import { cap } from './util.js';

export class ClientEvents {
  onWelcome(u) {
    const first = !this.me;
    this.me = u;
    this.prefs = this.client.preferences;
    this.settingsBtn.hidden = !u.email || !!this.fatal;
    const synced = this.syncChannels();
    if (first) {
      synced.then(() => this.followDeepLink()); // DMs are known once the list is in
      // pending sends restored from storage belong in their conversations
      for (const e of this.client.outbox) {
        const key = e.channel || this.lib.dmChannel(u.id, e.to);
        this.conv(key, e.kind === 'dm' ? 'dm' : 'channel', e.kind === 'dm' ? { id: e.to, name: e.toName || e.to } : null).pending.set(e.client_msg_id, e);
      }
      this.renderView();
      this.updateInboxDot();
    }
  }

  onState(s) {
    this.root.dataset.state = s.state;
    if (s.state === 'open') {
      if (this.hadTrouble) this.say('Reconnected.');
      this.hadTrouble = false;
      this.setBanner(null);
    } else if (s.state === 'waiting') {
      this.hadTrouble = true;
      this.online.clear(); // unknown until people rejoin and announce themselves again
      this.setBanner(navigator.onLine === false ? 'You are offline. Messages will be sent when you reconnect.'
        : 'Reconnecting… Messages you send will go out once we are back.');
    }
    this.updateSub();
    for (const c of this.convs.values()) for (const e of c.pending.values()) this.renderPendingState(e);
  }

  onJoined({ channel, info, resumed, changes }) {
    const c = this.convs.get(channel) || this.conv(channel, this.lib.isDm(channel) ? 'dm' : 'channel', this.peerOf(channel));
    c.info = info;
    const wasKicked = !!c.kicked;
    c.kicked = null;
    if (channel === this.channel && this.view === 'conv' && this.active === channel) this.titleEl.textContent = this.channelTitle();
    if (!c.loaded && !c.loading && (channel === this.channel || channel === this.active)) this.loadInitial(c);
    // The changes made while we were away follow as events (changes_since); when the server
    // no longer keeps them all, reload what is on screen (the newest page) instead.
    else if (resumed && changes !== 'replayed' && c.loaded && !c.loading && this.active === channel) this.refresh(c);
    if (this.active === channel && this.view === 'conv') {
      if (wasKicked) this.renderConv();
      else this.updateComposer();
    }
    this.updateSub();
  }

  async refresh(c) {
    try {
      const page = await this.client.history(c.key, { limit: PAGE });
      this.mergePage(c, page, null);
    } catch (e) { /* offline again: the next resume tries again */ }
  }

  onReset({ channel }) {
    const c = this.convs.get(channel);
    if (!c) return;
    c.marks = new this.lib.Marks();
    c.parents.clear();
    c.missing.clear();
    c.msgs.clear();
    c.eph = []; // placed after messages that are gone
    c.loaded = false;
    c.oldest = null;
    c.hasMore = true;
    if (this.active === channel) this.renderConv();
    this.loadInitial(c);
  }

  onMessage(m) {
    const isDm = this.lib.isDm(m.channel);
    const peer = isDm && m.from.id !== this.me.id ? { id: m.from.id, name: m.from.name } : isDm ? this.peerOf(m.channel) : null;
    const c = this.conv(m.channel, isDm ? 'dm' : 'channel', peer);
    const mine = m.from.id === this.me.id;
    const known = c.msgs.has(m.seq);
    c.msgs.set(m.seq, m);
    c.marks.noteMessage(m);
    if (mine && this.client.user) this.me = { ...this.me, advocate: !!this.client.user.advocate }; // the echo tells our flag
    c.last = { text: m.text, ts: m.ts, from: m.from.name };
    if (m.client_msg_id && c.pending.has(m.client_msg_id)) {
      c.pending.delete(m.client_msg_id);
      if (this.active === c.key) this.removePendingNode(m.client_msg_id);
    }
    if (this.active === c.key && this.view === 'conv') {
      const nearEnd = this.nearEnd();
      this.insertNode(m, known);
      if (mine || nearEnd) this.scrollToEnd();
      else if (!known) this.showJump();
    }
    if (known || m.replace || mine) return;
    this.clearTyping(m.channel, m.from.id);
    const visible = this.seen(c);
    if (visible) this.noteRead(c, m.seq);
    else if (m.seq > c.lastRead) {
      c.unread++;
      if (this.me && (m.mentions || []).includes(this.me.id)) c.mentions++;
      this.updateCount();
      this.updateInboxDot();
      if (!this.isOpen && (isDm || (m.reply_to && this.mineSeq(c, m.reply_to)))) this.showPreview(c, m);
    }
    if (this.isOpen) {
      if (this.active === c.key) this.say(`${m.from.name}: ${m.text}${this.hasActions(m) ? ` (buttons: ${m.actions.map((a) => a.label).join(', ')})` : ''}`);
      else if (isDm) this.say(`New private message from ${m.from.name}.`);
    }
    if (this.view === 'inbox') this.renderInbox();
  }

  onSendFailed(e) {
    const code = e.error && e.error.code;
    const key = e.channel || (this.me && e.to ? this.lib.dmChannel(this.me.id, e.to) : null);
    const c = key && this.convs.get(key);
    // Slow mode is routine pacing: the text goes back into an empty composer, ready to send
    // when the countdown ends (nothing is sent by itself). Other refusals stay in the list as
    // "Not sent" with Retry / Edit / Discard.
    if (code === 'slow_mode' && c && this.active === key && this.view === 'conv' && this.textarea && !this.textarea.value.trim()) {
      this.client.discard(e.client_msg_id);
      c.pending.delete(e.client_msg_id);
      this.removePendingNode(e.client_msg_id);
      this.textarea.value = e.text;
      this.textarea.dispatchEvent(new Event('input'));
      if (e.reply_to && c.msgs.has(e.reply_to)) this.setReply(c.msgs.get(e.reply_to));
      this.textarea.focus();
      this.updateComposer();
      return;
    }
    this.renderPendingState(e);
    this.say('Your message was not sent: ' + ((e.error && e.error.message) || 'refused'));
  }

  onLifecycle(ev) {
    const c = this.convs.get(ev.channel);
    if (!c) return;
    for (const map of [c.msgs, c.parents]) {
      const m = map.get(ev.seq);
      if (m) map.set(ev.seq, this.lib.applyLifecycle(m, ev));
    }
    if (ev.op === 'reaction' && ev.count === 0) this.remember('r', `${c.key}#${ev.seq}#${ev.emoji}`, false);
    if (ev.op === 'deleted') {
      if (this.replyTo && this.replyTo.channel === c.key && this.replyTo.seq === ev.seq) this.setReply(null);
      if (this.editing && this.editing.channel === c.key && this.editing.seq === ev.seq) this.editing = null;
      if (this.pop && this.pop.li && this.pop.li.dataset.seq === String(ev.seq)) this.closePop();
      const m = c.msgs.get(ev.seq);
      if (m && c.last && c.last.ts === m.ts) c.last = { ...c.last, text: 'Message deleted' };
    }
    if (this.active !== c.key || this.view !== 'conv' || !this.list) return;
    this.rerender(c, ev.seq);
    if (ev.op !== 'reaction') {
      // replies quoting it, and the question it is the accepted answer of
      for (const li of this.list.querySelectorAll(`li[data-parent="${ev.seq}"]`)) this.rerender(c, Number(li.dataset.seq));
      const q = c.marks.questionOf(ev.seq);
      if (q) this.rerender(c, q);
    }
  }

  onHelpful(ev) {
    const c = this.convs.get(ev.channel);
    if (!c || !c.marks.onHelpful(ev)) return;
    if (this.me && ev.by === this.me.id) this.remember('h', `${c.key}#${ev.seq}`, !ev.revoked);
    this.rerender(c, ev.seq);
    if (ev.revoked) return;
    const m = c.msgs.get(ev.seq);
    if (m && this.me && m.from.id === this.me.id && ev.by !== this.me.id) this.say('Your answer was marked helpful.');
  }

  onSolved(ev) {
    const c = this.convs.get(ev.channel);
    if (!c) return;
    const already = c.marks.acceptedFor(ev.question_seq) === ev.seq;
    const prev = c.marks.onSolved(ev);
    if (already) return;
    for (const seq of [ev.question_seq, ev.seq, prev]) if (seq) this.rerender(c, seq);
    // the other answers in that thread now offer "Accept instead"
    if (this.active === c.key && this.list) {
      for (const li of this.list.querySelectorAll('li[data-reply]')) {
        const seq = Number(li.dataset.seq);
        if (!seq || seq === ev.seq || seq === prev) continue;
        const r = this.lib.threadRoot(seq, (s) => this.lookup(c, s));
        if (r && r.root && r.root.seq === ev.question_seq) this.rerender(c, seq);
      }
    }
    const m = this.lookup(c, ev.seq);
    if (m && this.me && m.from.id === this.me.id) {
      this.toast('Your answer was accepted. Thank you for helping!', 'ok');
      this.say('Your answer was accepted as the solution.');
    }
  }

  onAdvocate(ev) {
    if (!this.me || ev.user !== this.me.id) return;
    const was = !!this.me.advocate;
    this.me = { ...this.me, advocate: !!ev.advocate };
    if (!ev.advocate || was) return;
    const sub = 'Your answers helped others in the community. From now on your messages carry the Advocate badge.';
    this.toast('You’re a community advocate!', 'celebrate', sub);
    this.say('You’re a community advocate! ' + sub);
    if (!this.isOpen) {
      this.preview.dataset.channel = this.channel;
      this.preview.replaceChildren(h('span', { class: 'av', style: 'background:linear-gradient(135deg,#f7b928,#e08a00)', html: ICON.star.replace(/width="11" height="11"/, 'width="16" height="16"'), 'aria-hidden': 'true' }),
        h('div', null, h('b', { text: 'You’re a community advocate!' }), h('span', { text: 'Thanks for helping others.' })));
      this.preview.setAttribute('aria-label', 'You’re a community advocate! Open chat');
      this.preview.hidden = false;
    }
  }

  onChannelUpdated(ev) {
    const c = this.convs.get(ev.channel);
    if (!c) return;
    const { op, ...fields } = ev; // eslint-disable-line no-unused-vars
    c.info = { ...(c.info || {}), ...fields };
    if (ev.channel === this.channel && this.active === this.channel && this.view === 'conv') this.titleEl.textContent = this.channelTitle();
    if (this.active === c.key && this.view === 'conv') this.updateComposer();
  }

  onKicked(ev) {
    const c = this.convs.get(ev.channel);
    if (!c || c.kicked) return;
    // A kick may keep us out for a while (rejoin_after_ms): the rejoin button waits for it.
    c.kicked = { ...ev, until: ev.rejoin_after_ms ? Date.now() + ev.rejoin_after_ms : 0 };
    if (this.editing && this.editing.channel === c.key) this.editing = null;
    if (this.active === c.key && this.view === 'conv') this.renderConv();
    this.say(`You were removed from ${c.kind === 'dm' ? 'this conversation' : this.channelTitle()} by a moderator.`);
  }

  onFatal(f) {
    this.fatal = { message: f.message || '', until: f.retry_after_ms != null ? Date.now() + f.retry_after_ms : null };
    this.settingsBtn.hidden = true;
    this.closePop();
    if (this.sheet) this.sheet.close();
    this.setBanner(null);
    if (this.view !== 'onboard') this.renderConv();
    this.say('You can no longer chat here. ' + (f.message ? cap(f.message) : ''));
  }

  onAck(a) {
    for (const c of this.convs.values()) {
      if (c.pending.delete(a.client_msg_id) && this.active === c.key) this.removePendingNode(a.client_msg_id);
    }
  }

  onTyping(t) {
    if (!this.me || t.user === this.me.id) return;
    if (!this.typers.has(t.channel)) this.typers.set(t.channel, new Map());
    this.typers.get(t.channel).set(t.user, { name: t.name, until: Date.now() + 5000 });
    this.renderTyping();
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.renderTyping(), 5100);
  }

  clearTyping(channel, user) {
    const m = this.typers.get(channel);
    if (m && m.delete(user)) this.renderTyping();
  }

  onPresence(p) {
    if (this.me && p.user === this.me.id) return;
    if (p.channel === this.channel) {
      if (p.state === 'online') this.online.set(p.user, p.name || p.user);
      else this.online.delete(p.user);
    }
    this.updateSub();
  }
}
