// Shared helpers for the browser tests: a real parleyd on an ephemeral port, Debian's Chromium
// through playwright-core, pages that fail the test on any console error, screenshots, and a
// Node protocol client (the widget's own parley-client.js over the `ws` package) for seeding.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const REPO = path.resolve(__dirname, '../../..');
const PARLEYD = process.env.PARLEYD || path.join(REPO, 'build/bin/parleyd');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const WEB_ROOT = path.join(REPO, 'clients/web');

function requireTools() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with 'apt-get install -y chromium' (make test-deps does).`);
  }
  if (!fs.existsSync(PARLEYD)) throw new Error(`parleyd not found at ${PARLEYD}: build the project first (make build).`);
  try {
    return require('playwright-core');
  } catch (e) {
    throw new Error(`playwright-core is not installed: run 'npm ci' in tests/browser (${e.message})`);
  }
}

// Every parleyd this process started and has not seen exit. A test file whose runner fails to
// load (playwright-core refusing the Node version, a syntax error, an uncaught exception) never
// reaches its after() hook, so the servers are also killed when this process exits, and each
// one runs under `setpriv --pdeathsig KILL` (util-linux), so the kernel kills it even when this
// process itself is killed (a ctest timeout).
const live = new Set();
process.on('exit', () => { for (const p of live) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => process.exit(128 + require('node:os').constants.signals[sig]));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
    await sleep(interval);
  }
}

/** A free port on 127.0.0.1 below the kernel's ephemeral range (32768-60999 on Linux), so that
 *  no outgoing connection of another test can take it as its source port while a test restarts
 *  its server on it. */
async function freePort() {
  const net = require('node:net');
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port in 20000-32000');
}

/** A parleyd process. start() picks a free port the first time (freePort()) and reuses it
 *  after, so a restarted server keeps its origin (pages embed it). */
class Server {
  constructor(name, { config } = {}) {
    this.name = name;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `parley-browser-${name}-`));
    this.dataDir = path.join(this.dir, 'data');
    this.port = 0;
    this.config = null;
    if (config) {
      this.config = path.join(this.dir, 'parley.toml');
      fs.writeFileSync(this.config, config);
    }
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.logPath = path.join(ARTIFACTS, `${name}-server.log`);
    fs.writeFileSync(this.logPath, '');
  }

  get origin() { return `http://127.0.0.1:${this.port}`; }

  async start() {
    if (this.port === 0) {
      // The first start: another process may take the port between the check and the bind
      // (then parleyd exits at once); try again with another.
      for (let attempt = 1; ; attempt++) {
        this.port = await freePort();
        try {
          return await this.launch();
        } catch (e) {
          if (attempt >= 5 || !/exited/.test(e.message)) throw e;
        }
      }
    }
    return this.launch();
  }

  async launch() {
    const portFile = path.join(this.dir, 'port');
    fs.rmSync(portFile, { force: true });
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir,
      '--port-file', portFile, '--web-root', WEB_ROOT, '--threads', '2'];
    if (this.config) args.push('--config', this.config);
    const log = fs.openSync(this.logPath, 'a');
    this.proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', PARLEYD, ...args], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const proc = this.proc;
    live.add(proc);
    let exited = null;
    proc.on('exit', (code, sig) => { exited = { code, sig }; live.delete(proc); });
    await waitFor(() => {
      if (exited) throw new Error(`parleyd exited (${JSON.stringify(exited)}); log: ${fs.readFileSync(this.logPath, 'utf8').slice(-2000)}`);
      return fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim();
    }, { timeout: 15000, what: 'parleyd port file' });
    this.port = Number(fs.readFileSync(portFile, 'utf8').trim());
    await waitFor(async () => (await fetch(this.origin + '/healthz')).ok, { timeout: 10000, what: '/healthz' });
    return this;
  }

  /** SIGKILL (a crash) or SIGTERM (graceful); resolves when the process is gone. */
  async stop(signal = 'SIGTERM') {
    const p = this.proc;
    if (!p || p.exitCode != null || p.signalCode != null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await gone;
  }

  token(user, { role = 'customer', name = user, email } = {}) {
    const args = ['token', '--data-dir', this.dataDir, '--user', user, '--role', role, '--name', name];
    if (email) args.push('--email', email);
    return execFileSync(PARLEYD, args, { encoding: 'utf8' }).trim();
  }

  /** An HTTP JSON request with `token` as Bearer: {status, body} (body parsed, null when empty). */
  async api(method, path, body, token) {
    const res = await fetch(`${this.origin}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Creates bot `id` with the admin API (POST /api/bots) and returns its token. */
  async createBot(id, name = id) {
    const res = await fetch(`${this.origin}/api/bots`, {
      method: 'POST', headers: { Authorization: `Bearer ${this.token('root', { role: 'admin' })}` },
      body: JSON.stringify({ id, name }),
    });
    if (res.status !== 201) throw new Error(`POST /api/bots ${id}: ${res.status} ${await res.text()}`);
    return (await res.json()).token;
  }

  async cleanup() {
    await this.stop('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The widget's own protocol client, in Node, over the `ws` package. */
function nodeClient(server, token) {
  const { ParleyClient } = require(path.join(REPO, 'clients/web/parley-client.js'));
  const WebSocket = require('ws');
  const c = new ParleyClient({ url: `ws://127.0.0.1:${server.port}/ws`, token, WebSocket, backoff: { base: 200, max: 1000 } });
  c.messages = [];
  c.on('message', (m) => c.messages.push(m));
  c.ready = new Promise((resolve) => c.on('welcome', resolve));
  c.connect();
  return c;
}

/** Sends `texts` in order and resolves when every one is acked. */
async function sendAll(client, channel, texts) {
  const acked = new Set();
  const off = client.on('ack', (a) => acked.add(a.client_msg_id));
  const ids = [];
  for (const t of texts) ids.push(client.send(channel, t).client_msg_id);
  await waitFor(() => ids.every((id) => acked.has(id)), { timeout: 30000, what: `${texts.length} acks` });
  off();
}

async function launch() {
  const { chromium } = requireTools();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/**
 * A page in its own browser context (own localStorage: a separate visitor). Every console
 * error and page error is recorded; `check()` fails the test with them. `allow(re)` accepts
 * console errors matching `re` for the rest of the test (used only for the browser's own
 * report of refused WebSocket connections while the server is deliberately down).
 */
async function visitor(browser, name, { viewport = { width: 1280, height: 860 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  const allowed = [];
  const suppressed = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (allowed.some((re) => re.test(text))) { suppressed.push(text); return; }
    errors.push(`[${name}] console.error: ${text}`);
  });
  page.on('pageerror', (err) => errors.push(`[${name}] page error: ${err.stack || err.message}`));
  page.on('requestfailed', (req) => {
    const url = req.url();
    if (allowed.some((re) => re.test(url))) return;
    errors.push(`[${name}] request failed: ${url} ${req.failure() && req.failure().errorText}`);
  });
  let shots = 0;
  return {
    name, context, page, errors, suppressed,
    allow(re) { allowed.push(re); },
    async shot(label) {
      const file = path.join(ARTIFACTS, `${name}-${String(++shots).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path: file, animations: 'disabled' });
      return file;
    },
    check() {
      if (errors.length) throw new Error('errors in the page:\n' + errors.join('\n'));
    },
  };
}

/** Locators inside the widget (Playwright's CSS and role engines pierce open shadow roots). */
function widget(page) {
  return {
    root: page.locator('.root'),
    launcher: page.locator('.launcher'),
    panel: page.getByRole('dialog'),
    nameInput: page.getByLabel('What should we call you?'),
    composer: page.locator('form.compose textarea'),
    messages: page.locator('ol.msgs > li.msg'),
    message: (text) => page.locator('ol.msgs > li.msg', { has: page.locator('.bubble', { hasText: text }) }),
    banner: page.locator('.banner'),
    count: page.locator('.launcher .count'),
    typing: page.locator('.typing'),
    scroller: page.locator('.scroll'),
    older: page.locator('button.older'),
  };
}

/** Opens the demo page as a guest called `name` and waits until the channel is joined. */
async function joinAsGuest(v, server, name) {
  const w = widget(v.page);
  await v.page.goto(server.origin + '/');
  await w.launcher.click();
  await w.nameInput.fill(name);
  await v.page.getByRole('button', { name: 'Start chatting' }).click();
  await w.composer.waitFor();
  await v.page.locator('.root[data-state="open"]').waitFor({ state: 'attached' });
  return w;
}

/** A web site of another origin on 127.0.0.1 serving `pages` (path -> HTML, kept live: add
 *  pages later), 404 for anything else; for embedding the widget the way a company's site does. */
/** A raw authenticated connection (the `ws` package): `got` holds every object the server
 *  sent; `request(frame)` sends it with a fresh id and resolves with the reply (bounded wait). */
async function rawClient(server, token) {
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  const got = [];
  let n = 0;
  const conn = {
    ws, got,
    request(frame) {
      const id = `r${++n}`;
      ws.send(JSON.stringify({ ...frame, id }));
      return waitFor(() => got.find((m) => m.id === id), { what: `the reply to ${frame.op}` });
    },
    close() { ws.close(); },
  };
  ws.on('message', (data) => { for (const line of String(data).split('\n')) got.push(JSON.parse(line)); });
  ws.on('error', () => { /* the server went away: a test that restarts it reconnects */ });
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ op: 'auth', token, id: 'auth' }));
  await waitFor(() => got.find((m) => m.op === 'welcome'), { what: 'welcome' });
  return conn;
}

/** A company's page that embeds the widget of `server` on `channel`, signed in with `token`. */
function shopPage(server, token, channel = 'help') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title><link rel="icon" href="data:,"></head>
<body><h1>Shop</h1><script src="${server.origin}/widget.js" data-channel="${channel}" data-token="${token}"></script></body></html>`;
}

/** Every JSON object the page's WebSockets send and receive, in order. */
function wsFrames(page) {
  const sent = [], received = [];
  const parse = (into) => (f) => {
    for (const line of String(f.payload).split('\n')) { try { into.push(JSON.parse(line)); } catch (e) { /* not JSON */ } }
  };
  page.on('websocket', (ws) => { ws.on('framesent', parse(sent)); ws.on('framereceived', parse(received)); });
  return { sent, received, welcome: () => received.filter((m) => m.op === 'welcome').pop() };
}

async function hostSite(pages = {}) {
  const http = require('node:http');
  pages['/favicon.ico'] = pages['/favicon.ico'] || '';
  const server = http.createServer((req, res) => {
    const body = pages[req.url.split('?')[0]];
    if (body == null) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, pages, origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

async function send(w, text) {
  await w.composer.fill(text);
  await w.composer.press('Enter');
}

module.exports = { REPO, ARTIFACTS, Server, nodeClient, sendAll, launch, visitor, widget, joinAsGuest, hostSite, shopPage, wsFrames, rawClient, freePort, send, waitFor, sleep, requireTools };
