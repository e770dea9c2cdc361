/* Widget methods (mixed into Widget, see widget.js): deep links #parley=<channel>[/<seq>] (the
 * links in notification emails): the widget opens there and highlights the message. */
import { LINK_PAGES } from '../config.js';

export class DeepLinks {
  /** The link in the page's hash: {channel, seq} (seq 0 when none), or null. */
  deepLink() {
    const m = /^#parley=([^/]{1,600})(?:\/([1-9][0-9]{0,14}))?$/.exec(location.hash);
    if (!m) return null;
    try { return { channel: decodeURIComponent(m[1]), seq: Number(m[2] || 0) }; } catch (e) { return null; } // bad %-escape
  }

  /** Once authenticated, and on every hashchange: opens the linked conversation and shows the
   *  message. Only the widget's channel and the user's own DMs (from the conversation list)
   *  are followed; anything else (malformed, unknown, not readable) is ignored quietly. */
  followDeepLink() {
    const link = this.deepLink();
    if (!link || !this.me || !this.client || this.fatal) return;
    const c = this.convs.get(link.channel);
    if (!c || (c.key !== this.channel && c.kind !== 'dm')) return; // convs holds only those two kinds
    if (!c.info) this.client.join(c.key).catch(() => {}); // a DM beyond the ones joined at start
    this.open(c.key);
    const ticket = this.linkTicket = (this.linkTicket || 0) + 1;
    if (link.seq) this.revealLinked(c, link.seq, ticket);
  }

  /** Waits for the conversation's history, loads at most LINK_PAGES older pages to find
   *  message `seq`, then scrolls to it, focuses it and highlights it for a few seconds. */
  async revealLinked(c, seq, ticket) {
    const current = () => ticket === this.linkTicket && this.active === c.key && this.view === 'conv';
    for (let i = 0, pages = 0; i < 100 && current(); i++) {
      if (this.list && this.list.querySelector(`li[data-seq="${seq}"]`)) break;
      if (!c.loaded || c.loading) { await new Promise((r) => setTimeout(r, 100)); continue; }
      if (!c.hasMore || c.oldest == null || c.oldest <= seq || pages++ >= LINK_PAGES) return; // not there
      await this.loadOlder(c);
    }
    const li = current() && this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
    if (!li) return;
    clearTimeout(this.linkTimer);
    this.linked = { key: c.key, seq }; // messageNode keeps the class through re-renders
    li.classList.add('parley-linked');
    this.focusMsg(seq); // focus reads the message out
    this.say('Showing the linked message.');
    // after the scroll to the end that opening the panel queued for the next frame
    requestAnimationFrame(() => {
      const el = this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
      if (el) el.scrollIntoView({ block: 'center' });
    });
    this.linkTimer = setTimeout(() => {
      this.linked = null;
      for (const el of this.list ? this.list.querySelectorAll('li.parley-linked') : []) el.classList.remove('parley-linked');
    }, 4000);
  }

  isLinked(m) { return !!this.linked && this.linked.key === m.channel && this.linked.seq === m.seq; }
}
