// Own messages and reactions through the widget, live in another browser context: editing and
// deleting your own message (the other customer sees the new text and the tombstone), the
// reaction picker and reaction counts, and reporting someone else's message (the report reaches
// staff). The steps share one server and build on each other, in order.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, joinAsGuest, send, waitFor } = require('./helpers');

let server, browser, staff, ann, bob, wa, wb;
const reports = [];

before(async () => {
  server = await new Server('messages').start();
  browser = await launch();
  staff = nodeClient(server, server.token('sam', { role: 'staff', name: 'Sam from Lumen' }));
  staff.on('report', (r) => reports.push(r));
  await staff.ready;
});

after(async () => {
  if (staff) staff.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

/** Opens a message's "More actions" menu and picks `item`. */
async function menu(v, li, item) {
  await li.hover();
  await li.getByRole('button', { name: /^More actions/ }).click();
  await v.page.getByRole('menuitem', { name: item }).click();
}

test('two guests in two browser contexts', async () => {
  ann = await visitor(browser, 'messages-ann');
  bob = await visitor(browser, 'messages-bob');
  wa = await joinAsGuest(ann, server, 'Ann');
  wb = await joinAsGuest(bob, server, 'Bob');
});

test('editing your own message shows the new text live, marked (edited)', async () => {
  await send(wa, 'My Halo resets to 3000K evry morning');
  const mine = wa.message('evry morning');
  await mine.and(ann.page.locator(':not(.pending)')).waitFor();
  await wb.message('evry morning').waitFor();

  await menu(ann, mine, 'Edit message');
  const box = ann.page.getByRole('textbox', { name: 'Edit your message' });
  await box.waitFor();
  assert.equal(await box.inputValue(), 'My Halo resets to 3000K evry morning', 'the editor starts from the current text');
  await box.fill('My Halo resets to 2700K every morning since firmware 2.4.0');
  await ann.shot('editing');
  await box.press('Enter');

  const seen = wb.message('every morning since firmware 2.4.0');
  await seen.waitFor();
  await seen.locator('.edited', { hasText: '(edited)' }).waitFor();
  assert.equal(await wb.message('evry morning').count(), 0, 'the old text is gone for the other customer');
  await wa.message('every morning since firmware 2.4.0').locator('.edited').waitFor();
  await bob.shot('edited-live');

  // ArrowUp in an empty composer edits your last message; Escape cancels
  await wa.composer.focus();
  await ann.page.keyboard.press('ArrowUp');
  await box.waitFor();
  await ann.page.keyboard.press('Escape');
  await box.waitFor({ state: 'detached' });
  assert.equal(await wa.panel.isVisible(), true, 'Escape in the editor does not close the panel');
  ann.check();
  bob.check();
});

test('deleting your own message leaves a tombstone for everyone', async () => {
  await send(wa, 'Wrong chat, sorry: pick up milk');
  const mine = wa.message('pick up milk');
  await mine.and(ann.page.locator(':not(.pending)')).waitFor();
  const seq = Number(await mine.getAttribute('data-seq'));
  await wb.message('pick up milk').waitFor();

  await menu(ann, mine, 'Delete message');
  const sheet = ann.page.getByRole('dialog', { name: 'Delete this message?' });
  await sheet.waitFor();
  await ann.shot('delete-confirm');
  await sheet.getByRole('button', { name: 'Delete', exact: true }).click();
  await sheet.waitFor({ state: 'detached' });

  const tomb = bob.page.locator(`ol.msgs > li.msg[data-seq="${seq}"] .bubble.tomb`, { hasText: 'Message deleted' });
  await tomb.waitFor();
  assert.equal(await wb.message('pick up milk').count(), 0, 'the text left the other widget live');
  await ann.page.locator(`ol.msgs > li.msg[data-seq="${seq}"] .bubble.tomb`, { hasText: 'Message deleted' }).waitFor();
  assert.equal(await bob.page.locator(`li.msg[data-seq="${seq}"] .acts`).count(), 0, 'no actions on a tombstone');
  await bob.shot('tombstone');
  ann.check();
  bob.check();
});

test('reactions: the picker, live counts in both widgets, toggling your own', async () => {
  const target = 'every morning since firmware';
  const chip = (v, label) => v.page.locator('ol.msgs > li.msg', { has: v.page.locator('.bubble', { hasText: target }) })
    .getByRole('button', { name: new RegExp(`^${label}: `) });

  // Bob picks 👍 from the picker
  const m = wb.message(target);
  await m.hover();
  await m.getByRole('button', { name: 'React to Ann’s message' }).click();
  const picker = bob.page.getByRole('group', { name: 'Pick a reaction' });
  await picker.waitFor();
  assert.deepEqual(await picker.getByRole('button').allTextContents(), ['👍', '❤️', '🙏', '🎉', '😂']);
  await bob.shot('picker');
  await picker.getByRole('button', { name: 'React with thumbs up' }).click();
  await picker.waitFor({ state: 'detached' });
  await waitFor(async () => (await chip(ann, 'thumbs up').getAttribute('aria-label')) === 'thumbs up: 1 reaction', { what: '👍 1 in Ann\'s widget' });
  assert.equal(await chip(bob, 'thumbs up').getAttribute('aria-pressed'), 'true', 'Bob sees his own reaction');
  assert.equal(await chip(ann, 'thumbs up').getAttribute('aria-pressed'), 'false');

  // Ann adds hers by clicking the chip; Bob adds 🎉 from the picker with the keyboard
  await chip(ann, 'thumbs up').click();
  await waitFor(async () => /^thumbs up: 2 reactions/.test(await chip(bob, 'thumbs up').getAttribute('aria-label')), { what: '👍 2 for Bob' });
  await m.hover();
  await m.getByRole('button', { name: 'React to Ann’s message' }).click();
  await picker.waitFor();
  await bob.page.keyboard.press('ArrowRight');
  await bob.page.keyboard.press('ArrowRight');
  await bob.page.keyboard.press('ArrowRight');
  await bob.page.keyboard.press('Enter');
  await chip(ann, 'celebrate').waitFor();
  assert.equal(await chip(ann, 'celebrate').textContent(), '🎉1');
  assert.equal(await chip(ann, 'thumbs up').textContent(), '👍2');
  await ann.shot('reactions');

  // Bob takes his 👍 back: 1 left, Ann's
  await chip(bob, 'thumbs up').click();
  await waitFor(async () => (await chip(ann, 'thumbs up').textContent()) === '👍1', { what: '👍 back to 1' });
  // Bob's own chip turns off with his ok, which the server sends after the `reaction` event
  // (event before ok): it may come a moment after Ann's count changes.
  await waitFor(async () => (await chip(bob, 'thumbs up').getAttribute('aria-pressed')) === 'false', { what: 'Bob\'s 👍 released' });
  assert.equal(await chip(ann, 'thumbs up').getAttribute('aria-pressed'), 'true');
  // the counts survive a reload (they come from history)
  await bob.page.reload();
  await bob.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  if (!(await wb.panel.isVisible())) await wb.launcher.click();
  await waitFor(async () => (await chip(bob, 'celebrate').textContent()) === '🎉1', { what: 'reactions from history' });
  assert.equal(await chip(bob, 'thumbs up').textContent(), '👍1');
  await bob.shot('reactions-after-reload');
  ann.check();
  bob.check();
});

test('reporting someone else\'s message with a reason reaches staff', async () => {
  const m = wb.message('every morning since firmware');
  await menu(bob, m, 'Report message…');
  const sheet = bob.page.getByRole('dialog', { name: 'Report this message' });
  await sheet.waitFor();
  await sheet.getByRole('radio', { name: 'Off-topic' }).check();
  await sheet.getByRole('textbox', { name: 'Details' }).fill('This is about a different lamp');
  await bob.shot('report-sheet');
  await sheet.getByRole('button', { name: 'Send report' }).click();
  await sheet.waitFor({ state: 'detached' });
  await bob.page.locator('.toast', { hasText: 'The team will review this message' }).waitFor();
  await bob.shot('reported');
  await waitFor(() => reports.length === 1, { what: 'the report event for staff' });
  assert.equal(reports[0].reason, 'Off-topic: This is about a different lamp');
  assert.equal(reports[0].author.name, 'Ann');
  assert.match(reports[0].text, /every morning since firmware/);
  // your own messages have no Report item
  const mine = wa.message('every morning since firmware');
  await mine.hover();
  await mine.getByRole('button', { name: /^More actions/ }).click();
  await ann.page.getByRole('menuitem', { name: 'Edit message' }).waitFor();
  assert.equal(await ann.page.getByRole('menuitem', { name: /Report/ }).count(), 0);
  await ann.page.keyboard.press('Escape');
  await ann.page.getByRole('menu').waitFor({ state: 'detached' });
  ann.check();
  bob.check();
});
