/* Parley staff console: user names that fill themselves in. Ids seen only as ids (reporters,
 * audit actors, members) are looked up once with GET /api/users/{id}; learn() (state.js) then
 * fills in every element showing that id. */
import { h } from '../shared/dom.js';
import { api } from './server.js';
import { S, learn, nameOf } from './state.js';

/** A user's display name that fills itself in: ids seen only as ids (reporters, audit actors,
 *  members) are looked up once with GET /api/users/{id}. */
export function nameText(id, tag, attrs) {
  const el = h(tag || 'span', Object.assign({ 'data-name-of': id, text: nameOf(id) }, attrs || {}));
  if (!S.names.has(id)) lookupName(id);
  return el;
}
export const nameLookups = new Map();
export function lookupName(id) {
  if (!id || id === 'system' || nameLookups.has(id)) return;
  nameLookups.set(id, api('GET', '/api/users/' + encodeURIComponent(id)).then((u) => { if (u.name) learn(u.id, u.name, u.role); }, () => {}));
}
