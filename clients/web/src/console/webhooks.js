/* Parley staff console: the Webhooks view (DESIGN §10; protocol/PROTOCOL.md §9.9), for admins,
 * registered in the console's navigation (shell.js) under "Admin":
 *   #/webhooks        GET /api/webhooks: every webhook, its events, channels, state and pending
 *                     deliveries; New webhook (POST, the secret shown once), Rotate secret
 *                     (POST …/rotate), Delete (DELETE), with confirmations
 *   #/webhooks/ID     the same, with ID's delivery log (GET …/ID/deliveries): status, every
 *                     attempt, the payload; Retry sends a finished delivery again
 * A module of the /console.js bundle (scripts/build-web.sh): createWebhooks(ctx), which shell.js
 * calls once with its server access (see `ctx` there), returns the view.
 * Tests: tests/browser/e2e/console-webhooks.test.js.
 */
import { h } from '../shared/dom.js';
import { icon, relTime, dialog, act, ServerError } from './kit.js';

const EVENTS = [
  ['message.created', 'A message is posted in a channel'],
  ['question.created', 'A question is asked in a support channel'],
  ['question.unanswered', 'A question waited too long for an answer'],
  ['question.solved', 'An answer is accepted'],
  ['report.created', 'A message is reported'],
  ['advocate.changed', 'Someone becomes (or stops being) an advocate'],
  ['user.mentioned', 'A message mentions someone'],
];

