// The bot SDK (clients/bot-js, ESM, over the `ws` package) against the real parleyd: a bot built
// with it answers a customer's message in the thread and a slash command; it resumes across a
// graceful and a crashed restart and across posts made while it was away, seeing every seq of
// its channels exactly once, in order (PROTOCOL.md §8), DMs included; it starts a channel over
// when the store was reset (a new epoch); a send whose ack was lost is retried after the
// reconnect with the same client_msg_id and stored once; revoking the bot (DELETE /api/bots/ID)
// is fatal: an error, no reconnect. Every wait is a bounded poll.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { REPO, Server, rawClient, waitFor, sleep } = require('../e2e/helpers');

const SDK = path.join(REPO, 'clients/bot-js/index.js');

/** @type {import('../../../clients/bot-js/index.js')} */
let sdk;
let server;
const bots = [];
const conns = [];
const logs = [];

/** A raw customer connection (helpers' rawClient), closed after the tests. */
async function connect(srv, token) {
  const conn = await rawClient(srv, token);
  conns.push(conn);
  return conn;
}

/** A bot of the SDK on `srv`, logging into `logs`; every event it emits is recorded in bot.events. */
function newBot(srv, token, opts = {}) {
  const log = (level) => (...a) => logs.push(`[${level}] ${a.join(' ')}`);
  const bot = new sdk.ParleyBot({
    url: `ws://127.0.0.1:${srv.port}/ws`, token,
    logger: { debug() {}, info() {}, warn: log('warn'), error: log('error') },
    ...opts,
  });
  bot.events = [];
  for (const type of ['connected', 'disconnected', 'reconnecting', 'error', 'fatal', 'reset']) {
    bot.on(type, (v) => bot.events.push({ type, value: v }));
  }
  bots.push(bot);
  return bot;
}

const only = (bot, type) => bot.events.filter((e) => e.type === type).map((e) => e.value);

/** `promise`, or a failure after `ms`. */
function within(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms); }),
  ]);
}

before(async () => {
  sdk = await import(SDK);
  server = await new Server('bot-sdk').start();
});

after(async () => {
  for (const b of bots) await b.stop({ drainMs: 0 }).catch(() => {});
  for (const c of conns) c.close();
  if (server) await server.cleanup();
  if (logs.length) fs.writeFileSync(path.join(__dirname, '..', 'artifacts', 'bot-sdk-bot.log'), logs.join('\n') + '\n');
});

