// Unit tests for the client logic behind answers (thread and asker detection, helpful marks,
// accepted answers), the message lifecycle (edit, delete, reactions, report) and moderation
// feedback (muted / slow mode holds, kicked, banned, advocate) in clients/web/parley-client.js.
// Node's runner, a fake WebSocket and a manual clock (fakes.js); no browser, no server.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { lib, makeClient, online, reconnect, answerJoin, answer, msg, FakeWS, ANN, BOB, SAM } = require('./fakes');

const { threadRoot, canMarkAnswer, applyLifecycle, Marks, formatWait } = lib;

// A support thread: Ann asks (1), Bob answers (2), Cleo answers Bob (3, nested), Ann replies
// to Bob (4), Bob asks something else (5).
const CLEO = { id: 'u-cleo', name: 'Cleo', role: 'customer', advocate: false };
const thread = new Map([
  [1, { seq: 1, from: ANN, text: 'How do I pair two lamps?' }],
  [2, { seq: 2, from: BOB, text: 'Touch them together', reply_to: 1 }],
  [3, { seq: 3, from: CLEO, text: 'For two seconds', reply_to: 2 }],
  [4, { seq: 4, from: ANN, text: 'Thanks!', reply_to: 2 }],
  [5, { seq: 5, from: BOB, text: 'Different question' }],
]);
const get = (seq) => thread.get(seq);

// ---- threads and askers --------------------------------------------------------------------
test('threadRoot: direct and nested replies find their question; questions are not answers', () => {
  assert.equal(threadRoot(2, get).root.seq, 1);
  assert.equal(threadRoot(3, get).root.seq, 1, 'nested reply: follows reply_to to the top');
  assert.equal(threadRoot(4, get).root.from.id, ANN.id);
  assert.equal(threadRoot(1, get), null, 'a question is not in a thread');
  assert.equal(threadRoot(5, get), null);
});

test('threadRoot: a link that is not loaded is reported, a deleted link ends the thread', () => {
  const partial = new Map([[7, { seq: 7, from: BOB, text: 'x', reply_to: 6 }]]);
  assert.deepEqual(threadRoot(7, (s) => partial.get(s)), { missing: 6 });
  assert.deepEqual(threadRoot(9, (s) => partial.get(s)), { missing: 9 });
  partial.set(6, { seq: 6, from: ANN, text: '', deleted: true });
  assert.equal(threadRoot(7, (s) => partial.get(s)), null, 'the server does not count a deleted question either');
});

test('threadRoot: chains deeper than 32 hops are not threads (as on the server)', () => {
  const chain = new Map([[1, { seq: 1, from: ANN, text: 'q' }]]);
  for (let s = 2; s <= 40; s++) chain.set(s, { seq: s, from: BOB, text: 'r', reply_to: s - 1 });
  assert.equal(threadRoot(33, (s) => chain.get(s)).root.seq, 1, '32 hops: still a thread');
  assert.equal(threadRoot(34, (s) => chain.get(s)), null);
});

test('canMarkAnswer: the asker on others\' answers, staff on every answer, nobody on their own', () => {
  const root = thread.get(1);
  const bobs = thread.get(2);
  assert.equal(canMarkAnswer(bobs, root, ANN, 'support'), true, 'the asker marks an answer');
  assert.equal(canMarkAnswer(thread.get(3), root, ANN, 'support'), true, 'nested answers too');
  assert.equal(canMarkAnswer(bobs, root, CLEO, 'support'), false, 'another customer may not');
  assert.equal(canMarkAnswer(bobs, root, BOB, 'support'), false, 'nor the answer\'s author');
  assert.equal(canMarkAnswer(bobs, root, SAM, 'support'), true, 'staff may');
  assert.equal(canMarkAnswer(bobs, root, { id: 'ada', role: 'admin' }, 'support'), true, 'admins may');
  assert.equal(canMarkAnswer(thread.get(4), root, ANN, 'support'), false, 'the asker\'s own reply cannot be marked');
  assert.equal(canMarkAnswer(thread.get(4), root, SAM, 'support'), false, 'not even by staff');
  assert.equal(canMarkAnswer(bobs, root, ANN, 'chat'), false, 'support channels only');
  assert.equal(canMarkAnswer({ ...bobs, deleted: true }, root, ANN, 'support'), false, 'not a tombstone');
  assert.equal(canMarkAnswer({ ...bobs, seq: 0 }, root, ANN, 'support'), false, 'not a pending message');
  assert.equal(canMarkAnswer(bobs, null, ANN, 'support'), false, 'no thread, no mark');
});

