// Email while away (DESIGN §10, PROTOCOL.md §3.7 and §9.10) against the real parleyd, with a
// real SMTP server on loopback (Debian's python3-aiosmtpd, server/smtp_sink.py) that parses
// every mail with Python's email package: one batched mail per user for DMs, mentions, answers,
// helpful marks and solutions that arrived while they had no session; nothing for a user who
// is online, nothing for what was read before the batch went; multipart text + HTML with links
// into the widget; List-Unsubscribe headers and the signed one-click unsubscribe; the digest;
// kill -9 between the event and the mail; STARTTLS; a refused plain relay reported by /readyz.
// Every wait is a bounded poll.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, waitFor, sleep } = require('../e2e/helpers');

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-aiosmtpd lives
const WIDGET = 'https://shop.example/support';

let tmp, sink, server;
const clients = [];

/** The SMTP sink: mails() reads what it received so far, oldest first. */
async function startSink(name, extra = []) {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const portFile = path.join(dir, 'port');
  const proc = spawn(PYTHON, [path.join(__dirname, 'smtp_sink.py'), dir, portFile, ...extra], { stdio: ['pipe', 'inherit', 'inherit'] });
  await waitFor(() => fs.existsSync(portFile), { timeout: 15000, what: `${name} SMTP sink` });
  const port = Number(fs.readFileSync(portFile, 'utf8'));
  const mails = () => fs.readdirSync(dir).filter((f) => /^\d+\.json$/.test(f))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  return {
    port, mails,
    to: (addr) => mails().filter((m) => m.rcpt_tos.includes(addr)),
    stop: () => { proc.stdin.end(); proc.kill('SIGTERM'); },
  };
}

function emailConfig(port, extra = '') {
  return `[email]
smtp_url = "smtp://127.0.0.1:${port}"
from = "Parley Help <help@example.com>"
batch_s = 2
digest_s = 3600
server_url = "http://parley.test"
widget_url = "${WIDGET}"
require_tls = false
${extra}
[advocacy]
threshold = 1
min_people_helped = 1
min_active_days = 1
[knowledge]
title = "Lamp Help"
`;
}

const addr = (user) => `${user}@example.com`;

function client(srv, user, { role = 'customer', email = addr(user) } = {}) {
  const name = user[0].toUpperCase() + user.slice(1);
  const c = nodeClient(srv, srv.token(user, { role, name, email }));
  clients.push(c);
  return c;
}

