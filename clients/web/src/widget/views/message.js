/* Widget methods (mixed into Widget, see widget.js): one message's node: author, badges, quoted
 * parent, text or tombstone, reactions, helpful marks and the accepted answer, its toolbar. */
import { REACTIONS } from '../config.js';
import { h } from '../../shared/dom.js';
import { ICON } from '../icons.js';
import { cap, fmtFull, when, snippet, linkify } from '../util.js';

export class MessageView {
  messageNode(m) {
    const mine = this.me && m.from.id === this.me.id;
    const role = m.from.role;
    const c = this.convs.get(m.channel);
    const live = !!(c && m.seq && !m.deleted);
    const badges = [];
    if (role === 'staff' || role === 'admin') badges.push(h('span', { class: 'badge staff', text: role === 'admin' ? 'Admin' : 'Staff' }));
    if (role === 'bot') badges.push(h('span', { class: 'badge bot', text: 'Bot' }));
    if (m.from.advocate) badges.push(h('span', { class: 'badge advocate', title: 'Community advocate: recognised for helping others', html: ICON.star }, 'Advocate'));
    const name = mine ? h('span', { class: 'name', text: 'You' })
      : c && c.kind === 'dm' ? h('span', { class: 'name', text: m.from.name })
        : h('button', { class: 'name', type: 'button', tabindex: '-1', title: `Message ${m.from.name} privately`, 'aria-label': `${m.from.name}, message privately`, text: m.from.name, onclick: () => this.openDm({ id: m.from.id, name: m.from.name }) });
    const d = new Date(m.ts);
    const meta = h('div', { class: 'meta' }, name, badges, h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: when(m.ts) }),
      m.edited_at && !m.deleted ? h('span', { class: 'edited', title: 'Edited ' + fmtFull.format(new Date(m.edited_at)), text: '(edited)' }) : null);
    const info = live ? this.answerInfo(c, m) : null;
    const accepted = live && c.marks.questionOf(m.seq) !== 0;
    let body, editing = false;
    if (m.deleted) {
      body = h('div', { class: 'bubble tomb', text: m.deleted_by && m.deleted_by !== m.from.id ? 'Message removed by a moderator' : 'Message deleted' });
    } else if (live && this.editing && this.editing.channel === m.channel && this.editing.seq === m.seq) {
      body = this.editBox(c, m);
      editing = true;
    } else {
      body = h('div', { class: 'bubble', dir: 'auto' }, linkify(m.text));
    }
    const acts = [];
    if (live) {
      acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'React', 'aria-label': `React to ${mine ? 'your' : m.from.name + '’s'} message`, 'aria-haspopup': 'true', html: ICON.smile, onclick: (e) => this.openPicker(e.currentTarget, c, m) }));
      if (c.kind !== 'dm') acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'Reply', 'aria-label': `Reply to ${m.from.name}`, html: ICON.reply, onclick: () => this.setReply(m) }));
      acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'More', 'aria-label': `More actions for ${mine ? 'your' : m.from.name + '’s'} message`, 'aria-haspopup': 'menu', html: ICON.more, onclick: (e) => this.openMenu(e.currentTarget, c, m) }));
    }
    const mentioned = !mine && !!this.me && !m.deleted && (m.mentions || []).includes(this.me.id);
    const li = h('li', { class: 'msg' + (mine ? ' mine' : '') + (mentioned ? ' mentioned' : '') + (m.deleted ? ' deleted' : '') + (accepted ? ' accepted' : '') + (editing ? ' editing' : '') + (this.isLinked(m) ? ' parley-linked' : ''), tabindex: '-1', 'data-seq': String(m.seq), 'data-from': m.from.id, 'data-adv': m.from.advocate ? '1' : null, 'data-ts': String(m.ts), 'data-reply': m.reply_to ? '1' : null, 'data-parent': m.reply_to ? String(m.reply_to) : null },
      this.avatar(m.from.id, m.from.name),
      h('div', { class: 'content' }, meta, mentioned ? h('span', { class: 'sr', text: 'Mentions you.' }) : null, m.reply_to ? this.quoteNode(c, m.reply_to) : null,
        accepted ? h('div', { class: 'tag-accepted' }, h('span', { html: ICON.check, 'aria-hidden': 'true' }), 'Accepted answer') : null,
        body,
        live && this.hasActions(m) ? this.actionsNode(c, m) : null,
        live ? this.reactionsNode(c, m) : null,
        live ? this.answerNode(c, m, info, accepted) : null,
        live && !m.reply_to ? this.solutionNode(c, m) : null),
      acts.length ? h('div', { class: 'acts' }, acts) : null);
    return li;
  }

  /** For a reply in a support channel: its question and whether we may mark it. */
  answerInfo(c, m) {
    const kind = c.info && c.info.kind;
    if (kind !== 'support' || !m.reply_to || !this.me) return null;
    const r = this.lib.threadRoot(m.seq, (s) => (s === m.seq ? m : this.lookup(c, s)));
    if (!r) return null;
    if (r.missing) {
      if (!c.missing.has(r.missing)) this.fetchMsg(c, r.missing).then((got) => { if (got) this.rerender(c, m.seq); });
      return null;
    }
    return { root: r.root, canMark: this.lib.canMarkAnswer(m, r.root, this.me, kind) };
  }

  answerNode(c, m, info, accepted) {
    const n = c.marks.helpfulCount(m.seq);
    const markedByMe = !!this.me && (c.marks.markedBy(m.seq, this.me.id) || this.remembered('h', `${c.key}#${m.seq}`));
    const out = [];
    const pill = (count) => h('span', { class: 'pill helpful', title: count > 1 ? `Marked helpful ${count} times` : 'Marked helpful' },
      h('span', { html: ICON.thumb, 'aria-hidden': 'true' }), count > 1 ? `Helpful · ${count}` : 'Marked helpful');
    if (info && info.canMark) {
      if (markedByMe) out.push(pill(Math.max(n, 1)));
      else {
        out.push(h('button', { class: 'mark helpful', type: 'button', tabindex: '-1', 'aria-label': `Mark ${m.from.name}’s answer as helpful`, onclick: (e) => this.markHelpful(c, m, e.currentTarget) },
          h('span', { html: ICON.thumb, 'aria-hidden': 'true' }), n ? `Helpful · ${n}` : 'Helpful'));
      }
      if (!accepted) {
        const other = c.marks.acceptedFor(info.root.seq);
        out.push(h('button', { class: 'mark accept', type: 'button', tabindex: '-1', 'aria-label': `Accept ${m.from.name}’s answer${other ? ' instead' : ''}`, onclick: (e) => this.acceptAnswer(c, m, e.currentTarget) },
          h('span', { html: ICON.check, 'aria-hidden': 'true' }), other ? 'Accept instead' : 'Accept answer'));
      }
    } else if (n > 0) out.push(pill(n));
    return out.length ? h('div', { class: 'answer' }, out) : null;
  }

  /** Under a question: its accepted answer, prominently, a click away. */
  solutionNode(c, m) {
    const seq = c.marks.acceptedFor(m.seq);
    if (!seq) return null;
    const a = this.lookup(c, seq);
    if (!a) { this.fetchMsg(c, seq).then((got) => { if (got) this.rerender(c, m.seq); }); return null; }
    if (a.deleted) return null;
    const who = this.me && a.from.id === this.me.id ? 'you' : a.from.name;
    return h('button', { class: 'solution', type: 'button', tabindex: '-1', 'aria-label': `Solved. Accepted answer by ${who}: ${snippet(a.text, 70)}. Show it`, onclick: () => this.jumpTo(seq) },
      h('span', { class: 'ck', html: ICON.check, 'aria-hidden': 'true' }),
      h('span', null, h('b', { text: `Solved · answer by ${who}: ` }), snippet(a.text, 120)));
  }

  reactionsNode(c, m) {
    if (!m.reactions || !m.reactions.length) return null;
    return h('div', { class: 'rx' }, m.reactions.map((r) => {
      const on = this.remembered('r', `${c.key}#${m.seq}#${r.emoji}`);
      const label = (REACTIONS.find((x) => x[0] === r.emoji) || [r.emoji, r.emoji])[1];
      return h('button', { class: 'act', type: 'button', tabindex: '-1', 'aria-pressed': on ? 'true' : 'false', title: on ? 'Remove your reaction' : 'React with ' + label,
        'aria-label': `${label}: ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}${on ? ', including yours' : ''}`, onclick: () => this.toggleReaction(c, m, r.emoji) },
      h('span', { class: 'e', 'aria-hidden': 'true', text: r.emoji }), h('span', { 'aria-hidden': 'true', text: String(r.count) }));
    }));
  }

  async markHelpful(c, m, btn) {
    if (btn) btn.disabled = true;
    try {
      await this.client.helpful(c.key, m.seq);
      this.remember('h', `${c.key}#${m.seq}`, true);
      c.marks.onHelpful({ seq: m.seq, by: this.me.id });
      this.rerender(c, m.seq);
      this.say(`You marked ${m.from.name}’s answer as helpful.`);
    } catch (e) {
      if (btn) btn.disabled = false;
      this.toast(this.errorText(e, 'Could not mark the answer'), 'bad');
    }
  }

  async acceptAnswer(c, m, btn) {
    if (btn) btn.disabled = true;
    try {
      const ok = await this.client.solve(c.key, m.seq);
      if (ok && ok.question_seq) this.onSolved({ channel: c.key, question_seq: ok.question_seq, seq: m.seq });
      this.say(`You accepted ${m.from.name}’s answer.`);
      this.focusMsg(m.seq);
    } catch (e) {
      if (btn) btn.disabled = false;
      this.toast(this.errorText(e, 'Could not accept the answer'), 'bad');
    }
  }

  async toggleReaction(c, m, emoji) {
    const key = `${c.key}#${m.seq}#${emoji}`;
    const on = this.remembered('r', key);
    try {
      await (on ? this.client.unreact(c.key, m.seq, emoji) : this.client.react(c.key, m.seq, emoji));
      this.remember('r', key, !on);
      this.rerender(c, m.seq);
    } catch (e) {
      this.toast(this.errorText(e, 'Could not react'), 'bad');
    }
  }

  errorText(e, what) {
    if (e && e.code === 'disconnected') return 'You are offline. Try again once we are reconnected.';
    if (e && e.code === 'muted') return cap(e.message || 'you are muted');
    if (e && e.code === 'rate_limited') return 'Too many at once. Please wait a moment and try again.';
    return `${what}: ${(e && e.message) || 'something went wrong'}.`.replace(/\.\.$/, '.');
  }

  quoteNode(c, seq) {
    const q = h('button', { class: 'quote', type: 'button', tabindex: '-1', onclick: () => this.jumpTo(seq) });
    const fill = (p) => {
      if (p.deleted) {
        q.replaceChildren(h('i', { text: 'In reply to a deleted message' }));
        q.setAttribute('aria-label', 'In reply to a deleted message');
        return;
      }
      q.replaceChildren(h('b', { text: p.from.name }), ' ' + snippet(p.text, 70));
      q.setAttribute('aria-label', `In reply to ${p.from.name}: ${snippet(p.text, 70)}`);
    };
    const p = c && this.lookup(c, seq);
    if (p) fill(p);
    else {
      q.textContent = 'In reply to an earlier message';
      if (c) this.fetchMsg(c, seq).then((got) => { if (got) fill(got); });
    }
    return q;
  }
}
