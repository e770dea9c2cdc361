/* Parley staff console: the Community views (DESIGN §6, docs/ADVOCACY.md), registered in
 * the console's navigation (shell.js) under "Community":
 *   #/advocates   GET /api/advocates: the ranking with the breakdown behind each score; Grant,
 *                 Revoke and Clear override send `set_advocate` over the console's WebSocket,
 *                 and every `advocate` push (ours or anyone's) refreshes the table
 *   #/at-risk     GET /api/at-risk: moderation signals per user (staff only, like the API)
 *   #/insights    GET /api/insights?window=&channel=: headline figures, four Chart.js charts over
 *                 the per-day `days`, and the unanswered questions
 *   #/knowledge   GET /api/knowledge: the solved threads the knowledge pages (/kb) are made of,
 *                 each live or not and why; Unpublish and Republish send `publish_thread`
 * (protocol/PROTOCOL.md §3.5 set_advocate, §3.6 publish_thread, §4 advocate, §9.5, §9.7.)
 *
 * Chart.js is the UMD build from npm (clients/web/package.json), copied into /vendor/ by
 * scripts/build-web.sh and loaded by console.html as a plain script: the global `Chart`.
 * A module of the /console.js bundle (scripts/build-web.sh): createCommunity(ctx), which shell.js
 * calls once with its server access and shared state (see `ctx` there), returns the views.
 * Tests: tests/browser/e2e/community.test.js.
 */
import { h, svg } from '../shared/dom.js';
import { I, icon, avatar, relTime, announce, toast, dialog, inlineError, act, ServerError } from './kit.js';

const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const pct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 0 });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dayFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const WINDOWS = [7, 30, 90];
const TEXTS_FETCHED = 25;   // unanswered questions whose text is looked up with `history`
const USER_ID = /^[A-Za-z0-9._@:-]{1,128}$/; // a loose check; the server has the last word

/** 55 → "55 ms", 4200 → "4.2 s", 250000 → "4 min 10 s", then hours and days. */
function fmtMs(ms) {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}
/** The per-day series, as charted: shares in percent (null on a day without questions), the
 *  median in seconds (null on a day without an answered question). */
const SERIES = {
  answerRate: (d) => (d.questions ? (100 * d.answered) / d.questions : null),
  communityShare: (d) => (d.questions ? (100 * d.answered_by_customers) / d.questions : null),
  firstAnswerS: (d) => (d.median_first_answer_ms == null ? null : d.median_first_answer_ms / 1000),
  deflected: (d) => d.deflected || 0,
};