// ---- helpful marks and accepted answers ----------------------------------------------------
test('Marks: helpful marks count each marker once; accepted answers come from history and events', () => {
  const mk = new Marks();
  assert.equal(mk.onHelpful({ channel: 'help', seq: 2, by: ANN.id }), true);
  assert.equal(mk.onHelpful({ channel: 'help', seq: 2, by: ANN.id }), false, 'the server repeats the event for a repeated mark');
  mk.onHelpful({ channel: 'help', seq: 2, by: SAM.id });
  assert.equal(mk.helpfulCount(2), 2);
  assert.equal(mk.markedBy(2, ANN.id), true);
  assert.equal(mk.markedBy(3, ANN.id), false);
  assert.equal(mk.helpfulCount(3), 0);
  // a thanks reaction taken away takes its mark back; an unknown revoke changes nothing
  assert.equal(mk.onHelpful({ channel: 'help', seq: 2, by: ANN.id, revoked: true }), true);
  assert.equal(mk.markedBy(2, ANN.id), false);
  assert.equal(mk.helpfulCount(2), 1);
  assert.equal(mk.onHelpful({ channel: 'help', seq: 2, by: ANN.id, revoked: true }), false);
  assert.equal(mk.onHelpful({ channel: 'help', seq: 9, by: ANN.id, revoked: true }), false);
  assert.equal(mk.onHelpful({ channel: 'help', seq: 2, by: ANN.id }), true);
  assert.equal(mk.helpfulCount(2), 2);

  // a question from history (or a replay) carries its accepted answer
  mk.noteMessage({ seq: 10, from: ANN, text: 'q', solved_seq: 12 });
  mk.noteMessage({ seq: 12, from: BOB, text: 'a', reply_to: 10 });
  assert.equal(mk.acceptedFor(10), 12);
  assert.equal(mk.questionOf(12), 10);
  // changing the accepted answer: the event says which one; the previous one is returned
  assert.equal(mk.onSolved({ channel: 'help', question_seq: 10, seq: 13 }), 12);
  assert.equal(mk.acceptedFor(10), 13);
  assert.equal(mk.questionOf(12), 0, 'the old answer is no longer accepted');
  assert.equal(mk.onSolved({ channel: 'help', question_seq: 10, seq: 13 }), 0, 'accepting it again changes nothing');
  assert.equal(mk.onSolved({ channel: 'help', question_seq: 20, seq: 21 }), 0);
  // the accepted answer is deleted: the server sends seq 0, the question is open again
  assert.equal(mk.onSolved({ channel: 'help', question_seq: 10, seq: 0 }), 13);
  assert.equal(mk.acceptedFor(10), 0);
  assert.equal(mk.questionOf(13), 0);
});

