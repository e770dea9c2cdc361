/* Parley staff console: the message stream of the selected channel: live messages, edits,
 * deletions and reactions, history paging, moderation buttons on each message, and showing one
 * message in its channel (openInChannel). */
import { h } from '../shared/dom.js';
import { avatar, clock, fail, fmtFull, icon, snippet, toast } from './kit.js';
import { GROUP_MS, PAGE } from './config.js';
import { E, S, canModerate, learn, nameOf } from './state.js';
import { nameText } from './names.js';
import { noteRead, renderPaneSub, updateChanItem, viewing } from './channels.js';
import { banDialog, deleteDialog, kickDialog, muteDialog } from './moderation.js';
import { markReportsDeleted } from './reports.js';
import { go } from './shell.js';
import { openUser } from './user.js';

export function onMessage(m) {
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

export function onDeleted(d) {
  S.deleted.add(d.channel + '#' + d.seq);
  markReportsDeleted(d.channel, d.seq);
  const ch = S.channels.get(d.channel);
  const m = ch && ch.msgs.get(d.seq);
  if (!m) return;
  Object.assign(m, { deleted: true, text: '', deleted_by: d.by, deleted_at: Date.now(), reactions: [] });
  if (S.selected === ch.name && E.list) upsertNode(ch, m);
}

export function onEdited(e) {
  const ch = S.channels.get(e.channel);
  const m = ch && ch.msgs.get(e.seq);
  if (!m) return;
  m.text = e.text;
  m.edited_at = e.edited_at;
  if (S.selected === ch.name && E.list) upsertNode(ch, m, true);
}

export function onReaction(r) {
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

export function renderStream(ch) {
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

export async function loadOlder(ch) {
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

export function onStreamScroll() {
  const ch = S.channels.get(S.selected);
  if (!ch) return;
  if (E.stream.scrollTop < 80 && ch.loaded && ch.hasMore && !ch.loading) loadOlder(ch);
  if (nearEnd()) E.jump.hidden = true;
}
const nearEnd = () => !E.stream || E.stream.scrollHeight - E.stream.scrollTop - E.stream.clientHeight < 120;
export function scrollToEnd(force) {
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
export const whoButton = (id, name, ctx) => (name
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

export function openInChannel(r) {
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
