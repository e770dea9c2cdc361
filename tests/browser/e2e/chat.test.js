// Two customers chat through the widget on the demo page: history scroll-back, live messages,
// typing, presence, replies, staff badge, private conversations, unread count, keyboard and a
// phone-sized viewport. The steps share one server and build on each other, in order.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, widget, joinAsGuest, send, waitFor } = require('./helpers');

const SEEDED = 120;
let server, browser, seeder, ann, bob, wa, wb;
const visitors = [];

before(async () => {
  server = await new Server('chat').start();
  browser = await launch();
});

after(async () => {
  if (seeder) seeder.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

const seqs = (v) => v.page.locator('ol.msgs > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));

test('seed more than one history page through the protocol client', async () => {
  seeder = nodeClient(server, server.token('seed-bot', { role: 'customer', name: 'Priya' }));
  await seeder.ready;
  await seeder.join('help');
  const texts = Array.from({ length: SEEDED }, (_, i) => `Seeded question ${i + 1}: does the Halo sunrise work offline?`);
  await sendAll(seeder, 'help', texts);
  const page = await seeder.history('help', { limit: 100 });
  assert.equal(page.all[page.all.length - 1].seq, SEEDED);
});

test('two guests join through the one-tag widget on the demo page', async () => {
  ann = await visitor(browser, 'chat-ann');
  visitors.push(ann);
  await ann.page.goto(server.origin + '/');
  wa = widget(ann.page);
  assert.equal(await ann.page.locator('script[src="/widget.js"]').count(), 1, 'the demo page embeds one script tag');
  await ann.shot('demo-page');
  await wa.launcher.click();
  await wa.nameInput.waitFor();
  await ann.shot('name-prompt');
  await joinAsGuest(ann, server, 'Ann');
  // the newest page is shown first (30 messages), ending at the last seeded one
  await waitFor(async () => (await seqs(ann)).length >= 30, { what: 'first history page' });
  const first = await seqs(ann);
  assert.equal(first[first.length - 1], SEEDED);
  assert.equal(first[0], SEEDED - 29);
  await ann.shot('joined-history');

  bob = await visitor(browser, 'chat-bob');
  visitors.push(bob);
  wb = await joinAsGuest(bob, server, 'Bob');
  // Ann learns that Bob arrived (presence), shown in her header
  await ann.page.locator('.head p', { hasText: 'Bob is here' }).waitFor();
  ann.check();
  bob.check();
});

test('history scroll-back walks every page back to the first message', async () => {
  for (let i = 0; i < 10 && !(await ann.page.locator('.start').isVisible()); i++) {
    const before = (await seqs(ann)).length;
    await wa.scroller.evaluate((el) => { el.scrollTop = 0; });
    await waitFor(async () => (await seqs(ann)).length > before || ann.page.locator('.start').isVisible(), { what: 'an older page' });
  }
  await ann.page.locator('.start', { hasText: 'very beginning' }).waitFor();
  const all = await seqs(ann);
  assert.deepEqual(all, Array.from({ length: SEEDED }, (_, i) => i + 1), 'every message once, in order, no gap');
  await ann.shot('scrolled-to-beginning');
  ann.check();
});

test('live messages, typing indicator and a reply with its quoted parent', async () => {
  await send(wa, 'Hi all! My Arc blinks amber three times after the update. Any idea?');
  const annMsg = wa.message('My Arc blinks amber');
  await annMsg.and(ann.page.locator(':not(.pending)')).waitFor();
  await wb.message('My Arc blinks amber').waitFor();
  // Bob starts typing: Ann sees it
  await wb.composer.pressSequentially('Hold the dimmer', { delay: 20 });
  await wa.typing.filter({ hasText: 'Bob is typing' }).waitFor();
  await ann.shot('typing');
  await wb.composer.fill('');
  // Bob replies to Ann's message
  const target = wb.message('My Arc blinks amber');
  await target.hover();
  await target.getByRole('button', { name: 'Reply to Ann' }).click();
  await bob.page.locator('.replying', { hasText: 'Replying to Ann' }).waitFor();
  await send(wb, 'Hold the dimmer for five seconds until it pulses white, then re-join Wi-Fi.');
  const reply = wa.message('Hold the dimmer for five seconds');
  await reply.waitFor();
  await reply.locator('.quote', { hasText: 'Ann' }).waitFor();
  assert.match(await reply.locator('.quote').textContent(), /My Arc blinks amber/);
  // the typing line is gone once Bob's message arrives, and the message was announced
  await wa.typing.filter({ hasText: /^$/ }).waitFor();
  await ann.page.locator('[aria-live="polite"]', { hasText: 'Bob: Hold the dimmer' }).waitFor({ state: 'attached' });
  await ann.shot('reply');
  await bob.shot('reply-sent');
  assert.equal(await wa.message('My Arc blinks amber').count(), 1, 'own message shown once');
  ann.check();
  bob.check();
});

test('staff messages carry a staff badge', async () => {
  const staff = nodeClient(server, server.token('maya', { role: 'staff', name: 'Maya from Lumen' }));
  try {
    await staff.ready;
    await staff.join('help');
    await sendAll(staff, 'help', ['Thanks Bob! Ann, firmware 2.4.1 fixes the amber blink for good.']);
    const m = wa.message('firmware 2.4.1');
    await m.waitFor();
    await m.locator('.badge.staff', { hasText: 'Staff' }).waitFor();
    assert.equal(await m.locator('.badge.advocate').count(), 0);
    await ann.shot('staff-badge');
  } finally {
    staff.close();
  }
});

test('private conversation from a name, unread count on the closed bubble', async () => {
  // Ann closes her widget; Bob opens a private conversation by clicking her name
  await ann.page.keyboard.press('Escape');
  await wa.panel.waitFor({ state: 'hidden' });
  await wb.message('My Arc blinks amber').getByRole('button', { name: 'Ann, message privately' }).click();
  await bob.page.locator('.head h2', { hasText: 'Ann' }).waitFor();
  await bob.page.locator('.start', { hasText: 'beginning of your private conversation' }).waitFor();
  await send(wb, 'psst: the 2.4.1 beta is on the settings page, under Labs.');
  await wb.message('psst').and(bob.page.locator(':not(.pending)')).waitFor();
  await bob.shot('dm-sent');

  // Ann's closed bubble shows the unread count and a preview
  await wa.count.filter({ hasText: '1' }).waitFor();
  await ann.page.locator('.preview', { hasText: 'psst' }).waitFor();
  await ann.shot('unread-bubble');
  // two channel messages while closed raise it further
  await bob.page.locator('.head button[aria-label^="Back to"]').click();
  await send(wb, 'Anyone tried the Drift with a smart plug?');
  await wa.count.filter({ hasText: '2' }).waitFor();
  assert.match(await wa.launcher.getAttribute('aria-label'), /2 unread/);

  // opening the preview goes straight to the private conversation
  await ann.page.locator('.preview').click();
  await ann.page.locator('.head h2', { hasText: 'Bob' }).waitFor();
  await wa.message('psst').waitFor();
  await send(wa, 'Thank you, trying it now!');
  await ann.shot('dm-open');
  // Bob, in the channel view, gets the reply as an unread private message
  await bob.page.getByRole('button', { name: 'Private messages, 1 unread' }).click();
  await bob.page.getByRole('button', { name: /^Ann, 1 unread/ }).waitFor();
  await bob.shot('inbox');
  await bob.page.getByRole('button', { name: /^Ann, 1 unread/ }).click();
  await wb.message('Thank you, trying it now!').waitFor();
  await bob.shot('dm-reply');
  ann.check();
  bob.check();
});

test('keyboard: Escape closes and gives focus back, arrows walk the messages', async () => {
  const p = ann.page;
  await p.locator('.head button[aria-label^="Back to"]').click();
  await wa.composer.waitFor();
  const focused = () => p.evaluate(() => {
    const host = document.querySelector('[data-parley]');
    const el = host && host.shadowRoot.activeElement;
    return el ? { cls: el.className, seq: el.dataset.seq || null, tag: el.tagName } : null;
  });
  await wa.composer.focus();
  await p.keyboard.press('Escape');
  await wa.panel.waitFor({ state: 'hidden' });
  assert.equal((await focused()).cls, 'launcher');
  await p.keyboard.press('Enter');
  await wa.panel.waitFor();
  assert.equal((await focused()).tag, 'TEXTAREA', 'opening focuses the composer');
  // the list is one tab stop; arrow keys move between messages
  await p.locator('ol.msgs > li.msg[tabindex="0"]').focus();
  const startSeq = Number((await focused()).seq);
  await p.keyboard.press('ArrowUp');
  await p.keyboard.press('ArrowUp');
  assert.equal(Number((await focused()).seq), startSeq - 2);
  await p.keyboard.press('Tab'); // the focused message's first button
  assert.match((await focused()).cls, /name|act|quote/);
  await ann.shot('keyboard');
  ann.check();
});

test('phone-sized viewport: the panel fills the screen and works', async () => {
  const cleo = await visitor(browser, 'chat-phone', { viewport: { width: 390, height: 844 } });
  visitors.push(cleo);
  const wc = await joinAsGuest(cleo, server, 'Cleo');
  const box = await wc.panel.boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844]);
  assert.equal(await wc.launcher.isVisible(), false, 'the bubble hides under the full-screen panel');
  await wc.message('Anyone tried the Drift').waitFor();
  await send(wc, 'Hello from my phone');
  await wa.message('Hello from my phone').waitFor();
  await cleo.shot('phone');
  await cleo.page.getByRole('button', { name: 'Close chat' }).first().click();
  await wc.launcher.waitFor();
  cleo.check();
  for (const v of visitors) v.check();
});
