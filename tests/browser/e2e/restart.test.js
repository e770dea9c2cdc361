// The server dies mid-conversation (SIGKILL) and comes back on the same port and data dir:
// the widget reconnects by itself, a message typed while the server was down is delivered
// exactly once, and nothing sent meanwhile is missed. Then the same for a graceful restart.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, joinAsGuest, send, waitFor, sleep, wsFrames } = require('./helpers');

let server, browser, ann, bob, wa, wb, watcher;

before(async () => {
  server = await new Server('restart').start();
  browser = await launch();
});

after(async () => {
  if (watcher) watcher.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

const texts = (v) => v.page.locator('ol.msgs > li.msg[data-seq] .bubble').allTextContents();
const seqs = (v) => v.page.locator('ol.msgs > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
const count = (arr, t) => arr.filter((x) => x === t).length;

function assertContiguous(list, who) {
  assert.ok(list.length > 0, `${who} shows messages`);
  for (let i = 1; i < list.length; i++) assert.equal(list[i], list[i - 1] + 1, `${who}: no gap or duplicate at ${list[i - 1]} → ${list[i]}`);
}

test('the widget reconnects after a crash and delivers the message typed meanwhile exactly once', async () => {
  ann = await visitor(browser, 'restart-ann');
  bob = await visitor(browser, 'restart-bob');
  wa = await joinAsGuest(ann, server, 'Ann');
  wb = await joinAsGuest(bob, server, 'Bob');
  watcher = nodeClient(server, server.token('watcher', { name: 'Watcher' }));
  await watcher.ready;
  await watcher.join('help');

  await send(wa, 'Before the crash: is the Halo alarm stored on the lamp?');
  await wb.message('Before the crash').waitFor();
  await send(wb, 'Yes, schedules live on the lamp.');
  await wa.message('schedules live on the lamp').waitFor();

  await server.stop('SIGKILL');
  // Chromium itself reports each refused connection attempt on the console; that, and only
  // that, is expected while the server is down.
  const refused = new RegExp(`WebSocket connection to 'ws://127\\.0\\.0\\.1:${server.port}/ws' failed`);
  ann.allow(refused);
  bob.allow(refused);
  await wa.banner.filter({ hasText: 'Reconnecting' }).waitFor();
  await wb.banner.filter({ hasText: 'Reconnecting' }).waitFor();

  await send(wa, 'Typed while the server was down');
  const pending = wa.message('Typed while the server was down');
  await pending.and(ann.page.locator('.pending')).waitFor();
  await pending.locator('.state', { hasText: 'Waiting for connection' }).waitFor();
  await ann.shot('offline-pending');
  await bob.shot('offline-banner');
  await sleep(1500); // stay down across a few reconnect attempts

  await server.start(); // same port, same data dir
  // sent the moment the server is back, possibly before the widgets have resumed
  const early = nodeClient(server, server.token('early', { name: 'Early Bird' }));
  try {
    await early.ready;
    await sendAll(early, 'help', ['Sent right after the restart']);
  } finally {
    early.close();
  }

  await wa.banner.waitFor({ state: 'hidden', timeout: 30000 });
  await wb.banner.waitFor({ state: 'hidden', timeout: 30000 });
  await waitFor(async () => count(await texts(bob), 'Typed while the server was down') === 1, { timeout: 20000, what: 'Bob sees the offline message' });
  await waitFor(async () => (await ann.page.locator('ol.msgs > li.pending').count()) === 0, { what: 'Ann\'s pending send confirmed' });
  await wa.message('Sent right after the restart').waitFor();
  await wb.message('Sent right after the restart').waitFor();
  await sleep(500); // let any late duplicate show up before counting

  for (const [v, who] of [[ann, 'Ann'], [bob, 'Bob']]) {
    const t = await texts(v);
    assert.equal(count(t, 'Typed while the server was down'), 1, `${who}: offline message exactly once`);
    assert.equal(count(t, 'Sent right after the restart'), 1, `${who}: restart message exactly once`);
    assertContiguous(await seqs(v), who);
  }
  // and stored exactly once
  const stored = await watcher.history('help', { limit: 100 });
  assert.equal(stored.all.filter((m) => m.text === 'Typed while the server was down').length, 1);
  assertContiguous(stored.all.map((m) => m.seq), 'server history');
  assert.equal(watcher.messages.filter((m) => m.text === 'Typed while the server was down').length, 1, 'the Node client resumed without a gap');

  await ann.shot('after-restart');
  await bob.shot('after-restart');
  ann.check();
  bob.check();
});

test('a graceful restart (close 1012) is survived the same way', async () => {
  await server.stop('SIGTERM');
  await wa.banner.filter({ hasText: 'Reconnecting' }).waitFor();
  await send(wb, 'Typed during the graceful restart');
  await server.start();
  await wa.message('Typed during the graceful restart').waitFor({ timeout: 30000 });
  await waitFor(async () => (await bob.page.locator('ol.msgs > li.pending').count()) === 0, { what: 'Bob\'s pending send confirmed' });
  await sleep(300);
  for (const [v, who] of [[ann, 'Ann'], [bob, 'Bob']]) {
    assert.equal(count(await texts(v), 'Typed during the graceful restart'), 1, `${who}: exactly once`);
    assertContiguous(await seqs(v), who);
  }
  await ann.shot('after-graceful-restart');
  ann.check();
  bob.check();
});

// Edits, deletions and reactions made while the widget is away come back as events on resume
// (join changes_since): the widget shows them without reading the messages again.
test('changes made while the widget was away are replayed on resume, without a reload', async () => {
  await sendAll(watcher, 'help', ['The Halo lamp supports two alarms', 'Ignore my last message']);
  await wa.message('Ignore my last message').waitFor();
  const mine = watcher.messages.filter((m) => m.from.id === 'watcher');
  const [keep, drop] = [mine.find((m) => m.text.startsWith('The Halo')), mine.find((m) => m.text.startsWith('Ignore'))];
  // Ann's next connections go through a gate that stays shut while the watcher changes things.
  let gateOpen = false;
  await ann.page.routeWebSocket(/\/ws$/, (ws) => { if (gateOpen) ws.connectToServer(); else ws.close(); });
  const frames = wsFrames(ann.page);
  await server.stop('SIGTERM');
  await wa.banner.filter({ hasText: 'Reconnecting' }).waitFor();
  await server.start();
  await waitFor(() => watcher.state === 'open', { timeout: 30000, what: 'the watcher back' });
  await watcher.request({ op: 'edit', channel: 'help', seq: keep.seq, text: 'The Halo lamp supports four alarms' });
  await watcher.request({ op: 'react', channel: 'help', seq: keep.seq, emoji: '👍' });
  await watcher.request({ op: 'delete', channel: 'help', seq: drop.seq });
  gateOpen = true;
  await wa.message('The Halo lamp supports four alarms').locator('.edited').waitFor({ timeout: 30000 });
  await ann.page.locator(`ol.msgs > li.msg[data-seq="${drop.seq}"] .bubble.tomb`, { hasText: 'Message deleted' }).waitFor();
  await ann.page.locator(`ol.msgs > li.msg[data-seq="${keep.seq}"] .rx`, { hasText: '👍' }).waitFor();
  const join = frames.sent.find((f) => f.op === 'join' && f.channel === 'help');
  assert.ok(join && typeof join.changes_since === 'number', `the resume asked for the changes: ${JSON.stringify(join)}`);
  assert.deepEqual(frames.received.filter((f) => f.change > join.changes_since).map((f) => f.op), ['edited', 'reaction', 'deleted']);
  assert.equal(frames.sent.filter((f) => f.op === 'history').length, 0, 'nothing read again');
  await ann.shot('changes-replayed');
  ann.check();
});

test('a message still pending when the page is left is sent once on the next visit', async () => {
  await server.stop('SIGKILL');
  await wa.banner.filter({ hasText: 'Reconnecting' }).waitFor();
  await send(wa, 'Pending when I closed the tab');
  await wa.message('Pending when I closed the tab').and(ann.page.locator('.pending')).waitFor();
  await ann.page.goto('about:blank'); // the visitor leaves while the server is down
  await server.start();
  await ann.page.goto(server.origin + '/');
  await wa.launcher.click();
  await wa.message('Pending when I closed the tab').and(ann.page.locator(':not(.pending)')).waitFor({ timeout: 30000 });
  await wb.message('Pending when I closed the tab').waitFor({ timeout: 30000 });
  await sleep(300);
  for (const [v, who] of [[ann, 'Ann'], [bob, 'Bob']]) {
    assert.equal(count(await texts(v), 'Pending when I closed the tab'), 1, `${who}: exactly once`);
  }
  const stored = await watcher.history('help', { limit: 100 });
  assert.equal(stored.all.filter((m) => m.text === 'Pending when I closed the tab').length, 1);
  await ann.shot('after-revisit');
  ann.check();
  bob.check();
});
