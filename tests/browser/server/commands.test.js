// Slash commands (DESIGN §11, PROTOCOL.md §3.8) against the real parleyd: a bot registers
// commands, users list and run them, the bot gets the `command` event and answers the invoker
// alone (`command_reply` on every tab of that user, never stored, never seen by others); bad
// input, a non-bot registering, a command of a bot that is offline, someone else's command_id.
// Every wait is a bounded poll.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, rawClient, waitFor, sleep } = require('../e2e/helpers');

let server, admin, botToken;
const open = [];

async function connect(token) {
  const conn = await rawClient(server, token);
  open.push(conn);
  return conn;
}

before(async () => {
  server = await new Server('commands').start();
  admin = server.token('root', { role: 'admin' });
  botToken = await server.createBot('helper', 'Helper');
});

after(async () => {
  for (const c of open) c.close();
  if (server) await server.cleanup();
});

test('register, list, run and answer a command: only the invoker sees the reply, on every tab', async () => {
  const bot = await connect(botToken);
  const reg = await bot.request({ op: 'register_commands', commands: [
    { name: 'faq', description: 'Find an answer in solved threads', usage: '<question>' },
    { name: 'status', description: 'Is the service up?' },
  ] });
  assert.deepEqual(reg, { op: 'ok', id: reg.id, registered: 2 });

  const ann = await connect(server.token('ann', { name: 'Ann' }));
  const annPhone = await connect(server.token('ann', { name: 'Ann' }));
  const ben = await connect(server.token('ben', { name: 'Ben' }));
  for (const c of [ann, ben]) await c.request({ op: 'join', channel: 'help' });
  const list = await ann.request({ op: 'commands' });
  assert.deepEqual(list.commands, [
    { name: 'faq', description: 'Find an answer in solved threads', usage: '<question>', bot: { id: 'helper', name: 'Helper' }, online: true },
    { name: 'status', description: 'Is the service up?', bot: { id: 'helper', name: 'Helper' }, online: true },
  ]);

  const ran = await ann.request({ op: 'command', channel: 'help', name: 'faq', args: 'lamp blinks red' });
  assert.equal(ran.op, 'ok', JSON.stringify(ran));
  assert.match(ran.command_id, /^cmd_[0-9a-f]{8}_\d+$/);
  const ev = await waitFor(() => bot.got.find((m) => m.op === 'command'), { what: 'the command event' });
  assert.deepEqual(ev, { op: 'command', command_id: ran.command_id, channel: 'help', name: 'faq', args: 'lamp blinks red',
    from: { id: 'ann', name: 'Ann', role: 'customer' } });

  const answered = await bot.request({ op: 'reply_command', command_id: ev.command_id, text: 'Two red blinks: low battery.' });
  assert.deepEqual(answered, { op: 'ok', id: answered.id, command_id: ev.command_id });
  const expected = { op: 'command_reply', command_id: ev.command_id, channel: 'help', text: 'Two red blinks: low battery.',
    from: { id: 'helper', name: 'Helper', role: 'bot' } };
  for (const tab of [ann, annPhone]) {
    assert.deepEqual(await waitFor(() => tab.got.find((m) => m.op === 'command_reply'), { what: 'the reply on each tab' }), expected);
  }
  await sleep(300);
  assert.ok(!ben.got.some((m) => m.op === 'command_reply' || m.op === 'command'), 'Ben sees nothing');
  // Never stored: the channel's history has no trace of it.
  const hist = await ben.request({ op: 'history', channel: 'help' });
  assert.ok(!JSON.stringify(hist).includes('low battery'));
  assert.ok(!ben.got.some((m) => m.op === 'message' && /low battery/.test(m.text)));

  // args may be left out; a second reply to the same command is fine within the window.
  const bare = await ben.request({ op: 'command', channel: 'help', name: 'status' });
  const ev2 = await waitFor(() => bot.got.find((m) => m.op === 'command' && m.command_id === bare.command_id), { what: 'the second event' });
  assert.equal(ev2.args, '');
  // A command_id of another bot's (or a made-up one) is refused.
  const otherBot = await connect(await server.createBot('other'));
  const stolen = await otherBot.request({ op: 'reply_command', command_id: bare.command_id, text: 'mine' });
  assert.deepEqual([stolen.code, stolen.message], ['not_found', 'unknown command_id (or older than 15 minutes)']);
  const clash = await otherBot.request({ op: 'register_commands', commands: [{ name: 'faq', description: 'x' }] });
  assert.deepEqual([clash.code, clash.message], ['conflict', 'command "/faq" belongs to bot "helper"']);
  otherBot.close();
  await bot.request({ op: 'reply_command', command_id: bare.command_id, text: 'All systems go.' });
  await waitFor(() => ben.got.find((m) => m.op === 'command_reply' && m.text === 'All systems go.'), { what: "Ben's reply" });

  // Registering again replaces the set; [] removes them.
  assert.equal((await bot.request({ op: 'register_commands', commands: [{ name: 'faq', description: 'FAQ' }] })).registered, 1);
  assert.deepEqual((await ann.request({ op: 'commands' })).commands.map((c) => c.name), ['faq']);

  // The bot goes away: its commands are listed as offline, and running one is `unavailable`.
  bot.close();
  await waitFor(async () => (await ann.request({ op: 'commands' })).commands[0].online === false, { what: 'offline' });
  const offline = await ann.request({ op: 'command', channel: 'help', name: 'faq', args: 'x' });
  assert.deepEqual([offline.code, offline.message], ['unavailable', 'bot offline']);

  // After a restart the commands are still known (offline until the bot is back).
  for (const c of open.splice(0)) c.close();
  await server.stop('SIGTERM');
  await server.start();
  const cara = await connect(server.token('cara'));
  assert.deepEqual((await cara.request({ op: 'commands' })).commands.map((c) => [c.name, c.online]), [['faq', false]]);
  const back = await connect(botToken);
  assert.equal((await cara.request({ op: 'commands' })).commands[0].online, true);
  assert.equal((await back.request({ op: 'register_commands', commands: [] })).registered, 0);
  assert.deepEqual((await cara.request({ op: 'commands' })).commands, []);
});