async function metric(srv, name) {
  const text = await (await fetch(`${srv.origin}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/** Connects `user` once (so the server records the token's address), then goes away. */
async function visit(srv, user, opts) {
  const c = client(srv, user, opts);
  const welcome = await c.ready;
  await away(srv, c);
  return welcome;
}

/** Closes `c` and waits until the server has let the connection go. */
async function away(srv, c) {
  const before = await metric(srv, 'parley_connections_open');
  c.close();
  await waitFor(async () => (await metric(srv, 'parley_connections_open')) < before, { what: 'the connection closed' });
}

const textPart = (m) => m.parts.find((p) => p.type === 'text/plain');
const htmlPart = (m) => m.parts.find((p) => p.type === 'text/html');

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-email-'));
  sink = await startSink('plain');
  server = await new Server('email', { config: emailConfig(sink.port) }).start();
});

after(async () => {
  for (const c of clients) c.close();
  if (server) await server.cleanup();
  if (sink) sink.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('DMs and a mention while away: one multipart mail with links, headers and a working unsubscribe', async () => {
  const welcome = await visit(server, 'bob');
  assert.equal(welcome.email, addr('bob'));
  const alice = client(server, 'alice');
  await alice.ready;
  await alice.join('general');
  alice.sendDm('bob', 'psst, Bob: the lamp question');
  alice.sendDm('bob', 'second <b>note</b> ünïcode');
  await sendAll(alice, 'general', ['hey @bob, are you there?']);
  await waitFor(() => sink.to(addr('bob')).length >= 1, { timeout: 20000, what: "bob's mail" });
  await sleep(2500); // a second mail would have come by now (batch_s = 2)
  const mails = sink.to(addr('bob'));
  assert.equal(mails.length, 1, 'one mail for the batch');
  const m = mails[0];
  assert.equal(m.mail_from, 'help@example.com');
  assert.deepEqual(m.rcpt_tos, [addr('bob')]);
  assert.equal(m.headers.from[0], 'Parley Help <help@example.com>');
  assert.equal(m.headers.to[0], addr('bob'));
  assert.equal(m.headers.subject[0], '3 new notifications while you were away (Lamp Help)');
  assert.match(m.headers['message-id'][0], /^<parley\.[0-9a-f]{24}@example\.com>$/);
  assert.ok(m.headers.date[0]);
  assert.equal(m.headers['auto-submitted'][0], 'auto-generated');
  const unsub = m.headers['list-unsubscribe'][0];
  assert.match(unsub, /^<http:\/\/parley\.test\/unsubscribe\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
  assert.equal(m.headers['list-unsubscribe-post'][0], 'List-Unsubscribe=One-Click');
  // multipart/alternative: text first, HTML last, both UTF-8.
  assert.deepEqual(m.parts.map((p) => p.type), ['text/plain', 'text/html']);
  assert.ok(m.raw.includes('multipart/alternative'));
  for (const p of m.parts) assert.equal(p.charset, 'utf-8');
  const text = textPart(m).body, html = htmlPart(m).body;
  assert.match(text, /^Hi Bob,/);
  assert.ok(text.includes('Alice sent you a direct message'));
  assert.ok(text.includes('"psst, Bob: the lamp question"'));
  assert.ok(text.includes('"second <b>note</b> ünïcode"'));
  assert.ok(text.includes('Alice mentioned you in #general'));
  assert.ok(text.includes(`${WIDGET}#parley=dm%3Aalice%3Abob/1`));
  assert.ok(text.includes(`${WIDGET}#parley=dm%3Aalice%3Abob/2`));
  assert.match(text, new RegExp(`${WIDGET.replace(/\./g, '\\.')}#parley=general/\\d+`));
  assert.ok(html.includes('second &lt;b&gt;note&lt;/b&gt; ünïcode'), 'HTML escaped');
  assert.ok(html.includes(`<a href="${WIDGET}#parley=dm%3Aalice%3Abob/1">`));
  assert.ok(text.includes(unsub.slice(1, -1)) && html.includes('Unsubscribe'));

  // The one-click unsubscribe: GET only asks, POST (RFC 8058's body) turns email off.
  const url = new URL(unsub.slice(1, -1));
  const local = `${server.origin}${url.pathname}${url.search}`;
  const page = await fetch(local);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(await page.text(), /<form method="post"/);
  let again = client(server, 'bob');
  assert.equal((await again.ready) && again.preferences.email, 'batched', 'a GET changed nothing');
  await away(server, again);
  const post = await fetch(local, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  assert.equal(post.status, 200);
  assert.match(await post.text(), /no more email/);
  again = client(server, 'bob');
  await again.ready;
  assert.equal(again.preferences.email, 'off');
  await away(server, again);
  alice.sendDm('bob', 'after unsubscribing');
  await sleep(3500);
  assert.equal(sink.to(addr('bob')).length, 1, 'no mail after unsubscribing');
  // A token that is not ours, or tampered with.
  const bad = await fetch(`${server.origin}/unsubscribe?token=${url.searchParams.get('token').replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}`, { method: 'POST' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: { code: 'bad_request', message: 'invalid unsubscribe token' } });
  assert.equal((await fetch(`${server.origin}/unsubscribe`, { method: 'DELETE' })).status, 405);
  assert.ok((await metric(server, 'parley_email_sent_total')) >= 1);
  assert.equal(await metric(server, 'parley_email_unsubscribed_total'), 1);
});

test('online users get no mail; a read before the batch goes cancels it', async () => {
  const carol = client(server, 'carol');
  await carol.ready;
  const dave = client(server, 'dave');
  await dave.ready;
  dave.sendDm('carol', 'you are online, no mail');
  await waitFor(() => carol.messages.some((m) => m.text === 'you are online, no mail'), { what: 'the DM' });
  await away(server, carol);
  const cancelledBefore = await metric(server, 'parley_email_cancelled_total');
  dave.sendDm('carol', 'read this before the mail goes');
  await waitFor(async () => (await metric(server, 'parley_email_notifications_pending')) >= 1, { what: 'a notification queued' });
  // Carol reads it from another device before batch_s is over.
  const phone = client(server, 'carol');
  await phone.ready;
  const list = await phone.listChannels();
  const dm = list.channels.find((c) => c.name === 'dm:carol:dave');
  await phone.read('dm:carol:dave', dm.last_seq);
  await away(server, phone);
  await waitFor(async () => (await metric(server, 'parley_email_cancelled_total')) > cancelledBefore, { timeout: 15000, what: 'the notification cancelled' });
  assert.equal(sink.to(addr('carol')).length, 0, 'carol got no mail');
});

test('an answer, a helpful mark and a solution reach the people away', async () => {
  const erin = client(server, 'erin');
  await erin.ready;
  await erin.join('help');
  await sendAll(erin, 'help', ['My lamp blinks red twice, what does it mean?']);
  const question = erin.messages.find((m) => m.text.startsWith('My lamp blinks')).seq;
  await away(server, erin);
  const frank = client(server, 'frank');
  await frank.ready;
  await frank.join('help');
  frank.send('help', 'Two red blinks: the battery is low.', { reply_to: question });
  await waitFor(() => sink.to(addr('erin')).length === 1, { timeout: 20000, what: "erin's mail" });
  const toErin = sink.to(addr('erin'))[0];
  assert.equal(toErin.headers.subject[0], 'Frank answered your question in #help (Lamp Help)');
  assert.ok(textPart(toErin).body.includes('"Two red blinks: the battery is low."'));
  const answer = frank.messages.find((m) => m.text.startsWith('Two red blinks')).seq;
  assert.ok(textPart(toErin).body.includes(`${WIDGET}#parley=help/${answer}`));
  await away(server, frank);

  // Erin comes back, marks the answer helpful and accepts it while Frank is away.
  const back = client(server, 'erin');
  await back.ready;
  await back.join('help');
  await back.request({ op: 'helpful', channel: 'help', seq: answer });
  await back.request({ op: 'solve', channel: 'help', seq: answer });
  await waitFor(() => sink.to(addr('frank')).length === 1, { timeout: 20000, what: "frank's mail" });
  const toFrank = sink.to(addr('frank'))[0];
  assert.ok(textPart(toFrank).body.includes('Erin marked your answer as helpful in #help'), textPart(toFrank).body);
  // The solution is news for the asker only, who accepted it herself: no mail for that.
  await sleep(2500);
  assert.equal(sink.to(addr('erin')).length, 1);
  await away(server, back);
});

test('staff accept an answer: the asker, away, hears of it', async () => {
  const paul = client(server, 'paul');
  await paul.ready;
  await paul.join('help');
  await sendAll(paul, 'help', ['How do I reset the lamp?']);
  const q = paul.messages.find((m) => m.text === 'How do I reset the lamp?').seq;
  await away(server, paul);
  const quinn = client(server, 'quinn');
  await quinn.ready;
  await quinn.join('help');
  quinn.send('help', 'Hold the button for ten seconds.', { reply_to: q });
  await waitFor(() => quinn.messages.some((m) => m.text === 'Hold the button for ten seconds.' && m.seq), { what: 'the answer' });
  const answer = quinn.messages.find((m) => m.text === 'Hold the button for ten seconds.').seq;
  // The answer's mail goes first (batch_s = 2); the acceptance comes in the next batch.
  await waitFor(() => sink.to(addr('paul')).length === 1, { timeout: 20000, what: 'the answer mail' });
  const staff = client(server, 'sam', { role: 'staff' });
  await staff.ready;
  await staff.join('help');
  await staff.request({ op: 'solve', channel: 'help', seq: answer });
  await waitFor(() => sink.to(addr('paul')).length === 2, { timeout: 20000, what: 'the solution mail' });
  const m = sink.to(addr('paul'))[1];
  assert.equal(m.headers.subject[0], 'Sam accepted an answer to your question in #help (Lamp Help)');
  assert.ok(textPart(m).body.includes('"Hold the button for ten seconds."'));
  assert.ok(textPart(m).body.includes(`${WIDGET}#parley=help/${answer}`));
  await away(server, quinn);
  await away(server, staff);
});

test('digest: at most one mail per digest_s', async () => {
  await visit(server, 'gina');
  const g = client(server, 'gina');
  await g.ready;
  const prefs = await g.request({ op: 'set_preferences', email: 'digest' });
  assert.deepEqual(prefs, { op: 'ok', id: prefs.id, kb_anonymous: false, email: 'digest' });
  await away(server, g);
  const hank = client(server, 'hank');
  await hank.ready;
  hank.sendDm('gina', 'first of the day');
  await waitFor(() => sink.to(addr('gina')).length === 1, { timeout: 20000, what: 'the first digest' });
  hank.sendDm('gina', 'second of the day');
  await waitFor(async () => (await metric(server, 'parley_email_notifications_pending')) >= 1, { what: 'queued' });
  await sleep(4000); // two batch periods: a batched user would have had it
  assert.equal(sink.to(addr('gina')).length, 1, 'the next mail waits for the next day');
  await away(server, hank);
});

test('bad preferences and addresses are refused', async () => {
  const ivy = client(server, 'ivy');
  await ivy.ready;
  await assert.rejects(ivy.request({ op: 'set_preferences', email: 'weekly' }),
    (e) => e.code === 'bad_request' && e.message === '"email" must be "off", "batched" or "digest"');
  await assert.rejects(ivy.request({ op: 'set_preferences' }),
    (e) => e.code === 'bad_request' && e.message === '"kb_anonymous" or "email" is required');
  await assert.rejects(ivy.request({ op: 'set_preferences', email: true }), (e) => e.code === 'bad_request');
  const kb = await ivy.request({ op: 'set_preferences', kb_anonymous: true });
  assert.equal(kb.email, 'batched', 'the other preference is reported as stored');
  assert.throws(() => execFileSync(process.env.PARLEYD, ['token', '--data-dir', server.dataDir, '--user', 'x', '--email', 'not an address'], { stdio: 'pipe' }),
    (e) => e.status === 2 && /--email must be an address/.test(String(e.stderr)));
  await away(server, ivy);
});

test('kill -9 after the event: the mail still goes, once', async () => {
  await visit(server, 'jack');
  const kim = client(server, 'kim');
  await kim.ready;
  kim.sendDm('jack', 'survives a crash');
  await waitFor(() => kim.messages.some((m) => m.text === 'survives a crash' && m.seq), { what: 'the ack' });
  await server.stop('SIGKILL');
  kim.close();
  await server.start();
  await waitFor(() => sink.to(addr('jack')).length === 1, { timeout: 20000, what: "jack's mail after the restart" });
  await sleep(3000);
  assert.equal(sink.to(addr('jack')).length, 1, 'exactly once');
  assert.ok(textPart(sink.to(addr('jack'))[0]).body.includes('"survives a crash"'));
});

test('STARTTLS with a verified certificate; a relay without it is refused and /readyz says so', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'tls-'));
  const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'pipe' });
  const tlsSink = await startSink('tls', ['--starttls', cert, key]);
  const secure = await new Server('email-tls', {
    config: emailConfig(tlsSink.port, `ca_file = "${cert}"`).replace('require_tls = false', 'require_tls = true'),
  }).start();
  // require_tls (the default) against the plain relay: every attempt fails.
  const strict = await new Server('email-strict', {
    config: emailConfig(sink.port, 'timeout_s = 1').replace('require_tls = false\n', ''),
  }).start();
  try {
    await visit(secure, 'lena');
    const mo = client(secure, 'mo');
    await mo.ready;
    mo.sendDm('lena', 'over TLS');
    await waitFor(() => tlsSink.to(addr('lena')).length === 1, { timeout: 20000, what: 'the mail over STARTTLS' });
    assert.equal(tlsSink.to(addr('lena'))[0].tls, true);
    await away(secure, mo);

    await visit(strict, 'nina');
    const olga = client(strict, 'olga');
    await olga.ready;
    olga.sendDm('nina', 'not in the clear');
    // Due after 2 s, then overdue by more than 4 × timeout_s: /readyz reports it.
    await waitFor(async () => (await fetch(`${strict.origin}/readyz`)).status === 503, { timeout: 30000, what: '/readyz 503' });
    const ready = await (await fetch(`${strict.origin}/readyz`)).json();
    assert.equal(ready.status, 'not_ready');
    assert.ok(ready.problems.some((p) => /^email outbox stuck: a mail is \d+ s overdue \(\d+ failed attempts\)$/.test(p)), JSON.stringify(ready));
    assert.equal(sink.to(addr('nina')).length, 0, 'nothing sent without TLS');
    await away(strict, olga);
  } finally {
    await secure.cleanup();
    await strict.cleanup();
    tlsSink.stop();
  }
});
