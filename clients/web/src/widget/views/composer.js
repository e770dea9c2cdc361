/* Widget methods (mixed into Widget, see widget.js): the message box: sending (optimistic, the
 * pending stand-ins with Retry / Edit / Discard), replies, the notices and countdowns of mutes,
 * slow mode, locked and archived channels, and the answers suggested before asking. */
import { ORIGIN } from '../config.js';
import { h, markedText } from '../../shared/dom.js';
import { ICON } from '../icons.js';
import { cap, snippet, CSS_escape } from '../util.js';

export class Composer {
  renderComposer(c) {
    const isDm = c.kind === 'dm';
    // Typing "/" first offers the bots' commands: the textarea drives the listbox (p-cmds).
    const ta = h('textarea', { rows: '1', 'aria-label': isDm ? `Message ${c.peer.name} privately` : `Message ${this.titleEl.textContent}`, placeholder: isDm ? `Write to ${c.peer.name}…` : 'Write a message…', maxlength: '4000',
      'aria-autocomplete': 'list', 'aria-haspopup': 'listbox', 'aria-controls': 'p-cmds', 'aria-expanded': 'false' });
    const send = h('button', { class: 'sendb', type: 'submit', 'aria-label': 'Send', title: 'Send (Enter)', html: ICON.send, disabled: true });
    this.replyEl = h('div', { class: 'replying', hidden: true });
    this.noticeEl = h('div', { class: 'notice', hidden: true, id: 'p-notice' });
    this.hintEl = h('div', { class: 'hint', hidden: true });
    this.suggestEl = h('section', { class: 'suggest', hidden: true, 'aria-label': 'Similar questions already answered' });
    this.noticeKey = null;
    this.cmdMenu = null;
    this.cmdListEl = h('ul', { role: 'listbox', id: 'p-cmds', 'aria-label': 'Commands' });
    this.cmdMenuEl = h('div', { class: 'cmdmenu', hidden: true }, h('p', { class: 'cmdhead', 'aria-hidden': 'true', text: 'Commands' }), this.cmdListEl);
    const grow = () => { ta.style.height = 'auto'; ta.style.height = Math.min(ta.scrollHeight, 120) + 'px'; send.disabled = !ta.value.trim() || this.sendBlocked(c); };
    ta.addEventListener('input', () => {
      grow();
      const slash = ta.value.startsWith('/'); // a command is nobody else's business
      if (ta.value.trim() && this.client && !slash) this.client.typing(c.key);
      this.suggestSoon(c, slash ? '' : ta.value);
      this.updateCommandMenu();
    });
    ta.addEventListener('focus', () => this.updateCommandMenu());
    ta.addEventListener('blur', () => this.closeCommandMenu());
    ta.addEventListener('keydown', (e) => {
      if (this.onCommandMenuKey(e)) return;
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
      if (e.key === 'Escape' && this.replyTo) { e.stopPropagation(); this.setReply(null); }
      if (e.key === 'ArrowUp' && !ta.value && !this.replyTo) { // edit your last message, as in most chat apps
        const last = [...c.msgs.values()].filter((m) => this.me && m.from.id === this.me.id && !m.deleted && !m.synthetic).pop();
        if (last) { e.preventDefault(); this.startEdit(c, last); }
      }
    });
    const form = h('form', { class: 'compose', onsubmit: (e) => {
      e.preventDefault();
      const text = ta.value;
      if (!text.trim() || !this.client) return;
      if (this.sendBlocked(c)) { this.nudgeNotice(); return; } // the text stays where it is
      const cmd = this.parseCommand(text);
      if (cmd) this.runSlash(c, text, cmd);
      else this.sendText(c, text);
      this.closeCommandMenu();
      this.showSuggestions(c, null);
      ta.value = '';
      grow();
      ta.focus();
    } }, this.cmdMenuEl, this.noticeEl, this.replyEl, this.suggestEl, h('div', { class: 'row' }, ta, send), this.hintEl);
    this.textarea = ta;
    this.sendBtn = send;
    this.composeForm = form;
    this.grow = grow;
    return form;
  }

  // ---- answers before asking (DESIGN §9) ----------------------------------------------
  /** While a question is typed in a support channel (not a reply), asks for up to three
   *  solved threads like it, 350 ms after the last keystroke; an answer to an older request
   *  than the latest is dropped, so only the current text's suggestions ever show. */
  suggestSoon(c, text) {
    clearTimeout(this.suggestTimer);
    const ticket = this.suggestTicket = (this.suggestTicket || 0) + 1;
    const words = text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(' ').filter((w) => w.length > 1).slice(0, 20);
    const support = c.info && c.info.kind === 'support';
    if (!support || this.replyTo || words.length < 3 || !this.client) { this.showSuggestions(c, null); return; }
    this.suggestTimer = setTimeout(async () => {
      let r;
      try {
        r = await this.client.search(words.join(' '), { channel: c.key, solved: true, limit: 6, match: 'any' });
      } catch { return; } // rate limited or offline: no suggestions, nothing else changes
      if (ticket !== this.suggestTicket || this.active !== c.key) return; // stale
      // One entry per thread: an accepted answer stands for its question.
      const seen = new Set();
      const items = [];
      for (const x of r.results || []) {
        const q = x.solved_seq ? x.seq : x.question_seq;
        if (!q || seen.has(q)) continue;
        seen.add(q);
        items.push({ seq: q, snippet: x.snippet });
        if (items.length === 3) break;
      }
      this.showSuggestions(c, items);
    }, 350);
  }