test('bad input: each a clear error, nothing registered', async () => {
  const bot = await connect(botToken);
  const user = await connect(server.token('dan'));
  const cases = [
    [bot, { op: 'register_commands' }, 'bad_request', '"commands" is required'],
    [bot, { op: 'register_commands', commands: 'faq' }, 'bad_request', '"commands" must be an array of {name, description, usage?}'],
    [bot, { op: 'register_commands', commands: [{ name: 'Faq', description: 'x' }] }, 'bad_request', 'a command\'s "name" must be 1-32 characters of a-z 0-9 _ -'],
    [bot, { op: 'register_commands', commands: [{ name: 'faq' }] }, 'bad_request', 'command "faq": "description" must be 1-100 characters on one line'],
    [bot, { op: 'register_commands', commands: [{ name: 'faq', description: 'a\nb' }] }, 'bad_request', 'command "faq": "description" must be 1-100 characters on one line'],
    [bot, { op: 'register_commands', commands: [{ name: 'faq', description: 'x', usage: 'u'.repeat(101) }] }, 'bad_request', 'command "faq": "usage" must be 0-100 characters on one line'],
    [bot, { op: 'register_commands', commands: [{ name: 'a', description: 'x' }, { name: 'a', description: 'y' }] }, 'bad_request', 'command "a" is given twice'],
    [bot, { op: 'register_commands', commands: Array.from({ length: 21 }, (_, i) => ({ name: `c${i}`, description: 'x' })) }, 'bad_request', '"commands" holds more than 20 commands'],
    [user, { op: 'register_commands', commands: [{ name: 'mine', description: 'x' }] }, 'forbidden', 'only bots register commands'],
    [user, { op: 'command', channel: 'help', name: 'nope' }, 'not_found', 'unknown command "/nope"'],
    [user, { op: 'command', channel: 'help', name: 'Bad Name' }, 'bad_request', '"name" must be 1-32 characters of a-z 0-9 _ -'],
    [user, { op: 'command', channel: 'help' }, 'bad_request', '"name" is required'],
    [user, { op: 'command', channel: 'help', name: 'x', args: 'a'.repeat(1001) }, 'too_large', '"args" is longer than 1000 characters'],
    [user, { op: 'command', channel: 'nosuch', name: 'x' }, 'not_found', 'unknown channel "nosuch"'],
    [user, { op: 'reply_command', command_id: 'cmd_1', text: 'hi' }, 'forbidden', 'only bots reply to commands'],
    [bot, { op: 'reply_command', command_id: 'cmd_nope', text: 'hi' }, 'not_found', 'unknown command_id (or older than 15 minutes)'],
    [bot, { op: 'reply_command', command_id: 'x y', text: 'hi' }, 'bad_request', '"command_id" must be the command_id of a command event'],
    [bot, { op: 'reply_command', command_id: 'cmd_1' }, 'bad_request', '"text" is required'],
  ];
  for (const [conn, frame, code, message] of cases) {
    const r = await conn.request(frame);
    assert.deepEqual([r.op, r.code, r.message], ['error', code, message], JSON.stringify(frame));
  }
  assert.deepEqual((await user.request({ op: 'commands' })).commands, []);
});