export function createCommunity(ctx) {
  const C = {
    adv: { data: null, error: null, seq: 0 },
    risk: { data: null, error: null, seq: 0 },
    ins: { window: 30, channel: '', data: null, error: null, seq: 0 },
    kb: { offset: 0, data: null, error: null, seq: 0 },
    texts: new Map(),     // "channel#seq" → question text ('' when gone), null while it is read
    mine: new Set(),      // users whose flag this console is changing right now (no toast)
    flash: new Set(),     // rows to highlight after the next advocates render
    refreshTimer: null,
  };
  let V = {};             // elements of the community view on screen
  let charts = [];

  const onScreen = (id) => ctx.current() === id && V.root && V.root.isConnected;
  const who = (u) => u.name || ctx.nameOf(u.user);
  const looked = new Set();
  /** The APIs give `name: ""` for users never seen posting in a support channel: look those
   *  up once (GET /api/users/{id}) and draw the view again with their names. */
  function resolveNames(users, viewId, render) {
    const missing = users.filter((u) => !u.name && !looked.has(u.user) && ctx.nameOf(u.user) === u.user).slice(0, 50);
    if (!missing.length) return;
    for (const u of missing) looked.add(u.user);
    Promise.all(missing.map((u) => ctx.api('GET', '/api/users/' + encodeURIComponent(u.user))
      .then((x) => { if (x.name) ctx.learn(u.user, x.name, x.role); }, () => {})))
      .then(() => { if (onScreen(viewId)) render(); });
  }

  // ---- shared pieces ---------------------------------------------------------------------
  function head(title, desc, ...tools) {
    return h('div', { class: 'view-head' },
      h('div', null, h('h1', { text: title }), desc ? h('div', { class: 'desc' }, desc) : null),
      h('span', { class: 'spacer' }), tools);
  }
  const refreshBtn = (label, fn) => h('button', { class: 'btn', type: 'button', 'aria-label': label, title: label, onclick: fn }, icon('refresh', 15), 'Refresh');
  const spinner = (label) => h('div', { class: 'cm-loading' }, h('span', { class: 'spinner', role: 'img', 'aria-label': label }));

  /** A failed request, in the panel itself: HTTP status, the server's error code and message. */
  function errorPanel(what, e, retry) {
    const disabled = e && e.code === 'not_found' && /advocacy is disabled/.test(e.message || '');
    return h('div', { class: 'alert error cm-error', role: 'alert' },
      h('div', null, h('b', { text: `Could not load ${what}.` }), ' ',
        e && e.status ? h('span', { class: 'http', text: `HTTP ${e.status}` }) : null, e && e.status ? ' ' : null,
        h('code', { text: (e && e.code) || 'error' }), ' ', h('span', { class: 'emsg', text: (e && e.message) || String(e) })),
      disabled ? h('p', { text: 'Advocacy is switched off on this server (advocacy.enabled = false in its configuration, docs/CONFIG.md).' }) : null,
      h('div', null, h('button', { class: 'btn small', type: 'button', onclick: retry }, icon('refresh', 14), 'Try again')));
  }
  function empty(iconName, title, text) {
    return h('div', { class: 'empty cm-empty' }, h('div', { class: 'big-icon', html: svg(I[iconName], 22) }), h('h2', { text: title }), h('p', { text }));
  }
  /** GET `path` into `state` (newest request wins), then `render()` if the view is still up. */
  async function load(state, path, viewId, render) {
    const seq = ++state.seq;
    if (V.busy) V.busy.hidden = false;
    try {
      const data = await ctx.api('GET', path);
      if (seq !== state.seq) return;
      state.data = data;
      state.error = null;
    } catch (e) {
      if (seq !== state.seq) return;
      state.error = e instanceof ServerError ? e : new ServerError('error', String(e && e.message || e));
    }
    if (onScreen(viewId)) render();
  }
  function personCell(u, extra) {
    return h('div', { class: 'cm-person' }, avatar(u.user, who(u), 'sm'),
      h('div', null,
        h('div', { class: 'line' },
          h('button', { class: 'linkish', type: 'button', title: 'Open the moderation record', onclick: () => ctx.openUser(u.user, {}), text: who(u) }), extra),
        h('div', { class: 'uid', text: u.user })));
  }
  const numCell = (col, value, label) => h('td', { class: 'num', 'data-col': col, 'data-value': String(value), title: label ? `${value} ${label}` : null, text: num.format(value) });

  // ---- advocates ---------------------------------------------------------------------------------
  function renderAdvocatesView() {
    V = {};
    V.body = h('div', { class: 'cm-body' }, spinner('Loading the advocates'));
    V.desc = h('span', { text: 'Customers who help other customers, advocates first, then by score.' });
    V.root = h('div', { class: 'cm-view', 'data-view': 'advocates' },
      head('Advocates', V.desc,
        h('button', { class: 'btn', type: 'button', onclick: grantByIdDialog }, icon('plus', 15), 'Grant by user id…'),
        refreshBtn('Refresh advocates', loadAdvocates)),
      h('div', { class: 'scroll-area' }, V.body));
    ctx.main().replaceChildren(V.root);
    if (C.adv.data) renderAdvocates();
    loadAdvocates();
  }
  const loadAdvocates = () => load(C.adv, '/api/advocates?limit=200', 'advocates', renderAdvocates);

  function renderAdvocates() {
    const A = C.adv;
    if (A.error) { V.body.replaceChildren(errorPanel('the advocates', A.error, loadAdvocates)); return; }
    const d = A.data;
    for (const u of d.users) if (u.name) ctx.learn(u.user, u.name);
    resolveNames(d.users, 'advocates', renderAdvocates);
    V.desc.textContent = `Customers who help other customers over the last ${d.window_days} days, advocates first, then by score. ` +
      `The automatic rule makes an advocate from ${num.format(d.threshold)} points (with enough people helped and active days, docs/ADVOCACY.md).`;
    if (!d.users.length) {
      V.body.replaceChildren(empty('award', 'No helpers yet',
        `Nobody has earned points in the last ${d.window_days} days. Answers in support channels, helpful marks and accepted answers show up here.`));
      return;
    }
    const had = document.activeElement && V.body.contains(document.activeElement) ? document.activeElement.getAttribute('data-focus') : null;
    const cols = [['#', 'Rank'], ['Person'], ['Score', '', 1], ['Answers', '', 1], ['Helpful', 'Helpful marks', 1], ['Solved', 'Accepted answers', 1],
      ['People helped', '', 1], ['Active days', '', 1], ['Last activity'], ['Flag'], ['Actions']];
    V.body.replaceChildren(
      h('div', { class: 'card table-card' }, h('table', { class: 'cm-table advocates' },
        h('caption', { class: 'sr-only', text: `Advocates ranking, ${d.users.length} people, advocates first then by score` }),
        h('thead', null, h('tr', null, cols.map(([t, title, n]) => h('th', { scope: 'col', class: n ? 'num' : null, title: title || null, text: t })))),
        h('tbody', null, d.users.map((u, i) => advocateRow(u, i, d.threshold))))),
      h('p', { class: 'cm-note' }, 'Answers, helpful marks and accepted answers are counted before the per-person cap (no one can give anyone more than ',
        h('code', { text: 'pair_cap' }), ' points), so a score is not simply their weighted sum. A manual decision (Grant or Revoke) holds until it is cleared; the automatic rule is shown beside it.'));
    if (had) { const el = V.body.querySelector(`[data-focus="${CSS.escape(had)}"]`); if (el) el.focus(); }
    for (const id of C.flash) { const tr = V.body.querySelector(`tr[data-user="${CSS.escape(id)}"]`); if (tr) tr.classList.add('flash'); }
    C.flash.clear();
  }

  function advocateRow(u, i, threshold) {
    const name = who(u);
    const fill = threshold > 0 ? Math.min(100, (100 * u.score) / threshold) : 100;
    const flag = u.manual === null
      ? h('span', { class: 'badge', text: 'Automatic' })
      : h('span', { class: 'badge ' + (u.manual ? 'ok' : 'muted'), text: u.manual ? 'Granted by staff' : 'Revoked by staff' });
    const rule = h('div', { class: 'rule', text: `Rule: ${u.automatic ? 'advocate' : 'not yet'}` });
    const clear = u.manual === null ? null : h('button', { class: 'linkish clear', type: 'button', 'data-focus': `clear:${u.user}`, 'aria-label': `Clear the manual decision for ${name}`,
      title: 'Back to the automatic rule', onclick: (e) => setAdvocate(u, null, e.currentTarget).catch(() => {}) }, 'Clear override');
    const actions = [];
    if (u.advocate) {
      actions.push(h('button', { class: 'btn small subtle-danger', type: 'button', 'data-focus': `revoke:${u.user}`, 'aria-label': `Revoke ${name}’s advocate flag`, onclick: (e) => revokeDialog(u, e.currentTarget) }, 'Revoke…'));
    } else {
      actions.push(h('button', { class: 'btn small', type: 'button', 'data-focus': `grant:${u.user}`, 'aria-label': `Make ${name} an advocate`, onclick: (e) => setAdvocate(u, true, e.currentTarget).catch(() => {}) }, icon('award', 14), 'Grant'));
    }
    return h('tr', { 'data-user': u.user, class: u.advocate ? 'is-advocate' : null },
      h('td', { class: 'rank', 'data-col': 'rank', text: String(i + 1) }),
      h('td', { class: 'person' }, personCell(u, u.advocate ? h('span', { class: 'badge advocate', html: svg(I.award, 11) }, 'Advocate') : null)),
      h('td', { class: 'num score', 'data-col': 'score', 'data-value': String(u.score), title: `${num.format(u.score)} of ${num.format(threshold)} points` },
        h('b', { text: num.format(u.score) }),
        h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { class: 'fill' + (u.score >= threshold ? ' full' : ''), style: `width:${fill.toFixed(1)}%` }))),
      numCell('answers', u.answers, 'credited answers'),
      numCell('helpful', u.helpful, 'helpful marks that earned points'),
      numCell('solved', u.solved, 'accepted answers that earned points'),
      numCell('people_helped', u.people_helped, 'different people helped'),
      numCell('active_days', u.active_days, 'days with a credit'),
      h('td', { class: 'when', 'data-col': 'last_activity', 'data-value': String(u.last_activity) }, u.last_activity ? relTime(u.last_activity) : h('span', { class: 'muted', text: '—' })),
      h('td', { class: 'flag', 'data-col': 'flag', 'data-manual': String(u.manual), 'data-automatic': String(u.automatic) }, flag, rule, clear),
      h('td', { class: 'actions' }, actions));
  }

  /** `set_advocate` over the WebSocket; the table refreshes on the `advocate` push (and once
   *  more after the ok, for calls that change nothing and so push nothing). */
  async function setAdvocate(u, value, btn) {
    const name = who(u);
    if (btn) { btn.disabled = true; btn.classList.add('busy'); }
    // The `advocate` push this causes reaches us before the ok (PROTOCOL.md §3.5): no toast
    // for it, the ok's own says more.
    C.mine.add(u.user);
    try {
      await act(`Could not change ${name}’s advocate flag`, () => ctx.op({ op: 'set_advocate', user: u.user, advocate: value }).finally(() => C.mine.delete(u.user)), (r) =>
        value === true ? `${name} is an advocate now (manual decision)`
          : value === false ? `${name} is no longer an advocate (manual decision)`
            : `${name} is back to the automatic rule: ${r.advocate ? 'an advocate' : 'not an advocate'}`);
    } catch (e) {
      if (btn && btn.isConnected) { btn.disabled = false; btn.classList.remove('busy'); }
      throw e;
    }
    C.flash.add(u.user);
    await loadAdvocates();
  }

  function revokeDialog(u, btn) {
    const name = who(u);
    dialog({
      title: `Revoke ${name}’s advocate flag?`,
      description: `${name}’s next messages carry no Advocate badge, and they are told. This is a manual decision: the automatic rule no longer changes the flag until you clear it.`,
      confirm: 'Revoke', danger: true,
      onConfirm: () => setAdvocate(u, false, btn),
    });
  }

  function grantByIdDialog() {
    const input = h('input', { id: 'f-adv-user', name: 'user', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. carol' });
    dialog({
      title: 'Make someone an advocate',
      description: 'By user id, also for someone who has not earned points (yet). A manual decision: it holds until you clear it.',
      body: h('div', { class: 'field' }, h('label', { for: 'f-adv-user', text: 'User id' }), input),
      confirm: 'Grant',
      onConfirm: async () => {
        const id = input.value.trim();
        if (!USER_ID.test(id)) throw inlineError('Enter a user id (letters, digits and . _ @ : -).');
        // for the name in the notice; a user who never connected is fine too (PROTOCOL.md §3.5)
        const rec = await ctx.api('GET', '/api/users/' + encodeURIComponent(id)).catch(() => null);
        if (rec && rec.name) ctx.learn(id, rec.name, rec.role);
        await setAdvocate({ user: id, name: ctx.nameOf(id) }, true, null);
      },
    });
  }

  /** The `advocate` push: a user's effective flag changed (by the rule or by staff). */
  function onAdvocate(ev) {
    const known = C.adv.data && C.adv.data.users.find((u) => u.user === ev.user);
    const name = (known && known.name) || ctx.nameOf(ev.user);
    C.flash.add(ev.user);
    if (!C.mine.has(ev.user)) {
      const text = ev.advocate ? `${name} is now a community advocate` : `${name} is no longer an advocate`;
      toast(text, { kind: ev.advocate ? 'ok' : 'info' });
      announce(text);
    }
    if (ctx.current() === 'advocates') {
      clearTimeout(C.refreshTimer);
      C.refreshTimer = setTimeout(loadAdvocates, 150);
    }
  }

  // ---- at-risk ----------------------------------------------------------------------------------
  function renderRiskView() {
    V = {};
    V.body = h('div', { class: 'cm-body' }, spinner('Loading the at-risk users'));
    V.desc = h('span', { text: 'People moderation keeps running into, highest risk first.' });
    V.root = h('div', { class: 'cm-view', 'data-view': 'at-risk' },
      head('At-risk users', V.desc, h('span', { class: 'badge staff', html: svg(I.shield, 11) }, 'Staff only'), refreshBtn('Refresh at-risk users', loadRisk)),
      h('div', { class: 'scroll-area' }, V.body));
    ctx.main().replaceChildren(V.root);
    if (C.risk.data) renderRisk();
    loadRisk();
  }
  const loadRisk = () => load(C.risk, '/api/at-risk?limit=200', 'at-risk', renderRisk);

  function renderRisk() {
    const R = C.risk;
    if (R.error) { V.body.replaceChildren(errorPanel('the at-risk users', R.error, loadRisk)); return; }
    const d = R.data;
    for (const u of d.users) if (u.name) ctx.learn(u.user, u.name);
    resolveNames(d.users, 'at-risk', renderRisk);
    V.desc.textContent = `People moderation keeps running into over the last ${d.window_days} days, highest risk first: upheld reports against their messages, messages removed by someone else, mutes. Customers never see this.`;
    if (!d.users.length) {
      V.body.replaceChildren(empty('check', 'Nobody is at risk', `No upheld reports, removed messages or mutes in the last ${d.window_days} days.`));
      return;
    }
    V.body.replaceChildren(h('div', { class: 'card table-card' }, h('table', { class: 'cm-table at-risk' },
      h('caption', { class: 'sr-only', text: `At-risk users, ${d.users.length}, highest risk first` }),
      h('thead', null, h('tr', null, ['Person', 'Risk', 'Upheld reports', 'Removed messages', 'Mutes', 'Last event', 'Actions'].map((t, i) =>
        h('th', { scope: 'col', class: i >= 1 && i <= 4 ? 'num' : null, text: t })))),
      h('tbody', null, d.users.map((u) => h('tr', { 'data-user': u.user, class: u.at_risk ? 'is-at-risk' : null },
        h('td', { class: 'person' }, personCell(u, null)),
        h('td', { class: 'num score', 'data-col': 'risk', 'data-value': String(u.risk) }, h('b', { text: num.format(u.risk) }), ' ',
          u.at_risk ? h('span', { class: 'badge danger', text: 'At risk' }) : h('span', { class: 'badge muted', text: 'Watch' })),
        numCell('reports_upheld', u.reports_upheld, 'upheld reports'),
        numCell('messages_removed', u.messages_removed, 'messages removed'),
        numCell('mutes', u.mutes, 'mutes'),
        h('td', { class: 'when', 'data-col': 'last_event', 'data-value': String(u.last_event) }, relTime(u.last_event)),
        h('td', { class: 'actions' }, h('button', { class: 'btn small', type: 'button', 'aria-label': `Open ${who(u)}’s moderation record`, onclick: () => ctx.openUser(u.user, {}) }, 'Record…'))))))));
  }

  // ---- insights ---------------------------------------------------------------------------------
  function renderInsightsView() {
    V = {};
    const S = C.ins;
    V.busy = h('span', { class: 'spinner', role: 'img', 'aria-label': 'Loading', hidden: true });
    const win = h('fieldset', { class: 'seg', 'aria-describedby': 'ins-window-hint' }, h('legend', { class: 'sr-only', text: 'Window' }),
      h('span', { class: 'seg-label', 'aria-hidden': 'true', text: 'Window' }),
      h('div', { class: 'chips' }, WINDOWS.map((n) => h('label', { class: 'chip-radio' },
        h('input', { type: 'radio', name: 'ins-window', value: String(n), checked: n === S.window || null, onchange: () => { S.window = n; loadInsights(); } }),
        h('span', { text: `${n} days` })))));
    V.channel = h('select', { id: 'ins-channel', onchange: () => { S.channel = V.channel.value; loadInsights(); } });
    fillChannels();
    V.body = h('div', { class: 'cm-body' }, spinner('Loading the insights'));
    V.root = h('div', { class: 'cm-view', 'data-view': 'insights' },
      head('Community insights', 'How well the community answers its own questions: answered questions, the share customers answered (support cost saved) and how fast.',
        V.busy,
        h('div', { class: 'cm-filters', role: 'group', 'aria-label': 'Insights filters' }, win,
          h('span', { class: 'sel' }, h('label', { for: 'ins-channel', text: 'Channel' }), V.channel)),
        refreshBtn('Refresh insights', loadInsights)),
      h('p', { id: 'ins-window-hint', class: 'sr-only', text: 'Rolling window of days, today included' }),
      h('div', { class: 'scroll-area' }, V.body));
    ctx.main().replaceChildren(V.root);
    ctx.loadChannels(); // channels created since the list was loaded (no event announces them)
    loadInsights();
  }

  /** The channel selector: every support channel (archived ones marked), from the console's list. */
  function fillChannels() {
    if (!V.channel) return;
    const S = C.ins;
    const support = ctx.channels().filter((c) => c.kind === 'support').sort((a, b) => (a.name < b.name ? -1 : 1));
    if (S.channel && !support.some((c) => c.name === S.channel)) support.push({ name: S.channel, title: '' });
    V.channel.replaceChildren(h('option', { value: '', text: 'All support channels' }),
      ...support.map((c) => h('option', { value: c.name, selected: c.name === S.channel || null, text: `#${c.name}${c.archived ? ' (archived)' : ''}` })));
  }

  function loadInsights() {
    const S = C.ins;
    const q = `/api/insights?window=${S.window}` + (S.channel ? `&channel=${encodeURIComponent(S.channel)}` : '');
    return load(S, q, 'insights', renderInsights);
  }

  function destroyCharts() {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function renderInsights() {
    const S = C.ins;
    if (V.busy) V.busy.hidden = true;
    destroyCharts();
    if (S.error) { V.body.replaceChildren(errorPanel('the insights', S.error, loadInsights)); return; }
    const d = S.data;
    const where = d.channel ? `#${d.channel}` : 'all support channels';
    const stat = (key, label, value, sub, data) => h('div', Object.assign({ class: 'card stat', 'data-stat': key }, data),
      h('div', { class: 'label', text: label }), h('div', { class: 'value', text: value }), h('div', { class: 'sub' }, sub));
    const share = (x) => (x == null ? '—' : pct.format(x));
    V.body.replaceChildren(
      h('section', { class: 'stats', 'aria-label': `Headline figures, ${where}, last ${S.window} days` },
        stat('questions', 'Questions', num.format(d.questions),
          `${d.solved} solved (accepted answer) · ${where}`, { 'data-questions': String(d.questions), 'data-solved': String(d.solved) }),
        stat('answered', 'Answered', share(d.answered_share),
          `${d.answered} of ${d.questions} questions got a reply`, { 'data-count': String(d.answered), 'data-share': String(d.answered_share) }),
        stat('community', 'Answered by the community', share(d.customer_answered_share),
          `${d.answered_by_customers} questions first answered by customers: support cost saved`,
          { 'data-count': String(d.answered_by_customers), 'data-share': String(d.customer_answered_share) }),
        stat('median', 'Median time to first answer', fmtMs(d.median_first_answer_ms),
          d.median_first_answer_ms == null ? 'no answered questions yet' : 'from question to first reply, answered questions',
          { 'data-ms': String(d.median_first_answer_ms) }),
        stat('deflected', 'Answered before asked', num.format(d.deflections || 0),
          'questions customers did not need to post: an earlier answer helped', { 'data-count': String(d.deflections || 0) })),
      chartsSection(d),
      unansweredSection(d));
    drawCharts(d);
    fetchTexts(d.unanswered);
  }

  const CHARTS = [
    { id: 'chart-answer-rate', key: 'answerRate', title: 'Answer rate per day', unit: '%', type: 'bar', color: '--brand',
      desc: 'Share of the day’s questions that got a reply from someone other than the asker.' },
    { id: 'chart-community-share', key: 'communityShare', title: 'Answered by the community, per day', unit: '%', type: 'line', color: '--ok',
      desc: 'Share of the day’s questions whose first reply came from a customer.' },
    { id: 'chart-first-answer', key: 'firstAnswerS', title: 'Median time to first answer, per day', unit: 's', type: 'line', color: '--warn',
      desc: 'Over the day’s answered questions.' },
    { id: 'chart-deflected', key: 'deflected', title: 'Answered before asked, per day', unit: 'n', type: 'bar', color: '--ok',
      desc: 'Customers who found an earlier answer in the widget (“This answered my question”) and posted nothing.' },
  ];
  const fmtValue = (spec, v) => (v == null ? 'no questions' : spec.unit === 'n' ? num.format(v) : spec.unit === '%' ? `${num.format(Math.round(v * 10) / 10)}%` : fmtMs(v * 1000));

  function chartsSection(d) {
    if (!Array.isArray(d.days)) {
      return h('div', { class: 'alert warn', role: 'status', text: 'This server does not report daily figures (no "days" in /api/insights), so there are no charts.' });
    }
    if (!window.Chart) {
      return h('div', { class: 'alert error', role: 'alert' }, 'The charting library did not load (', h('code', { text: '/vendor/chart.umd.js' }), '; build it with ', h('code', { text: 'make web' }), ' and restart the server).');
    }
    if (!d.questions) {
      return empty('chart', 'No questions in this window', `Nobody asked a question in ${d.channel ? '#' + d.channel : 'a support channel'} in the last ${C.ins.window} days.`);
    }
    return h('section', { class: 'charts', 'aria-label': 'Per-day charts' }, CHARTS.map((spec) => {
      const values = d.days.map(SERIES[spec.key]);
      const known = values.filter((v) => v != null);
      const avg = known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
      const summary = `${spec.title}, ${d.days.length} days: ${known.length} with questions` + (avg == null ? '' : `, average ${fmtValue(spec, avg)}`) + '.';
      return h('figure', { class: 'card chart-card', 'aria-labelledby': spec.id + '-t' },
        h('figcaption', null, h('h2', { id: spec.id + '-t', text: spec.title }), h('p', { text: spec.desc })),
        h('div', { class: 'chart-box' }, h('canvas', { id: spec.id, role: 'img', 'aria-label': summary })),
        h('details', null, h('summary', { text: 'Show the figures' }),
          h('table', { class: 'mini-table' }, h('thead', null, h('tr', null, h('th', { scope: 'col', text: 'Day (UTC)' }), h('th', { scope: 'col', text: spec.unit === '%' ? 'Share' : 'Median' }), h('th', { scope: 'col', text: 'Questions' }))),
            h('tbody', null, d.days.filter((x) => x.questions || (spec.unit === 'n' && x.deflected)).map((x) => h('tr', null,
              h('td', { text: dayFull.format(new Date(x.day)) }), h('td', { text: fmtValue(spec, SERIES[spec.key](x)) }), h('td', { text: String(x.questions) })))))));
    }));
  }

  function drawCharts(d) {
    if (!Array.isArray(d.days) || !window.Chart || !d.questions) return;
    const Chart = window.Chart;
    const css = getComputedStyle(document.documentElement);
    const color = (v) => css.getPropertyValue(v).trim() || '#4f46e5';
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = color('--muted');
    Chart.defaults.borderColor = color('--line-2');
    const still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const labels = d.days.map((x) => dayLabel.format(new Date(x.day)));
    for (const spec of CHARTS) {
      const canvas = document.getElementById(spec.id);
      if (!canvas) continue;
      const c = color(spec.color);
      const pctAxis = spec.unit === '%';
      charts.push(new Chart(canvas, {
        type: spec.type,
        data: {
          labels,
          datasets: [{
            label: spec.title, data: d.days.map(SERIES[spec.key]),
            backgroundColor: spec.type === 'bar' ? c : c + '22', borderColor: c, borderWidth: spec.type === 'bar' ? 0 : 2,
            borderRadius: 4, maxBarThickness: 28, fill: spec.type === 'line', tension: 0.25, spanGaps: false,
            pointRadius: 3, pointHoverRadius: 5, pointBackgroundColor: c,
          }],
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: still ? false : { duration: 250 },
          interaction: { mode: 'index', intersect: false },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: {
              title: (items) => dayFull.format(new Date(d.days[items[0].dataIndex].day)),
              label: (item) => {
                const x = d.days[item.dataIndex];
                return `${fmtValue(spec, item.raw)} · ${x.questions} question${x.questions === 1 ? '' : 's'}`;
              },
            } },
          },
          scales: {
            x: { offset: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
            y: { beginAtZero: true, max: pctAxis ? 100 : undefined, ticks: { maxTicksLimit: 5, precision: spec.unit === 'n' ? 0 : undefined, callback: (v) => (pctAxis ? `${v}%` : spec.unit === 'n' ? num.format(v) : fmtMs(v * 1000)) } },
          },
        },
      }));
    }
  }

  function unansweredSection(d) {
    const list = d.unanswered || [];
    const title = `Unanswered questions (${list.length}${list.length >= 100 ? '+' : ''})`;
    const body = list.length
      ? h('ul', { class: 'unanswered' }, list.map((q) => {
        const key = q.channel + '#' + q.seq;
        return h('li', { 'data-channel': q.channel, 'data-seq': String(q.seq) }, avatar(q.asker, ctx.nameOf(q.asker), 'sm'),
          h('div', { class: 'q' },
            h('div', { class: 'qtext', 'data-text-of': key, text: textOf(key) }),
            h('div', { class: 'm' }, ctx.nameText(q.asker, 'b'), ` asked in #${q.channel} · message #${q.seq} · `, relTime(q.ts))),
          h('button', { class: 'btn small ghost', type: 'button', 'aria-label': `Show question #${q.seq} in #${q.channel}`, onclick: () => ctx.openMessage(q.channel, q.seq) }, icon('open', 14), 'Show in channel'));
      }))
      : h('p', { class: 'clean' }, icon('check', 16), d.questions ? 'Every question in this window has a reply.' : 'No questions, so none unanswered.');
    return h('section', { class: 'card unanswered-card', 'aria-labelledby': 'ins-unanswered' },
      h('h2', { id: 'ins-unanswered', text: title }),
      h('p', { class: 'cm-note', text: 'Oldest first: questions without a reply from anyone but the asker. Answer them in the channel, or nudge your advocates.' }),
      body);
  }
  const textOf = (key) => {
    const t = C.texts.get(key);
    return typeof t === 'string' ? (t || '(message no longer available)') : '…';
  };

  /** The unanswered list carries no text: read the first few questions with `history`. */
  async function fetchTexts(list) {
    const todo = (list || []).slice(0, TEXTS_FETCHED).filter((q) => !C.texts.has(q.channel + '#' + q.seq));
    const show = (key) => { for (const el of document.querySelectorAll(`[data-text-of="${CSS.escape(key)}"]`)) el.textContent = textOf(key); };
    const worker = async () => {
      for (let q = todo.shift(); q; q = todo.shift()) {
        const key = q.channel + '#' + q.seq;
        C.texts.set(key, null);
        try {
          const ok = await ctx.op({ op: 'history', channel: q.channel, before: q.seq + 1, limit: 1 });
          const m = (ok.messages || []).find((x) => x.seq === q.seq);
          C.texts.set(key, m && !m.deleted ? m.text : '');
        } catch (e) {
          C.texts.delete(key); // try again on the next render
          for (const el of document.querySelectorAll(`[data-text-of="${CSS.escape(key)}"]`)) el.textContent = `(text not loaded: ${e.code || 'error'})`;
          continue;
        }
        show(key);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  // ---- knowledge: the threads behind the public pages -------------------------------------
  const KB_PAGE = 50;
  function renderKnowledgeView() {
    V = {};
    V.body = h('div', { class: 'cm-body' }, spinner('Loading the knowledge threads'));
    V.root = h('div', { class: 'cm-view', 'data-view': 'knowledge' },
      head('Knowledge', h('span', null, 'Solved questions of the support channels: each is a public page under ',
        h('a', { href: '/kb', target: '_blank', rel: 'noopener', text: '/kb' }),
        ' while its channel publishes. Unpublish a thread whose answer is outdated or that should not be public; republish it later.'),
      refreshBtn('Refresh the threads', loadKnowledge)),
      h('div', { class: 'scroll-area' }, V.body));
    ctx.main().replaceChildren(V.root);
    if (C.kb.data) renderKnowledge();
    loadKnowledge();
  }
  const loadKnowledge = () => load(C.kb, `/api/knowledge?offset=${C.kb.offset}&limit=${KB_PAGE}`, 'knowledge', renderKnowledge);

  function kbTitle(text) {
    const line = (text || '').split('\n')[0].trim();
    return line.length > 120 ? line.slice(0, 119) + '…' : line || '(no text)';
  }

  function renderKnowledge() {
    const K = C.kb;
    if (K.error) { V.body.replaceChildren(errorPanel('the knowledge threads', K.error, loadKnowledge)); return; }
    const d = K.data;
    if (!d.threads.length && d.offset === 0) {
      V.body.replaceChildren(empty('help', 'No solved questions yet',
        'When an asker (or staff) accepts an answer in a support channel, the thread shows up here and on the public pages.'));
      return;
    }
    const had = document.activeElement && V.body.contains(document.activeElement) ? document.activeElement.getAttribute('data-focus') : null;
    const live = d.threads.filter((t) => t.published).length;
    const pager = h('div', { class: 'more kb-pager' },
      h('span', { class: 'muted', text: `${d.offset + 1}–${d.offset + d.threads.length} of ${num.format(d.total)} solved threads · ${live} on this page are public` }),
      d.offset > 0 ? h('button', { class: 'btn small', type: 'button', onclick: () => { C.kb.offset = Math.max(0, d.offset - KB_PAGE); loadKnowledge(); } }, 'Newer') : null,
      d.offset + d.threads.length < d.total ? h('button', { class: 'btn small', type: 'button', onclick: () => { C.kb.offset = d.offset + KB_PAGE; loadKnowledge(); } }, 'Older') : null);
    V.body.replaceChildren(
      h('div', { class: 'card table-card' }, h('table', { class: 'cm-table knowledge' },
        h('caption', { class: 'sr-only', text: `Solved threads, newest first, ${d.threads.length} shown of ${d.total}` }),
        h('thead', null, h('tr', null, ['Question', 'Channel', 'Asked by', 'Asked', 'Public page', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', null, d.threads.map(knowledgeRow)))),
      pager);
    if (had) { const el = V.body.querySelector(`[data-focus="${CSS.escape(had)}"]`); if (el) el.focus(); }
  }

  function knowledgeRow(t) {
    ctx.learn(t.from.id, t.from.name, t.from.role);
    const title = kbTitle(t.text);
    const path = `/kb/${encodeURIComponent(t.channel)}/${t.seq}`;
    const state = t.published
      ? h('span', { class: 'badge ok', text: 'Published' })
      : !t.publish
        ? h('span', { class: 'badge muted', text: 'Unpublished by staff' })
        : h('span', { class: 'badge archived', title: `#${t.channel} does not publish (its publish setting, or it is archived)`, text: 'Channel not published' });
    const action = t.publish
      ? h('button', { class: 'btn small subtle-danger', type: 'button', 'data-focus': `unpublish:${t.channel}:${t.seq}`, 'aria-label': `Unpublish “${title}”`,
        onclick: (e) => unpublishDialog(t, title, e.currentTarget) }, 'Unpublish…')
      : h('button', { class: 'btn small', type: 'button', 'data-focus': `republish:${t.channel}:${t.seq}`, 'aria-label': `Republish “${title}”`,
        onclick: (e) => setPublished(t, title, true, e.currentTarget).catch(() => {}) }, icon('check', 14), 'Republish');
    return h('tr', { 'data-channel': t.channel, 'data-seq': String(t.seq), 'data-published': String(t.published) },
      h('td', { class: 'kb-q' },
        t.published ? h('a', { href: path, target: '_blank', rel: 'noopener', text: title }) : h('span', { text: title }),
        h('button', { class: 'linkish kb-open', type: 'button', title: 'Show the thread in its channel', onclick: () => ctx.openMessage(t.channel, t.seq) }, 'in channel')),
      h('td', { text: '#' + t.channel }),
      h('td', null, h('span', { text: t.from.name || t.from.id })),
      h('td', { class: 'when' }, relTime(t.ts)),
      h('td', { class: 'kb-state' }, state),
      h('td', { class: 'actions' }, action));
  }

  async function setPublished(t, title, publish, btn) {
    if (btn) { btn.disabled = true; btn.classList.add('busy'); }
    try {
      await act(`Could not ${publish ? 'republish' : 'unpublish'} “${title}”`,
        () => ctx.op({ op: 'publish_thread', channel: t.channel, seq: t.seq, publish }),
        publish ? `“${title}” is published again` : `“${title}” is off the public pages`);
    } catch (e) {
      if (btn && btn.isConnected) { btn.disabled = false; btn.classList.remove('busy'); }
      throw e;
    }
    await loadKnowledge();
  }

  function unpublishDialog(t, title, btn) {
    dialog({
      title: 'Unpublish this thread?',
      description: `“${title}” leaves the public pages at once: its page answers 404, and it is left out of /kb, the feeds, the sitemap and public search. People in #${t.channel} still see and find it. You can republish it at any time.`,
      confirm: 'Unpublish', danger: true,
      onConfirm: () => setPublished(t, title, false, btn),
    });
  }

  return {
    views: [
      { id: 'advocates', label: 'Advocates', icon: 'award', group: 'Community', render: renderAdvocatesView },
      { id: 'at-risk', label: 'At-risk users', icon: 'alert', group: 'Community', render: renderRiskView },
      { id: 'insights', label: 'Insights', icon: 'chart', group: 'Community', render: renderInsightsView, leave: destroyCharts },
      { id: 'knowledge', label: 'Knowledge', icon: 'help', group: 'Community', render: renderKnowledgeView },
    ],
    onAdvocate,
    onChannels: fillChannels,
    reset() {
      destroyCharts();
      clearTimeout(C.refreshTimer);
      V = {};
      C.adv = { data: null, error: null, seq: C.adv.seq + 1 };
      C.risk = { data: null, error: null, seq: C.risk.seq + 1 };
      Object.assign(C.ins, { data: null, error: null, seq: C.ins.seq + 1 });
      C.kb = { offset: 0, data: null, error: null, seq: C.kb.seq + 1 };
      C.texts.clear();
    },
  };
}
