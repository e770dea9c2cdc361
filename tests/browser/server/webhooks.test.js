// Webhooks (DESIGN §10, PROTOCOL.md §9.9) against the real parleyd, with receivers on loopback
// that verify every delivery's signature with the npm `standardwebhooks` package (Standard
// Webhooks 1.0's reference library): events, retries with the same id, 410, Retry-After,
// rotation, the loopback rule, bad input, a full outbox, and kill -9 between the commit and the
// delivery. Every wait is a bounded poll.
'use strict';
const http = require('node:http');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Webhook } = require('standardwebhooks');
const { Server, nodeClient, sendAll, waitFor, sleep } = require('../e2e/helpers');

const CONFIG = `[webhooks]
allow_hosts = ["127.0.0.1"]
unanswered_after_s = 2
[advocacy]
threshold = 1
min_people_helped = 1
min_active_days = 1
`;

let server, receiver, admin;
const clients = [];

/** A receiver on 127.0.0.1: every request kept with its parsed body; `reply(path, n)` decides. */
async function startReceiver(reply) {
  const got = [];
  const counts = {};
  const srv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const path = req.url;
      counts[path] = (counts[path] || 0) + 1;
      got.push({ path, headers: req.headers, body, at: Date.now() });
      const r = reply(path, counts[path]) || { status: 200 };
      if (r.hang) return; // never answers
      res.writeHead(r.status, r.headers || {});
      res.end('ok');
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { srv, got, url: (p) => `http://127.0.0.1:${srv.address().port}${p}`, port: srv.address().port };
}

const api = (method, path, body, token = admin) => server.api(method, path, body, token);

function verified(secret, d) {
  return new Webhook(secret).verify(d.body, {
    'webhook-id': d.headers['webhook-id'],
    'webhook-timestamp': d.headers['webhook-timestamp'],
    'webhook-signature': d.headers['webhook-signature'],
  });
}

function client(user, role = 'customer') {
  const c = nodeClient(server, server.token(user, { role, name: user[0].toUpperCase() + user.slice(1) }));
  clients.push(c);
  return c;
}

before(async () => {
  server = await new Server('webhooks', { config: CONFIG }).start();
  admin = server.token('root', { role: 'admin' });
  receiver = await startReceiver((path, n) => {
    if (path === '/flaky' && n === 1) return { status: 500 };
    if (path === '/gone') return { status: 410 };
    if (path === '/busy' && n === 1) return { status: 429, headers: { 'Retry-After': '600' } };
    if (path === '/hang') return { hang: true };
    return { status: 200 };
  });
});

after(async () => {
  for (const c of clients) c.close();
  if (receiver) receiver.srv.close();
  if (server) await server.cleanup();
});

const at = (path) => receiver.got.filter((d) => d.path === path);

