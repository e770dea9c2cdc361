/* Parley staff console: the user panel (a side drawer): a user's restrictions (unban, unmute),
 * moderation actions, first and last seen, upheld reports. */
import { h, svg } from '../shared/dom.js';
import { I, act, avatar, fail, fmtDay, fmtFull, icon, isStaffRole, relTime, snippet, untilText } from './kit.js';
import { api, op } from './server.js';
import { S, learn, nameOf } from './state.js';
import { banDialog, kickDialog, muteDialog } from './moderation.js';

export function openUser(id, ctx) {
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
