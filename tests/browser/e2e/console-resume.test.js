// The staff console's WebSocket is cut (through a gate in front of it, page.routeWebSocket) while
// another client edits, reacts to and deletes messages; the gate opens again and the console
// resumes: its `join` carries `changes_since`, the server replays the changes made meanwhile
// (PROTOCOL.md §3.1 *Changes*, §8 step 5) and the console shows the edit, the reaction and the
// tombstone. In a channel the console has loaded but does not show, it does so without reading
// any message again. Then the reset path: an admin erases a user whose message was edited, which
// deletes the channel's change log from before the erasure (§9.3 DELETE /api/users/{id}, step 3),
// so the console's resume is answered `changes_reset: true` and it reloads the channel
// (console.js onJoined → onReset → loadOlder). Screenshots: tests/browser/artifacts/console-resume-*.png.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, waitFor, sleep, wsFrames } = require('./helpers');

let server, browser, staff, frames, watcher, ann;
let gateOpen = true;  // the console's next connections reach the server only while this is true
let link = null;      // the server side of the console's current connection through the gate
let away = null;      // what the first test saw across the resume, for the second

before(async () => {
  server = await new Server('console-resume').start();
  browser = await launch();
  watcher = nodeClient(server, server.token('wes', { name: 'Wes Watcher' }));
  await watcher.ready;
  await watcher.join('help');
  await watcher.join('general');
});

