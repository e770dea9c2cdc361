/* Widget methods (mixed into Widget, see widget.js): modal bottom sheets inside the panel:
 * delete a message, report one, the email notification settings. */
import { EMAIL_CHOICES, REPORT_REASONS } from '../config.js';
import { h } from '../../shared/dom.js';
import { snippet } from '../util.js';

export class Sheets {
  /** A modal bottom sheet inside the panel; returns {el, close}. */
  openSheet(title, kids, focusSel) {
    this.closePop();
    if (this.sheet) this.sheet.close();
    const back = this.shadow.activeElement;
    const id = 'p-sheet-' + Date.now().toString(36);
    const sheet = h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id }, h('h3', { id, text: title }), kids);
    const scrim = h('div', { class: 'scrim', onmousedown: (e) => { if (e.target === scrim) close(); } }, sheet);
    const close = () => {
      if (this.sheet !== api) return;
      this.sheet = null;
      scrim.remove();
      if (back && back.isConnected) back.focus(); else this.focusDefault();
    };
    scrim.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.stopPropagation(); close(); return; }
      if (e.key !== 'Tab') return;
      const f = [...sheet.querySelectorAll('button:not(:disabled),input,textarea')];
      const i = f.indexOf(this.shadow.activeElement);
      if (e.shiftKey && i <= 0) { e.preventDefault(); f[f.length - 1].focus(); }
      else if (!e.shiftKey && i === f.length - 1) { e.preventDefault(); f[0].focus(); }
    });
    const api = { el: sheet, close };
    this.sheet = api;
    this.panel.append(scrim);
    const first = sheet.querySelector(focusSel || 'button');
    if (first) first.focus();
    return api;
  }

  confirmDelete(c, m) {
    const err = h('p', { class: 'ferr', role: 'alert' });
    const del = h('button', { class: 'btn danger', type: 'button', text: 'Delete', onclick: async () => {
      del.disabled = true;
      try {
        await this.client.deleteMessage(c.key, m.seq);
        sheet.close();
        this.say('Message deleted.');
      } catch (e) {
        del.disabled = false;
        err.textContent = this.errorText(e, 'Could not delete it');
      }
    } });
    const sheet = this.openSheet('Delete this message?', [
      h('p', { text: 'It will be removed for everyone in the conversation. This cannot be undone.' }),
      h('div', { class: 'q', text: snippet(m.text, 200) }), err,
      h('div', { class: 'btns' }, h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => sheet.close() }), del)], '.btn');
  }

  openReport(c, m) {
    const err = h('p', { class: 'ferr', role: 'alert' });
    const details = h('textarea', { id: 'p-rep-more', rows: '2', maxlength: '400', placeholder: 'Add details for the team (optional)' });
    const radios = REPORT_REASONS.map((r, i) => h('label', { class: 'opt' }, h('input', { type: 'radio', name: 'p-reason', value: r, checked: i === 0 }), r));
    const send = h('button', { class: 'btn primary', type: 'submit', text: 'Send report' });
    const form = h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const picked = form.querySelector('input[name="p-reason"]:checked');
      const more = details.value.trim();
      if (picked.value === 'Something else' && !more) { err.textContent = 'Please tell us what is wrong.'; details.focus(); return; }
      const reason = (picked.value + (more ? ': ' + more : '')).slice(0, 500);
      send.disabled = true;
      try {
        await this.client.report(c.key, m.seq, reason);
        sheet.close();
        this.toast('Thanks for letting us know. The team will review this message.', 'ok');
      } catch (ex) {
        send.disabled = false;
        err.textContent = this.errorText(ex, 'Could not send the report');
      }
    } }, h('fieldset', null, h('legend', { text: 'What is wrong with it?' }), radios),
    h('label', { for: 'p-rep-more', class: 'sr', text: 'Details' }), details, err,
    h('div', { class: 'btns', style: 'margin-top:12px' }, h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => sheet.close() }), send));
    const sheet = this.openSheet('Report this message', [
      h('p', { text: `The team will take a look. ${m.from.name} is not told who reported it.` }),
      h('div', { class: 'q', text: snippet(m.text, 200) }), form], 'input:checked');
  }

  // ---- settings: email while away (set_preferences, PROTOCOL.md §3.6) ------------------
  // Offered only when the token carries an `email` claim (welcome user.email).
  openSettings() {
    if (!this.me || !this.me.email) return;
    const stored = () => (this.prefs && this.prefs.email) || 'batched';
    const status = h('p', { class: 'pstat', id: 'p-email-status', 'aria-live': 'polite' });
    const radios = EMAIL_CHOICES.map(([value]) => h('input', { type: 'radio', name: 'p-email', value, checked: value === stored() }));
    const show = (text, bad) => {
      for (const r of radios) r.checked = r.value === stored();
      status.className = 'pstat' + (bad ? ' bad' : '');
      status.textContent = text;
    };
    let ticket = 0;
    const choose = async (value) => {
      const mine = ++ticket;
      show('Saving…');
      for (const r of radios) r.checked = r.value === value;
      try {
        const ok = await this.client.request({ op: 'set_preferences', email: value });
        if (mine !== ticket) return;
        this.prefs = { ...this.prefs, kb_anonymous: ok.kb_anonymous, email: typeof ok.email === 'string' ? ok.email : stored() };
        show('Saved.');
      } catch (e) {
        if (mine === ticket) show(this.errorText(e, 'Could not save'), true);
      }
    };
    for (const r of radios) r.addEventListener('change', () => { if (r.checked) choose(r.value); });
    const sheet = this.openSheet('Email notifications', [
      h('fieldset', { 'aria-describedby': 'p-email-status' }, h('legend', { text: "Email me when I'm away" }),
        radios.map((r, i) => h('label', { class: 'opt' }, r, EMAIL_CHOICES[i][1]))),
      h('p', { text: `Emails go to ${this.me.email}.` }), status,
      h('div', { class: 'btns' }, h('button', { class: 'btn', type: 'button', text: 'Done', onclick: () => sheet.close() }))], 'input:checked');
  }
}
