// The console's Webhooks view (admins): create a webhook (the secret shown once), see its
// deliveries with every attempt, retry one, rotate the secret, delete it; staff do not see the
// view. A real receiver on loopback answers the first delivery with 500.
'use strict';
const http = require('node:http');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, waitFor } = require('./helpers');

let server, browser, receiver, asker;
const got = [];

before(async () => {
  server = await new Server('console-webhooks', { config: '[webhooks]\nallow_hosts = ["127.0.0.1"]\n' }).start();
  browser = await launch();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push({ id: req.headers['webhook-id'], body });
      res.writeHead(got.length === 1 ? 500 : 200);
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});

after(async () => {
  if (asker) asker.close();
  if (browser) await browser.close();
  if (receiver) receiver.close();
  if (server) await server.cleanup();
});

test('an admin manages webhooks and their deliveries in the console', async () => {
  const v = await visitor(browser, 'console-webhooks');
  const p = v.page;
  await p.goto(`${server.origin}/console?token=${server.token('ada', { role: 'admin', name: 'Ada Admin' })}#/webhooks`);
  await p.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await p.getByRole('heading', { name: 'No webhooks yet' }).waitFor();

  await p.getByRole('button', { name: 'New webhook' }).click();
  const url = `http://127.0.0.1:${receiver.address().port}/crm`;
  const dlg = p.getByRole('dialog');
  await dlg.getByLabel('URL').fill(url);
  await dlg.getByRole('checkbox', { name: /question\.solved/ }).check();
  await dlg.getByLabel('Channels').fill('help');
  await v.shot('new-webhook');
  await dlg.getByRole('button', { name: 'Create' }).click();
  const secret = p.getByLabel('Signing secret', { exact: true });
  await secret.waitFor();
  assert.match(await secret.inputValue(), /^whsec_/);
  await v.shot('secret-once');
  await p.getByRole('button', { name: 'Done' }).click();
  const row = p.locator('table.webhooks tbody tr');
  await row.filter({ hasText: url }).waitFor();
  assert.match(await row.textContent(), /question\.created, question\.solved/);
  assert.match(await row.textContent(), /#help/);

  // A question reaches the receiver (500 first, then the retry 5 s later).
  asker = nodeClient(server, server.token('quinn', { name: 'Quinn' }));
  await asker.ready;
  await sendAll(asker, 'help', ['Does the lamp work with dimmers?']);
  await waitFor(() => got.length === 2, { timeout: 20000, what: 'the delivery and its retry' });
  assert.equal(got[0].id, got[1].id);

  await p.getByRole('link', { name: `Deliveries of ${url}` }).click();
  const delivery = p.locator('table.deliveries tbody tr').first();
  await delivery.waitFor();
  await waitFor(async () => (await delivery.getAttribute('data-status')) === 'delivered', {
    what: 'the delivered status', interval: 300,
  }).catch(async () => {
    await p.getByRole('button', { name: 'Refresh' }).click();
    await waitFor(async () => (await delivery.getAttribute('data-status')) === 'delivered', { what: 'the delivered status after a refresh' });
  });
  const text = await delivery.textContent();
  assert.match(text, /question\.created/);
  assert.match(text, /500 HTTP 500/);
  assert.match(text, /200/);
  await v.shot('delivery-log');

  // Retry: the same id once more.
  await delivery.getByRole('button', { name: /^Retry msg_/ }).click();
  await waitFor(() => got.length === 3, { what: 'the manual retry' });
  assert.equal(got[2].id, got[0].id);

  // Rotate: a new secret, shown once.
  await p.getByRole('button', { name: `Rotate the secret of ${url}` }).click();
  await p.getByRole('dialog').getByRole('button', { name: 'Rotate', exact: true }).click();
  const rotated = p.getByLabel('Signing secret', { exact: true });
  await rotated.waitFor();
  assert.match(await rotated.inputValue(), /^whsec_/);
  await p.getByRole('button', { name: 'Done' }).click();
  await p.locator('table.webhooks', { hasText: 'rotating' }).waitFor();

  // Delete.
  await p.getByRole('button', { name: `Delete ${url}` }).click();
  await p.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await p.getByRole('heading', { name: 'No webhooks yet' }).waitFor();
  v.check();

  // Staff have no Webhooks view.
  const s = await visitor(browser, 'console-webhooks-staff');
  await s.page.goto(`${server.origin}/console?token=${server.token('sam', { role: 'staff' })}#/webhooks`);
  await s.page.locator('.conn[data-state="open"]').waitFor();
  assert.equal(await s.page.getByRole('link', { name: 'Webhooks' }).count(), 0);
  s.check();
});
