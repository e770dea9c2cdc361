/* Widget methods (mixed into Widget, see widget.js): the reaction picker and the message menu
 * (popups anchored to a message's button), and toasts. */
import { REACTIONS } from '../config.js';
import { h } from '../../shared/dom.js';
import { ICON } from '../icons.js';

export class Popups {
  openPop(anchor, el, label) {
    this.closePop();
    const li = anchor.closest('li.msg');
    el.setAttribute('aria-label', label);
    const items = () => [...el.querySelectorAll('button')];
    el.addEventListener('keydown', (e) => {
      const list = items(), i = list.indexOf(this.shadow.activeElement);
      const horizontal = el.classList.contains('picker');
      if (e.key === 'Escape') { e.stopPropagation(); e.preventDefault(); this.closePop(true); }
      else if (e.key === (horizontal ? 'ArrowRight' : 'ArrowDown')) { e.preventDefault(); list[(i + 1) % list.length].focus(); }
      else if (e.key === (horizontal ? 'ArrowLeft' : 'ArrowUp')) { e.preventDefault(); list[(i - 1 + list.length) % list.length].focus(); }
      else if (e.key === 'Home' || e.key === 'End') { e.preventDefault(); list[e.key === 'Home' ? 0 : list.length - 1].focus(); }
      else if (e.key === 'Tab') { e.preventDefault(); this.closePop(true); }
    });
    this.panel.append(el);
    const pr = this.panel.getBoundingClientRect(), ar = anchor.getBoundingClientRect();
    const w = el.offsetWidth, ht = el.offsetHeight;
    let top = ar.bottom - pr.top + 6;
    if (top + ht > pr.height - 8) top = ar.top - pr.top - ht - 6;
    const left = Math.max(8, Math.min(ar.right - pr.left - w, pr.width - w - 8));
    el.style.top = Math.max(8, top) + 'px';
    el.style.left = left + 'px';
    if (li) li.classList.add('menu-open');
    anchor.setAttribute('aria-expanded', 'true');
    this.pop = { el, anchor, li };
    const first = items()[0];
    if (first) first.focus();
  }

  closePop(refocus) {
    const p = this.pop;
    if (!p) return;
    this.pop = null;
    p.el.remove();
    if (p.li) p.li.classList.remove('menu-open');
    p.anchor.setAttribute('aria-expanded', 'false');
    if (refocus && p.anchor.isConnected) p.anchor.focus();
  }

  openPicker(anchor, c, m) {
    if (this.pop && this.pop.anchor === anchor) return this.closePop(true);
    const el = h('div', { class: 'pop picker', role: 'group' }, REACTIONS.map(([e, label]) => {
      const on = this.remembered('r', `${c.key}#${m.seq}#${e}`);
      return h('button', { type: 'button', title: on ? `Remove ${label}` : label, 'aria-label': on ? `Remove your ${label} reaction` : `React with ${label}`, 'aria-pressed': on ? 'true' : 'false', text: e,
        onclick: () => { this.closePop(true); this.toggleReaction(c, m, e); } });
    }));
    this.openPop(anchor, el, 'Pick a reaction');
  }

  openMenu(anchor, c, m) {
    if (this.pop && this.pop.anchor === anchor) return this.closePop(true);
    const mine = this.me && m.from.id === this.me.id;
    const item = (icon, text, fn, cls) => h('button', { type: 'button', role: 'menuitem', class: cls || null, onclick: () => { this.closePop(false); fn(); } },
      h('span', { html: icon, 'aria-hidden': 'true' }), text);
    const items = [];
    if (mine) {
      items.push(item(ICON.edit, 'Edit message', () => this.startEdit(c, m)));
      items.push(item(ICON.trash, 'Delete message', () => this.confirmDelete(c, m), 'bad'));
    } else {
      if (c.kind !== 'dm') items.push(item(ICON.inbox, `Message ${m.from.name} privately`, () => this.openDm({ id: m.from.id, name: m.from.name })));
      items.push(item(ICON.flag, 'Report message…', () => this.openReport(c, m), 'bad'));
    }
    this.openPop(anchor, h('div', { class: 'pop menu', role: 'menu' }, items), 'Message actions');
  }

  toast(text, kind, sub) {
    const celebrate = kind === 'celebrate';
    if (!celebrate && kind !== 'bad' && this.toastEl && this.toastEl.isConnected && this.toastEl.classList.contains('celebrate')) {
      this.toastNext = [text, kind, sub]; // after the celebration
      return;
    }
    clearTimeout(this.toastTimer);
    if (this.toastEl) this.toastEl.remove();
    const el = h('div', { class: 'toast' + (kind === 'bad' ? ' bad' : celebrate ? ' celebrate' : ''), role: 'status' },
      celebrate ? h('span', { class: 'medal', html: ICON.star.replace(/width="11" height="11"/, 'width="18" height="18"'), 'aria-hidden': 'true' }) : null,
      h('div', { class: 'grow' }, celebrate ? h('b', { text }) : text, sub ? h('span', { text: sub }) : null),
      h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Dismiss', html: ICON.close, onclick: () => { el.remove(); this.focusDefault(); } }));
    this.toastEl = el;
    this.panel.append(el);
    this.toastTimer = setTimeout(() => {
      el.remove();
      const next = this.toastNext;
      this.toastNext = null;
      if (next && this.toastEl === el) this.toast(...next);
    }, celebrate ? 9000 : 4500);
  }
}
