// Bringing people back in the widget (PROTOCOL.md §3.7): unread counts and the private
// conversation list come from the server, so they survive a reload and agree across devices;
// a message that mentions the user is highlighted; reading on one device clears the other.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, widget, hostSite, waitFor } = require('./helpers');

let server, browser, host, hostOrigin, bob, phone, laptop;
const pages = {};

before(async () => {
  server = await new Server('unread').start();
  browser = await launch();
  host = await hostSite(pages);
  hostOrigin = host.origin;
  const token = server.token('alice', { name: 'Alice' });
  pages['/shop'] = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head>
<body><h1>Shop</h1><script src="${server.origin}/widget.js" data-channel="help" data-token="${token}"></script></body></html>`;
});

after(async () => {
  if (bob) bob.close();
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

const countText = async (w) => ((await w.count.isHidden()) ? '' : (await w.count.textContent()));

test('unread counts and the DM list survive a reload and reach a second device', async () => {
  laptop = await visitor(browser, 'unread-laptop');
  await laptop.page.goto(hostOrigin + '/shop');
  const wl = widget(laptop.page);
  await wl.launcher.click();
  await laptop.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  await wl.composer.waitFor();
  await wl.launcher.click(); // closed again: what arrives now is unread

  bob = nodeClient(server, server.token('bob', { name: 'Bob' }));
  await bob.ready;
  await bob.join('help');
  bob.send('help', 'Hi @alice, try the reset button under the lid');
  bob.sendDm('alice', 'Did the reset work for you?');
  await waitFor(async () => (await countText(wl)) === '2', { what: 'two unread on the closed bubble' });

  // A reload used to forget the count: now the server has it.
  await laptop.page.reload();
  await wl.launcher.waitFor();
  await waitFor(async () => (await countText(wl)) === '2', { what: 'two unread after a reload' });
  assert.match(await wl.launcher.getAttribute('aria-label'), /2 unread/);
  await laptop.shot('unread-after-reload');

  // A second device with no local state sees the same, and the conversation with Bob.
  phone = await visitor(browser, 'unread-phone', { viewport: { width: 390, height: 760 } });
  await phone.page.goto(hostOrigin + '/shop');
  const wp = widget(phone.page);
  await waitFor(async () => (await countText(wp)) === '2', { what: 'two unread on the second device' });
  await wp.launcher.click();
  // The channel opens: the mention is highlighted (and said to screen readers).
  const mention = wp.message('try the reset button');
  await mention.waitFor();
  assert.match(await mention.getAttribute('class'), /\bmentioned\b/);
  assert.equal(await mention.locator('.sr', { hasText: 'Mentions you.' }).count(), 1);
  await phone.shot('mention-highlighted');
  await phone.page.getByRole('button', { name: 'Private messages, 1 unread' }).click();
  const conv = phone.page.getByRole('button', { name: /^Bob, 1 unread/ });
  await conv.waitFor();
  await phone.shot('dm-list-from-server');
  await conv.click();
  await wp.message('Did the reset work for you?').waitFor();

  // Read on the phone: the laptop's bubble clears without a reload (the `read` events) …
  await waitFor(async () => (await countText(wl)) === '', { what: 'the laptop count cleared by the phone' });
  // … and stays clear after one.
  await laptop.page.reload();
  await wl.launcher.waitFor();
  await laptop.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  assert.equal(await countText(wl), '');
  laptop.check();
  phone.check();
});
