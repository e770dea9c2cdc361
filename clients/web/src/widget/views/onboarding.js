/* Widget methods (mixed into Widget, see widget.js): the guest's welcome form (a display name,
 * then POST /api/guest). */
import { h } from '../../shared/dom.js';

export class Onboarding {
  renderOnboarding() {
    this.view = 'onboard';
    this.inboxBtn.hidden = true;
    const err = h('p', { class: 'err', role: 'alert' });
    const input = h('input', { id: 'p-name', name: 'name', autocomplete: 'nickname', maxlength: '64', required: true, placeholder: 'e.g. Sam' });
    const btn = h('button', { class: 'primary', type: 'submit', text: 'Start chatting' });
    const form = h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const name = input.value.trim();
      if (!name) { err.textContent = 'Please enter a name.'; input.focus(); return; }
      btn.disabled = true;
      btn.textContent = 'Starting…';
      err.textContent = '';
      try {
        const token = await this.mintGuest(name);
        await this.connect(token);
        this.inboxBtn.hidden = false;
        this.focusDefault();
      } catch (ex) {
        err.textContent = ex.message;
        btn.disabled = false;
        btn.textContent = 'Start chatting';
      }
    } }, h('label', { for: 'p-name', text: 'What should we call you?' }), input, btn, err);
    this.body.replaceChildren(h('div', { class: 'onboard' },
      h('h3', { text: 'Hi there!' }),
      h('p', { text: this.cfg.greeting || 'Ask a question and our team and community will help. Most questions get an answer within minutes.' }),
      form,
      h('p', { class: 'foot', text: 'Powered by Parley' })));
  }
}
