// Buttons on bot messages: a bot sends a message with `actions`; the widget shows them as a
// labelled group of real buttons under the bubble (keyboard reachable, with a focus ring);
// a click sends `action`, the bot gets the `action` event (channel, seq, action_id, from), the
// button is busy meanwhile, then marked chosen and the group greyed; the choice survives a
// reload (localStorage, per user) while another user still has the buttons active; with the
// bot offline a click shows an inline note and greys nothing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, widget, hostSite, waitFor, sleep, shopPage } = require('./helpers');

let server, browser, host, bot, obs;
const pages = {};
const ACTIONS = [{ id: 'solved', label: 'This solved it' }, { id: 'not-it', label: 'Not it' }];
const TEXT = 'Does “Resetting the lamp” in the help centre answer your question?';

before(async () => {
  server = await new Server('buttons').start();
  browser = await launch();
  host = await hostSite(pages);
  const page = (token) => shopPage(server, token);
  pages['/cara'] = page(server.token('cara', { name: 'Cara' }));
  pages['/ben'] = page(server.token('ben', { name: 'Ben' }));

  // The bot: created with the admin API, over the widget's own protocol client in Node. Its one
  // command is only there so that `commands` tells when the server sees it offline.
  bot = nodeClient(server, await server.createBot('faqbot', 'FAQ Bot'));
  await bot.ready;
  bot.actions = [];
  bot.on('action', (ev) => bot.actions.push(ev));
  await bot.join('help');
  await bot.request({ op: 'register_commands', commands: [{ name: 'faq', description: 'Find an answer' }] });

  obs = nodeClient(server, server.token('olga', { name: 'Olga' }));
  await obs.ready;
});

after(async () => {
  if (bot) bot.close();
  if (obs) obs.close();
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

/** Every JSON object the page's WebSockets send, in order. */
function sentFrames(page) {
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => {
    for (const line of String(f.payload).split('\n')) { try { sent.push(JSON.parse(line)); } catch (e) { /* not JSON */ } }
  }));
  return sent;
}

async function openWidget(v, path) {
  const w = widget(v.page);
  await v.page.goto(host.origin + path);
  await w.launcher.click();
  await w.composer.waitFor();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  return w;
}

/** The bot message's button group and its two buttons on `page`. */
function buttons(page) {
  const group = page.getByRole('group', { name: 'Actions from FAQ Bot' });
  return { group, solved: group.getByRole('button', { name: 'This solved it' }), notIt: group.getByRole('button', { name: 'Not it' }) };
}

const attrs = (loc) => loc.evaluate((el) => ({ tag: el.tagName, pressed: el.getAttribute('aria-pressed'), disabled: el.getAttribute('aria-disabled'), busy: el.getAttribute('aria-busy') }));
const announced = (page) => page.locator('.root > .sr[aria-live="polite"]').innerText();

