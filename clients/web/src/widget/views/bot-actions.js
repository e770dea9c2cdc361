/* Widget methods (mixed into Widget, see widget.js): buttons on bot messages (`actions` on a bot's
 * send; the `action` op).
 * A bot may put up to five buttons under a message (m.actions: [{id, label}]). They show as
 * a group of real <button>s ("Actions from <bot>") under the bubble, in the message's
 * roving tab stop. A click sends `action` (the bot gets an `action` event); while it is on
 * its way the button is busy and the group inert. On ok the clicked button is marked chosen
 * (aria-pressed) and the whole group greyed (aria-disabled: still focusable, so focus is
 * not lost); the choice is remembered per user in localStorage (ACTIONS_MAX entries, the
 * newest kept) and stays after a reload. A refusal (the bot offline, a button gone) shows a
 * short note under the buttons, announced politely, and leaves them usable. */
import { ACTIONS_MAX } from '../config.js';
import { store, KEY } from '../storage.js';
import { h } from '../../shared/dom.js';
import { ICON } from '../icons.js';

export class BotActions {
  /** Whether `m` carries buttons to show: a live bot message with a non-empty `actions`. */
  hasActions(m) {
    return !!m && !m.deleted && !!m.from && m.from.role === 'bot' && Array.isArray(m.actions) && m.actions.length > 0;
  }

  actionKey(c, m) { return `${c.key}#${m.seq}`; }

  loadChosen() {
    const raw = store.get(KEY.actions(this.sub));
    const ok = (e) => Array.isArray(e) && typeof e[0] === 'string' && e[1] && typeof e[1].id === 'string';
    this.chosen = new Map(Array.isArray(raw) ? raw.filter(ok).slice(-ACTIONS_MAX) : []);
  }

  /** The id of the button we clicked on `m`, or null. An entry counts only for the message it
   *  was made on (same ts, the button still there): a seq reused after a storage reset starts
   *  afresh. */
  chosenAction(c, m) {
    const e = this.chosen.get(this.actionKey(c, m));
    return e && e.ts === m.ts && m.actions.some((a) => a.id === e.id) ? e.id : null;
  }

  rememberAction(c, m, id) {
    const key = this.actionKey(c, m);
    this.chosen.delete(key); // re-inserted last: the newest
    this.chosen.set(key, { id, ts: m.ts });
    for (const k of this.chosen.keys()) { if (this.chosen.size <= ACTIONS_MAX) break; this.chosen.delete(k); }
    store.set(KEY.actions(this.sub), [...this.chosen]);
  }

  actionsNode(c, m) {
    const key = this.actionKey(c, m);
    const chosen = this.chosenAction(c, m), busy = this.actionBusy.get(key) || null;
    const note = this.actionNotes.get(key);
    const noteId = note ? 'p-actnote-' + encodeURIComponent(key) : null;
    const inert = !!(chosen || busy);
    const buttons = m.actions.map((a) => {
      const on = chosen === a.id, wait = busy === a.id;
      return h('button', { class: 'choice', type: 'button', tabindex: '-1', 'data-action': a.id,
        'aria-pressed': on ? 'true' : null, 'aria-disabled': inert ? 'true' : null, 'aria-busy': wait ? 'true' : null,
        title: on ? 'Your choice' : chosen ? 'You already answered' : wait ? 'Sending…' : null,
        onclick: () => this.clickAction(c, m, a) },
      wait ? h('span', { class: 'spin', 'aria-hidden': 'true' }) : on ? h('span', { html: ICON.check, 'aria-hidden': 'true' }) : null,
      h('span', { text: String(a.label) }));
    });
    return h('div', { class: 'botacts' },
      h('div', { class: 'btnrow', role: 'group', 'aria-label': `Actions from ${m.from.name}`, 'aria-describedby': noteId }, buttons),
      note ? h('p', { class: 'btnnote ' + note.kind, id: noteId }, h('span', { html: ICON.alert, 'aria-hidden': 'true' }), h('span', { text: note.text })) : null);
  }

  /** Re-renders the buttons of message `seq` in place, keeping the focus on the same button. */
  updateActions(c, seq) {
    if (!c || this.active !== c.key || this.view !== 'conv' || !this.list) return;
    const m = c.msgs.get(seq);
    const li = this.list.querySelector(`li[data-seq="${seq}"]`);
    const old = li && li.querySelector('.botacts');
    if (!m || !old || !this.hasActions(m)) return;
    const active = this.shadow.activeElement;
    const focused = active && old.contains(active) ? active.dataset.action : null;
    const node = this.actionsNode(c, m);
    for (const b of node.querySelectorAll('button')) b.tabIndex = li.tabIndex === 0 ? 0 : -1;
    old.replaceWith(node);
    const again = focused != null && [...node.querySelectorAll('button')].find((b) => b.dataset.action === focused);
    if (again) again.focus({ preventScroll: true });
  }

  async clickAction(c, m, a) {
    const key = this.actionKey(c, m);
    if (!this.client || this.actionBusy.has(key) || this.chosenAction(c, m)) return;
    this.actionBusy.set(key, a.id);
    this.actionNotes.delete(key);
    this.updateActions(c, m.seq);
    let note = null;
    try {
      await this.client.action(c.key, m.seq, a.id);
      this.rememberAction(c, m, a.id);
    } catch (e) {
      note = e.code === 'unavailable'
        ? { kind: 'warn', text: `${m.from.name} is offline right now; try again later.` }
        : { kind: 'bad', text: this.errorText(e, `Could not send “${a.label}”`) };
      this.actionNotes.set(key, note);
    }
    this.actionBusy.delete(key);
    this.updateActions(c, m.seq);
    this.say(note ? note.text : `You chose “${a.label}”. ${m.from.name} got it.`);
  }
}
