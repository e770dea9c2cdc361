// The staff console's Community views (clients/web/src/console/community.js) against a real parleyd
// with a small community scripted over WebSocket (Node protocol clients). The server runs with a
// lowered [advocacy] threshold (10 points, 2 people helped, 1 active day); the default weights
// (answer 2, helpful 4, solved 15, at most 12 points from one giver) then give:
//
//   Cleo answers Ann's q1 and Bob's q2; Ann marks hers helpful, Bob accepts hers:
//     Ann 2 + 4 = 6, Bob 2 + 15 = 17 → capped at 12: score 18 → advocate (automatic)
//   Priya answers q2 too and Bob marks that helpful: 2 + 4 = 6, one person helped: no advocate
//   Dee's q3 and Bob's question in #billing get no answer; Dan (staff) answers Ann's q4:
//     5 questions, 3 answered, 2 answered first by customers, 1 solved, 2 unanswered
//   Tom's spam is reported and upheld with remove and a mute: 1 upheld + 1 removed + 1 mute
//   Uma's message is deleted by staff: 1 removed
//
// Then, in the console: the advocates ranking equals /api/advocates cell by cell; Revoke sends
// `set_advocate` over the console's WebSocket and the row (and Cleo's own client) follow; Grant
// re-ranks; a change made by another staff member arrives as an `advocate` push and refreshes
// the table; the at-risk table equals /api/at-risk; the insights figures equal /api/insights and
// the three Chart.js charts carry exactly the per-day `days` series, for other windows and a
// single channel too; a server error is shown with its HTTP status and message. No page errors.
// Screenshots: tests/browser/artifacts/community-*.png.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, waitFor } = require('./helpers');

const CONFIG = `
[advocacy]
threshold = 10
min_people_helped = 2
min_active_days = 1
`;

let server, browser, staffToken, staff;
const C = {};          // Node protocol clients by user id
const Q = {};          // seqs of the scripted messages
const sent = [];       // frames the console sent over its WebSocket
const flags = [];      // `advocate` events Cleo's own client received

before(async () => {
  server = await new Server('community', { config: CONFIG }).start();
  browser = await launch();
  staffToken = server.token('maya', { role: 'staff', name: 'Maya Lindqvist' });
});

