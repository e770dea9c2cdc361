/* Parley staff console: start-up, sign-in and the connection. The token comes from `?token=`
 * (stripped from the address bar at once) or the sign-in form and is kept in sessionStorage (this
 * tab only); verify() opens the staff WebSocket with it and wires the protocol client's events to
 * the views; the welcome decides: staff → the console, anyone else → refused. */
import Lib from '../../parley-client.js';
import { h, svg } from '../shared/dom.js';
import { I, fail, isStaffRole, toast } from './kit.js';
import { TOKEN_KEY, WS_URL } from './config.js';
import { E, S, app, nameOf } from './state.js';
import { onChannelUpdated, onJoined, onPresence, onRead, onReset, resetWatchQueue } from './channels.js';
import { onReport, onReportResolved } from './reports.js';
import { community, enterApp, onHash, onReconnected, renderConn, webhooks } from './shell.js';
import { onDeleted, onEdited, onMessage, onReaction } from './stream.js';

export function boot() {
  if (!Lib || !Lib.ParleyClient) {
    app.replaceChildren(screen(h('div', { class: 'card login' }, h('div', { class: 'alert error', role: 'alert', text: 'parley-client.js did not load; reload the page.' }))));
    return;
  }
  const url = new URL(location.href);
  let token = url.searchParams.get('token');
  if (token != null) {
    // Never leave a credential in the address bar, the history or a Referer.
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  token = cleanToken(token) || cleanToken(sessionGet());
  if (token) verify(token);
  else showLogin();
}

function cleanToken(t) {
  if (!t) return null;
  return String(t).trim().replace(/^bearer\s+/i, '').trim() || null;
}
function sessionGet() { try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }
function sessionSet(t) { try { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ } }

const screen = (...kids) => h('div', { class: 'screen' }, kids);
const brand = () => h('div', { class: 'brand' }, h('span', { class: 'mark', html: svg(I.logo, 15) }), 'Parley', h('span', { class: 'sub', text: 'Console' }));

function showLogin(opts) {
  const o = opts || {};
  teardown();
  app.setAttribute('aria-busy', 'false');
  document.title = 'Sign in · Parley Console';
  const ta = h('textarea', { id: 'token', name: 'token', required: true, spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', placeholder: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…', 'aria-describedby': 'token-hint' });
  if (o.token) ta.value = o.token;
  const err = o.error ? h('div', { class: 'alert error', role: 'alert' }, o.error, o.code ? [' ', h('code', { text: o.code })] : null) : null;
  const form = h('form', { class: 'card login', 'aria-labelledby': 'login-title', onsubmit: (e) => {
    e.preventDefault();
    const t = cleanToken(ta.value);
    if (!t) { ta.focus(); return; }
    verify(t);
  } },
    brand(),
    h('h1', { id: 'login-title', text: 'Sign in to the staff console' }),
    h('p', { class: 'lead', text: 'Paste a staff token (a JWT with role staff or admin) minted by your company\'s backend.' }),
    err,
    h('div', { class: 'field' },
      h('label', { for: 'token', text: 'Staff token' }), ta,
      h('span', { id: 'token-hint', class: 'hint' }, 'For a local server: ', h('code', { class: 'mono', text: 'parleyd token --data-dir DIR --user ID --role staff' }))),
    h('div', { class: 'actions' },
      h('small', { text: 'Kept in this tab only, until you sign out or close it.' }),
      h('button', { class: 'btn primary', type: 'submit', text: 'Sign in' })));
  app.replaceChildren(screen(form));
  ta.focus();
}

function showChecking(text) {
  app.setAttribute('aria-busy', 'true');
  const cancel = h('button', { class: 'btn', type: 'button', text: 'Cancel', onclick: () => { sessionSet(null); showLogin(); } });
  app.replaceChildren(screen(h('div', { class: 'card center', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('p', { id: 'checking-text', text: text || 'Checking your token…' }), cancel)));
}

function showStaffOnly(user) {
  teardown();
  sessionSet(null);
  app.setAttribute('aria-busy', 'false');
  document.title = 'Staff only · Parley Console';
  const again = h('button', { class: 'btn primary', type: 'button', text: 'Use another token', onclick: () => showLogin() });
  app.replaceChildren(screen(h('div', { class: 'card staff-only', role: 'alert' },
    h('div', { class: 'big-icon', html: svg(I.shield, 24) }),
    h('h1', { text: 'Staff only' }),
    h('p', null, 'You are signed in as ', h('b', { text: user.name }), ` (${user.role}${user.guest ? ', guest' : ''}). The console is for staff and admins; ask an admin for a staff token.`),
    again)));
  again.focus();
}

/** Opens the staff WebSocket with `token`; the welcome decides: staff → console, else refused. */
function verify(token) {
  teardown();
  S.token = token;
  showChecking();
  const c = new Lib.ParleyClient({
    url: WS_URL,
    backoff: { base: 500, max: 15000 },
    getToken: ({ refresh }) => {
      if (refresh && S.welcomed) {
        // The server refused the token on a reconnect (expired or the secret changed).
        signOut('Your staff token is no longer accepted (it may have expired). Sign in with a fresh one.');
        throw new Error('token refused');
      }
      return S.token;
    },
  });
  S.client = c;
  c.on('welcome', (u) => {
    if (c !== S.client) return;
    if (!S.welcomed) {
      if (!isStaffRole(u.role)) { showStaffOnly(u); return; }
      S.welcomed = true;
      sessionSet(token);
      enterApp(u);
    } else {
      onReconnected(u);
    }
  });
  c.on('state', (s) => {
    if (c !== S.client) return;
    if (!S.welcomed) {
      const el = document.getElementById('checking-text');
      if (el && s.state === 'waiting') el.textContent = `Cannot reach the server yet; retrying in ${Math.ceil(s.delay / 1000)} s…`;
      return;
    }
    renderConn(s);
  });
  c.on('error', (e) => {
    if (c !== S.client) return;
    if (!S.welcomed) {
      if (e.code === 'unauthorized' || e.code === 'banned') {
        showLogin({ error: 'The server refused this token: ' + (e.message || e.code) + '.', code: e.code });
      }
      return;
    }
    if (e.code === 'token') return; // our own sign-out above
    if (e.code === 'unauthorized') return; // handled by getToken({refresh}) on the reconnect
    fail('Server error', e);
  });
  c.on('fatal', (e) => {
    if (c !== S.client) return;
    showLogin({ error: 'This account is banned; the server closed the connection.', code: 'banned' + (e && e.code ? ` (${e.code})` : '') });
  });
  c.on('message', onMessage);
  c.on('joined', onJoined);
  c.on('reset', onReset);
  c.on('deleted', onDeleted);
  c.on('edited', onEdited);
  c.on('reaction', onReaction);
  c.on('channel_updated', onChannelUpdated);
  c.on('presence', onPresence);
  c.on('kicked', (k) => toast(`You were removed from #${k.channel}`, { detail: `by ${nameOf(k.by)}` }));
  c.on('report', onReport);
  c.on('report_resolved', onReportResolved);
  c.on('advocate', (a) => { if (community) community.onAdvocate(a); });
  c.on('read', onRead);
  c.connect();
}

function teardown() {
  if (S.client) { const c = S.client; S.client = null; c.close(); }
  if (S.ticker) { clearInterval(S.ticker); S.ticker = null; }
  if (S.channelPoll) { clearInterval(S.channelPoll); S.channelPoll = null; }
  window.removeEventListener('hashchange', onHash);
  resetWatchQueue();
  for (const d of document.querySelectorAll('dialog')) d.remove();
  for (const k of Object.keys(E)) delete E[k];
  if (community) community.reset();
  if (webhooks) webhooks.reset();
  Object.assign(S, {
    welcomed: false, me: null, channels: new Map(), channelsLoaded: false, selected: null, reports: new Map(),
    reportsMore: false, reportsLoaded: false, resolved: { upheld: null, dismissed: null },
    audit: { entries: [], more: false, loaded: false, loading: false }, deleted: new Set(),
  });
}

export function signOut(message, err) {
  sessionSet(null);
  S.token = null;
  showLogin(message ? { error: message, code: err && err.code } : null);
}