test('a bot answers a customer in the thread (reply_to), a slash command (reply_command) and a button', async () => {
  const bot = newBot(server, await server.createBot('greeter', 'Greeter'), { channels: ['help'] });
  const seen = [];
  bot.onMessage(async (msg, ctx) => {
    seen.push(msg);
    if (/hello/i.test(msg.text)) await ctx.reply(`Hi ${msg.from.name}! Was this about billing?`, { actions: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }] });
  });
  bot.onCommand('ping', (cmd, ctx) => ctx.reply(`pong: ${cmd.args}`));
  bot.onAction((a, ctx) => ctx.reply(`${a.from.name} says ${a.action_id}`));
  await bot.start();
  assert.equal(bot.state, 'open');
  assert.deepEqual([bot.user.id, bot.user.name, bot.user.role], ['greeter', 'Greeter', 'bot']);
  assert.deepEqual(await bot.registerCommands([{ name: 'ping', description: 'Is the bot there?', usage: '<anything>' }]), { registered: 1 });

  const ann = await connect(server, server.token('ann', { name: 'Ann' }));
  await ann.request({ op: 'join', channel: 'help' });
  const q = await ann.request({ op: 'send', channel: 'help', text: 'Hello, can someone help me?', client_msg_id: 'ann-1' });
  assert.equal(q.op, 'ok', JSON.stringify(q));

  // The message reply: in Ann's thread, from the bot, with its buttons.
  const answer = await waitFor(() => ann.got.find((m) => m.op === 'message' && m.from.id === 'greeter'), { what: "the bot's answer" });
  assert.equal(answer.reply_to, q.seq);
  assert.equal(answer.text, 'Hi Ann! Was this about billing?');
  assert.equal(answer.from.role, 'bot');
  assert.deepEqual(answer.actions, [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }]);
  assert.deepEqual(seen.map((m) => [m.seq, m.text]), [[q.seq, 'Hello, can someone help me?']], 'its own message is not handed to onMessage');

  // The slash command: only Ann gets the reply.
  const ran = await ann.request({ op: 'command', channel: 'help', name: 'ping', args: 'are you there' });
  assert.equal(ran.op, 'ok', JSON.stringify(ran));
  const reply = await waitFor(() => ann.got.find((m) => m.op === 'command_reply'), { what: 'the command reply' });
  assert.deepEqual(reply, { op: 'command_reply', command_id: ran.command_id, channel: 'help', text: 'pong: are you there',
    from: { id: 'greeter', name: 'Greeter', role: 'bot' } });

  // A click on a button: onAction answers under the bot's message.
  await ann.request({ op: 'action', channel: 'help', seq: answer.seq, action_id: 'yes' });
  const clicked = await waitFor(() => ann.got.find((m) => m.op === 'message' && m.text === 'Ann says yes'), { what: 'the answer to the click' });
  assert.equal(clicked.reply_to, answer.seq);

  // The other ops resolve with the server's ok, or reject with its error.
  assert.deepEqual(await bot.react('help', q.seq, '👍'), { channel: 'help', seq: q.seq, emoji: '👍', count: 1 });
  await waitFor(() => ann.got.find((m) => m.op === 'reaction' && m.seq === q.seq), { what: 'the reaction event' });
  // A bot may solve with its own message only after the asker clicked one of its buttons.
  await assert.rejects(bot.markSolved('help', clicked.seq), (e) => e instanceof sdk.ParleyError && e.code === 'forbidden'
    && e.message === 'the asker has not clicked a button on this message' && e.op === 'solve');
  assert.deepEqual(await bot.markSolved('help', answer.seq), { channel: 'help', question_seq: q.seq, seq: answer.seq });
  await assert.rejects(bot.send('nope', 'x'), (e) => e.code === 'not_found' && e.message === 'unknown channel "nope"');
  const found = await waitFor(async () => {
    const r = await bot.search('hello', { channel: 'help' });
    return r.results.length > 0 && r;
  }, { timeout: 10000, interval: 300, what: 'the question in the search index' });
  assert.equal(found.results[0].seq, q.seq);
  const sent = await bot.send('help', 'One more thing', { replyTo: q.seq });
  assert.match(sent.client_msg_id, /^bot-[0-9a-f-]{36}$/);
  const stored = await ann.request({ op: 'history', channel: 'help', limit: 100 });
  assert.equal(stored.messages.find((m) => m.seq === sent.seq).reply_to, q.seq);
  assert.deepEqual(only(bot, 'error'), []);
  await bot.stop();
  assert.equal(bot.state, 'stopped');
  await assert.rejects(bot.send('help', 'after stop'), (e) => e.code === 'stopped');
});

