// The console's unread counts come from the staff member's read markers (PROTOCOL.md §3.7):
// what arrived while the console was closed is counted after a reload, and reading a channel
// clears it for good (also after another reload).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, waitFor } = require('./helpers');

let server, browser, bob;

before(async () => {
  server = await new Server('console-unread').start();
  browser = await launch();
});

after(async () => {
  if (bob) bob.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

test('unread counts in the channel list survive a reload; reading clears them', async () => {
  const v = await visitor(browser, 'console-unread');
  const p = v.page;
  const url = `${server.origin}/console?token=${server.token('maya', { role: 'staff', name: 'Maya' })}#/channels/help`;
  await p.goto(url);
  await p.locator('.conn[data-state="open"]').waitFor();
  const general = p.locator('.chan-item[data-channel="general"]');
  await general.waitFor();
  // The console watches (joins) the channels: from now on they are in Maya's list.
  await waitFor(async () => {
    const ws = nodeClient(server, server.token('maya', { role: 'staff' }));
    try {
      await ws.ready;
      const ok = await ws.listChannels();
      return ok.channels.some((c) => c.name === 'general');
    } finally {
      ws.close();
    }
  }, { what: 'general in the staff member\'s list' });

  await p.close();
  bob = nodeClient(server, server.token('bob', { name: 'Bob' }));
  await bob.ready;
  await sendAll(bob, 'general', ['first while away', 'second while away']);

  const p2 = await v.context.newPage();
  await p2.goto(url);
  await p2.locator('.conn[data-state="open"]').waitFor();
  const badge = p2.locator('.chan-item[data-channel="general"] .new');
  await waitFor(async () => (await badge.count()) === 1 && (await badge.textContent()) === '2', { what: 'two unread in general after the reload' });
  assert.match(await p2.locator('.chan-item[data-channel="general"]').getAttribute('aria-label'), /2 new messages/);
  await p2.screenshot({ path: require('node:path').join(__dirname, '..', 'artifacts', 'console-unread-after-reload.png') });

  await p2.locator('.chan-item[data-channel="general"]').click();
  await p2.locator('.stream').getByText('second while away').waitFor();
  assert.equal(await badge.count(), 0);
  // The marker reaches the server (the console sends `read` within half a second).
  await waitFor(async () => {
    const ws = nodeClient(server, server.token('maya', { role: 'staff' }));
    try {
      await ws.ready;
      const ok = await ws.listChannels();
      return ok.channels.find((c) => c.name === 'general').unread === 0;
    } finally {
      ws.close();
    }
  }, { what: 'the read marker stored' });
  await p2.reload();
  await p2.locator('.conn[data-state="open"]').waitFor();
  await p2.locator('.chan-item[data-channel="general"]').waitFor();
  await p2.waitForTimeout(300);
  assert.equal(await p2.locator('.chan-item[data-channel="general"] .new').count(), 0);
  v.check();
});
