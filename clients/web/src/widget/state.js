/* Widget methods (mixed into Widget, see widget.js): the conversations model. this.convs maps a
 * channel (the widget's channel, `dm:a:b` private conversations) to its messages, pending sends,
 * paging, unread count, read marker, answer marks; the server's conversation list and read
 * markers keep unread counts the same on every device. Also the own reactions and helpful marks
 * remembered per user (the server tells counts only). */
import { store, KEY } from './storage.js';

export class Conversations {
  conv(key, kind, peer) {
    let c = this.convs.get(key);
    if (!c) {
      c = { key, kind, peer: peer || null, msgs: new Map(), pending: new Map(), oldest: null, hasMore: true, loaded: false, loading: false, unread: 0, last: null, info: null, parents: new Map(),
        marks: new this.lib.Marks(), fetching: new Map(), missing: new Set(), kicked: null, lastRead: 0, mentions: 0, readTimer: null, eph: [] };
      this.convs.set(key, c);
    } else if (peer && (!c.peer || c.peer.name === c.peer.id)) {
      c.peer = peer;
    }
    return c;
  }

  // The server's conversation list (PROTOCOL.md §3.7 `channels`): unread counts, mentions and
  // the private conversations, the same on every device and after a reload.
  async syncChannels() {
    let ok;
    try { ok = await this.client.listChannels(); } catch (e) { return; }
    const dms = [];
    for (const e of ok.channels) {
      const isDm = e.kind === 'dm';
      if (!isDm && e.name !== this.channel) continue;
      const lm = e.last_message;
      const peer = isDm ? { id: e.with, name: lm && lm.from.id === e.with ? lm.from.name : e.with } : null;
      const c = this.conv(e.name, isDm ? 'dm' : 'channel', peer);
      c.lastRead = Math.max(c.lastRead, e.last_read);
      if (lm && (!c.last || c.last.ts <= lm.ts)) c.last = { text: lm.deleted ? '' : lm.text, ts: lm.ts, from: lm.from.name };
      if (this.seen(c)) this.noteRead(c, e.last_seq);
      else { c.unread = e.unread; c.mentions = e.mentions; }
      if (isDm) dms.push(c);
    }
    // Live messages of a DM reach us without a join; joining the recent ones makes a
    // reconnect replay what was missed (§8).
    for (const c of dms.slice(0, 20)) this.client.join(c.key).catch(() => {});
    this.updateCount();
    this.updateInboxDot();
    if (this.view === 'inbox') this.renderInbox();
  }

  // Whether conversation `c` is on screen right now.
  seen(c) { return this.isOpen && this.active === c.key && this.view === 'conv' && document.visibilityState !== 'hidden'; }

  // Tells the server that `c` is read up to `seq` (or its newest message), at most twice a
  // second per conversation; the marker never moves backwards, so a late one is harmless.
  noteRead(c, seq) {
    let top = seq || 0;
    for (const k of c.msgs.keys()) if (k > top) top = k;
    if (c.info && c.info.last_seq > top) top = c.info.last_seq;
    c.unread = 0;
    c.mentions = 0;
    if (top <= c.lastRead || !this.client) return;
    c.lastRead = top;
    if (c.readTimer) return;
    c.readTimer = setTimeout(() => {
      c.readTimer = null;
      this.client.read(c.key, c.lastRead).catch(() => {});
    }, 500);
  }

  // Another tab or device of ours read up to `seq`.
  onRead({ channel, seq }) {
    const c = this.convs.get(channel);
    if (!c) return;
    c.lastRead = Math.max(c.lastRead, seq);
    let n = 0;
    for (const m of c.msgs.values()) if (m.seq > c.lastRead && (!this.me || m.from.id !== this.me.id)) n++;
    c.unread = Math.min(c.unread, n);
    if (c.unread === 0) c.mentions = 0;
    this.updateCount();
    this.updateInboxDot();
    if (this.view === 'inbox') this.renderInbox();
  }

  dmWith(peer) {
    const key = this.lib.dmChannel(this.me.id, peer.id);
    return this.conv(key, 'dm', peer);
  }

  markRead(key) {
    const c = this.convs.get(key);
    if (!c) return;
    const had = c.unread;
    this.noteRead(c);
    if (had) { this.updateCount(); this.updateInboxDot(); }
  }

  activeConv() { return this.convs.get(this.active); }

  peerOf(channel) {
    const id = this.me && this.lib.dmPeer(channel, this.me.id);
    return id ? { id, name: id } : null;
  }

  mineSeq(c, seq) { const p = c.msgs.get(seq); return p && p.from.id === this.me.id; }

  lookup(c, seq) { return c.msgs.get(seq) || c.parents.get(seq); }

  /** Loads one message that is not on screen (a quoted parent, a thread root, an accepted
   *  answer); resolves with it or null. Remembered in c.parents; asked for once. */
  fetchMsg(c, seq) {
    if (c.fetching.has(seq)) return c.fetching.get(seq);
    const known = c.msgs.get(seq) || c.parents.get(seq);
    if (known) return Promise.resolve(known);
    if (c.missing.has(seq) || !this.client) return Promise.resolve(null);
    const p = this.client.history(c.key, { before: seq + 1, limit: 1 }).then((page) => {
      const got = page.all.find((x) => x.seq === seq) || null;
      if (got) { c.parents.set(seq, got); c.marks.noteMessage(got); } else c.missing.add(seq);
      return got;
    }, () => null).finally(() => c.fetching.delete(seq));
    c.fetching.set(seq, p);
    return p;
  }

  // Own reactions and helpful marks, remembered per user (the server reports counts only).
  remembered(kind, key) { return !!(this.mine && this.mine[kind] && this.mine[kind].includes(key)); }

  remember(kind, key, on) {
    const list = (this.mine[kind] || []).filter((k) => k !== key);
    if (on) list.push(key);
    this.mine[kind] = list.slice(-400);
    store.set(KEY.mine(this.sub), this.mine);
  }
}
