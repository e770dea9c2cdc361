// The knowledge pages in Chromium with JavaScript switched off (DESIGN §9: readable without
// it): the demo page's "Help center" link, the list of solved questions, a thread with its
// accepted answer, and the search form. Screenshots go to tests/browser/artifacts/.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const WebSocket = require('ws');
const { ARTIFACTS, Server, launch, waitFor, visitor, joinAsGuest } = require('./helpers');

let server, browser;
const sockets = [];

before(async () => {
  server = await new Server('kb').start();
  browser = await launch();
});

after(async () => {
  for (const ws of sockets) ws.close();
  if (browser) await browser.close();
  if (server) await server.cleanup();
});

/** A bare protocol connection: req(frame) resolves with the ok (or rejects with the error). */
async function connect(token) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  sockets.push(ws);
  const pending = new Map();
  let welcome;
  const welcomed = new Promise((r) => { welcome = r; });
  ws.on('message', (data) => {
    for (const line of data.toString().split('\n')) {
      const m = JSON.parse(line);
      if (m.op === 'welcome') welcome();
      const p = m.id !== undefined && pending.get(m.id);
      if (!p) continue;
      pending.delete(m.id);
      if (m.op === 'error') p.reject(new Error(`${m.code}: ${m.message}`)); else p.resolve(m);
    }
  });
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ op: 'auth', token }));
  await welcomed;
  let next = 0;
  return {
    req(frame) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ ...frame, id }));
      });
    },
  };
}

test('a solved question is a page that reads without JavaScript', async () => {
  const ann = await connect(server.token('ann', { name: 'Ann' }));
  const bob = await connect(server.token('bob', { name: 'Bob' }));
  const q = await ann.req({ op: 'send', channel: 'help', client_msg_id: 'q1',
    text: 'How do I pair the Arc with the Halo dimmer?\nThe light just blinks amber.' });
  const a = await bob.req({ op: 'send', channel: 'help', client_msg_id: 'a1', reply_to: q.seq,
    text: 'Hold both buttons for five seconds until the ring turns white, then release.' });
  const cid = await connect(server.token('cid', { name: 'Cid' }));
  const tip = await cid.req({ op: 'send', channel: 'help', client_msg_id: 'a2', reply_to: q.seq,
    text: 'Also make sure the dimmer firmware is 2.1 or newer.' });
  await ann.req({ op: 'send', channel: 'help', client_msg_id: 'a3', reply_to: q.seq, text: 'Trying now' });
  await ann.req({ op: 'solve', channel: 'help', seq: a.seq });
  await ann.req({ op: 'helpful', channel: 'help', seq: tip.seq });

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const failures = [];
  // (The favicon's request is cancelled when a click navigates away first: not a failure.)
  page.on('requestfailed', (r) => { if (!r.url().endsWith('/favicon.svg')) failures.push(r.url()); });

  // The demo page links its "Help center" to the pages.
  await page.goto(server.origin + '/');
  await page.getByRole('link', { name: 'Help center' }).click();
  await page.waitForURL(server.origin + '/kb');

  // The list shows the question once it is indexed (a moment after the solve).
  const link = page.getByRole('link', { name: 'How do I pair the Arc with the Halo dimmer?' });
  await waitFor(async () => {
    await page.goto(server.origin + '/kb');
    return (await link.count()) === 1;
  }, { timeout: 15000, what: 'the solved question on /kb' });
  await page.screenshot({ path: path.join(ARTIFACTS, 'kb-01-list.png') });

  await link.click();
  await page.waitForURL(`${server.origin}/kb/help/${q.seq}`);
  assert.equal(await page.getByRole('heading', { level: 1 }).textContent(),
    'How do I pair the Arc with the Halo dimmer?');
  const accepted = page.locator('article.accepted');
  assert.match(await accepted.textContent(), /Hold both buttons for five seconds/);
  assert.match(await accepted.textContent(), /Accepted answer/);
  // The reply marked helpful is shown with its mark; the unmarked one is not.
  await waitFor(async () => {
    await page.reload();
    return /Marked helpful by 1 person/.test(await page.locator('article').last().textContent());
  }, { timeout: 15000, what: 'the helpful reply on the thread page' });
  assert.match(await page.locator('article').last().textContent(), /firmware is 2\.1 or newer/);
  assert.doesNotMatch(await page.locator('main, body').first().textContent(), /Trying now/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'kb-02-thread.png'), fullPage: true });

  // The search form is a plain GET form.
  await page.getByRole('link', { name: 'Help center' }).first().click();
  await page.getByRole('searchbox', { name: 'Search answers' }).fill('ring white');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/kb\/search\?q=ring\+white/);
  const marks = await page.locator('.snippet mark').allTextContents();
  assert.deepEqual(marks, ['ring', 'white']);
  await page.screenshot({ path: path.join(ARTIFACTS, 'kb-03-search.png') });
  await page.locator('ol.list a').first().click();
  await page.waitForURL(`${server.origin}/kb/help/${q.seq}#m${a.seq}`);

  assert.deepEqual(failures, []);
  await context.close();
});

