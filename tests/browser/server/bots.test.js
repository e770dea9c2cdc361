// Bot accounts (DESIGN §11, PROTOCOL.md §9.10 … docs/BOTS.md) against the real parleyd: an
// admin creates a bot and gets its token once, the bot connects and posts, deleting it closes
// its live session with 4401 and refuses the token (after a restart too); re-creating it draws
// a new token and the old one stays refused; bots have their own rate limits; bad input and
// non-admins are refused. Every wait is a bounded poll.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, waitFor } = require('../e2e/helpers');

const CONFIG = `[limits]
rate_per_s = 1
rate_burst = 5
bot_rate_per_s = 1
bot_rate_burst = 40
`;

let server, admin;
const clients = [];

const api = (method, path, body, token = admin) => server.api(method, path, body, token);

/** A raw WebSocket (Node 20's global WebSocket is behind a flag: the `ws` package) that records
 *  every object the server sends and how it closed. */
function raw(token) {
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  const got = [];
  const conn = { ws, got, closed: null };
  ws.on('message', (data) => { for (const line of String(data).split('\n')) got.push(JSON.parse(line)); });
  ws.on('close', (code, reason) => { conn.closed = { code, reason: String(reason) }; });
  ws.on('open', () => ws.send(JSON.stringify({ op: 'auth', token, id: 'a' })));
  return conn;
}

before(async () => {
  server = await new Server('bots', { config: CONFIG }).start();
  admin = server.token('root', { role: 'admin' });
});

after(async () => {
  for (const c of clients) c.close();
  if (server) await server.cleanup();
});

