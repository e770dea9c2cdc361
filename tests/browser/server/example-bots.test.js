// The example bots of clients/bots (welcome, faq, escalate), black-box: each runs as a child
// process through the one command, `sh clients/bots/run.sh NAME CONFIG.json`, with PARLEY_URL and
// PARLEY_BOT_TOKEN (a bot created with POST /api/bots), against one real parleyd; customers and
// staff are raw WebSocket connections. welcome greets a customer's first message in a support
// channel, once, across restarts (its state file), and not someone who had posted before it
// started; faq answers a question that matches a solved thread with its knowledge page and two
// buttons, solves the question for the asker crediting the thread's answerer once, leaves it open
// on "Not it", and never answers staff, a poor match, or twice in a thread; escalate pings the
// advocates online, then staff, and not for answered or solved questions, also after a restart,
// and exits 1 when its token is revoked; bad configs and a missing token exit 2. Every wait is a
// bounded poll.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { REPO, ARTIFACTS, Server, rawClient, waitFor, sleep } = require('../e2e/helpers');

const RUN = path.join(REPO, 'clients/bots/run.sh');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-example-bots-'));
let server;
let sam; // staff: creates channels, flags advocates, watches
const conns = [];
const procs = [];
let n = 0;
let runs = 0;

async function connect(user, opts = {}) {
  const c = await rawClient(server, server.token(user, { name: user[0].toUpperCase() + user.slice(1), ...opts }));
  conns.push(c);
  return c;
}

/** Sends `text` in `channel` (a reply when `replyTo`); resolves with the ok. */
async function say(conn, channel, text, replyTo) {
  const frame = { op: 'send', channel, text, client_msg_id: `t-${++n}-${Date.now()}` };
  if (replyTo != null) frame.reply_to = replyTo;
  const r = await conn.request(frame);
  assert.equal(r.op, 'ok', JSON.stringify(r));
  return r;
}

/** The messages `conn` received from user `from` in `channel` (optionally replying to `replyTo`). */
const msgs = (conn, from, channel, replyTo) => conn.got.filter((m) => m.op === 'message' && m.from.id === from
  && m.channel === channel && (replyTo === undefined || m.reply_to === replyTo));