test('the widget shows a solved answer while a question is typed; "This answered my question" posts nothing', async () => {
  // A solved thread, written by two customers over the protocol.
  const ann = await connect(server.token('ann2', { name: 'Ann' }));
  const bob = await connect(server.token('bob2', { name: 'Bob' }));
  const q = await ann.req({ op: 'send', channel: 'help', client_msg_id: 'w-q',
    text: 'My Lumen Arc shows a red ring after the firmware update' });
  const a = await bob.req({ op: 'send', channel: 'help', client_msg_id: 'w-a', reply_to: q.seq,
    text: 'A red ring means the update stopped halfway: unplug it for ten seconds and it finishes.' });
  await ann.req({ op: 'solve', channel: 'help', seq: a.seq });

  const v = await visitor(browser, 'kb-widget');
  const w = await joinAsGuest(v, server, 'Cleo');
  // The channel's six messages so far (both tests' threads) are on screen before counting.
  await waitFor(async () => (await w.messages.count()) === 6, { what: 'the history in the widget' });
  const before = await w.messages.count();
  const suggestion = v.page.locator('section.suggest');
  // Typing a question like it: the suggestion appears (debounced, after indexing).
  await waitFor(async () => {
    await w.composer.fill('');
    await w.composer.pressSequentially('red ring after firmware update on my lamp', { delay: 5 });
    await suggestion.waitFor({ state: 'visible', timeout: 3000 }).catch(() => {});
    return suggestion.isVisible();
  }, { timeout: 20000, what: 'a suggested answer' });
  assert.match(await suggestion.textContent(), /Already answered/);
  // The words that matched are marked (stop words such as "my" and "on" are not).
  const marked = await suggestion.locator('li').first().locator('mark').allTextContents();
  assert.deepEqual(marked.map((m) => m.toLowerCase()), ['red', 'ring', 'after', 'firmware', 'update']);
  // The best match first: this thread (another solved thread shares a word or two).
  const first = suggestion.locator('li').first();
  assert.equal(await first.getByRole('link', { name: 'Read the answer' }).getAttribute('href'),
    `${server.origin}/kb/help/${q.seq}`);
  assert.ok(await suggestion.locator('li').count() <= 3);
  await v.shot('suggestion');

  // Clearing the composer hides it; a reply never suggests.
  await w.composer.fill('');
  await w.composer.dispatchEvent('input');
  await suggestion.waitFor({ state: 'hidden' });

  await w.composer.pressSequentially('red ring after firmware update on my lamp', { delay: 5 });
  await suggestion.waitFor({ state: 'visible' });
  await suggestion.locator('li').first().getByRole('button', { name: 'This answered my question' }).click();
  await suggestion.waitFor({ state: 'hidden' });
  assert.equal(await w.composer.inputValue(), '');
  await v.page.getByText('Glad that helped! Nothing was posted.').waitFor();

  // Nothing was posted: the store has no message from Cleo, and insights count one deflection.
  const staff = server.token('sam2', { role: 'staff', name: 'Sam' });
  const res = await fetch(`${server.origin}/api/insights?window=7`, { headers: { Authorization: `Bearer ${staff}` } });
  assert.equal(res.status, 200);
  const ins = await res.json();
  assert.equal(ins.deflections, 1);
  const hist = await ann.req({ op: 'history', channel: 'help', limit: 50 });
  assert.equal(hist.messages.filter((m) => m.from.name === 'Cleo').length, 0);
  assert.equal(await w.messages.count(), before);
  v.check();
  await v.context.close();
});