test('helpful, solve and the lifecycle ops send their frames and resolve with the ok', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  const calls = [
    [() => c.helpful('help', 2), { op: 'helpful', channel: 'help', seq: 2 }, { channel: 'help', seq: 2 }],
    [() => c.solve('help', 2), { op: 'solve', channel: 'help', seq: 2 }, { channel: 'help', question_seq: 1, seq: 2 }],
    [() => c.edit('help', 4, 'new text'), { op: 'edit', channel: 'help', seq: 4, text: 'new text' }, { channel: 'help', seq: 4, edited_at: 9 }],
    [() => c.deleteMessage('help', 4), { op: 'delete', channel: 'help', seq: 4 }, { channel: 'help', seq: 4 }],
    [() => c.react('help', 2, '👍'), { op: 'react', channel: 'help', seq: 2, emoji: '👍' }, { count: 1 }],
    [() => c.unreact('help', 2, '👍'), { op: 'unreact', channel: 'help', seq: 2, emoji: '👍' }, { count: 0 }],
    [() => c.report('help', 2, 'Spam or advertising'), { op: 'report', channel: 'help', seq: 2, reason: 'Spam or advertising' }, { report_id: 7 }],
  ];
  for (const [call, frame, reply] of calls) {
    const p = call();
    const sent = ws.last(frame.op);
    const { id, ...rest } = sent;
    assert.deepEqual(rest, frame);
    ws.push({ op: 'ok', id, ...reply });
    const ok = await p;
    for (const [k, v] of Object.entries(reply)) assert.equal(ok[k], v);
  }
  // errors reject with the code (and retry_after_ms)
  const p = c.react('help', 2, '🎉');
  ws.push({ op: 'error', id: ws.last('react').id, code: 'muted', message: 'you are muted', retry_after_ms: 5000 });
  await assert.rejects(p, (e) => e.code === 'muted' && e.retry_after_ms === 5000);
  // the events pass through, in order
  ws.push({ op: 'helpful', channel: 'help', seq: 2, by: ANN.id },
    { op: 'solved', channel: 'help', question_seq: 1, seq: 2 },
    { op: 'edited', channel: 'help', seq: 4, text: 'x', edited_at: 5 },
    { op: 'deleted', channel: 'help', seq: 4, by: ANN.id },
    { op: 'reaction', channel: 'help', seq: 2, emoji: '👍', count: 3 });
  assert.equal(of('helpful')[0].by, ANN.id);
  assert.equal(of('solved')[0].question_seq, 1);
  assert.equal(of('edited')[0].text, 'x');
  assert.equal(of('deleted')[0].by, ANN.id);
  assert.equal(of('reaction')[0].count, 3);
});

// ---- lifecycle -----------------------------------------------------------------------------
test('applyLifecycle: edits, tombstones and reaction counts', () => {
  const m = { channel: 'help', seq: 4, from: ANN, text: 'hello', reactions: [{ emoji: '👍', count: 1 }] };
  const e = applyLifecycle(m, { op: 'edited', channel: 'help', seq: 4, text: 'hello all', edited_at: 77 });
  assert.deepEqual([e.text, e.edited_at], ['hello all', 77]);
  assert.equal(m.text, 'hello', 'a new object; the old one is untouched');
  assert.equal(applyLifecycle(m, { op: 'edited', seq: 5, text: 'x' }), m, 'another message: unchanged');

  let r = applyLifecycle(m, { op: 'reaction', seq: 4, emoji: '🎉', count: 1 });
  assert.deepEqual(r.reactions, [{ emoji: '👍', count: 1 }, { emoji: '🎉', count: 1 }], 'first-use order');
  r = applyLifecycle(r, { op: 'reaction', seq: 4, emoji: '👍', count: 3 });
  assert.deepEqual(r.reactions.map((x) => [x.emoji, x.count]), [['👍', 3], ['🎉', 1]]);
  r = applyLifecycle(r, { op: 'reaction', seq: 4, emoji: '👍', count: 0 });
  assert.deepEqual(r.reactions, [{ emoji: '🎉', count: 1 }], 'count 0 removes the emoji');
  r = applyLifecycle(r, { op: 'reaction', seq: 4, emoji: '😂', count: 0 });
  assert.deepEqual(r.reactions, [{ emoji: '🎉', count: 1 }], 'a no-op unreact of an unused emoji adds nothing');
  r = applyLifecycle(r, { op: 'reaction', seq: 4, emoji: '🎉', count: 0 });
  assert.equal(r.reactions, undefined);

  const d = applyLifecycle(e, { op: 'deleted', seq: 4, by: 'sam' });
  assert.deepEqual([d.text, d.deleted, d.deleted_by, d.reactions], ['', true, 'sam', undefined]);
  assert.equal(applyLifecycle(d, { op: 'edited', seq: 4, text: 'zombie' }).text, '', 'a tombstone stays one');
  assert.equal(applyLifecycle(d, { op: 'reaction', seq: 4, emoji: '👍', count: 1 }).reactions, undefined);
});

