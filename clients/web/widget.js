/* Parley chat widget. Embed with one tag:
 *   <script src="https://chat.example.com/widget.js" data-channel="help"></script>
 * Attributes: data-channel (default "help"), data-token (a JWT minted by the host's backend;
 * without it visitors join as guests), data-title, data-subtitle, data-color, data-open="true",
 * data-manual="true" (wait for Parley.init). API: Parley.init({token, getToken, channel, title,
 * subtitle, color, open}), Parley.open(), Parley.close(), Parley.destroy().
 * The protocol logic lives in parley-client.js (loaded from the same server); this file is the
 * UI, rendered in a shadow root so the host page's styles and ours never mix.
 * Deep links (the links in notification emails): a page opened at #parley=<channel> or
 * #parley=<channel>/<seq> (channel encodeURIComponent-encoded: the widget's channel or one of the
 * user's DMs) opens the widget there and highlights message <seq>; see followDeepLink().
 */
(function () {
  'use strict';
  if (window.Parley && window.Parley.version) return; // loaded twice

  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const ORIGIN = new URL(script && script.src ? script.src : location.href).origin;
  const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
  const DATA = (script && script.dataset) || {};
  const PAGE = 30; // messages per history page
  const LINK_PAGES = 5; // older pages a deep link may load to find its message
  const GROUP_MS = 5 * 60 * 1000;
  const CMD_TTL_MS = 30 * 1000; // the slash-command list is asked for again when older
  const EPH_MAX = 50; // ephemeral lines (command replies) kept per conversation, in memory only
  const ACTIONS_MAX = 200; // buttons clicked on bot messages, remembered per user (newest kept)

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
  /** A search snippet as DOM nodes: text and <mark> elements only, whatever else it holds
   *  (the server escapes it; this keeps the widget safe even if it did not). */
  function markedText(html) {
    const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
    const out = [];
    for (const n of doc.body.childNodes) {
      if (n.nodeType === 3) out.push(document.createTextNode(n.textContent));
      else if (n.nodeName === 'MARK') out.push(h('mark', { text: n.textContent }));
      else out.push(document.createTextNode(n.textContent || ''));
    }
    return out;
  }
  // `extra` comes first: with a duplicate attribute the first one counts (e.g. width="26").
  const svg = (d, extra) => `<svg${extra || ''} viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${d}</svg>`;
  const ICON = {
    chat: svg('<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>', ' width="26" height="26"'),
    down: svg('<path d="m6 9 6 6 6-6"/>', ' width="26" height="26"'),
    close: svg('<path d="M18 6 6 18M6 6l12 12"/>'),
    back: svg('<path d="m15 18-6-6 6-6"/>'),
    inbox: svg('<path d="M4 5h16v11H8l-4 4z"/><path d="M8 10h8"/>'),
    search: svg('<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>'),
    send: svg('<path d="M5 12h13M12 5l7 7-7 7"/>'),
    reply: svg('<path d="M9 14 4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v4"/>', ' width="15" height="15"'),
    star: svg('<path d="m12 3 2.8 5.7 6.2.9-4.5 4.4 1 6.2L12 17.3 6.5 20.2l1-6.2L3 9.6l6.2-.9z"/>', ' width="11" height="11" fill="currentColor" stroke="none"'),
    clock: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>', ' width="12" height="12"'),
    smile: svg('<circle cx="12" cy="12" r="9"/><path d="M8.5 14a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01"/>', ' width="16" height="16"'),
    more: svg('<circle cx="5" cy="12" r="1.2"/><circle cx="12" cy="12" r="1.2"/><circle cx="19" cy="12" r="1.2"/>', ' width="16" height="16"'),
    thumb: svg('<path d="M7 11v9H4v-9zM7 11l4-8a2.5 2.5 0 0 1 2.5 2.5V9h5.2a2 2 0 0 1 2 2.3l-1.2 7A2 2 0 0 1 17.5 20H7"/>', ' width="14" height="14"'),
    check: svg('<path d="m5 12.5 4.5 4.5L19 7.5"/>', ' width="14" height="14" stroke-width="2.6"'),
    edit: svg('<path d="M4 20h4L19 9l-4-4L4 16z"/><path d="m13.5 6.5 4 4"/>', ' width="16" height="16"'),
    trash: svg('<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>', ' width="16" height="16"'),
    flag: svg('<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>', ' width="16" height="16"'),
    lock: svg('<rect x="5" y="11" width="14" height="9" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>', ' width="16" height="16"'),
    archive: svg('<rect x="3" y="4" width="18" height="4" rx="1"/><path d="M5 8v11h14V8M10 12h4"/>', ' width="16" height="16"'),
    pause: svg('<circle cx="12" cy="12" r="9"/><path d="M10 9v6M14 9v6"/>', ' width="16" height="16"'),
    hourglass: svg('<path d="M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9"/>', ' width="16" height="16"'),
    leave: svg('<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>', ' width="30" height="30"'),
    bell: svg('<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>'),
    eye: svg('<path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12z"/><circle cx="12" cy="12" r="3"/>', ' width="12" height="12"'),
    alert: svg('<circle cx="12" cy="12" r="9"/><path d="M12 7.5v5.5M12 16.5h.01"/>', ' width="14" height="14"'),
    ban: svg('<circle cx="12" cy="12" r="9"/><path d="m5.6 5.6 12.8 12.8"/>', ' width="30" height="30"'),
  };
  const REACTIONS = [['👍', 'thumbs up'], ['❤️', 'heart'], ['🙏', 'thank you'], ['🎉', 'celebrate'], ['😂', 'laughing']];
  const EMAIL_CHOICES = [['off', 'Off'], ['batched', 'Every few minutes'], ['digest', 'Daily digest']];
  const REPORT_REASONS = ['Spam or advertising', 'Rude, abusive or harassing', 'Off-topic', 'Something else'];
  const cap = (t) => String(t || '').replace(/^./, (ch) => ch.toUpperCase()).replace(/([^.!?])$/, '$1.');
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
    mine: (sub) => `parley:mine:${ORIGIN}:${sub}`, // own reactions and helpful marks: the server tells counts only
    actions: (sub) => `parley:actions:${ORIGIN}:${sub}`, // the button we clicked on each bot message
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
.msg.parley-linked{background:#fff6dd;box-shadow:0 0 0 2px #f0c36d}
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
.msg.mentioned .bubble{background:#fff6dd;box-shadow:inset 3px 0 0 #d08a00}
.msg.mine.grouped .bubble{border-radius:16px}
.msg.pending .bubble{opacity:.65}
.msg.failed .bubble{background:#fdecec;color:#a1262b;opacity:1}
.state{font-size:11.5px;color:var(--muted);display:flex;gap:6px;align-items:center;margin-top:2px}
.state button{color:var(--brand);font-weight:600;text-decoration:underline}
.msg.failed .state{color:#a1262b}
.msg.mine .state{justify-content:flex-end;text-align:right;flex-wrap:wrap}
.quote{display:block;text-align:left;font-size:12.5px;color:var(--muted);border-left:3px solid color-mix(in srgb,var(--brand) 45%,#fff);padding:1px 8px;margin:2px 0 4px;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.quote b{color:var(--ink);font-weight:600}
.acts{position:absolute;top:-12px;right:6px;display:flex;gap:1px;padding:2px;background:#fff;border:1px solid var(--line);border-radius:10px;box-shadow:0 2px 8px rgba(16,24,40,.1);opacity:0;pointer-events:none;z-index:2;transition:opacity .12s}
.msg.mine .acts{right:auto;left:6px}
.msg:hover .acts,.msg:focus-within .acts,.msg:focus .acts,.msg.menu-open .acts{opacity:1;pointer-events:auto}
.acts .act{width:28px;height:26px;justify-content:center;padding:0}
.act{font-size:12px;color:var(--muted);display:inline-flex;gap:4px;align-items:center;padding:2px 6px;border-radius:7px}
.act:hover{background:var(--soft);color:var(--ink)}
@media (hover:none){.acts{position:static;opacity:1;pointer-events:auto;border:0;box-shadow:none;background:none;padding:0;margin-top:2px}.msg.mine .acts{align-self:flex-end}}
.edited{font-size:11px;color:var(--muted)}
.bubble.tomb{background:none;border:1px dashed #d0d5dd;color:var(--muted);font-style:italic;font-size:13px}
.msg.mine .bubble.tomb{background:none;color:var(--muted)}
.rx{display:flex;flex-wrap:wrap;gap:4px;margin-top:4px}
.rx .act{border:1px solid var(--line);background:#fff;border-radius:999px;padding:1px 8px 1px 6px;font-size:12.5px;color:var(--ink);height:24px}
.rx .act[aria-pressed="true"]{border-color:color-mix(in srgb,var(--brand) 55%,#fff);background:color-mix(in srgb,var(--brand) 9%,#fff);color:color-mix(in srgb,var(--brand) 80%,#000);font-weight:600}
.rx .act .e{font-size:14px;line-height:1}
.answer{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:5px}
.mark{display:inline-flex;align-items:center;gap:5px;font-size:12.5px;font-weight:600;border:1px solid #d0d5dd;border-radius:999px;padding:3px 10px;background:#fff;color:var(--ink)}
.mark:hover{border-color:var(--brand);color:var(--brand)}
.mark.accept{border-color:#9bd3b3;color:#146c43}
.mark.accept:hover{background:#ecf8f1;border-color:#146c43;color:#146c43}
.pill{display:inline-flex;align-items:center;gap:4px;font-size:12px;font-weight:600;border-radius:999px;padding:2px 9px}
.pill.helpful{background:#eef4ff;color:#3046a8}
.tag-accepted{display:inline-flex;align-items:center;gap:4px;font-size:11.5px;font-weight:700;color:#146c43;margin:0 0 3px}
.msg.accepted .bubble{background:#ecf8f1;color:var(--ink);box-shadow:inset 0 0 0 1.5px #5cb88a}
.msg.mine.accepted .bubble{background:var(--brand);color:#fff;box-shadow:0 0 0 2px #fff,0 0 0 3.5px #5cb88a}
.solution{display:flex;gap:8px;align-items:flex-start;text-align:left;margin-top:6px;padding:7px 10px;border-radius:12px;background:#ecf8f1;border:1px solid #bfe5cf;color:#0f5132;font-size:12.5px;max-width:100%}
.solution:hover{border-color:#5cb88a}
.solution .ck{flex:none;width:18px;height:18px;border-radius:50%;background:#1f8a55;color:#fff;display:grid;place-items:center;margin-top:1px}
.solution span{min-width:0;overflow:hidden;text-overflow:ellipsis;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.editbox{width:100%;display:flex;flex-direction:column;gap:6px;background:#fff;border:1.5px solid var(--brand);border-radius:14px;padding:8px 10px}
.editbox textarea{flex:none;width:100%;padding:2px 0;min-height:24px;max-height:160px}
.msg.editing .acts{display:none}
.msg.editing .content{align-items:stretch}
.editbox .bar{display:flex;align-items:center;gap:8px;font-size:11.5px;color:var(--muted)}
.editbox .bar span{flex:1}
.btn{font-size:12.5px;font-weight:600;padding:5px 11px;border-radius:8px;border:1px solid #d0d5dd;background:#fff}
.btn:hover{background:var(--soft)}
.btn.primary,.btn.danger{border-color:transparent;color:#fff;padding:5px 12px}
.btn.primary{background:var(--brand)}
.btn.danger{background:#d92d20}
.btn:disabled{opacity:.6;cursor:default}
.ferr{color:#a1262b;font-size:12px;margin:0}
.pstat{color:var(--muted);font-size:12px;margin:0;min-height:1.45em}
.pstat.bad{color:#a1262b}
.pop{position:absolute;z-index:20;background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(16,24,40,.2),0 0 0 1px rgba(16,24,40,.06);padding:4px;animation:pop .12s ease}
.pop.picker{display:flex;gap:2px}
.pop.picker button{width:38px;height:38px;border-radius:9px;font-size:21px;display:grid;place-items:center;transition:transform .1s}
.pop.picker button:hover,.pop.picker button:focus-visible{background:var(--soft);transform:scale(1.12)}
.pop.menu{min-width:170px;display:flex;flex-direction:column}
.pop.menu button{display:flex;gap:10px;align-items:center;padding:8px 10px;border-radius:8px;font-size:13.5px;text-align:left}
.pop.menu button:hover,.pop.menu button:focus-visible{background:var(--soft)}
.pop.menu button.bad{color:#b42318}
.scrim{position:absolute;inset:0;background:rgba(16,24,40,.36);z-index:30;display:flex;align-items:flex-end;animation:fade .15s ease}
@keyframes fade{from{opacity:0}to{opacity:1}}
.sheet{background:#fff;width:100%;border-radius:18px 18px 0 0;padding:18px 18px 16px;display:flex;flex-direction:column;gap:12px;box-shadow:0 -8px 30px rgba(16,24,40,.15);animation:up .18s ease;max-height:85%;overflow:auto}
@keyframes up{from{transform:translateY(24px)}to{transform:none}}
.sheet h3{margin:0;font-size:16px}
.sheet p{margin:0;color:var(--muted);font-size:13px}
.sheet .q{border-left:3px solid var(--line);padding:2px 10px;color:var(--ink);font-size:13px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:66px;overflow:hidden}
.sheet fieldset{border:0;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.sheet legend{font-weight:600;font-size:13px;margin-bottom:4px;padding:0}
.opt{display:flex;gap:10px;align-items:center;border:1px solid var(--line);border-radius:10px;padding:8px 10px;font-weight:500;cursor:pointer}
.opt:has(input:checked){border-color:var(--brand);background:color-mix(in srgb,var(--brand) 6%,#fff)}
.opt input{width:auto;margin:0;accent-color:var(--brand)}
.sheet textarea{display:block;width:100%;margin-top:10px;border:1px solid #d0d5dd;border-radius:10px;padding:8px 10px;min-height:60px;max-height:120px}
.sheet textarea:focus{border-color:var(--brand);outline:2px solid color-mix(in srgb,var(--brand) 25%,#fff)}
.sheet .btns{display:flex;justify-content:flex-end;gap:8px}
.sheet .btns .btn{padding:8px 14px;font-size:13.5px}
.toast{position:absolute;left:14px;right:14px;bottom:96px;z-index:25;background:var(--ink);color:#fff;border-radius:12px;padding:10px 12px;font-size:13px;display:flex;gap:10px;align-items:center;box-shadow:0 8px 24px rgba(16,24,40,.25);animation:up .2s ease}
.toast.bad{background:#b42318}
.toast.celebrate{background:linear-gradient(135deg,#fff7e0,#ffe9b3);color:#5c3d00;border:1px solid #f5d37a;align-items:flex-start;padding:12px 12px 12px 14px}
.toast.celebrate .medal{flex:none;width:34px;height:34px;border-radius:50%;background:linear-gradient(135deg,#f7b928,#e08a00);color:#fff;display:grid;place-items:center;box-shadow:0 2px 6px rgba(224,138,0,.4)}
.toast.celebrate b{display:block;font-size:14px}
.toast .grow{flex:1;min-width:0}
.toast .ibtn{width:26px;height:26px;color:inherit;opacity:.7}
.notice{display:flex;gap:9px;align-items:flex-start;font-size:12.5px;line-height:1.4;border-radius:10px;padding:8px 10px;margin-bottom:6px;background:var(--soft);color:var(--ink)}
.notice svg{flex:none;margin-top:1px}
.notice.warn{background:#fff4e5;color:#7a4100}
.notice.bad{background:#fdecec;color:#8f1f24}
.notice.ok{background:#e6f6ed;color:#0f5132}
.notice .tick{font-variant-numeric:tabular-nums;font-weight:700;white-space:nowrap}
.notice.flash{animation:nudge .35s ease}
@keyframes nudge{0%,100%{transform:none}25%{transform:translateX(-4px)}75%{transform:translateX(4px)}}
.hint{font-size:11.5px;color:var(--muted);display:flex;gap:5px;align-items:center;margin:-2px 0 4px}
textarea:disabled{cursor:not-allowed}
form.compose.closed .row{opacity:.55}
.gone{flex:1;display:flex;flex-direction:column;align-items:center;justify-content:center;text-align:center;gap:10px;padding:30px 30px 40px}
.gone .ico{width:64px;height:64px;border-radius:50%;display:grid;place-items:center;background:var(--soft);color:var(--muted);margin-bottom:4px}
.gone.final .ico{background:#fdecec;color:#b42318}
.gone h3{margin:0;font-size:18px;letter-spacing:-.01em}
.gone p{margin:0;color:var(--muted);max-width:290px}
.gone .primary{margin-top:8px}
.typing{flex:none;height:22px;padding:0 18px;font-size:12px;color:var(--muted);display:flex;align-items:center;gap:6px}
.dots{display:inline-flex;gap:3px}.dots i{width:5px;height:5px;border-radius:50%;background:currentColor;animation:blink 1.2s infinite}
.dots i:nth-child(2){animation-delay:.2s}.dots i:nth-child(3){animation-delay:.4s}
@keyframes blink{0%,80%,100%{opacity:.25}40%{opacity:1}}
.jump{position:sticky;bottom:6px;left:50%;transform:translateX(-50%);display:block;margin:0 auto;background:var(--ink);color:#fff;font-size:12.5px;padding:5px 12px;border-radius:999px;box-shadow:0 4px 12px rgba(0,0,0,.18)}
form.compose{flex:none;border-top:1px solid var(--line);padding:8px 10px 6px 14px;background:#fff;position:relative}
.cmdmenu{position:absolute;left:8px;right:8px;bottom:calc(100% + 6px);z-index:15;background:#fff;border-radius:12px;box-shadow:0 10px 30px rgba(16,24,40,.2),0 0 0 1px rgba(16,24,40,.06);padding:4px;max-height:min(264px,50vh);overflow-y:auto;animation:pop .12s ease}
.cmdhead{margin:4px 8px 4px;font-size:11px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:var(--muted)}
.cmdmenu ul{list-style:none;margin:0;padding:0}
.cmd{display:grid;grid-template-columns:minmax(0,1fr) auto;gap:1px 10px;padding:7px 10px;border-radius:8px;cursor:pointer}
.cmd:hover{background:var(--soft)}
.cmd[aria-selected="true"]{background:color-mix(in srgb,var(--brand) 11%,#fff);box-shadow:inset 3px 0 0 var(--brand)}
.cmd .cn{font:600 13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cmd .cu{color:var(--muted);font-weight:400}
.cmd .cd{grid-column:1;color:var(--muted);font-size:12.5px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cmd .cb{grid-column:2;grid-row:1/span 2;align-self:center;display:flex;flex-direction:column;align-items:flex-end;gap:2px;font-size:11.5px;color:var(--muted)}
.cmd.off .cn,.cmd.off .cd{opacity:.55}
.cmd .offtag{font-size:10px;font-weight:700;letter-spacing:.03em;text-transform:uppercase;background:#eaecf0;color:#475467;border-radius:999px;padding:0 6px}
.msg.eph .bubble{background:#fff;border:1px dashed #c4cad4;border-radius:4px 16px 16px 16px}
.only{display:inline-flex;align-items:center;gap:3px;font-size:11px;font-style:italic;color:var(--muted)}
.ephline{display:flex;align-items:center;gap:6px;font-size:12px;color:var(--muted);max-width:100%}
.ephline code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);color:var(--ink);border-radius:5px;padding:1px 5px;overflow-wrap:anywhere}
.msg.eph.ran,.msg.eph.err{justify-content:flex-end;padding:2px 4px}
.msg.eph.err .ephline{color:#a1262b}
.msg.eph .act.dismiss{margin-top:2px;font-size:11.5px}
.botacts{display:flex;flex-direction:column;align-items:flex-start;gap:4px;margin-top:6px;max-width:100%}
.btnrow{display:flex;flex-wrap:wrap;gap:6px}
.choice{display:inline-flex;align-items:center;gap:5px;font-size:12.5px;font-weight:600;line-height:1.3;border:1px solid color-mix(in srgb,var(--brand) 50%,#fff);border-radius:999px;padding:4px 12px;background:#fff;color:color-mix(in srgb,var(--brand) 85%,#000);max-width:100%;overflow-wrap:anywhere;text-align:left}
.choice:hover{background:color-mix(in srgb,var(--brand) 8%,#fff);border-color:var(--brand)}
.choice:focus-visible{outline:2px solid var(--brand);outline-offset:2px;box-shadow:0 0 0 4px color-mix(in srgb,var(--brand) 18%,#fff)}
.choice[aria-disabled="true"]{cursor:default;background:var(--soft);border-color:#d0d5dd;color:#8a93a3}
.choice[aria-disabled="true"]:hover{background:var(--soft);border-color:#d0d5dd}
.choice[aria-busy="true"]{color:color-mix(in srgb,var(--brand) 85%,#000);border-style:dashed}
.choice[aria-pressed="true"],.choice[aria-pressed="true"]:hover{background:#ecf8f1;border-color:#5cb88a;color:#146c43}
.choice .spin{width:11px;height:11px}
.btnnote{display:flex;gap:5px;align-items:center;margin:0;font-size:12px;line-height:1.35}
.btnnote svg{flex:none}
.btnnote.warn{color:#8a5a00}
.btnnote.bad{color:#a1262b}
.wsearchview{padding:12px}
.wsearch{display:flex;gap:6px;margin-bottom:10px}
.wsearch input{flex:1;min-width:0;font:inherit;border:1px solid #d0d5dd;border-radius:10px;padding:8px 10px}
.wsearch .primary{padding:8px 12px}
.wresults .hit{display:block;width:100%;text-align:left;font:inherit;background:none;border:0;border-top:1px solid var(--soft);padding:8px 2px;cursor:pointer;color:var(--ink)}
.wresults li:first-child .hit{border-top:0}
.wresults .hit:hover{background:var(--soft)}
.wresults .who{display:block;font-size:11.5px;color:var(--muted)}
.wresults .snip{display:block;font-size:13px;line-height:1.4}
.wresults mark{background:#fde68a;color:inherit;border-radius:2px}
.suggest{border:1px solid var(--line,#e4e7ec);border-radius:12px;padding:8px 10px;margin-bottom:6px;background:#fff;font-size:12.5px}
.suggest h4{margin:0 0 4px;font-size:12px;font-weight:650;color:var(--muted)}
.suggest ul{list-style:none;margin:0;padding:0}
.suggest li{padding:6px 0;border-top:1px solid var(--soft)}
.suggest li:first-child{border-top:0}
.suggest .snip{display:block;color:var(--ink);line-height:1.4;overflow:hidden;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical}
.suggest mark{background:#fde68a;color:inherit;border-radius:2px}
.suggest .sgacts{display:flex;gap:10px;align-items:center;margin-top:4px}
.suggest a{color:var(--brand);font-weight:600}
.suggest button{font:inherit;font-size:12px;font-weight:650;border:1px solid var(--brand);color:var(--brand);background:#fff;border-radius:999px;padding:2px 10px;cursor:pointer}
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
      this.cmds = { list: null, at: 0, loading: null, failedAt: 0 }; // slash commands, per page
      this.cmdMenu = null; // {items, index} while the command menu is open
      this.cmdDismissed = null; // the composer text the menu was closed on with Escape
      this.ephSeq = 0;
      this.chosen = new Map(); // bot-message buttons we clicked: "channel#seq" → {id, ts} (localStorage)
      this.actionBusy = new Map(); // "channel#seq" → the button id whose click is on its way
      this.actionNotes = new Map(); // "channel#seq" → {kind, text}: why the last click failed
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
      this.searchBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Search the community', title: 'Search', html: ICON.search, hidden: true, onclick: () => this.showSearch() });
      this.settingsBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Email notifications', title: 'Email notifications', 'aria-haspopup': 'dialog', html: ICON.bell, hidden: true, onclick: () => this.openSettings() });
      const closeBtn = h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Close chat', title: 'Close', html: ICON.close, onclick: () => this.close() });
      this.banner = h('div', { class: 'banner', role: 'status', hidden: true });
      this.body = h('div', { class: 'view' });
      this.panel = h('section', { class: 'panel', id: 'p-panel', role: 'dialog', 'aria-labelledby': 'p-title', 'aria-describedby': 'p-sub', hidden: true,
        onkeydown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); this.close(); } } },
      h('header', { class: 'head' }, this.backBtn, this.stack, h('div', { class: 'titles' }, this.titleEl, this.subEl), this.searchBtn, this.inboxBtn, this.settingsBtn, closeBtn),
      this.banner, this.body);
      this.count = h('span', { class: 'count', hidden: true, 'aria-hidden': 'true' });
      this.launcher = h('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'p-panel', 'aria-label': 'Open chat', html: ICON.chat, onclick: () => (this.isOpen ? this.close() : this.open()) }, this.count);
      this.preview = h('button', { class: 'preview', type: 'button', hidden: true, onclick: () => this.open(this.preview.dataset.channel) });
      this.root.append(this.announcer, this.panel, this.preview, this.launcher);
      shadow.append(h('style', { text: STYLE }), this.root);
      // a click anywhere else closes the reaction picker / message menu
      shadow.addEventListener('pointerdown', (e) => {
        if (this.pop && !this.pop.el.contains(e.target) && !this.pop.anchor.contains(e.target)) this.closePop();
      }, true);
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

    // -- client events --
    onWelcome(u) {
      const first = !this.me;
      this.me = u;
      this.prefs = this.client.preferences;
      this.settingsBtn.hidden = !u.email || !!this.fatal;
      const synced = this.syncChannels();
      if (first) {
        synced.then(() => this.followDeepLink()); // DMs are known once the list is in
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

    onJoined({ channel, info, resumed, changes }) {
      const c = this.convs.get(channel) || this.conv(channel, this.lib.isDm(channel) ? 'dm' : 'channel', this.peerOf(channel));
      c.info = info;
      const wasKicked = !!c.kicked;
      c.kicked = null;
      if (channel === this.channel && this.view === 'conv' && this.active === channel) this.titleEl.textContent = this.channelTitle();
      if (!c.loaded && !c.loading && (channel === this.channel || channel === this.active)) this.loadInitial(c);
      // The changes made while we were away follow as events (changes_since); when the server
      // no longer keeps them all, reload what is on screen (the newest page) instead.
      else if (resumed && changes !== 'replayed' && c.loaded && !c.loading && this.active === channel) this.refresh(c);
      if (this.active === channel && this.view === 'conv') {
        if (wasKicked) this.renderConv();
        else this.updateComposer();
      }
      this.updateSub();
    }

    async refresh(c) {
      try {
        const page = await this.client.history(c.key, { limit: PAGE });
        this.mergePage(c, page, null);
      } catch (e) { /* offline again: the next resume tries again */ }
    }

    onReset({ channel }) {
      const c = this.convs.get(channel);
      if (!c) return;
      c.marks = new this.lib.Marks();
      c.parents.clear();
      c.missing.clear();
      c.msgs.clear();
      c.eph = []; // placed after messages that are gone
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
      c.marks.noteMessage(m);
      if (mine && this.client.user) this.me = { ...this.me, advocate: !!this.client.user.advocate }; // the echo tells our flag
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
      const visible = this.seen(c);
      if (visible) this.noteRead(c, m.seq);
      else if (m.seq > c.lastRead) {
        c.unread++;
        if (this.me && (m.mentions || []).includes(this.me.id)) c.mentions++;
        this.updateCount();
        this.updateInboxDot();
        if (!this.isOpen && (isDm || (m.reply_to && this.mineSeq(c, m.reply_to)))) this.showPreview(c, m);
      }
      if (this.isOpen) {
        if (this.active === c.key) this.say(`${m.from.name}: ${m.text}${this.hasActions(m) ? ` (buttons: ${m.actions.map((a) => a.label).join(', ')})` : ''}`);
        else if (isDm) this.say(`New private message from ${m.from.name}.`);
      }
      if (this.view === 'inbox') this.renderInbox();
    }

    mineSeq(c, seq) { const p = c.msgs.get(seq); return p && p.from.id === this.me.id; }

    onSendFailed(e) {
      const code = e.error && e.error.code;
      const key = e.channel || (this.me && e.to ? this.lib.dmChannel(this.me.id, e.to) : null);
      const c = key && this.convs.get(key);
      // Slow mode is routine pacing: the text goes back into an empty composer, ready to send
      // when the countdown ends (nothing is sent by itself). Other refusals stay in the list as
      // "Not sent" with Retry / Edit / Discard.
      if (code === 'slow_mode' && c && this.active === key && this.view === 'conv' && this.textarea && !this.textarea.value.trim()) {
        this.client.discard(e.client_msg_id);
        c.pending.delete(e.client_msg_id);
        this.removePendingNode(e.client_msg_id);
        this.textarea.value = e.text;
        this.textarea.dispatchEvent(new Event('input'));
        if (e.reply_to && c.msgs.has(e.reply_to)) this.setReply(c.msgs.get(e.reply_to));
        this.textarea.focus();
        this.updateComposer();
        return;
      }
      this.renderPendingState(e);
      this.say('Your message was not sent: ' + ((e.error && e.error.message) || 'refused'));
    }

    onLifecycle(ev) {
      const c = this.convs.get(ev.channel);
      if (!c) return;
      for (const map of [c.msgs, c.parents]) {
        const m = map.get(ev.seq);
        if (m) map.set(ev.seq, this.lib.applyLifecycle(m, ev));
      }
      if (ev.op === 'reaction' && ev.count === 0) this.remember('r', `${c.key}#${ev.seq}#${ev.emoji}`, false);
      if (ev.op === 'deleted') {
        if (this.replyTo && this.replyTo.channel === c.key && this.replyTo.seq === ev.seq) this.setReply(null);
        if (this.editing && this.editing.channel === c.key && this.editing.seq === ev.seq) this.editing = null;
        if (this.pop && this.pop.li && this.pop.li.dataset.seq === String(ev.seq)) this.closePop();
        const m = c.msgs.get(ev.seq);
        if (m && c.last && c.last.ts === m.ts) c.last = { ...c.last, text: 'Message deleted' };
      }
      if (this.active !== c.key || this.view !== 'conv' || !this.list) return;
      this.rerender(c, ev.seq);
      if (ev.op !== 'reaction') {
        // replies quoting it, and the question it is the accepted answer of
        for (const li of this.list.querySelectorAll(`li[data-parent="${ev.seq}"]`)) this.rerender(c, Number(li.dataset.seq));
        const q = c.marks.questionOf(ev.seq);
        if (q) this.rerender(c, q);
      }
    }

    onHelpful(ev) {
      const c = this.convs.get(ev.channel);
      if (!c || !c.marks.onHelpful(ev)) return;
      if (this.me && ev.by === this.me.id) this.remember('h', `${c.key}#${ev.seq}`, !ev.revoked);
      this.rerender(c, ev.seq);
      if (ev.revoked) return;
      const m = c.msgs.get(ev.seq);
      if (m && this.me && m.from.id === this.me.id && ev.by !== this.me.id) this.say('Your answer was marked helpful.');
    }

    onSolved(ev) {
      const c = this.convs.get(ev.channel);
      if (!c) return;
      const already = c.marks.acceptedFor(ev.question_seq) === ev.seq;
      const prev = c.marks.onSolved(ev);
      if (already) return;
      for (const seq of [ev.question_seq, ev.seq, prev]) if (seq) this.rerender(c, seq);
      // the other answers in that thread now offer "Accept instead"
      if (this.active === c.key && this.list) {
        for (const li of this.list.querySelectorAll('li[data-reply]')) {
          const seq = Number(li.dataset.seq);
          if (!seq || seq === ev.seq || seq === prev) continue;
          const r = this.lib.threadRoot(seq, (s) => this.lookup(c, s));
          if (r && r.root && r.root.seq === ev.question_seq) this.rerender(c, seq);
        }
      }
      const m = this.lookup(c, ev.seq);
      if (m && this.me && m.from.id === this.me.id) {
        this.toast('Your answer was accepted. Thank you for helping!', 'ok');
        this.say('Your answer was accepted as the solution.');
      }
    }

    onAdvocate(ev) {
      if (!this.me || ev.user !== this.me.id) return;
      const was = !!this.me.advocate;
      this.me = { ...this.me, advocate: !!ev.advocate };
      if (!ev.advocate || was) return;
      const sub = 'Your answers helped others in the community. From now on your messages carry the Advocate badge.';
      this.toast('You’re a community advocate!', 'celebrate', sub);
      this.say('You’re a community advocate! ' + sub);
      if (!this.isOpen) {
        this.preview.dataset.channel = this.channel;
        this.preview.replaceChildren(h('span', { class: 'av', style: 'background:linear-gradient(135deg,#f7b928,#e08a00)', html: ICON.star.replace(/width="11" height="11"/, 'width="16" height="16"'), 'aria-hidden': 'true' }),
          h('div', null, h('b', { text: 'You’re a community advocate!' }), h('span', { text: 'Thanks for helping others.' })));
        this.preview.setAttribute('aria-label', 'You’re a community advocate! Open chat');
        this.preview.hidden = false;
      }
    }

    onChannelUpdated(ev) {
      const c = this.convs.get(ev.channel);
      if (!c) return;
      const { op, ...fields } = ev; // eslint-disable-line no-unused-vars
      c.info = { ...(c.info || {}), ...fields };
      if (ev.channel === this.channel && this.active === this.channel && this.view === 'conv') this.titleEl.textContent = this.channelTitle();
      if (this.active === c.key && this.view === 'conv') this.updateComposer();
    }

    onKicked(ev) {
      const c = this.convs.get(ev.channel);
      if (!c || c.kicked) return;
      // A kick may keep us out for a while (rejoin_after_ms): the rejoin button waits for it.
      c.kicked = { ...ev, until: ev.rejoin_after_ms ? Date.now() + ev.rejoin_after_ms : 0 };
      if (this.editing && this.editing.channel === c.key) this.editing = null;
      if (this.active === c.key && this.view === 'conv') this.renderConv();
      this.say(`You were removed from ${c.kind === 'dm' ? 'this conversation' : this.channelTitle()} by a moderator.`);
    }

    onFatal(f) {
      this.fatal = { message: f.message || '', until: f.retry_after_ms != null ? Date.now() + f.retry_after_ms : null };
      this.settingsBtn.hidden = true;
      this.closePop();
      if (this.sheet) this.sheet.close();
      this.setBanner(null);
      if (this.view !== 'onboard') this.renderConv();
      this.say('You can no longer chat here. ' + (f.message ? cap(f.message) : ''));
    }

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
      else if (this.view === 'search') text = 'Everything you can read here';
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
      if (!c) return;
      const had = c.unread;
      this.noteRead(c);
      if (had) { this.updateCount(); this.updateInboxDot(); }
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
    renderView() { if (this.view === 'inbox') this.renderInbox(); else if (this.view === 'conv') this.renderConv(); else if (this.view === 'search') this.renderSearch(); }

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

    // -- search: every message the user may read (PROTOCOL.md §3.6) --
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

    // ---- deep links: #parley=<channel>[/<seq>] (the links in notification emails) --------
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

    renderInbox() {
      this.backBtn.hidden = false;
      this.inboxBtn.hidden = true;
      this.searchBtn.hidden = true;
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
      this.closePop();
      const isDm = c.kind === 'dm';
      this.backBtn.hidden = !isDm;
      this.inboxBtn.hidden = isDm || !this.client || !!this.fatal;
      this.searchBtn.hidden = isDm || !this.client || !!this.fatal;
      this.titleEl.textContent = isDm ? c.peer.name : this.channelTitle();
      if (this.fatal || c.kicked) {
        // No conversation to show: a notice takes its place.
        this.list = this.scroller = this.olderBtn = this.startEl = this.jump = this.typingEl = this.textarea = this.replyEl = this.noticeEl = null;
        this.body.replaceChildren(this.fatal ? this.finalNode() : this.kickedNode(c), h('p', { class: 'foot', text: 'Powered by Parley' }));
        this.updateSub();
        this.updateInboxDot();
        return;
      }
      this.olderBtn = h('button', { class: 'older', type: 'button', hidden: true, onclick: () => this.loadOlder(c) });
      this.startEl = h('p', { class: 'start', hidden: true });
      this.list = h('ol', { class: 'msgs', 'aria-label': isDm ? `Private conversation with ${c.peer.name}` : `Messages in ${this.titleEl.textContent}`, onkeydown: (e) => this.onListKey(e), onfocusin: (e) => this.onListFocus(e) });
      this.jump = h('button', { class: 'jump', type: 'button', hidden: true, text: 'New messages ↓', onclick: () => this.scrollToEnd(true) });
      this.scroller = h('div', { class: 'scroll', onscroll: () => { this.onScroll(); this.closePop(); } }, this.olderBtn, this.startEl, this.list, this.jump);
      this.typingEl = h('div', { class: 'typing', 'aria-hidden': 'true' });
      this.body.replaceChildren(this.scroller, this.typingEl, this.renderComposer(c), h('p', { class: 'foot', text: 'Powered by Parley' }));
      for (const seq of [...c.msgs.keys()].sort((a, b) => a - b)) this.insertNode(c.msgs.get(seq), false);
      for (const e of c.pending.values()) this.list.append(this.pendingNode(e));
      for (const x of c.eph) this.placeEphemeral(x);
      this.updatePaging();
      this.renderTyping();
      this.updateSub();
      this.updateInboxDot();
      this.updateComposer();
      this.scrollToEnd();
    }

    kickedNode(c) {
      const where = c.kind === 'dm' ? 'this conversation' : this.channelTitle();
      const wait = c.kicked && c.kicked.until ? c.kicked.until - Date.now() : 0;
      const btn = h('button', { class: 'primary', type: 'button', text: 'Rejoin the conversation', disabled: wait > 0, onclick: async () => {
        btn.disabled = true;
        btn.textContent = 'Rejoining…';
        try {
          await this.client.join(c.key);
          c.kicked = null;
          if (this.active === c.key) { this.renderConv(); this.focusDefault(); }
        } catch (e) {
          btn.disabled = false;
          btn.textContent = 'Rejoin the conversation';
          this.say(this.errorText(e, 'Could not rejoin'));
        }
      } });
      if (wait > 0) {
        setTimeout(() => { if (c.kicked && this.active === c.key && this.view === 'conv') this.renderConv(); }, wait + 100);
      }
      const back = wait > 0 ? `You can come back in ${Math.ceil(wait / 1000)} s` : 'You are welcome to come back';
      return h('div', { class: 'gone', role: 'status' }, h('div', { class: 'ico', html: ICON.leave, 'aria-hidden': 'true' }),
        h('h3', { text: 'You were removed from the conversation' }),
        h('p', { text: `A moderator removed you from ${where}. ${back}; please keep to the community guidelines.` }), btn);
    }

    finalNode() {
      const f = this.fatal;
      return h('div', { class: 'gone final', role: 'alert' }, h('div', { class: 'ico', html: ICON.ban, 'aria-hidden': 'true' }),
        h('h3', { text: 'You can no longer chat here' }),
        h('p', { text: f.message ? cap(f.message) : 'Your access to this community has been removed.' }),
        h('p', { text: f.until ? `This ends ${fmtDay.format(new Date(f.until))}.` : 'If you think this is a mistake, please contact the site’s support team.' }));
    }

    renderComposer(c) {
      const isDm = c.kind === 'dm';
      // Typing "/" first offers the bots' commands: the textarea drives the listbox (p-cmds).
      const ta = h('textarea', { rows: '1', 'aria-label': isDm ? `Message ${c.peer.name} privately` : `Message ${this.titleEl.textContent}`, placeholder: isDm ? `Write to ${c.peer.name}…` : 'Write a message…', maxlength: '4000',
        'aria-autocomplete': 'list', 'aria-haspopup': 'listbox', 'aria-controls': 'p-cmds', 'aria-expanded': 'false' });
      const send = h('button', { class: 'sendb', type: 'submit', 'aria-label': 'Send', title: 'Send (Enter)', html: ICON.send, disabled: true });
      this.replyEl = h('div', { class: 'replying', hidden: true });
      this.noticeEl = h('div', { class: 'notice', hidden: true, id: 'p-notice' });
      this.hintEl = h('div', { class: 'hint', hidden: true });
      this.suggestEl = h('section', { class: 'suggest', hidden: true, 'aria-label': 'Similar questions already answered' });
      this.noticeKey = null;
      this.cmdMenu = null;
      this.cmdListEl = h('ul', { role: 'listbox', id: 'p-cmds', 'aria-label': 'Commands' });
      this.cmdMenuEl = h('div', { class: 'cmdmenu', hidden: true }, h('p', { class: 'cmdhead', 'aria-hidden': 'true', text: 'Commands' }), this.cmdListEl);
      const grow = () => { ta.style.height = 'auto'; ta.style.height = Math.min(ta.scrollHeight, 120) + 'px'; send.disabled = !ta.value.trim() || this.sendBlocked(c); };
      ta.addEventListener('input', () => {
        grow();
        const slash = ta.value.startsWith('/'); // a command is nobody else's business
        if (ta.value.trim() && this.client && !slash) this.client.typing(c.key);
        this.suggestSoon(c, slash ? '' : ta.value);
        this.updateCommandMenu();
      });
      ta.addEventListener('focus', () => this.updateCommandMenu());
      ta.addEventListener('blur', () => this.closeCommandMenu());
      ta.addEventListener('keydown', (e) => {
        if (this.onCommandMenuKey(e)) return;
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
        if (e.key === 'Escape' && this.replyTo) { e.stopPropagation(); this.setReply(null); }
        if (e.key === 'ArrowUp' && !ta.value && !this.replyTo) { // edit your last message, as in most chat apps
          const last = [...c.msgs.values()].filter((m) => this.me && m.from.id === this.me.id && !m.deleted && !m.synthetic).pop();
          if (last) { e.preventDefault(); this.startEdit(c, last); }
        }
      });
      const form = h('form', { class: 'compose', onsubmit: (e) => {
        e.preventDefault();
        const text = ta.value;
        if (!text.trim() || !this.client) return;
        if (this.sendBlocked(c)) { this.nudgeNotice(); return; } // the text stays where it is
        const cmd = this.parseCommand(text);
        if (cmd) this.runSlash(c, text, cmd);
        else this.sendText(c, text);
        this.closeCommandMenu();
        this.showSuggestions(c, null);
        ta.value = '';
        grow();
        ta.focus();
      } }, this.cmdMenuEl, this.noticeEl, this.replyEl, this.suggestEl, h('div', { class: 'row' }, ta, send), this.hintEl);
      this.textarea = ta;
      this.sendBtn = send;
      this.composeForm = form;
      this.grow = grow;
      return form;
    }

    // ---- answers before asking (DESIGN §9) ----------------------------------------------
    /** While a question is typed in a support channel (not a reply), asks for up to three
     *  solved threads like it, 350 ms after the last keystroke; an answer to an older request
     *  than the latest is dropped, so only the current text's suggestions ever show. */
    suggestSoon(c, text) {
      clearTimeout(this.suggestTimer);
      const ticket = this.suggestTicket = (this.suggestTicket || 0) + 1;
      const words = text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().split(' ').filter((w) => w.length > 1).slice(0, 20);
      const support = c.info && c.info.kind === 'support';
      if (!support || this.replyTo || words.length < 3 || !this.client) { this.showSuggestions(c, null); return; }
      this.suggestTimer = setTimeout(async () => {
        let r;
        try {
          r = await this.client.search(words.join(' '), { channel: c.key, solved: true, limit: 6, match: 'any' });
        } catch { return; } // rate limited or offline: no suggestions, nothing else changes
        if (ticket !== this.suggestTicket || this.active !== c.key) return; // stale
        // One entry per thread: an accepted answer stands for its question.
        const seen = new Set();
        const items = [];
        for (const x of r.results || []) {
          const q = x.solved_seq ? x.seq : x.question_seq;
          if (!q || seen.has(q)) continue;
          seen.add(q);
          items.push({ seq: q, snippet: x.snippet });
          if (items.length === 3) break;
        }
        this.showSuggestions(c, items);
      }, 350);
    }

    showSuggestions(c, items) {
      const box = this.suggestEl;
      if (!box) return;
      if (!items || !items.length) { box.hidden = true; box.replaceChildren(); return; }
      const list = h('ul');
      for (const it of items) {
        const snip = h('span', { class: 'snip' });
        snip.append(...markedText(it.snippet));
        const url = `${ORIGIN}/kb/${encodeURIComponent(c.key)}/${it.seq}`;
        list.append(h('li', null, snip, h('div', { class: 'sgacts' },
          h('a', { href: url, target: '_blank', rel: 'noopener', text: 'Read the answer' }),
          h('button', { type: 'button', text: 'This answered my question', onclick: () => this.deflect(c, it.seq) }))));
      }
      box.replaceChildren(h('h4', { text: 'Already answered — does one of these help?' }), list);
      box.hidden = false;
    }

    /** Counts a question answered before it was asked, and posts nothing. */
    async deflect(c, seq) {
      try { await this.client.deflected(c.key, seq); } catch { /* still clear: the user is done */ }
      this.suggestTicket = (this.suggestTicket || 0) + 1;
      this.showSuggestions(c, null);
      if (this.textarea) { this.textarea.value = ''; this.grow(); }
      this.hintEl.hidden = false;
      this.hintEl.replaceChildren(h('span', { text: 'Glad that helped! Nothing was posted.' }));
      this.say('Glad that helped. Nothing was posted.');
    }

    /** Why the active conversation cannot post right now: {kind, icon, text, tick?, closed, block}. */
    composerState(c) {
      const info = c.info || {};
      const staff = this.lib.isStaffRole(this.me && this.me.role);
      if (info.archived) return { key: 'archived', kind: '', icon: ICON.archive, text: 'This conversation is archived. You can still read it, but nobody can post here any more.', closed: true };
      if (info.locked && !staff) return { key: 'locked', kind: 'warn', icon: ICON.lock, text: 'This conversation is locked for now: only the team can post. You can still read along.', closed: true };
      const hold = this.client && this.client.hold(c.key);
      if (hold && hold.code === 'muted') {
        return hold.until != null
          ? { key: 'muted-timed:' + hold.message, kind: 'bad', icon: ICON.pause, text: cap(hold.message) + ' You can post again in ', until: hold.until, block: true }
          : { key: 'muted:' + hold.message, kind: 'bad', icon: ICON.pause, text: cap(hold.message) + ' A moderator has to lift it before your messages go through.' };
      }
      if (hold && hold.code === 'slow_mode') return { key: 'slow', kind: 'warn', icon: ICON.hourglass, text: 'Slow mode is on. You can send your next message in ', until: hold.until, block: true };
      if (c.muteEnded) return { key: 'mute-ended', kind: 'ok', icon: ICON.check, text: 'Your mute has ended. You can post again.' };
      return null;
    }

    sendBlocked(c) { const st = this.composerState(c); return !!(st && (st.closed || st.block)); }

    nudgeNotice() {
      if (!this.noticeEl || this.noticeEl.hidden) return;
      this.noticeEl.classList.remove('flash');
      void this.noticeEl.offsetWidth; // restart the animation
      this.noticeEl.classList.add('flash');
      this.say(this.noticeEl.textContent);
    }

    /** Shows why posting is off or on hold (with a live countdown) and enables the composer
     *  accordingly; runs on every change and once a second while a countdown is shown. */
    updateComposer() {
      const c = this.activeConv();
      if (!c || !this.textarea || !this.noticeEl || this.view !== 'conv') { clearInterval(this.tickTimer); return; }
      const prevKey = this.noticeKey;
      let st = this.composerState(c);
      if (!st && prevKey && prevKey.startsWith('muted')) { // the mute ran out (or a send went through)
        c.muteEnded = true;
        st = this.composerState(c);
      }
      const key = st ? st.key : null;
      const ta = this.textarea, send = this.sendBtn, n = this.noticeEl;
      if (key !== prevKey) {
        this.noticeKey = key;
        n.hidden = !st;
        n.className = 'notice' + (st && st.kind ? ' ' + st.kind : '');
        n.replaceChildren(...(st ? [h('span', { html: st.icon, 'aria-hidden': 'true' }),
          h('span', null, st.text, st.until != null ? h('span', { class: 'tick' }) : null)] : []));
        if (st) this.say(n.textContent + (st.until != null ? this.lib.formatWait(st.until - Date.now()) : ''));
        if (key === 'mute-ended') setTimeout(() => { c.muteEnded = false; this.updateComposer(); }, 8000);
      }
      const tick = n.querySelector('.tick');
      if (tick && st) tick.textContent = this.lib.formatWait(st.until - Date.now()) + '.';
      const closed = !!(st && st.closed);
      ta.disabled = closed;
      ta.setAttribute('aria-describedby', st ? 'p-notice' : '');
      if (closed) ta.placeholder = 'Posting is turned off here';
      else if (ta.placeholder === 'Posting is turned off here') ta.placeholder = c.kind === 'dm' ? `Write to ${c.peer.name}…` : 'Write a message…';
      this.composeForm.classList.toggle('closed', closed);
      send.disabled = closed || !!(st && st.block) || !ta.value.trim();
      // quiet hints for what is on without holding anyone back
      const info = c.info || {};
      const staff = this.lib.isStaffRole(this.me && this.me.role);
      const hint = !st && info.slow_mode_s > 0 && !staff && c.kind !== 'dm' ? [ICON.hourglass, `Slow mode: one message every ${this.lib.formatWait(info.slow_mode_s * 1000)}`]
        : !st && info.locked && staff ? [ICON.lock, 'Locked: only staff can post here'] : null;
      this.hintEl.hidden = !hint;
      this.hintEl.replaceChildren(...(hint ? [h('span', { html: hint[0], 'aria-hidden': 'true' }), hint[1]] : []));
      clearInterval(this.tickTimer);
      if (st && st.until != null) this.tickTimer = setInterval(() => this.updateComposer(), 1000);
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
      c.muteEnded = false;
      if (this.active === c.key && this.list) { this.list.append(this.pendingNode(e)); this.scrollToEnd(true); }
      this.updateComposer();
    }

    setReply(m) {
      this.replyTo = m;
      if (!this.replyEl) return;
      this.replyEl.hidden = !m;
      this.replyEl.replaceChildren(...(m ? [h('span', { html: ICON.reply, 'aria-hidden': 'true', style: 'flex:none' }),
        h('span', null, 'Replying to ', h('b', { text: m.from.name }), ': ' + snippet(m.text, 60)),
        h('button', { class: 'ibtn', type: 'button', 'aria-label': 'Cancel reply', html: ICON.close, onclick: () => { this.setReply(null); this.textarea.focus(); } })] : []));
      if (m && this.textarea && !this.textarea.disabled) this.textarea.focus();
    }

    // ---- slash commands (PROTOCOL.md §3.8): the command menu, running commands, ephemeral lines
    // Bots register commands. "/" typed first in the composer opens a menu of them (a listbox
    // the textarea drives with aria-controls / aria-activedescendant; focus stays in the
    // textarea). Sending "/name args" for a known command runs it (`command`) instead of
    // posting; the user's invocation, errors and the bot's `command_reply` (to this user alone)
    // show as ephemeral lines: kept in memory (c.eph) only, gone after a reload.

    /** The commands, asked for again when older than CMD_TTL_MS; resolves with the list,
     *  rejects when it could not be fetched. One request at a time. */
    loadCommands() {
      const S = this.cmds;
      if (S.loading) return S.loading;
      if (S.list && Date.now() - S.at < CMD_TTL_MS) return Promise.resolve(S.list);
      if (!this.client) return Promise.reject(new Error('not connected'));
      S.loading = this.client.listCommands().then((ok) => {
        S.list = Array.isArray(ok.commands) ? ok.commands : [];
        S.at = Date.now();
        return S.list;
      }, (e) => { S.failedAt = Date.now(); throw e; }).finally(() => { S.loading = null; });
      return S.loading;
    }

    /** The command called `name`: the entry, null when the (known) list has none, undefined
     *  while the list is not known. */
    commandNamed(name) {
      const list = this.cmds.list;
      return list ? list.find((x) => x.name === name) || null : undefined;
    }

    /** "/name args" as {name, args} when it may be a command; null for text to post as it is
     *  ("/shrug" when no bot offers /shrug, "/ hello", "/Faq"). */
    parseCommand(text) {
      const m = /^\/([a-z0-9_-]{1,32})(?:\s+([\s\S]*))?$/.exec(text.trim());
      if (!m || this.commandNamed(m[1]) === null) return null;
      return { name: m[1], args: (m[2] || '').trim() };
    }

    /** Opens, filters or closes the menu after the composer's text changed. */
    updateCommandMenu() {
      const ta = this.textarea;
      if (!ta || !this.cmdMenuEl) return;
      const m = !ta.disabled && ta === this.shadow.activeElement && /^\/(\S{0,32})$/.exec(ta.value);
      if (this.cmdDismissed != null && this.cmdDismissed !== ta.value) this.cmdDismissed = null;
      if (!m || this.cmdDismissed != null) { this.closeCommandMenu(); return; }
      const S = this.cmds;
      const stale = !S.list || Date.now() - S.at >= CMD_TTL_MS;
      if (stale && !S.loading && Date.now() - S.failedAt > 5000) {
        this.loadCommands().then(() => this.updateCommandMenu(), () => {}); // shown when in
      }
      const q = m[1].toLowerCase(), list = S.list || [];
      const items = [...list.filter((x) => x.name.startsWith(q)), ...list.filter((x) => !x.name.startsWith(q) && x.name.includes(q))];
      if (!items.length) { this.closeCommandMenu(); return; }
      const prev = this.cmdMenu;
      const was = prev && prev.items[prev.index];
      const index = Math.max(0, was ? items.findIndex((x) => x.name === was.name) : 0);
      this.cmdMenu = { items, index };
      this.renderCommandMenu();
      if (!prev || prev.items.length !== items.length) {
        this.say(`${items.length} ${items.length === 1 ? 'command' : 'commands'}: ${items.length > 1 ? 'up and down arrows to choose, ' : ''}Enter to pick, Escape to close.`);
      }
    }

    renderCommandMenu() {
      const { items, index } = this.cmdMenu;
      this.cmdListEl.replaceChildren(...items.map((x, i) => {
        const off = x.online === false, bot = x.bot ? x.bot.name || x.bot.id : '';
        const call = `/${x.name}${x.usage ? ' ' + x.usage : ''}`;
        return h('li', { class: 'cmd' + (off ? ' off' : ''), role: 'option', id: 'p-cmd-' + x.name, 'aria-selected': i === index ? 'true' : 'false',
          'aria-label': `${call}: ${x.description}${bot ? ` (${bot}${off ? ', offline' : ''})` : off ? ' (offline)' : ''}`,
          onmousedown: (e) => e.preventDefault(), // the focus stays in the composer
          onclick: () => this.pickCommand(x) },
        h('span', { class: 'cn' }, '/' + x.name, x.usage ? h('span', { class: 'cu', text: ' ' + x.usage }) : null),
        h('span', { class: 'cd', text: x.description }),
        h('span', { class: 'cb' }, bot ? h('span', { text: bot }) : null, off ? h('span', { class: 'offtag', text: 'offline' }) : null));
      }));
      this.cmdMenuEl.hidden = false;
      this.textarea.setAttribute('aria-expanded', 'true');
      this.showCommand(index);
    }

    /** Makes option `i` the active one (aria-selected, aria-activedescendant) and shows it. */
    showCommand(i) {
      const M = this.cmdMenu;
      M.index = i;
      this.cmdListEl.querySelectorAll('[role="option"]').forEach((li, k) => li.setAttribute('aria-selected', k === i ? 'true' : 'false'));
      const li = this.cmdListEl.children[i];
      this.textarea.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
    }

    closeCommandMenu() {
      this.cmdMenu = null;
      if (this.cmdMenuEl) { this.cmdMenuEl.hidden = true; this.cmdListEl.replaceChildren(); }
      if (this.textarea) {
        this.textarea.setAttribute('aria-expanded', 'false');
        this.textarea.removeAttribute('aria-activedescendant');
      }
    }

    /** The composer's keys while the menu is open; true when the key was the menu's. */
    onCommandMenuKey(e) {
      const M = this.cmdMenu;
      if (!M || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return false;
      const n = M.items.length;
      if (e.key === 'ArrowDown') this.showCommand((M.index + 1) % n);
      else if (e.key === 'ArrowUp') this.showCommand((M.index - 1 + n) % n);
      else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey) this.pickCommand(M.items[M.index]);
      else if (e.key === 'Escape') { this.cmdDismissed = this.textarea.value; this.closeCommandMenu(); } // not the panel
      else return false;
      e.preventDefault();
      e.stopPropagation();
      return true;
    }

    /** Fills "/name " into the composer, ready for the arguments. */
    pickCommand(x) {
      const ta = this.textarea;
      if (!ta) return;
      ta.value = `/${x.name} `;
      ta.dispatchEvent(new Event('input')); // resizes; the space closes the menu
      ta.focus();
      ta.setSelectionRange(ta.value.length, ta.value.length);
      this.say(`/${x.name}${x.usage ? `: type ${x.usage}` : ''}${x.online === false ? '. Its bot is offline right now' : ''}.`);
    }

    /** Sends `command` for "/name args" in conversation `c` instead of posting `text`. When the
     *  command list could not be fetched, an unknown command turns out to be a message. */
    async runSlash(c, text, { name, args }) {
      let cmd = this.commandNamed(name);
      if (cmd === undefined) { try { await this.loadCommands(); } catch { /* tried below */ } cmd = this.commandNamed(name); }
      if (cmd === null) { this.sendText(c, text); return; }
      const ran = () => this.addEphemeral(c, { kind: 'ran', text: `/${name}${args ? ' ' + args : ''}` });
      if (cmd) ran();
      try {
        await this.client.runCommand(c.key, name, args);
        if (!cmd) ran();
      } catch (e) {
        if (!cmd && e.code === 'not_found' && /unknown command/.test(e.message || '')) { this.sendText(c, text); return; }
        if (!cmd) ran();
        this.addEphemeral(c, { kind: 'err', text: this.commandError(e, name, cmd) });
        const ta = this.textarea;
        if (e.code === 'disconnected' && ta && !ta.value.trim() && this.active === c.key) { // to send again later
          ta.value = text;
          ta.dispatchEvent(new Event('input'));
        }
      }
    }

    commandError(e, name, cmd) {
      if (e.code === 'unavailable') {
        if (cmd) cmd.online = false; // the menu says so until the next refresh
        return `${(cmd && cmd.bot && cmd.bot.name) || 'Its bot'} is offline right now. Try /${name} again later.`;
      }
      if (e.code === 'not_found' && /unknown command/.test(e.message || '')) {
        this.cmds.at = 0; // gone meanwhile: ask again next time
        return `There is no /${name} command (any more).`;
      }
      return this.errorText(e, `Could not run /${name}`);
    }

    /** A bot's answer to one of our commands (on every tab of ours): shown in its conversation. */
    onCommandReply(ev) {
      const c = this.convs.get(ev.channel);
      if (!c || typeof ev.text !== 'string') return;
      const from = ev.from && ev.from.id ? ev.from : { id: 'bot', name: 'Bot', role: 'bot' };
      this.addEphemeral(c, { kind: 'reply', text: ev.text, from, command_id: ev.command_id });
    }

    /** Adds an ephemeral line to `c` (after the newest message it holds) and shows it. */
    addEphemeral(c, x) {
      let after = 0;
      for (const k of c.msgs.keys()) if (k > after) after = k;
      Object.assign(x, { id: ++this.ephSeq, channel: c.key, ts: Date.now(), after });
      c.eph.push(x);
      if (c.eph.length > EPH_MAX) this.dropEphemeral(c, c.eph[0]);
      const here = this.active === c.key && this.view === 'conv' && !!this.list;
      if (here) {
        const nearEnd = this.nearEnd();
        this.placeEphemeral(x);
        if (x.kind !== 'reply' || nearEnd) this.scrollToEnd(true);
        else this.showJump();
      }
      if (this.isOpen && here && x.kind !== 'ran') {
        this.say(x.kind === 'reply' ? `${x.from.name}, only you can see this: ${x.text}` : x.text);
      }
    }

    placeEphemeral(x) {
      const node = this.ephemeralNode(x);
      this.insertOrdered(node, x.after + 0.5);
      if (!this.list.querySelector('li[tabindex="0"]')) this.setActiveItem(node);
    }

    dropEphemeral(c, x) {
      c.eph = c.eph.filter((y) => y !== x);
      const li = this.list && this.active === c.key && this.list.querySelector(`li[data-eph="${x.id}"]`);
      if (!li) return;
      const focused = li.contains(this.shadow.activeElement);
      const next = li.nextElementSibling || li.previousElementSibling;
      li.remove();
      if (focused) {
        if (next) { this.setActiveItem(next); next.focus(); } else if (this.textarea) this.textarea.focus();
      }
    }

    ephemeralNode(x) {
      const attrs = { class: `msg eph ${x.kind}`, tabindex: '-1', 'data-eph': String(x.id), 'data-after': String(x.after) };
      const only = h('span', { class: 'only' }, h('span', { html: ICON.eye, 'aria-hidden': 'true' }), 'Only you can see this');
      if (x.kind === 'ran') {
        return h('li', attrs, h('div', { class: 'ephline', title: 'Only you can see this' }, h('span', { html: ICON.eye, 'aria-hidden': 'true' }),
          h('span', null, 'You ran ', h('code', { text: x.text })), h('span', { class: 'sr', text: '. Only you can see this.' })));
      }
      if (x.kind === 'err') {
        return h('li', attrs, h('div', { class: 'ephline' }, h('span', { html: ICON.alert, 'aria-hidden': 'true' }),
          h('span', { text: x.text })));
      }
      const d = new Date(x.ts);
      return h('li', attrs, this.avatar(x.from.id, x.from.name),
        h('div', { class: 'content' },
          h('div', { class: 'meta' }, h('span', { class: 'name', text: x.from.name }), h('span', { class: 'badge bot', text: 'Bot' }),
            h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: when(x.ts) }), only),
          h('div', { class: 'bubble', dir: 'auto' }, linkify(x.text)),
          h('button', { class: 'act dismiss', type: 'button', tabindex: '-1', 'aria-label': `Dismiss ${x.from.name}’s reply`, text: 'Dismiss',
            onclick: () => this.dropEphemeral(this.convs.get(x.channel), x) })));
    }

    // ---- buttons on bot messages (`actions` on a bot's send; the `action` op) ---------------
    // A bot may put up to five buttons under a message (m.actions: [{id, label}]). They show as
    // a group of real <button>s ("Actions from <bot>") under the bubble, in the message's
    // roving tab stop. A click sends `action` (the bot gets an `action` event); while it is on
    // its way the button is busy and the group inert. On ok the clicked button is marked chosen
    // (aria-pressed) and the whole group greyed (aria-disabled: still focusable, so focus is
    // not lost); the choice is remembered per user in localStorage (ACTIONS_MAX entries, the
    // newest kept) and stays after a reload. A refusal (the bot offline, a button gone) shows a
    // short note under the buttons, announced politely, and leaves them usable.

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

    // -- message nodes --
    messageNode(m) {
      const mine = this.me && m.from.id === this.me.id;
      const role = m.from.role;
      const c = this.convs.get(m.channel);
      const live = !!(c && m.seq && !m.deleted);
      const badges = [];
      if (role === 'staff' || role === 'admin') badges.push(h('span', { class: 'badge staff', text: role === 'admin' ? 'Admin' : 'Staff' }));
      if (role === 'bot') badges.push(h('span', { class: 'badge bot', text: 'Bot' }));
      if (m.from.advocate) badges.push(h('span', { class: 'badge advocate', title: 'Community advocate: recognised for helping others', html: ICON.star }, 'Advocate'));
      const name = mine ? h('span', { class: 'name', text: 'You' })
        : c && c.kind === 'dm' ? h('span', { class: 'name', text: m.from.name })
          : h('button', { class: 'name', type: 'button', tabindex: '-1', title: `Message ${m.from.name} privately`, 'aria-label': `${m.from.name}, message privately`, text: m.from.name, onclick: () => this.openDm({ id: m.from.id, name: m.from.name }) });
      const d = new Date(m.ts);
      const meta = h('div', { class: 'meta' }, name, badges, h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: when(m.ts) }),
        m.edited_at && !m.deleted ? h('span', { class: 'edited', title: 'Edited ' + fmtFull.format(new Date(m.edited_at)), text: '(edited)' }) : null);
      const info = live ? this.answerInfo(c, m) : null;
      const accepted = live && c.marks.questionOf(m.seq) !== 0;
      let body, editing = false;
      if (m.deleted) {
        body = h('div', { class: 'bubble tomb', text: m.deleted_by && m.deleted_by !== m.from.id ? 'Message removed by a moderator' : 'Message deleted' });
      } else if (live && this.editing && this.editing.channel === m.channel && this.editing.seq === m.seq) {
        body = this.editBox(c, m);
        editing = true;
      } else {
        body = h('div', { class: 'bubble', dir: 'auto' }, linkify(m.text));
      }
      const acts = [];
      if (live) {
        acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'React', 'aria-label': `React to ${mine ? 'your' : m.from.name + '’s'} message`, 'aria-haspopup': 'true', html: ICON.smile, onclick: (e) => this.openPicker(e.currentTarget, c, m) }));
        if (c.kind !== 'dm') acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'Reply', 'aria-label': `Reply to ${m.from.name}`, html: ICON.reply, onclick: () => this.setReply(m) }));
        acts.push(h('button', { class: 'act', type: 'button', tabindex: '-1', title: 'More', 'aria-label': `More actions for ${mine ? 'your' : m.from.name + '’s'} message`, 'aria-haspopup': 'menu', html: ICON.more, onclick: (e) => this.openMenu(e.currentTarget, c, m) }));
      }
      const mentioned = !mine && !!this.me && !m.deleted && (m.mentions || []).includes(this.me.id);
      const li = h('li', { class: 'msg' + (mine ? ' mine' : '') + (mentioned ? ' mentioned' : '') + (m.deleted ? ' deleted' : '') + (accepted ? ' accepted' : '') + (editing ? ' editing' : '') + (this.isLinked(m) ? ' parley-linked' : ''), tabindex: '-1', 'data-seq': String(m.seq), 'data-from': m.from.id, 'data-adv': m.from.advocate ? '1' : null, 'data-ts': String(m.ts), 'data-reply': m.reply_to ? '1' : null, 'data-parent': m.reply_to ? String(m.reply_to) : null },
        this.avatar(m.from.id, m.from.name),
        h('div', { class: 'content' }, meta, mentioned ? h('span', { class: 'sr', text: 'Mentions you.' }) : null, m.reply_to ? this.quoteNode(c, m.reply_to) : null,
          accepted ? h('div', { class: 'tag-accepted' }, h('span', { html: ICON.check, 'aria-hidden': 'true' }), 'Accepted answer') : null,
          body,
          live && this.hasActions(m) ? this.actionsNode(c, m) : null,
          live ? this.reactionsNode(c, m) : null,
          live ? this.answerNode(c, m, info, accepted) : null,
          live && !m.reply_to ? this.solutionNode(c, m) : null),
        acts.length ? h('div', { class: 'acts' }, acts) : null);
      return li;
    }

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

    lookup(c, seq) { return c.msgs.get(seq) || c.parents.get(seq); }

    /** For a reply in a support channel: its question and whether we may mark it. */
    answerInfo(c, m) {
      const kind = c.info && c.info.kind;
      if (kind !== 'support' || !m.reply_to || !this.me) return null;
      const r = this.lib.threadRoot(m.seq, (s) => (s === m.seq ? m : this.lookup(c, s)));
      if (!r) return null;
      if (r.missing) {
        if (!c.missing.has(r.missing)) this.fetchMsg(c, r.missing).then((got) => { if (got) this.rerender(c, m.seq); });
        return null;
      }
      return { root: r.root, canMark: this.lib.canMarkAnswer(m, r.root, this.me, kind) };
    }

    answerNode(c, m, info, accepted) {
      const n = c.marks.helpfulCount(m.seq);
      const markedByMe = !!this.me && (c.marks.markedBy(m.seq, this.me.id) || this.remembered('h', `${c.key}#${m.seq}`));
      const out = [];
      const pill = (count) => h('span', { class: 'pill helpful', title: count > 1 ? `Marked helpful ${count} times` : 'Marked helpful' },
        h('span', { html: ICON.thumb, 'aria-hidden': 'true' }), count > 1 ? `Helpful · ${count}` : 'Marked helpful');
      if (info && info.canMark) {
        if (markedByMe) out.push(pill(Math.max(n, 1)));
        else {
          out.push(h('button', { class: 'mark helpful', type: 'button', tabindex: '-1', 'aria-label': `Mark ${m.from.name}’s answer as helpful`, onclick: (e) => this.markHelpful(c, m, e.currentTarget) },
            h('span', { html: ICON.thumb, 'aria-hidden': 'true' }), n ? `Helpful · ${n}` : 'Helpful'));
        }
        if (!accepted) {
          const other = c.marks.acceptedFor(info.root.seq);
          out.push(h('button', { class: 'mark accept', type: 'button', tabindex: '-1', 'aria-label': `Accept ${m.from.name}’s answer${other ? ' instead' : ''}`, onclick: (e) => this.acceptAnswer(c, m, e.currentTarget) },
            h('span', { html: ICON.check, 'aria-hidden': 'true' }), other ? 'Accept instead' : 'Accept answer'));
        }
      } else if (n > 0) out.push(pill(n));
      return out.length ? h('div', { class: 'answer' }, out) : null;
    }

    /** Under a question: its accepted answer, prominently, a click away. */
    solutionNode(c, m) {
      const seq = c.marks.acceptedFor(m.seq);
      if (!seq) return null;
      const a = this.lookup(c, seq);
      if (!a) { this.fetchMsg(c, seq).then((got) => { if (got) this.rerender(c, m.seq); }); return null; }
      if (a.deleted) return null;
      const who = this.me && a.from.id === this.me.id ? 'you' : a.from.name;
      return h('button', { class: 'solution', type: 'button', tabindex: '-1', 'aria-label': `Solved. Accepted answer by ${who}: ${snippet(a.text, 70)}. Show it`, onclick: () => this.jumpTo(seq) },
        h('span', { class: 'ck', html: ICON.check, 'aria-hidden': 'true' }),
        h('span', null, h('b', { text: `Solved · answer by ${who}: ` }), snippet(a.text, 120)));
    }

    reactionsNode(c, m) {
      if (!m.reactions || !m.reactions.length) return null;
      return h('div', { class: 'rx' }, m.reactions.map((r) => {
        const on = this.remembered('r', `${c.key}#${m.seq}#${r.emoji}`);
        const label = (REACTIONS.find((x) => x[0] === r.emoji) || [r.emoji, r.emoji])[1];
        return h('button', { class: 'act', type: 'button', tabindex: '-1', 'aria-pressed': on ? 'true' : 'false', title: on ? 'Remove your reaction' : 'React with ' + label,
          'aria-label': `${label}: ${r.count} ${r.count === 1 ? 'reaction' : 'reactions'}${on ? ', including yours' : ''}`, onclick: () => this.toggleReaction(c, m, r.emoji) },
        h('span', { class: 'e', 'aria-hidden': 'true', text: r.emoji }), h('span', { 'aria-hidden': 'true', text: String(r.count) }));
      }));
    }

    // Own reactions and helpful marks, remembered per user (the server reports counts only).
    remembered(kind, key) { return !!(this.mine && this.mine[kind] && this.mine[kind].includes(key)); }
    remember(kind, key, on) {
      const list = (this.mine[kind] || []).filter((k) => k !== key);
      if (on) list.push(key);
      this.mine[kind] = list.slice(-400);
      store.set(KEY.mine(this.sub), this.mine);
    }

    async markHelpful(c, m, btn) {
      if (btn) btn.disabled = true;
      try {
        await this.client.helpful(c.key, m.seq);
        this.remember('h', `${c.key}#${m.seq}`, true);
        c.marks.onHelpful({ seq: m.seq, by: this.me.id });
        this.rerender(c, m.seq);
        this.say(`You marked ${m.from.name}’s answer as helpful.`);
      } catch (e) {
        if (btn) btn.disabled = false;
        this.toast(this.errorText(e, 'Could not mark the answer'), 'bad');
      }
    }

    async acceptAnswer(c, m, btn) {
      if (btn) btn.disabled = true;
      try {
        const ok = await this.client.solve(c.key, m.seq);
        if (ok && ok.question_seq) this.onSolved({ channel: c.key, question_seq: ok.question_seq, seq: m.seq });
        this.say(`You accepted ${m.from.name}’s answer.`);
        this.focusMsg(m.seq);
      } catch (e) {
        if (btn) btn.disabled = false;
        this.toast(this.errorText(e, 'Could not accept the answer'), 'bad');
      }
    }

    async toggleReaction(c, m, emoji) {
      const key = `${c.key}#${m.seq}#${emoji}`;
      const on = this.remembered('r', key);
      try {
        await (on ? this.client.unreact(c.key, m.seq, emoji) : this.client.react(c.key, m.seq, emoji));
        this.remember('r', key, !on);
        this.rerender(c, m.seq);
      } catch (e) {
        this.toast(this.errorText(e, 'Could not react'), 'bad');
      }
    }

    errorText(e, what) {
      if (e && e.code === 'disconnected') return 'You are offline. Try again once we are reconnected.';
      if (e && e.code === 'muted') return cap(e.message || 'you are muted');
      if (e && e.code === 'rate_limited') return 'Too many at once. Please wait a moment and try again.';
      return `${what}: ${(e && e.message) || 'something went wrong'}.`.replace(/\.\.$/, '.');
    }

    /** Re-renders one message in place (after an edit, a mark, a reaction …). */
    rerender(c, seq) {
      if (!c || this.active !== c.key || this.view !== 'conv' || !this.list) return;
      const m = c.msgs.get(seq);
      const old = this.list.querySelector(`li[data-seq="${seq}"]`);
      if (!m || !old) return;
      const hadFocus = old.contains(this.shadow.activeElement);
      this.insertNode(m, true);
      if (hadFocus && !(this.editing && this.editing.seq === seq && this.editing.channel === c.key)) this.focusMsg(seq);
    }

    focusMsg(seq) {
      const el = this.list && this.list.querySelector(`li[data-seq="${seq}"]`);
      if (!el) return;
      this.setActiveItem(el);
      el.focus({ preventScroll: true });
    }

    quoteNode(c, seq) {
      const q = h('button', { class: 'quote', type: 'button', tabindex: '-1', onclick: () => this.jumpTo(seq) });
      const fill = (p) => {
        if (p.deleted) {
          q.replaceChildren(h('i', { text: 'In reply to a deleted message' }));
          q.setAttribute('aria-label', 'In reply to a deleted message');
          return;
        }
        q.replaceChildren(h('b', { text: p.from.name }), ' ' + snippet(p.text, 70));
        q.setAttribute('aria-label', `In reply to ${p.from.name}: ${snippet(p.text, 70)}`);
      };
      const p = c && this.lookup(c, seq);
      if (p) fill(p);
      else {
        q.textContent = 'In reply to an earlier message';
        if (c) this.fetchMsg(c, seq).then((got) => { if (got) fill(got); });
      }
      return q;
    }

    // -- reactions picker, message menu, sheets, toasts --
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

    // -- editing --
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
          h('button', { type: 'button', text: 'Edit', title: 'Put the text back in the message box', onclick: () => this.unsend(e) }),
          h('button', { type: 'button', text: 'Discard', onclick: () => this.discard(e) }));
      } else {
        st.replaceChildren(h('span', { html: ICON.clock, 'aria-hidden': 'true' }),
          this.client && this.client.state === 'open' ? 'Sending…' : 'Waiting for connection…');
      }
    }

    /** A refused message goes back into the composer (when it is free) to be changed and sent anew. */
    unsend(e) {
      const ta = this.textarea;
      if (!ta || ta.disabled) return;
      if (ta.value.trim() && ta.value !== e.text) ta.value = ta.value.replace(/\s*$/, '\n') + e.text;
      else ta.value = e.text;
      this.discard(e);
      ta.dispatchEvent(new Event('input'));
      ta.focus();
    }

    discard(e) {
      this.client.discard(e.client_msg_id);
      for (const c of this.convs.values()) c.pending.delete(e.client_msg_id);
      this.removePendingNode(e.client_msg_id);
      if (this.textarea) this.textarea.focus();
    }

    removePendingNode(cmid) {
      const li = this.list && this.list.querySelector(`li[data-cmid="${CSS_escape(cmid)}"]`);
      if (li) { if ((li === this.shadow.activeElement || li.contains(this.shadow.activeElement)) && this.textarea) this.textarea.focus(); li.remove(); }
    }

    /** Inserts (or replaces) the node for a confirmed message, in seq order, before pending ones. */
    insertNode(m, replace) {
      if (!this.list) return;
      const node = this.messageNode(m);
      const old = this.list.querySelector(`li[data-seq="${m.seq}"]`);
      if (old) { old.replaceWith(node); if (old.tabIndex === 0) this.setActiveItem(node); }
      else this.insertOrdered(node, m.seq);
      this.regroup(node);
      if (node.nextElementSibling) this.regroup(node.nextElementSibling);
      if (!this.list.querySelector('li[tabindex="0"]')) this.setActiveItem(node);
      else if (!this.list.contains(this.shadow.activeElement) && !node.nextElementSibling) this.setActiveItem(node);
    }

    /** Puts `node` in the list in order of `key`: a message's seq, or for an ephemeral line the
     *  seq of the message it followed + 0.5; pending sends stay last. */
    insertOrdered(node, key) {
      let before = null;
      for (let el = this.list.lastElementChild; el; el = el.previousElementSibling) {
        if (el.dataset.cmid) { before = el; continue; }
        const at = el.dataset.eph ? Number(el.dataset.after) + 0.5 : Number(el.dataset.seq);
        if (at > key) { before = el; continue; }
        break;
      }
      this.list.insertBefore(node, before);
    }

    regroup(li) {
      const prev = li.previousElementSibling;
      // a new badge (someone just became an advocate) starts a new group, so that it shows
      const same = prev && !li.dataset.reply && prev.dataset.from === li.dataset.from && prev.dataset.adv === li.dataset.adv &&
        Math.abs(Number(li.dataset.ts) - Number(prev.dataset.ts)) < GROUP_MS;
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
      this.mergePage(c, page, older);
    }

    /** New messages of a history page go in; known ones are updated when the page shows
     *  them changed (edited, deleted, reactions, accepted answer). */
    mergePage(c, page, older) {
      const fresh = [], changed = [];
      const sig = (m) => JSON.stringify([m.text, m.edited_at, m.deleted, m.reactions, m.solved_seq]);
      for (const m of page.all) {
        c.marks.noteMessage(m);
        const old = c.msgs.get(m.seq);
        if (!old) { c.msgs.set(m.seq, m); fresh.push(m); }
        else if (sig(old) !== sig(m)) { c.msgs.set(m.seq, m); changed.push(m.seq); }
        if (c.parents.has(m.seq)) c.parents.set(m.seq, m);
      }
      const last = page.all[page.all.length - 1];
      if (last && (!c.last || last.ts >= c.last.ts)) c.last = { text: last.text, ts: last.ts, from: last.from.name };
      if (this.active !== c.key || this.view !== 'conv' || !this.scroller) return;
      const sc = this.scroller, h0 = sc.scrollHeight, top0 = sc.scrollTop;
      const nearEnd = this.nearEnd();
      for (const m of fresh) this.insertNode(m, false);
      for (const seq of changed) this.rerender(c, seq);
      if (older === true) sc.scrollTop = sc.scrollHeight - h0 + top0; // keep the reader where they were
      else if (older === false || nearEnd) this.scrollToEnd();
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
