// The one tag on somebody else's site: a host page served from another origin, with hostile
// global CSS, embeds the widget with a token its backend minted (data-token), or calls
// Parley.init({token, channel}) itself.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, launch, visitor, widget, hostSite, send, waitFor } = require('./helpers');

let server, browser, host, hostOrigin, pages = {}, watcher;

// Global styles a real site might have; none of them may leak into the widget.
const HOSTILE_CSS = `* { font-family: "Comic Sans MS", serif !important; color: #0f0 !important; }
button { display: none; background: yellow !important; } div { border: 3px dashed red; }`;

before(async () => {
  server = await new Server('embed').start();
  browser = await launch();
  host = await hostSite(pages);
  hostOrigin = host.origin;
});

after(async () => {
  if (watcher) watcher.close();
  if (browser) await browser.close();
  if (host) host.close();
  if (server) await server.cleanup();
});

const page = (head, bodyEnd) => `<!doctype html><html><head><meta charset="utf-8"><title>Acme shop</title>
<link rel="icon" href="data:,"><style>${HOSTILE_CSS}</style>${head || ''}</head>
<body><h1>Acme shop</h1><p>Some host page.</p>${bodyEnd}</body></html>`;

test('data-token on another origin: signed-in customer, styles isolated', async () => {
  const token = server.token('cust-42', { name: 'Dana (Acme)' });
  pages['/token'] = page('', `<script src="${server.origin}/widget.js" data-channel="general" data-token="${token}" data-title="Acme help"></script>`);
  watcher = nodeClient(server, server.token('watcher', { name: 'Watcher' }));
  await watcher.ready;
  await watcher.join('general');

  const v = await visitor(browser, 'embed-token');
  await v.page.goto(hostOrigin + '/token');
  const w = widget(v.page);
  await w.launcher.waitFor();
  // the host's CSS does not reach inside: launcher visible, our colour and font
  const style = await w.launcher.evaluate((el) => {
    const s = getComputedStyle(el);
    return { display: s.display, bg: s.backgroundColor, color: s.color };
  });
  assert.notEqual(style.display, 'none');
  assert.equal(style.bg, 'rgb(79, 70, 229)', 'default brand colour');
  assert.equal(style.color, 'rgb(255, 255, 255)');
  await w.launcher.click();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  assert.equal(await w.nameInput.count(), 0, 'no name prompt with a host token');
  assert.equal(await v.page.locator('.head h2').textContent(), 'Acme help');
  const font = await v.page.locator('.head h2').evaluate((el) => getComputedStyle(el).fontFamily);
  assert.doesNotMatch(font, /Comic/);
  await send(w, 'Hello from a signed-in Acme customer');
  await waitFor(() => watcher.messages.some((m) => m.text === 'Hello from a signed-in Acme customer' && m.from.id === 'cust-42'),
    { what: 'the message at the server' });
  await w.message('Hello from a signed-in Acme customer').and(v.page.locator(':not(.pending)')).waitFor();
  await v.shot('host-page-token');
  v.check();
});

test('Parley.init({token, channel}) from the host page', async () => {
  const token = server.token('cust-77', { name: 'Eli' });
  pages['/init'] = page('', `<script src="${server.origin}/widget.js" data-manual="true"></script>
<script>window.addEventListener('load', () => Parley.init({ token: ${JSON.stringify(token)}, channel: 'general', open: true, color: '#0f766e' }));</script>`);
  const v = await visitor(browser, 'embed-init');
  await v.page.goto(hostOrigin + '/init');
  const w = widget(v.page);
  await w.panel.waitFor();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  await w.message('Hello from a signed-in Acme customer').waitFor();
  assert.equal(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(15, 118, 110)');
  await v.shot('host-page-init');
  v.check();
});

// A guest on the host site: POST /api/guest is a cross-origin request (CORS, PROTOCOL.md §9.4),
// the widget reads the token and the visitor chats.
test('guest mode on another origin: the widget gets a guest token and the guest can post', async () => {
  pages['/guest'] = page('', `<script src="${server.origin}/widget.js" data-channel="general"></script>`);
  const v = await visitor(browser, 'embed-guest');
  await v.page.goto(hostOrigin + '/guest');
  const w = widget(v.page);
  await w.launcher.click();
  await w.nameInput.fill('Gil');
  await v.page.getByRole('button', { name: 'Start chatting' }).click();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached', timeout: 15000 });
  await w.composer.waitFor();
  await send(w, 'Hello from a guest on the Acme site');
  await w.message('Hello from a guest on the Acme site').and(v.page.locator(':not(.pending)')).waitFor();
  const got = await waitFor(() => watcher.messages.find((m) => m.text === 'Hello from a guest on the Acme site'), { what: "the guest's message" });
  assert.equal(got.from.name, 'Gil');
  assert.equal(got.from.role, 'customer');
  await v.shot('host-page-guest');
  v.check();
});