  showSuggestions(c, items) {
    const box = this.suggestEl;
    if (!box) return;
    if (!items || !items.length) { box.hidden = true; box.replaceChildren(); return; }
    const list = h('ul');
    for (const it of items) {
      const snip = h('span', { class: 'snip' });
      snip.append(...markedText(it.snippet));
      const url = `${ORIGIN}/kb/${encodeURIComponent(c.key)}/${it.seq}`;
      list.append(h('li', null, snip, h('div', { class: 'sgacts' },
        h('a', { href: url, target: '_blank', rel: 'noopener', text: 'Read the answer' }),
        h('button', { type: 'button', text: 'This answered my question', onclick: () => this.deflect(c, it.seq) }))));
    }
    box.replaceChildren(h('h4', { text: 'Already answered — does one of these help?' }), list);
    box.hidden = false;
  }

  /** Counts a question answered before it was asked, and posts nothing. */
  async deflect(c, seq) {
    try { await this.client.deflected(c.key, seq); } catch { /* still clear: the user is done */ }
    this.suggestTicket = (this.suggestTicket || 0) + 1;
    this.showSuggestions(c, null);
    if (this.textarea) { this.textarea.value = ''; this.grow(); }
    this.hintEl.hidden = false;
    this.hintEl.replaceChildren(h('span', { text: 'Glad that helped! Nothing was posted.' }));
    this.say('Glad that helped. Nothing was posted.');
  }

  /** Why the active conversation cannot post right now: {kind, icon, text, tick?, closed, block}. */
  composerState(c) {
    const info = c.info || {};
    const staff = this.lib.isStaffRole(this.me && this.me.role);
    if (info.archived) return { key: 'archived', kind: '', icon: ICON.archive, text: 'This conversation is archived. You can still read it, but nobody can post here any more.', closed: true };
    if (info.locked && !staff) return { key: 'locked', kind: 'warn', icon: ICON.lock, text: 'This conversation is locked for now: only the team can post. You can still read along.', closed: true };
    const hold = this.client && this.client.hold(c.key);
    if (hold && hold.code === 'muted') {
      return hold.until != null
        ? { key: 'muted-timed:' + hold.message, kind: 'bad', icon: ICON.pause, text: cap(hold.message) + ' You can post again in ', until: hold.until, block: true }
        : { key: 'muted:' + hold.message, kind: 'bad', icon: ICON.pause, text: cap(hold.message) + ' A moderator has to lift it before your messages go through.' };
    }
    if (hold && hold.code === 'slow_mode') return { key: 'slow', kind: 'warn', icon: ICON.hourglass, text: 'Slow mode is on. You can send your next message in ', until: hold.until, block: true };
    if (c.muteEnded) return { key: 'mute-ended', kind: 'ok', icon: ICON.check, text: 'Your mute has ended. You can post again.' };
    return null;
  }

  sendBlocked(c) { const st = this.composerState(c); return !!(st && (st.closed || st.block)); }

  nudgeNotice() {
    if (!this.noticeEl || this.noticeEl.hidden) return;
    this.noticeEl.classList.remove('flash');
    void this.noticeEl.offsetWidth; // restart the animation
    this.noticeEl.classList.add('flash');
    this.say(this.noticeEl.textContent);
  }

  /** Shows why posting is off or on hold (with a live countdown) and enables the composer
   *  accordingly; runs on every change and once a second while a countdown is shown. */
  updateComposer() {
    const c = this.activeConv();
    if (!c || !this.textarea || !this.noticeEl || this.view !== 'conv') { clearInterval(this.tickTimer); return; }
    const prevKey = this.noticeKey;
    let st = this.composerState(c);
    if (!st && prevKey && prevKey.startsWith('muted')) { // the mute ran out (or a send went through)
      c.muteEnded = true;
      st = this.composerState(c);
    }
    const key = st ? st.key : null;
    const ta = this.textarea, send = this.sendBtn, n = this.noticeEl;
    if (key !== prevKey) {
      this.noticeKey = key;
      n.hidden = !st;
      n.className = 'notice' + (st && st.kind ? ' ' + st.kind : '');
      n.replaceChildren(...(st ? [h('span', { html: st.icon, 'aria-hidden': 'true' }),
        h('span', null, st.text, st.until != null ? h('span', { class: 'tick' }) : null)] : []));
      if (st) this.say(n.textContent + (st.until != null ? this.lib.formatWait(st.until - Date.now()) : ''));
      if (key === 'mute-ended') setTimeout(() => { c.muteEnded = false; this.updateComposer(); }, 8000);
    }
    const tick = n.querySelector('.tick');
    if (tick && st) tick.textContent = this.lib.formatWait(st.until - Date.now()) + '.';
    const closed = !!(st && st.closed);
    ta.disabled = closed;
    ta.setAttribute('aria-describedby', st ? 'p-notice' : '');
    if (closed) ta.placeholder = 'Posting is turned off here';
    else if (ta.placeholder === 'Posting is turned off here') ta.placeholder = c.kind === 'dm' ? `Write to ${c.peer.name}…` : 'Write a message…';
    this.composeForm.classList.toggle('closed', closed);
    send.disabled = closed || !!(st && st.block) || !ta.value.trim();
    // quiet hints for what is on without holding anyone back
    const info = c.info || {};
    const staff = this.lib.isStaffRole(this.me && this.me.role);
    const hint = !st && info.slow_mode_s > 0 && !staff && c.kind !== 'dm' ? [ICON.hourglass, `Slow mode: one message every ${this.lib.formatWait(info.slow_mode_s * 1000)}`]
      : !st && info.locked && staff ? [ICON.lock, 'Locked: only staff can post here'] : null;
    this.hintEl.hidden = !hint;
    this.hintEl.replaceChildren(...(hint ? [h('span', { html: hint[0], 'aria-hidden': 'true' }), hint[1]] : []));
    clearInterval(this.tickTimer);
    if (st && st.until != null) this.tickTimer = setInterval(() => this.updateComposer(), 1000);
  }