test('a revoked bot takes its commands with it', async () => {
  const bot = await connect(botToken);
  await bot.request({ op: 'register_commands', commands: [{ name: 'bye', description: 'x' }] });
  const user = await connect(server.token('eve'));
  assert.equal((await user.request({ op: 'commands' })).commands.length, 1);
  await fetch(`${server.origin}/api/bots/helper`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } });
  await waitFor(async () => (await user.request({ op: 'commands' })).commands.length === 0, { what: 'the commands gone' });
});

test('buttons on a bot message: a click reaches the bot; a forged id, a person\'s buttons and a bot offline are refused', async () => {
  const bot = await connect(await server.createBot('faqbot', 'FAQ Bot'));
  const fay = await connect(server.token('fay', { name: 'Fay' }));
  await fay.request({ op: 'join', channel: 'help' });
  await bot.request({ op: 'join', channel: 'help' });
  const actions = [{ id: 'solved', label: 'This solved it' }, { id: 'not-it', label: 'Not it' }];
  const sent = await bot.request({ op: 'send', channel: 'help', text: 'Does /kb/help/12 answer it?', client_msg_id: 'b1', actions });
  assert.equal(sent.op, 'ok', JSON.stringify(sent));
  const pushed = await waitFor(() => fay.got.find((m) => m.op === 'message' && m.seq === sent.seq), { what: 'the message' });
  assert.deepEqual(pushed.actions, actions);
  assert.equal(pushed.from.role, 'bot');
  const hist = await fay.request({ op: 'history', channel: 'help', limit: 1 });
  assert.deepEqual(hist.messages.at(-1).actions, actions);

  const click = await fay.request({ op: 'action', channel: 'help', seq: sent.seq, action_id: 'solved' });
  assert.deepEqual(click, { op: 'ok', id: click.id, channel: 'help', seq: sent.seq, action_id: 'solved' });
  const ev = await waitFor(() => bot.got.find((m) => m.op === 'action'), { what: 'the action event' });
  assert.deepEqual(ev, { op: 'action', channel: 'help', seq: sent.seq, action_id: 'solved', from: { id: 'fay', name: 'Fay', role: 'customer' } });

  const forged = await fay.request({ op: 'action', channel: 'help', seq: sent.seq, action_id: 'admin' });
  assert.deepEqual([forged.code, forged.message], ['bad_request', 'no such button on this message']);
  const mine = await fay.request({ op: 'send', channel: 'help', text: 'press me', client_msg_id: 'f1', actions: [{ id: 'x', label: 'X' }] });
  assert.deepEqual([mine.code, mine.message], ['forbidden', 'only bots add buttons']);
  const plain = await fay.request({ op: 'send', channel: 'help', text: 'no buttons here', client_msg_id: 'f2' });
  const onPlain = await fay.request({ op: 'action', channel: 'help', seq: plain.seq, action_id: 'solved' });
  assert.equal(onPlain.message, 'no such button on this message');
  const tooMany = await bot.request({ op: 'send', channel: 'help', text: 't', client_msg_id: 'b2',
    actions: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, label: 'x' })) });
  assert.deepEqual([tooMany.code, tooMany.message], ['bad_request', '"actions" holds more than 5 buttons']);
  for (const [bad, message] of [
    [[{ id: 'a b', label: 'x' }], 'an action\'s "id" must be 1-64 characters of A-Z a-z 0-9 _ -'],
    [[{ id: 'a', label: '' }], 'action "a": "label" must be 1-40 characters on one line'],
    [[{ id: 'a', label: 'x'.repeat(41) }], 'action "a": "label" must be 1-40 characters on one line'],
    [[{ id: 'a', label: 'x' }, { id: 'a', label: 'y' }], 'action "a" is given twice'],
    ['yes', '"actions" must be an array of {id, label}'],
  ]) {
    const r = await bot.request({ op: 'send', channel: 'help', text: 't', client_msg_id: `b-${message.length}`, actions: bad });
    assert.deepEqual([r.code, r.message], ['bad_request', message], JSON.stringify(bad));
  }
  bot.close();
  await waitFor(async () => (await fay.request({ op: 'action', channel: 'help', seq: sent.seq, action_id: 'not-it' })).code === 'unavailable', { what: 'bot offline' });
  const bad = await fay.request({ op: 'action', channel: 'help', seq: sent.seq, action_id: 'x y' });
  assert.deepEqual([bad.code, bad.message], ['bad_request', '"action_id" must be 1-64 characters of A-Z a-z 0-9 _ -']);
  const none = await fay.request({ op: 'action', channel: 'help', seq: 999, action_id: 'solved' });
  assert.deepEqual([none.code, none.message], ['not_found', 'message not found']);
});
