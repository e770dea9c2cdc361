/* Widget methods (mixed into Widget, see widget.js): start-up and the connection. The token comes
 * from the host (data-token, Parley.init({token, getToken})) or is a guest's (POST /api/guest, kept
 * in localStorage); connect() creates the protocol client (parley-client.js, bundled in) and wires
 * its events to the handlers in events.js. */
import ParleyClientLib from '../../parley-client.js';
import { ORIGIN, WS_URL } from './config.js';
import { store, KEY } from './storage.js';
import { jwtSub } from './util.js';

export class Transport {
  async start() {
    const token = this.cfg.token || (this.cfg.getToken ? null : this.guestToken());
    if (!token && !this.cfg.getToken) {
      this.renderOnboarding();
      if (this.cfg.open) this.open();
      return;
    }
    await this.connect(token);
    if (this.cfg.open) this.open();
  }

  guestToken() {
    const g = store.get(KEY.guest);
    return g && g.token && g.expires_at * 1000 > Date.now() + 60000 ? g.token : null;
  }

  async mintGuest(name) {
    let res;
    try {
      res = await fetch(ORIGIN + '/api/guest', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }) });
    } catch (e) {
      throw new Error('Could not reach the chat server. Please check your connection and try again.');
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const msg = res.status === 429 ? 'Too many new guests from your network right now. Please try again in a minute.'
        : (body.error && body.error.message) || `Could not start the chat (HTTP ${res.status}).`;
      throw new Error(msg);
    }
    store.set(KEY.guest, { token: body.token, user: body.user, expires_at: body.expires_at, name });
    return body.token;
  }

  async getToken({ refresh }) {
    if (this.cfg.getToken) return this.cfg.getToken({ refresh });
    if (this.cfg.token) return this.cfg.token;
    const t = !refresh && this.guestToken();
    if (t) return t;
    const g = store.get(KEY.guest);
    if (!g || !g.name) throw new Error('no guest name');
    return this.mintGuest(g.name); // an expired guest gets a fresh token under the same name
  }

  async connect(token) {
    const Lib = ParleyClientLib; // parley-client.js, bundled into widget.js
    this.lib = Lib;
    // The user id (JWT sub) keys what is kept per user; a host's getToken is asked once here
    // and that first token is used for the first connection.
    let first = token || (this.cfg.getToken ? await this.cfg.getToken({ refresh: false }) : null);
    this.sub = (first && jwtSub(first)) || 'anon';
    const getToken = (o) => {
      if (first && !o.refresh) { const t = first; first = null; return t; }
      first = null;
      return this.getToken(o);
    };
    const c = new Lib.ParleyClient({ url: WS_URL, getToken, outbox: store.get(KEY.outbox(this.sub)) || [] });
    this.client = c;
    c.on('state', (s) => this.onState(s));
    c.on('welcome', (u) => this.onWelcome(u));
    c.on('joined', (j) => this.onJoined(j));
    c.on('reset', (r) => this.onReset(r));
    c.on('message', (m) => this.onMessage(m));
    c.on('ack', (a) => this.onAck(a));
    c.on('send-failed', (e) => this.onSendFailed(e));
    c.on('outbox', (list) => store.set(KEY.outbox(this.sub), list));
    c.on('typing', (t) => this.onTyping(t));
    c.on('presence', (p) => this.onPresence(p));
    for (const op of ['edited', 'deleted', 'reaction']) c.on(op, (ev) => this.onLifecycle(ev));
    c.on('helpful', (ev) => this.onHelpful(ev));
    c.on('solved', (ev) => this.onSolved(ev));
    c.on('advocate', (ev) => this.onAdvocate(ev));
    c.on('channel_updated', (ev) => this.onChannelUpdated(ev));
    c.on('kicked', (ev) => this.onKicked(ev));
    c.on('read', (ev) => this.onRead(ev));
    c.on('command_reply', (ev) => this.onCommandReply(ev));
    c.on('hold', () => this.updateComposer());
    c.on('fatal', (f) => this.onFatal(f));
    this.mine = store.get(KEY.mine(this.sub)) || {};
    this.loadChosen();
    this.onlineHandler = () => c.reconnectNow();
    window.addEventListener('online', this.onlineHandler);
    this.visibilityHandler = () => {
      if (document.visibilityState === 'visible' && this.isOpen && this.view === 'conv') this.markRead(this.active);
    };
    document.addEventListener('visibilitychange', this.visibilityHandler);
    this.hashHandler = () => this.followDeepLink();
    window.addEventListener('hashchange', this.hashHandler);
    this.conv(this.channel, 'channel');
    this.active = this.active || this.channel;
    if (this.view !== 'inbox') this.renderConv();
    c.join(this.channel).catch((e) => this.setBanner(`This chat is not available: ${e.message}`, 'bad'));
    c.connect();
  }

  destroy() {
    clearInterval(this.tickTimer);
    clearTimeout(this.toastTimer);
    if (this.client) this.client.close();
    if (this.onlineHandler) window.removeEventListener('online', this.onlineHandler);
    if (this.visibilityHandler) document.removeEventListener('visibilitychange', this.visibilityHandler);
    if (this.hashHandler) window.removeEventListener('hashchange', this.hashHandler);
    clearTimeout(this.linkTimer);
    this.host.remove();
  }
}