test('create, list, and message, question and mention events, each signed', async () => {
  const created = await api('POST', '/api/webhooks', {
    url: receiver.url('/ok'), events: ['message.created', 'question.created', 'user.mentioned'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const hook = created.body;
  assert.match(hook.id, /^wh_[0-9a-f]{16}$/);
  assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(hook.events, ['message.created', 'question.created', 'user.mentioned']);
  const list = await api('GET', '/api/webhooks');
  assert.equal(list.status, 200);
  assert.equal(list.body.webhooks.length, 1);
  assert.equal(list.body.webhooks[0].secret, undefined, 'the secret is shown once');

  const carol = client('carol');
  await carol.ready;
  const ann = client('ann');
  await ann.ready;
  await ann.join('help');
  await sendAll(ann, 'help', ['My lamp blinks red, @carol any idea?']);
  await waitFor(() => at('/ok').length >= 3, { what: 'three deliveries' });
  const byType = {};
  for (const d of at('/ok')) {
    const p = verified(hook.secret, d); // throws on a bad signature
    byType[p.type] = { p, d };
    assert.match(d.headers['webhook-id'], /^msg_\d+$/);
    assert.ok(Math.abs(Number(d.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    assert.match(p.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(d.headers['content-type'], 'application/json');
  }
  assert.deepEqual(Object.keys(byType).sort(), ['message.created', 'question.created', 'user.mentioned']);
  assert.equal(byType['message.created'].p.data.text, 'My lamp blinks red, @carol any idea?');
  assert.equal(byType['message.created'].p.data.channel, 'help');
  assert.equal(byType['message.created'].p.data.from.id, 'ann');
  assert.deepEqual(byType['message.created'].p.data.mentions, ['carol']);
  assert.equal(byType['question.created'].p.data.seq, byType['message.created'].p.data.seq);
  assert.equal(byType['user.mentioned'].p.data.user, 'carol');
  assert.equal(byType['user.mentioned'].p.data.message.seq, byType['message.created'].p.data.seq);
  // Ids differ per delivery.
  assert.equal(new Set(at('/ok').map((d) => d.headers['webhook-id'])).size, 3);

  // A reply is a message, not a question; a DM never leaves the server, not even in a report
  // of it (a report of a public message does).
  const reports = (await api('POST', '/api/webhooks', { url: receiver.url('/reports'), events: ['report.created'] })).body;
  const seq = byType['message.created'].p.data.seq;
  ann.send('help', 'Never mind', { reply_to: seq });
  ann.sendDm('carol', 'private words');
  await waitFor(() => at('/ok').some((d) => JSON.parse(d.body).data.text === 'Never mind'), { what: 'the reply' });
  await waitFor(() => carol.messages.some((m) => m.text === 'private words'), { what: 'the DM' });
  const dm = carol.messages.find((m) => m.text === 'private words');
  assert.equal((await carol.report(dm.channel, dm.seq, 'creepy DM')).op, 'ok');
  assert.equal((await carol.report('help', seq, 'public spam')).op, 'ok');
  await waitFor(() => at('/reports').length >= 1, { what: 'the report of the public message' });
  await sleep(300);
  const texts = at('/ok').map((d) => JSON.parse(d.body));
  assert.equal(texts.filter((p) => p.type === 'question.created').length, 1);
  assert.ok(!texts.some((p) => p.data.text === 'private words' || (p.data.message && p.data.message.text === 'private words')));
  assert.deepEqual(at('/reports').map((d) => JSON.parse(d.body).data.reason), ['public spam']);
  await api('DELETE', `/api/webhooks/${reports.id}`);

  // The delivery log (it catches up with the receiver within moments).
  let log;
  await waitFor(async () => {
    log = await api('GET', `/api/webhooks/${hook.id}/deliveries`);
    return log.status === 200 && log.body.deliveries.every((d) => d.status === 'delivered');
  }, { what: 'every delivery logged as delivered' });
  assert.ok(log.body.deliveries.length >= 4);
  const first = log.body.deliveries[log.body.deliveries.length - 1];
  assert.equal(first.status, 'delivered');
  assert.equal(first.attempts.length, 1);
  assert.equal(first.attempts[0].status, 200);
  assert.equal(typeof first.payload, 'object');
  await api('DELETE', `/api/webhooks/${hook.id}`);
});

test('a 500 then 200 gets the same webhook-id twice; Retry-After is honoured; manual retry', async () => {
  const flaky = (await api('POST', '/api/webhooks', { url: receiver.url('/flaky'), events: ['message.created'], channels: ['general'] })).body;
  const busy = (await api('POST', '/api/webhooks', { url: receiver.url('/busy'), events: ['message.created'], channels: ['general'] })).body;
  // (/busy answers 429 with Retry-After: 600 first.)
  const bob = client('bob');
  await bob.ready;
  await sendAll(bob, 'general', ['retry me']);
  await sendAll(bob, 'help', ['not for these hooks: another channel']);
  await waitFor(() => at('/flaky').length === 2, { timeout: 20000, what: 'the retry after a 500' });
  const [a, b] = at('/flaky');
  assert.equal(a.headers['webhook-id'], b.headers['webhook-id']);
  verified(flaky.secret, b);
  // The log catches up with the receiver within moments (results are written in batches).
  let log;
  await waitFor(async () => {
    log = (await api('GET', `/api/webhooks/${flaky.id}/deliveries`)).body.deliveries;
    return log.length === 1 && log[0].status === 'delivered';
  }, { what: 'the delivery logged as delivered' });
  assert.equal(log.length, 1, 'only general');
  assert.deepEqual(log[0].attempts.map((x) => x.status), [500, 200]);
  assert.equal(log[0].attempts[0].error, 'HTTP 500');
  // The schedule's first wait, 5 s ±20%, as the server recorded the attempts.
  assert.ok(log[0].attempts[1].at - log[0].attempts[0].at >= 4000, JSON.stringify(log[0].attempts));
  // A 429 with Retry-After: 600 waits 600 s instead of the schedule's 5 s.
  await waitFor(async () => {
    const d = (await api('GET', `/api/webhooks/${busy.id}/deliveries`)).body.deliveries;
    return d.length === 1 && d[0].attempts.length === 1 && d[0].next_attempt_at;
  }, { what: 'the 429 recorded' });
  const held = (await api('GET', `/api/webhooks/${busy.id}/deliveries`)).body.deliveries[0];
  assert.equal(held.status, 'pending');
  assert.equal(held.attempts[0].status, 429);
  const wait = held.next_attempt_at - held.attempts[0].at;
  assert.ok(wait >= 600000 && wait < 660000, `next attempt in ${wait} ms`);
  assert.equal((await api('POST', `/api/webhooks/${busy.id}/deliveries/${held.id}/retry`)).status, 409);
  // Sending it again by hand: the same id once more.
  const again = await api('POST', `/api/webhooks/${flaky.id}/deliveries/${log[0].id}/retry`);
  assert.equal(again.status, 202, JSON.stringify(again.body));
  await waitFor(() => at('/flaky').length === 3, { what: 'the manual retry' });
  assert.equal(at('/flaky')[2].headers['webhook-id'], log[0].id);
  assert.equal((await api('POST', `/api/webhooks/${flaky.id}/deliveries/msg_999999/retry`)).status, 404);
  await api('DELETE', `/api/webhooks/${flaky.id}`);
  await api('DELETE', `/api/webhooks/${busy.id}`);
});

test('410 disables the webhook', async () => {
  const gone = (await api('POST', '/api/webhooks', { url: receiver.url('/gone'), events: ['message.created'] })).body;
  const dan = client('dan');
  await dan.ready;
  await sendAll(dan, 'general', ['first']);
  await waitFor(async () => (await api('GET', '/api/webhooks')).body.webhooks.find((w) => w.id === gone.id).disabled,
    { what: 'disabled' });
  const w = (await api('GET', '/api/webhooks')).body.webhooks.find((x) => x.id === gone.id);
  assert.match(w.disabled_reason, /410/);
  await sendAll(dan, 'general', ['second']);
  await sleep(500);
  assert.equal(at('/gone').length, 1, 'nothing after the 410');
  assert.equal((await api('POST', `/api/webhooks/${gone.id}/deliveries/msg_1/retry`)).status, 409);
  await api('DELETE', `/api/webhooks/${gone.id}`);
});

test('a rotated secret: both the old and the new verify during the overlap', async () => {
  const hook = (await api('POST', '/api/webhooks', { url: receiver.url('/rotated'), events: ['message.created'] })).body;
  const rotated = await api('POST', `/api/webhooks/${hook.id}/rotate`);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.secret, hook.secret);
  assert.ok(rotated.body.previous_valid_until > Date.now() + 86000 * 1000);
  const eve = client('eve');
  await eve.ready;
  await sendAll(eve, 'general', ['after the rotation']);
  await waitFor(() => at('/rotated').length === 1, { what: 'a delivery' });
  const d = at('/rotated')[0];
  assert.equal(d.headers['webhook-signature'].split(' ').length, 2);
  verified(hook.secret, d);
  verified(rotated.body.secret, d);
  assert.throws(() => verified('whsec_' + Buffer.alloc(32, 7).toString('base64'), d));
  await api('DELETE', `/api/webhooks/${hook.id}`);
});

test('report, solved, advocate and unanswered events', async () => {
  // A channel of its own: questions of the other tests never reach this webhook.
  assert.equal((await api('POST', '/api/channels', { channel: 'pairing', kind: 'support' })).status, 200);
  const hook = (await api('POST', '/api/webhooks', {
    url: receiver.url('/community'),
    events: ['report.created', 'question.solved', 'advocate.changed', 'question.unanswered'],
    channels: ['pairing'],
  })).body;
  const asker = client('asker');
  const helper = client('helper');
  await asker.ready;
  await helper.ready;
  await asker.join('pairing');
  await sendAll(asker, 'pairing', ['How do I pair the remote?']);
  const q = asker.messages.find((m) => m.text === 'How do I pair the remote?');
  await waitFor(() => (q ? true : asker.messages.some((m) => m.text === 'How do I pair the remote?')), { what: 'the question' });
  const qseq = (q || asker.messages.find((m) => m.text === 'How do I pair the remote?')).seq;
  // Nobody answers: question.unanswered after unanswered_after_s (2 s), once.
  await waitFor(() => at('/community').some((d) => JSON.parse(d.body).type === 'question.unanswered'),
    { timeout: 15000, what: 'question.unanswered' });
  const un = at('/community').map((d) => JSON.parse(d.body)).find((p) => p.type === 'question.unanswered');
  assert.equal(un.data.seq, qseq);
  assert.equal(un.data.question.text, 'How do I pair the remote?');
  await helper.join('pairing');
  helper.send('pairing', 'Hold both buttons for 5 s', { reply_to: qseq });
  await waitFor(() => asker.messages.some((m) => m.text === 'Hold both buttons for 5 s'), { what: 'the answer' });
  const aseq = asker.messages.find((m) => m.text === 'Hold both buttons for 5 s').seq;
  await asker.solve('pairing', aseq);
  await waitFor(() => at('/community').some((d) => JSON.parse(d.body).type === 'question.solved'), { what: 'solved' });
  const solved = at('/community').map((d) => JSON.parse(d.body)).find((p) => p.type === 'question.solved');
  assert.equal(solved.data.question_seq, qseq);
  assert.equal(solved.data.answer_seq, aseq);
  await waitFor(() => at('/community').some((d) => JSON.parse(d.body).type === 'advocate.changed'), { what: 'advocate' });
  const adv = at('/community').map((d) => JSON.parse(d.body)).find((p) => p.type === 'advocate.changed');
  assert.deepEqual(adv.data, { user: 'helper', advocate: true });
  await asker.report('pairing', aseq, 'rude');
  await waitFor(() => at('/community').some((d) => JSON.parse(d.body).type === 'report.created'), { what: 'report' });
  const rep = at('/community').map((d) => JSON.parse(d.body)).find((p) => p.type === 'report.created');
  assert.equal(rep.data.reason, 'rude');
  assert.equal(rep.data.seq, aseq);
  for (const d of at('/community')) verified(hook.secret, d);
  await sleep(2500);
  assert.equal(at('/community').filter((d) => JSON.parse(d.body).type === 'question.unanswered').length, 1);
  await api('DELETE', `/api/webhooks/${hook.id}`);
});

test('bad input: clear errors, nothing stored', async () => {
  const staff = server.token('sam', { role: 'staff' });
  const before = (await api('GET', '/api/webhooks')).body.webhooks.length;
  const cases = [
    [{ url: receiver.url('/x'), events: ['message.created'] }, 403, /admin only/, staff],
    [{ url: receiver.url('/x'), events: ['message.deleted'] }, 400, /unknown event "message.deleted"/],
    [{ url: 'ftp://127.0.0.1/x', events: ['message.created'] }, 400, /http/],
    [{ url: 'nope', events: ['message.created'] }, 400, /valid absolute URL/],
    [{ url: receiver.url('/x'), events: [] }, 400, /empty/],
    [{ url: receiver.url('/x'), events: Array(8).fill('message.created') }, 400, /more than 7/],
    [{ url: receiver.url('/x') }, 400, /"events" is required/],
    [{ events: ['message.created'] }, 400, /"url" is required/],
    [{ url: receiver.url('/x'), events: ['message.created'], channels: ['nowhere'] }, 400, /unknown channel/],
    [{ url: receiver.url('/x'), events: ['message.created'], secret: 'mine' }, 400, /unknown field "secret"/],
    [{ url: 'http://10.0.0.1/x', events: ['message.created'] }, 400, /allow_hosts/],
  ];
  for (const [body, status, re, token] of cases) {
    const r = await api('POST', '/api/webhooks', body, token || admin);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.match(r.body.error.message, re, JSON.stringify(r.body));
  }
  assert.equal((await api('GET', '/api/webhooks', undefined, staff)).status, 403);
  assert.equal((await api('DELETE', '/api/webhooks/wh_0000000000000000')).status, 404);
  assert.equal((await api('GET', '/api/webhooks')).body.webhooks.length, before);
});

test('loopback targets are refused unless allow-listed', async () => {
  const plain = await new Server('webhooks-plain').start();
  try {
    const r = await fetch(`${plain.origin}/api/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${plain.token('root', { role: 'admin' })}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver.url('/x'), events: ['message.created'] }),
    });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error.message, /loopback, private or link-local address \(127\.0\.0\.1\); list the host in \[webhooks\] allow_hosts/);
  } finally {
    await plain.cleanup();
  }
});

test('a full outbox: /readyz says so, further deliveries are dropped and counted', async () => {
  const tight = await new Server('webhooks-full', { config: '[webhooks]\nallow_hosts = ["127.0.0.1"]\nmax_pending = 2\ntimeout_s = 60\nworkers = 1\n' }).start();
  try {
    const token = tight.token('root', { role: 'admin' });
    const r = await fetch(`${tight.origin}/api/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver.url('/hang'), events: ['message.created'] }),
    });
    assert.equal(r.status, 201);
    const c = nodeClient(tight, tight.token('fay'));
    clients.push(c);
    await c.ready;
    await sendAll(c, 'general', ['one', 'two', 'three', 'four']);
    await waitFor(async () => (await fetch(`${tight.origin}/readyz`)).status === 503, { what: 'readyz 503' });
    const ready = await (await fetch(`${tight.origin}/readyz`)).json();
    assert.ok(ready.problems.some((p) => /webhook outbox full/.test(p)), JSON.stringify(ready));
    const metrics = await (await fetch(`${tight.origin}/metrics`)).text();
    assert.match(metrics, /^parley_webhook_deliveries_pending 2$/m);
    assert.match(metrics, /^parley_webhook_deliveries_dropped_total 2$/m);
  } finally {
    await tight.cleanup();
  }
});

test('kill -9 between the commit and the delivery: it still arrives, with its id', async () => {
  const crash = await new Server('webhooks-crash', { config: '[webhooks]\nallow_hosts = ["127.0.0.1"]\n' }).start();
  // A port with nobody listening yet: the first attempt is refused.
  const later = await startReceiver(() => ({ status: 200 }));
  const port = later.port;
  await new Promise((r) => later.srv.close(r));
  try {
    const token = crash.token('root', { role: 'admin' });
    const r = await fetch(`${crash.origin}/api/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/late`, events: ['message.created'] }),
    });
    const hook = await r.json();
    const c = nodeClient(crash, crash.token('gus'));
    await c.ready;
    await sendAll(c, 'general', ['survives a crash']);
    c.close();
    await crash.stop('SIGKILL');
    const got = [];
    const back = http.createServer((req, res) => {
      let body = '';
      req.on('data', (x) => { body += x; });
      req.on('end', () => { got.push({ headers: req.headers, body }); res.end('ok'); });
    });
    await new Promise((res) => back.listen(port, '127.0.0.1', res));
    try {
      await crash.start();
      await waitFor(() => got.length >= 1, { timeout: 20000, what: 'the delivery after the restart' });
      await sleep(500);
      const ids = new Set(got.map((d) => d.headers['webhook-id']));
      assert.equal(ids.size, 1, 'one delivery id');
      const p = verified(hook.secret, got[0]);
      assert.equal(p.data.text, 'survives a crash');
    } finally {
      back.close();
    }
  } finally {
    await crash.cleanup();
  }
});

