/* Widget methods (mixed into Widget, see widget.js): the search view, over every message the user
 * may read (PROTOCOL.md §3.6). */
import { h, markedText } from '../../shared/dom.js';
import { cap } from '../util.js';

export class Search {
  showSearch() {
    this.view = 'search';
    this.searchState = { query: '', results: null, error: '', ticket: 0 };
    this.renderSearch();
    const input = this.body.querySelector('input[type="search"]');
    if (input) input.focus();
  }

  renderSearch() {
    const S = this.searchState || (this.searchState = { query: '', results: null, error: '', ticket: 0 });
    this.backBtn.hidden = false;
    this.inboxBtn.hidden = true;
    this.searchBtn.hidden = true;
    this.titleEl.textContent = 'Search';
    const input = h('input', { type: 'search', name: 'q', 'aria-label': 'Search questions and answers', placeholder: 'Search questions and answers', maxlength: '256', value: S.query });
    const form = h('form', { class: 'wsearch', role: 'search', onsubmit: async (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (!q || !this.client) return;
      const ticket = ++S.ticket;
      S.query = q;
      let r;
      try { r = await this.client.search(q, { limit: 20 }); S.error = ''; } catch (ex) { r = null; S.error = cap(ex.message || 'Search failed.'); }
      if (ticket !== S.ticket || this.view !== 'search') return;
      S.results = r ? r.results : [];
      this.renderSearch();
      const again = this.body.querySelector('.wresults button, .wresults p');
      if (again && again.focus) again.focus();
    } }, input, h('button', { class: 'primary', type: 'submit', text: 'Search' }));
    let out = null;
    if (S.error) out = h('p', { class: 'err', role: 'alert', text: S.error });
    else if (S.results && !S.results.length) out = h('p', { class: 'empty', tabindex: '-1', text: `Nothing matches “${S.query}”.` });
    else if (S.results) {
      out = h('ul', { style: 'list-style:none;margin:0;padding:0' }, S.results.map((x) => {
        const where = x.channel.startsWith('dm:') ? 'private' : '#' + x.channel;
        const snip = h('span', { class: 'snip' });
        snip.append(...markedText(x.snippet));
        return h('li', { 'data-channel': x.channel, 'data-seq': String(x.seq) },
          h('button', { class: 'hit', type: 'button', onclick: () => this.openHit(x) },
            h('span', { class: 'who', text: `${x.from.name} · ${where}${x.solved_seq ? ' · solved' : ''}` }), snip));
      }));
    }
    this.body.replaceChildren(h('div', { class: 'wsearchview' }, form, h('div', { class: 'wresults', 'aria-live': 'polite' }, out)));
    this.updateSub();
  }

  /** Opens the conversation of a search result at the message, loading back to it if needed. */
  async openHit(x) {
    const c = this.convs.get(x.channel);
    if (!c) return;
    this.show(x.channel);
    for (let i = 0; i < 40 && this.view === 'conv' && this.active === x.channel; i++) {
      if (this.list && this.list.querySelector(`li[data-seq="${x.seq}"]`)) { this.jumpTo(x.seq); return; }
      if (c.loaded && !c.hasMore) return;
      if (c.loaded && !c.loading) this.loadOlder(c);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}