test('create, use, list and revoke a bot: its session closes with 4401, its token is refused, after a restart too', async () => {
  const made = await api('POST', '/api/bots', { id: 'faqbot', name: 'FAQ Bot' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.id, 'faqbot');
  assert.equal(made.body.name, 'FAQ Bot');
  assert.equal(made.body.created_by, 'root');
  const token = made.body.token;
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
  assert.equal(claims.sub, 'faqbot');
  assert.equal(claims.role, 'bot');
  assert.match(claims.jti, /^[0-9a-f]{32}$/);
  assert.ok(claims.exp - claims.iat >= 9 * 365 * 86400, 'a long-lived token');

  const bot = nodeClient(server, token);
  clients.push(bot);
  const welcome = await bot.ready;
  assert.deepEqual([welcome.id, welcome.name, welcome.role], ['faqbot', 'FAQ Bot', 'bot']);
  await bot.join('help');
  await sendAll(bot, 'help', ['Hello, I answer questions.']);
  // The bot may use the HTTP API with its token too (search with a token).
  assert.equal((await fetch(`${server.origin}/api/search?q=answer`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);

  const list = await api('GET', '/api/bots');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.bots.map((b) => [b.id, b.name, b.created_by, b.revoked_at]), [['faqbot', 'FAQ Bot', 'root', undefined]]);
  assert.equal(list.body.bots[0].token, undefined, 'the token is shown once');
  const audit = await api('GET', '/api/audit');
  assert.ok(audit.body.entries.some((e) => e.action === 'create_bot' && e.actor === 'root' && e.target_user === 'faqbot'), JSON.stringify(audit.body));

  // Revoke: the live session gets the error and close 4401.
  const live = raw(token);
  await waitFor(() => live.got.some((m) => m.op === 'welcome'), { what: 'the raw session' });
  const gone = await api('DELETE', '/api/bots/faqbot');
  assert.equal(gone.status, 200);
  assert.equal(gone.body.id, 'faqbot');
  assert.ok(gone.body.revoked_at > 0);
  await waitFor(() => live.closed, { what: 'the close' });
  assert.deepEqual(live.closed, { code: 4401, reason: 'token revoked' });
  assert.ok(live.got.some((m) => m.op === 'error' && m.code === 'unauthorized' && m.message === 'token revoked'));
  // Deleting again answers the same.
  assert.deepEqual((await api('DELETE', '/api/bots/faqbot')).body, gone.body);

  const again = raw(token);
  await waitFor(() => again.closed, { what: 'the refused auth' });
  assert.deepEqual(again.got, [{ op: 'error', id: 'a', code: 'unauthorized', message: 'invalid token: revoked' }]);
  assert.equal(again.closed.code, 4401);
  assert.equal((await fetch(`${server.origin}/api/search?q=answer`, { headers: { Authorization: `Bearer ${token}` } })).status, 401);
  assert.equal((await api('GET', '/api/bots')).body.bots[0].revoked_at, gone.body.revoked_at);

  // After a restart the token is still refused.
  bot.close();
  await server.stop('SIGTERM');
  await server.start();
  const afterRestart = raw(token);
  await waitFor(() => afterRestart.closed, { what: 'the refused auth after the restart' });
  assert.equal(afterRestart.got[0].message, 'invalid token: revoked');

  // Re-created: a new token works, the old one stays refused.
  const remade = await api('POST', '/api/bots', { id: 'faqbot', name: 'FAQ Bot 2' });
  assert.equal(remade.status, 201);
  assert.notEqual(remade.body.token, token);
  const fresh = raw(remade.body.token);
  await waitFor(() => fresh.got.some((m) => m.op === 'welcome'), { what: 'the new token' });
  fresh.ws.close();
  const old = raw(token);
  await waitFor(() => old.closed, { what: 'the old token refused' });
  assert.equal(old.got[0].message, 'invalid token: revoked');
});

test('bots have their own rate limits', async () => {
  const made = await api('POST', '/api/bots', { id: 'busybot' });
  assert.equal(made.body.name, 'busybot', 'the name defaults to the id');
  const pings = async (token) => {
    const c = raw(token);
    await waitFor(() => c.got.some((m) => m.op === 'welcome'), { what: 'welcome' });
    for (let i = 0; i < 20; i++) c.ws.send(JSON.stringify({ op: 'ping', id: i }));
    await waitFor(() => c.got.filter((m) => m.op === 'pong' || m.op === 'error').length >= 20, { what: '20 answers' });
    c.ws.close();
    return c.got.filter((m) => m.code === 'rate_limited').length;
  };
  assert.equal(await pings(made.body.token), 0, 'a burst of 40 for bots');
  assert.ok(await pings(server.token('carl')) >= 14, 'a burst of 5 for customers');
});

test('bad input and non-admins are refused, nothing stored', async () => {
  const staff = server.token('sue', { role: 'staff' });
  assert.equal((await api('POST', '/api/bots', { id: 'x' }, staff)).status, 403);
  assert.equal((await api('GET', '/api/bots', undefined, staff)).status, 403);
  assert.equal((await api('POST', '/api/bots', { id: 'x' }, server.token('carl'))).status, 403);
  const cases = [
    [{}, 400, '"id" is required'],
    [{ id: 'a:b' }, 400, '"id" must be a user id: 1-64 characters of A-Z a-z 0-9 . _ @ + -'],
    [{ id: 7 }, 400, '"id" must be a user id: 1-64 characters of A-Z a-z 0-9 . _ @ + -'],
    [{ id: 'ok', name: '' }, 400, '"name" must be 1-64 characters without control characters'],
    [{ id: 'busybot' }, 409, 'bot "busybot" exists'],
  ];
  for (const [body, status, message] of cases) {
    const r = await api('POST', '/api/bots', body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.error.message, message, JSON.stringify(body));
  }
  // A person's id cannot become a bot.
  const carl = nodeClient(server, server.token('carl'));
  clients.push(carl);
  await carl.ready;
  await waitFor(async () => (await api('GET', '/api/users/carl')).status === 200, { what: 'carl recorded' });
  const taken = await api('POST', '/api/bots', { id: 'carl' });
  assert.equal(taken.status, 409);
  assert.equal(taken.body.error.message, '"carl" is a user who is not a bot');
  const notJson = await fetch(`${server.origin}/api/bots`, { method: 'POST', headers: { Authorization: `Bearer ${admin}` }, body: 'nope' });
  assert.equal(notJson.status, 400);
  assert.equal((await api('DELETE', '/api/bots/nobody')).status, 404);
  assert.equal((await api('PUT', '/api/bots/busybot')).status, 405);
  assert.deepEqual((await api('GET', '/api/bots')).body.bots.map((b) => b.id), ['busybot', 'faqbot']);
});
