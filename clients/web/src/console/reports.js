/* Parley staff console: the Reports view (#/reports[/open|upheld|dismissed]): the queue of open
 * reports, kept live by the staff-only pushes `report` / `report_resolved`; uphold (with removal
 * and a mute) or dismiss. */
import { h, svg } from '../shared/dom.js';
import { I, act, announce, avatar, chipGroup, dialog, dur, fail, icon, relTime, snippet, toast } from './kit.js';
import { REPORT_PAGE } from './config.js';
import { api, op } from './server.js';
import { E, S, learn, nameOf } from './state.js';
import { lookupName, nameLookups, nameText } from './names.js';
import { renderNav } from './shell.js';
import { openInChannel, whoButton } from './stream.js';

// The pushes that arrive while a reload of the open queue is in flight: the answer may predate
// them, so they are applied again on top of it (a report filed, or resolved, after the server
// read its list would otherwise be lost by the reload replacing the queue).
const reloads = new Set();

export async function loadReports(more) {
  const seen = { added: new Map(), dropped: new Set() };
  if (!more) reloads.add(seen);
  try {
    const before = more ? Math.min(...S.reports.keys()) : 0;
    const data = await api('GET', `/api/reports?status=open&limit=${REPORT_PAGE}${before ? '&before=' + before : ''}`);
    if (!more) S.reports = new Map();
    for (const r of data.reports) { S.reports.set(r.report_id, r); learn(r.author.id, r.author.name); }
    for (const [id, r] of seen.added) S.reports.set(id, r);
    for (const id of seen.dropped) S.reports.delete(id);
    S.reportsMore = data.has_more;
    S.reportsLoaded = true;
  } catch (e) {
    fail('Could not load the reports', e);
  } finally {
    reloads.delete(seen);
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

export function renderReportsView(arg) {
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

export function markReportsDeleted(channel, seq) {
  if (!E.reportList) return;
  for (const r of S.reports.values()) {
    if (r.channel === channel && r.seq === seq) {
      const old = E.reportList.querySelector(`li[data-report="${r.report_id}"]`);
      if (old) old.replaceWith(reportCard(r));
    }
  }
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
  for (const x of reloads) { x.added.delete(id); x.dropped.add(id); }
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

export function onReport(r) {
  learn(r.author.id, r.author.name);
  for (const x of reloads) { x.added.set(r.report_id, r); x.dropped.delete(r.report_id); }
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

export function onReportResolved(r) {
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
