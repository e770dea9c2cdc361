/* Parley chat widget. Embed with one tag:
 *   <script src="https://chat.example.com/widget.js" data-channel="help"></script>
 * Attributes: data-channel (default "help"), data-token (a JWT minted by the host's backend;
 * without it visitors join as guests), data-title, data-subtitle, data-color, data-open="true",
 * data-manual="true" (wait for Parley.init). API: Parley.init({token, getToken, channel, title,
 * subtitle, color, open}), Parley.open(), Parley.close(), Parley.destroy().
 * The protocol logic lives in parley-client.js (loaded from the same server); this file is the
 * UI, rendered in a shadow root so the host page's styles and ours never mix.
 */
(function () {
  'use strict';
  if (window.Parley && window.Parley.version) return; // loaded twice

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const ORIGIN = new URL(script && script.src ? script.src : location.href).origin;
  const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
  const DATA = (script && script.dataset) || {};
  const PAGE = 30; // messages per history page
  const GROUP_MS = 5 * 60 * 1000;

  // ---- small helpers ------------------------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'html') el.innerHTML = v; // trusted, static markup only (icons)
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of kids.flat()) if (c != null) el.append(c);
    return el;
  }
  const svg = (d, extra) => `<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"${extra || ''}>${d}</svg>`;
  const ICON = {
    chat: svg('<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>', ' width="26" height="26"'),
    down: svg('<path d="m6 9 6 6 6-6"/>', ' width="26" height="26"'),
    close: svg('<path d="M18 6 6 18M6 6l12 12"/>'),
    back: svg('<path d="m15 18-6-6 6-6"/>'),
    inbox: svg('<path d="M4 5h16v11H8l-4 4z"/><path d="M8 10h8"/>'),
    send: svg('<path d="M5 12h13M12 5l7 7-7 7"/>'),
    reply: svg('<path d="M9 14 4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v4"/>', ' width="15" height="15"'),
    star: svg('<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3 6.5 20.2l1-6.2L3 9.6l6.2-.9z"/>', ' width="11" height="11" fill="currentColor" stroke="none"'),
    clock: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>', ' width="12" height="12"'),
  };
  const initials = (name) => (String(name || '?').trim().split(/\s+/).slice(0, 2).map((p) => p[0]).join('') || '?').toUpperCase();
  function hue(id) {
    let x = 0;
    for (const ch of String(id)) x = (x * 31 + ch.codePointAt(0)) >>> 0;
    return x % 360;
  }
  const fmtTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
  const fmtDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
  const fmtFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
  function when(ts) {
    const d = new Date(ts);
    return (new Date().toDateString() === d.toDateString() ? fmtTime : fmtDay).format(d);
  }
  const snippet = (t, n = 80) => (t.length > n ? t.slice(0, n - 1) + '…' : t).replace(/\s+/g, ' ');
  function linkify(text) {
    const out = [];
    const re = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
    let at = 0, m;
    while ((m = re.exec(text))) {
      if (m.index > at) out.push(text.slice(at, m.index));
      out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
      at = m.index + m[0].length;
    }
    if (at < text.length) out.push(text.slice(at));
    return out;
  }
  function jwtSub(token) {
    try {
      const p = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
      return JSON.parse(new TextDecoder().decode(Uint8Array.from(p, (ch) => ch.charCodeAt(0)))).sub || null;
    } catch (e) { return null; }
  }
  const store = {
    get(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } },
    set(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode */ } },
    del(k) { try { localStorage.removeItem(k); } catch (e) { /* ignore */ } },
  };
  const KEY = {
    guest: 'parley:guest:' + ORIGIN,
    outbox: (sub) => `parley:outbox:${ORIGIN}:${sub}`,
    dms: (sub) => `parley:dms:${ORIGIN}:${sub}`,
  };

  let clientLib = null;
  function loadClientLib() {
    if (window.ParleyClient) return Promise.resolve(window.ParleyClient);
    if (clientLib) return clientLib;
    clientLib = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = ORIGIN + '/parley-client.js';
      s.async = true;
      s.onload = () => (window.ParleyClient ? resolve(window.ParleyClient) : reject(new Error('parley-client.js did not load')));
      s.onerror = () => { clientLib = null; reject(new Error('could not load ' + s.src)); };
      document.head.append(s);
    });
    return clientLib;
  }

  // ---- styles ---------------------------------------------------------------------------
  const STYLE = `
:host{all:initial}
*{box-sizing:border-box}
.root{--brand:#4f46e5;--ink:#1d2330;--muted:#667085;--line:#e7e9ee;--soft:#f2f4f7;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);-webkit-font-smoothing:antialiased}
button{font:inherit;color:inherit;background:none;border:0;padding:0;cursor:pointer}
button:focus-visible,a:focus-visible,textarea:focus-visible,input:focus-visible,.msg:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[hidden]{display:none!important}
.launcher{position:fixed;right:20px;bottom:20px;width:60px;height:60px;border-radius:50%;background:var(--brand);color:#fff;display:grid;place-items:center;box-shadow:0 6px 20px rgba(16,24,40,.28);transition:transform .15s ease;z-index:2147483000}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 5px var(--brand)}
.launcher .count{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#e5484d;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}
.preview{position:fixed;right:20px;bottom:92px;max-width:300px;background:#fff;border-radius:14px;padding:12px 14px;box-shadow:0 8px 30px rgba(16,24,40,.18);text-align:left;z-index:2147483000;display:flex;gap:10px;align-items:flex-start;animation:pop .2s ease}
.preview b{display:block;font-size:13px}.preview span{color:var(--muted);font-size:13px}
.panel{position:fixed;right:20px;bottom:92px;width:384px;height:min(680px,calc(100vh - 116px));background:#fff;border-radius:18px;box-shadow:0 16px 56px rgba(16,24,40,.22),0 0 0 1px rgba(16,24,40,.05);display:flex;flex-direction:column;overflow:hidden;z-index:2147483001;animation:pop .18s ease}
@keyframes pop{from{opacity:0;transform:translateY(12px) scale(.98)}to{opacity:1;transform:none}}
@media (prefers-reduced-motion:reduce){.panel,.preview{animation:none}.launcher{transition:none}}
.head{background:linear-gradient(135deg,var(--brand),color-mix(in srgb,var(--brand) 70%,#000));color:#fff;padding:14px 12px 14px 16px;display:flex;align-items:center;gap:10px;flex:none}
.head h2{margin:0;font-size:16px;font-weight:650;letter-spacing:-.01em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.head p{margin:1px 0 0;font-size:12.5px;opacity:.85;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.titles{flex:1;min-width:0}
.ibtn{width:34px;height:34px;border-radius:10px;display:grid;place-items:center;position:relative;flex:none}
.ibtn:hover{background:rgba(255,255,255,.16)}
.ibtn:focus-visible{outline-color:#fff}
.ibtn .dot{position:absolute;top:2px;right:1px;min-width:16px;height:16px;border-radius:8px;background:#e5484d;font-size:10.5px;font-weight:700;line-height:16px;padding:0 4px;border:1.5px solid #fff}
.stack{display:flex}
.stack .av{width:30px;height:30px;font-size:11px;border:2px solid #fff;margin-left:-8px}
.stack .av:first-child{margin-left:0}
.banner{flex:none;padding:7px 14px;font-size:12.5px;background:#fff7e6;color:#8a5a00;border-bottom:1px solid #f3e2bd;display:flex;gap:8px;align-items:center}
.banner.bad{background:#fdecec;color:#a1262b;border-color:#f5c9cb}
.spin{width:12px;height:12px;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:spin .8s linear infinite;flex:none}
@keyframes spin{to{transform:rotate(1turn)}}
.view{flex:1;min-height:0;display:flex;flex-direction:column}
.scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:8px 0 4px;position:relative}
.older{display:block;margin:6px auto 10px;font-size:12.5px;color:var(--muted);padding:4px 10px;border-radius:999px}
.older:hover{background:var(--soft)}
.start{text-align:center;color:var(--muted);font-size:12.5px;margin:14px 24px 18px}
.start b{display:block;color:var(--ink);font-size:14px;margin-bottom:2px}
ol.msgs{list-style:none;margin:0;padding:0 14px}
.msg{display:flex;gap:10px;padding:6px 4px 2px;border-radius:12px;position:relative;outline-offset:0}
.msg.grouped{padding-top:1px}
.msg.grouped .av,.msg.grouped .meta{visibility:hidden;height:0}
.msg.grouped .av{height:0}
.msg.flash{background:color-mix(in srgb,var(--brand) 10%,#fff);transition:background .6s}
.av{width:32px;height:32px;border-radius:50%;flex:none;display:grid;place-items:center;color:#fff;font-size:12px;font-weight:650;background:hsl(var(--h,220) 48% 46%)}
.content{min-width:0;flex:1;display:flex;flex-direction:column;align-items:flex-start}
.meta{display:flex;align-items:center;gap:6px;font-size:12.5px;color:var(--muted);margin-bottom:2px;flex-wrap:wrap}
.name{font-weight:650;color:var(--ink);border-radius:4px}
button.name:hover{text-decoration:underline}
.badge{display:inline-flex;align-items:center;gap:3px;font-size:10.5px;font-weight:700;letter-spacing:.02em;text-transform:uppercase;padding:1px 6px;border-radius:999px}
.badge.staff{background:color-mix(in srgb,var(--brand) 14%,#fff);color:color-mix(in srgb,var(--brand) 80%,#000)}
.badge.advocate{background:#fff4d6;color:#8a5a00}
.badge.bot{background:#e8f5ee;color:#1e6b46}
time{font-size:11.5px}
.bubble{background:var(--soft);border-radius:4px 16px 16px 16px;padding:8px 12px;max-width:100%;white-space:pre-wrap;overflow-wrap:anywhere}
.msg.grouped .bubble{border-radius:16px}
.bubble a{color:inherit;text-decoration:underline}
.msg.mine{flex-direction:row-reverse}
.msg.mine .av{display:none}
.msg.mine .content{align-items:flex-end}
.msg.mine .meta{flex-direction:row-reverse}
.msg.mine .bubble{background:var(--brand);color:#fff;border-radius:16px 4px 16px 16px}
.msg.mine.grouped .bubble{border-radius:16px}
.msg.pending .bubble{opacity:.65}
.msg.failed .bubble{background:#fdecec;color:#a1262b;opacity:1}
.state{font-size:11.5px;color:var(--muted);display:flex;gap:6px;align-items:center;margin-top:2px}
.state button{color:var(--brand);font-weight:600;text-decoration:underline}
.msg.failed .state{color:#a1262b}
.quote{display:block;text-align:left;font-size:12.5px;color:var(--muted);border-left:3px solid color-mix(in srgb,var(--brand) 45%,#fff);padding:1px 8px;margin:2px 0 4px;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.quote b{color:var(--ink);font-weight:600}
.acts{display:flex;gap:2px;opacity:0;height:0;overflow:visible;position:relative;top:-2px}
.msg:hover .acts,.msg:focus-within .acts,.msg:focus .acts{opacity:1;height:auto}
.act{font-size:12px;color:var(--muted);display:inline-flex;gap:4px;align-items:center;padding:2px 6px;border-radius:6px}
.act:hover{background:var(--soft);color:var(--ink)}
@media (hover:none){.acts{opacity:1;height:auto}}
.typing{flex:none;height:22px;padding:0 18px;font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.dots{display:inline-flex;gap:3px}.dots i{width:5px;height:5px;border-radius:50%;background:currentColor;animation:blink 1.2s infinite}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.jump{position:sticky;bottom:6px;left:50%;transform:translateX(-50%);display:block;margin:0 auto;background:var(--ink);color:#fff;font-size:12.5px;padding:5px 12px;border-radius:999px;box-shadow:0 4px 12px rgba(0,0,0,.18)}
form.compose{flex:none;border-top:1px solid var(--line);padding:8px 10px 6px 14px;background:#fff}
.replying{display:flex;align-items:center;gap:8px;font-size:12.5px;color:var(--muted);background:var(--soft);border-radius:10px;padding:6px 6px 6px 10px;margin-bottom:6px}
.replying span{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.replying .ibtn{width:24px;height:24px;color:var(--muted)}
.row{display:flex;align-items:flex-end;gap:8px}
textarea{flex:1;resize:none;border:0;outline:0;font:inherit;color:inherit;padding:9px 0;max-height:120px;min-height:38px;background:transparent}
textarea:focus-visible{outline:none}
form.compose:focus-within{box-shadow:inset 0 2px 0 var(--brand)}
.sendb{width:38px;height:38px;border-radius:50%;background:var(--brand);color:#fff;display:grid;place-items:center;flex:none;transition:opacity .15s}
.sendb:disabled{opacity:.35;cursor:default}
.foot{font-size:11px;color:#98a2b3;text-align:center;padding:2px 0 4px}
.onboard{flex:1;overflow:auto;padding:26px 24px;display:flex;flex-direction:column;gap:14px}
.onboard h3{margin:0;font-size:22px;letter-spacing:-.02em}
.onboard p{margin:0;color:var(--muted)}
.card{border:1px solid var(--line);border-radius:14px;padding:16px;display:flex;flex-direction:column;gap:10px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
label{font-weight:600;font-size:13px}
input{font:inherit;border:1px solid #d0d5dd;border-radius:10px;padding:10px 12px;width:100%}
input:focus{border-color:var(--brand);outline:2px solid color-mix(in srgb,var(--brand) 25%,#fff);outline-offset:0}
.primary{background:var(--brand);color:#fff;font-weight:600;border-radius:10px;padding:10px 14px}
.primary:disabled{opacity:.6}
.err{color:#a1262b;font-size:13px;margin:0}
.inbox{flex:1;overflow:auto;padding:8px}
.conv{display:flex;gap:12px;align-items:center;width:100%;text-align:left;padding:10px;border-radius:12px}
.conv:hover{background:var(--soft)}
.conv .txt{flex:1;min-width:0}.conv b{display:block}.conv span{display:block;color:var(--muted);font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.conv .n{background:#e5484d;color:#fff;border-radius:999px;font-size:11px;font-weight:700;padding:1px 7px}
.empty{color:var(--muted);text-align:center;padding:40px 26px}
@media (max-width:480px){
.panel{inset:0;width:100%;height:100%;height:100dvh;border-radius:0}
.root.open .launcher{display:none}
.preview{left:16px;right:16px;max-width:none}
}`;

  // ---- the widget -------------------------------------------------------------------------
  class Widget {
    constructor(cfg) {
      this.cfg = cfg;
      this.channel = cfg.channel || 'help';
      this.convs = new Map();
      this.active = null;
      this.view = 'conv';
      this.isOpen = false;
      this.me = null;
      this.online = new Map(); // user id → name, from presence events
      this.typers = new Map(); // channel → Map(user id → {name, until})
      this.replyTo = null;
      this.mount();
    }

    // -- DOM skeleton --
    mount() {
      this.host = h('div', { 'data-parley': '', style: 'all:initial' });
      const shadow = this.host.attachShadow({ mode: 'open' });
      this.shadow = shadow;
      const color = /^#[0-9a-f]{3,8}$|^(rgb|hsl)a?\([\d\s.,%]+\)$/i.test(this.cfg.color || '') ? this.cfg.color : null;
      this.root = h('div', { class: 'root', style: color ? `--brand:${color}` : null });
      this.announcer = h('div', { class: 'sr', 'aria-live': 'polite', 'aria-atomic': 'false' });
      this.titleEl = h('h2', { id: 'p-title', text: this.cfg.title || 'Help' });
      this.subEl = h('p', { id: 'p-sub', text: this.cfg.subtitle || 'Ask the team and the community' });
      this.stack = h('div', { class: 'stack', 'aria-hidden': 'true' });
      this.backBtn = h('button', { class: 'ibtn', type: 'button', hidden: true, html: ICON.back, onclick: () => this.show(this.channel) });
      this.inboxDot = h('span', { class: 'dot', hidden: true });
      this.inboxBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Private messages', title: 'Private messages', html: ICON.inbox, onclick: () => this.showInbox() }, this.inboxDot);
      const closeBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Close chat', title: 'Close', html: ICON.close, onclick: () => this.close() });
      this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
      this.body = h('div', { class: 'view' });
      this.panel = h('section', { class: 'panel', id: 'p-panel', role: 'dialog', 'aria-labelledby': 'p-title', 'aria-describedby': 'p-sub', hidden: true,
        onkeydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.close(); } } },
      h('header', { class: 'head' }, this.backBtn, this.stack, h('div', { class: 'titles' }, this.titleEl, this.subEl), this.inboxBtn, closeBtn),
      this.banner, this.body);
      this.count = h('span', { class: 'count', hidden: true, 'aria-hidden': 'true' });
      this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'p-panel', 'aria-label': 'Open chat', html: ICON.chat, onclick: () => (this.isOpen ? this.close() : this.open()) }, this.count);
      this.preview = h('button', { class: 'preview', type: 'button', hidden: true, onclick: () => this.open(this.preview.dataset.channel) });
      this.root.append(this.announcer, this.panel, this.preview, this.launcher);
      shadow.append(h('style', { text: STYLE }), this.root);
      document.body.append(this.host);
    }

    // -- lifecycle --
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
      const Lib = await loadClientLib();
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
      c.on('send-failed', (e) => {
        this.renderPendingState(e);
        this.say('Your message was not sent: ' + ((e.error && e.error.message) || 'refused'));
      });
      c.on('outbox', (list) => store.set(KEY.outbox(this.sub), list));
      c.on('typing', (t) => this.onTyping(t));
      c.on('presence', (p) => this.onPresence(p));
      c.on('fatal', () => this.setBanner('You can no longer chat here.', 'bad'));
      this.onlineHandler = () => c.reconnectNow();
      window.addEventListener('online', this.onlineHandler);
      this.visibilityHandler = () => {
        if (document.visibilityState === 'visible' && this.isOpen && this.view === 'conv') this.markRead(this.active);
      };
      document.addEventListener('visibilitychange', this.visibilityHandler);
      this.conv(this.channel, 'channel');
      this.active = this.active || this.channel;
      if (this.view !== 'inbox') this.renderConv();
      c.join(this.channel).catch((e) => this.setBanner(`This chat is not available: ${e.message}`, 'bad'));
      c.connect();
    }

    destroy() {
      if (this.client) this.client.close();
      if (this.onlineHandler) window.removeEventListener('online', this.onlineHandler);
      if (this.visibilityHandler) document.removeEventListener('visibilitychange', this.visibilityHandler);
      this.host.remove();
    }

    // -- open / close --
    open(channel) {
      this.isOpen = true;
      this.root.classList.add('open');
      this.panel.hidden = false;
      this.preview.hidden = true;
      this.launcher.setAttribute('aria-expanded', 'true');
      this.launcher.setAttribute('aria-label', 'Close chat');
      this.launcher.innerHTML = ICON.down;
      this.launcher.append(this.count);
      if (channel && this.convs.has(channel)) this.show(channel);
      else if (this.client) this.markRead(this.active);
      this.updateCount();
      this.focusDefault();
      this.scrollToEnd(true);
    }

    close() {
      this.isOpen = false;
      this.root.classList.remove('open');
      this.panel.hidden = true;
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcher.innerHTML = ICON.chat;
      this.launcher.append(this.count);
      this.updateCount();
      this.launcher.focus();
    }

    focusDefault() {
      const el = this.body.querySelector('input, textarea');
      if (el) el.focus({ preventScroll: true });
    }

    // -- onboarding (guests) --
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

    // -- conversations model --
    conv(key, kind, peer) {
      let c = this.convs.get(key);
      if (!c) {
        c = { key, kind, peer: peer || null, msgs: new Map(), pending: new Map(), oldest: null, hasMore: true, loaded: false, loading: false, unread: 0, last: null, info: null, parents: new Map() };
        this.convs.set(key, c);
        if (kind === 'dm') this.saveDms();
      } else if (peer && (!c.peer || c.peer.name === c.peer.id)) {
        c.peer = peer;
        this.saveDms();
      }
      return c;
    }

    saveDms() {
      if (!this.me) return;
      const list = [...this.convs.values()].filter((c) => c.kind === 'dm' && (c.last || c.msgs.size))
        .map((c) => ({ channel: c.key, peer: c.peer, last: c.last }));
      store.set(KEY.dms(this.me.id), list);
    }

    dmWith(peer) {
      const key = this.lib.dmChannel(this.me.id, peer.id);
      return this.conv(key, 'dm', peer);
    }

    // -- client events --
    onWelcome(u) {
      const first = !this.me;
      this.me = u;
      if (first) {
        for (const d of store.get(KEY.dms(u.id)) || []) {
          const c = this.conv(d.channel, 'dm', d.peer);
          c.last = c.last || d.last;
          this.client.join(d.channel).catch(() => {});
        }
        // pending sends restored from storage belong in their conversations
        for (const e of this.client.outbox) {
          const key = e.channel || this.lib.dmChannel(u.id, e.to);
          this.conv(key, e.kind === 'dm' ? 'dm' : 'channel', e.kind === 'dm' ? { id: e.to, name: e.toName || e.to } : null).pending.set(e.client_msg_id, e);
        }
        this.renderView();
        this.updateInboxDot();
      }
    }

    onState(s) {
      this.root.dataset.state = s.state;
      if (s.state === 'open') {
        if (this.hadTrouble) this.say('Reconnected.');
        this.hadTrouble = false;
        this.setBanner(null);
      } else if (s.state === 'waiting') {
        this.hadTrouble = true;
        this.online.clear(); // unknown until people rejoin and announce themselves again
        this.setBanner(navigator.onLine === false ? 'You are offline. Messages will be sent when you reconnect.'
          : 'Reconnecting… Messages you send will go out once we are back.');
      }
      this.updateSub();
      for (const c of this.convs.values()) for (const e of c.pending.values()) this.renderPendingState(e);
    }

    setBanner(text, kind) {
      this.banner.hidden = !text;
      this.banner.className = 'banner' + (kind ? ' ' + kind : '');
      this.banner.replaceChildren(...(text ? [kind ? '' : h('span', { class: 'spin', 'aria-hidden': 'true' }), text] : []));
    }

    onJoined({ channel, info, resumed }) {
      const c = this.convs.get(channel) || this.conv(channel, this.lib.isDm(channel) ? 'dm' : 'channel', this.peerOf(channel));
      c.info = info;
      if (channel === this.channel && this.view === 'conv' && this.active === channel) this.titleEl.textContent = this.channelTitle();
      if (!c.loaded && !c.loading && (channel === this.channel || channel === this.active)) this.loadInitial(c);
      this.updateSub();
    }

    onReset({ channel }) {
      const c = this.convs.get(channel);
      if (!c) return;
      c.msgs.clear();
      c.loaded = false;
      c.oldest = null;
      c.hasMore = true;
      if (this.active === channel) this.renderConv();
      this.loadInitial(c);
    }

    peerOf(channel) {
      const id = this.me && this.lib.dmPeer(channel, this.me.id);
      return id ? { id, name: id } : null;
    }

    onMessage(m) {
      const isDm = this.lib.isDm(m.channel);
      const peer = isDm && m.from.id !== this.me.id ? { id: m.from.id, name: m.from.name } : isDm ? this.peerOf(m.channel) : null;
      const c = this.conv(m.channel, isDm ? 'dm' : 'channel', peer);
      const mine = m.from.id === this.me.id;
      const known = c.msgs.has(m.seq);
      c.msgs.set(m.seq, m);
      c.last = { text: m.text, ts: m.ts, from: m.from.name };
      if (m.client_msg_id && c.pending.has(m.client_msg_id)) {
        c.pending.delete(m.client_msg_id);
        if (this.active === c.key) this.removePendingNode(m.client_msg_id);
      }
      if (this.active === c.key && this.view === 'conv') {
        const nearEnd = this.nearEnd();
        this.insertNode(m, known);
        if (mine || nearEnd) this.scrollToEnd();
        else if (!known) this.showJump();
      }
      if (known || m.replace || mine) return;
      this.clearTyping(m.channel, m.from.id);
      const visible = this.isOpen && this.active === c.key && this.view === 'conv' && document.visibilityState !== 'hidden';
      if (!visible) {
        c.unread++;
        this.updateCount();
        this.updateInboxDot();
        if (!this.isOpen && (isDm || (m.reply_to && this.mineSeq(c, m.reply_to)))) this.showPreview(c, m);
      }
      if (this.isOpen) {
        if (this.active === c.key) this.say(`${m.from.name}: ${m.text}`);
        else if (isDm) this.say(`New private message from ${m.from.name}.`);
      }
      if (isDm) this.saveDms();
      if (this.view === 'inbox') this.renderInbox();
    }

    mineSeq(c, seq) { const p = c.msgs.get(seq); return p && p.from.id === this.me.id; }

    onAck(a) {
      for (const c of this.convs.values()) {
        if (c.pending.delete(a.client_msg_id) && this.active === c.key) this.removePendingNode(a.client_msg_id);
      }
    }

    onTyping(t) {
      if (!this.me || t.user === this.me.id) return;
      if (!this.typers.has(t.channel)) this.typers.set(t.channel, new Map());
      this.typers.get(t.channel).set(t.user, { name: t.name, until: Date.now() + 5000 });
      this.renderTyping();
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.renderTyping(), 5100);
    }

    clearTyping(channel, user) {
      const m = this.typers.get(channel);
      if (m && m.delete(user)) this.renderTyping();
    }

    onPresence(p) {
      if (this.me && p.user === this.me.id) return;
      if (p.channel === this.channel) {
        if (p.state === 'online') this.online.set(p.user, p.name || p.user);
        else this.online.delete(p.user);
      }
      this.updateSub();
    }

    // -- header --
    updateSub() {
      const c = this.client;
      let text;
      if (this.view === 'inbox') text = 'Private conversations';
      else if (c && c.state !== 'open' && c.state !== 'idle') text = c.state === 'failed' ? 'Unavailable' : 'Connecting…';
      else if (this.activeConv() && this.activeConv().kind === 'dm') {
        const peer = this.activeConv().peer;
        text = peer && this.online.has(peer.id) ? 'Online now · private conversation' : 'Private conversation';
      } else {
        const names = [...this.online.values()];
        text = names.length === 0 ? (this.cfg.subtitle || 'Ask the team and the community')
          : names.length === 1 ? `${names[0]} is here`
            : names.length === 2 ? `${names[0]} and ${names[1]} are here` : `${names[0]} and ${names.length - 1} others are here`;
      }
      this.subEl.textContent = text;
      const showStack = this.view === 'conv' && this.active === this.channel;
      this.stack.replaceChildren(...(showStack ? [...this.online.entries()].slice(0, 3).map(([id, n]) => this.avatar(id, n)) : []));
    }

    activeConv() { return this.convs.get(this.active); }

    channelTitle() {
      const c = this.convs.get(this.channel);
      return this.cfg.title || (c && c.info && c.info.title) || 'Help';
    }

    avatar(id, name) { return h('div', { class: 'av', style: `--h:${hue(id)}`, 'aria-hidden': 'true', text: initials(name) }); }

    updateCount() {
      let n = 0;
      for (const c of this.convs.values()) n += c.unread;
      this.count.hidden = n === 0 || this.isOpen; // the open panel shows where they are
      this.count.textContent = n > 99 ? '99+' : String(n);
      this.launcher.setAttribute('aria-label', (this.isOpen ? 'Close chat' : 'Open chat') + (n ? `, ${n} unread` : ''));
    }

    updateInboxDot() {
      let n = 0;
      for (const c of this.convs.values()) if (c.kind === 'dm') n += c.unread;
      this.inboxDot.hidden = n === 0;
      this.inboxDot.textContent = String(n);
      this.inboxBtn.setAttribute('aria-label', 'Private messages' + (n ? `, ${n} unread` : ''));
      const ch = this.convs.get(this.channel);
      const chUnread = ch ? ch.unread : 0;
      this.backBtn.setAttribute('aria-label', `Back to ${this.channelTitle()}` + (chUnread ? `, ${chUnread} unread` : ''));
    }

    markRead(key) {
      const c = this.convs.get(key);
      if (c && c.unread) { c.unread = 0; this.updateCount(); this.updateInboxDot(); }
    }

    showPreview(c, m) {
      this.preview.dataset.channel = c.key;
      this.preview.replaceChildren(this.avatar(m.from.id, m.from.name), h('div', null, h('b', { text: m.from.name + (c.kind === 'dm' ? ' · private' : ' replied') }), h('span', { text: snippet(m.text, 90) })));
      this.preview.setAttribute('aria-label', `${m.from.name}: ${snippet(m.text, 90)}. Open chat`);
      this.preview.hidden = false;
    }

    say(text) {
      // Re-adding a node makes screen readers announce it; keep the region short.
      const p = h('p', { text: snippet(text, 300) });
      this.announcer.append(p);
      while (this.announcer.childElementCount > 3) this.announcer.firstChild.remove();
    }

    // -- views --
    renderView() { if (this.view === 'inbox') this.renderInbox(); else if (this.view === 'conv') this.renderConv(); }

    show(key) {
      this.active = key;
      this.view = 'conv';
      this.replyTo = null;
      const c = this.convs.get(key);
      if (c && !c.loaded && !c.loading && this.client) this.loadInitial(c);
      this.renderConv();
      this.markRead(key);
      this.focusDefault();
    }

    showInbox() {
      this.view = 'inbox';
      this.renderInbox();
      const first = this.body.querySelector('button');
      if (first) first.focus();
    }

    openDm(peer) {
      if (!this.me || peer.id === this.me.id) return;
      const c = this.dmWith(peer);
      this.show(c.key);
    }

    renderInbox() {
      this.backBtn.hidden = false;
      this.inboxBtn.hidden = true;
      this.titleEl.textContent = 'Messages';
      const dms = [...this.convs.values()].filter((c) => c.kind === 'dm' && (c.last || c.msgs.size || c.pending.size))
        .sort((a, b) => ((b.last && b.last.ts) || 0) - ((a.last && a.last.ts) || 0));
      const list = dms.length ? h('ul', { class: 'inbox', role: 'list', style: 'list-style:none;margin:0' }, dms.map((c) => h('li', null,
        h('button', { class: 'conv', type: 'button', onclick: () => this.show(c.key), 'aria-label': `${c.peer.name}${c.unread ? `, ${c.unread} unread` : ''}${c.last ? ': ' + snippet(c.last.text, 60) : ''}` },
          this.avatar(c.peer.id, c.peer.name),
          h('div', { class: 'txt' }, h('b', { text: c.peer.name }), h('span', { text: c.last ? snippet(c.last.text, 60) : 'No messages yet' })),
          c.unread ? h('span', { class: 'n', text: String(c.unread) }) : null))))
        : h('p', { class: 'empty', text: 'No private conversations yet. Select someone’s name in the channel to write to them privately.' });
      this.body.replaceChildren(list);
      this.updateSub();
      this.updateInboxDot();
    }

    renderConv() {
      const c = this.activeConv();
      if (!c) return;
      this.view = 'conv';
      const isDm = c.kind === 'dm';
      this.backBtn.hidden = !isDm;
      this.inboxBtn.hidden = isDm || !this.client;
      this.titleEl.textContent = isDm ? c.peer.name : this.channelTitle();
      this.olderBtn = h('button', { class: 'older', type: 'button', hidden: true, onclick: () => this.loadOlder(c) });
      this.startEl = h('p', { class: 'start', hidden: true });
      this.list = h('ol', { class: 'msgs', 'aria-label': isDm ? `Private conversation with ${c.peer.name}` : `Messages in ${this.titleEl.textContent}`, onkeydown: (e) => this.onListKey(e), onfocusin: (e) => this.onListFocus(e) });
      this.jump = h('button', { class: 'jump', type: 'button', hidden: true, text: 'New messages ↓', onclick: () => this.scrollToEnd(true) });
      this.scroller = h('div', { class: 'scroll', onscroll: () => this.onScroll() }, this.olderBtn, this.startEl, this.list, this.jump);
      this.typingEl = h('div', { class: 'typing', 'aria-hidden': 'true' });
      this.body.replaceChildren(this.scroller, this.typingEl, this.renderComposer(c), h('p', { class: 'foot', text: 'Powered by Parley' }));
      for (const seq of [...c.msgs.keys()].sort((a, b) => a - b)) this.insertNode(c.msgs.get(seq), false);
      for (const e of c.pending.values()) this.list.append(this.pendingNode(e));
      this.updatePaging();
      this.renderTyping();
      this.updateSub();
      this.updateInboxDot();
      this.scrollToEnd();
    }

    renderComposer(c) {
      const isDm = c.kind === 'dm';
      const ta = h('textarea', { rows: '1', 'aria-label': isDm ? `Message ${c.peer.name} privately` : `Message ${this.titleEl.textContent}`, placeholder: isDm ? `Write to ${c.peer.name}…` : 'Write a message…', maxlength: '4000' });
      const send = h('button', { class: 'sendb', type: 'submit', 'aria-label': 'Send', title: 'Send (Enter)', html: ICON.send, disabled: true });
      this.replyEl = h('div', { class: 'replying', hidden: true });
      const grow = () => { ta.style.height = 'auto'; ta.style.height = Math.min(ta.scrollHeight, 120) + 'px'; send.disabled = !ta.value.trim(); };
      ta.addEventListener('input', () => { grow(); if (ta.value.trim() && this.client) this.client.typing(c.key); });
      ta.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
        if (e.key === 'Escape' && this.replyTo) { e.stopPropagation(); this.setReply(null); }
      });
      const form = h('form', { class: 'compose', onsubmit: (e) => {
        e.preventDefault();
        const text = ta.value;
        if (!text.trim() || !this.client) return;
        this.sendText(c, text);
        ta.value = '';
        grow();
        ta.focus();
      } }, this.replyEl, h('div', { class: 'row' }, ta, send));
      this.textarea = ta;
      return form;
    }

    sendText(c, text) {
      let e;
      if (c.kind === 'dm') {
        e = this.client.sendDm(c.peer.id, text);
        e.toName = c.peer.name;
      } else {
        e = this.client.send(c.key, text, this.replyTo ? { reply_to: this.replyTo.seq } : null);
      }
      this.setReply(null);
      c.pending.set(e.client_msg_id, e);
      if (this.active === c.key) { this.list.append(this.pendingNode(e)); this.scrollToEnd(true); }
    }

    setReply(m) {
      this.replyTo = m;
      if (!this.replyEl) return;
      this.replyEl.hidden = !m;
      this.replyEl.replaceChildren(...(m ? [h('span', { html: ICON.reply, 'aria-hidden': 'true', style: 'flex:none' }),
        h('span', null, 'Replying to ', h('b', { text: m.from.name }), ': ' + snippet(m.text, 60)),
        h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Cancel reply', html: ICON.close, onclick: () => { this.setReply(null); this.textarea.focus(); } })] : []));
      if (m) this.textarea.focus();
    }

    // -- message nodes --
    messageNode(m) {
      const mine = this.me && m.from.id === this.me.id;
      const role = m.from.role;
      const c = this.convs.get(m.channel);
      const badges = [];
      if (role === 'staff' || role === 'admin') badges.push(h('span', { class: 'badge staff', text: role === 'admin' ? 'Admin' : 'Staff' }));
      if (role === 'bot') badges.push(h('span', { class: 'badge bot', text: 'Bot' }));
      if (m.from.advocate) badges.push(h('span', { class: 'badge advocate', title: 'Community advocate: recognised for helping others', html: ICON.star }, 'Advocate'));
      const name = mine ? h('span', { class: 'name', text: 'You' })
        : c && c.kind === 'dm' ? h('span', { class: 'name', text: m.from.name })
          : h('button', { class: 'name', type: 'button', tabindex: '-1', title: `Message ${m.from.name} privately`, 'aria-label': `${m.from.name}, message privately`, text: m.from.name, onclick: () => this.openDm({ id: m.from.id, name: m.from.name }) });
      const d = new Date(m.ts);
      const meta = h('div', { class: 'meta' }, name, badges, h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: when(m.ts) }));
      const acts = [];
      if (c && c.kind !== 'dm') acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', 'aria-label': `Reply to ${m.from.name}`, html: ICON.reply, onclick: () => this.setReply(m) }, 'Reply'));
      // Helpful / solved / report buttons go here once the server supports them (issue 7).
      const li = h('li', { class: 'msg' + (mine ? ' mine' : ''), tabindex: '-1', 'data-seq': String(m.seq), 'data-from': m.from.id, 'data-ts': String(m.ts), 'data-reply': m.reply_to ? '1' : null },
        this.avatar(m.from.id, m.from.name),
        h('div', { class: 'content' }, meta, m.reply_to ? this.quoteNode(c, m.reply_to) : null,
          h('div', { class: 'bubble', dir: 'auto' }, linkify(m.text)),
          acts.length ? h('div', { class: 'acts' }, acts) : null));
      return li;
    }

    quoteNode(c, seq) {
      const q = h('button', { class: 'quote', type: 'button', tabindex: '-1', onclick: () => this.jumpTo(seq) });
      const fill = (p) => {
        q.replaceChildren(h('b', { text: p.from.name }), ' ' + snippet(p.text, 70));
        q.setAttribute('aria-label', `In reply to ${p.from.name}: ${snippet(p.text, 70)}`);
      };
      const p = c && (c.msgs.get(seq) || c.parents.get(seq));
      if (p) fill(p);
      else {
        q.textContent = 'In reply to an earlier message';
        if (c && this.client) {
          this.client.history(c.key, { before: seq + 1, limit: 1 }).then((page) => {
            const got = page.all.find((x) => x.seq === seq);
            if (got) { c.parents.set(seq, got); fill(got); }
          }, () => {});
        }
      }
      return q;
    }

    jumpTo(seq) {
      const el = this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
      if (!el) return;
      el.scrollIntoView({ block: 'center', behavior: 'smooth' });
      this.setActiveItem(el);
      el.focus({ preventScroll: true });
      el.classList.add('flash');
      setTimeout(() => el.classList.remove('flash'), 1200);
    }

    pendingNode(e) {
      const m = { channel: e.channel, seq: 0, ts: e.created, from: this.me || { id: '', name: 'You' }, text: e.text, reply_to: e.reply_to };
      const li = this.messageNode(m);
      li.classList.add('mine', 'pending');
      li.dataset.cmid = e.client_msg_id;
      delete li.dataset.seq;
      const acts = li.querySelector('.acts');
      if (acts) acts.remove();
      li.querySelector('.content').append(h('div', { class: 'state' }));
      this.renderPendingState(e, li);
      return li;
    }

    renderPendingState(e, node) {
      const li = node || (this.list && this.list.querySelector(`li[data-cmid="${CSS_escape(e.client_msg_id)}"]`));
      if (!li) return;
      const st = li.querySelector('.state');
      li.classList.toggle('failed', e.state === 'failed');
      if (e.state === 'failed') {
        st.replaceChildren(`Not sent: ${(e.error && e.error.message) || 'refused'}. `,
          h('button', { type: 'button', text: 'Retry', onclick: () => { this.client.retry(e.client_msg_id); this.renderPendingState(e); } }),
          h('button', { type: 'button', text: 'Discard', onclick: () => this.discard(e) }));
      } else {
        st.replaceChildren(h('span', { html: ICON.clock, 'aria-hidden': 'true' }),
          this.client && this.client.state === 'open' ? 'Sending…' : 'Waiting for connection…');
      }
    }

    discard(e) {
      this.client.discard(e.client_msg_id);
      for (const c of this.convs.values()) c.pending.delete(e.client_msg_id);
      this.removePendingNode(e.client_msg_id);
      if (this.textarea) this.textarea.focus();
    }

    removePendingNode(cmid) {
      const li = this.list && this.list.querySelector(`li[data-cmid="${CSS_escape(cmid)}"]`);
      if (li) { if (li === document.activeElement || li.contains(this.shadow.activeElement)) this.textarea.focus(); li.remove(); }
    }

    /** Inserts (or replaces) the node for a confirmed message, in seq order, before pending ones. */
    insertNode(m, replace) {
      if (!this.list) return;
      const node = this.messageNode(m);
      const old = this.list.querySelector(`li[data-seq="${m.seq}"]`);
      if (old) { old.replaceWith(node); if (old.tabIndex === 0) this.setActiveItem(node); }
      else {
        let before = null;
        for (let el = this.list.lastElementChild; el; el = el.previousElementSibling) {
          if (el.dataset.cmid) { before = el; continue; }
          if (Number(el.dataset.seq) > m.seq) { before = el; continue; }
          break;
        }
        this.list.insertBefore(node, before);
      }
      this.regroup(node);
      if (node.nextElementSibling) this.regroup(node.nextElementSibling);
      if (!this.list.querySelector('li[tabindex="0"]')) this.setActiveItem(node);
      else if (!this.list.contains(this.shadow.activeElement) && !node.nextElementSibling) this.setActiveItem(node);
    }

    regroup(li) {
      const prev = li.previousElementSibling;
      const same = prev && !li.dataset.reply && prev.dataset.from === li.dataset.from && Math.abs(Number(li.dataset.ts) - Number(prev.dataset.ts)) < GROUP_MS;
      li.classList.toggle('grouped', !!same);
    }

    // Roving focus: the message list is one tab stop; arrows move between messages, and the
    // buttons of the current message come next in the tab order.
    setActiveItem(li) {
      for (const el of this.list.querySelectorAll('li[tabindex="0"]')) {
        el.tabIndex = -1;
        for (const b of el.querySelectorAll('button')) b.tabIndex = -1;
      }
      li.tabIndex = 0;
      for (const b of li.querySelectorAll('button')) b.tabIndex = 0;
    }

    onListFocus(e) {
      const li = e.target.closest && e.target.closest('li.msg');
      if (li && li.tabIndex !== 0) this.setActiveItem(li);
    }

    onListKey(e) {
      const cur = e.target.closest && e.target.closest('li.msg');
      if (!cur || e.target !== cur) return;
      const items = [...this.list.children];
      let i = items.indexOf(cur);
      if (e.key === 'ArrowUp') i--;
      else if (e.key === 'ArrowDown') i++;
      else if (e.key === 'Home') i = 0;
      else if (e.key === 'End') i = items.length - 1;
      else if (e.key === 'r' && !e.ctrlKey && !e.metaKey && this.activeConv().kind !== 'dm' && cur.dataset.seq) {
        const m = this.activeConv().msgs.get(Number(cur.dataset.seq));
        if (m) { e.preventDefault(); this.setReply(m); }
        return;
      } else return;
      e.preventDefault();
      if (i < 0) { this.loadOlder(this.activeConv()); return; }
      const next = items[Math.min(i, items.length - 1)];
      this.setActiveItem(next);
      next.focus();
    }

    // -- paging and scrolling --
    async loadInitial(c) {
      c.loading = true;
      if (this.active === c.key) this.updatePaging();
      let done = true;
      try {
        const opts = { limit: PAGE };
        if (c.info) opts.before = c.info.last_seq + 1;
        if (c.info && !c.info.last_seq) c.hasMore = false;
        else this.addPage(c, await this.client.history(c.key, opts), false);
      } catch (e) {
        if (e.code === 'not_found') c.hasMore = false; // a DM nobody has written in yet
        else done = false; // e.g. disconnected: tried again on the next join or open
      }
      c.loading = false;
      c.loaded = c.loaded || done;
      if (this.active === c.key) this.updatePaging();
    }

    async loadOlder(c) {
      if (!c || c.loading || !c.hasMore || !this.client || c.oldest == null) return;
      c.loading = true;
      this.updatePaging();
      try {
        const page = await this.client.history(c.key, { before: c.oldest, limit: PAGE });
        this.addPage(c, page, true);
      } catch (e) { /* the button stays; try again later */ }
      c.loading = false;
      if (this.active === c.key) this.updatePaging();
    }

    addPage(c, page, older) {
      c.hasMore = page.has_more;
      if (page.oldest != null && (c.oldest == null || page.oldest < c.oldest)) c.oldest = page.oldest;
      const fresh = page.all.filter((m) => !c.msgs.has(m.seq));
      for (const m of fresh) c.msgs.set(m.seq, m);
      const last = page.all[page.all.length - 1];
      if (last && (!c.last || last.ts >= c.last.ts)) c.last = { text: last.text, ts: last.ts, from: last.from.name };
      if (this.active !== c.key || this.view !== 'conv') return;
      const sc = this.scroller, h0 = sc.scrollHeight, top0 = sc.scrollTop;
      for (const m of fresh) this.insertNode(m, false);
      if (older) sc.scrollTop = sc.scrollHeight - h0 + top0; // keep the reader where they were
      else this.scrollToEnd();
    }

    updatePaging() {
      const c = this.activeConv();
      if (!c || !this.olderBtn) return;
      const more = c.hasMore && c.oldest != null;
      this.olderBtn.hidden = !(more || c.loading);
      this.olderBtn.textContent = c.loading ? 'Loading…' : 'Load earlier messages';
      this.olderBtn.disabled = c.loading;
      this.list.setAttribute('aria-busy', c.loading ? 'true' : 'false');
      const atStart = c.loaded && !c.hasMore && !c.loading;
      this.startEl.hidden = !atStart;
      if (atStart) {
        this.startEl.replaceChildren(...(c.kind === 'dm'
          ? [h('b', { text: c.peer.name }), 'This is the beginning of your private conversation.']
          : [h('b', { text: 'Welcome to ' + this.channelTitle() }), 'This is the very beginning of the conversation.']));
      }
    }

    onScroll() {
      const c = this.activeConv();
      if (this.scroller.scrollTop < 60) this.loadOlder(c);
      if (this.nearEnd()) this.jump.hidden = true;
    }

    nearEnd() { const s = this.scroller; return !s || s.scrollHeight - s.scrollTop - s.clientHeight < 80; }
    showJump() { if (this.jump) this.jump.hidden = false; }
    scrollToEnd(force) {
      if (!this.scroller) return;
      const s = this.scroller;
      requestAnimationFrame(() => { s.scrollTop = s.scrollHeight; });
      s.scrollTop = s.scrollHeight;
      if (force && this.jump) this.jump.hidden = true;
    }

    renderTyping() {
      if (!this.typingEl) return;
      const m = this.typers.get(this.active);
      const now = Date.now();
      const names = m ? [...m.entries()].filter(([, v]) => v.until > now).map(([, v]) => v.name) : [];
      const text = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing`
        : names.length === 2 ? `${names[0]} and ${names[1]} are typing` : 'Several people are typing';
      this.typingEl.replaceChildren(...(text ? [h('span', { class: 'dots' }, h('i'), h('i'), h('i')), text] : []));
    }
  }

  function CSS_escape(s) { return window.CSS && window.CSS.escape ? window.CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&'); }

  // ---- public API -------------------------------------------------------------------------
  let widget = null, initCalled = false;
  function init(opts) {
    initCalled = true;
    const o = opts || {};
    const cfg = {
      channel: o.channel || DATA.channel || 'help',
      token: o.token || (o.getToken ? null : DATA.token) || null,
      getToken: o.getToken || null,
      title: o.title || DATA.title || '',
      subtitle: o.subtitle || DATA.subtitle || '',
      greeting: o.greeting || DATA.greeting || '',
      color: o.color || DATA.color || '',
      open: o.open != null ? !!o.open : DATA.open === 'true',
    };
    const go = () => {
      if (widget) widget.destroy();
      widget = new Widget(cfg);
      return widget.start().catch((e) => console.warn('[parley]', e.message)); // eslint-disable-line no-console
    };
    return document.body ? go() : new Promise((r) => document.addEventListener('DOMContentLoaded', () => r(go()), { once: true }));
  }

  window.Parley = {
    version: '0.1.0',
    init,
    open: () => widget && widget.open(),
    close: () => widget && widget.close(),
    destroy: () => { if (widget) widget.destroy(); widget = null; },
  };

  if (DATA.manual !== 'true') {
    const auto = () => { if (!initCalled) init({}); };
    // Let an inline Parley.init({...}) right after the tag win over the data attributes.
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', auto, { once: true });
    else setTimeout(auto, 0);
  }
})();