test('a graceful stop does not wait for a slow receiver; the delivery stays pending and goes out after', async () => {
  const slow = await new Server('webhooks-stop', { config: '[webhooks]\nallow_hosts = ["127.0.0.1"]\ntimeout_s = 300\n' }).start();
  let answer = false;
  const got = [];
  const recv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (x) => { body += x; });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      if (answer) res.end('ok'); // before the restart: never answers
    });
  });
  await new Promise((r) => recv.listen(0, '127.0.0.1', r));
  try {
    const token = slow.token('root', { role: 'admin' });
    const r = await fetch(`${slow.origin}/api/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${recv.address().port}/slow`, events: ['message.created'] }),
    });
    const hook = await r.json();
    const c = nodeClient(slow, slow.token('hal'));
    await c.ready;
    await sendAll(c, 'general', ['stop while sending me']);
    c.close();
    await waitFor(() => got.length === 1, { what: 'the attempt in flight' });
    // SIGTERM: the attempt is abandoned, not waited for (timeout_s is 300 s; the test's own
    // limit is far shorter), and the process exits cleanly.
    const exited = new Promise((res) => slow.proc.once('exit', (code, sig) => res({ code, sig })));
    slow.proc.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, sig: null });
    answer = true;
    await slow.start();
    await waitFor(() => got.length >= 2, { timeout: 20000, what: 'the delivery after the restart' });
    assert.equal(got[1].headers['webhook-id'], got[0].headers['webhook-id']);
    assert.equal(verified(hook.secret, got[1]).data.text, 'stop while sending me');
  } finally {
    recv.close();
    recv.closeAllConnections();
    await slow.cleanup();
  }
});