// ---- muted and slow mode -------------------------------------------------------------------
test('a muted send fails with a hold and is never resent by itself: not after retry_after_ms, a reconnect or a reload', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 3);
  const e = c.send('help', 'Why can I not post?');
  ws.push({ op: 'error', id: ws.last('send').id, code: 'muted', message: 'you are muted: cool down', retry_after_ms: 4000 });
  assert.equal(e.state, 'failed');
  assert.deepEqual(e.error, { code: 'muted', message: 'you are muted: cool down', retry_after_ms: 4000 });
  assert.deepEqual(c.hold('help'), { code: 'muted', message: 'you are muted: cool down', until: clock.now() + 4000 });
  assert.deepEqual(of('hold').map((h) => [h.channel, h.hold && h.hold.code]), [['help', 'muted']]);

  await clock.advance(5000);
  assert.equal(ws.ops('send').length, 1, 'not resent when the mute has run out');
  assert.equal(c.hold('help'), null, 'the hold ends by itself');

  ws = await reconnect(c, clock, ws);
  assert.equal(ws.ops('send').length, 0, 'not resent after a reconnect');
  const saved = of('outbox').pop();
  assert.equal(saved[0].state, 'failed');
  assert.equal(saved[0].error.code, 'muted');

  // a reload: the outbox comes back from storage, still refused, still not sent
  const again = makeClient({ outbox: saved });
  const ws2 = await online(again.c);
  assert.equal(ws2.ops('send').length, 0, 'not resent after a reload');
  assert.equal(again.c.outbox[0].state, 'failed');

  // only the user's Retry sends it, with the same client_msg_id
  again.c.retry(saved[0].client_msg_id);
  assert.equal(ws2.last('send').client_msg_id, e.client_msg_id);
});

test('a mute without retry_after_ms holds until a send goes through', async () => {
  const { c, clock } = makeClient({ pingIntervalMs: 1e9 }); // the fake server answers no pings
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 3);
  const e = c.send('help', 'hello?');
  ws.push({ op: 'error', id: ws.last('send').id, code: 'muted', message: 'you are muted' });
  assert.deepEqual(c.hold('help'), { code: 'muted', message: 'you are muted', until: null });
  await clock.advance(3_600_000);
  assert.equal(c.hold('help').code, 'muted', 'still held an hour later');
  c.retry(e.client_msg_id);
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 4, ts: 1 });
  assert.equal(c.hold('help'), null, 'an accepted send proves the mute was lifted');
});

test('slow_mode refusals are not retried by themselves; the hold ends at retry_after_ms', async () => {
  const { c, clock } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 3, [], { slow_mode_s: 30 });
  c.send('help', 'second message');
  ws.push({ op: 'error', id: ws.last('send').id, code: 'slow_mode', message: 'slow mode: one message every 30 s', retry_after_ms: 12000 });
  assert.equal(c.hold('help').code, 'slow_mode');
  await clock.advance(11999);
  assert.equal(c.hold('help').code, 'slow_mode');
  await clock.advance(2);
  assert.equal(c.hold('help'), null);
  assert.equal(ws.ops('send').length, 1, 'nothing resent');
});

test('slow mode: an accepted send starts the countdown for customers, not for staff; turning it off ends it', async () => {
  const { c, clock, of } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 3, [], { slow_mode_s: 30 });
  c.send('help', 'first');
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 4, ts: 1 });
  assert.deepEqual(c.hold('help'), { code: 'slow_mode', message: 'slow mode: one message every 30 s', until: clock.now() + 30000 });
  ws.push({ op: 'channel_updated', channel: 'help', kind: 'support', title: 'Help', archived: false, locked: false, slow_mode_s: 0 });
  assert.equal(c.hold('help'), null);
  assert.equal(c.channels.get('help').info.slow_mode_s, 0, 'the channel settings follow the event');
  assert.equal(of('channel_updated').length, 1);

  const staff = makeClient();
  const sws = await online(staff.c, SAM);
  staff.c.join('help');
  answerJoin(sws, 'help', 3, [], { slow_mode_s: 30 });
  staff.c.send('help', 'staff are exempt');
  sws.push({ op: 'ok', id: sws.last('send').id, channel: 'help', seq: 5, ts: 1 });
  assert.equal(staff.c.hold('help'), null);
});