  sendText(c, text) {
    let e;
    if (c.kind === 'dm') {
      e = this.client.sendDm(c.peer.id, text);
      e.toName = c.peer.name;
    } else {
      e = this.client.send(c.key, text, this.replyTo ? { reply_to: this.replyTo.seq } : null);
    }
    this.setReply(null);
    c.pending.set(e.client_msg_id, e);
    c.muteEnded = false;
    if (this.active === c.key && this.list) { this.list.append(this.pendingNode(e)); this.scrollToEnd(true); }
    this.updateComposer();
  }

  setReply(m) {
    this.replyTo = m;
    if (!this.replyEl) return;
    this.replyEl.hidden = !m;
    this.replyEl.replaceChildren(...(m ? [h('span', { html: ICON.reply, 'aria-hidden': 'true', style: 'flex:none' }),
      h('span', null, 'Replying to ', h('b', { text: m.from.name }), ': ' + snippet(m.text, 60)),
      h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Cancel reply', html: ICON.close, onclick: () => { this.setReply(null); this.textarea.focus(); } })] : []));
    if (m && this.textarea && !this.textarea.disabled) this.textarea.focus();
  }

  pendingNode(e) {
    const m = { channel: e.channel, seq: 0, ts: e.created, from: this.me || { id: '', name: 'You' }, text: e.text, reply_to: e.reply_to };
    const li = this.messageNode(m);
    li.classList.add('mine', 'pending');
    li.dataset.cmid = e.client_msg_id;
    delete li.dataset.seq;
    const acts = li.querySelector('.acts');
    if (acts) acts.remove();
    li.querySelector('.content').append(h('div', { class: 'state' }));
    this.renderPendingState(e, li);
    return li;
  }

  renderPendingState(e, node) {
    const li = node || (this.list && this.list.querySelector(`li[data-cmid="${CSS_escape(e.client_msg_id)}"]`));
    if (!li) return;
    const st = li.querySelector('.state');
    li.classList.toggle('failed', e.state === 'failed');
    if (e.state === 'failed') {
      st.replaceChildren(`Not sent: ${(e.error && e.error.message) || 'refused'}. `,
        h('button', { type: 'button', text: 'Retry', onclick: () => { this.client.retry(e.client_msg_id); this.renderPendingState(e); } }),
        h('button', { type: 'button', text: 'Edit', title: 'Put the text back in the message box', onclick: () => this.unsend(e) }),
        h('button', { type: 'button', text: 'Discard', onclick: () => this.discard(e) }));
    } else {
      st.replaceChildren(h('span', { html: ICON.clock, 'aria-hidden': 'true' }),
        this.client && this.client.state === 'open' ? 'Sending…' : 'Waiting for connection…');
    }
  }

  /** A refused message goes back into the composer (when it is free) to be changed and sent anew. */
  unsend(e) {
    const ta = this.textarea;
    if (!ta || ta.disabled) return;
    if (ta.value.trim() && ta.value !== e.text) ta.value = ta.value.replace(/\s*$/, '\n') + e.text;
    else ta.value = e.text;
    this.discard(e);
    ta.dispatchEvent(new Event('input'));
    ta.focus();
  }

  discard(e) {
    this.client.discard(e.client_msg_id);
    for (const c of this.convs.values()) c.pending.delete(e.client_msg_id);
    this.removePendingNode(e.client_msg_id);
    if (this.textarea) this.textarea.focus();
  }

  removePendingNode(cmid) {
    const li = this.list && this.list.querySelector(`li[data-cmid="${CSS_escape(cmid)}"]`);
    if (li) { if ((li === this.shadow.activeElement || li.contains(this.shadow.activeElement)) && this.textarea) this.textarea.focus(); li.remove(); }
  }
}
