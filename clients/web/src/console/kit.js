/* Parley staff console: the toolkit the console's modules share (icons, avatars, time and
 * duration formats, toasts and the screen-reader announcer, modal dialogs, the server error type).
 * The DOM builder h(), the icon frame svg() and markedText() are the widget's too:
 * src/shared/dom.js. */
import { h, svg, hue } from '../shared/dom.js';

// ---- small helpers ------------------------------------------------------------------
export const I = {
  logo: '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>',
  hash: '<path d="M5 9h14M5 15h14M10 4 8 20M16 4l-2 16"/>',
  lock: '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
  unlock: '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 7.5-2"/>',
  megaphone: '<path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15 8a5 5 0 0 1 0 8M18 5a9 9 0 0 1 0 14"/>',
  search: '<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>',
  help: '<circle cx="12" cy="12" r="9"/><path d="M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.5V14M12 17h.01"/>',
  chat: '<path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z"/>',
  flag: '<path d="M5 21V4M5 4h11l-2 4 2 4H5"/>',
  list: '<path d="M9 6h11M9 12h11M9 18h11M4 6h.01M4 12h.01M4 18h.01"/>',
  trash: '<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>',
  mute: '<path d="M11 5 6 9H3v6h3l5 4zM22 9l-6 6M16 9l6 6"/>',
  ban: '<circle cx="12" cy="12" r="9"/><path d="m5.7 5.7 12.6 12.6"/>',
  kick: '<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l-5-5 5-5M5 12h11"/>',
  plus: '<path d="M12 5v14M5 12h14"/>',
  x: '<path d="M18 6 6 18M6 6l12 12"/>',
  check: '<path d="m5 12 5 5 9-10"/>',
  slow: '<path d="M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9s10 4 10 9"/>',
  archive: '<rect x="3" y="4" width="18" height="5" rx="1"/><path d="M5 9v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V9M10 13h4"/>',
  pencil: '<path d="M4 20h4L19 9l-4-4L4 16z"/>',
  users: '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.5a3.5 3.5 0 0 1 0 7M18 14a6.5 6.5 0 0 1 3.5 6"/>',
  refresh: '<path d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4"/>',
  back: '<path d="m15 18-6-6 6-6"/>',
  alert: '<path d="M12 3 2 20h20zM12 10v4M12 17h.01"/>',
  info: '<circle cx="12" cy="12" r="9"/><path d="M12 11v5M12 8h.01"/>',
  shield: '<path d="M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6z"/>',
  open: '<path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5"/>',
  reply: '<path d="M9 14 4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 6 6v4"/>',
  award: '<circle cx="12" cy="9" r="6"/><path d="m8.5 14-1.5 7 5-3 5 3-1.5-7"/>',
  chart: '<path d="M4 20V4M4 20h16M8 16v-5M12 16V8M16 16v-3"/>',
  signout: '<path d="M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l5-5-5-5M15 12H4"/>',
};
export const icon = (name, size) => h('span', { class: 'i', html: svg(I[name], size), 'aria-hidden': 'true', style: 'display:inline-grid' });

export const initials = (name) => (String(name || '?').split(/\s+/).map((p) => (p.match(/[\p{L}\p{N}]/u) || [''])[0]).filter(Boolean).slice(0, 2).join('') || '?').toUpperCase();
export const avatar = (id, name, cls) => h('span', { class: 'avatar' + (cls ? ' ' + cls : ''), 'aria-hidden': 'true', style: `background:hsl(${hue(id)} 45% 52%)`, text: initials(name) });

