'use strict';
// The bundles of scripts/build-web.sh as a host page and a staff member get them: the widget's
// one-tag embed (twice on a page, and once more added later: one widget, the first tag's
// settings, nothing but /widget.js requested, its source map beside it) and the console (one
// bundle plus Chart.js; the old separate scripts are gone; parley-client.js is still served).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const H = require('./helpers.js');
let server, browser, host;
before(async () => {
  server = await new H.Server('bundles').start();
  browser = await H.launch();
  host = await H.hostSite({});
});
after(async () => { if (host) host.close(); if (browser) await browser.close(); if (server) await server.cleanup(); });

const page = (body) => `<!doctype html><html><head><meta charset="utf-8"><title>Host</title></head><body><h1>Host</h1>${body}</body></html>`;

test('the tag twice (and once more later): one widget, the first one\'s settings; no other script requested', async () => {
  const token = server.token('tia', { name: 'Tia' });
  host.pages['/twice'] = page(`<script src="${server.origin}/widget.js" data-channel="general" data-token="${token}" data-title="First title"></script>
<script src="${server.origin}/widget.js" data-channel="general" data-token="${token}" data-title="Second title"></script>`);
  const v = await H.visitor(browser, 'bundles-twice');
  const scripts = [];
  v.page.on('request', (r) => { if (r.resourceType() === 'script' || /\.js(\?|$)/.test(r.url())) scripts.push(new URL(r.url()).pathname); });
  await v.page.goto(host.origin + '/twice');
  const w = H.widget(v.page);
  await w.launcher.click();
  await v.page.getByRole('heading', { name: 'First title' }).waitFor();
  await w.composer.waitFor();
  assert.equal(await v.page.locator('[data-parley]').count(), 1, 'one widget');
  assert.equal(await v.page.evaluate(() => window.Parley.version), '0.1.0');
  assert.equal(await v.page.evaluate(() => typeof window.ParleyClient), 'undefined', 'the protocol client stays inside the bundle');
  // a third copy added later, dynamically (document.currentScript is that script while it runs)
  await v.page.evaluate((src) => new Promise((r) => { const s = document.createElement('script'); s.src = src; s.dataset.title = 'Third'; s.onload = r; document.body.append(s); }), server.origin + '/widget.js');
  await H.sleep(300);
  assert.equal(await v.page.locator('[data-parley]').count(), 1, 'still one widget');
  assert.deepEqual([...new Set(scripts)], ['/widget.js'], 'only widget.js is loaded: ' + scripts.join(', '));
  await H.send(w, 'Hello twice');
  await w.message('Hello twice').and(v.page.locator(':not(.pending)')).waitFor();
  // a source map next to the bundle
  const map = await (await fetch(server.origin + '/widget.js.map')).json();
  assert.ok(map.sources.includes('src/widget/index.js'));
  v.check();
});

test('the console loads Chart.js and one bundle, and works', async () => {
  const v = await H.visitor(browser, 'bundles-console');
  const scripts = [];
  v.page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname); });
  const token = server.token('maya', { role: 'staff', name: 'Maya' });
  await v.page.goto(`${server.origin}/console?token=${token}#/channels/general`);
  await v.page.locator('.conn[data-state="open"]').waitFor();
  await v.page.locator('.pane-head h1').waitFor();
  await v.page.goto(`${server.origin}/console#/insights`);
  await v.page.locator('.conn[data-state="open"]').waitFor();
  await v.page.locator('main h1', { hasText: 'Insights' }).waitFor(); assert.equal(await v.page.evaluate(() => typeof window.Chart), 'function');
  assert.deepEqual([...new Set(scripts)], ['/vendor/chart.umd.js', '/console.js']);
  for (const gone of ['/console-kit.js', '/console-community.js', '/console-webhooks.js']) {
    assert.equal((await fetch(server.origin + gone)).status, 404, gone);
  }
  assert.equal((await fetch(server.origin + '/parley-client.js')).status, 200, 'parley-client.js is still served');
  v.check();
});