after(async () => {
  for (const c of Object.values(C)) c.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

async function client(user, name, role = 'customer') {
  const c = nodeClient(server, server.token(user, { name, role }));
  C[user] = c;
  await c.ready;
  return c;
}

/** Sends one message and resolves with its seq. */
function post(c, channel, text, opts) {
  return new Promise((resolve, reject) => {
    let id = null;
    const timer = setTimeout(() => { offs.forEach((f) => f()); reject(new Error(`no ack for "${text}"`)); }, 15000);
    const done = (fn) => { clearTimeout(timer); offs.forEach((f) => f()); fn(); };
    const offs = [
      c.on('ack', (a) => { if (a.client_msg_id === id) done(() => resolve(a.seq)); }),
      c.on('send-failed', (e) => { if (e.client_msg_id === id) done(() => reject(new Error(`"${text}" refused: ${JSON.stringify(e.error || e)}`))); }),
    ];
    id = c.send(channel, text, opts).client_msg_id;
  });
}

async function api(path) {
  const r = await fetch(server.origin + path, { headers: { Authorization: 'Bearer ' + staffToken } });
  const body = await r.text();
  assert.equal(r.status, 200, `${path}: HTTP ${r.status} ${body}`);
  return JSON.parse(body);
}

test('before anything happened: each view says so (empty states, never a blank panel)', async () => {
  staff = await visitor(browser, 'community');
  const p = staff.page;
  p.on('websocket', (ws) => ws.on('framesent', (f) => { try { sent.push(JSON.parse(f.payload)); } catch (e) { /* not JSON */ } }));
  await p.goto(`${server.origin}/console?token=${staffToken}#/advocates`);
  await p.locator('.conn[data-state="open"]').waitFor();
  await p.locator('.cm-empty h2', { hasText: 'No helpers yet' }).waitFor();
  await p.getByRole('link', { name: 'At-risk users' }).click();
  await p.locator('.cm-empty h2', { hasText: 'Nobody is at risk' }).waitFor();
  await p.getByRole('link', { name: 'Insights' }).click();
  await p.locator('.cm-empty h2', { hasText: 'No questions in this window' }).waitFor();
  assert.equal(await cm(p).stat('questions').getAttribute('data-questions'), '0');
  assert.equal(await cm(p).stat('answered').locator('.value').textContent(), '—');
  assert.equal(await cm(p).stat('median').locator('.value').textContent(), '—');
  await p.locator('.unanswered-card .clean', { hasText: 'No questions, so none unanswered.' }).waitFor();
  assert.equal(await p.locator('canvas').count(), 0);
  await staff.shot('empty-insights');
  staff.check();
});

test('a small community: answers, marks, an advocate, reports, removals', async () => {
  const dan = await client('dan', 'Dan from Lumen', 'staff');
  const [ann, bob, dee, cleo, priya, tom, rita, uma] = await Promise.all([
    client('ann', 'Ann'), client('bob', 'Bob'), client('dee', 'Dee'), client('cleo', 'Cleo'),
    client('priya', 'Priya'), client('tom', 'Tom'), client('rita', 'Rita'), client('uma', 'Uma')]);
  cleo.on('advocate', (e) => flags.push(e));
  await dan.request({ op: 'create_channel', channel: 'billing', kind: 'support', title: 'Billing' });

  Q.q1 = await post(ann, 'help', 'How do I pair two Halo lamps so they fade together?');
  Q.q2 = await post(bob, 'help', 'Can the Arc run its sunrise without Wi-Fi?');
  Q.q3 = await post(dee, 'help', 'Does the Drift work with Zigbee hubs?');
  Q.q4 = await post(ann, 'help', 'Where do I find the invoice for my order?');
  Q.qb = await post(bob, 'billing', 'Was I charged twice for the Arc?');
  Q.a1 = await post(cleo, 'help', 'Hold both buttons until they pulse, then touch the lamps together.', { reply_to: Q.q1 });
  Q.a2 = await post(cleo, 'help', 'Yes: set the sunrise once in the app, it is stored on the lamp.', { reply_to: Q.q2 });
  Q.p2 = await post(priya, 'help', 'I think it needs Wi-Fi to know the time.', { reply_to: Q.q2 });
  Q.d4 = await post(dan, 'help', 'Account → Orders → Invoice, top right.', { reply_to: Q.q4 });
  await ann.helpful('help', Q.a1);
  await bob.helpful('help', Q.p2);
  await bob.solve('help', Q.a2);
  await waitFor(() => flags.some((e) => e.user === 'cleo' && e.advocate === true), { what: 'Cleo told she is an advocate' });

  Q.spam = await post(tom, 'general', 'Cheap Halo clones at lamps.example, 90% off!!!');
  Q.rude = await post(uma, 'general', 'This shop is run by idiots.');
  const { report_id: rid } = await rita.request({ op: 'report', channel: 'general', seq: Q.spam, reason: 'spam link' });
  await dan.request({ op: 'resolve_report', report_id: rid, action: 'uphold', remove: true, mute_s: 600 });
  await dan.request({ op: 'delete', channel: 'general', seq: Q.rude });

  // What the server makes of it (the console is compared with these same endpoints below).
  const adv = await api('/api/advocates');
  const byId = Object.fromEntries(adv.users.map((u) => [u.user, u]));
  assert.deepEqual(adv.users.map((u) => u.user), ['cleo', 'priya']);
  const pick = (u) => ({ score: u.score, advocate: u.advocate, automatic: u.automatic, manual: u.manual, answers: u.answers, helpful: u.helpful, solved: u.solved, people_helped: u.people_helped, active_days: u.active_days });
  assert.deepEqual(pick(byId.cleo), { score: 18, advocate: true, automatic: true, manual: null, answers: 2, helpful: 1, solved: 1, people_helped: 2, active_days: 1 });
  assert.deepEqual(pick(byId.priya), { score: 6, advocate: false, automatic: false, manual: null, answers: 1, helpful: 1, solved: 0, people_helped: 1, active_days: 1 });
  // the follow-ups of an upheld report (removal, mute) are written after its ok
  await waitFor(async () => {
    const r = await api('/api/at-risk');
    const t = r.users.find((u) => u.user === 'tom');
    return t && t.mutes === 1 && t.messages_removed === 1 && r.users.some((u) => u.user === 'uma');
  }, { what: 'Tom and Uma in /api/at-risk' });
});

/** Locators of the Community views. */
function cm(page) {
  return {
    row: (id) => page.locator(`tr[data-user="${id}"]`),
    rows: page.locator('table.cm-table tbody tr'),
    cell: (id, col) => page.locator(`tr[data-user="${id}"] td[data-col="${col}"]`),
    stat: (key) => page.locator(`.stat[data-stat="${key}"]`),
    toast: (re) => page.locator('.toast', { hasText: re }),
    dialog: page.locator('dialog.dlg[open]'),
  };
}

/** Every row of the advocates table equals /api/advocates: order, numbers, badge, flag. */
async function assertAdvocates(page, expectOrder) {
  const c = cm(page);
  const data = await api('/api/advocates?limit=200');
  if (expectOrder) assert.deepEqual(data.users.map((u) => u.user), expectOrder, 'the server\'s ranking');
  assert.deepEqual(await c.rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.user)), data.users.map((u) => u.user), 'rows in the API\'s order');
  for (const [i, u] of data.users.entries()) {
    assert.equal(await c.cell(u.user, 'rank').textContent(), String(i + 1));
    assert.equal(Number(await c.cell(u.user, 'score').getAttribute('data-value')), u.score, `${u.user} score`);
    assert.equal(Number(await c.cell(u.user, 'score').locator('b').textContent()), u.score, `${u.user} score shown`);
    for (const col of ['answers', 'helpful', 'solved', 'people_helped', 'active_days']) {
      assert.equal(await c.cell(u.user, col).textContent(), String(u[col]), `${u.user} ${col}`);
    }
    assert.equal(Number(await c.cell(u.user, 'last_activity').getAttribute('data-value')), u.last_activity);
    if (u.last_activity) assert.equal(await c.cell(u.user, 'last_activity').locator('time').getAttribute('datetime'), new Date(u.last_activity).toISOString());
    else assert.equal(await c.cell(u.user, 'last_activity').textContent(), '—');
    assert.equal(await c.row(u.user).locator('.badge.advocate').count(), u.advocate ? 1 : 0, `${u.user} badge`);
    const flag = c.cell(u.user, 'flag');
    assert.equal(await flag.getAttribute('data-manual'), String(u.manual));
    assert.match(await flag.textContent(), new RegExp(`^${u.manual === null ? 'Automatic' : u.manual ? 'Granted by staff' : 'Revoked by staff'}Rule: ${u.automatic ? 'advocate' : 'not yet'}${u.manual === null ? '' : 'Clear override'}$`));
    const name = u.name || (await api('/api/users/' + u.user)).name;
    assert.equal(await c.row(u.user).getByRole('button', { name: u.advocate ? `Revoke ${name}’s advocate flag` : `Make ${name} an advocate` }).count(), 1);
    assert.equal(await c.row(u.user).getByRole('button', { name: `Clear the manual decision for ${name}` }).count(), u.manual === null ? 0 : 1);
  }
  assert.ok(await tableFits(page), 'the table fits its card (no sideways scrolling)');
  return data;
}
const tableFits = (page) => page.locator('.cm-body .table-card').evaluate((el) => el.scrollWidth <= el.clientWidth + 1);