test('resume across a graceful and a crashed restart: every seq once, in order, including what was posted (and edited) while the bot was away', async () => {
  // The first reconnect waits 3-6 s: long enough for the server to come back and for posts to
  // be made before the bot is back, even on a busy machine.
  const bot = newBot(server, await server.createBot('watcher', 'Watcher'), { channels: ['general'], backoff: { base: 6000, max: 6000 } });
  const seen = [];
  bot.onMessage((m) => { seen.push(m); });
  const edits = [];
  bot.on('edited', (e) => edits.push(e));
  await bot.start();
  const posted = []; // {seq, text} of general, in order
  const dms = [];
  let cy = await connect(server, server.token('cy', { name: 'Cy' }));
  const post = async (text) => {
    const r = await cy.request({ op: 'send', channel: 'general', text, client_msg_id: `cy-${text.replace(/\W/g, '-')}` });
    assert.equal(r.op, 'ok', JSON.stringify(r));
    posted.push({ seq: r.seq, text });
  };
  const caughtUp = (what) => waitFor(() => seen.filter((m) => m.channel === 'general').length >= posted.length
    && dms.every((t) => seen.some((m) => m.text === t)), { timeout: 20000, what });
  for (let i = 1; i <= 5; i++) await post(`before ${i}`);
  await caughtUp('the first five messages');

  for (const signal of ['SIGTERM', 'SIGKILL']) {
    const welcomes = bot.stats.welcomes;
    const down = Date.now();
    cy.close();
    await server.stop(signal);
    await waitFor(() => bot.state !== 'open', { what: `the bot sees the ${signal} drop` });
    await server.start();
    cy = await connect(server, server.token('cy', { name: 'Cy' }));
    for (let i = 1; i <= 3; i++) await post(`${signal}: while the bot is away ${i}`);
    // An older message edited meanwhile: the rejoin's changes_since brings the edit back.
    assert.equal((await cy.request({ op: 'edit', channel: 'general', seq: posted[0].seq, text: `edited during ${signal}` })).op, 'ok');
    // A new DM conversation started while the bot is away: found with `channels` on its return.
    const dee = await connect(server, server.token(`dee-${signal}`, { name: 'Dee' }));
    const dmText = `${signal}: a DM while the bot is away`;
    const dm = await dee.request({ op: 'dm', to: 'watcher', text: dmText, client_msg_id: `dee-${signal}` });
    assert.equal(dm.op, 'ok', JSON.stringify(dm));
    dms.push(dmText);
    assert.equal(bot.stats.welcomes, welcomes, `posted while the bot was away (${Date.now() - down} ms after the drop)`);
    await waitFor(() => bot.stats.welcomes > welcomes, { timeout: 15000, what: `the bot back after ${signal}` });
    for (let i = 1; i <= 2; i++) await post(`${signal}: after the bot is back ${i}`);
    await dee.request({ op: 'dm', to: 'watcher', text: `${signal}: a live DM`, client_msg_id: `dee-${signal}-2` });
    dms.push(`${signal}: a live DM`);
    await caughtUp(`everything after the ${signal} restart`);
    await waitFor(() => edits.some((e) => e.text === `edited during ${signal}`), { timeout: 20000, what: `the edit made during the ${signal} restart` });
  }
  await sleep(500); // nothing late, nothing twice
  const general = seen.filter((m) => m.channel === 'general');
  assert.deepEqual(general.map((m) => m.seq), posted.map((p, i) => i + 1), 'every seq of general once, in order, no gap');
  assert.deepEqual(general.map((m) => [m.seq, m.text]), posted.map((p) => [p.seq, p.text]));
  const seenDms = seen.filter((m) => m.channel.startsWith('dm:'));
  assert.deepEqual(seenDms.map((m) => m.text), dms, 'each DM once');
  assert.equal(only(bot, 'disconnected').length, 2);
  assert.equal(only(bot, 'disconnected')[0].code, 1012, 'SIGTERM: close 1012');
  assert.equal(only(bot, 'disconnected')[1].code, 1006, 'SIGKILL: no close frame');
  assert.deepEqual(only(bot, 'connected').map((c) => c.resumed), [false, true, true]);
  assert.deepEqual(only(bot, 'reset'), []);
  assert.deepEqual(edits.map((e) => [e.seq, e.text]), [[1, 'edited during SIGTERM'], [1, 'edited during SIGKILL']], 'each edit once');
  assert.ok(edits[1].change > edits[0].change);
  assert.equal(bot.stats.gapFills, 0, 'the joins with since replayed what was missed (no history fallback needed)');
  assert.deepEqual(only(bot, 'error'), []);
  await bot.stop();
});

