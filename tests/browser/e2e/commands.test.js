// Slash commands in the widget (PROTOCOL.md §3.8): a bot registers /faq and /status; "/" typed first
// in the composer opens a listbox of them (filtered by what follows, keyboard and mouse, the
// textarea drives it with aria-controls / aria-activedescendant / aria-expanded); sending
// "/faq lamp blinks" runs the command instead of posting a message; the user's invocation and
// the bot's command_reply show as ephemeral lines ("Only you can see this"), on every tab of
// that user and nowhere else, and are gone after a reload. A "/word" that is no command is an
// ordinary message; with the bot away its commands are marked offline and running one says so.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, widget, hostSite, waitFor, sleep, shopPage, wsFrames } = require('./helpers');

let server, browser, host, bot, obs;
const pages = {};
const COMMANDS = [
  { name: 'faq', description: 'Find an answer in solved threads', usage: '<question>' },
  { name: 'status', description: 'Is the service up?' },
];

before(async () => {
  server = await new Server('commands').start();
  browser = await launch();
  host = await hostSite(pages);
  const page = (token) => shopPage(server, token);
  pages['/cara'] = page(server.token('cara', { name: 'Cara' }));
  pages['/ben'] = page(server.token('ben', { name: 'Ben' }));

  // The bot: created with the admin API, registers two commands, answers every command event.
  bot = nodeClient(server, await server.createBot('helper', 'Helper'));
  await bot.ready;
  bot.events = [];
  bot.on('command', (ev) => {
    bot.events.push(ev);
    bot.request({ op: 'reply_command', command_id: ev.command_id, text: `Answer for: ${ev.args}` }).catch(() => {});
  });
  assert.equal((await bot.request({ op: 'register_commands', commands: COMMANDS })).registered, 2);

  // Someone else in the channel, over the protocol: sees every message, must see no command.
  obs = nodeClient(server, server.token('olga', { name: 'Olga' }));
  await obs.ready;
  obs.replies = [];
  obs.on('command_reply', (ev) => obs.replies.push(ev));
  await obs.join('help');
});

