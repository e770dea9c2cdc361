// The staff console at /console against a real parleyd: sign-in (token in the URL, staff-only
// check), deleting a message (tombstone in the console, gone from the customer's widget), the
// report queue (a report filed over the protocol shows up live, uphold with remove, resolved by
// another staff member), muting a customer from the console (the widget's next send is refused
// with `muted`), channel settings, the audit log and error toasts. The steps share one server and
// build on each other, in order. Screenshots go to tests/browser/artifacts/console-*.png.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, joinAsGuest, send, waitFor, sleep } = require('./helpers');

let server, browser, staffToken;
let staff, customer, wc;   // the console page, the customer's demo page and its widget
const clients = [];        // Node protocol clients (other customers, another staff member)
const visitors = [];

before(async () => {
  server = await new Server('console').start();
  browser = await launch();
  staffToken = server.token('maya', { role: 'staff', name: 'Maya Lindqvist' });
});

after(async () => {
  for (const c of clients) c.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

function node(user, opts) {
  const c = nodeClient(server, server.token(user, opts));
  clients.push(c);
  return c;
}

/** Locators of the console page. */
function con(page) {
  return {
    live: page.locator('.conn[data-state="open"]'),
    chan: (name) => page.locator(`.chan-item[data-channel="${name}"]`),
    message: (text) => page.locator('ol.msgs > li.msg', { has: page.locator('.text', { hasText: text }) }),
    seq: (seq) => page.locator(`ol.msgs > li.msg[data-seq="${seq}"]`),
    report: (id) => page.locator(`li.report[data-report="${id}"]`),
    reports: page.locator('li.report[data-report]:not(.leaving)'),
    dialog: page.locator('dialog.dlg[open]'),
    drawer: page.locator('dialog.drawer[open]'),
    toast: (re) => page.locator('.toast', { hasText: re }),
    navReports: page.locator('.sidenav a[href="#/reports"]'),
  };
}

test('sign-in: the token leaves the address bar, customers get "Staff only", staff get the console', async () => {
  const v = await visitor(browser, 'console-signin');
  visitors.push(v);
  const p = v.page;
  // a customer's token in the URL: verified over the WebSocket, refused, and not kept anywhere
  await p.goto(`${server.origin}/console?token=${server.token('cora', { name: 'Cora Customer' })}#/reports`);
  await p.getByRole('heading', { name: 'Staff only' }).waitFor();
  assert.doesNotMatch(p.url(), /token=/, 'the token is stripped from the address bar');
  assert.match(p.url(), /#\/reports$/, 'the rest of the address is kept');
  assert.match(await p.locator('.staff-only').textContent(), /Cora Customer \(customer\)/);
  assert.equal(await p.evaluate(() => sessionStorage.getItem('parley:console:token')), null);
  await v.shot('staff-only');

  // a token the server refuses: the form says why, with the error code
  await p.getByRole('button', { name: 'Use another token' }).click();
  await p.getByLabel('Staff token').fill('not-a-jwt');
  await p.getByRole('button', { name: 'Sign in' }).click();
  const alert = p.locator('.login .alert.error');
  await alert.waitFor();
  assert.match(await alert.textContent(), /refused this token: invalid token: malformed.*unauthorized/);
  await v.shot('refused-token');

  // the staff token through the form: console, token kept in sessionStorage for this tab
  await p.getByLabel('Staff token').fill('Bearer ' + staffToken);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await con(p).live.waitFor();
  await p.locator('.me', { hasText: 'Maya Lindqvist' }).waitFor();
  assert.equal(await p.evaluate(() => sessionStorage.getItem('parley:console:token')), staffToken);
  // a reload signs in again from sessionStorage, without the form
  await p.reload();
  await con(p).live.waitFor();
  assert.equal(await p.getByLabel('Staff token').count(), 0);
  // sign out forgets the token
  await p.getByRole('button', { name: 'Sign out' }).click();
  await p.getByLabel('Staff token').waitFor();
  assert.equal(await p.evaluate(() => sessionStorage.getItem('parley:console:token')), null);
  v.check();
});

test('the channel list shows kinds, settings and live activity', async () => {
  staff = await visitor(browser, 'console-staff');
  visitors.push(staff);
  const p = staff.page;
  const c = con(p);
  await p.goto(`${server.origin}/console?token=${staffToken}#/channels/help`);
  await c.live.waitFor();
  await c.chan('help').waitFor();
  await c.chan('general').waitFor();
  assert.equal(await c.chan('help').getAttribute('aria-current'), 'true');
  await p.locator('.pane-head h1', { hasText: 'Help' }).waitFor();
  await p.locator('.stream .start', { hasText: 'No messages in #help yet' }).waitFor();

  // activity from a customer elsewhere: the #general entry counts the new messages live
  const olga = node('olga', { name: 'Olga Petrova' });
  await olga.ready;
  await olga.join('general');
  await sendAll(olga, 'general', ['Anyone at the Lisbon meetup tonight?', 'I will bring the prototype Halo.']);
  await c.chan('general').locator('.new', { hasText: '2' }).waitFor();
  assert.match(await c.chan('general').getAttribute('aria-label'), /2 new messages/);
  await staff.shot('channels-activity');
  await c.chan('general').click();
  await c.message('I will bring the prototype Halo.').waitFor();
  assert.equal(await c.chan('general').locator('.new').count(), 0, 'viewing the channel clears its count');
  await c.chan('help').click();
  await p.locator('.pane-head h1', { hasText: 'Help' }).waitFor();
  staff.check();
});

test('history scroll-back walks a long channel back to its first message', async () => {
  const p = staff.page;
  const c = con(p);
  // a channel created by another staff member after the console loaded, with 120 messages
  const ops = node('ops', { role: 'staff', name: 'Ops' });
  const olga = clients.find((x) => x.user && x.user.id === 'olga');
  await ops.ready;
  await ops.request({ op: 'create_channel', channel: 'history-lane', kind: 'chat', title: 'History lane' });
  await olga.join('history-lane');
  await sendAll(olga, 'history-lane', Array.from({ length: 120 }, (_, i) => `Backlog message ${i + 1}`));
  // a deep link to it works at once (the list is refreshed), newest page first
  await p.goto(`${server.origin}/console#/channels/history-lane`);
  await p.locator('.pane-head h1', { hasText: 'History lane' }).waitFor();
  await c.message('Backlog message 120').waitFor();
  const seqs = () => p.locator('ol.msgs > li.msg').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(await seqs(), Array.from({ length: 50 }, (_, i) => 71 + i));
  for (let i = 0; i < 6 && !(await p.locator('.stream .start').isVisible()); i++) {
    const before = (await seqs()).length;
    await p.locator('.stream').evaluate((el) => { el.scrollTop = 0; });
    await waitFor(async () => (await seqs()).length > before || p.locator('.stream .start').isVisible(), { what: 'an older page' });
  }
  await p.locator('.stream .start', { hasText: 'very beginning of #history-lane' }).waitFor();
  assert.deepEqual(await seqs(), Array.from({ length: 120 }, (_, i) => i + 1), 'every message once, in order');
  await staff.shot('scroll-back');
  await c.chan('help').click();
  await p.locator('.pane-head h1', { hasText: 'Help' }).waitFor();
  staff.check();
});

test('staff deletes a message in the console: tombstone there, gone from the customer\'s widget', async () => {
  const c = con(staff.page);
  customer = await visitor(browser, 'console-customer');
  visitors.push(customer);
  wc = await joinAsGuest(customer, server, 'Chloe');
  await send(wc, 'Does the Arc dim below 5 percent?');
  await send(wc, 'Visit cheap-lamps.example for 90% off all Lumen lamps!!!');
  const spam = wc.message('cheap-lamps.example');
  await spam.and(customer.page.locator(':not(.pending)')).waitFor();

  // the console sees both live, with moderation actions on hover
  const m = c.message('cheap-lamps.example');
  await m.waitFor();
  const seq = Number(await m.getAttribute('data-seq'));
  await m.hover();
  await m.getByRole('button', { name: `Delete message #${seq} by Chloe` }).waitFor();
  await staff.shot('message-actions');
  await m.getByRole('button', { name: `Delete message #${seq} by Chloe` }).click();
  await c.dialog.getByRole('heading', { name: 'Delete this message?' }).waitFor();
  assert.match(await c.dialog.locator('.preview').textContent(), /cheap-lamps\.example/);
  await staff.shot('delete-dialog');
  await c.dialog.getByRole('button', { name: 'Delete message' }).click();
  await c.dialog.waitFor({ state: 'detached' });

  // the console shows the tombstone in place
  await c.seq(seq).locator('.tomb', { hasText: 'Message removed by you' }).waitFor();
  assert.equal(await c.message('cheap-lamps.example').count(), 0);
  await c.toast(`Message #${seq} in #help deleted`).waitFor();
  await staff.shot('tombstone');

  // the customer's widget no longer shows it once it loads the channel again (live removal in an
  // open widget is checked by console-tombstone.test.js)
  await customer.page.reload();
  await customer.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  if (!(await wc.panel.isVisible())) await wc.launcher.click();
  await wc.message('Does the Arc dim below 5 percent?').waitFor();
  assert.equal(await wc.message('cheap-lamps.example').count(), 0, 'the deleted text is gone from the widget');
  await customer.shot('after-delete');
  staff.check();
  customer.check();
});

test('a customer\'s report appears in the queue live; upholding with "remove" tombstones the message', async () => {
  const p = staff.page;
  const c = con(p);
  await p.goto(`${server.origin}/console#/reports`);
  await p.locator('.empty h2', { hasText: 'All clear' }).waitFor();
  await staff.shot('reports-empty');

  // a spammer posts; another customer reports it over the protocol (the widget has no report
  // action yet)
  const sam = node('sam', { name: 'Sam Spammer' });
  const rita = node('rita', { name: 'Rita Reporter' });
  await Promise.all([sam.ready, rita.ready]);
  await sam.join('help');
  await sendAll(sam, 'help', ['FREE LAMPS!!! DM me your card number to claim yours']);
  const seq = sam.messages.find((x) => /FREE LAMPS/.test(x.text)).seq;
  const { report_id: id } = await rita.request({ op: 'report', channel: 'help', seq, reason: 'Scam asking for card numbers' });

  // the report shows up without a reload, and the navigation counts it
  const card = c.report(id);
  await card.waitFor();
  assert.match(await card.textContent(), /Sam Spammer/);
  assert.match(await card.textContent(), /FREE LAMPS/);
  await card.locator('.reason', { hasText: 'Reported by Rita Reporter: Scam asking for card numbers' }).waitFor();
  await c.navReports.locator('.count', { hasText: '1' }).waitFor();
  await staff.shot('report-live');

  // uphold with remove
  await card.getByRole('button', { name: 'Uphold…' }).click();
  await c.dialog.getByRole('heading', { name: `Uphold report #${id}` }).waitFor();
  assert.equal(await c.dialog.getByLabel(/Remove the message/).isChecked(), true);
  await staff.shot('uphold-dialog');
  await c.dialog.getByRole('button', { name: 'Uphold report' }).click();
  await c.dialog.waitFor({ state: 'detached' });
  await card.waitFor({ state: 'detached' });
  await p.locator('.empty h2', { hasText: 'All clear' }).waitFor();
  assert.equal(await c.navReports.locator('.count').count(), 0);
  await c.toast(`Report #${id} upheld, message removed`).waitFor();
  await staff.shot('report-upheld');

  // the message is tombstoned: in storage (history) and in the console's stream
  await waitFor(async () => {
    const page = await rita.history('help', { limit: 100 });
    const msg = page.all.find((x) => x.seq === seq);
    return msg && msg.deleted === true && msg.text === '';
  }, { what: 'the reported message deleted in history' });
  await p.goto(`${server.origin}/console#/channels/help`);
  await c.seq(seq).locator('.tomb', { hasText: 'Message removed by you' }).waitFor();

  // the upheld tab lists it with its resolution
  await p.goto(`${server.origin}/console#/reports/upheld`);
  await c.report(id).locator('.resolution', { hasText: 'upheld; message removed' }).waitFor();
  staff.check();
});

test('a report resolved by another staff member leaves the queue live', async () => {
  const p = staff.page;
  const c = con(p);
  await p.goto(`${server.origin}/console#/reports`);
  await p.locator('.empty h2', { hasText: 'All clear' }).waitFor();
  const rita = clients.find((x) => x.user && x.user.id === 'rita');
  const olga = clients.find((x) => x.user && x.user.id === 'olga');
  const seq = olga.messages.find((x) => /prototype Halo/.test(x.text)).seq;
  const { report_id: id } = await rita.request({ op: 'report', channel: 'general', seq, reason: 'off topic?' });
  await c.report(id).waitFor();

  const dan = node('dan', { role: 'staff', name: 'Dan from Lumen' });
  await dan.ready;
  await dan.request({ op: 'resolve_report', report_id: id, action: 'dismiss' });
  await c.report(id).waitFor({ state: 'detached' });
  await c.toast(`Report #${id} was dismissed by`).waitFor();
  await staff.shot('resolved-elsewhere');
  staff.check();
});

test('staff mutes a customer from the console; the widget\'s next send shows the muted error', async () => {
  const p = staff.page;
  const c = con(p);
  await p.goto(`${server.origin}/console#/channels/help`);
  const m = c.message('Does the Arc dim below 5 percent?');
  await m.waitFor();
  await m.hover();
  await m.getByRole('button', { name: 'Mute Chloe' }).click();
  await c.dialog.getByRole('heading', { name: 'Mute Chloe' }).waitFor();
  await c.dialog.getByRole('radio', { name: '10 minutes' }).check();
  await c.dialog.getByLabel('Reason').fill('Please cool down; no links to other shops.');
  await staff.shot('mute-dialog');
  await c.dialog.getByRole('button', { name: 'Mute', exact: true }).click();
  await c.dialog.waitFor({ state: 'detached' });
  await c.toast('Chloe muted for 10 minutes').waitFor();

  // the widget: the send is refused with the server's muted error
  await send(wc, 'Why can I not post any more?');
  const failed = customer.page.locator('ol.msgs > li.msg.failed', { hasText: 'Why can I not post any more?' });
  await failed.waitFor();
  assert.match(await failed.locator('.state').textContent(), /Not sent: you are muted: Please cool down/);
  await customer.shot('muted-send');

  // the user panel shows the mute; unmuting lets the retry through
  await m.locator('.who').click();
  await c.drawer.getByRole('heading', { name: 'Chloe' }).waitFor();
  const mute = c.drawer.locator('.restriction.mute');
  await mute.waitFor();
  assert.match(await mute.textContent(), /Muted everywhere until .*by Maya Lindqvist.*Please cool down/);
  await staff.shot('user-panel-muted');
  await mute.getByRole('button', { name: 'Unmute Chloe' }).click();
  await c.drawer.locator('.clean', { hasText: 'No active restrictions' }).waitFor();
  await c.toast('Chloe unmuted').waitFor();
  await p.keyboard.press('Escape');
  await c.drawer.waitFor({ state: 'detached' });
  await failed.getByRole('button', { name: 'Retry' }).click();
  await c.message('Why can I not post any more?').waitFor();
  staff.check();
  customer.check();
});

test('channel settings: lock and slow mode reach customers live; create, rename, members', async () => {
  const p = staff.page;
  const c = con(p);
  // lock #help: the customer's widget is refused, the console shows the badge
  await p.getByRole('button', { name: 'Lock', exact: true }).click();
  await c.chan('help').locator('.badge.locked').waitFor();
  await p.locator('.pane-head .badge.locked', { hasText: 'only staff post' }).waitFor();
  // The customer's widget: a widget that follows `channel_updated` closes its composer with a
  // notice at once; one that does not lets the next send fail with the server's refusal.
  const notice = customer.page.locator('#p-notice', { hasText: /locked/i });
  if (await notice.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
    assert.equal(await wc.composer.isDisabled(), true, 'the composer is closed while locked');
  } else {
    await send(wc, 'Hello? Is this locked now?');
    await customer.page.locator('ol.msgs > li.msg.failed', { hasText: 'Is this locked now?' }).locator('.state', { hasText: 'channel is locked' }).waitFor();
  }
  await customer.shot('locked');
  await p.getByRole('button', { name: 'Locked', exact: true }).click();
  await waitFor(async () => (await c.chan('help').locator('.badge.locked').count()) === 0, { what: 'unlocked' });

  // slow mode
  await p.getByLabel('Slow mode', { exact: true }).selectOption('30');
  await c.toast('Slow mode on in #help: one message every 30 seconds').waitFor();
  await c.chan('help').locator('.badge.slow', { hasText: '30 s' }).waitFor();
  const listed = await (await fetch(`${server.origin}/api/channels`)).json();
  assert.equal(listed.channels.find((x) => x.channel === 'help').slow_mode_s, 30);
  await staff.shot('slow-mode');
  await p.getByLabel('Slow mode', { exact: true }).selectOption('0');
  await c.toast('Slow mode off in #help').waitFor();

  // create a private channel, rename it, add a member
  await p.getByRole('button', { name: 'New channel' }).click();
  await c.dialog.getByLabel('Name').fill('beta-testers');
  await c.dialog.getByLabel('Title').fill('Beta testers');
  await c.dialog.getByRole('radio', { name: 'Private' }).check();
  await staff.shot('create-channel');
  await c.dialog.getByRole('button', { name: 'Create channel' }).click();
  await c.dialog.waitFor({ state: 'detached' });
  await p.locator('.pane-head h1', { hasText: 'Beta testers' }).waitFor();
  assert.match(p.url(), /#\/channels\/beta-testers$/);
  await p.getByRole('button', { name: 'Rename' }).click();
  await c.dialog.getByLabel('Title').fill('Beta testers (Halo 3)');
  await c.dialog.getByRole('button', { name: 'Save' }).click();
  await p.locator('.pane-head h1', { hasText: 'Beta testers (Halo 3)' }).waitFor();
  await p.getByRole('button', { name: 'Members' }).click();
  await c.dialog.locator('.member-list', { hasText: 'No members yet' }).waitFor();
  await c.dialog.getByLabel('Add a member').fill('rita');
  await c.dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await c.dialog.locator('.member-list li', { hasText: 'Rita Reporter' }).waitFor();
  await staff.shot('members');
  await c.dialog.getByRole('button', { name: 'Done' }).click();
  // rita can now join the private channel
  const rita = clients.find((x) => x.user && x.user.id === 'rita');
  const ok = await rita.join('beta-testers');
  assert.equal(ok.kind, 'private');

  // archive and unarchive
  await p.getByRole('button', { name: 'Archive', exact: true }).click();
  await c.dialog.getByRole('button', { name: 'Archive', exact: true }).click();
  await c.chan('beta-testers').and(p.locator('.archived')).waitFor();
  await p.locator('.pane-head .badge.archived').waitFor();
  assert.equal(await p.getByRole('button', { name: 'Lock', exact: true }).isDisabled(), true, 'no settings while archived');
  await staff.shot('archived');
  await p.getByRole('button', { name: 'Unarchive' }).click();
  await waitFor(async () => (await p.locator('.pane-head .badge.archived').count()) === 0, { what: 'unarchived' });
  staff.check();
  customer.check();
});

test('server errors show as toasts with the error code', async () => {
  const p = staff.page;
  const c = con(p);
  // creating a channel that exists: HTTP 409, whose failed request Chromium also logs
  staff.allow(/status of 409/);
  await p.getByRole('button', { name: 'New channel' }).click();
  await c.dialog.getByLabel('Name').fill('help');
  await c.dialog.getByRole('button', { name: 'Create channel' }).click();
  await c.dialog.locator('.dlg-err', { hasText: 'conflict channel already exists' }).waitFor();
  const t = c.toast('Could not create #help');
  await t.waitFor();
  assert.match(await t.textContent(), /conflict.*channel already exists/);
  await staff.shot('error-toast');
  await p.keyboard.press('Escape');
  await c.dialog.waitFor({ state: 'detached' });

  // upholding a report against a staff member with "mute": the server upholds it but skips the
  // mute (staff cannot mute staff) and says so; the console shows that, with its code
  const dan = node('dan', { role: 'staff', name: 'Dan from Lumen' });
  const rita = clients.find((x) => x.user && x.user.id === 'rita');
  await dan.ready;
  await dan.join('help');
  await sendAll(dan, 'help', ['Reminder: be nice to each other.']);
  const seq = dan.messages.find((x) => /be nice/.test(x.text)).seq;
  await p.goto(`${server.origin}/console#/reports`);
  await p.locator('.empty h2', { hasText: 'All clear' }).waitFor();
  const { report_id: id } = await rita.request({ op: 'report', channel: 'help', seq, reason: 'condescending' });
  await c.report(id).getByRole('button', { name: 'Uphold…' }).click();
  await c.dialog.getByLabel(/Remove the message/).uncheck();
  await c.dialog.getByRole('radio', { name: '1 hour' }).check();
  await c.dialog.getByRole('button', { name: 'Uphold report' }).click();
  const skipped = c.toast(`Report #${id} upheld, but Dan from Lumen was not muted`);
  await skipped.waitFor();
  assert.match(await skipped.textContent(), /mute_skipped.*staff cannot moderate staff or admins/);
  await c.report(id).waitFor({ state: 'detached' });
  await staff.shot('mute-skipped');
  staff.check();
});

test('the audit log pages through every action taken above', async () => {
  const p = staff.page;
  await p.goto(`${server.origin}/console#/audit`);
  const rows = p.locator('table.audit tbody tr');
  await rows.first().locator('.act').waitFor();
  const actions = await rows.locator('.act').allTextContents();
  for (const a of ['Deleted message', 'Resolved report', 'Muted', 'Unmuted', 'Locked', 'Unlocked', 'Slow mode', 'Created channel', 'Renamed channel', 'Added member', 'Archived', 'Unarchived']) {
    assert.ok(actions.includes(a), `audit shows "${a}" (got ${actions.join(', ')})`);
  }
  await rows.filter({ hasText: /Resolved report.*dismissed report #\d+/ }).first().waitFor();
  const muted = rows.filter({ has: p.locator('.act', { hasText: /^Muted$/ }) }).first();
  await muted.locator('[data-name-of]', { hasText: 'Chloe' }).waitFor();
  assert.match(await muted.textContent(), /for 10 minutes · reason: “Please cool down/);
  for (const x of await p.locator('.toast .x').all()) await x.click({ timeout: 2000 }).catch(() => {}); // dismissable
  await staff.shot('audit');

  // paging with `before`: seed more entries than a page, then walk back to the first one
  const dan = clients.find((x) => x.user && x.user.id === 'dan');
  for (let i = 0; i < 60; i++) await dan.request({ op: 'slow_mode', channel: 'general', interval_s: i % 2 ? 0 : 5 });
  await p.getByRole('button', { name: 'Refresh' }).click();
  await p.getByRole('button', { name: 'Load older entries' }).waitFor();
  const first = await rows.count();
  assert.equal(first, 50);
  for (let i = 0; i < 5 && await p.getByRole('button', { name: 'Load older entries' }).count(); i++) {
    const n = await rows.count();
    await p.getByRole('button', { name: 'Load older entries' }).click();
    await waitFor(async () => (await rows.count()) > n || (await p.getByRole('button', { name: 'Load older entries' }).count()) === 0, { what: 'an older audit page' });
  }
  const ids = await p.evaluate(async () => {
    const t = sessionStorage.getItem('parley:console:token');
    const r = await fetch('/api/audit?limit=200', { headers: { Authorization: 'Bearer ' + t } });
    return (await r.json()).entries.length;
  });
  assert.equal(await rows.count(), ids, 'every entry once');
  assert.equal(await p.getByRole('button', { name: 'Load older entries' }).count(), 0);
  staff.check();
});

test('laptop widths: the navigation collapses to icons and everything stays reachable', async () => {
  const small = await visitor(browser, 'console-laptop', { viewport: { width: 1100, height: 700 } });
  visitors.push(small);
  const p = small.page;
  await p.goto(`${server.origin}/console?token=${staffToken}#/channels/help`);
  await con(p).live.waitFor();
  await con(p).message('Why can I not post any more?').waitFor();
  assert.equal(await p.locator('.sidenav .label').first().isVisible(), false);
  await p.getByRole('link', { name: 'Audit log' }).click();
  await p.getByRole('heading', { name: 'Audit log' }).waitFor();
  await small.shot('laptop-audit');
  await p.getByRole('link', { name: 'Channels' }).click();
  await con(p).message('Why can I not post any more?').waitFor();
  await small.shot('laptop-channels');
  for (const v of visitors) v.check();
});

/** Holds the first answer to `pattern` on `page`: read from the server at once, handed to the
 *  page only on `release()` (which resolves once the page has it and the route is removed);
 *  later requests pass. `fetched()`: whether that first answer has been read. */
async function holdAnswer(page, pattern) {
  let answer = null;
  let release;
  let done;
  const held = new Promise((resolve) => { release = resolve; });
  const fulfilled = new Promise((resolve) => { done = resolve; });
  const handler = async (route) => {
    if (answer) { await route.continue(); return; }
    answer = await route.fetch();
    await held;
    await route.fulfill({ response: answer });
    done();
  };
  await page.route(pattern, handler);
  return {
    fetched: () => answer !== null,
    release: async () => {
      release();
      await fulfilled;
      await page.unroute(pattern, handler);
    },
  };
}

test('a server restart: the console reconnects, resumes its channels and catches up on reports', async () => {
  const p = staff.page;
  const c = con(p);
  await p.goto(`${server.origin}/console#/channels/general`);
  await c.message('I will bring the prototype Halo.').waitFor();
  // Chromium reports each refused connection attempt on the console; that, and only that, is
  // expected while the server is down. Allowed before the stop: the console starts
  // reconnecting on the 1012 close, which may come before the process has exited.
  const refused = new RegExp(`WebSocket connection to 'ws://127\\.0\\.0\\.1:${server.port}/ws' failed`);
  for (const v of visitors) v.allow(refused);
  await server.stop('SIGTERM');
  await p.locator('.conn[data-state="waiting"]', { hasText: 'Reconnecting' }).waitFor();
  await staff.shot('reconnecting');
  // The reconnected console reloads its open reports. Its answer is read from the server at once
  // but handed to the page only after a report filed later has been pushed: the push must survive
  // the reload that predates it (it was lost once, under ASan's timing).
  const reports = await holdAnswer(p, '**/api/reports?status=open*');
  // The same for the channel list: a lock pushed while the reconnect's reload is in flight must
  // survive that reload's older answer.
  const list = await holdAnswer(p, '**/api/channels');
  // The console asks for its unread counts (`channels` over the socket) right after it applied
  // the list: the sign that the held answer has been taken in.
  let channelsAsked = 0;
  p.on('websocket', (ws) => ws.on('framesent', (f) => {
    if (typeof f.payload === 'string' && f.payload.includes('"op":"channels"')) channelsAsked++;
  }));
  await sleep(1200);
  await server.start(); // same port, same data dir

  // the protocol clients of two customers reconnect by themselves; one posts, the other reports
  const olga = clients.find((x) => x.user && x.user.id === 'olga');
  const rita = clients.find((x) => x.user && x.user.id === 'rita');
  await waitFor(() => olga.connected && rita.connected, { timeout: 20000, what: 'customers back online' });
  await sendAll(olga, 'general', ['Back online: the meetup moved to 8 pm.']);
  const seq = olga.messages.find((x) => /meetup moved/.test(x.text)).seq;
  await c.live.waitFor({ timeout: 20000 });
  await waitFor(() => reports.fetched(), { timeout: 20000, what: 'the console reloading its reports' });
  const { report_id: id } = await rita.request({ op: 'report', channel: 'general', seq, reason: 'wrong time' });
  await c.toast(`New report #${id}`).waitFor();
  await reports.release();

  await waitFor(() => list.fetched(), { timeout: 20000, what: 'the console reloading its channels' });
  const sam = node('sam', { role: 'staff', name: 'Sam' });
  await sam.ready;
  await sam.request({ op: 'lock', channel: 'help', locked: true });
  await c.chan('help').locator('.badge.locked').waitFor();
  const askedBefore = channelsAsked;
  await list.release();
  await waitFor(() => channelsAsked > askedBefore, { timeout: 20000, what: 'the held channel list taken in' });
  assert.equal(await c.chan('help').locator('.badge.locked').count(), 1, 'the lock survives the older answer');
  await sam.request({ op: 'lock', channel: 'help', locked: false });
  await waitFor(async () => (await c.chan('help').locator('.badge.locked').count()) === 0, { what: 'unlocked again' });

  await c.message('Back online: the meetup moved to 8 pm.').waitFor();
  assert.equal(await c.message('I will bring the prototype Halo.').count(), 1, 'no duplicate after the resume');
  await c.navReports.locator('.count', { hasText: '1' }).waitFor();
  await p.goto(`${server.origin}/console#/reports`);
  await c.report(id).waitFor();
  await staff.shot('after-restart');
  staff.check();
});
