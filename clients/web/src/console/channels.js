/* Parley staff console: the Channels view (#/channels[/<name>]): the channel list, watching
 * channels for live activity (joins a few at a time), unread counts and read markers, the
 * selected channel's header with its settings (lock, slow mode, rename, members, archive). The
 * message stream of the selected channel is stream.js; the settings dialogs channel-settings.js. */
import { h, svg } from '../shared/dom.js';
import { I, dur, fail, icon, kindOf, relTime, shortDur, toast } from './kit.js';
import { MAX_WATCHED } from './config.js';
import { api } from './server.js';
import { E, S, applyChannelFields, chanRecord, learn } from './state.js';
import { archiveDialog, createChannelDialog, membersDialog, renameDialog } from './channel-settings.js';
import { community, go, parseHash } from './shell.js';
import { loadOlder, onStreamScroll, renderStream, scrollToEnd } from './stream.js';

// The `channel_updated` pushes that arrive while a reload of the list is in flight, by channel:
// the answer may predate them, so they are applied again on top of it (a lock pushed during a
// reconnect's reload would otherwise be undone by the older answer).
const reloads = new Set();

export async function loadChannels(quiet) {
  const pushed = new Map();
  reloads.add(pushed);
  let data;
  try {
    data = await api('GET', '/api/channels');
  } catch (e) {
    if (!quiet) fail('Could not load the channels', e);
    return;
  } finally {
    reloads.delete(pushed);
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
  for (const [name, f] of pushed) {
    const ch = S.channels.get(name);
    if (ch) applyChannelFields(ch, f);
  }
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
export function noteRead(ch) {
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
export function onRead({ channel, seq }) {
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
export function watchChannels() {
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
/** Forgets the joins still queued (teardown: the next connection starts afresh). */
export function resetWatchQueue() {
  watchQueue = [];
  watchActive = 0;
}
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

export function onJoined({ channel, info, changes }) {
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

export function onReset({ channel }) {
  const ch = S.channels.get(channel);
  if (!ch) return;
  Object.assign(ch, { msgs: new Map(), oldest: null, hasMore: true, loaded: false, loading: false });
  if (S.selected === channel && E.viewId === 'channels') { renderStream(ch); loadOlder(ch); }
}

export function onPresence(p) {
  const ch = S.channels.get(p.channel);
  if (!ch) return;
  learn(p.user, p.name);
  if (p.state === 'online') ch.online.set(p.user, p.name);
  else ch.online.delete(p.user);
  if (S.selected === p.channel) renderPaneSub();
}

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
export const viewing = (name) => E.viewId === 'channels' && S.selected === name && document.visibilityState !== 'hidden';

export function renderChannelsView(arg) {
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

export function renderChanList() {
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

export function updateChanItem(ch) {
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

export function selectChannel(name) {
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
export function renderPaneSub() {
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

export async function patchChannel(ch, body, okText) {
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

export function onChannelUpdated(f) {
  for (const x of reloads) x.set(f.channel, f);
  const ch = S.channels.get(f.channel);
  if (!ch) return;
  applyChannelFields(ch, f);
  updateChanItem(ch);
  if (S.selected === ch.name) renderPaneHead();
}
