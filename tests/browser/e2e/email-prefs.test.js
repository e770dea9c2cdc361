// The widget's "Email me when I'm away" setting (PROTOCOL.md §3.6 set_preferences): offered only
// when the user's token has an `email` claim (the welcome then carries user.email), initialised
// from welcome.preferences.email, saved with set_preferences and shown as the server stored it,
// after a reload too. Keyboard: arrows move between the choices (each one is saved), Escape
// closes. The email claim comes from `parleyd token --email`.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, launch, visitor, widget, hostSite, waitFor, shopPage, wsFrames } = require('./helpers');

let server, browser, host;
const pages = {};
const CHOICES = { off: 'Off', batched: 'Every few minutes', digest: 'Daily digest' };

before(async () => {
  server = await new Server('email-prefs').start();
  browser = await launch();
  host = await hostSite(pages);
  const page = (token) => shopPage(server, token);
  pages['/with-email'] = page(server.token('erin', { name: 'Erin', email: 'erin@example.com' }));
  pages['/no-email'] = page(server.token('nora', { name: 'Nora' }));
});

after(async () => {
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

const checked = (p) => p.locator('input[name="p-email"]:checked').evaluate((r) => r.value);

test('with an email claim: the setting starts from the welcome, saves Daily digest and keeps it', async () => {
  const v = await visitor(browser, 'email-prefs');
  const w = widget(v.page);
  const f = wsFrames(v.page);
  await v.page.goto(host.origin + '/with-email');
  const welcome = await waitFor(f.welcome, { what: 'the welcome' });
  assert.equal(welcome.user.email, 'erin@example.com', 'the welcome carries user.email (server support needed)');
  assert.ok(welcome.preferences && welcome.preferences.email in CHOICES, `welcome.preferences: ${JSON.stringify(welcome.preferences)}`);
  await w.launcher.click();
  const bell = v.page.getByRole('button', { name: 'Email notifications' });
  await bell.click();
  const group = v.page.getByRole('group', { name: "Email me when I'm away" });
  await group.waitFor();
  assert.equal(await checked(v.page), welcome.preferences.email, 'initialised from the welcome');
  await v.page.getByText('erin@example.com').waitFor();
  await v.shot('setting-open');

  await group.getByRole('radio', { name: 'Daily digest' }).check();
  const req = await waitFor(() => f.sent.find((m) => m.op === 'set_preferences' && m.email === 'digest'), { what: 'set_preferences digest' });
  const reply = await waitFor(() => f.received.find((m) => m.id === req.id), { what: 'its reply' });
  assert.equal(reply.op, 'ok', JSON.stringify(reply));
  assert.equal(reply.email, 'digest');
  assert.equal(typeof reply.kb_anonymous, 'boolean');
  await v.page.locator('.pstat', { hasText: 'Saved.' }).waitFor();
  assert.equal(await checked(v.page), 'digest');

  // Keyboard: ArrowUp picks (and saves) the previous choice, ArrowDown goes back; Escape closes.
  await v.page.keyboard.press('ArrowUp');
  await waitFor(() => f.sent.find((m) => m.op === 'set_preferences' && m.email === 'batched'), { what: 'set_preferences batched' });
  await waitFor(async () => (await checked(v.page)) === 'batched', { what: 'batched checked' });
  await v.page.keyboard.press('ArrowDown');
  await waitFor(() => f.sent.filter((m) => m.op === 'set_preferences' && m.email === 'digest').length === 2, { what: 'digest again' });
  await v.page.locator('.pstat', { hasText: 'Saved.' }).waitFor();
  const last = f.sent.filter((m) => m.op === 'set_preferences').pop();
  await waitFor(() => f.received.find((m) => m.id === last.id && m.op === 'ok'), { what: 'the last reply' });
  await v.shot('setting-saved');
  await v.page.keyboard.press('Escape');
  await group.waitFor({ state: 'detached' });
  assert.equal(await bell.evaluate((b) => b.getRootNode().activeElement === b), true, 'focus back on the button');

  // After a reload the welcome reports the stored choice, and the control shows it.
  await v.page.reload();
  await waitFor(() => f.received.filter((m) => m.op === 'welcome').length === 2, { what: 'the second welcome' });
  assert.equal(f.welcome().preferences.email, 'digest');
  await w.launcher.click();
  await bell.click();
  await group.waitFor();
  assert.equal(await checked(v.page), 'digest');
  assert.equal(await group.getByRole('radio', { name: 'Daily digest' }).isChecked(), true);
  v.check();
  await v.context.close();
});

test('without an email claim the setting is not offered', async () => {
  const v = await visitor(browser, 'email-prefs-none');
  const w = widget(v.page);
  const f = wsFrames(v.page);
  await v.page.goto(host.origin + '/no-email');
  const welcome = await waitFor(f.welcome, { what: 'the welcome' });
  assert.equal(welcome.user.email, undefined);
  await w.launcher.click();
  await w.composer.waitFor();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  assert.equal(await v.page.getByRole('button', { name: 'Email notifications' }).count(), 0);
  assert.equal(await v.page.locator('input[name="p-email"]').count(), 0);
  v.check();
  await v.context.close();
});