export const fmtTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
export const fmtDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
export const fmtFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const sameDay = (a, b) => new Date(a).toDateString() === new Date(b).toDateString();
/** "just now", "4 min ago", "3 h ago", then a date. */
export function rel(ts) {
  const d = Date.now() - ts;
  if (d < 45e3) return 'just now';
  if (d < 3600e3) return `${Math.round(d / 60e3)} min ago`;
  if (d < 86400e3 && sameDay(ts, Date.now())) return `${Math.round(d / 3600e3)} h ago`;
  return fmtDay.format(new Date(ts));
}
export const clock = (ts) => (sameDay(ts, Date.now()) ? fmtTime : fmtDay).format(new Date(ts));
/** A <time> that keeps its relative text fresh (see the ticker in enterApp). */
export const relTime = (ts, cls) => h('time', { class: cls, datetime: new Date(ts).toISOString(), title: fmtFull.format(new Date(ts)), 'data-rel': String(ts), text: rel(ts) });
/** Seconds as words: 600 → "10 minutes". */
export function dur(s) {
  if (!s) return 'until lifted';
  const units = [[604800, 'week'], [86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  for (const [n, u] of units) if (s % n === 0 && s >= n) return `${s / n} ${u}${s / n === 1 ? '' : 's'}`;
  return `${s} seconds`;
}
export const shortDur = (s) => (s >= 3600 && s % 3600 === 0 ? `${s / 3600} h` : s >= 60 && s % 60 === 0 ? `${s / 60} min` : `${s} s`);
export const untilText = (until) => (!until ? 'until lifted' : `until ${fmtDay.format(new Date(until))}`);
export const snippet = (t, n = 90) => { const s = String(t || '').replace(/\s+/g, ' ').trim(); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
export const isStaffRole = (r) => r === 'staff' || r === 'admin';
export const KIND = {
  support: { label: 'Support', icon: 'help' },
  chat: { label: 'Chat', icon: 'hash' },
  announce: { label: 'Announcements', icon: 'megaphone' },
  private: { label: 'Private', icon: 'lock' },
};
export const kindOf = (k) => KIND[k] || { label: k || 'channel', icon: 'hash' };
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

// ---- notices: toasts and the screen-reader announcer --------------------------------
const toastsEl = document.getElementById('toasts');
const announcer = document.getElementById('announcer');
export function announce(text) {
  announcer.textContent = '';
  setTimeout(() => { announcer.textContent = text; }, 30);
}
/** kind: ok | info | error. Errors carry the server's error code and stay longer. */
export function toast(title, { kind = 'info', code, detail, timeout } = {}) {
  const t = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' },
    h('span', { class: 'ti', html: svg(kind === 'error' ? I.alert : kind === 'ok' ? I.check : I.info, 16) }),
    h('div', { class: 'tx' }, h('b', { text: title }),
      (code || detail) ? h('span', { class: 'det' }, code ? h('code', { text: code }) : null, code && detail ? ' ' : null, detail || null) : null),
    h('button', { class: 'x', type: 'button', 'aria-label': 'Dismiss notification', html: svg(I.x, 14), onclick: () => t.remove() }));
  toastsEl.append(t);
  while (toastsEl.children.length > 4) toastsEl.firstChild.remove();
  raiseToasts();
  setTimeout(() => { t.remove(); raiseToasts(); }, timeout || (kind === 'error' ? 12000 : 4000));
  return t;
}
/** Keeps the toasts above modal dialogs: the container is a manual popover, re-shown so it is
 *  the newest entry of the top layer (a toast under a dialog's backdrop would go unseen). */
export function raiseToasts() {
  if (typeof toastsEl.showPopover !== 'function') return;
  if (!toastsEl.hasAttribute('popover')) toastsEl.setAttribute('popover', 'manual');
  try {
    if (toastsEl.matches(':popover-open')) toastsEl.hidePopover();
    if (toastsEl.children.length) toastsEl.showPopover();
  } catch (e) { /* not supported: stays in the page */ }
}
/** A failed server call as a readable toast with its error code. */
export function fail(action, err) {
  const code = (err && err.code) || 'error';
  let detail = (err && err.message) || String(err);
  if (code === 'disconnected') detail = 'not connected to the server; try again once the console is back online';
  if (err && err.retry_after_ms > 0) detail += ` (try again in ${Math.ceil(err.retry_after_ms / 1000)} s)`;
  toast(action, { kind: 'error', code, detail });
}

/** A failed server call: `code` is the server's error code (or network / http_<status>). */
export class ServerError extends Error {
  constructor(code, message, extra) { super(message); this.code = code; Object.assign(this, extra || {}); }
}

// ---- dialogs ----------------------------------------------------------------------------------
let dialogSeq = 0;
/**
 * A modal <dialog> (focus is trapped, Escape cancels). `onConfirm(form)` runs the action; the
 * dialog closes when it resolves and shows the error inline (plus a toast) when it throws.
 */
export function dialog({ title, description, body, confirm, danger, onConfirm, cancel = 'Cancel', focus }) {
  const id = 'dlg-' + ++dialogSeq;
  const dlg = h('dialog', { class: 'dlg', 'aria-labelledby': id + '-t', 'aria-describedby': description ? id + '-d' : null });
  const err = h('div', { class: 'alert error dlg-err', role: 'alert', hidden: true });
  const ok = confirm ? h('button', { class: 'btn ' + (danger ? 'danger' : 'primary'), type: 'submit', text: confirm }) : null;
  const form = h('form', { method: 'dialog', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    if (!onConfirm) { dlg.close(); return; }
    if (!form.checkValidity()) { form.reportValidity(); return; }
    ok.disabled = true;
    ok.classList.add('busy');
    err.hidden = true;
    try {
      await onConfirm(form);
      dlg.close();
    } catch (ex) {
      if (ex && ex.inline) { err.textContent = ex.message; }
      else { err.replaceChildren(h('code', { text: (ex && ex.code) || 'error' }), ' ', (ex && ex.message) || String(ex)); }
      err.hidden = false;
      ok.disabled = false;
      ok.classList.remove('busy');
    }
  } },
  h('div', { class: 'dh' }, h('h2', { id: id + '-t', text: title }), description ? h('p', { id: id + '-d' }, description) : null),
  h('div', { class: 'db' }, err, body || null),
  h('div', { class: 'df' }, h('button', { class: 'btn', type: 'button', text: cancel, onclick: () => dlg.close() }), ok));
  dlg.append(form);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  const f = (focus && form.querySelector(focus)) || form.querySelector('input:not([type=radio]):not([type=checkbox]), textarea') || ok;
  if (f) f.focus();
  return dlg;
}
export const inlineError = (message) => Object.assign(new Error(message), { inline: true });

/** Radio chips: options [[value, label]], returns the fieldset. */
export function chipGroup(name, legend, options, checked) {
  return h('fieldset', null, h('legend', { text: legend }), h('div', { class: 'chips' }, options.map(([v, label]) =>
    h('label', { class: 'chip-radio' }, h('input', { type: 'radio', name, value: String(v), checked: String(v) === String(checked) || null }), h('span', { text: label })))));
}
export const reasonField = (name, label, hint) => h('div', { class: 'field' },
  h('label', { for: 'f-' + name, text: label }),
  h('textarea', { id: 'f-' + name, name, maxlength: '500', rows: '2', placeholder: 'Optional' }),
  hint ? h('span', { class: 'hint', text: hint }) : null);

/** Runs a moderation op and toasts the outcome; rethrows so a dialog stays open on failure. */
export async function act(label, fn, okText) {
  try {
    const r = await fn();
    if (okText) toast(typeof okText === 'function' ? okText(r) : okText, { kind: 'ok' });
    return r;
  } catch (e) {
    fail(label, e);
    throw e;
  }
}
