/* Parley staff console: the state every view shares. S: the session (token, protocol client,
 * signed-in user), the channels and their messages, the open reports, the audit log, the names
 * and roles of the users seen, the route; E: the elements of the rendered shell and view. Who
 * may moderate whom (canModerate). Imports nothing of the console but kit.js, so it is
 * evaluated first (index.js imports it first). */
import { isStaffRole } from './kit.js';

/** The page's #app: every screen of the console renders into it. */
export const app = document.getElementById('app');

export const S = {
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
export const E = {}; // elements of the rendered shell and view

export function chanRecord(info) {
  return {
    name: info.channel || info.name, kind: info.kind, title: info.title || '', archived: !!info.archived,
    locked: !!info.locked, slow_mode_s: info.slow_mode_s || 0,
    joined: false, joining: false, watchError: null, lastSeq: 0, lastTs: null, lastFrom: null, unseen: 0, freshUntil: 0,
    lastRead: 0, readTimer: null,
    msgs: new Map(), oldest: null, hasMore: true, loaded: false, loading: false, online: new Map(),
  };
}
export function applyChannelFields(ch, f) {
  if (f.kind) ch.kind = f.kind;
  if (f.title != null) ch.title = f.title;
  if (f.archived != null) ch.archived = !!f.archived;
  if (f.locked != null) ch.locked = !!f.locked;
  if (f.slow_mode_s != null) ch.slow_mode_s = f.slow_mode_s;
}
export function nameOf(id) { return S.names.get(id) || id; }
export function learn(id, name, role) {
  if (!id) return;
  if (name && S.names.get(id) !== name) {
    S.names.set(id, name);
    for (const el of document.querySelectorAll(`[data-name-of="${CSS.escape(id)}"]`)) el.textContent = name;
  }
  if (role) S.roles.set(id, role);
}

/** Whether this console may mute/ban/kick `id` (the server has the last word). */
export function canModerate(id) {
  if (!S.me || id === S.me.id) return false;
  const r = S.roles.get(id);
  if (!isStaffRole(r)) return true;
  return S.me.role === 'admin' && r === 'staff';
}