test('advocates: the ranking with its breakdown equals /api/advocates', async () => {
  const p = staff.page;
  const c = cm(p);
  await p.getByRole('link', { name: 'Advocates' }).click();
  await p.getByRole('heading', { name: 'Advocates' }).waitFor();
  assert.equal(await p.locator('.sidenav a[href="#/advocates"]').getAttribute('aria-current'), 'page');
  assert.deepEqual(await p.locator('.sidenav h2').allTextContents(), ['Moderation', 'Community']);
  await c.row('cleo').waitFor();
  await assertAdvocates(p, ['cleo', 'priya']);
  assert.match(await c.row('cleo').locator('.badge.advocate').textContent(), /Advocate/);
  assert.match(await p.locator('.view-head .desc').textContent(), /last 90 days.*from 10 points/);
  await staff.shot('advocates');

  // keyboard: Tab from the navigation reaches the row actions
  await p.locator('.sidenav a[href="#/advocates"]').focus();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await p.keyboard.press('Tab');
    reached = await p.evaluate(() => /^Revoke /.test(document.activeElement.getAttribute('aria-label') || ''));
  }
  assert.ok(reached, 'the Revoke button is reachable with Tab');
  staff.check();
});

test('advocates: Revoke sends set_advocate, the row and the user follow; Grant re-ranks', async () => {
  const p = staff.page;
  const c = cm(p);
  await c.row('cleo').getByRole('button', { name: 'Revoke Cleo’s advocate flag' }).click();
  await c.dialog.getByRole('heading', { name: 'Revoke Cleo’s advocate flag?' }).waitFor();
  await staff.shot('revoke-dialog');
  await c.dialog.getByRole('button', { name: 'Revoke' }).click();
  await c.dialog.waitFor({ state: 'detached' });
  await c.toast('Cleo is no longer an advocate (manual decision)').waitFor();
  assert.ok(sent.some((f) => f.op === 'set_advocate' && f.user === 'cleo' && f.advocate === false), 'set_advocate {user: cleo, advocate: false} went over the WebSocket');
  await waitFor(() => flags.some((e) => e.user === 'cleo' && e.advocate === false), { what: 'Cleo told she is no longer an advocate' });
  await c.cell('cleo', 'flag').filter({ hasText: 'Revoked by staff' }).waitFor();
  assert.equal(await c.row('cleo').locator('.badge.advocate').count(), 0);
  await assertAdvocates(p, ['cleo', 'priya']);
  await staff.shot('revoked');

  // Grant Priya: an advocate now, ranked above Cleo's higher score
  await c.row('priya').getByRole('button', { name: 'Make Priya an advocate' }).click();
  await c.toast('Priya is an advocate now (manual decision)').waitFor();
  assert.ok(sent.some((f) => f.op === 'set_advocate' && f.user === 'priya' && f.advocate === true));
  await waitFor(async () => (await c.rows.first().getAttribute('data-user')) === 'priya', { what: 'Priya ranked first' });
  await assertAdvocates(p, ['priya', 'cleo']);
  await staff.shot('granted');
  staff.check();
});