test('channel_updated keeps locked / archived current for the UI', async () => {
  const { c } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  ws.push({ op: 'channel_updated', channel: 'help', kind: 'support', title: 'Help', archived: false, locked: true, slow_mode_s: 0 });
  assert.equal(c.channels.get('help').info.locked, true);
  ws.push({ op: 'channel_updated', channel: 'help', kind: 'support', title: 'Help', archived: true, locked: false, slow_mode_s: 0 });
  assert.deepEqual([c.channels.get('help').info.locked, c.channels.get('help').info.archived], [false, true]);
});

// ---- kicked, banned, advocate --------------------------------------------------------------
test('kicked: the channel is not rejoined after a reconnect, until the user joins again', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  c.join('general');
  answerJoin(ws, 'help', 3);
  answerJoin(ws, 'general', 1);
  ws.push({ op: 'kicked', channel: 'help', by: 'sam' });
  assert.deepEqual(of('kicked'), [{ op: 'kicked', channel: 'help', by: 'sam' }]);
  ws.push({ op: 'kicked', channel: 'random', by: 'sam' }); // never joined: harmless
  ws = await reconnect(c, clock, ws);
  assert.deepEqual(ws.ops('join').map((j) => j.channel), ['general']);
  const p = c.join('help');
  const j = answerJoin(ws, 'help', 5, [msg('help', 4), msg('help', 5)]);
  assert.equal(j.since, 3, 'a rejoin resumes where the user left');
  await p;
  assert.deepEqual(of('message').map((m) => m.seq), [4, 5]);
});

test('banned: the error\'s message reaches the fatal event and nothing reconnects', async () => {
  const { c, clock, of } = makeClient();
  const ws = await online(c);
  ws.push({ op: 'error', code: 'banned', message: 'you are banned: spam', retry_after_ms: 3599999 });
  ws.drop(4403, 'banned');
  assert.equal(c.state, 'failed');
  assert.deepEqual(of('fatal'), [{ code: 4403, reason: 'banned', message: 'you are banned: spam', retry_after_ms: 3599999 }]);
  await clock.advance(600000);
  assert.equal(FakeWS.all.length, 1, 'no reconnect');
});

test('advocate: our flag is kept on client.user and stand-ins for our next sends carry the badge', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  ws.push({ op: 'advocate', user: 'someone-else', advocate: true }); // as staff connections see
  assert.equal(!!c.user.advocate, false);
  ws.push({ op: 'advocate', user: ANN.id, advocate: true });
  assert.equal(c.user.advocate, true);
  assert.equal(of('advocate').length, 2);
  c.send('help', 'after the flag');
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 1, ts: 1 });
  const standIn = of('message').pop();
  assert.equal(standIn.synthetic, true);
  assert.equal(standIn.from.advocate, true);
});

test('advocate: after a reload the echo of our own send tells our flag; a later event wins over older echoes', async () => {
  const { c } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  const me = (advocate) => ({ id: ANN.id, name: 'Ann', role: 'customer', advocate });
  c.send('help', 'one');
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 1, ts: 1 }, msg('help', 1, { from: me(true) }));
  assert.equal(c.user.advocate, true, 'learnt from the echo');
  ws.push(msg('help', 2, { from: me(false) })); // not a send of ours (e.g. from another tab): ignored
  assert.equal(c.user.advocate, true);
  ws.push({ op: 'advocate', user: ANN.id, advocate: false });
  c.send('help', 'two');
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 3, ts: 2 }, msg('help', 3, { from: me(true) }));
  assert.equal(c.user.advocate, false, 'an echo sent before the event does not undo it');
});

test('formatWait: seconds, minutes, hours, days', () => {
  assert.equal(formatWait(0), '0 s');
  assert.equal(formatWait(1), '1 s', 'rounds up: never says 0 while waiting');
  assert.equal(formatWait(59_000), '59 s');
  assert.equal(formatWait(60_000), '1:00');
  assert.equal(formatWait(599_897), '10:00');
  assert.equal(formatWait(245_000), '4:05');
  assert.equal(formatWait(7_500_000), '2 h 5 min');
  assert.equal(formatWait(3_600_000), '1 h');
  assert.equal(formatWait(86_400_000 * 3), '3 days');
});
