/* Parley staff console: the Audit log view (#/audit): every moderation and channel change,
 * newest first. */
import { h } from '../shared/dom.js';
import { dur, fail, icon, kindOf, relTime } from './kit.js';
import { AUDIT_PAGE } from './config.js';
import { api } from './server.js';
import { E, S } from './state.js';
import { nameText } from './names.js';
import { openUser } from './user.js';

const ACTIONS = {
  delete: ['Deleted message', 'red'], mute: ['Muted', 'amber'], unmute: ['Unmuted', 'green'],
  ban: ['Banned', 'red'], unban: ['Unbanned', 'green'], ban_enforced: ['Ban enforced', 'red'], kick: ['Kicked', 'amber'],
  resolve_report: ['Resolved report', 'blue'], slow_mode: ['Slow mode', 'amber'], lock: ['Locked', 'amber'], unlock: ['Unlocked', 'green'],
  create_channel: ['Created channel', 'blue'], archive_channel: ['Archived', ''], unarchive_channel: ['Unarchived', 'green'],
  update_channel: ['Renamed channel', 'blue'], add_member: ['Added member', 'blue'], remove_member: ['Removed member', ''],
  filter_block: ['Filter blocked', 'red'], filter_mask: ['Filter masked', 'amber'], set_advocate: ['Advocate flag', 'blue'],
  publish_thread: ['Published thread', 'green'], unpublish_thread: ['Unpublished thread', 'amber'],
};

export function renderAuditView() {
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
