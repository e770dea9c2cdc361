// Deep links into the widget (the links in notification emails): a host page opened at
// #parley=<channel>/<seq> opens the widget in that conversation (the widget's support channel,
// or one of the user's DMs), loads older history until the message is there, scrolls to it,
// focuses it and highlights it (class parley-linked) for a few seconds; a hashchange does the
// same on an open page. A malformed link, an unknown channel or someone else's DM is ignored:
// the widget stays closed and keeps working, with no page error.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, launch, visitor, widget, hostSite, send, waitFor, sleep } = require('./helpers');

let server, browser, host, bob;
const pages = {};
const seq = {}; // text → seq of the seeded messages
const HELP = 45; // more than one history page (30): the oldest need a "load earlier"

before(async () => {
  server = await new Server('deeplink').start();
  browser = await launch();
  host = await hostSite(pages);
  const token = server.token('alice', { name: 'Alice' });
  pages['/shop'] = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head>
<body><h1>Shop</h1><script src="${server.origin}/widget.js" data-channel="help" data-token="${token}"></script></body></html>`;

  bob = nodeClient(server, server.token('bob', { name: 'Bob' }));
  await bob.ready;
  await bob.join('help');
  await sendAll(bob, 'help', Array.from({ length: HELP }, (_, i) => `Help note #${i + 1}.`));
  const dms = ['DM one: did the reset work?', 'DM two: the lid has a second button.', 'DM three: tell me how it goes.'];
  const acked = new Set();
  const off = bob.on('ack', (a) => acked.add(a.client_msg_id));
  const ids = dms.map((t) => bob.sendDm('alice', t).client_msg_id);
  await waitFor(() => ids.every((id) => acked.has(id)), { what: 'the DM acks' });
  off();
  for (const ch of ['help', 'dm:alice:bob']) {
    const page = await bob.history(ch, { limit: 100 });
    for (const m of page.all) seq[m.text] = m.seq;
  }
  assert.equal(Object.keys(seq).length, HELP + dms.length);
});

after(async () => {
  if (bob) bob.close();
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

const link = (channel, s) => `#parley=${encodeURIComponent(channel)}${s ? '/' + s : ''}`;
const hasClass = async (loc, cls) => new RegExp(`\\b${cls}\\b`).test((await loc.getAttribute('class')) || '');
const focused = (loc) => loc.evaluate((el) => el.getRootNode().activeElement === el);
/** Whether the element is inside the visible part of the message scroller. */
const onScreen = (loc) => loc.evaluate((el) => {
  const s = el.closest('.scroll').getBoundingClientRect(), r = el.getBoundingClientRect();
  return r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
});

test('a link to a support-channel message opens the widget there, loads back to it and highlights it', async () => {
  const v = await visitor(browser, 'deeplink-help');
  const w = widget(v.page);
  await v.page.goto(host.origin + '/shop' + link('help', seq['Help note #4.']));
  await w.panel.waitFor(); // opened by itself
  assert.equal(await w.launcher.getAttribute('aria-expanded'), 'true');
  const msg = w.message('Help note #4.');
  await msg.waitFor(); // not in the first page (16-45): loaded back to it
  await waitFor(() => hasClass(msg, 'parley-linked'), { what: 'the linked message highlighted' });
  assert.equal(await v.page.locator('li.msg.parley-linked').count(), 1, 'only the linked message');
  assert.equal(await focused(msg), true, 'the linked message has the focus (screen readers read it)');
  await waitFor(() => onScreen(msg), { what: 'the linked message scrolled into view' });
  assert.equal(await v.page.locator('.head h2').textContent(), 'Help');
  await v.shot('help-linked');
  // the highlight is brief
  await waitFor(async () => !(await hasClass(msg, 'parley-linked')), { timeout: 8000, what: 'the highlight to go' });

  // A hashchange on the open page: the private conversation with Bob, at his second message.
  await v.page.evaluate((h) => { location.hash = h; }, link('dm:alice:bob', seq['DM two: the lid has a second button.']));
  await v.page.locator('.head h2', { hasText: 'Bob' }).waitFor();
  const dm = w.message('DM two: the lid has a second button.');
  await waitFor(() => hasClass(dm, 'parley-linked'), { what: 'the linked DM highlighted' });
  assert.equal(await focused(dm), true);
  assert.equal(await w.composer.getAttribute('aria-label'), 'Message Bob privately');
  await v.shot('dm-linked-by-hashchange');
  v.check();
  await v.context.close();
});

test('a link to a private conversation opens it on a fresh page load', async () => {
  const v = await visitor(browser, 'deeplink-dm', { viewport: { width: 390, height: 760 } });
  const w = widget(v.page);
  await v.page.goto(host.origin + '/shop' + link('dm:alice:bob', seq['DM one: did the reset work?']));
  await w.panel.waitFor();
  await v.page.locator('.head h2', { hasText: 'Bob' }).waitFor();
  const dm = w.message('DM one: did the reset work?');
  await waitFor(() => hasClass(dm, 'parley-linked'), { what: 'the linked DM highlighted' });
  assert.equal(await focused(dm), true);
  assert.equal(await hasClass(w.message('DM three: tell me how it goes.'), 'parley-linked'), false);
  // A link to the conversation alone (no seq) opens it without highlighting anything.
  await v.page.evaluate(() => { location.hash = ''; });
  await v.page.keyboard.press('Escape'); // the full-screen panel covers the bubble
  await w.panel.waitFor({ state: 'hidden' });
  await v.page.evaluate((h) => { location.hash = h; }, link('help'));
  await w.panel.waitFor();
  await v.page.locator('.head h2', { hasText: 'Help' }).waitFor();
  await w.message(`Help note #${HELP}.`).waitFor();
  await v.shot('dm-linked-phone');
  v.check();
  await v.context.close();
});

test('a malformed, unknown or foreign link is ignored and the widget keeps working', async () => {
  const v = await visitor(browser, 'deeplink-bad');
  const w = widget(v.page);
  const bad = ['#parley=%ZZ', '#parley=nosuchchannel/5', link('dm:bob:carol', 1), '#parley=help/abc', '#parley=help/0', '#parley='];
  for (const hash of bad) {
    await v.page.goto('about:blank');
    await v.page.goto(host.origin + '/shop' + hash);
    await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
    await sleep(1200); // the conversation list is in: a good link would have been followed by now
    assert.equal(await w.panel.isHidden(), true, `${hash}: the widget stays closed`);
  }
  // Still working: open it, write, and a bad hashchange on the open panel changes nothing.
  await w.launcher.click();
  await w.composer.waitFor();
  await send(w, 'Still here after a broken link');
  await w.message('Still here after a broken link').waitFor();
  await v.page.evaluate(() => { location.hash = '#parley=%E0%A4%A'; });
  await v.page.evaluate(() => { location.hash = '#parley=' + encodeURIComponent('dm:carol:dave') + '/2'; });
  await sleep(300);
  assert.equal(await v.page.locator('.head h2').textContent(), 'Help');
  assert.equal(await w.panel.isVisible(), true);
  assert.equal(await v.page.locator('li.msg.parley-linked').count(), 0);
  await v.shot('bad-links-ignored');
  v.check();
  await v.context.close();
});