test('advocates: a change by another staff member arrives as an `advocate` push and refreshes the table', async () => {
  const p = staff.page;
  const c = cm(p);
  const before = sent.length;
  const ok = await C.dan.request({ op: 'set_advocate', user: 'cleo', advocate: null });
  assert.deepEqual([ok.advocate, ok.manual], [true, null]);
  await c.toast('Cleo is now a community advocate').waitFor();
  await c.cell('cleo', 'flag').filter({ hasText: 'Automatic' }).waitFor();
  await c.row('cleo').locator('.badge.advocate').waitFor();
  await assertAdvocates(p, ['cleo', 'priya']);
  assert.equal(sent.slice(before).filter((f) => f.op === 'set_advocate').length, 0, 'the console itself sent nothing');

  // Clear override in the console: Priya goes back to the automatic rule (not an advocate)
  await c.row('priya').getByRole('button', { name: 'Clear the manual decision for Priya' }).click();
  await c.toast('Priya is back to the automatic rule: not an advocate').waitFor();
  assert.ok(sent.some((f) => f.op === 'set_advocate' && f.user === 'priya' && f.advocate === null), 'advocate: null sent as a value');
  await c.cell('priya', 'flag').filter({ hasText: 'Automatic' }).waitFor();
  await assertAdvocates(p, ['cleo', 'priya']);
  staff.check();
});

