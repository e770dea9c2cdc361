// Moderation as a customer meets it in the widget. Staff act through a Node protocol client with a
// staff token (`parleyd token --role staff`): a mute (inline notice with a countdown, the typed
// text kept, nothing resent by itself), slow mode, a locked and an archived channel (composer
// off with an explanation), a kick (the conversation gives way to a notice; rejoining works) and
// a ban (a final notice; no more reconnects, also after a reload). In order, one server.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, joinAsGuest, send, waitFor, sleep } = require('./helpers');

let server, browser, staff, watcher, ann, wa, annId;
const fromAnn = () => watcher.messages.filter((m) => m.from.id === annId && !m.synthetic).map((m) => m.text);

before(async () => {
  server = await new Server('moderation', { config: '[limits]\nkick_rejoin_s = 2\n' }).start();
  browser = await launch();
  staff = nodeClient(server, server.token('sam', { role: 'staff', name: 'Sam from Lumen' }));
  watcher = nodeClient(server, server.token('wes', { name: 'Wes' }));
  await Promise.all([staff.ready, watcher.ready]);
  await watcher.join('help');
});

after(async () => {
  for (const c of [staff, watcher]) if (c) c.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

const notice = () => ann.page.locator('form.compose .notice');
const tick = async () => {
  const t = (await notice().locator('.tick').textContent()).trim();
  const m = /^(\d+) s\.$/.exec(t);
  assert.ok(m, `countdown in seconds: ${t}`);
  return Number(m[1]);
};

test('a guest joins; staff are on a protocol client', async () => {
  ann = await visitor(browser, 'moderation-ann');
  wa = await joinAsGuest(ann, server, 'Ann');
  annId = await ann.page.evaluate((o) => JSON.parse(localStorage.getItem('parley:guest:' + o)).user.id, server.origin);
  await send(wa, 'Hello! Quick question about the Arc.');
  await waitFor(() => fromAnn().length === 1, { what: 'Ann\'s first message' });
});

test('muted: an inline notice counts down, the typed text stays, nothing is resent by itself', async () => {
  await staff.request({ op: 'mute', user: annId, channel: 'help', duration_s: 6, reason: 'cool down' });
  await send(wa, 'Why is nobody answering?');
  const failed = ann.page.locator('ol.msgs > li.msg.failed', { hasText: 'Why is nobody answering?' });
  await failed.waitFor();
  assert.match(await failed.locator('.state').textContent(), /Not sent: you are muted in this channel: cool down/);
  await notice().filter({ hasText: 'You are muted in this channel: cool down. You can post again in' }).waitFor();
  const t1 = await tick();
  assert.ok(t1 >= 3 && t1 <= 6, `starts from retry_after_ms: ${t1} s`);
  assert.equal(await wa.composer.getAttribute('aria-describedby'), 'p-notice', 'the composer points screen readers at the notice');

  // typing on: Enter keeps the text in the composer while the countdown runs
  await wa.composer.fill('Sorry. Is the Arc dimmable below 5%?');
  await wa.composer.press('Enter');
  await sleep(300);
  assert.equal(await wa.composer.inputValue(), 'Sorry. Is the Arc dimmable below 5%?');
  assert.equal(await wa.message('dimmable below 5%').count(), 0, 'not sent, not even optimistically');
  assert.equal(await ann.page.locator('form.compose .sendb').isDisabled(), true);
  await ann.shot('muted-countdown');
  await waitFor(async () => (await tick()) < t1, { what: 'the countdown to go down', timeout: 3000 });

  // the mute runs out: the notice says so, and still nothing went out by itself
  await notice().filter({ hasText: 'Your mute has ended. You can post again.' }).waitFor({ timeout: 10000 });
  await sleep(1200);
  assert.deepEqual(fromAnn(), ['Hello! Quick question about the Arc.'], 'no automatic resend');
  assert.equal(await wa.composer.inputValue(), 'Sorry. Is the Arc dimmable below 5%?', 'the typed text is still there');
  await ann.shot('mute-ended');

  // the user sends it, and retries the refused one
  await wa.composer.press('Enter');
  await waitFor(() => fromAnn().includes('Sorry. Is the Arc dimmable below 5%?'), { what: 'the send after the mute' });
  await failed.getByRole('button', { name: 'Retry' }).click();
  await waitFor(() => fromAnn().includes('Why is nobody answering?'), { what: 'the retried send' });
  await failed.waitFor({ state: 'detached' });
  assert.equal(fromAnn().length, 3, 'each exactly once');
  ann.check();
});

test('slow mode: a countdown after each send; a refused send goes back into the composer', async () => {
  await staff.request({ op: 'slow_mode', channel: 'help', interval_s: 30 });
  await ann.page.locator('form.compose .hint', { hasText: 'Slow mode: one message every 30 s' }).waitFor();
  await send(wa, 'One message under slow mode.');
  await notice().filter({ hasText: 'Slow mode is on. You can send your next message in' }).waitFor();
  assert.ok((await tick()) > 25);
  await ann.shot('slow-mode-countdown');

  // a reload forgets the countdown; the server still refuses: the text comes back to the composer
  await ann.page.reload();
  await ann.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  if (!(await wa.panel.isVisible())) await wa.launcher.click();
  await wa.message('One message under slow mode.').waitFor();
  await send(wa, 'A second one too soon.');
  await notice().filter({ hasText: 'Slow mode is on' }).waitFor();
  await waitFor(async () => (await wa.composer.inputValue()) === 'A second one too soon.', { what: 'the text back in the composer' });
  assert.equal(await ann.page.locator('ol.msgs > li.msg.pending, ol.msgs > li.msg.failed').count(), 0, 'no stuck bubble');
  await ann.shot('slow-mode-refused');

  // staff turn it off: the countdown ends at once
  await staff.request({ op: 'slow_mode', channel: 'help', interval_s: 0 });
  await notice().waitFor({ state: 'hidden' });
  await wa.composer.press('Enter');
  await waitFor(() => fromAnn().includes('A second one too soon.'), { what: 'the send once slow mode is off' });
  ann.check();
});

test('locked and archived channels turn the composer off with an explanation', async () => {
  await staff.request({ op: 'lock', channel: 'help', locked: true });
  await notice().filter({ hasText: 'This conversation is locked for now: only the team can post.' }).waitFor();
  assert.equal(await wa.composer.isDisabled(), true);
  await ann.shot('locked');
  await staff.request({ op: 'lock', channel: 'help', locked: false });
  await waitFor(async () => !(await wa.composer.isDisabled()), { what: 'the composer back on' });

  await staff.request({ op: 'archive_channel', channel: 'help' });
  await notice().filter({ hasText: 'This conversation is archived.' }).waitFor();
  assert.equal(await wa.composer.isDisabled(), true);
  // a reload learns it from the join
  await ann.page.reload();
  await ann.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  if (!(await wa.panel.isVisible())) await wa.launcher.click();
  await notice().filter({ hasText: 'This conversation is archived.' }).waitFor();
  assert.equal(await wa.composer.isDisabled(), true);
  await ann.shot('archived');
  await staff.request({ op: 'archive_channel', channel: 'help', archived: false });
  await waitFor(async () => !(await wa.composer.isDisabled()), { what: 'the composer back on' });
  ann.check();
});

test('kicked: the conversation gives way to a notice; rejoining resumes it', async () => {
  await staff.request({ op: 'kick', user: annId, channel: 'help' });
  const gone = ann.page.locator('.gone', { hasText: 'You were removed from the conversation' });
  await gone.waitFor();
  assert.equal(await wa.composer.count(), 0, 'no composer');
  // Out for kick_rejoin_s (2 s here): the button waits, and says so.
  const rejoin = gone.getByRole('button', { name: 'Rejoin the conversation' });
  assert.equal(await rejoin.isDisabled(), true, 'rejoin waits for the delay');
  assert.match(await gone.textContent(), /You can come back in [12] s/);
  await ann.shot('kicked');
  // meanwhile the conversation goes on
  watcher.send('help', 'Did Ann leave?');
  await sleep(500);
  assert.equal(await wa.message('Did Ann leave?').count(), 0);
  await rejoin.click(); // waits until it is enabled
  await wa.composer.waitFor();
  await wa.message('Did Ann leave?').waitFor();
  await send(wa, 'I am back, sorry about that.');
  await waitFor(() => fromAnn().includes('I am back, sorry about that.'), { what: 'a send after rejoining' });
  ann.check();
});

test('banned: a final notice, and no more reconnects (also after a reload)', async () => {
  let sockets = 0;
  ann.page.on('websocket', () => sockets++);
  await staff.request({ op: 'ban', user: annId, duration_s: 3600, reason: 'spam' });
  const final = ann.page.locator('.gone.final');
  await final.filter({ hasText: 'You can no longer chat here' }).waitFor();
  assert.match(await final.textContent(), /You are banned: spam\./);
  assert.match(await final.textContent(), /This ends /);
  await ann.page.locator('.root[data-state="failed"]').waitFor({ state: 'attached' });
  await ann.shot('banned');
  await sleep(3000);
  assert.equal(sockets, 0, 'no reconnect attempt');

  await ann.page.reload();
  await ann.page.locator('.root[data-state="failed"]').waitFor({ state: 'attached' });
  if (!(await wa.panel.isVisible())) await wa.launcher.click();
  await final.filter({ hasText: 'You are banned: spam.' }).waitFor();
  await sleep(3000);
  assert.equal(sockets, 1, 'one refused connection after the reload, no retries');
  await ann.shot('banned-after-reload');
  ann.check();
});