test('buttons under a bot message: click reaches the bot, chosen and greyed, kept after a reload, per user; the bot offline', async () => {
  const v = await visitor(browser, 'buttons');
  const sent = sentFrames(v.page);
  const w = await openWidget(v, '/cara');

  // The bot posts a message with two buttons.
  bot.send('help', TEXT, { actions: ACTIONS });
  const posted = await waitFor(() => bot.messages.find((m) => m.text === TEXT && !m.synthetic), { what: 'the bot message echoed' });
  assert.deepEqual(posted.actions, ACTIONS);
  const seq = posted.seq;

  // Cara sees it with both buttons: real <button>s in a labelled group, usable.
  const msg = w.message(TEXT);
  await msg.waitFor();
  const b = buttons(v.page);
  await b.solved.waitFor();
  await b.notIt.waitFor();
  assert.equal(await b.group.count(), 1);
  assert.match(await msg.innerText(), /FAQ Bot\s+Bot[\s\S]*Resetting the lamp[\s\S]*This solved it\s+Not it/i);
  for (const btn of [b.solved, b.notIt]) assert.deepEqual(await attrs(btn), { tag: 'BUTTON', pressed: null, disabled: null, busy: null });
  await v.shot('buttons');

  // Keyboard: the message is the list's tab stop and its buttons follow it in the tab order,
  // with a visible focus ring.
  await msg.focus();
  let reached = false;
  for (let i = 0; i < 4 && !reached; i++) {
    await v.page.keyboard.press('Tab');
    reached = await b.solved.evaluate((el) => el.getRootNode().activeElement === el);
  }
  assert.ok(reached, 'Tab reaches "This solved it"');
  const ring = await b.solved.evaluate((el) => { const s = getComputedStyle(el); return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) }; });
  assert.equal(ring.style, 'solid');
  assert.ok(ring.width >= 2, 'a 2px focus ring');
  await v.shot('focus-ring');

  // Record the buttons' transient states (busy while the click is on its way).
  await v.page.evaluate(() => {
    const root = document.querySelector('[data-parley]').shadowRoot;
    window.__busySeen = [];
    new MutationObserver(() => {
      for (const el of root.querySelectorAll('.choice[aria-busy="true"]')) window.__busySeen.push(el.textContent);
    }).observe(root, { subtree: true, childList: true, attributes: true });
  });

  // Click "This solved it": an `action` goes out and the bot gets the event.
  await b.solved.click();
  const ev = await waitFor(() => bot.actions.find((x) => x.from && x.from.id === 'cara'), { what: 'the action event at the bot' });
  assert.deepEqual(ev, { op: 'action', channel: 'help', seq, action_id: 'solved', from: { id: 'cara', name: 'Cara', role: 'customer' } });
  const frame = sent.find((f) => f.op === 'action');
  assert.deepEqual({ channel: frame.channel, seq: frame.seq, action_id: frame.action_id }, { channel: 'help', seq, action_id: 'solved' });

  // Chosen and greyed: the clicked one pressed, both inert, the focus still on it.
  await waitFor(async () => (await b.solved.getAttribute('aria-pressed')) === 'true', { what: 'the chosen button marked' });
  assert.deepEqual(await attrs(b.solved), { tag: 'BUTTON', pressed: 'true', disabled: 'true', busy: null });
  assert.deepEqual(await attrs(b.notIt), { tag: 'BUTTON', pressed: null, disabled: 'true', busy: null });
  assert.equal(await b.solved.evaluate((el) => el.getRootNode().activeElement === el), true, 'focus kept on the clicked button');
  assert.deepEqual(await v.page.evaluate(() => [...new Set(window.__busySeen)]), ['This solved it'], 'busy while on its way');
  assert.match(await announced(v.page), /You chose “This solved it”\. FAQ Bot got it\./);
  const greyed = await b.notIt.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(greyed, 'rgb(255, 255, 255)', 'greyed');
  await v.shot('chosen');

  // A second click (either button) sends nothing more.
  await b.notIt.dispatchEvent('click');
  await b.solved.dispatchEvent('click');
  await sleep(400);
  assert.equal(sent.filter((f) => f.op === 'action').length, 1);
  assert.equal(bot.actions.filter((x) => x.from.id === 'cara').length, 1);

  // Remembered per user in localStorage (channel, seq, the button), bounded.
  const stored = await v.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parley:actions:')).map((k) => [k, JSON.parse(localStorage.getItem(k))]));
  assert.equal(stored.length, 1);
  assert.match(stored[0][0], /:cara$/);
  assert.deepEqual(stored[0][1].map(([k, e]) => [k, e.id]), [[`help#${seq}`, 'solved']]);

  // After a reload: still greyed, the choice still marked.
  await v.page.reload();
  await w.launcher.click();
  await msg.waitFor();
  await b.solved.waitFor();
  assert.deepEqual(await attrs(b.solved), { tag: 'BUTTON', pressed: 'true', disabled: 'true', busy: null });
  assert.deepEqual(await attrs(b.notIt), { tag: 'BUTTON', pressed: null, disabled: 'true', busy: null });
  await v.shot('after-reload');

  // Ben, in another browser context, still has them active.
  const ben = await visitor(browser, 'buttons-ben');
  const benSent = sentFrames(ben.page);
  await openWidget(ben, '/ben');
  const bb = buttons(ben.page);
  await bb.solved.waitFor();
  for (const btn of [bb.solved, bb.notIt]) assert.deepEqual(await attrs(btn), { tag: 'BUTTON', pressed: null, disabled: null, busy: null });

  // The bot goes offline: Ben's click shows the note, nothing is greyed, the buttons stay usable.
  bot.close();
  await waitFor(async () => (await obs.request({ op: 'commands' })).commands.every((x) => x.online === false), { what: 'the bot seen offline' });
  await bb.solved.click();
  const note = ben.page.locator('.btnnote', { hasText: 'FAQ Bot is offline right now; try again later.' });
  await note.waitFor();
  assert.ok(benSent.some((f) => f.op === 'action' && f.seq === seq && f.action_id === 'solved'), 'the click was sent');
  for (const btn of [bb.solved, bb.notIt]) assert.deepEqual(await attrs(btn), { tag: 'BUTTON', pressed: null, disabled: null, busy: null });
  assert.equal(await bb.group.getAttribute('aria-describedby'), await note.getAttribute('id'), 'the note describes the group');
  assert.match(await announced(ben.page), /FAQ Bot is offline right now; try again later\./);
  assert.equal(await ben.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parley:actions:')).length), 0, 'nothing remembered');
  await ben.shot('offline');
  await bb.notIt.click(); // still usable: tried again, refused again
  await waitFor(() => benSent.filter((f) => f.op === 'action').length === 2, { what: 'the second click sent' });
  await sleep(300);
  assert.equal(await note.count(), 1);
  assert.equal(await bb.notIt.getAttribute('aria-disabled'), null);
  assert.equal(bot.actions.filter((x) => x.from.id === 'ben').length, 0);

  // Cara's page still shows her choice.
  assert.equal(await b.solved.getAttribute('aria-pressed'), 'true');

  v.check();
  ben.check();
  for (const x of [v, ben]) await x.context.close();
});