test('at-risk: the table equals /api/at-risk', async () => {
  const p = staff.page;
  const c = cm(p);
  await p.getByRole('link', { name: 'At-risk users' }).click();
  await p.getByRole('heading', { name: 'At-risk users' }).waitFor();
  await c.row('tom').waitFor();
  const data = await api('/api/at-risk?limit=200');
  assert.deepEqual(data.users.map((u) => u.user), ['tom', 'uma']);
  const tom = data.users[0];
  assert.deepEqual([tom.reports_upheld, tom.messages_removed, tom.mutes, tom.at_risk], [1, 1, 1, true]);
  assert.deepEqual([data.users[1].messages_removed, data.users[1].at_risk], [1, false]);
  assert.deepEqual(await c.rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.user)), data.users.map((u) => u.user));
  for (const u of data.users) {
    assert.equal(Number(await c.cell(u.user, 'risk').getAttribute('data-value')), u.risk);
    assert.equal(Number(await c.cell(u.user, 'risk').locator('b').textContent()), u.risk);
    for (const col of ['reports_upheld', 'messages_removed', 'mutes']) assert.equal(await c.cell(u.user, col).textContent(), String(u[col]), `${u.user} ${col}`);
    assert.equal(Number(await c.cell(u.user, 'last_event').getAttribute('data-value')), u.last_event);
    assert.equal(await c.cell(u.user, 'risk').locator('.badge').textContent(), u.at_risk ? 'At risk' : 'Watch');
    // `name` is "" for someone never seen posting in a support channel: the record's name then
    const shown = u.name || (await api('/api/users/' + u.user)).name;
    assert.ok(shown);
    await c.row(u.user).locator('.cm-person .linkish', { hasText: new RegExp(`^${shown}$`) }).waitFor();
  }
  await staff.shot('at-risk');
  // a row opens the user's moderation record
  await c.row('tom').getByRole('button', { name: 'Open Tom’s moderation record' }).click();
  await p.locator('dialog.drawer[open]').getByRole('heading', { name: 'Tom' }).waitFor();
  await p.locator('dialog.drawer[open]').getByRole('button', { name: 'Close' }).click();
  staff.check();
});

/** Reads the three charts back from Chart.js and compares them with the API's `days`. */
async function assertCharts(page, data) {
  const charts = await page.evaluate(() => ['chart-answer-rate', 'chart-community-share', 'chart-first-answer', 'chart-deflected'].map((id) => {
    const canvas = document.getElementById(id);
    const chart = canvas && window.Chart.getChart(canvas);
    return chart && { type: chart.config.type, labels: chart.data.labels, data: chart.data.datasets[0].data, drawn: canvas.width > 0 && canvas.height > 0 };
  }));
  assert.ok(charts.every(Boolean), 'four Chart.js instances');
  const days = data.days;
  const labels = await page.evaluate((ds) => ds.map((d) => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(d))), days.map((d) => d.day));
  const expected = [
    days.map((d) => (d.questions ? (100 * d.answered) / d.questions : null)),
    days.map((d) => (d.questions ? (100 * d.answered_by_customers) / d.questions : null)),
    days.map((d) => (d.median_first_answer_ms == null ? null : d.median_first_answer_ms / 1000)),
    days.map((d) => d.deflected),
  ];
  for (const [i, ch] of charts.entries()) {
    assert.deepEqual(ch.labels, labels, `chart ${i} labels`);
    assert.deepEqual(ch.data, expected[i], `chart ${i} data`);
    assert.ok(ch.drawn, `chart ${i} drawn`);
    if (i < 3) assert.ok(ch.data.some((v) => v != null), `chart ${i} has data`);
  }
  assert.deepEqual(charts.map((ch) => ch.type), ['bar', 'line', 'line', 'bar']);
}