test('the console searches every channel for staff, DMs included; a customer cannot find the DM', async () => {
  const ann = await connect(server.token('ann3', { name: 'Ann' }));
  await ann.req({ op: 'dm', to: 'bob3', client_msg_id: 'd1', text: 'psst, the zebrafish code is 4412' });
  const cid = await connect(server.token('cid3', { name: 'Cid' }));

  const v = await visitor(browser, 'console-search');
  const staff = server.token('sam3', { role: 'staff', name: 'Sam' });
  await v.page.goto(`${server.origin}/console?token=${staff}`);
  await v.page.getByRole('link', { name: 'Search' }).click();
  const box = v.page.getByRole('searchbox', { name: 'Search every channel' });
  const results = v.page.locator('ol.search-list > li');
  await waitFor(async () => {
    await box.fill('zebrafish');
    await box.press('Enter');
    await v.page.getByRole('status').filter({ hasText: /result|Nothing/ }).waitFor();
    return (await results.count()) === 1;
  }, { timeout: 15000, what: 'the DM in the staff search' });
  const li = results.first();
  assert.equal(await li.getAttribute('data-channel'), 'dm:ann3:bob3');
  assert.match(await li.textContent(), /private: ann3 ↔ bob3/);
  assert.equal(await li.locator('mark').textContent(), 'zebrafish');
  await v.shot('staff-search');

  // The same words, searched by a customer who is not in the conversation: nothing.
  const mine = await cid.req({ op: 'search', query: 'zebrafish' });
  assert.deepEqual(mine.results, []);
  // A bad query shows the server's reason.
  await box.fill('to:bob');
  await box.press('Enter');
  await v.page.getByRole('status').filter({ hasText: 'unknown filter to:' }).waitFor();
  v.check();
  await v.context.close();
});

test('staff unpublish a thread from the console Knowledge view and publish it again', async () => {
  const ann = await connect(server.token('ann5', { name: 'Ann' }));
  const bob = await connect(server.token('bob5', { name: 'Bob' }));
  const q = await ann.req({ op: 'send', channel: 'help', client_msg_id: 'k1', text: 'Can I mount the Arc on a ceiling?' });
  const a = await bob.req({ op: 'send', channel: 'help', client_msg_id: 'k2', reply_to: q.seq, text: 'Yes, with the ceiling bracket.' });
  await ann.req({ op: 'solve', channel: 'help', seq: a.seq });
  const pagePath = `/kb/help/${q.seq}`;
  const status = async () => (await fetch(server.origin + pagePath)).status;

  const v = await visitor(browser, 'console-knowledge');
  await v.page.goto(`${server.origin}/console?token=${server.token('sam5', { role: 'staff', name: 'Sam' })}`);
  await v.page.getByRole('link', { name: 'Knowledge' }).click();
  const row = v.page.locator(`table.knowledge tr[data-channel="help"][data-seq="${q.seq}"]`);
  await waitFor(async () => {
    if ((await row.count()) === 1) return true;
    await v.page.getByRole('button', { name: 'Refresh the threads' }).click();
    return false;
  }, { timeout: 15000, what: 'the solved thread in the Knowledge view' });
  assert.equal(await row.getAttribute('data-published'), 'true');
  assert.equal(await row.getByRole('link', { name: 'Can I mount the Arc on a ceiling?' }).getAttribute('href'), pagePath);
  assert.equal(await status(), 200);

  await row.getByRole('button', { name: 'Unpublish “Can I mount the Arc on a ceiling?”' }).click();
  const dlg = v.page.getByRole('dialog', { name: 'Unpublish this thread?' });
  await dlg.getByRole('button', { name: 'Unpublish' }).click();
  await row.getByText('Unpublished by staff').waitFor();
  assert.equal(await row.getAttribute('data-published'), 'false');
  assert.equal(await status(), 404);
  await v.shot('knowledge-unpublished');

  await row.getByRole('button', { name: 'Republish “Can I mount the Arc on a ceiling?”' }).click();
  await row.getByText('Published', { exact: true }).waitFor();
  assert.equal(await status(), 200);
  v.check();
  await v.context.close();
});

test('the widget searches everything the visitor may read and opens a result in its conversation', async () => {
  const v = await visitor(browser, 'widget-search');
  const w = await joinAsGuest(v, server, 'Dora');
  await v.page.getByRole('button', { name: 'Search the community' }).click();
  const box = v.page.getByRole('searchbox', { name: 'Search questions and answers' });
  await box.fill('red ring');
  await box.press('Enter');
  const hits = v.page.locator('.wresults li');
  await hits.first().waitFor();
  // The solved question and its accepted answer (both from the earlier test), never the DM.
  const seqs = await hits.evaluateAll((lis) => lis.map((li) => [li.dataset.channel, Number(li.dataset.seq)]));
  assert.ok(seqs.length >= 2, JSON.stringify(seqs));
  assert.ok(seqs.every(([ch]) => ch === 'help'), JSON.stringify(seqs));
  assert.equal(await hits.first().locator('mark').first().textContent(), 'red');
  await v.shot('search');
  const [, seq] = seqs[0];
  await hits.first().getByRole('button').click();
  await v.page.locator(`ol.msgs > li.msg[data-seq="${seq}"]`).waitFor();
  await w.composer.waitFor();
  // Nothing found says so.
  await v.page.getByRole('button', { name: 'Search the community' }).click();
  await box.fill('xylophonequartz');
  await box.press('Enter');
  await v.page.getByText('Nothing matches “xylophonequartz”.').waitFor();
  v.check();
  await v.context.close();
});
