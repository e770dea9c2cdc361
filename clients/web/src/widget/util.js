/* Small pure helpers of the widget: texts, initials and avatar hues, time formats, links in
 * message text, the JWT subject, CSS.escape. */
import { h, hue } from '../shared/dom.js';

export { hue };

export const cap = (t) => String(t || '').replace(/^./, (ch) => ch.toUpperCase()).replace(/([^.!?])$/, '$1.');
export const initials = (name) => (String(name || '?').trim().split(/\s+/).slice(0, 2).map((p) => p[0]).join('') || '?').toUpperCase();
export const fmtTime = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
export const fmtDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
export const fmtFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
export function when(ts) {
  const d = new Date(ts);
  return (new Date().toDateString() === d.toDateString() ? fmtTime : fmtDay).format(d);
}
export const snippet = (t, n = 80) => (t.length > n ? t.slice(0, n - 1) + '…' : t).replace(/\s+/g, ' ');
export function linkify(text) {
  const out = [];
  const re = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
  let at = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer nofollow', text: m[0] }));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
export function jwtSub(token) {
  try {
    const p = atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(p, (ch) => ch.charCodeAt(0)))).sub || null;
  } catch (e) { return null; }
}

export function CSS_escape(s) { return window.CSS && window.CSS.escape ? window.CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&'); }
