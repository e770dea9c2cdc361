/* What the widget keeps in localStorage, per server origin (and per user where `sub` is given):
 * the guest token, pending sends, own reactions and helpful marks, clicked bot buttons. Every
 * access survives storage being off (private mode). */
import { ORIGIN } from './config.js';

export const store = {
  get(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } },
  set(k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode */ } },
  del(k) { try { localStorage.removeItem(k); } catch (e) { /* ignore */ } },
};
export const KEY = {
  guest: 'parley:guest:' + ORIGIN,
  outbox: (sub) => `parley:outbox:${ORIGIN}:${sub}`,
  mine: (sub) => `parley:mine:${ORIGIN}:${sub}`, // own reactions and helpful marks: the server tells counts only
  actions: (sub) => `parley:actions:${ORIGIN}:${sub}`, // the button we clicked on each bot message
};