after(async () => {
  if (bot) bot.close();
  if (obs) obs.close();
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

async function openWidget(v, path) {
  const w = widget(v.page);
  await v.page.goto(host.origin + path);
  await w.launcher.click();
  await w.composer.waitFor();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  return w;
}

const eph = (page, kind, text) => page.locator(`ol.msgs > li.msg.eph.${kind}`, text ? { hasText: text } : undefined);

test('the command menu, running /faq, the reply only the invoker sees, gone after a reload, the bot offline', async () => {
  const v = await visitor(browser, 'commands');
  const f = wsFrames(v.page);
  const w = await openWidget(v, '/cara');
  const tab2 = await visitor(browser, 'commands-tab2'); // Cara again, in another tab
  await openWidget(tab2, '/cara');
  const ben = await visitor(browser, 'commands-ben');
  const fb = wsFrames(ben.page);
  await openWidget(ben, '/ben');
  const kb = v.page.keyboard;
  const listbox = v.page.getByRole('listbox', { name: 'Commands' });
  const options = listbox.getByRole('option');
  const attr = (name) => w.composer.getAttribute(name);

  // The composer announces its popup before anything is typed.
  assert.equal(await attr('aria-controls'), 'p-cmds');
  assert.equal(await attr('aria-autocomplete'), 'list');
  assert.equal(await attr('aria-expanded'), 'false');

  // "/" lists both commands with usage, description and the bot's name.
  await w.composer.click();
  await kb.type('/');
  await listbox.waitFor();
  await waitFor(async () => (await options.count()) === 2, { what: 'two commands in the menu' });
  assert.equal(await attr('aria-expanded'), 'true');
  const faq = listbox.getByRole('option', { name: /^\/faq <question>: Find an answer in solved threads \(Helper\)$/ });
  const status = listbox.getByRole('option', { name: /^\/status: Is the service up\? \(Helper\)$/ });
  await faq.waitFor();
  await status.waitFor();
  assert.match(await faq.innerText(), /\/faq <question>\s+Find an answer in solved threads\s+Helper/);
  assert.match(await status.innerText(), /\/status\s+Is the service up\?\s+Helper/);
  assert.equal(await attr('aria-activedescendant'), await faq.getAttribute('id'));
  assert.equal(await faq.getAttribute('aria-selected'), 'true');
  assert.equal(await status.getAttribute('aria-selected'), 'false');
  assert.equal(await v.page.locator('.cmd.off').count(), 0, 'both online');
  await v.shot('menu');

  // Arrows move (and wrap), focus stays in the composer; Escape closes the menu, not the panel.
  await kb.press('ArrowDown');
  assert.equal(await attr('aria-activedescendant'), 'p-cmd-status');
  assert.equal(await status.getAttribute('aria-selected'), 'true');
  await kb.press('ArrowDown');
  assert.equal(await attr('aria-activedescendant'), 'p-cmd-faq');
  await kb.press('ArrowUp');
  assert.equal(await attr('aria-activedescendant'), 'p-cmd-status');
  assert.equal(await w.composer.evaluate((el) => el.getRootNode().activeElement === el), true);
  await kb.press('Escape');
  await listbox.waitFor({ state: 'hidden' });
  assert.equal(await attr('aria-expanded'), 'false');
  assert.equal(await attr('aria-activedescendant'), null);
  assert.equal(await w.panel.isVisible(), true, 'Escape closed the menu only');
  assert.equal(await w.composer.inputValue(), '/');

  // "/fa" narrows to /faq; Enter picks it.
  await kb.type('fa');
  await listbox.waitFor();
  await waitFor(async () => (await options.count()) === 1, { what: 'the list narrowed' });
  assert.equal(await options.first().getAttribute('id'), 'p-cmd-faq');
  await kb.press('Enter');
  assert.equal(await w.composer.inputValue(), '/faq ');
  await listbox.waitFor({ state: 'hidden' });
  assert.equal(await w.messages.count(), 0, 'Enter in the menu sent nothing');

  // Tab picks too.
  await w.composer.fill('');
  await kb.type('/st');
  await waitFor(async () => (await options.count()) === 1 && (await options.first().getAttribute('id')) === 'p-cmd-status', { what: '/st → status' });
  await kb.press('Tab');
  assert.equal(await w.composer.inputValue(), '/status ');
  assert.equal(await w.composer.evaluate((el) => el.getRootNode().activeElement === el), true, 'Tab picked, focus stayed');

  // Run /faq lamp blinks: a `command`, no message.
  await w.composer.fill('');
  await kb.type('/faq');
  await listbox.waitFor();
  await kb.press('Enter');
  await kb.type('lamp blinks');
  await kb.press('Enter');
  const sent = await waitFor(() => f.sent.find((m) => m.op === 'command'), { what: 'the command frame' });
  assert.deepEqual({ channel: sent.channel, name: sent.name, args: sent.args }, { channel: 'help', name: 'faq', args: 'lamp blinks' });
  assert.equal(await w.composer.inputValue(), '');
  await eph(v.page, 'ran', 'You ran /faq lamp blinks').waitFor();
  const reply = eph(v.page, 'reply', 'Answer for: lamp blinks');
  await reply.waitFor();
  assert.match(await reply.innerText(), /Helper\s+Bot[\s\S]*Only you can see this[\s\S]*Answer for: lamp blinks/i);
  const ev = bot.events.find((e) => e.name === 'faq');
  assert.deepEqual([ev.channel, ev.args, ev.from.id], ['help', 'lamp blinks', 'cara']);
  await v.shot('reply');

  // Cara's other tab gets the reply (not the local "You ran" line); Ben and Olga get nothing.
  await eph(tab2.page, 'reply', 'Answer for: lamp blinks').waitFor();
  assert.equal(await eph(tab2.page, 'ran').count(), 0);
  await sleep(500);
  assert.equal(await ben.page.locator('li.eph').count(), 0);
  assert.equal(await ben.page.getByText('Answer for').count(), 0);
  assert.ok(!fb.received.some((m) => m.op === 'command_reply'), 'Ben received no command_reply');
  assert.deepEqual(obs.replies, []);
  assert.ok(!f.sent.some((m) => m.op === 'send' && /^\/faq/.test(m.text)), 'not sent as a message');
  assert.ok(!obs.messages.some((m) => /faq|Answer for/.test(m.text)), 'nothing posted to the channel');
  const hist = await obs.history('help', { limit: 50 });
  assert.ok(!hist.all.some((m) => /faq|Answer for/.test(m.text)), 'nothing in the history');
  assert.equal(await v.page.locator('ol.msgs > li.msg:not(.eph)').count(), 0, 'no message in the widget either');

  // A "/word" that no bot offers is an ordinary message.
  await w.composer.fill('/shrug it happens');
  await w.composer.press('Enter');
  await w.message('/shrug it happens').waitFor();
  await waitFor(() => obs.messages.some((m) => m.text === '/shrug it happens'), { what: 'the /shrug message posted' });
  assert.equal(f.sent.filter((m) => m.op === 'command').length, 1);

  // After a reload the ephemeral lines are gone; the message stays.
  await v.page.reload();
  await w.launcher.click();
  await w.message('/shrug it happens').waitFor();
  assert.equal(await v.page.locator('li.eph').count(), 0);
  assert.equal(await v.page.getByText('Answer for').count(), 0);

  // The bot goes away: the menu marks its commands offline, and running one says so.
  bot.close();
  await waitFor(async () => (await obs.request({ op: 'commands' })).commands.every((c) => c.online === false), { what: 'the commands offline' });
  await w.composer.click();
  await kb.type('/');
  await waitFor(async () => (await v.page.locator('.cmd.off').count()) === 2, { what: 'both marked offline' });
  await listbox.getByRole('option', { name: /^\/faq <question>: .*\(Helper, offline\)$/ }).waitFor();
  assert.match(await options.first().innerText(), /offline/i);
  await v.shot('menu-offline');
  await listbox.getByRole('option', { name: /^\/status: / }).click(); // the mouse picks too
  assert.equal(await w.composer.inputValue(), '/status ');
  await listbox.waitFor({ state: 'hidden' });
  await w.composer.fill('/faq x');
  await w.composer.press('Enter');
  await eph(v.page, 'ran', 'You ran /faq x').waitFor();
  await eph(v.page, 'err', 'Helper is offline right now').waitFor();
  assert.ok(!obs.messages.some((m) => m.text === '/faq x'), 'not posted either');
  await v.shot('offline');

  v.check();
  tab2.check();
  ben.check();
  for (const x of [v, tab2, ben]) await x.context.close();
});