test('a reset store (new epoch): the bot starts the channel over and sees the new seq 1, 2, 3 once each', async () => {
  const own = await new Server('bot-sdk-reset').start();
  try {
    // A token minted with the server's secret (no bot record), so it survives the wiped store.
    const bot = newBot(own, own.token('phoenix', { role: 'bot', name: 'Phoenix' }), { channels: ['general'], backoff: { base: 3000, max: 3000 } });
    const seen = [];
    bot.onMessage((m) => { seen.push(m); });
    await bot.start();
    const first = (await bot.join('general')).epoch;
    let cy = await connect(own, own.token('cy'));
    const post = async (text) => {
      const r = await cy.request({ op: 'send', channel: 'general', text, client_msg_id: `r-${text.replace(/\W/g, '-')}` });
      assert.equal(r.op, 'ok', JSON.stringify(r));
      return r.seq;
    };
    for (const t of ['old 1', 'old 2', 'old 3', 'old 4']) await post(t);
    await waitFor(() => seen.length === 4, { what: 'the old messages' });
    cy.close();
    await own.stop('SIGTERM');
    for (const d of ['db', 'search']) fs.rmSync(path.join(own.dataDir, d), { recursive: true, force: true });
    await own.start();
    cy = await connect(own, own.token('cy'));
    assert.equal(await post('new 1'), 1);
    assert.equal(await post('new 2'), 2);
    await waitFor(() => only(bot, 'reset').length === 1, { timeout: 15000, what: 'the reset' });
    assert.equal(await post('new 3'), 3); // seq 3 again, but a new message: not a duplicate
    await waitFor(() => seen.length === 7, { what: 'the new messages' });
    await sleep(300);
    assert.deepEqual(seen.map((m) => [m.seq, m.text]), [[1, 'old 1'], [2, 'old 2'], [3, 'old 3'], [4, 'old 4'], [1, 'new 1'], [2, 'new 2'], [3, 'new 3']]);
    const [reset] = only(bot, 'reset');
    assert.equal(reset.channel, 'general');
    assert.equal(reset.previousEpoch, first);
    assert.notEqual(reset.epoch, first);
    assert.equal(bot.stats.gapFills, 0);
    assert.deepEqual(only(bot, 'error'), []);
    await bot.stop();
  } finally {
    await own.cleanup();
  }
});

