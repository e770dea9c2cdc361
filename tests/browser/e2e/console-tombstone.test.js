// Staff deletes a message in the console while a customer has the widget open on the demo page:
// the console shows the tombstone, and the message disappears from the open widget live (two
// browser contexts). The widget learns of deletions only from the server's `deleted` push, which
// the test also sees reaching a customer's protocol client.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, joinAsGuest, send, waitFor } = require('./helpers');

let server, browser, watcher;

before(async () => {
  server = await new Server('console-tombstone').start();
  browser = await launch();
});

after(async () => {
  if (watcher) watcher.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

test('a message deleted in the console disappears live from an open widget', async () => {
  const customer = await visitor(browser, 'tombstone-customer');
  const staff = await visitor(browser, 'tombstone-staff');
  const wc = await joinAsGuest(customer, server, 'Chloe');

  const token = server.token('maya', { role: 'staff', name: 'Maya Lindqvist' });
  await staff.page.goto(`${server.origin}/console?token=${token}#/channels/help`);
  await staff.page.locator('.conn[data-state="open"]').waitFor();

  // another customer's protocol client, to see the push every widget gets
  watcher = nodeClient(server, server.token('wes', { name: 'Wes Watcher' }));
  const pushes = [];
  watcher.on('deleted', (d) => pushes.push(d));
  await watcher.ready;
  await watcher.join('help');

  await send(wc, 'Get 90% off at cheap-lamps.example, today only!!!');
  const inWidget = wc.message('cheap-lamps.example');
  await inWidget.and(customer.page.locator(':not(.pending)')).waitFor();

  const m = staff.page.locator('ol.msgs > li.msg', { has: staff.page.locator('.text', { hasText: 'cheap-lamps.example' }) });
  await m.waitFor();
  const seq = Number(await m.getAttribute('data-seq'));
  await m.hover();
  await m.getByRole('button', { name: `Delete message #${seq} by Chloe` }).click();
  await staff.page.locator('dialog.dlg[open]').getByRole('button', { name: 'Delete message' }).click();
  await staff.page.locator(`ol.msgs > li.msg[data-seq="${seq}"] .tomb`, { hasText: 'Message removed by you' }).waitFor();
  await staff.shot('deleted');
  await waitFor(() => pushes.some((d) => d.channel === 'help' && d.seq === seq && d.by === 'maya'), { what: 'the deleted push' });
  staff.check();
  customer.check();

  await waitFor(async () => (await inWidget.count()) === 0, { what: 'the message to leave the open widget' });
  await customer.shot('tombstone');
  assert.equal(await wc.message('cheap-lamps.example').count(), 0);
  customer.check();
});
