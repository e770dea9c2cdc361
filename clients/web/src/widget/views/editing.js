/* Widget methods (mixed into Widget, see widget.js): editing one's own message in place. */
import { h } from '../../shared/dom.js';

export class Editing {
  startEdit(c, m) {
    this.editing = { channel: c.key, seq: m.seq, draft: m.text };
    this.rerender(c, m.seq);
    const ta = this.list && this.list.querySelector(`li[data-seq="${m.seq}"] .editbox textarea`);
    if (ta) { ta.focus(); ta.setSelectionRange(ta.value.length, ta.value.length); }
  }

  stopEdit(c, seq, refocus) {
    this.editing = null;
    this.rerender(c, seq);
    if (refocus) this.focusMsg(seq);
  }

  editBox(c, m) {
    const ed = this.editing;
    const ta = h('textarea', { rows: '1', 'aria-label': 'Edit your message', maxlength: '4000' });
    ta.value = ed.draft;
    const err = h('p', { class: 'ferr', role: 'alert' });
    const save = h('button', { class: 'btn primary', type: 'submit', text: 'Save' });
    const grow = () => { ta.style.height = 'auto'; ta.style.height = Math.min(ta.scrollHeight, 160) + 'px'; };
    requestAnimationFrame(grow);
    ta.addEventListener('input', () => { ed.draft = ta.value; grow(); });
    ta.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); this.stopEdit(c, m.seq, true); }
      else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
      e.stopPropagation(); // not the list's arrow keys
    });
    const form = h('form', { class: 'editbox', onsubmit: async (e) => {
      e.preventDefault();
      const text = ta.value;
      if (!text.trim()) { err.textContent = 'A message cannot be empty. Delete it instead?'; return; }
      if (text === m.text) return this.stopEdit(c, m.seq, true);
      save.disabled = true;
      try {
        await this.client.edit(c.key, m.seq, text);
        this.stopEdit(c, m.seq, true);
        this.say('Message edited.');
      } catch (ex) {
        save.disabled = false;
        err.textContent = this.errorText(ex, 'Could not save');
      }
    } }, ta, err, h('div', { class: 'bar' }, h('span', { text: 'Enter to save · Esc to cancel' }),
      h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => this.stopEdit(c, m.seq, true) }), save));
    return form;
  }
}
