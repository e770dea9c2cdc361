/* Parley staff console: the app shell. The navigation (each view registers in ALL_VIEWS, in
 * groups, with the Community and Admin groups of community.js and webhooks.js), the top bar and
 * connection state, and routing by the URL hash. */
import { h, svg } from '../shared/dom.js';
import { I, avatar, icon, rel } from './kit.js';
import { api, op } from './server.js';
import { E, S, app, learn, nameOf } from './state.js';
import { nameText } from './names.js';
import { renderAuditView } from './audit.js';
import { createCommunity } from './community.js';
import { createWebhooks } from './webhooks.js';
import { signOut } from './boot.js';
import { loadChannels, renderChannelsView, selectChannel, updateChanItem } from './channels.js';
import { loadReports, renderReportsView } from './reports.js';
import { renderSearchView } from './search.js';
import { openInChannel } from './stream.js';
import { openUser } from './user.js';

/** The "Community" group (advocates, at-risk users, insights, knowledge; DESIGN §6):
 *  community.js, given what it needs of the console. */
export const community = createCommunity({
  api, op, learn, nameOf, nameText, openUser,
  main: () => E.main,
  current: () => E.viewId,
  channels: () => [...S.channels.values()],
  loadChannels: () => loadChannels(true),
  openMessage: (channel, seq) => openInChannel({ channel, seq }),
});

/** The "Admin" group (webhooks; DESIGN §10): webhooks.js. */
export const webhooks = createWebhooks({
  api, main: () => E.main, current: () => E.viewId,
});

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

export function enterApp(user) {
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

export function renderConn(s) {
  if (!E.conn) return;
  const labels = { open: 'Live', connecting: 'Connecting…', authenticating: 'Connecting…', waiting: 'Reconnecting…', closed: 'Offline', failed: 'Disconnected' };
  E.conn.dataset.state = s.state;
  let text = labels[s.state] || s.state;
  if (s.state === 'waiting' && s.delay) text = `Reconnecting in ${Math.ceil(s.delay / 1000)} s…`;
  E.conn.querySelector('.label').textContent = text;
}

/** After a reconnect: the client rejoined with `since` and `changes_since`, so missed messages
 *  and the edits, deletions and reactions made meanwhile are replayed (a `changes_reset`
 *  reloads the channel: channels.js onJoined). Refresh what no push replays: the channel list
 *  and the reports resolved meanwhile. */
export function onReconnected(u) {
  S.me = u;
  loadChannels(true);
  loadReports();
}

export function renderNav() {
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

export function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
  const view = VIEWS.some((v) => v.id === parts[0]) ? parts[0] : 'channels';
  return { view, arg: parts[1] || null };
}

export function onHash() {
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

export const go = (hash) => { if (location.hash !== hash) location.hash = hash; else onHash(); };
