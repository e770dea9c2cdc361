/* Parley staff console (served at /console). Plain JavaScript, no framework, no build step.
 *
 * Talks to parleyd the same two ways every client does (protocol/PROTOCOL.md, DESIGN.md §2, §7):
 *   - one WebSocket through the shared protocol client (parley-client.js: reconnect with backoff,
 *     resume with `since`, dedupe), authenticated with the staff JWT: live messages of every
 *     watched channel, moderation ops (delete, mute, ban, kick, resolve_report, add_member, …)
 *     and the staff-only pushes `report` / `report_resolved`;
 *   - the staff HTTP API with `Authorization: Bearer`: channel list and settings, reports, audit
 *     log, user records.
 *
 * The token comes from `?token=` (stripped from the address bar at once) or the sign-in form and
 * is kept in sessionStorage (this tab only). Views are addressed by the URL hash:
 *   #/channels[/<name>]   #/reports[/open|upheld|dismissed]   #/audit
 *   #/advocates   #/at-risk   #/insights      (the Community group: console-community.js)
 * Shared helpers (DOM, icons, formats, toasts, dialogs) live in console-kit.js.
 *
 * Tests: tests/browser/e2e/console.test.js, console-tombstone.test.js and community.test.js
 * (Playwright, Chromium).
 * Working around the server as of 6663d52: there is no member list endpoint, so the members of
 * a private channel are rebuilt from the audit log; reports carry only the reporter's id, so
 * names are looked up with GET /api/users/{id}; channels created by other staff arrive with the
 * next list refresh (every 60 s, or at once on a deep link), as no event announces them.
 */