/** Runs `sh clients/bots/run.sh NAME CONFIG` (config written to a file unless a path is given). */
function runBot(name, config, env = {}) {
  let file = config;
  if (config && typeof config === 'object') {
    file = path.join(tmp, `${name}-${++n}.json`);
    fs.writeFileSync(file, JSON.stringify(config));
  }
  const p = spawn('sh', [RUN, name, ...(file ? [file] : [])], {
    env: { ...process.env, PARLEY_URL: server ? `ws://127.0.0.1:${server.port}/ws` : 'ws://127.0.0.1:9/ws', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  p.out = '';
  p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err += d; });
  p.exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  p.label = `${++runs} ${name} ${file || ''}`;
  procs.push(p);
  return p;
}

/** A bot process that logged "started as …". */
async function startBot(name, config, token) {
  const p = runBot(name, config, { PARLEY_BOT_TOKEN: token });
  let gone = null;
  p.exited.then((e) => { gone = e; });
  await waitFor(() => {
    if (gone) throw new Error(`${name} exited ${JSON.stringify(gone)}: ${p.err}`);
    return /started as /.test(p.out);
  }, { timeout: 60000, what: `${name} to start` });
  return p;
}

/** SIGTERM, and the exit (bounded). */
async function stopBot(p) {
  if (p.exitCode == null && p.signalCode == null) p.kill('SIGTERM');
  let t;
  const r = await Promise.race([p.exited, new Promise((resolve) => { t = setTimeout(() => resolve(null), 10000); })]);
  clearTimeout(t);
  if (!r) { p.kill('SIGKILL'); throw new Error(`${p.label} did not stop on SIGTERM`); }
  return r;
}

/** Usage and config errors: exit status 2, one line naming the problem. */
async function expectExit2(name, config, env, pattern) {
  const p = runBot(name, config, env);
  let t;
  const r = await Promise.race([p.exited, new Promise((resolve) => { t = setTimeout(() => resolve(null), 60000); })]);
  clearTimeout(t);
  if (!r) p.kill('SIGKILL');
  assert.deepEqual(r, { code: 2, signal: null }, `${name} ${JSON.stringify(config)}: ${p.err}`);
  assert.match(p.err, pattern);
}

before(async () => {
  server = await new Server('example-bots').start();
  sam = await connect('sam', { role: 'staff' });
  for (const [channel, kind] of [['intro', 'support'], ['desk', 'support'], ['lounge', 'chat']]) {
    const r = await sam.request({ op: 'create_channel', channel, kind });
    assert.equal(r.op, 'ok', JSON.stringify(r));
  }
});

after(async () => {
  for (const p of procs) await stopBot(p).catch(() => {});
  for (const c of conns) c.close();
  fs.writeFileSync(path.join(ARTIFACTS, 'example-bots-bots.log'),
    procs.map((p) => `==== ${p.label}\n${p.out}${p.err}`).join('\n'));
  if (server) await server.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('bad usage, a bad config or no token: exit 2 with a message naming the problem', async () => {
  const token = { PARLEY_BOT_TOKEN: 'x' };
  await expectExit2('nope', null, token, /unknown bot "nope"[\s\S]*usage: clients\/bots\/run\.sh welcome\|faq\|escalate/);
  await expectExit2('welcome', null, { PARLEY_BOT_TOKEN: '' }, /PARLEY_BOT_TOKEN is not set/);
  await expectExit2('faq', null, { PARLEY_BOT_TOKEN: '' }, /PARLEY_BOT_TOKEN is not set/);
  await expectExit2('welcome', { channels: { help: 5 } }, token, /^welcome: config: "channels\.help" must be a non-empty string/);
  await expectExit2('welcome', { state_file: 'w.json', chanels: {} }, token, /unknown key "chanels"/);
  await expectExit2('faq', { threshold: 'high' }, token, /^faq: config: "threshold" must be an integer from 0 to 100 \(got "high"\)/);
  await expectExit2('faq', { channels: 'help' }, token, /"channels" must be an array/);
  await expectExit2('escalate', { advocates_after_s: 20, staff_after_s: 10 }, token, /"staff_after_s" must be greater than "advocates_after_s"/);
  await expectExit2('escalate', { staff: ['sam', 7] }, token, /"staff" \[1\] must be a user id/);
  const bad = path.join(tmp, 'bad.json');
  fs.writeFileSync(bad, '{"channels": [');
  await expectExit2('escalate', bad, token, /is not valid JSON/);
  await expectExit2('escalate', path.join(tmp, 'missing.json'), token, /cannot read the config file .*missing\.json: ENOENT/);
});

test('the SDK emits `joined` with the join ok (kind, online) after every join', async () => {
  const { ParleyBot } = await import(path.join(REPO, 'clients/bot-js/index.js'));
  const bot = new ParleyBot({ url: `ws://127.0.0.1:${server.port}/ws`, token: server.token('probe', { role: 'bot' }), channels: ['intro'], logger: {} });
  const joined = [];
  bot.on('joined', (ok) => joined.push(ok));
  try {
    await bot.start();
    await bot.join('lounge');
    assert.deepEqual(joined.map((j) => [j.channel, j.kind]), [['intro', 'support'], ['lounge', 'chat']]);
    assert.equal(joined[0].op, undefined);
    assert.ok(joined[0].online.some((u) => u.id === 'probe'), JSON.stringify(joined[0].online));
  } finally {
    await bot.stop({ drainMs: 0 });
  }
});

test('welcome: a first message is greeted in its thread, once, across restarts; staff and earlier posters are not', async () => {
  const GUIDE = 'Please tell us your model and firmware version; be kind.';
  const config = { channels: { intro: GUIDE, lounge: 'not a support channel' }, state_file: path.join(tmp, 'welcome-state.json') };
  const token = await server.createBot('welcomebot', 'Welcome Bot');
  await sam.request({ op: 'join', channel: 'intro' });
  await sam.request({ op: 'join', channel: 'lounge' });

  // Olga posted before the bot started: once search finds it, she is not greeted later.
  const olga = await connect('olga');
  const early = await say(olga, 'intro', 'Is the Arc lamp dimmable?');
  await waitFor(async () => (await olga.request({ op: 'search', query: 'from:olga in:intro' })).results?.some((r) => r.seq === early.seq),
    { timeout: 10000, interval: 200, what: "Olga's message in the index" });

  let bot = await startBot('welcome', config, token);
  const ann = await connect('ann');
  const q1 = await say(ann, 'intro', 'Hi! My lamp does not turn on.');
  const hello = await waitFor(() => msgs(sam, 'welcomebot', 'intro')[0], { what: "the greeting of Ann's first message" });
  assert.equal(hello.reply_to, q1.seq);
  assert.equal(hello.text, `Welcome, Ann! ${GUIDE}`);

  await say(ann, 'intro', 'Also, the cable is warm.'); // her second message
  await say(ann, 'intro', 'Thanks', q1.seq);
  await say(sam, 'intro', 'Staff here: we are looking into it.');
  await say(olga, 'intro', 'Anyone?');
  await say(ann, 'lounge', 'Hello lounge'); // a chat channel: no questions there
  const bea = await connect('bea');
  const qb = await say(bea, 'intro', 'Where is the reset button?');
  await waitFor(() => msgs(sam, 'welcomebot', 'intro', qb.seq)[0], { what: "the greeting of Bea's first message" });
  await sleep(1000); // nothing late
  assert.deepEqual(msgs(sam, 'welcomebot', 'intro').map((m) => [m.reply_to, m.text]),
    [[q1.seq, `Welcome, Ann! ${GUIDE}`], [qb.seq, `Welcome, Bea! ${GUIDE}`]]);
  assert.deepEqual(msgs(sam, 'welcomebot', 'lounge'), []);

  // Ann deletes what she posted, so search no longer shows it: only the state file remembers her.
  for (const m of msgs(sam, 'ann', 'intro')) assert.equal((await ann.request({ op: 'delete', channel: 'intro', seq: m.seq })).op, 'ok');
  assert.deepEqual(await stopBot(bot), { code: 0, signal: null });
  const saved = JSON.parse(fs.readFileSync(config.state_file, 'utf8'));
  assert.deepEqual(saved.entries.map((e) => e[0]).sort(), ['intro\nann', 'intro\nbea', 'intro\nolga']);

  bot = await startBot('welcome', config, token);
  const again = await say(ann, 'intro', 'I am back with another question.');
  const cy = await connect('cy');
  const qc = await say(cy, 'intro', 'Does the Arc work with 110 V?');
  await waitFor(() => msgs(sam, 'welcomebot', 'intro', qc.seq)[0], { what: "the greeting of Cy's first message" });
  await sleep(1000);
  assert.deepEqual(msgs(sam, 'welcomebot', 'intro', again.seq), [], 'Ann is not greeted again after the restart');
  assert.equal(msgs(sam, 'welcomebot', 'intro').length, 3);
  await stopBot(bot);
});

test('faq: links the solved thread with two buttons; "This solved it" solves and credits once; "Not it"; never staff, a poor match or twice', async () => {
  const staff = server.token('sam', { role: 'staff', name: 'Sam' });
  const ann = await connect('ann');
  const bob = await connect('bob');
  await sam.request({ op: 'join', channel: 'help' });
  const annQ = await say(ann, 'help', 'How do I reset my Arc lamp? It blinks amber');
  const bobA = await say(bob, 'help', 'Hold the reset button for ten seconds until it blinks white, then pair it again.', annQ.seq);
  assert.equal((await ann.request({ op: 'solve', channel: 'help', seq: bobA.seq })).op, 'ok');
  const cid = await connect('cid');
  await cid.request({ op: 'join', channel: 'help' });
  await waitFor(async () => (await cid.request({ op: 'search', query: 'reset Arc lamp blinks amber', solved: true, match: 'any' }))
    .results?.some((r) => r.seq === annQ.seq && r.solved_seq === bobA.seq), { timeout: 10000, interval: 200, what: 'the solved thread in the index' });
  const solvedOf = async (user) => (await server.api('GET', '/api/advocates?limit=1000', undefined, staff)).body.users.find((u) => u.user === user)?.solved ?? 0;
  const bobSolved = await solvedOf('bob');

  await startBot('faq', { channels: ['help'], threshold: 50 }, await server.createBot('faqbot', 'FAQ Bot'));
  const kb = `${server.origin}/kb/help/${annQ.seq}`;
  const cidQ = await say(cid, 'help', 'How do I reset my Arc lamp? It keeps blinking amber');
  const offer = await waitFor(() => msgs(sam, 'faqbot', 'help', cidQ.seq)[0], { what: "the bot's answer to Cid" });
  assert.equal(offer.text, `These solved threads look like your question:\n• How do I reset my Arc lamp? It blinks amber — ${kb}`);
  assert.deepEqual(offer.actions, [{ id: 'solved', label: 'This solved it' }, { id: 'not_it', label: 'Not it' }]);
  assert.equal((await fetch(kb)).status, 200);

  // Someone else's click does nothing.
  const dan = await connect('dan');
  assert.equal((await dan.request({ op: 'action', channel: 'help', seq: offer.seq, action_id: 'solved' })).op, 'ok');
  await sleep(1500);
  assert.equal(sam.got.filter((m) => m.op === 'solved' && m.question_seq === cidQ.seq).length, 0, 'not solved by a click of Dan');
  assert.equal(await solvedOf('bob'), bobSolved);

  // Cid's click solves his question with the bot's message and credits Bob once.
  assert.equal((await cid.request({ op: 'action', channel: 'help', seq: offer.seq, action_id: 'solved' })).op, 'ok');
  const solved = await waitFor(() => sam.got.find((m) => m.op === 'solved' && m.question_seq === cidQ.seq), { what: 'the solved event' });
  const { change, ...event } = solved;
  assert.deepEqual(event, { op: 'solved', channel: 'help', question_seq: cidQ.seq, seq: offer.seq });
  assert.ok(Number.isInteger(change) && change > 0, `a numbered change: ${change}`);
  await waitFor(() => msgs(sam, 'faqbot', 'help', cidQ.seq).some((m) => m.text === 'Glad it helped — marked as solved.'), { what: 'the thanks' });
  await waitFor(async () => (await solvedOf('bob')) === bobSolved + 1, { timeout: 5000, what: "Bob's solved count up by one" });
  assert.equal((await cid.request({ op: 'action', channel: 'help', seq: offer.seq, action_id: 'solved' })).op, 'ok');
  await sleep(1500);
  assert.equal(await solvedOf('bob'), bobSolved + 1, 'a second click credits nobody again');
  assert.equal(msgs(sam, 'faqbot', 'help', cidQ.seq).length, 2, 'the offer and one thanks');

  // A poor match and a staff question get nothing; Hal's question is the sync point.
  const eve = await connect('eve');
  const eveQ = await say(eve, 'help', 'Which shade fits a desk lamp with a brass base and a long arm?');
  const samQ = await say(sam, 'help', 'How do I reset my Arc lamp? It blinks amber too');
  const hal = await connect('hal');
  const halQ = await say(hal, 'help', 'Arc lamp blinks amber: how do I reset it?');
  const halOffer = await waitFor(() => msgs(sam, 'faqbot', 'help', halQ.seq)[0], { what: "the bot's answer to Hal" });
  await sleep(1000);
  assert.deepEqual(msgs(sam, 'faqbot', 'help', eveQ.seq), [], 'below the threshold: no reply');
  assert.deepEqual(msgs(sam, 'faqbot', 'help', samQ.seq), [], 'staff: no reply');

  // "Not it": the reply, once; the question stays open.
  for (let i = 0; i < 2; i++) assert.equal((await hal.request({ op: 'action', channel: 'help', seq: halOffer.seq, action_id: 'not_it' })).op, 'ok');
  await waitFor(() => msgs(sam, 'faqbot', 'help', halQ.seq).some((m) => m.text === 'Thanks — I\'ll leave this open for the community.'), { what: 'the "not it" reply' });
  await sleep(1000);
  assert.equal(msgs(sam, 'faqbot', 'help', halQ.seq).length, 2, 'the offer and one "leave this open"');
  const halNow = (await hal.request({ op: 'history', channel: 'help', before: halQ.seq + 1, limit: 1 })).messages[0];
  assert.equal(halNow.solved_seq, undefined);

  // Never twice in one thread: a reply in it and an edit of the question change nothing.
  await say(dan, 'help', 'Mine did that too; try a power cycle.', cidQ.seq);
  assert.equal((await cid.request({ op: 'edit', channel: 'help', seq: cidQ.seq, text: 'How do I reset my Arc lamp? It keeps blinking amber after the update' })).op, 'ok');
  await say(cid, 'help', 'Reset Arc lamp blinking amber, still?', cidQ.seq);
  await sleep(1500);
  assert.equal(msgs(sam, 'faqbot', 'help').filter((m) => m.reply_to === cidQ.seq).length, 2);
  assert.equal(msgs(sam, 'faqbot', 'help').length, 4, 'two offers, one thanks, one "leave this open"');
});

test('escalate: advocates online, then staff; not for answered or solved questions; rebuilt after a restart', async () => {
  const config = { channels: ['desk'], advocates_after_s: 1, staff_after_s: 3, staff: ['sam'], check_interval_s: 0.2 };
  for (const user of ['dee', 'fay']) {
    const r = await sam.request({ op: 'set_advocate', user, advocate: true });
    assert.equal(r.op, 'ok', JSON.stringify(r));
  }
  const fay = await connect('fay'); // online before the bot starts: in its join ok
  await fay.request({ op: 'join', channel: 'desk' });
  const token = await server.createBot('escalator', 'Escalator');
  let bot = await startBot('escalate', config, token);
  const dee = await connect('dee'); // online after: a presence event
  await dee.request({ op: 'join', channel: 'desk' });
  const watch = await connect('wes');
  await watch.request({ op: 'join', channel: 'desk' });
  // Ida is online as a plain customer and becomes an advocate now: the bot learns it from the
  // `advocate` event every connection gets, not from her presence.
  const ida = await connect('ida');
  await ida.request({ op: 'join', channel: 'desk' });
  assert.equal((await sam.request({ op: 'set_advocate', user: 'ida', advocate: true })).op, 'ok');
  const helper = await rawClient(server, await server.createBot('helperbot', 'Helper Bot'));
  conns.push(helper);

  const [ann, bob, cid, eve] = await Promise.all(['ann', 'bob', 'cid', 'eve'].map((u) => connect(u)));
  const annQ = await say(ann, 'desk', 'My Arc lamp hums when dimmed. Normal?');
  const bobQ = await say(bob, 'desk', 'Can I mount the Arc on a wall?');
  await say(cid, 'desk', 'Yes, with the wall kit.', bobQ.seq); // answered at once
  const eveQ = await say(eve, 'desk', 'Is there a warranty on the cable?');
  const botA = await say(helper, 'desk', 'Two years, like the lamp.', eveQ.seq); // a bot's reply is no answer…
  assert.equal((await eve.request({ op: 'solve', channel: 'desk', seq: botA.seq })).op, 'ok'); // …but solving is

  const first = await waitFor(() => msgs(watch, 'escalator', 'desk', annQ.seq)[0], { timeout: 5000, what: 'the advocates ping' });
  assert.deepEqual([...first.mentions].sort(), ['dee', 'fay', 'ida'], JSON.stringify(first));
  assert.match(first.text, /^(@(dee|fay|ida) ){3}— this question has waited 1 second\. Can you help\?$/);
  const second = await waitFor(() => msgs(watch, 'escalator', 'desk', annQ.seq)[1], { timeout: 6000, what: 'the staff ping' });
  assert.deepEqual(second.mentions, ['sam']);
  assert.equal(second.text, '@sam — still unanswered after 3 seconds.');
  assert.ok(second.ts - annQ.ts >= 3000, `${second.ts - annQ.ts} ms`);
  await sleep(600);
  assert.deepEqual(msgs(watch, 'escalator', 'desk', bobQ.seq), [], 'answered: no ping');
  assert.deepEqual(msgs(watch, 'escalator', 'desk', eveQ.seq), [], 'solved: no ping');

  // A restart: the open questions come back from history, and stages already posted are done.
  const gus = await connect('gus');
  const gusQ = await say(gus, 'desk', 'Which bulb does the Arc take?');
  assert.deepEqual(await stopBot(bot), { code: 0, signal: null });
  bot = await startBot('escalate', config, token);
  const gusPing = await waitFor(() => msgs(watch, 'escalator', 'desk', gusQ.seq)[0], { timeout: 8000, what: "the advocates ping of Gus's question" });
  assert.deepEqual([...gusPing.mentions].sort(), ['dee', 'fay', 'ida']);
  await waitFor(() => msgs(watch, 'escalator', 'desk', gusQ.seq)[1], { timeout: 8000, what: "the staff ping of Gus's question" });
  await sleep(600);
  assert.equal(msgs(watch, 'escalator', 'desk', annQ.seq).length, 2, 'no stage twice after the restart');
  assert.deepEqual(msgs(watch, 'escalator', 'desk').filter((m) => m.reply_to === bobQ.seq || m.reply_to === eveQ.seq), []);
  assert.equal(msgs(watch, 'escalator', 'desk').length, 4);

  // Revoking the bot is final: the process logs it and exits 1, without reconnecting.
  const revoked = await server.api('DELETE', '/api/bots/escalator', undefined, server.token('root', { role: 'admin' }));
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  let t;
  const exit = await Promise.race([bot.exited, new Promise((resolve) => { t = setTimeout(() => resolve(null), 10000); })]);
  clearTimeout(t);
  assert.deepEqual(exit, { code: 1, signal: null }, bot.err);
  assert.match(bot.err, /escalate error: stopped for good: token revoked \(close 4401\)/);
});