after(async () => {
  if (ann) ann.close();
  if (watcher) watcher.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

/** Locators of the console page. */
function con(page) {
  return {
    live: page.locator('.conn[data-state="open"]'),
    away: page.locator('.conn:not([data-state="open"])'),
    chan: (name) => page.locator(`.chan-item[data-channel="${name}"]`),
    title: (text) => page.locator('.pane-head h1', { hasText: text }),
    message: (text) => page.locator('ol.msgs > li.msg', { has: page.locator('.text', { hasText: text }) }),
    seq: (seq) => page.locator(`ol.msgs > li.msg[data-seq="${seq}"]`),
  };
}

const mine = (client, channel, text) => {
  const m = client.messages.find((x) => x.channel === channel && x.text === text);
  assert.ok(m, `${text} was delivered`);
  return m;
};

/** The highest change number of `channel` the console had received before frame `upto`: the
 *  last_change of its join ok, then the `change` of each event (PROTOCOL.md §8, "Keep"). */
function lastChangeSeen(channel, upto) {
  let n = null;
  for (const f of frames.received.slice(0, upto)) {
    if (f.channel !== channel) continue;
    if (f.op === 'ok' && typeof f.last_change === 'number') n = Math.max(n ?? 0, f.last_change);
    else if (typeof f.change === 'number') n = Math.max(n ?? 0, f.change);
  }
  return n;
}

/** The change events of `channel` numbered above `since` among `received`, as [op, seq, change]. */
const changesAfter = (received, channel, since) =>
  received.filter((f) => f.channel === channel && typeof f.change === 'number' && f.change > since).map((f) => [f.op, f.seq, f.change]);

/** Shuts the gate and cuts the console's connection; resolves with where the frames stood. */
async function cut() {
  const c = con(staff.page);
  gateOpen = false;
  const mark = { sent: frames.sent.length, received: frames.received.length };
  assert.ok(link, 'the console is connected through the gate');
  await link.close({ code: 4000, reason: 'cut by the test' });
  await c.away.waitFor({ timeout: 10000 });
  return mark;
}

async function reopen() {
  gateOpen = true;
  await con(staff.page).live.waitFor({ timeout: 30000 });
}

test('changes made while the console was cut off are replayed on resume and shown', async () => {
  await sendAll(watcher, 'help', ['The Halo lamp supports two alarms', 'Does the Halo app work offline?', 'Ignore my last message']);
  await sendAll(watcher, 'general', ['Meetup in Lisbon on Friday', 'Wrong city, sorry']);
  const alarms = mine(watcher, 'help', 'The Halo lamp supports two alarms');
  const offline = mine(watcher, 'help', 'Does the Halo app work offline?');
  const ignore = mine(watcher, 'help', 'Ignore my last message');
  const meetup = mine(watcher, 'general', 'Meetup in Lisbon on Friday');
  const wrong = mine(watcher, 'general', 'Wrong city, sorry');

  staff = await visitor(browser, 'console-resume-staff');
  const p = staff.page;
  const c = con(p);
  frames = wsFrames(p);
  await p.routeWebSocket(/\/ws$/, (ws) => {
    if (!gateOpen) { ws.close(); return; }
    link = ws.connectToServer();
  });
  const token = server.token('maya', { role: 'staff', name: 'Maya Lindqvist' });
  // #general loaded first (it stays loaded while #help is shown), then #help
  await p.goto(`${server.origin}/console?token=${token}#/channels/general`);
  await c.live.waitFor();
  await c.message('Wrong city, sorry').waitFor();
  await c.chan('help').click();
  await c.title('Help').waitFor();
  await c.message('Ignore my last message').waitFor();
  // a change seen live, so that the resume starts above change 0
  await watcher.request({ op: 'react', channel: 'help', seq: alarms.seq, emoji: '👀' });
  await c.seq(alarms.seq).locator('.reaction', { hasText: '👀' }).waitFor();

  const mark = await cut();
  const since = { help: lastChangeSeen('help', mark.received), general: lastChangeSeen('general', mark.received) };
  assert.ok(since.help >= 1, `the console saw the 👀 reaction's change: ${since.help}`);
  assert.equal(typeof since.general, 'number', 'the console joined #general');

  // another client changes both channels while the console is away
  await watcher.request({ op: 'edit', channel: 'help', seq: alarms.seq, text: 'The Halo lamp supports four alarms' });
  await watcher.request({ op: 'react', channel: 'help', seq: offline.seq, emoji: '👍' });
  await watcher.request({ op: 'delete', channel: 'help', seq: ignore.seq });
  await watcher.request({ op: 'edit', channel: 'general', seq: meetup.seq, text: 'Meetup in Porto on Friday' });
  await watcher.request({ op: 'delete', channel: 'general', seq: wrong.seq });
  assert.equal(await c.seq(ignore.seq).locator('.tomb').count(), 0, 'the console is really cut off');
  await staff.shot('away');

  await reopen();
  // #help, on screen: the edit (and the earlier reaction kept), the new reaction, the tombstone
  const edited = c.seq(alarms.seq);
  await edited.locator('.text', { hasText: 'The Halo lamp supports four alarms' }).waitFor({ timeout: 30000 });
  await edited.locator('.edited', { hasText: '(edited)' }).waitFor();
  await edited.locator('.reaction', { hasText: '👀' }).waitFor();
  await c.seq(offline.seq).locator('.reaction', { hasText: '👍' }).waitFor();
  await c.seq(ignore.seq).locator('.tomb', { hasText: 'Message removed by its author' }).waitFor();
  assert.equal(await c.message('Ignore my last message').count(), 0, 'the deleted text is gone');
  assert.equal(await c.message('supports two alarms').count(), 0, 'the old text is gone');
  await staff.shot('help-resumed');

  // the resume asked for the changes, and got exactly the ones it missed, in order
  const sent = frames.sent.slice(mark.sent);
  const received = () => frames.received.slice(mark.received);
  for (const ch of ['help', 'general']) {
    const join = sent.find((f) => f.op === 'join' && f.channel === ch);
    assert.ok(join, `the console rejoined #${ch}`);
    assert.equal(join.changes_since, since[ch], `#${ch}: the resume asked for the changes after the last one seen: ${JSON.stringify(join)}`);
    assert.equal(typeof join.since, 'number', `#${ch}: and for the messages after the last one seen`);
  }
  await waitFor(() => changesAfter(received(), 'general', since.general).length >= 2, { what: 'the replay of #general' });
  assert.deepEqual(changesAfter(received(), 'help', since.help), [
    ['edited', alarms.seq, since.help + 1], ['reaction', offline.seq, since.help + 2], ['deleted', ignore.seq, since.help + 3]]);
  assert.deepEqual(changesAfter(received(), 'general', since.general), [
    ['edited', meetup.seq, since.general + 1], ['deleted', wrong.seq, since.general + 2]]);
  const ok = received().find((f) => f.op === 'ok' && f.channel === 'help' && 'last_change' in f);
  assert.equal(ok.last_change, since.help + 3);
  assert.equal(ok.changes_reset, undefined, 'nothing was trimmed');

  // #general, loaded but not on screen: the replay alone updates it; nothing is read again,
  // neither on the resume nor when it is shown
  const generalReads = () => frames.sent.slice(mark.sent).filter((f) => f.op === 'history' && f.channel === 'general');
  assert.deepEqual(generalReads(), [], '#general is not read again on the resume');
  await c.chan('general').click();
  await c.title('General').waitFor();
  await c.seq(meetup.seq).locator('.text', { hasText: 'Meetup in Porto on Friday' }).waitFor();
  await c.seq(meetup.seq).locator('.edited').waitFor();
  await c.seq(wrong.seq).locator('.tomb', { hasText: 'Message removed by its author' }).waitFor();
  assert.equal(await c.message('Wrong city, sorry').count(), 0);
  assert.deepEqual(generalReads(), [], '#general is shown from what the replay updated');
  await staff.shot('general-resumed');
  await c.chan('help').click();
  await c.title('Help').waitFor();

  // #help was not reloaded (no first page read again, as on a changes_reset) …
  const helpReads = frames.sent.slice(mark.sent).filter((f) => f.op === 'history' && f.channel === 'help');
  assert.deepEqual(helpReads.filter((f) => f.before == null && f.limit === 50), [], '#help is not reloaded');
  away = { helpReads };
  staff.check();
});

// … nor is the channel on screen: the replay is all it needs (it used to re-read its newest 100
// messages after every reconnect, from before changes_since).
test('the channel on screen is not read again on resume either', () => {
  assert.ok(away, 'the previous test ran');
  assert.deepEqual(away.helpReads, [], `#help is read again after the resume: ${JSON.stringify(away.helpReads)}`);
});

test('when the server no longer keeps the changes missed (changes_reset), the console reloads the channel', async () => {
  assert.ok(staff, 'the console of the first test is open');
  const p = staff.page;
  const c = con(p);
  // Ann's message, edited: erasing Ann deletes #help's change log from before the erasure.
  ann = nodeClient(server, server.token('ann', { name: 'Ann Example' }));
  await ann.ready;
  await ann.join('help');
  await sendAll(ann, 'help', ['My order number is 4711']);
  const order = mine(ann, 'help', 'My order number is 4711');
  await ann.request({ op: 'edit', channel: 'help', seq: order.seq, text: 'My order number is 4712' });
  await sendAll(watcher, 'help', ['Shipping to Portugal takes three days']);
  const shipping = mine(watcher, 'help', 'Shipping to Portugal takes three days');
  await c.seq(order.seq).locator('.text', { hasText: 'My order number is 4712' }).waitFor();
  await c.seq(shipping.seq).waitFor();
  ann.close(); // the erasure closes Ann's connections anyway
  ann = null;

  const mark = await cut();
  const since = lastChangeSeen('help', mark.received);
  // a change the console misses, then the erasure, which trims it away (it was made earlier)
  await watcher.request({ op: 'edit', channel: 'help', seq: shipping.seq, text: 'Shipping to Portugal takes two days' });
  await sleep(20); // the trim keeps what was made in the erasure's first millisecond and after
  const admin = server.token('root', { role: 'admin' });
  const del = await server.api('DELETE', '/api/users/ann', undefined, admin);
  assert.equal(del.status, 202, JSON.stringify(del.body));
  await waitFor(async () => {
    const u = await server.api('GET', '/api/users/ann', undefined, admin);
    return u.body && u.body.erasure && u.body.erasure.status === 'done';
  }, { timeout: 20000, what: 'the erasure of Ann' });

  await reopen();
  // the console shows #help as the server has it now: the missed edit and Ann's tombstone
  await c.seq(order.seq).locator('.tomb', { hasText: 'Message removed by its author' }).waitFor({ timeout: 30000 });
  await c.seq(order.seq).locator('.who', { hasText: 'Deleted user' }).waitFor();
  await c.seq(shipping.seq).locator('.text', { hasText: 'Shipping to Portugal takes two days' }).waitFor();
  await c.seq(shipping.seq).locator('.edited').waitFor();
  assert.equal(await c.message('My order number').count(), 0, 'the erased text is gone');
  await staff.shot('help-reset');

  const sent = frames.sent.slice(mark.sent);
  const received = frames.received.slice(mark.received);
  const join = sent.find((f) => f.op === 'join' && f.channel === 'help');
  assert.ok(join && join.changes_since === since, `the resume asked for the changes after ${since}: ${JSON.stringify(join)}`);
  const ok = received.find((f) => f.op === 'ok' && f.channel === 'help' && 'last_change' in f);
  assert.equal(ok.changes_reset, true, `the server no longer keeps them: ${JSON.stringify(ok)}`);
  assert.ok(ok.last_change > since + 1, `changes were made meanwhile: ${ok.last_change}`);
  assert.deepEqual(changesAfter(received, 'help', since).filter(([, , n]) => n <= ok.last_change), [], 'nothing was replayed');
  // the reload: the newest page read again from the start (onReset → loadOlder), not a replay
  const reload = sent.filter((f) => f.op === 'history' && f.channel === 'help' && f.before == null && f.limit === 50);
  assert.equal(reload.length, 1, `the console reloaded #help once: ${JSON.stringify(sent.filter((f) => f.op === 'history'))}`);
  // and shows every message once, in order
  const seqs = await p.locator('ol.msgs > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(seqs, Array.from({ length: shipping.seq }, (_, i) => i + 1), 'every message of #help once, in order');
  staff.check();
});