(function () {
  'use strict';

  const Lib = window.ParleyClient;
  const ORIGIN = location.origin;
  const WS_URL = ORIGIN.replace(/^http/, 'ws') + '/ws';
  const TOKEN_KEY = 'parley:console:token';
  const PAGE = 50;            // messages per history page
  const MAX_WATCHED = 90;     // channels joined for live activity (the server allows 100)
  const GROUP_MS = 5 * 60 * 1000;
  const REPORT_PAGE = 50;
  const AUDIT_PAGE = 50;

  const {
    h, svg, I, icon, avatar, fmtDay, fmtFull, rel, clock, relTime, dur, shortDur, markedText,
    untilText, snippet, isStaffRole, kindOf, CHANNEL_NAME, announce, toast, fail,
    ServerError, dialog, inlineError, chipGroup, reasonField, act,
  } = window.ParleyConsoleKit; // console-kit.js

  // ---- server access --------------------------------------------------------------------
  /** Staff HTTP API. Errors become ServerError(code, message) from the JSON error body. */
  async function api(method, path, body) {
    let res;
    try {
      res = await fetch(ORIGIN + path, {
        method,
        headers: Object.assign({ Authorization: 'Bearer ' + S.token }, body ? { 'Content-Type': 'application/json' } : {}),
        body: body ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch (e) {
      throw new ServerError('network', 'could not reach the server');
    }
    let data = null;
    try { data = await res.json(); } catch (e) { /* empty or not JSON */ }
    if (!res.ok) {
      const e = (data && data.error) || {};
      const err = new ServerError(e.code || `http_${res.status}`, e.message || `HTTP ${res.status}`, { status: res.status });
      if (res.status === 401) signOut('The server no longer accepts this token. Sign in with a fresh staff token.', err);
      throw err;
    }
    return data;
  }

  /** A WebSocket op through the protocol client; resolves with the `ok` reply. */
  async function op(frame) {
    if (!S.client) throw new ServerError('disconnected', 'not connected');
    try {
      return await S.client.request(frame);
    } catch (e) {
      throw new ServerError(e.code || 'error', e.message, { retry_after_ms: e.retry_after_ms });
    }
  }

  // ---- state ------------------------------------------------------------------------------
  const S = {
    token: null,
    client: null,
    me: null,
    server: '',
    channels: new Map(),        // name → channel record (see chanRecord)
    channelsLoaded: false,
    selected: null,
    reports: new Map(),         // open reports by id (kept live)
    reportsMore: false,
    reportsLoaded: false,
    resolved: { upheld: null, dismissed: null }, // {list, more} once loaded
    audit: { entries: [], more: false, loaded: false, loading: false },
    names: new Map(),           // user id → display name
    roles: new Map(),           // user id → role, from their messages
    deleted: new Set(),         // "channel#seq" seen deleted (marks report cards)
    route: { view: 'channels', arg: null },
    welcomed: false,
  };
  const E = {}; // elements of the rendered shell and view

  function chanRecord(info) {
    return {
      name: info.channel || info.name, kind: info.kind, title: info.title || '', archived: !!info.archived,
      locked: !!info.locked, slow_mode_s: info.slow_mode_s || 0,
      joined: false, joining: false, watchError: null, lastSeq: 0, lastTs: null, lastFrom: null, unseen: 0, freshUntil: 0,
      lastRead: 0, readTimer: null,
      msgs: new Map(), oldest: null, hasMore: true, loaded: false, loading: false, online: new Map(),
    };
  }
  function applyChannelFields(ch, f) {
    if (f.kind) ch.kind = f.kind;
    if (f.title != null) ch.title = f.title;
    if (f.archived != null) ch.archived = !!f.archived;
    if (f.locked != null) ch.locked = !!f.locked;
    if (f.slow_mode_s != null) ch.slow_mode_s = f.slow_mode_s;
  }
  const nameOf = (id) => S.names.get(id) || id;
  function learn(id, name, role) {
    if (!id) return;
    if (name && S.names.get(id) !== name) {
      S.names.set(id, name);
      for (const el of document.querySelectorAll(`[data-name-of="${CSS.escape(id)}"]`)) el.textContent = name;
    }
    if (role) S.roles.set(id, role);
  }
  /** A user's display name that fills itself in: ids seen only as ids (reporters, audit actors,
   *  members) are looked up once with GET /api/users/{id}. */
  function nameText(id, tag, attrs) {
    const el = h(tag || 'span', Object.assign({ 'data-name-of': id, text: nameOf(id) }, attrs || {}));
    if (!S.names.has(id)) lookupName(id);
    return el;
  }
  const nameLookups = new Map();
  function lookupName(id) {
    if (!id || id === 'system' || nameLookups.has(id)) return;
    nameLookups.set(id, api('GET', '/api/users/' + encodeURIComponent(id)).then((u) => { if (u.name) learn(u.id, u.name, u.role); }, () => {}));
  }
  /** Whether this console may mute/ban/kick `id` (the server has the last word). */
  function canModerate(id) {
    if (!S.me || id === S.me.id) return false;
    const r = S.roles.get(id);
    if (!isStaffRole(r)) return true;
    return S.me.role === 'admin' && r === 'staff';
  }

  // ---- boot: token, verification, screens -----------------------------------------------
  const app = document.getElementById('app');

  function boot() {
    if (!Lib || !Lib.ParleyClient) {
      app.replaceChildren(screen(h('div', { class: 'card login' }, h('div', { class: 'alert error', role: 'alert', text: 'parley-client.js did not load; reload the page.' }))));
      return;
    }
    const url = new URL(location.href);
    let token = url.searchParams.get('token');
    if (token != null) {
      // Never leave a credential in the address bar, the history or a Referer.
      url.searchParams.delete('token');
      history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    }
    token = cleanToken(token) || cleanToken(sessionGet());
    if (token) verify(token);
    else showLogin();
  }

  function cleanToken(t) {
    if (!t) return null;
    return String(t).trim().replace(/^bearer\s+/i, '').trim() || null;
  }
  function sessionGet() { try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }
  function sessionSet(t) { try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ } }

  const screen = (...kids) => h('div', { class: 'screen' }, kids);
  const brand = () => h('div', { class: 'brand' }, h('span', { class: 'mark', html: svg(I.logo, 15) }), 'Parley', h('span', { class: 'sub', text: 'Console' }));

  function showLogin(opts) {
    const o = opts || {};
    teardown();
    app.setAttribute('aria-busy', 'false');
    document.title = 'Sign in · Parley Console';
    const ta = h('textarea', { id: 'token', name: 'token', required: true, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', placeholder: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', 'aria-describedby': 'token-hint' });
    if (o.token) ta.value = o.token;
    const err = o.error ? h('div', { class: 'alert error', role: 'alert' }, o.error, o.code ? [' ', h('code', { text: o.code })] : null) : null;
    const form = h('form', { class: 'card login', 'aria-labelledby': 'login-title', onsubmit: (e) => {
      e.preventDefault();
      const t = cleanToken(ta.value);
      if (!t) { ta.focus(); return; }
      verify(t);
    } },
      brand(),
      h('h1', { id: 'login-title', text: 'Sign in to the staff console' }),
      h('p', { class: 'lead', text: 'Paste a staff token (a JWT with role staff or admin) minted by your company\'s backend.' }),
      err,
      h('div', { class: 'field' },
        h('label', { for: 'token', text: 'Staff token' }), ta,
        h('span', { id: 'token-hint', class: 'hint' }, 'For a local server: ', h('code', { class: 'mono', text: 'parleyd token --data-dir DIR --user ID --role staff' }))),
      h('div', { class: 'actions' },
        h('small', { text: 'Kept in this tab only, until you sign out or close it.' }),
        h('button', { class: 'btn primary', type: 'submit', text: 'Sign in' })));
    app.replaceChildren(screen(form));
    ta.focus();
  }

  function showChecking(text) {
    app.setAttribute('aria-busy', 'true');
    const cancel = h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => { sessionSet(null); showLogin(); } });
    app.replaceChildren(screen(h('div', { class: 'card center', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('p', { id: 'checking-text', text: text || 'Checking your token…' }), cancel)));
  }

  function showStaffOnly(user) {
    teardown();
    sessionSet(null);
    app.setAttribute('aria-busy', 'false');
    document.title = 'Staff only · Parley Console';
    const again = h('button', { class: 'btn primary', type: 'button', text: 'Use another token', onclick: () => showLogin() });
    app.replaceChildren(screen(h('div', { class: 'card staff-only', role: 'alert' },
      h('div', { class: 'big-icon', html: svg(I.shield, 24) }),
      h('h1', { text: 'Staff only' }),
      h('p', null, 'You are signed in as ', h('b', { text: user.name }), ` (${user.role}${user.guest ? ', guest' : ''}). The console is for staff and admins; ask an admin for a staff token.`),
      again)));
    again.focus();
  }

  /** Opens the staff WebSocket with `token`; the welcome decides: staff → console, else refused. */
  function verify(token) {
    teardown();
    S.token = token;
    showChecking();
    const c = new Lib.ParleyClient({
      url: WS_URL,
      backoff: { base: 500, max: 15000 },
      getToken: ({ refresh }) => {
        if (refresh && S.welcomed) {
          // The server refused the token on a reconnect (expired or the secret changed).
          signOut('Your staff token is no longer accepted (it may have expired). Sign in with a fresh one.');
          throw new Error('token refused');
        }
        return S.token;
      },
    });
    S.client = c;
    c.on('welcome', (u) => {
      if (c !== S.client) return;
      if (!S.welcomed) {
        if (!isStaffRole(u.role)) { showStaffOnly(u); return; }
        S.welcomed = true;
        sessionSet(token);
        enterApp(u);
      } else {
        onReconnected(u);
      }
    });
    c.on('state', (s) => {
      if (c !== S.client) return;
      if (!S.welcomed) {
        const el = document.getElementById('checking-text');
        if (el && s.state === 'waiting') el.textContent = `Cannot reach the server yet; retrying in ${Math.ceil(s.delay / 1000)} s…`;
        return;
      }
      renderConn(s);
    });
    c.on('error', (e) => {
      if (c !== S.client) return;
      if (!S.welcomed) {
        if (e.code === 'unauthorized' || e.code === 'banned') {
          showLogin({ error: 'The server refused this token: ' + (e.message || e.code) + '.', code: e.code });
        }
        return;
      }
      if (e.code === 'token') return; // our own sign-out above
      if (e.code === 'unauthorized') return; // handled by getToken({refresh}) on the reconnect
      fail('Server error', e);
    });
    c.on('fatal', (e) => {
      if (c !== S.client) return;
      showLogin({ error: 'This account is banned; the server closed the connection.', code: 'banned' + (e && e.code ? ` (${e.code})` : '') });
    });
    c.on('message', onMessage);
    c.on('joined', onJoined);
    c.on('reset', onReset);
    c.on('deleted', onDeleted);
    c.on('edited', onEdited);
    c.on('reaction', onReaction);
    c.on('channel_updated', onChannelUpdated);
    c.on('presence', onPresence);
    c.on('kicked', (k) => toast(`You were removed from #${k.channel}`, { detail: `by ${nameOf(k.by)}` }));
    c.on('report', onReport);
    c.on('report_resolved', onReportResolved);
    c.on('advocate', (a) => { if (community) community.onAdvocate(a); });
    c.on('read', onRead);
    c.connect();
  }

  function teardown() {
    if (S.client) { const c = S.client; S.client = null; c.close(); }
    if (S.ticker) { clearInterval(S.ticker); S.ticker = null; }
    if (S.channelPoll) { clearInterval(S.channelPoll); S.channelPoll = null; }
    window.removeEventListener('hashchange', onHash);
    watchQueue = [];
    watchActive = 0;
    for (const d of document.querySelectorAll('dialog')) d.remove();
    for (const k of Object.keys(E)) delete E[k];
    if (community) community.reset();
    if (webhooks) webhooks.reset();
    Object.assign(S, {
      welcomed: false, me: null, channels: new Map(), channelsLoaded: false, selected: null, reports: new Map(),
      reportsMore: false, reportsLoaded: false, resolved: { upheld: null, dismissed: null },
      audit: { entries: [], more: false, loaded: false, loading: false }, deleted: new Set(),
    });
  }

  function signOut(message, err) {
    sessionSet(null);
    S.token = null;
    showLogin(message ? { error: message, code: err && err.code } : null);
  }

  // ---- the app shell -------------------------------------------------------------------------
  /** The "Community" group (advocates, at-risk users, insights; DESIGN §6): console-community.js,
   *  given what it needs of this file. */
  const community = window.ParleyConsoleCommunity ? window.ParleyConsoleCommunity({
    api, op, learn, nameOf, nameText, openUser,
    main: () => E.main,
    current: () => E.viewId,
    channels: () => [...S.channels.values()],
    loadChannels: () => loadChannels(true),
    openMessage: (channel, seq) => openInChannel({ channel, seq }),
  }) : null;

  /** The "Admin" group (webhooks; DESIGN §10): console-webhooks.js. */
  const webhooks = window.ParleyConsoleWebhooks ? window.ParleyConsoleWebhooks({
    api, main: () => E.main, current: () => E.viewId,
  }) : null;

  /** Navigation. Each view registers here, in groups; `leave` runs when another view replaces it;
   *  `admin` views are shown to admins only (their API answers nobody else). */
  const ALL_VIEWS = [
    { id: 'channels', label: 'Channels', icon: 'hash', group: 'Moderation', render: renderChannelsView },
    { id: 'reports', label: 'Reports', icon: 'flag', group: 'Moderation', render: renderReportsView, count: () => S.reports.size, more: () => S.reportsMore },
    { id: 'audit', label: 'Audit log', icon: 'list', group: 'Moderation', render: renderAuditView },
    { id: 'search', label: 'Search', icon: 'search', group: 'Moderation', render: renderSearchView },
    ...(community ? community.views : []),
    ...(webhooks ? webhooks.views : []),
  ];
  let VIEWS = ALL_VIEWS;

  function enterApp(user) {
    S.me = user;
    VIEWS = ALL_VIEWS.filter((v) => !v.admin || user.role === 'admin');
    S.server = '';
    learn(user.id, user.name, user.role);
    app.setAttribute('aria-busy', 'false');
    E.conn = h('span', { class: 'conn', 'data-state': 'open', role: 'status' }, h('span', { class: 'dot' }), h('span', { class: 'label', text: 'Live' }));
    E.nav = h('nav', { class: 'sidenav', 'aria-label': 'Console' });
    E.main = h('main', { id: 'main', tabindex: '-1' });
    const top = h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: '#/channels', 'aria-label': 'Parley Console home' }, h('span', { class: 'mark', html: svg(I.logo, 15) }), 'Parley', h('span', { class: 'sub', text: 'Console' })),
      h('span', { class: 'spacer' }),
      E.conn,
      h('div', { class: 'me' }, avatar(user.id, user.name, 'sm'),
        h('span', { class: 'name-block' }, h('b', { text: user.name }), ' ', h('span', { class: `badge ${user.role}`, text: user.role === 'admin' ? 'Admin' : 'Staff' }))),
      h('button', { class: 'btn ghost small', type: 'button', onclick: () => signOut() }, icon('signout', 15), 'Sign out'));
    app.replaceChildren(h('div', { class: 'shell' }, top, E.nav, E.main));
    window.addEventListener('hashchange', onHash);
    S.ticker = setInterval(() => {
      for (const t of document.querySelectorAll('time[data-rel]')) t.textContent = rel(Number(t.dataset.rel));
      for (const ch of S.channels.values()) if (ch.freshUntil && ch.freshUntil < Date.now()) { ch.freshUntil = 0; updateChanItem(ch); }
    }, 30000);
    S.channelPoll = setInterval(() => { if (S.client && S.client.connected) loadChannels(true); }, 60000);
    onHash();
    loadChannels();
    loadReports();
  }

  function renderConn(s) {
    if (!E.conn) return;
    const labels = { open: 'Live', connecting: 'Connecting…', authenticating: 'Connecting…', waiting: 'Reconnecting…', closed: 'Offline', failed: 'Disconnected' };
    E.conn.dataset.state = s.state;
    let text = labels[s.state] || s.state;
    if (s.state === 'waiting' && s.delay) text = `Reconnecting in ${Math.ceil(s.delay / 1000)} s…`;
    E.conn.querySelector('.label').textContent = text;
  }

  /** After a reconnect: the client rejoined and replayed missed messages; refresh what pushes
   *  cannot replay (edits, deletions, reactions, reports resolved meanwhile). */
  function onReconnected(u) {
    S.me = u;
    loadChannels(true);
    loadReports();
    const ch = S.selected && S.channels.get(S.selected);
    if (ch && ch.loaded) resyncChannel(ch);
  }

  function renderNav() {
    if (!E.nav) return;
    const groups = new Map();
    for (const v of VIEWS) {
      if (!groups.has(v.group)) groups.set(v.group, []);
      groups.get(v.group).push(v);
    }
    const kids = [];
    for (const [g, views] of groups) {
      const gid = 'nav-' + g.toLowerCase();
      kids.push(h('h2', { id: gid, text: g }));
      kids.push(h('ul', { 'aria-labelledby': gid }, views.map((v) => {
        const n = v.count ? v.count() : 0;
        const countText = n ? (v.more && v.more() ? `${n}+` : String(n)) : '';
        return h('li', null, h('a', {
          href: '#/' + v.id, 'aria-current': S.route.view === v.id ? 'page' : null,
          'aria-label': countText ? `${v.label}, ${countText} open` : v.label, title: v.label,
        }, icon(v.icon, 18), h('span', { class: 'label', text: v.label }), countText ? h('span', { class: 'count', text: countText }) : null));
      })));
    }
    kids.push(h('div', { class: 'foot' }, `Signed in as ${S.me.id}`));
    E.nav.replaceChildren(...kids);
    const open = S.reports.size;
    document.title = (open ? `(${open}${S.reportsMore ? '+' : ''}) ` : '') + (VIEWS.find((v) => v.id === S.route.view) || VIEWS[0]).label + ' · Parley Console';
  }

  function parseHash() {
    const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
    const view = VIEWS.some((v) => v.id === parts[0]) ? parts[0] : 'channels';
    return { view, arg: parts[1] || null };
  }

  function onHash() {
    const prev = S.route;
    S.route = parseHash();
    renderNav();
    const v = VIEWS.find((x) => x.id === S.route.view);
    if (prev.view === S.route.view && E.viewId === v.id && v.id === 'channels') {
      selectChannel(S.route.arg); // stay in the view, switch the channel
      return;
    }
    const left = VIEWS.find((x) => x.id === E.viewId);
    if (left && left.leave && left !== v) left.leave();
    E.viewId = v.id;
    v.render(S.route.arg);
  }

  const go = (hash) => { if (location.hash !== hash) location.hash = hash; else onHash(); };

  // ---- channels: list, watching, activity -------------------------------------------------
  async function loadChannels(quiet) {
    let data;
    try {
      data = await api('GET', '/api/channels');
    } catch (e) {
      if (!quiet) fail('Could not load the channels', e);
      return;
    }
    const seen = new Set();
    for (const info of data.channels || []) {
      const name = info.channel || info.name;
      seen.add(name);
      const ch = S.channels.get(name);
      if (ch) applyChannelFields(ch, info);
      else S.channels.set(name, chanRecord(info));
    }
    for (const name of [...S.channels.keys()]) if (!seen.has(name)) S.channels.delete(name);
    S.channelsLoaded = true;
    watchChannels();
    syncUnread();
    if (community) community.onChannels();
    if (E.viewId === 'channels') {
      renderChanList();
      if (!S.selected && S.route.view === 'channels') selectChannel(S.route.arg);
      else if (S.selected) renderPaneHead();
    }
  }

  /** The unread counts of the channels this staff member has joined, from their read markers
   *  (PROTOCOL.md §3.7 `channels`): the same after a reload and in every tab. */
  async function syncUnread() {
    if (!S.client || !S.client.connected) return;
    let ok;
    try { ok = await S.client.listChannels(); } catch (e) { return; }
    for (const e of ok.channels) {
      const ch = S.channels.get(e.name);
      if (!ch) continue;
      ch.lastRead = Math.max(ch.lastRead, e.last_read);
      if (e.last_seq > ch.lastSeq) ch.lastSeq = e.last_seq;
      if (viewing(ch.name)) noteRead(ch);
      else ch.unseen = e.unread;
      updateChanItem(ch);
    }
  }

  /** `ch` is on screen: nothing in it is unread; the server hears of it (at most twice a
   *  second per channel; a marker never moves backwards, so a late one is harmless). */
  function noteRead(ch) {
    ch.unseen = 0;
    if (!ch.lastSeq || ch.lastSeq <= ch.lastRead || !S.client) return;
    ch.lastRead = ch.lastSeq;
    if (ch.readTimer) return;
    ch.readTimer = setTimeout(() => {
      ch.readTimer = null;
      S.client.read(ch.name, ch.lastRead).catch(() => {});
    }, 500);
  }

  /** Another tab of ours read `channel` up to `seq`. */
  function onRead({ channel, seq }) {
    const ch = S.channels.get(channel);
    if (!ch) return;
    ch.lastRead = Math.max(ch.lastRead, seq);
    let n = 0;
    for (const m of ch.msgs.values()) if (m.seq > ch.lastRead && m.from.id !== (S.me && S.me.id)) n++;
    ch.unseen = Math.min(ch.unseen, n);
    updateChanItem(ch);
  }

  /** Joins channels for live activity: every non-archived one (up to MAX_WATCHED), plus the
   *  selected one whatever its state. */
  function watchChannels() {
    let n = [...S.channels.values()].filter((c) => c.joined || c.joining).length;
    const wanted = [...S.channels.values()].sort(byName).filter((c) => !c.archived || c.name === S.selected);
    for (const ch of wanted) {
      if (ch.joined || ch.joining || ch.watchError) continue;
      if (n >= MAX_WATCHED && ch.name !== S.selected) continue;
      n++;
      watch(ch);
    }
  }

  // Joins go out a few at a time: at start-up a console may watch up to MAX_WATCHED channels and
  // peek at each one's newest message, and a burst of ~2 frames per channel would run into the
  // server's per-connection frame rate limit (200 burst, 50/s).
  const WATCH_CONCURRENCY = 6;
  let watchQueue = [];
  let watchActive = 0;
  function watch(ch, urgent) {
    if (ch.joined) return;
    if (ch.joining) {
      if (urgent && watchQueue.includes(ch)) { watchQueue = watchQueue.filter((c) => c !== ch); watchQueue.unshift(ch); }
      return;
    }
    ch.joining = true;
    if (urgent) watchQueue.unshift(ch); else watchQueue.push(ch);
    pumpWatch();
  }
  function pumpWatch() {
    while (watchActive < WATCH_CONCURRENCY && watchQueue.length) {
      const ch = watchQueue.shift();
      const client = S.client;
      watchActive++;
      doWatch(ch, client).finally(() => { if (client === S.client) { watchActive--; pumpWatch(); } });
    }
  }

  async function doWatch(ch, client) {
    if (!client || client !== S.client) return;
    try {
      const ok = await client.join(ch.name);
      ch.joined = true;
      if (ok.last_seq > 0 && ch.lastTs == null) {
        // The time of the newest message, for the activity column.
        const page = await client.history(ch.name, { limit: 1 }).catch(() => ({ all: [] }));
        const last = page.all[page.all.length - 1];
        if (last && (ch.lastTs == null || last.ts > ch.lastTs)) { ch.lastTs = last.ts; ch.lastFrom = last.from.name; }
      }
    } catch (e) {
      ch.watchError = e.code || 'error';
      if (e.code !== 'disconnected') fail(`Could not watch #${ch.name}`, e);
    } finally {
      ch.joining = false;
      updateChanItem(ch);
    }
  }

  function onJoined({ channel, info, changes }) {
    const ch = S.channels.get(channel);
    if (!ch) return;
    // Changes made while away arrive as events; when the server no longer keeps them, reload.
    if (changes === 'reset') onReset({ channel });
    ch.joined = true;
    ch.lastSeq = info.last_seq;
    applyChannelFields(ch, info);
    ch.online = new Map((info.online || []).map((u) => [u.id, u.name]));
    for (const u of info.online || []) learn(u.id, u.name);
    updateChanItem(ch);
    if (S.selected === channel) renderPaneHead();
  }

  function onReset({ channel }) {
    const ch = S.channels.get(channel);
    if (!ch) return;
    Object.assign(ch, { msgs: new Map(), oldest: null, hasMore: true, loaded: false, loading: false });
    if (S.selected === channel && E.viewId === 'channels') { renderStream(ch); loadOlder(ch); }
  }

  function onPresence(p) {
    const ch = S.channels.get(p.channel);
    if (!ch) return;
    learn(p.user, p.name);
    if (p.state === 'online') ch.online.set(p.user, p.name);
    else ch.online.delete(p.user);
    if (S.selected === p.channel) renderPaneSub();
  }

  const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const viewing = (name) => E.viewId === 'channels' && S.selected === name && document.visibilityState !== 'hidden';

  function renderChannelsView(arg) {
    E.chanList = h('ul', { class: 'chan-list', 'aria-label': 'Channels' });
    E.chanFilter = h('input', { type: 'search', class: 'chan-filter', placeholder: 'Filter channels', 'aria-label': 'Filter channels', hidden: true,
      oninput: () => renderChanList(), onkeydown: (e) => { if (e.key === 'Escape' && E.chanFilter.value) { e.stopPropagation(); E.chanFilter.value = ''; renderChanList(); } } });
    E.pane = h('section', { class: 'pane', 'aria-label': 'Channel' });
    E.channelsView = h('div', { class: 'channels' },
      h('aside', { class: 'chan-side', 'aria-labelledby': 'channels-title' },
        h('div', { class: 'side-head' }, h('h1', { id: 'channels-title', text: 'Channels' }),
          h('button', { class: 'btn small', type: 'button', title: 'New channel', onclick: createChannelDialog }, icon('plus', 14), h('span', { class: 'wide-only', text: 'New channel' }), h('span', { class: 'narrow-label', text: 'New' }))),
        h('div', { class: 'filter-wrap' }, E.chanFilter),
        E.chanList),
      E.pane);
    E.main.replaceChildren(E.channelsView);
    S.selected = null;
    renderChanList();
    if (S.channelsLoaded) selectChannel(arg);
    else E.pane.replaceChildren(h('div', { class: 'pane-empty' }, h('span', { class: 'spinner', 'aria-hidden': 'true' })));
  }

  function renderChanList() {
    if (!E.chanList) return;
    let all = [...S.channels.values()].sort(byName);
    if (E.chanFilter) {
      E.chanFilter.hidden = all.length <= 8 && !E.chanFilter.value;
      const q = E.chanFilter.value.trim().toLowerCase();
      if (q) all = all.filter((c) => c.name.includes(q) || (c.title || '').toLowerCase().includes(q) || c.name === S.selected);
    }
    const active = all.filter((c) => !c.archived), archived = all.filter((c) => c.archived);
    const kids = active.map((c) => h('li', null, chanItem(c)));
    if (!S.channelsLoaded) kids.push(h('li', { class: 'chan-group', text: 'Loading…' }));
    else if (!all.length) kids.push(h('li', { class: 'chan-group', text: E.chanFilter && E.chanFilter.value ? 'No channel matches' : 'No channels yet' }));
    if (archived.length) {
      kids.push(h('li', { class: 'chan-group', 'aria-hidden': 'true', text: 'Archived' }));
      for (const c of archived) kids.push(h('li', null, chanItem(c)));
    }
    E.chanList.replaceChildren(...kids);
  }

  function chanItem(ch) {
    const k = kindOf(ch.kind);
    const badges = [];
    if (ch.archived) badges.push(h('span', { class: 'badge archived', text: 'Archived' }));
    if (ch.locked) badges.push(h('span', { class: 'badge locked', title: 'Locked: only staff post', html: svg(I.lock, 11) }, 'Locked'));
    if (ch.slow_mode_s) badges.push(h('span', { class: 'badge slow', title: `Slow mode: one message every ${dur(ch.slow_mode_s)} per customer`, html: svg(I.slow, 11) }, shortDur(ch.slow_mode_s)));
    const fresh = ch.freshUntil > Date.now();
    const label = [`#${ch.name}`, k.label, ch.archived && 'archived', ch.locked && 'locked', ch.slow_mode_s && `slow mode ${dur(ch.slow_mode_s)}`,
      ch.unseen && `${ch.unseen} new message${ch.unseen === 1 ? '' : 's'}`].filter(Boolean).join(', ');
    const btn = h('button', {
      class: 'chan-item' + (ch.archived ? ' archived' : '') + (fresh ? ' fresh' : ''), type: 'button', 'data-channel': ch.name,
      'aria-current': S.selected === ch.name ? 'true' : null, 'aria-label': label,
      onclick: () => go('#/channels/' + encodeURIComponent(ch.name)),
    },
    h('span', { class: 'ic', html: svg(I[k.icon], 15), title: k.label }),
    h('span', { class: 'nm', text: ch.name }),
    h('span', { class: 'when' }, fresh ? h('span', { class: 'live-dot', title: 'New message just now' }) : null,
      ch.lastTs ? relTime(ch.lastTs) : (ch.joined ? 'quiet' : '')),
    h('span', { class: 'line2' }, h('span', { class: 'ttl', text: ch.title && ch.title !== ch.name ? ch.title : k.label }), badges,
      ch.unseen ? h('span', { class: 'new', title: `${ch.unseen} new since you last looked`, text: ch.unseen > 99 ? '99+' : String(ch.unseen) }) : null));
    return btn;
  }

  function updateChanItem(ch) {
    if (!E.chanList) return;
    const old = E.chanList.querySelector(`.chan-item[data-channel="${CSS.escape(ch.name)}"]`);
    // (re)archived channels change group: redraw the list
    if (!old || old.classList.contains('archived') !== ch.archived) {
      const had = old && document.activeElement === old;
      renderChanList();
      if (had) { const n = E.chanList.querySelector(`.chan-item[data-channel="${CSS.escape(ch.name)}"]`); if (n) n.focus(); }
      return;
    }
    const had = document.activeElement === old;
    const fresh = chanItem(ch);
    old.replaceWith(fresh);
    if (had) fresh.focus();
  }

  function selectChannel(name) {
    if (!E.pane) return;
    if (!name && S.lastChannel && S.channels.has(S.lastChannel)) name = S.lastChannel; // back to where you were
    if (name && !S.channels.has(name) && S.channelsLoaded && S.refreshedFor !== name) {
      // Perhaps created since the list was loaded (by another staff member): look again first.
      S.refreshedFor = name;
      E.pane.replaceChildren(h('div', { class: 'pane-empty' }, h('span', { class: 'spinner', role: 'img', 'aria-label': 'Loading' })));
      loadChannels(true).then(() => { if (E.viewId === 'channels' && S.route.arg === name) selectChannel(name); });
      return;
    }
    if (!name || !S.channels.has(name)) {
      const first = [...S.channels.values()].sort(byName).find((c) => !c.archived) || [...S.channels.values()][0];
      if (first && S.channelsLoaded) {
        if (name) toast(`There is no channel #${name}`, { kind: 'error', code: 'not_found', detail: 'showing the first channel instead' });
        name = first.name;
      } else {
        E.pane.replaceChildren(h('div', { class: 'pane-empty', text: S.channelsLoaded ? 'No channels yet. Create one to get started.' : 'Loading channels…' }));
        return;
      }
    }
    if (S.route.arg !== name) {
      // keep the address in step (no hashchange: replaceState does not fire one)
      history.replaceState(history.state, '', '#/channels/' + encodeURIComponent(name));
      S.route = parseHash();
    }
    if (S.selected === name && E.stream) return;
    S.selected = name;
    S.lastChannel = name;
    const ch = S.channels.get(name);
    noteRead(ch);
    E.channelsView.classList.add('has-selection');
    renderChanList();
    E.head = h('header', { class: 'pane-head' });
    E.stream = h('div', { class: 'stream', tabindex: '-1', onscroll: onStreamScroll });
    E.jump = h('button', { class: 'btn small jump', type: 'button', hidden: true, onclick: () => scrollToEnd(true) }, 'New messages ↓');
    E.pane.setAttribute('aria-label', `#${name}`);
    E.pane.replaceChildren(E.head, E.stream, E.jump);
    renderPaneHead();
    renderStream(ch);
    if (!ch.joined) { ch.watchError = null; watch(ch, true); }
    if (!ch.loaded) loadOlder(ch);
  }

  function renderPaneHead() {
    const ch = S.selected && S.channels.get(S.selected);
    if (!ch || !E.head) return;
    const k = kindOf(ch.kind);
    const badges = [];
    if (ch.archived) badges.push(h('span', { class: 'badge archived', html: svg(I.archive, 11) }, 'Archived'));
    if (ch.locked) badges.push(h('span', { class: 'badge locked', html: svg(I.lock, 11) }, 'Locked · only staff post'));
    if (ch.slow_mode_s) badges.push(h('span', { class: 'badge slow', html: svg(I.slow, 11) }, `Slow mode · ${dur(ch.slow_mode_s)}`));

    const lockBtn = h('button', { class: 'btn', type: 'button', 'aria-pressed': ch.locked ? 'true' : 'false', disabled: ch.archived || null,
      title: ch.locked ? 'Unlock: everyone can post again' : 'Lock: only staff can post',
      onclick: () => patchChannel(ch, { locked: !ch.locked }, ch.locked ? `#${ch.name} unlocked` : `#${ch.name} locked: only staff can post`) },
    icon(ch.locked ? 'lock' : 'unlock', 15), ch.locked ? 'Locked' : 'Lock');

    const SLOW = [0, 5, 10, 30, 60, 120, 300, 900, 3600];
    if (!SLOW.includes(ch.slow_mode_s)) SLOW.push(ch.slow_mode_s), SLOW.sort((a, b) => a - b);
    const sel = h('select', { id: 'slow-mode', disabled: ch.archived || null, onchange: () => {
      const v = Number(sel.value);
      patchChannel(ch, { slow_mode_s: v }, v ? `Slow mode on in #${ch.name}: one message every ${dur(v)}` : `Slow mode off in #${ch.name}`);
    } }, SLOW.map((s) => h('option', { value: String(s), selected: s === ch.slow_mode_s || null, text: s ? shortDur(s) : 'Off' })));
    const slow = h('span', { class: 'slow' + (ch.slow_mode_s ? ' on' : '') }, icon('slow', 15), h('label', { for: 'slow-mode', text: 'Slow mode' }), sel);

    const controls = h('div', { class: 'controls', role: 'group', 'aria-label': `Settings of #${ch.name}` },
      lockBtn, slow,
      h('button', { class: 'btn', type: 'button', onclick: () => renameDialog(ch), disabled: ch.archived || null }, icon('pencil', 15), 'Rename'),
      ch.kind === 'private' ? h('button', { class: 'btn', type: 'button', onclick: () => membersDialog(ch) }, icon('users', 15), 'Members') : null,
      h('span', { class: 'sp' }),
      ch.archived
        ? h('button', { class: 'btn', type: 'button', onclick: () => patchChannel(ch, { archived: false }, `#${ch.name} is active again`) }, icon('archive', 15), 'Unarchive')
        : h('button', { class: 'btn subtle-danger', type: 'button', onclick: () => archiveDialog(ch) }, icon('archive', 15), 'Archive'));

    E.head.replaceChildren(
      h('div', { class: 'top' },
        h('button', { class: 'icon-btn narrow-only', type: 'button', 'aria-label': 'All channels', html: svg(I.back, 18), onclick: () => { E.channelsView.classList.remove('has-selection'); } }),
        h('div', null, h('h1', { id: 'pane-title', text: ch.title || ch.name }), E.sub = h('div', { class: 'sub' })),
        h('div', { class: 'badges' }, badges)),
      controls);
    renderPaneSub();
  }

  /** The line under the title: name, kind, who is online, message count (updated live). */
  function renderPaneSub() {
    const ch = S.selected && S.channels.get(S.selected);
    if (!ch || !E.sub) return;
    const online = [...ch.online.values()];
    const total = Math.max(ch.lastSeq, maxSeq(ch));
    E.sub.replaceChildren(h('span', { class: 'mono', text: '#' + ch.name }), h('span', { class: 'sep', text: '·' }),
      h('span', { class: 'kind', text: kindOf(ch.kind).label }), h('span', { class: 'sep', text: '·' }),
      h('span', { title: online.length ? online.join(', ') : 'nobody is in the channel right now' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), `${online.length} online`),
      ...(total ? [h('span', { class: 'sep', text: '·' }), h('span', { text: `${total} message${total === 1 ? '' : 's'}` })] : []));
  }

  const maxSeq = (ch) => { let m = 0; for (const s of ch.msgs.keys()) if (s > m) m = s; return m; };

  async function patchChannel(ch, body, okText) {
    try {
      const info = await api('PATCH', '/api/channels/' + encodeURIComponent(ch.name), body);
      applyChannelFields(ch, info);
      updateChanItem(ch);
      if (S.selected === ch.name) renderPaneHead();
      if (okText) toast(okText, { kind: 'ok' });
      if ('archived' in body) watchChannels();
      return info;
    } catch (e) {
      fail(`Could not change #${ch.name}`, e);
      if (S.selected === ch.name) renderPaneHead(); // put controls back to the real state
      throw e;
    }
  }

  function onChannelUpdated(f) {
    const ch = S.channels.get(f.channel);
    if (!ch) return;
    applyChannelFields(ch, f);
    updateChanItem(ch);
    if (S.selected === ch.name) renderPaneHead();
  }

  // ---- the message stream -----------------------------------------------------------------
  function onMessage(m) {
    const ch = S.channels.get(m.channel);
    if (!ch) return; // DMs and unknown channels are not the console's business
    learn(m.from.id, m.from.name, m.from.role);
    const known = ch.msgs.has(m.seq);
    ch.msgs.set(m.seq, m);
    if (m.deleted) S.deleted.add(m.channel + '#' + m.seq);
    if (m.seq > ch.lastSeq) ch.lastSeq = m.seq;
    if (!known) {
      if (ch.lastTs == null || m.ts >= ch.lastTs) { ch.lastTs = m.ts; ch.lastFrom = m.from.name; }
      if (viewing(ch.name)) noteRead(ch);
      else if (m.seq > ch.lastRead && !(S.me && m.from.id === S.me.id)) ch.unseen++;
      ch.freshUntil = Date.now() + 60000;
      updateChanItem(ch);
    }
    if (S.selected === ch.name && E.list) {
      const near = nearEnd();
      upsertNode(ch, m);
      if (near) scrollToEnd();
      else if (!known) E.jump.hidden = false;
      if (!known) { renderPaneSub(); renderPaging(ch); }
    }
  }

  function onDeleted(d) {
    S.deleted.add(d.channel + '#' + d.seq);
    markReportsDeleted(d.channel, d.seq);
    const ch = S.channels.get(d.channel);
    const m = ch && ch.msgs.get(d.seq);
    if (!m) return;
    Object.assign(m, { deleted: true, text: '', deleted_by: d.by, deleted_at: Date.now(), reactions: [] });
    if (S.selected === ch.name && E.list) upsertNode(ch, m);
  }

  function onEdited(e) {
    const ch = S.channels.get(e.channel);
    const m = ch && ch.msgs.get(e.seq);
    if (!m) return;
    m.text = e.text;
    m.edited_at = e.edited_at;
    if (S.selected === ch.name && E.list) upsertNode(ch, m, true);
  }

  function onReaction(r) {
    const ch = S.channels.get(r.channel);
    const m = ch && ch.msgs.get(r.seq);
    if (!m) return;
    const list = (m.reactions || []).slice();
    const i = list.findIndex((x) => x.emoji === r.emoji);
    if (r.count > 0) { if (i >= 0) list[i] = { emoji: r.emoji, count: r.count }; else list.push({ emoji: r.emoji, count: r.count }); }
    else if (i >= 0) list.splice(i, 1);
    m.reactions = list;
    if (S.selected === ch.name && E.list) upsertNode(ch, m);
  }

  function renderStream(ch) {
    if (!E.stream) return;
    E.older = h('button', { class: 'btn small older', type: 'button', hidden: true, onclick: () => loadOlder(ch) }, 'Load earlier messages');
    E.start = h('p', { class: 'start', hidden: true });
    E.spin = h('div', { class: 'loading', hidden: true }, h('span', { class: 'spinner', 'aria-label': 'Loading messages', role: 'img' }));
    E.list = h('ol', { class: 'msgs', 'aria-label': `Messages in #${ch.name}` });
    for (const seq of [...ch.msgs.keys()].sort((a, b) => a - b)) E.list.append(msgNode(ch, ch.msgs.get(seq)));
    regroup();
    E.stream.replaceChildren(E.older, E.spin, E.start, E.list);
    renderPaging(ch);
    scrollToEnd(true);
  }

  function renderPaging(ch) {
    if (!E.older) return;
    E.spin.hidden = !ch.loading;
    E.older.hidden = ch.loading || !ch.loaded || !ch.hasMore;
    E.start.hidden = !ch.loaded || ch.hasMore;
    E.start.textContent = ch.msgs.size ? `This is the very beginning of #${ch.name}.` : `No messages in #${ch.name} yet. New ones show up here live.`;
  }

  async function loadOlder(ch) {
    if (ch.loading || (ch.loaded && !ch.hasMore)) return;
    ch.loading = true;
    if (S.selected === ch.name) renderPaging(ch);
    const before = E.stream ? E.stream.scrollHeight - E.stream.scrollTop : 0;
    try {
      const page = await S.client.history(ch.name, { before: ch.oldest || undefined, limit: PAGE });
      for (const m of page.all) {
        learn(m.from.id, m.from.name, m.from.role);
        if (m.deleted) S.deleted.add(ch.name + '#' + m.seq);
        ch.msgs.set(m.seq, m);
        if (m.seq > ch.lastSeq) ch.lastSeq = m.seq;
      }
      if (page.oldest != null) ch.oldest = ch.oldest ? Math.min(ch.oldest, page.oldest) : page.oldest;
      ch.hasMore = page.has_more;
      ch.loaded = true;
      const last = page.all[page.all.length - 1];
      if (last && (ch.lastTs == null || last.ts > ch.lastTs)) { ch.lastTs = last.ts; ch.lastFrom = last.from.name; updateChanItem(ch); }
    } catch (e) {
      fail(`Could not load the messages of #${ch.name}`, e);
    } finally {
      ch.loading = false;
    }
    if (S.selected !== ch.name || !E.list) return;
    const firstLoad = !E.list.children.length;
    for (const m of ch.msgs.values()) upsertNode(ch, m, false, true);
    regroup();
    renderPaging(ch);
    renderPaneSub();
    if (firstLoad) scrollToEnd(true);
    else E.stream.scrollTop = E.stream.scrollHeight - before; // keep the reading position
  }

  /** Re-reads the newest loaded messages (after a reconnect, edits and deletions that happened
   *  meanwhile are not replayed by `join since`). */
  async function resyncChannel(ch) {
    try {
      const page = await S.client.history(ch.name, { limit: 100 });
      for (const m of page.all) {
        ch.msgs.set(m.seq, m);
        if (S.selected === ch.name && E.list) upsertNode(ch, m, false, true);
      }
      regroup();
    } catch (e) { /* the next reconnect tries again */ }
  }

  function onStreamScroll() {
    const ch = S.channels.get(S.selected);
    if (!ch) return;
    if (E.stream.scrollTop < 80 && ch.loaded && ch.hasMore && !ch.loading) loadOlder(ch);
    if (nearEnd()) E.jump.hidden = true;
  }
  const nearEnd = () => !E.stream || E.stream.scrollHeight - E.stream.scrollTop - E.stream.clientHeight < 120;
  function scrollToEnd(force) {
    if (!E.stream) return;
    if (force || nearEnd()) E.stream.scrollTop = E.stream.scrollHeight;
    if (E.jump) E.jump.hidden = true;
  }

  /** Inserts or replaces the node of message `m`, in seq order. */
  function upsertNode(ch, m, flash, quiet) {
    const node = msgNode(ch, m);
    const old = E.list.querySelector(`li[data-seq="${m.seq}"]`);
    if (old) {
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(node);
      if (hadFocus) (node.querySelector('.macts button') || node).focus();
    } else {
      let after = null;
      for (const li of E.list.children) { if (Number(li.dataset.seq) > m.seq) { after = li; break; } }
      E.list.insertBefore(node, after);
    }
    if (flash) node.classList.add('flash');
    if (!quiet) regroup();
  }

  /** Consecutive messages of one author within 5 minutes share one header. */
  function regroup() {
    if (!E.list) return;
    let prev = null;
    for (const li of E.list.children) {
      const cont = prev && prev.dataset.from === li.dataset.from && Number(li.dataset.ts) - Number(prev.dataset.ts) < GROUP_MS &&
        !li.classList.contains('deleted') && !prev.classList.contains('deleted') && !li.dataset.reply && Number(li.dataset.seq) === Number(prev.dataset.seq) + 1;
      li.classList.toggle('cont', !!cont);
      prev = li;
    }
  }

  function roleBadge(role) {
    if (role === 'staff' || role === 'admin') return h('span', { class: 'badge staff', text: role === 'admin' ? 'Admin' : 'Staff' });
    if (role === 'bot') return h('span', { class: 'badge bot', text: 'Bot' });
    return null;
  }
  /** A name that opens the user panel; without `name` it is looked up (see nameText). */
  const whoButton = (id, name, ctx) => (name
    ? h('button', { class: 'who', type: 'button', title: 'Open the moderation record', onclick: () => openUser(id, ctx), text: name })
    : nameText(id, 'button', { class: 'who', type: 'button', title: 'Open the moderation record', onclick: () => openUser(id, ctx) }));

  function msgNode(ch, m) {
    const from = m.from || { id: '?', name: '?' };
    const mine = S.me && from.id === S.me.id;
    const d = new Date(m.ts);
    const meta = h('div', { class: 'meta' },
      whoButton(from.id, from.name, { channel: ch.name }),
      roleBadge(from.role),
      from.advocate ? h('span', { class: 'badge ok', text: 'Advocate' }) : null,
      h('time', { datetime: d.toISOString(), title: fmtFull.format(d), text: clock(m.ts) }),
      h('span', { class: 'seq', text: '#' + m.seq, title: 'Sequence number in this channel' }));
    const body = h('div', { class: 'body' }, meta);
    if (m.reply_to) {
      const p = ch.msgs.get(m.reply_to);
      body.append(h('button', { class: 'quote', type: 'button', onclick: () => jumpTo(m.reply_to), 'aria-label': `In reply to message #${m.reply_to}` },
        '↪ ', p ? [h('b', { text: p.from.name }), ' ', p.deleted ? 'message removed' : snippet(p.text, 80)] : `message #${m.reply_to}`));
    }
    if (m.deleted) {
      const by = m.deleted_by ? (m.deleted_by === from.id ? 'its author' : (S.me && m.deleted_by === S.me.id ? 'you' : nameOf(m.deleted_by))) : 'a moderator';
      body.append(h('div', { class: 'tomb' }, icon('trash', 13), `Message removed by ${by}`, m.deleted_at ? ` · ${clock(m.deleted_at)}` : ''));
    } else {
      body.append(h('div', { class: 'text', dir: 'auto', text: m.text }));
      if (m.edited_at) body.querySelector('.meta').append(h('span', { class: 'edited', title: 'Edited ' + fmtFull.format(new Date(m.edited_at)), text: '(edited)' }));
    }
    if (m.reactions && m.reactions.length) {
      body.append(h('div', { class: 'reactions', 'aria-label': 'Reactions' }, m.reactions.map((r) =>
        h('span', { class: 'reaction', title: `${r.count} × ${r.emoji}` }, r.emoji, h('b', { text: String(r.count) })))));
    }
    const acts = [];
    if (!m.deleted && ch.kind !== 'dm') {
      acts.push(h('button', { class: 'del', type: 'button', 'aria-label': `Delete message #${m.seq} by ${from.name}`, title: 'Delete message', onclick: () => deleteDialog(ch, m) }, icon('trash', 14), 'Delete'));
    }
    if (!mine && canModerate(from.id)) {
      if (acts.length) acts.push(h('span', { class: 'div', 'aria-hidden': 'true' }));
      const u = { id: from.id, name: from.name };
      acts.push(
        h('button', { type: 'button', 'aria-label': `Mute ${from.name}`, title: `Mute ${from.name}`, onclick: () => muteDialog(u, ch.name) }, icon('mute', 14), 'Mute'),
        h('button', { type: 'button', 'aria-label': `Kick ${from.name} from #${ch.name}`, title: `Kick ${from.name} from #${ch.name}`, onclick: () => kickDialog(u, ch.name) }, icon('kick', 14), 'Kick'),
        h('button', { class: 'del', type: 'button', 'aria-label': `Ban ${from.name}`, title: `Ban ${from.name}`, onclick: () => banDialog(u) }, icon('ban', 14), 'Ban'));
    }
    return h('li', {
      class: 'msg' + (m.deleted ? ' deleted' : '') + (mine ? ' mine' : ''), 'data-seq': String(m.seq), 'data-from': from.id, 'data-ts': String(m.ts),
      'data-reply': m.reply_to ? '1' : null,
    }, avatar(from.id, from.name), body, acts.length ? h('div', { class: 'macts', role: 'group', 'aria-label': `Actions for message #${m.seq}` }, acts) : null);
  }

  function jumpTo(seq) {
    const li = E.list && E.list.querySelector(`li[data-seq="${seq}"]`);
    if (!li) { toast(`Message #${seq} is further back`, { detail: 'scroll up to load earlier messages' }); return; }
    li.scrollIntoView({ block: 'center' });
    li.classList.remove('flash');
    void li.offsetWidth;
    li.classList.add('flash');
  }


  function deleteDialog(ch, m) {
    dialog({
      title: 'Delete this message?',
      description: `Everyone in #${ch.name} sees “Message removed” in its place. The deletion is recorded in the audit log.`,
      body: [h('p', { class: 'preview' }, h('b', { text: m.from.name + ': ' }), m.text)],
      confirm: 'Delete message', danger: true,
      onConfirm: () => act(`Could not delete message #${m.seq}`, () => op({ op: 'delete', channel: ch.name, seq: m.seq }), `Message #${m.seq} in #${ch.name} deleted`),
    });
  }

  const MUTE_FOR = [[600, '10 minutes'], [3600, '1 hour'], [86400, '1 day'], [604800, '1 week'], [0, 'Until lifted']];
  function muteDialog(user, channel, after) {
    const body = [];
    if (channel) body.push(chipGroup('scope', 'Where', [['all', 'Everywhere'], ['channel', `Only in #${channel}`]], 'all'));
    body.push(chipGroup('duration', 'For how long', MUTE_FOR, 3600));
    body.push(reasonField('reason', 'Reason', 'Shown to them when they try to post, and kept in the audit log.'));
    dialog({
      title: `Mute ${user.name}`,
      description: `${user.name} can still read, but cannot send, edit or react while muted.`,
      body, confirm: 'Mute',
      onConfirm: async (form) => {
        const f = new FormData(form);
        const frame = { op: 'mute', user: user.id, duration_s: Number(f.get('duration')) };
        if (channel && f.get('scope') === 'channel') frame.channel = channel;
        const reason = String(f.get('reason') || '').trim();
        if (reason) frame.reason = reason;
        await act(`Could not mute ${user.name}`, () => op(frame),
          `${user.name} muted ${frame.channel ? 'in #' + frame.channel + ' ' : ''}${frame.duration_s ? 'for ' + dur(frame.duration_s) : 'until lifted'}`);
        if (after) after();
      },
    });
  }

  const BAN_FOR = [[86400, '1 day'], [604800, '1 week'], [2592000, '30 days'], [0, 'Permanently']];
  function banDialog(user, after) {
    dialog({
      title: `Ban ${user.name}`,
      description: `Their open sessions are closed at once and they cannot sign in until the ban ends or is lifted.`,
      body: [chipGroup('duration', 'For how long', BAN_FOR, 604800), reasonField('reason', 'Reason', 'Shown to them when they try to connect, and kept in the audit log.')],
      confirm: 'Ban', danger: true,
      onConfirm: async (form) => {
        const f = new FormData(form);
        const frame = { op: 'ban', user: user.id, duration_s: Number(f.get('duration')) };
        const reason = String(f.get('reason') || '').trim();
        if (reason) frame.reason = reason;
        await act(`Could not ban ${user.name}`, () => op(frame), `${user.name} banned ${frame.duration_s ? 'for ' + dur(frame.duration_s) : 'permanently'}`);
        if (after) after();
      },
    });
  }

  function kickDialog(user, channel, after) {
    dialog({
      title: `Kick ${user.name} from #${channel}?`,
      description: `Their open sessions leave #${channel} right away. They can join again; mute or ban them to keep them out.`,
      confirm: 'Kick', danger: true,
      onConfirm: async () => {
        await act(`Could not kick ${user.name}`, () => op({ op: 'kick', user: user.id, channel }), `${user.name} kicked from #${channel}`);
        if (after) after();
      },
    });
  }

  function createChannelDialog() {
    const name = h('input', { id: 'f-name', name: 'channel', required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false', pattern: '[a-z0-9][a-z0-9._\\-]{0,63}', placeholder: 'e.g. beta-testers', 'aria-describedby': 'f-name-hint' });
    dialog({
      title: 'New channel',
      body: [
        h('div', { class: 'field' }, h('label', { for: 'f-name', text: 'Name' }), name,
          h('span', { id: 'f-name-hint', class: 'hint', text: 'Lowercase letters, digits, dots, dashes and underscores; it cannot be changed later.' })),
        h('div', { class: 'field' }, h('label', { for: 'f-title', text: 'Title' }), h('input', { id: 'f-title', name: 'title', maxlength: '100', placeholder: 'Shown to customers, e.g. Beta testers' })),
        chipGroup('kind', 'Kind', [['support', 'Support'], ['chat', 'Chat'], ['announce', 'Announcements'], ['private', 'Private']], 'support'),
        h('p', { class: 'hint muted', style: 'margin:-6px 0 10px;font-size:12.5px', text: 'Support: questions and answers (they count for advocacy). Chat: social. Announcements: only staff post. Private: members you add.' }),
      ],
      confirm: 'Create channel',
      onConfirm: async (form) => {
        const f = new FormData(form);
        const channel = String(f.get('channel') || '').trim();
        if (!CHANNEL_NAME.test(channel)) throw inlineError('The name must start with a lowercase letter or digit and use only a-z, 0-9, “.”, “_” and “-” (at most 64).');
        const body = { channel, kind: String(f.get('kind')) };
        const title = String(f.get('title') || '').trim();
        if (title) body.title = title;
        const info = await act(`Could not create #${channel}`, () => api('POST', '/api/channels', body), `#${channel} created`);
        S.channels.set(info.channel, chanRecord(info));
        renderChanList();
        watchChannels();
        go('#/channels/' + encodeURIComponent(info.channel));
      },
    });
  }

  function renameDialog(ch) {
    const input = h('input', { id: 'f-title', name: 'title', required: true, maxlength: '100', value: ch.title || ch.name });
    dialog({
      title: `Rename #${ch.name}`,
      description: 'The title is what customers see; the channel name stays.',
      body: [h('div', { class: 'field' }, h('label', { for: 'f-title', text: 'Title' }), input)],
      confirm: 'Save',
      onConfirm: async (form) => {
        const title = String(new FormData(form).get('title') || '').trim();
        if (!title) throw inlineError('The title cannot be empty.');
        await patchChannel(ch, { title }, `#${ch.name} renamed to “${title}”`);
      },
    });
    input.select();
  }

  function archiveDialog(ch) {
    dialog({
      title: `Archive #${ch.name}?`,
      description: 'An archived channel stays readable, but nobody can post, edit or react in it, and it leaves the customers\' channel list. You can unarchive it later.',
      confirm: 'Archive', danger: true,
      onConfirm: () => patchChannel(ch, { archived: true }, `#${ch.name} archived`),
    });
  }

  /** Members of a private channel. The server has no member list endpoint; membership changes
   *  are all audited, so the list is rebuilt from the audit log. */
  async function membersFromAudit(channel) {
    const members = new Map();
    const events = [];
    let before = 0;
    for (let page = 0; page < 20; page++) {
      const data = await api('GET', `/api/audit?limit=200${before ? '&before=' + before : ''}`);
      for (const a of data.entries) {
        if (a.channel === channel && (a.action === 'add_member' || a.action === 'remove_member')) events.push(a);
      }
      if (!data.has_more || !data.entries.length) break;
      before = data.entries[data.entries.length - 1].id;
    }
    events.sort((a, b) => a.id - b.id);
    for (const a of events) {
      if (a.action === 'add_member') members.set(a.target_user, a);
      else members.delete(a.target_user);
    }
    return members;
  }

  function membersDialog(ch) {
    const list = h('ul', { class: 'member-list', 'aria-label': `Members of #${ch.name}`, 'aria-busy': 'true' }, h('li', { class: 'empty-row' }, h('span', { class: 'spinner', 'aria-hidden': 'true' })));
    const input = h('input', { id: 'f-member', name: 'user', autocomplete: 'off', spellcheck: 'false', maxlength: '64', placeholder: 'User id, e.g. alice or g-3f2a…', pattern: '[A-Za-z0-9._@+\\-]{1,64}' });
    const addBtn = h('button', { class: 'btn', type: 'button' }, icon('plus', 14), 'Add');
    const refresh = async () => {
      try {
        const members = await membersFromAudit(ch.name);
        list.setAttribute('aria-busy', 'false');
        list.replaceChildren(...(members.size ? [...members.keys()].sort().map((id) => h('li', null, avatar(id, nameOf(id), 'sm'),
          h('span', { class: 'nm' }, nameText(id, 'b'), h('span', { class: 'mono muted', text: ' ' + id })),
          h('button', { class: 'btn small subtle-danger', type: 'button', 'aria-label': `Remove ${nameOf(id)} from #${ch.name}`, onclick: async (e) => {
            e.currentTarget.disabled = true;
            try {
              await act(`Could not remove ${nameOf(id)}`, () => op({ op: 'remove_member', channel: ch.name, user: id }), `${nameOf(id)} removed from #${ch.name}`);
            } catch (ex) { /* toasted */ }
            refresh();
          } }, 'Remove'))) : [h('li', { class: 'empty-row', text: 'No members yet. Staff can always read private channels.' })]));
      } catch (e) {
        fail('Could not load the members', e);
        list.replaceChildren(h('li', { class: 'empty-row', text: 'Could not load the members.' }));
      }
    };
    const add = async () => {
      const user = input.value.trim();
      if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(user)) { input.focus(); toast('Enter a user id', { kind: 'error', code: 'bad_request', detail: '1-64 characters of A-Z a-z 0-9 . _ @ + -' }); return; }
      addBtn.disabled = true;
      try {
        await act(`Could not add ${user}`, () => op({ op: 'add_member', channel: ch.name, user }), `${nameOf(user)} added to #${ch.name}`);
        input.value = '';
        refresh();
      } catch (e) { /* toasted */ }
      addBtn.disabled = false;
      input.focus();
    };
    addBtn.addEventListener('click', add);
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); add(); } });
    dialog({
      title: `Members of #${ch.name}`,
      description: 'Members can read and post in this private channel. Removing someone takes them out of it at once.',
      body: [list, h('div', { class: 'field' }, h('label', { for: 'f-member', text: 'Add a member' }), h('div', { class: 'inline-form' }, input, addBtn)),
        h('p', { class: 'muted', style: 'font-size:12px;margin:0 0 8px', text: 'Rebuilt from the audit log (the server has no member list endpoint yet).' })],
      cancel: 'Done',
      focus: '#f-member',
    });
    refresh();
  }

  // ---- reports ---------------------------------------------------------------------------------
  async function loadReports(more) {
    try {
      const before = more ? Math.min(...S.reports.keys()) : 0;
      const data = await api('GET', `/api/reports?status=open&limit=${REPORT_PAGE}${before ? '&before=' + before : ''}`);
      if (!more) S.reports = new Map();
      for (const r of data.reports) { S.reports.set(r.report_id, r); learn(r.author.id, r.author.name); }
      S.reportsMore = data.has_more;
      S.reportsLoaded = true;
    } catch (e) {
      fail('Could not load the reports', e);
    }
    renderNav();
    if (E.viewId === 'reports' && (S.route.arg || 'open') === 'open') renderReportList();
  }

  async function loadResolved(status, more) {
    const cur = S.resolved[status];
    try {
      const before = more && cur && cur.list.length ? cur.list[cur.list.length - 1].report_id : 0;
      const data = await api('GET', `/api/reports?status=${status}&limit=${REPORT_PAGE}${before ? '&before=' + before : ''}`);
      const list = more && cur ? cur.list.concat(data.reports) : data.reports;
      for (const r of data.reports) learn(r.author.id, r.author.name);
      S.resolved[status] = { list, more: data.has_more };
    } catch (e) {
      fail('Could not load the reports', e);
      if (!S.resolved[status]) S.resolved[status] = { list: [], more: false, error: true };
    }
    if (E.viewId === 'reports' && S.route.arg === status) renderReportList();
  }

  function renderReportsView(arg) {
    const status = ['open', 'upheld', 'dismissed'].includes(arg) ? arg : 'open';
    const tab = (st, label) => h('a', { href: '#/reports/' + st, 'aria-current': st === status ? 'page' : null }, label,
      st === 'open' && S.reports.size ? h('span', { class: 'n', text: String(S.reports.size) + (S.reportsMore ? '+' : '') }) : null);
    E.reportList = h('ul', { class: 'report-list', 'aria-label': `${status[0].toUpperCase() + status.slice(1)} reports` });
    E.reportMore = h('div', { class: 'more' });
    E.tabs = h('nav', { class: 'tabs', 'aria-label': 'Report status' }, tab('open', 'Open'), tab('upheld', 'Upheld'), tab('dismissed', 'Dismissed'));
    E.main.replaceChildren(
      h('div', { class: 'view-head' },
        h('div', null, h('h1', { text: 'Reports' }), h('div', { class: 'desc', text: 'Messages customers flagged. New reports arrive here live.' })),
        h('span', { class: 'spacer' }), E.tabs,
        h('button', { class: 'btn', type: 'button', 'aria-label': 'Refresh reports', title: 'Refresh', onclick: () => (status === 'open' ? loadReports() : loadResolved(status)) }, icon('refresh', 15))),
      h('div', { class: 'scroll-area' }, E.reportList, E.reportMore));
    if (status !== 'open') loadResolved(status);
    renderReportList();
  }

  function renderReportList() {
    if (!E.reportList) return;
    const status = S.route.arg && S.route.arg !== 'open' ? S.route.arg : 'open';
    updateOpenTab();
    let list, more, loaded;
    if (status === 'open') { list = [...S.reports.values()].sort((a, b) => b.report_id - a.report_id); more = S.reportsMore; loaded = S.reportsLoaded; }
    else { const r = S.resolved[status]; list = r ? r.list : []; more = r && r.more; loaded = !!r; }
    if (!loaded) {
      E.reportList.replaceChildren(h('li', { class: 'empty' }, h('span', { class: 'spinner', 'aria-label': 'Loading reports', role: 'img' })));
      E.reportMore.replaceChildren();
      return;
    }
    if (!list.length) {
      E.reportList.replaceChildren(emptyReports(status));
    } else {
      E.reportList.replaceChildren(...list.map((r) => reportCard(r)));
    }
    E.reportMore.replaceChildren(more ? h('button', { class: 'btn', type: 'button', text: 'Load more reports', onclick: () => (status === 'open' ? loadReports(true) : loadResolved(status, true)) }) : '');
  }

  function emptyReports(status) {
    return h('li', { class: 'empty' },
      h('div', { class: 'big-icon', html: svg(status === 'open' ? I.check : I.flag, 22) }),
      h('h2', { text: status === 'open' ? 'All clear' : `No ${status} reports` }),
      h('p', { text: status === 'open' ? 'Nothing waits for review. New reports appear here the moment a customer files one.' : 'Resolved reports are listed here, newest first.' }));
  }

  function reportCard(r, fresh) {
    const dm = r.channel.startsWith('dm:');
    const removed = S.deleted.has(r.channel + '#' + r.seq);
    const where = dm
      ? h('span', { text: 'a private conversation' })
      : h('a', { href: `#/channels/${encodeURIComponent(r.channel)}`, onclick: (e) => { e.preventDefault(); openInChannel(r); } }, `#${r.channel}`);
    const li = h('li', { class: 'card report' + (fresh ? ' fresh' : ''), 'data-report': String(r.report_id), 'aria-labelledby': `rep-${r.report_id}` },
      h('div', { class: 'rhead' }, icon('flag', 14), h('b', { id: `rep-${r.report_id}`, text: `Report #${r.report_id}` }),
        h('span', null, 'on message #', String(r.seq), ' in ', where), h('span', { class: 'spacer' }), relTime(r.ts)),
      h('div', { class: 'quoted' }, avatar(r.author.id, r.author.name),
        h('div', null,
          h('div', { class: 'meta' }, whoButton(r.author.id, r.author.name, dm ? {} : { channel: r.channel }),
            removed ? h('span', { class: 'badge archived', style: 'margin-left:6px', text: 'Message removed' }) : null),
          r.text ? h('div', { class: 'text', dir: 'auto', text: r.text }) : h('div', { class: 'text gone', text: '(no text)' }))),
      h('p', { class: 'reason' }, 'Reported by ', whoButton(r.reporter, null, {}), r.reason ? [': ', h('q', { text: r.reason })] : ' (no reason given)'));
    if (r.status === 'open') {
      li.append(h('div', { class: 'ractions' },
        h('button', { class: 'btn primary', type: 'button', onclick: () => upholdDialog(r) }, icon('check', 15), 'Uphold…'),
        h('button', { class: 'btn', type: 'button', onclick: (e) => dismissReport(r, e.currentTarget) }, 'Dismiss'),
        !dm ? h('button', { class: 'btn ghost', type: 'button', onclick: () => openInChannel(r) }, icon('open', 15), 'Show in channel') : null));
    } else {
      li.append(h('div', { class: 'resolution' },
        h('span', { class: 'badge ' + (r.status === 'upheld' ? 'danger' : 'archived'), text: r.status === 'upheld' ? 'Upheld' : 'Dismissed' }),
        h('span', null, 'by ', nameText(r.resolved_by, 'b'), ' · ', relTime(r.resolved_at)),
        r.resolution ? h('span', { text: '· ' + r.resolution }) : null));
    }
    return li;
  }

  function markReportsDeleted(channel, seq) {
    if (!E.reportList) return;
    for (const r of S.reports.values()) {
      if (r.channel === channel && r.seq === seq) {
        const old = E.reportList.querySelector(`li[data-report="${r.report_id}"]`);
        if (old) old.replaceWith(reportCard(r));
      }
    }
  }

  function openInChannel(r) {
    go('#/channels/' + encodeURIComponent(r.channel));
    const ch = S.channels.get(r.channel);
    if (!ch) return;
    const tryJump = (n) => {
      const li = E.list && E.list.querySelector(`li[data-seq="${r.seq}"]`);
      if (li) { jumpTo(r.seq); return; }
      if (n > 0 && ch.loaded && ch.hasMore && S.selected === r.channel) { loadOlder(ch).then(() => tryJump(n - 1)); return; }
      if (n > 0 && !ch.loaded) { setTimeout(() => tryJump(n - 1), 300); }
    };
    setTimeout(() => tryJump(10), 50);
  }

  const MUTE_AFTER = [[0, 'Don\'t mute'], [600, '10 minutes'], [3600, '1 hour'], [86400, '1 day'], [604800, '1 week']];
  function upholdDialog(r) {
    const dm = r.channel.startsWith('dm:');
    dialog({
      title: `Uphold report #${r.report_id}`,
      description: `Agree that ${r.author.name}'s message breaks the rules. Upheld reports count against the author.`,
      body: [
        h('p', { class: 'preview' }, h('b', { text: r.author.name + ': ' }), r.text),
        h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'remove', checked: true }),
          h('span', null, 'Remove the message', h('small', { text: dm ? 'It is deleted from the private conversation.' : `Everyone in #${r.channel} sees “Message removed” instead.` }))),
        chipGroup('mute_s', `Mute ${r.author.name}`, MUTE_AFTER, 0),
      ],
      confirm: 'Uphold report',
      onConfirm: async (form) => {
        const f = new FormData(form);
        const frame = { op: 'resolve_report', report_id: r.report_id, action: 'uphold', remove: f.get('remove') === 'on' };
        const mute = Number(f.get('mute_s'));
        if (mute) frame.mute_s = mute;
        const ok = await act(`Could not uphold report #${r.report_id}`, () => op(frame));
        if (ok && ok.mute_skipped) {
          // The mute follows the rules of `mute` (staff cannot mute staff): the rest was done.
          toast(`Report #${r.report_id} upheld${frame.remove ? ', message removed' : ''}, but ${r.author.name} was not muted`, { kind: 'error', code: 'mute_skipped', detail: ok.mute_skipped });
        } else {
          toast(`Report #${r.report_id} upheld${frame.remove ? ', message removed' : ''}${mute ? `, ${r.author.name} muted for ${dur(mute)}` : ''}`, { kind: 'ok' });
        }
        dropReport(r.report_id);
      },
    });
  }

  async function dismissReport(r, btn) {
    btn.disabled = true;
    btn.classList.add('busy');
    try {
      await act(`Could not dismiss report #${r.report_id}`, () => op({ op: 'resolve_report', report_id: r.report_id, action: 'dismiss' }), `Report #${r.report_id} dismissed`);
      dropReport(r.report_id);
    } catch (e) {
      btn.disabled = false;
      btn.classList.remove('busy');
    }
  }

  /** Takes a report out of the open queue (animated when it is on screen). */
  function dropReport(id) {
    const had = S.reports.delete(id);
    if (had) renderNav();
    const li = E.reportList && E.reportList.querySelector(`li[data-report="${id}"]`);
    if (li && (S.route.arg || 'open') === 'open' && E.viewId === 'reports' && !li.classList.contains('leaving')) {
      const focusNext = li.contains(document.activeElement) || document.activeElement === document.body;
      li.classList.add('leaving');
      li.setAttribute('aria-hidden', 'true');
      setTimeout(() => {
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        if (!E.reportList.querySelector('li[data-report]')) E.reportList.replaceChildren(emptyReports('open'));
        if (focusNext && next) { const b = next.querySelector('.ractions button'); if (b) b.focus(); }
      }, 260);
    }
    updateOpenTab();
  }

  function updateOpenTab() {
    const tabN = E.tabs && E.tabs.querySelector('a[href="#/reports/open"]');
    if (tabN) tabN.replaceChildren('Open', S.reports.size ? h('span', { class: 'n', text: String(S.reports.size) + (S.reportsMore ? '+' : '') }) : '');
  }

  function onReport(r) {
    learn(r.author.id, r.author.name);
    if (S.reports.has(r.report_id)) return;
    S.reports.set(r.report_id, r);
    renderNav();
    announce(`New report #${r.report_id}: ${r.author.name}'s message${r.channel.startsWith('dm:') ? '' : ' in #' + r.channel}${r.reason ? ', reason: ' + r.reason : ''}.`);
    if (E.viewId === 'reports' && (S.route.arg || 'open') === 'open' && E.reportList) {
      const empty = E.reportList.querySelector('.empty');
      if (empty) empty.remove();
      const card = reportCard(r, true);
      const first = [...E.reportList.children].find((li) => Number(li.dataset.report) < r.report_id);
      E.reportList.insertBefore(card, first || null);
      updateOpenTab();
    } else {
      const t = toast(`New report #${r.report_id}`, { detail: `${r.author.name}: “${snippet(r.text, 60)}”` });
      t.querySelector('.tx').append(h('a', { href: '#/reports', style: 'display:inline-block;margin-top:4px;color:inherit;font-weight:600', text: 'Review →' }));
    }
  }

  function onReportResolved(r) {
    const mine = S.me && r.resolved_by === S.me.id;
    const had = S.reports.has(r.report_id);
    dropReport(r.report_id);
    const cache = S.resolved[r.status];
    if (cache && !cache.list.some((x) => x.report_id === r.report_id)) {
      cache.list.unshift(r);
      cache.list.sort((a, b) => b.report_id - a.report_id);
      if (E.viewId === 'reports' && S.route.arg === r.status) renderReportList();
    }
    if (!mine && had) {
      lookupName(r.resolved_by);
      Promise.resolve(nameLookups.get(r.resolved_by)).then(() =>
        toast(`Report #${r.report_id} was ${r.status} by ${nameOf(r.resolved_by)}`, { detail: r.resolution || '' }));
    }
  }

  // ---- audit log ----------------------------------------------------------------------------------
  const ACTIONS = {
    delete: ['Deleted message', 'red'], mute: ['Muted', 'amber'], unmute: ['Unmuted', 'green'],
    ban: ['Banned', 'red'], unban: ['Unbanned', 'green'], ban_enforced: ['Ban enforced', 'red'], kick: ['Kicked', 'amber'],
    resolve_report: ['Resolved report', 'blue'], slow_mode: ['Slow mode', 'amber'], lock: ['Locked', 'amber'], unlock: ['Unlocked', 'green'],
    create_channel: ['Created channel', 'blue'], archive_channel: ['Archived', ''], unarchive_channel: ['Unarchived', 'green'],
    update_channel: ['Renamed channel', 'blue'], add_member: ['Added member', 'blue'], remove_member: ['Removed member', ''],
    filter_block: ['Filter blocked', 'red'], filter_mask: ['Filter masked', 'amber'], set_advocate: ['Advocate flag', 'blue'],
    publish_thread: ['Published thread', 'green'], unpublish_thread: ['Unpublished thread', 'amber'],
  };

  // ---- search (staff: every channel, archived and private ones and DMs included) ----------
  function renderSearchView() {
    const input = h('input', { type: 'search', name: 'q', 'aria-label': 'Search every channel', maxlength: '256',
      placeholder: 'Words, "a phrase", from:user, in:channel, is:solved' });
    E.searchResults = h('div', { class: 'search-results' });
    E.searchStatus = h('p', { class: 'desc', role: 'status' });
    const form = h('form', { class: 'search-form', role: 'search', onsubmit: (e) => { e.preventDefault(); runSearch(input.value, ''); } },
      input, h('button', { class: 'btn primary', type: 'submit' }, icon('search', 15), 'Search'));
    E.main.replaceChildren(
      h('div', { class: 'view-head' },
        h('div', null, h('h1', { text: 'Search' }),
          h('div', { class: 'desc', text: 'Every channel: archived and private ones, and private conversations, which only staff can search.' }))),
      h('div', { class: 'scroll-area' }, form, E.searchStatus, E.searchResults));
    input.focus();
  }

  async function runSearch(query, cursor) {
    const ticket = S.searchTicket = (S.searchTicket || 0) + 1;
    if (!cursor) { E.searchResults.replaceChildren(); E.searchStatus.textContent = 'Searching…'; }
    let r;
    try {
      r = await op({ op: 'search', query, limit: 20, ...(cursor ? { cursor } : {}) });
    } catch (e) {
      if (ticket === S.searchTicket) E.searchStatus.textContent = e.message;
      return;
    }
    if (ticket !== S.searchTicket || E.viewId !== 'search') return;
    const list = E.searchResults.querySelector('ol') || E.searchResults.appendChild(h('ol', { class: 'card search-list' }));
    for (const x of r.results) {
      learn(x.from.id, x.from.name, x.from.role);
      const dm = x.channel.startsWith('dm:');
      const where = dm ? `private: ${x.channel.slice(3).split(':').join(' ↔ ')}` : '#' + x.channel;
      const snip = h('p', { class: 'snip' });
      snip.append(...markedText(x.snippet));
      list.append(h('li', { 'data-channel': x.channel, 'data-seq': String(x.seq) },
        avatar(x.from.id, x.from.name, 'sm'),
        h('div', { class: 'q' },
          h('div', { class: 'm' }, nameText(x.from.id, 'b'), ` · ${where} · message #${x.seq} · `, relTime(x.ts),
            x.solved_seq ? ' · solved' : ''),
          snip),
        dm ? null : h('button', { class: 'btn small ghost', type: 'button', 'aria-label': `Show message #${x.seq} in #${x.channel}`,
          onclick: () => openInChannel({ channel: x.channel, seq: x.seq }) }, icon('open', 14), 'Show in channel')));
    }
    const shown = list.children.length;
    E.searchStatus.textContent = shown ? `${shown} result${shown === 1 ? '' : 's'}${r.cursor ? ' so far' : ''}.` : `Nothing matches ${query}.`;
    const old = E.searchResults.querySelector('.more');
    if (old) old.remove();
    if (r.cursor) {
      E.searchResults.append(h('div', { class: 'more' }, h('button', { class: 'btn', type: 'button', onclick: () => runSearch(query, r.cursor) }, 'More results')));
    }
  }

  function renderAuditView() {
    E.auditBody = h('tbody');
    E.auditMore = h('div', { class: 'more' });
    E.main.replaceChildren(
      h('div', { class: 'view-head' },
        h('div', null, h('h1', { text: 'Audit log' }), h('div', { class: 'desc', text: 'Every moderation and channel change, newest first.' })),
        h('span', { class: 'spacer' }),
        h('button', { class: 'btn', type: 'button', onclick: () => loadAudit(false) }, icon('refresh', 15), 'Refresh')),
      h('div', { class: 'scroll-area' },
        h('div', { class: 'card table-card' }, h('table', { class: 'audit' },
          h('caption', { class: 'sr-only', text: 'Audit log, newest first' }),
          h('thead', null, h('tr', null, ['When', 'Who', 'Action', 'Target', 'Where', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
          E.auditBody)),
        E.auditMore));
    renderAudit();
    loadAudit(false);
  }

  async function loadAudit(more) {
    const A = S.audit;
    if (A.loading) return;
    A.loading = true;
    renderAudit();
    try {
      const before = more && A.entries.length ? A.entries[A.entries.length - 1].id : 0;
      const data = await api('GET', `/api/audit?limit=${AUDIT_PAGE}${before ? '&before=' + before : ''}`);
      A.entries = more ? A.entries.concat(data.entries) : data.entries;
      A.more = data.has_more;
      A.loaded = true;
    } catch (e) {
      fail('Could not load the audit log', e);
    } finally {
      A.loading = false;
    }
    renderAudit();
  }

  function auditDetails(a) {
    const d = a.details || {};
    const out = [];
    if (a.action === 'resolve_report') {
      out.push(`${a.reason === 'dismiss' ? 'dismissed' : 'upheld'} report #${d.report_id}`);
      if (d.remove) out.push('message removed');
      if (d.mute_s) out.push(`author muted ${dur(d.mute_s)}`);
    } else {
      if ('duration_s' in d) out.push(d.duration_s ? `for ${dur(d.duration_s)}` : (a.action === 'ban' ? 'permanently' : 'until lifted'));
      if ('interval_s' in d) out.push(d.interval_s ? `one message every ${dur(d.interval_s)}` : 'off');
      if (d.kind) out.push(`kind: ${kindOf(d.kind).label}`);
      if (d.title) out.push(`title: “${d.title}”`);
      if (Array.isArray(d.words)) out.push(`words: ${d.words.join(', ')}`);
      for (const [k, v] of Object.entries(d)) {
        if (!['duration_s', 'interval_s', 'kind', 'title', 'words'].includes(k)) out.push(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
      }
      if (a.reason) out.push(`reason: “${a.reason}”`);
    }
    return out.join(' · ');
  }

  function auditRow(a) {
    const [label, color] = ACTIONS[a.action] || [a.action, ''];
    const person = (id) => (id === 'system' ? h('span', { class: 'muted', text: 'system' }) : nameText(id, 'button', { class: 'linkish', type: 'button', onclick: () => openUser(id, {}) }));
    const dm = a.channel && a.channel.startsWith('dm:');
    return h('tr', null,
      h('td', { class: 'when' }, relTime(a.ts)),
      h('td', null, person(a.actor)),
      h('td', null, h('span', { class: 'act ' + color, text: label })),
      h('td', null, a.target_user ? person(a.target_user) : ''),
      h('td', null, a.channel ? (dm ? h('span', { class: 'muted', text: 'private conversation' }) : h('a', { href: `#/channels/${encodeURIComponent(a.channel)}`, text: `#${a.channel}` })) : '',
        a.seq ? h('span', { class: 'muted', text: ` · message #${a.seq}` }) : ''),
      h('td', { class: 'detail', text: auditDetails(a) }));
  }

  function renderAudit() {
    if (!E.auditBody) return;
    const A = S.audit;
    if (!A.loaded) {
      E.auditBody.replaceChildren(h('tr', null, h('td', { colspan: '6', style: 'text-align:center;padding:30px' }, h('span', { class: 'spinner', role: 'img', 'aria-label': 'Loading' }))));
    } else if (!A.entries.length) {
      E.auditBody.replaceChildren(h('tr', null, h('td', { colspan: '6', class: 'muted', style: 'text-align:center;padding:30px', text: 'Nothing has been moderated yet.' })));
    } else {
      E.auditBody.replaceChildren(...A.entries.map(auditRow));
    }
    E.auditMore.replaceChildren(A.more ? h('button', { class: 'btn' + (A.loading ? ' busy' : ''), type: 'button', disabled: A.loading || null, text: 'Load older entries', onclick: () => loadAudit(true) }) : '');
  }

  // ---- user panel (a side drawer) --------------------------------------------------------------
  function openUser(id, ctx) {
    const old = document.querySelector('dialog.drawer');
    if (old) old.close();
    const dlg = h('dialog', { class: 'drawer', 'aria-labelledby': 'drawer-title' });
    dlg.addEventListener('close', () => dlg.remove());
    dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); }); // the backdrop
    document.body.append(dlg);
    const state = { id, ctx: ctx || {}, dlg };
    renderUser(state, null);
    dlg.showModal();
    loadUser(state);
  }

  async function loadUser(state) {
    try {
      const u = await api('GET', '/api/users/' + encodeURIComponent(state.id));
      if (u.name) learn(u.id, u.name, u.role);
      renderUser(state, u);
    } catch (e) {
      fail(`Could not load ${nameOf(state.id)}`, e);
      renderUser(state, { id: state.id, error: e });
    }
  }

  function renderUser(state, u) {
    const { id, ctx, dlg } = state;
    const name = (u && u.name) || nameOf(id);
    const role = (u && u.role) || S.roles.get(id);
    const closeBtn = h('button', { class: 'icon-btn close', type: 'button', 'aria-label': 'Close', html: svg(I.x, 18), onclick: () => dlg.close() });
    const head = h('div', { class: 'dhead' }, avatar(id, name, 'lg'),
      h('div', null, h('h2', { id: 'drawer-title', text: name }), h('div', { class: 'id', text: id }),
        h('div', { style: 'display:flex;gap:6px;margin-top:6px;flex-wrap:wrap' }, role ? h('span', { class: 'badge ' + (isStaffRole(role) ? 'staff' : ''), text: role[0].toUpperCase() + role.slice(1) }) : null,
          u && u.guest ? h('span', { class: 'badge', text: 'Guest' }) : null,
          u && u.ban ? h('span', { class: 'badge banned', text: 'Banned' }) : null,
          u && u.mutes && u.mutes.length ? h('span', { class: 'badge muted', text: 'Muted' }) : null)),
      closeBtn);
    const body = h('div', { class: 'dbody' });
    if (!u) {
      body.append(h('div', { style: 'display:flex;justify-content:center;padding:30px' }, h('span', { class: 'spinner', role: 'img', 'aria-label': 'Loading' })));
    } else if (u.error) {
      body.append(h('div', { class: 'alert error', role: 'alert' }, h('code', { text: u.error.code }), ' ', u.error.message));
    } else {
      const reload = () => loadUser(state);
      const self = S.me && id === S.me.id;
      const allowed = !self && (!isStaffRole(role) || (S.me.role === 'admin' && role === 'staff'));
      const status = h('section', { 'aria-labelledby': 'st-h' }, h('h3', { id: 'st-h', text: 'Restrictions' }));
      if (u.ban) {
        status.append(h('div', { class: 'restriction ban' }, icon('ban', 16),
          h('div', { class: 'what' }, h('b', { text: `Banned ${untilText(u.ban.until)}` }),
            h('span', null, `by ${nameOf(u.ban.by)} · ${fmtDay.format(new Date(u.ban.at))}`, u.ban.reason ? ` · “${u.ban.reason}”` : '')),
          h('button', { class: 'btn small', type: 'button', onclick: (e) => liftRestriction(e.currentTarget, `Could not unban ${name}`, { op: 'unban', user: id }, `${name} unbanned`, reload) }, 'Unban')));
      }
      for (const m of u.mutes || []) {
        status.append(h('div', { class: 'restriction mute' }, icon('mute', 16),
          h('div', { class: 'what' }, h('b', { text: `Muted ${m.channel ? 'in #' + m.channel : 'everywhere'} ${untilText(m.until)}` }),
            h('span', null, `by ${nameOf(m.by)} · ${fmtDay.format(new Date(m.at))}`, m.reason ? ` · “${m.reason}”` : '')),
          h('button', { class: 'btn small', type: 'button', 'aria-label': `Unmute ${name}${m.channel ? ' in #' + m.channel : ''}`, onclick: (e) => {
            const frame = { op: 'unmute', user: id };
            if (m.channel) frame.channel = m.channel;
            liftRestriction(e.currentTarget, `Could not unmute ${name}`, frame, `${name} unmuted${m.channel ? ' in #' + m.channel : ''}`, reload);
          } }, 'Unmute')));
      }
      if (!u.ban && !(u.mutes || []).length) status.append(h('p', { class: 'clean' }, icon('check', 16), 'No active restrictions.'));
      body.append(status);

      if (allowed) {
        const u2 = { id, name };
        body.append(h('section', { 'aria-labelledby': 'ac-h' }, h('h3', { id: 'ac-h', text: 'Moderate' }), h('div', { class: 'dactions' },
          h('button', { class: 'btn', type: 'button', onclick: () => muteDialog(u2, ctx.channel, reload) }, icon('mute', 15), 'Mute…'),
          ctx.channel ? h('button', { class: 'btn', type: 'button', onclick: () => kickDialog(u2, ctx.channel, reload) }, icon('kick', 15), `Kick from #${ctx.channel}`) : null,
          !u.ban ? h('button', { class: 'btn subtle-danger', type: 'button', onclick: () => banDialog(u2, reload) }, icon('ban', 15), 'Ban…') : null)));
      } else if (!self && isStaffRole(role)) {
        body.append(h('p', { class: 'muted', text: 'Staff cannot mute, ban or kick staff or admins (admins can moderate staff).' }));
      }

      body.append(h('section', { 'aria-labelledby': 'ab-h' }, h('h3', { id: 'ab-h', text: 'About' }),
        u.first_seen ? h('dl', { class: 'facts' },
          h('dt', { text: 'First seen' }), h('dd', { title: fmtFull.format(new Date(u.first_seen)), text: fmtDay.format(new Date(u.first_seen)) }),
          h('dt', { text: 'Last seen' }), h('dd', null, relTime(u.last_seen)))
          : h('p', { class: 'muted', text: 'This server has no record of this user connecting.' })));

      const reps = u.upheld_reports || [];
      body.append(h('section', { 'aria-labelledby': 'ur-h' }, h('h3', { id: 'ur-h', text: `Upheld reports (${reps.length})` }),
        reps.length ? h('ul', { class: 'mini-list' }, reps.map((r) => h('li', null,
          h('div', { class: 't', text: r.text ? snippet(r.text, 160) : '(no text)' }),
          h('div', { class: 'm' }, `#${r.report_id} · ${r.channel.startsWith('dm:') ? 'private conversation' : '#' + r.channel} · ${fmtDay.format(new Date(r.resolved_at || r.ts))}`,
            r.resolution ? ` · ${r.resolution}` : ''))))
          : h('p', { class: 'muted', text: 'None.' })));
    }
    dlg.replaceChildren(head, body);
    if (document.activeElement === document.body || !dlg.contains(document.activeElement)) closeBtn.focus();
  }

  async function liftRestriction(btn, label, frame, okText, reload) {
    btn.disabled = true;
    btn.classList.add('busy');
    try {
      await act(label, () => op(frame), okText);
      reload();
    } catch (e) {
      btn.disabled = false;
      btn.classList.remove('busy');
    }
  }

  // ---- go -------------------------------------------------------------------------------------
  document.addEventListener('visibilitychange', () => {
    const ch = S.selected && S.channels.get(S.selected);
    if (document.visibilityState === 'visible' && ch && E.viewId === 'channels') {
      const had = ch.unseen;
      noteRead(ch);
      if (had) updateChanItem(ch);
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