export function createWebhooks(ctx) {
  const W = { data: null, error: null, seq: 0, log: null, logError: null, logSeq: 0, selected: null };
  let V = {};

  const onScreen = () => ctx.current() === 'webhooks' && V.root && V.root.isConnected;

  async function load() {
    const seq = ++W.seq;
    try {
      const data = await ctx.api('GET', '/api/webhooks');
      if (seq !== W.seq) return;
      W.data = data;
      W.error = null;
    } catch (e) {
      if (seq !== W.seq) return;
      W.error = e instanceof ServerError ? e : new ServerError('error', String(e && e.message || e));
    }
    if (onScreen()) renderList();
    if (W.selected) loadLog();
  }

  async function loadLog() {
    const id = W.selected;
    const seq = ++W.logSeq;
    try {
      const data = await ctx.api('GET', `/api/webhooks/${encodeURIComponent(id)}/deliveries`);
      if (seq !== W.logSeq) return;
      W.log = data;
      W.logError = null;
    } catch (e) {
      if (seq !== W.logSeq) return;
      W.logError = e;
    }
    if (onScreen() && W.selected === id) renderLog();
  }

  function render(arg) {
    W.selected = arg || null;
    W.log = null;
    V = {};
    V.list = h('div', { class: 'cm-body' }, h('div', { class: 'cm-loading' }, h('span', { class: 'spinner', role: 'img', 'aria-label': 'Loading the webhooks' })));
    V.log = h('section', { class: 'wh-log', 'aria-label': 'Delivery log' });
    V.root = h('div', { class: 'cm-view', 'data-view': 'webhooks' },
      h('div', { class: 'view-head' },
        h('div', null, h('h1', { text: 'Webhooks' }),
          h('div', { class: 'desc' }, 'Parley posts events to your systems (a CRM, a helpdesk) as they happen, signed the Standard Webhooks way. Deliveries are retried for a day; a receiver that answers 410 turns its webhook off.')),
        h('span', { class: 'spacer' }),
        h('button', { class: 'btn', type: 'button', title: 'Refresh', onclick: load }, icon('refresh', 15), 'Refresh'),
        h('button', { class: 'btn primary', type: 'button', onclick: createDialog }, icon('plus', 15), 'New webhook')),
      h('div', { class: 'scroll-area' }, V.list, V.log));
    ctx.main().replaceChildren(V.root);
    if (W.data) renderList();
    load();
  }

  function errorBox(what, e, retry) {
    return h('div', { class: 'alert error cm-error', role: 'alert' },
      h('div', null, h('b', { text: `Could not load ${what}.` }), ' ',
        e && e.status ? h('span', { class: 'http', text: `HTTP ${e.status} ` }) : null,
        h('code', { text: (e && e.code) || 'error' }), ' ', h('span', { text: (e && e.message) || String(e) })),
      h('div', null, h('button', { class: 'btn small', type: 'button', onclick: retry }, icon('refresh', 14), 'Try again')));
  }

  function renderList() {
    if (W.error) { V.list.replaceChildren(errorBox('the webhooks', W.error, load)); return; }
    const hooks = W.data.webhooks;
    if (!hooks.length) {
      V.list.replaceChildren(h('div', { class: 'empty cm-empty' }, h('h2', { text: 'No webhooks yet' }),
        h('p', { text: 'Add one to send new questions, solved threads, reports or mentions to another system.' })));
      return;
    }
    V.list.replaceChildren(h('div', { class: 'card table-card' }, h('table', { class: 'cm-table webhooks' },
      h('caption', { class: 'sr-only', text: `${hooks.length} webhooks` }),
      h('thead', null, h('tr', null, ['URL', 'Events', 'Channels', 'State', 'Pending', 'Created', 'Actions'].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', null, hooks.map(row)))));
  }

  function row(w) {
    const state = w.disabled
      ? h('span', { class: 'badge archived', title: w.disabled_reason || '', text: 'Disabled' })
      : h('span', { class: 'badge ok', text: 'Active' });
    return h('tr', { 'data-id': w.id, 'aria-selected': W.selected === w.id ? 'true' : null },
      h('td', { class: 'wh-url' }, h('code', { text: w.url }), w.disabled && w.disabled_reason ? h('div', { class: 'muted small', text: w.disabled_reason }) : null),
      h('td', { text: w.events.join(', ') }),
      h('td', { text: w.channels.length ? w.channels.map((c) => '#' + c).join(' ') : 'all' }),
      h('td', null, state, w.previous_valid_until ? h('div', { class: 'muted small', text: 'rotating: the old secret still signs' }) : null),
      h('td', { text: String(w.pending) }),
      h('td', { class: 'when' }, relTime(w.created)),
      h('td', { class: 'actions' },
        h('a', { class: 'btn small', href: `#/webhooks/${encodeURIComponent(w.id)}`, 'aria-label': `Deliveries of ${w.url}` }, 'Deliveries'),
        h('button', { class: 'btn small', type: 'button', 'aria-label': `Rotate the secret of ${w.url}`, onclick: () => rotateDialog(w) }, 'Rotate secret…'),
        h('button', { class: 'btn small subtle-danger', type: 'button', 'aria-label': `Delete ${w.url}`, onclick: () => deleteDialog(w) }, icon('trash', 14), 'Delete…')));
  }

  function renderLog() {
    const w = W.data && W.data.webhooks.find((x) => x.id === W.selected);
    if (!w) { V.log.replaceChildren(); return; }
    if (W.logError) { V.log.replaceChildren(errorBox('the deliveries', W.logError, loadLog)); return; }
    if (!W.log) return;
    const list = W.log.deliveries;
    V.log.replaceChildren(
      h('h2', { text: `Deliveries to ${w.url}` }),
      list.length ? h('div', { class: 'card table-card' }, h('table', { class: 'cm-table deliveries' },
        h('caption', { class: 'sr-only', text: `${list.length} deliveries, newest first` }),
        h('thead', null, h('tr', null, ['Id', 'Event', 'Status', 'Attempts', 'Created', 'Payload', ''].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', null, list.map((d) => deliveryRow(w, d)))))
        : h('p', { class: 'muted', text: 'Nothing delivered yet.' }));
  }

  function deliveryRow(w, d) {
    const status = d.status === 'delivered' ? h('span', { class: 'badge ok', text: 'Delivered' })
      : d.status === 'failed' ? h('span', { class: 'badge danger', text: 'Failed' })
        : h('span', { class: 'badge muted', text: 'Pending' });
    const attempts = h('ul', { class: 'attempts' }, d.attempts.map((a) =>
      h('li', null, relTime(a.at), ' ', a.status ? h('code', { text: String(a.status) }) : null, a.error ? ` ${a.error}` : '', ` (${a.ms} ms)`)));
    return h('tr', { 'data-delivery': d.id, 'data-status': d.status },
      h('td', null, h('code', { text: d.id })),
      h('td', { text: d.event }),
      h('td', null, status, d.status === 'pending' && d.next_attempt_at ? h('div', { class: 'muted small' }, 'next ', relTime(d.next_attempt_at)) : null),
      h('td', null, d.attempts.length ? attempts : '—'),
      h('td', { class: 'when' }, relTime(d.created)),
      h('td', null, h('details', null, h('summary', { text: 'Show' }), h('pre', { class: 'payload', text: JSON.stringify(d.payload, null, 2) }))),
      h('td', { class: 'actions' }, d.status !== 'pending' && !w.disabled
        ? h('button', { class: 'btn small', type: 'button', 'aria-label': `Retry ${d.id}`, onclick: (e) => retry(w, d, e.currentTarget) }, icon('refresh', 14), 'Retry')
        : null));
  }

  async function retry(w, d, btn) {
    btn.disabled = true;
    try {
      await act(`Could not retry ${d.id}`, () => ctx.api('POST', `/api/webhooks/${encodeURIComponent(w.id)}/deliveries/${encodeURIComponent(d.id)}/retry`),
        `${d.id} is being sent again`);
    } catch (e) {
      btn.disabled = false;
      return;
    }
    loadLog();
    setTimeout(() => { if (W.selected === w.id) loadLog(); }, 1500);
  }

  function secretDialog(title, secret, note) {
    const field = h('input', { class: 'mono', type: 'text', readonly: true, value: secret, 'aria-label': 'Signing secret', onfocus: (e) => e.target.select() });
    dialog({
      title,
      description: note,
      body: h('div', null, field,
        h('button', { class: 'btn small', type: 'button', onclick: () => { field.select(); navigator.clipboard && navigator.clipboard.writeText(secret).catch(() => {}); } }, 'Copy')),
      cancel: 'Done',
      focus: 'input',
    });
  }

  function createDialog() {
    const url = h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://crm.example.com/parley', 'aria-label': 'URL' });
    const boxes = EVENTS.map(([name, text]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'event', value: name, checked: name === 'question.created' }), h('code', { text: name }), ' ', h('span', { class: 'muted', text })));
    const channels = h('input', { type: 'text', name: 'channels', placeholder: 'help, billing (empty: every channel)', 'aria-label': 'Channels' });
    dialog({
      title: 'New webhook',
      description: 'Parley will POST the chosen events to this URL. Loopback and private addresses are refused unless the server allows them ([webhooks] allow_hosts).',
      body: h('div', { class: 'wh-form' },
        h('label', null, 'URL', url),
        h('fieldset', null, h('legend', { text: 'Events' }), boxes),
        h('label', null, 'Channels', channels)),
      confirm: 'Create',
      focus: 'input[name=url]',
      onConfirm: async (form) => {
        const events = [...form.querySelectorAll('input[name=event]:checked')].map((b) => b.value);
        if (!events.length) throw Object.assign(new Error('Choose at least one event.'), { inline: true });
        const body = { url: url.value.trim(), events };
        const ch = channels.value.split(/[\s,]+/).map((c) => c.replace(/^#/, '')).filter(Boolean);
        if (ch.length) body.channels = ch;
        const made = await ctx.api('POST', '/api/webhooks', body);
        await load();
        secretDialog('Webhook created', made.secret,
          'Give this signing secret to the receiver: it verifies every delivery with it. It is shown only now.');
      },
    });
  }

  function rotateDialog(w) {
    dialog({
      title: 'Rotate the signing secret?',
      description: `A new secret signs every delivery to ${w.url} from now on. The current one keeps signing too (a second signature) for a day, so the receiver can switch without losing a delivery.`,
      confirm: 'Rotate',
      onConfirm: async () => {
        const r = await ctx.api('POST', `/api/webhooks/${encodeURIComponent(w.id)}/rotate`);
        await load();
        secretDialog('New signing secret', r.secret, 'Give it to the receiver. It is shown only now.');
      },
    });
  }

  function deleteDialog(w) {
    dialog({
      title: 'Delete this webhook?',
      description: `${w.url} gets no more deliveries; the pending ones and the delivery log are deleted too.`,
      confirm: 'Delete', danger: true,
      onConfirm: async () => {
        await act(`Could not delete ${w.url}`, () => ctx.api('DELETE', `/api/webhooks/${encodeURIComponent(w.id)}`), `${w.url} is deleted`);
        if (W.selected === w.id) location.hash = '#/webhooks';
        else await load();
      },
    });
  }

  return {
    views: [{ id: 'webhooks', label: 'Webhooks', icon: 'open', group: 'Admin', render, admin: true }],
    reset() { W.data = null; W.error = null; W.log = null; W.selected = null; V = {}; },
  };
}