test('a send whose ack was lost is sent again after the reconnect with the same client_msg_id, and stored once', async () => {
  const WebSocket = require('ws');
  const target = 'Stored exactly once, although sent twice';
  const sent = [];
  let dropped = 0;
  let twice = false;
  // The bot's WebSocket, losing the frame that carries the ack of `target` and the connection
  // with it (as a network failure right after the server stored the message would); while
  // `twice`, it hands every frame of `message` pushes to the SDK two times.
  class LossyWebSocket extends WebSocket {
    send(data, ...rest) {
      sent.push(JSON.parse(String(data)));
      return super.send(data, ...rest);
    }
    emit(event, ...args) {
      if (event === 'message' && dropped === 0) {
        const objs = String(args[0]).split('\n').map((l) => JSON.parse(l));
        if (objs.some((o) => o.op === 'ok' && sent.some((f) => f.op === 'send' && f.id === o.id && f.text === target))) {
          dropped++;
          this.terminate();
          return true;
        }
      }
      if (event === 'message' && twice && String(args[0]).split('\n').every((l) => JSON.parse(l).op === 'message')) {
        super.emit(event, ...args);
      }
      return super.emit(event, ...args);
    }
  }
  const bot = newBot(server, await server.createBot('sender', 'Sender'), { channels: ['help'], backoff: { base: 300, max: 1000 }, WebSocket: LossyWebSocket });
  const seen = [];
  bot.onMessage((m) => { seen.push(m.seq); });
  await bot.start();
  const ack = await within(bot.send('help', target), 20000, 'the send to resolve');
  assert.equal(dropped, 1, 'the first ack was lost');
  assert.equal(bot.stats.welcomes, 2, 'resolved on the second connection');
  const attempts = sent.filter((f) => f.op === 'send' && f.text === target);
  assert.equal(attempts.length, 2);
  assert.equal(attempts[0].client_msg_id, attempts[1].client_msg_id);
  assert.notEqual(attempts[0].id, attempts[1].id);
  assert.equal(attempts[0].client_msg_id, ack.client_msg_id);

  const eve = await connect(server, server.token('eve'));
  const history = async () => (await eve.request({ op: 'history', channel: 'help', limit: 100 })).messages;
  const copies = (await history()).filter((m) => m.text === target);
  assert.deepEqual(copies.map((m) => m.seq), [ack.seq], 'stored once, at the acked seq');

  // A send made while the server is down waits for it and is stored once as well.
  await server.stop('SIGKILL');
  await waitFor(() => bot.state !== 'open', { what: 'the drop' });
  const pending = bot.send('help', 'Sent while the server was down');
  await sleep(300);
  await server.start();
  const late = await within(pending, 20000, 'the queued send');
  const eve2 = await connect(server, server.token('eve'));
  const all = (await eve2.request({ op: 'history', channel: 'help', limit: 100 })).messages;
  assert.deepEqual(all.filter((m) => m.text === 'Sent while the server was down').map((m) => m.seq), [late.seq]);
  assert.deepEqual(all.filter((m) => m.text === target).map((m) => m.seq), [ack.seq]);

  // Frames delivered twice: each message is handed to onMessage once (dedupe by channel and seq).
  twice = true;
  const duplicates = bot.stats.duplicates;
  const seqs = [];
  for (let i = 1; i <= 3; i++) {
    const r = await eve2.request({ op: 'send', channel: 'help', text: `twice ${i}`, client_msg_id: `eve-twice-${i}` });
    seqs.push(r.seq);
  }
  await waitFor(() => seqs.every((q) => seen.includes(q)) && bot.stats.duplicates >= duplicates + 3, { what: 'the doubled frames' });
  await sleep(200);
  assert.deepEqual(seen.filter((q) => seqs.includes(q)), seqs, 'each once, in order');
  assert.equal(new Set(seen).size, seen.length, 'no seq twice');
  await bot.stop();
});

test('revoking the bot is fatal: an error and a fatal event, no reconnect; its token then fails start()', async () => {
  const token = await server.createBot('doomed', 'Doomed');
  const bot = newBot(server, token, { channels: ['help'], backoff: { base: 200, max: 400 } });
  await bot.start();
  const admin = server.token('root', { role: 'admin' });
  const res = await fetch(`${server.origin}/api/bots/doomed`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } });
  assert.equal(res.status, 200);
  const [fatal] = await waitFor(() => only(bot, 'fatal').length && only(bot, 'fatal'), { what: 'the fatal event' });
  assert.ok(fatal instanceof sdk.ParleyError);
  assert.deepEqual([fatal.code, fatal.message, fatal.closeCode], ['unauthorized', 'token revoked', 4401]);
  assert.ok(only(bot, 'error').includes(fatal), 'reported as an error too');
  assert.equal(bot.state, 'failed');
  const connects = bot.stats.connects;
  await sleep(1500); // several backoff periods
  assert.equal(bot.stats.connects, connects, 'no reconnect');
  assert.equal(only(bot, 'reconnecting').length, 0);
  await assert.rejects(bot.send('help', 'still there?'), (e) => e === fatal);

  // The same token later: start() rejects, and the bot does not retry.
  const again = newBot(server, token, { channels: ['help'], backoff: { base: 200, max: 400 } });
  await assert.rejects(again.start(), (e) => e.code === 'unauthorized' && e.message === 'invalid token: revoked' && e.closeCode === 4401);
  assert.equal(again.state, 'failed');
  await sleep(1000);
  assert.equal(again.stats.connects, 1);
});