/** The headline figures and the unanswered list equal /api/insights. */
async function assertFigures(page, data) {
  const c = cm(page);
  assert.equal(await c.stat('questions').getAttribute('data-questions'), String(data.questions));
  assert.equal(await c.stat('questions').locator('.value').textContent(), String(data.questions));
  assert.equal(await c.stat('questions').getAttribute('data-solved'), String(data.solved));
  assert.equal(await c.stat('answered').getAttribute('data-count'), String(data.answered));
  assert.equal(await c.stat('answered').getAttribute('data-share'), String(data.answered_share));
  assert.equal(await c.stat('answered').locator('.value').textContent(), `${Math.round(data.answered_share * 100)}%`);
  assert.match(await c.stat('answered').locator('.sub').textContent(), new RegExp(`^${data.answered} of ${data.questions} questions`));
  assert.equal(await c.stat('community').getAttribute('data-count'), String(data.answered_by_customers));
  assert.equal(await c.stat('community').getAttribute('data-share'), String(data.customer_answered_share));
  assert.equal(await c.stat('community').locator('.value').textContent(), `${Math.round(data.customer_answered_share * 100)}%`);
  assert.equal(await c.stat('median').getAttribute('data-ms'), String(data.median_first_answer_ms));
  assert.equal(await c.stat('deflected').getAttribute('data-count'), String(data.deflections));
  const items = page.locator('ul.unanswered > li');
  assert.deepEqual(await items.evaluateAll((lis) => lis.map((li) => [li.dataset.channel, Number(li.dataset.seq)])),
    data.unanswered.map((q) => [q.channel, q.seq]));
}

/** Waits until the view shows the response to `query` (the figures change with it). */
async function showing(page, query) {
  const data = await api('/api/insights?' + query);
  await waitFor(async () => (await cm(page).stat('questions').getAttribute('data-questions')) === String(data.questions) &&
    (await page.evaluate(() => { const c = window.Chart.getChart(document.getElementById('chart-answer-rate')); return c && c.data.labels.length; })) === data.days.length,
  { what: `the insights of ?${query}` });
  return api('/api/insights?' + query); // again, now that the page has loaded its copy
}

test('insights: figures, the four charts and the unanswered list equal /api/insights', async () => {
  const p = staff.page;
  const c = cm(p);
  await p.getByRole('link', { name: 'Insights' }).click();
  await p.getByRole('heading', { name: 'Community insights' }).waitFor();
  assert.equal(await p.getByRole('radio', { name: '30 days' }).isChecked(), true, 'default window');
  const data = await showing(p, 'window=30');
  // the scripted community, as the server counts it
  assert.deepEqual([data.questions, data.answered, data.answered_by_customers, data.solved], [5, 3, 2, 1]);
  assert.deepEqual(data.unanswered.map((q) => [q.channel, q.seq]), [['help', Q.q3], ['billing', Q.qb]]);
  assert.ok(data.days.length >= 30 && data.days.length <= 31, `${data.days.length} days`);
  assert.equal(data.days.reduce((n, d) => n + d.questions, 0), 5);
  await assertFigures(p, data);
  await assertCharts(p, data);
  // the question texts are looked up for the unanswered list
  await p.locator('ul.unanswered > li[data-channel="help"] .qtext', { hasText: 'Does the Drift work with Zigbee hubs?' }).waitFor();
  await p.locator('ul.unanswered > li[data-channel="billing"] .qtext', { hasText: 'Was I charged twice for the Arc?' }).waitFor();
  await p.locator('ul.unanswered > li[data-channel="help"] .m', { hasText: 'Dee asked in #help' }).waitFor();
  await staff.shot('insights-30');

  // another window, with the keyboard: the radios are one group, arrow keys move the choice
  await p.getByRole('radio', { name: '30 days' }).focus();
  await p.keyboard.press('ArrowLeft');
  assert.equal(await p.getByRole('radio', { name: '7 days' }).isChecked(), true);
  const week = await showing(p, 'window=7');
  assert.ok(week.days.length >= 7 && week.days.length <= 8, `${week.days.length} days`);
  await assertFigures(p, week);
  await assertCharts(p, week);
  await p.getByRole('radio', { name: '90 days' }).check();
  await assertCharts(p, await showing(p, 'window=90'));

  // one channel: the support channels are offered, #general (chat) is not
  const sel = p.getByLabel('Channel', { exact: true });
  const offered = () => sel.locator('option').allTextContents();
  await waitFor(async () => (await offered()).length === 3, { what: 'the support channels in the selector' });
  assert.deepEqual(await offered(), ['All support channels', '#billing', '#help']);
  await sel.selectOption('help');
  const help = await showing(p, 'window=90&channel=help');
  assert.deepEqual([help.questions, help.answered, help.answered_by_customers, help.unanswered.length], [4, 3, 2, 1]);
  await assertFigures(p, help);
  await assertCharts(p, help);
  await staff.shot('insights-help');
  staff.check();
});

test('insights: a server error is shown with its HTTP status and message, and Try again recovers', async () => {
  const p = staff.page;
  // the next request asks for a window the server refuses (a real 400 from parleyd)
  const badWindow = (route) => route.continue({ url: route.request().url().replace(/window=\d+/, 'window=0') });
  await p.route('**/api/insights?*', badWindow);
  staff.allow(/Failed to load resource: the server responded with a status of 400/);
  await p.getByRole('button', { name: 'Refresh insights' }).click();
  const alert = p.locator('.cm-error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /Could not load the insights\. HTTP 400 bad_request "window" must be a number of days 1-3650/);
  await staff.shot('insights-error');
  await p.unroute('**/api/insights?*', badWindow);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await alert.waitFor({ state: 'detached' });
  await assertCharts(p, await showing(p, 'window=90&channel=help'));
  staff.check();
});

test('laptop widths: the tables fit without scrolling sideways, the charts fit their cards', async () => {
  const small = await visitor(browser, 'community-laptop', { viewport: { width: 1100, height: 720 } });
  const p = small.page;
  await p.goto(`${server.origin}/console?token=${staffToken}#/advocates`);
  const c = cm(p);
  await c.row('priya').waitFor();
  // Grant by user id: Rita has no credits; she is listed with the manual flag and her name
  await p.getByRole('button', { name: 'Grant by user id…' }).click();
  await c.dialog.getByLabel('User id').fill('rita');
  await c.dialog.getByRole('button', { name: 'Grant' }).click();
  await c.dialog.waitFor({ state: 'detached' });
  await c.toast(/Rita is an advocate now \(manual decision\)/).waitFor(); // her name (case-sensitive), from her record
  await c.row('rita').locator('.cm-person .linkish', { hasText: /^Rita$/ }).waitFor();
  const data = await assertAdvocates(p, ['cleo', 'rita', 'priya']);
  assert.deepEqual([data.users[1].score, data.users[1].name, data.users[1].manual], [0, '', true]);
  assert.ok(await tableFits(p), 'advocates table fits');
  await small.shot('laptop-advocates');
  await p.getByRole('link', { name: 'At-risk users' }).click();
  await cm(p).row('tom').waitFor();
  assert.ok(await tableFits(p), 'at-risk table fits');
  await p.getByRole('link', { name: 'Insights' }).click();
  await showing(p, 'window=30');
  assert.ok(await p.locator('.charts').evaluate((el) => [...el.querySelectorAll('canvas')].every((c) => c.getBoundingClientRect().right <= el.getBoundingClientRect().right + 1)));
  // the view scrolls (the unanswered list is below the fold at this height)
  const scrolled = await p.locator('.cm-view .scroll-area').evaluate((el) => { el.scrollTop = el.scrollHeight; return el.scrollTop > 0; });
  assert.ok(scrolled, 'the insights scroll');
  const card = await p.locator('.unanswered-card').boundingBox();
  assert.ok(card.y + card.height <= 720 + 1, 'the unanswered list can be scrolled into view');
  await small.shot('laptop-insights');
  small.check();
  await small.context.close();
});
