// Unit tests for clients/web/parley-client.js: Node's built-in runner, a fake WebSocket and a
// manual clock; no browser and no server. Run: node --test tests/browser/unit/
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const { ParleyClient, backoffDelay, splitFrame, dmChannel, dmPeer } = require(
  path.join(__dirname, '../../../clients/web/parley-client.js'));

// ---- fakes (shared with answers-moderation.test.js) ------------------------------------
const { Clock, FakeWS, flush } = require('./fakes');
const USER = { id: 'u-ann', name: 'Ann', role: 'customer', guest: true };

function makeClient(extra = {}) {
  FakeWS.all = [];
  const clock = new Clock();
  const tokens = [];
  const c = new ParleyClient({
    url: 'ws://test/ws',
    getToken: ({ refresh }) => { tokens.push(refresh); return 'tok' + tokens.length; },
    WebSocket: FakeWS,
    setTimeout: (f, ms) => clock.setTimeout(f, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    now: () => clock.now(),
    random: () => 0.5,
    ...extra,
  });
  const events = [];
  for (const t of ['state', 'welcome', 'joined', 'message', 'ack', 'send-failed', 'reset', 'error', 'fatal', 'typing', 'presence', 'outbox']) {
    c.on(t, (v) => events.push([t, v]));
  }
  const of = (t) => events.filter((e) => e[0] === t).map((e) => e[1]);
  return { c, clock, tokens, events, of };
}

/** Connects and authenticates; returns the fake socket. */
async function online(c, user = USER) {
  c.connect();
  await flush();
  const ws = FakeWS.all[FakeWS.all.length - 1];
  ws.open();
  const auth = ws.last('auth');
  assert.ok(auth, 'auth is the first frame');
  ws.push({ op: 'welcome', user, protocol: 1, server: 'parley/test', session: 1 });
  return ws;
}

/** Answers the latest join on `ws` with ok + optional messages. */
function answerJoin(ws, channel, lastSeq, msgs = [], epoch = 1) {
  const j = ws.sent.filter((f) => f.op === 'join' && f.channel === channel).pop();
  assert.ok(j, `join ${channel} was sent`);
  ws.push({ op: 'ok', id: j.id, channel, last_seq: lastSeq, kind: 'support', epoch }, ...msgs);
  return j;
}

const msg = (channel, seq, text = 'm' + seq, from = { id: 'u-bob', name: 'Bob', role: 'customer', advocate: false }) =>
  ({ op: 'message', channel, seq, ts: 1700000000000 + seq, from, text });

// ---- pure helpers -------------------------------------------------------------------------
test('backoffDelay: exponential, capped, jittered within [cap/2, cap]', () => {
  const opts = { base: 500, max: 30000, factor: 2 };
  let prevCap = 0;
  for (let a = 0; a < 30; a++) {
    const cap = Math.min(30000, 500 * 2 ** a);
    const lo = backoffDelay(a, opts, () => 0), hi = backoffDelay(a, opts, () => 0.999999);
    assert.equal(lo, cap / 2);
    assert.ok(hi <= cap && hi >= cap - 1, `attempt ${a}: ${hi} <= ${cap}`);
    assert.ok(cap >= prevCap);
    prevCap = cap;
    for (let i = 0; i < 20; i++) {
      const d = backoffDelay(a, opts, Math.random);
      assert.ok(d >= cap / 2 && d <= cap, `attempt ${a}: ${d} in [${cap / 2}, ${cap}]`);
    }
  }
  assert.equal(backoffDelay(100, opts, () => 1), 30000, 'never above max');
  assert.equal(backoffDelay(0, undefined, () => 0), 250, 'defaults: base 500');
});

test('splitFrame: one frame carries several objects separated by \\n', () => {
  assert.deepEqual(splitFrame('{"op":"pong"}'), [{ op: 'pong' }]);
  const two = splitFrame('{"op":"message","seq":1}\n{"op":"message","seq":2}\n');
  assert.deepEqual(two.map((m) => m.seq), [1, 2]);
  assert.deepEqual(splitFrame('\n\n{"a":1}\n\n'), [{ a: 1 }]);
  const bad = splitFrame('{"op":"ok"}\nnot json');
  assert.equal(bad.length, 2);
  assert.equal(bad[1].op, 'error');
  assert.equal(bad[1].code, 'client_parse');
  // "\n" inside JSON strings is always escaped by the server, never raw.
  assert.equal(splitFrame('{"text":"a\\nb"}')[0].text, 'a\nb');
});

test('dmChannel / dmPeer', () => {
  assert.equal(dmChannel('bob', 'ann'), 'dm:ann:bob');
  assert.equal(dmChannel('ann', 'bob'), 'dm:ann:bob');
  assert.equal(dmPeer('dm:ann:bob', 'ann'), 'bob');
  assert.equal(dmPeer('dm:ann:bob', 'bob'), 'ann');
  assert.equal(dmPeer('dm:ann:bob', 'eve'), null);
  assert.equal(dmPeer('help', 'ann'), null);
});

// ---- connection ---------------------------------------------------------------------------
test('authenticates first, then reports open', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  assert.equal(ws.sent[0].op, 'auth');
  assert.equal(ws.sent[0].token, 'tok1');
  assert.equal(c.state, 'open');
  assert.deepEqual(of('welcome')[0], USER);
});

test('a frame with several objects is handled object by object', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  ws.onmessage({ data: [msg('help', 1), msg('help', 2), msg('help', 3)].map((m) => JSON.stringify(m)).join('\n') });
  assert.deepEqual(of('message').map((m) => m.seq), [1, 2, 3]);
});

test('reconnect delays grow exponentially with jitter and reset after a welcome', async () => {
  const { c, clock, of } = makeClient({ random: Math.random, backoff: { base: 500, max: 8000 } });
  c.connect();
  await flush();
  const delays = [];
  for (let i = 0; i < 7; i++) {
    FakeWS.all[FakeWS.all.length - 1].drop(1006); // never opens: server down
    const d = of('state').filter((s) => s.state === 'waiting').pop().delay;
    delays.push(d);
    await clock.advance(d);
  }
  delays.forEach((d, a) => {
    const cap = Math.min(8000, 500 * 2 ** a);
    assert.ok(d >= cap / 2 && d <= cap, `attempt ${a}: ${d} in [${cap / 2}, ${cap}]`);
  });
  assert.equal(FakeWS.all.length, 8, 'one new socket per attempt');
  const ws = FakeWS.all[7];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  assert.equal(c.attempt, 0);
  ws.drop(1012, 'server restarting');
  const d = of('state').filter((s) => s.state === 'waiting').pop();
  assert.ok(d.delay <= 500 && d.delay >= 250, 'back to the base delay after a good connection');
  assert.equal(d.code, 1012);
});

test('resume: every joined channel is rejoined with since = last seq seen', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  c.join('general');
  answerJoin(ws, 'help', 5, [msg('help', 6), msg('help', 7)]);
  answerJoin(ws, 'general', 0); // empty channel: resume must still say since 0
  assert.equal(ws.last('join').since, undefined, 'a first join has no since');
  ws.drop(1012);
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  const joins = ws.ops('join');
  assert.deepEqual(joins.map((j) => [j.channel, j.since]).sort(), [['general', 0], ['help', 7]]);
  // the replay after the resume goes on from there, and duplicates are dropped
  answerJoin(ws, 'help', 9, [msg('help', 7), msg('help', 8), msg('help', 9)]);
  assert.deepEqual(of('message').filter((m) => m.channel === 'help').map((m) => m.seq), [6, 7, 8, 9]);
  assert.equal(c.stats.duplicates, 1);
  assert.equal(of('joined').filter((j) => j.resumed).length, 1);
});

test('a message that arrives after the resume point moves it forward', async () => {
  const { c, clock } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 10);
  ws.push(msg('help', 11));
  ws.drop(1006);
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  assert.equal(ws.last('join').since, 11);
});

test('pending sends are retried after a reconnect with the same client_msg_id', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 3);
  const a = c.send('help', 'first');
  const first = ws.last('send');
  assert.equal(first.client_msg_id, a.client_msg_id);
  ws.drop(1006); // the ack never came
  const b = c.send('help', 'typed while offline', { reply_to: 2 });
  assert.equal(c.outbox.length, 2);
  assert.equal(of('outbox').pop().length, 2, 'outbox is published for persistence');
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  assert.equal(ws.ops('send').length, 0, 'nothing is sent before the welcome');
  ws.push({ op: 'welcome', user: USER });
  const sends = ws.ops('send');
  assert.deepEqual(sends.map((s) => s.client_msg_id), [a.client_msg_id, b.client_msg_id]);
  assert.notEqual(sends[0].id, first.id, 'a new request id');
  assert.equal(sends[1].reply_to, 2);
  // the first had been stored before the crash: the server answers with the original ack
  ws.push({ op: 'ok', id: sends[0].id, channel: 'help', seq: 4, ts: 1 });
  ws.push({ op: 'ok', id: sends[1].id, channel: 'help', seq: 5, ts: 2 });
  assert.deepEqual(of('ack').map((x) => [x.client_msg_id, x.seq]), [[a.client_msg_id, 4], [b.client_msg_id, 5]]);
  assert.equal(c.outbox.length, 0);
  assert.deepEqual(of('outbox').pop(), []);
});

test('a send made before the first connection goes out after the welcome', async () => {
  const { c } = makeClient();
  const e = c.send('help', 'early');
  const ws = await online(c);
  assert.equal(ws.last('send').client_msg_id, e.client_msg_id);
});

test('outbox restored from storage is sent with its stored client_msg_id', async () => {
  const { c } = makeClient({ outbox: [{ client_msg_id: 'keep-me-1', kind: 'send', channel: 'help', text: 'saved', state: 'sending' }] });
  const ws = await online(c);
  const s = ws.last('send');
  assert.equal(s.client_msg_id, 'keep-me-1');
  assert.equal(s.text, 'saved');
});

test('acks match their send by request id, in any order; own messages are not doubled', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  const a = c.send('help', 'A');
  const b = c.send('help', 'B');
  const [sa, sb] = ws.ops('send');
  ws.push({ op: 'ok', id: sb.id, channel: 'help', seq: 1, ts: 10 });
  ws.push({ op: 'ok', id: sa.id, channel: 'help', seq: 2, ts: 11 });
  assert.deepEqual(of('ack').map((x) => x.client_msg_id), [b.client_msg_id, a.client_msg_id]);
  // a stand-in is shown at once from the ack …
  let ms = of('message');
  assert.deepEqual(ms.map((m) => [m.seq, m.text, m.client_msg_id, !!m.synthetic]),
    [[1, 'B', b.client_msg_id, true], [2, 'A', a.client_msg_id, true]]);
  // … and replaced (not duplicated) by the server's event, which carries the advocate flag
  const me = { id: USER.id, name: 'Ann', role: 'customer', advocate: true };
  ws.push(msg('help', 1, 'B', me), msg('help', 2, 'A', me), msg('help', 2, 'A', me));
  ms = of('message');
  assert.equal(ms.length, 4);
  assert.deepEqual(ms.slice(2).map((m) => [m.seq, m.replace, m.client_msg_id, m.from.advocate]),
    [[1, true, b.client_msg_id, true], [2, true, a.client_msg_id, true]]);
  assert.equal(c.stats.duplicates, 1);
});

test('request() of any op resolves with its ok or rejects with its error, send and dm included', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  const sent = c.request({ op: 'send', channel: 'help', text: 'raw', client_msg_id: 'r1' });
  const dm = c.request({ op: 'dm', to: 'u-bob', text: 'raw', client_msg_id: 'r2' });
  const [s1, s2] = ws.sent.filter((f) => f.client_msg_id === 'r1' || f.client_msg_id === 'r2');
  ws.push({ op: 'ok', id: s1.id, channel: 'help', seq: 4, ts: 10 });
  ws.push({ op: 'error', id: s2.id, code: 'forbidden', message: 'no' });
  assert.equal((await sent).seq, 4);
  await assert.rejects(dm, (e) => e.code === 'forbidden');
  assert.deepEqual(of('ack'), [], 'not taken for an outbox send');
});

test('an ack for a message already seen in the replay adds no second copy', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 0);
  const e = c.send('help', 'hello');
  ws.drop(1006);
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  answerJoin(ws, 'help', 1, [msg('help', 1, 'hello', { id: USER.id, name: 'Ann', role: 'customer', advocate: false })]);
  ws.push({ op: 'ok', id: ws.last('send').id, channel: 'help', seq: 1, ts: 5 });
  assert.deepEqual(of('message').map((m) => m.seq), [1]);
  assert.deepEqual(of('ack').map((a) => [a.client_msg_id, a.seq]), [[e.client_msg_id, 1]]);
});

test('dedupe by (channel, seq): live duplicates and overlapping history pages', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 60);
  ws.push(msg('help', 61), msg('help', 61), msg('general', 61));
  assert.deepEqual(of('message').map((m) => [m.channel, m.seq]), [['help', 61], ['general', 61]]);
  const p = c.history('help', { before: 62, limit: 3 });
  const h = ws.last('history');
  assert.deepEqual([h.channel, h.before, h.limit], ['help', 62, 3]);
  ws.push({ op: 'ok', id: h.id, channel: 'help', messages: [msg('help', 59), msg('help', 60), msg('help', 61)], has_more: true });
  const page = await p;
  assert.deepEqual(page.messages.map((m) => m.seq), [59, 60]);
  assert.equal(page.oldest, 59);
  assert.equal(page.has_more, true);
  ws.push(msg('help', 60));
  assert.equal(of('message').length, 2, 'a seq first seen in history is not emitted again');
});

test('a refused send fails visibly and can be retried with the same client_msg_id', async () => {
  const { c, of } = makeClient();
  const ws = await online(c);
  const e = c.send('help', 'x'.repeat(10));
  const s1 = ws.last('send');
  ws.push({ op: 'error', id: s1.id, code: 'muted', message: 'you are muted' });
  assert.equal(of('send-failed').length, 1);
  assert.equal(e.state, 'failed');
  assert.equal(e.error.code, 'muted');
  c.retry(e.client_msg_id);
  const s2 = ws.last('send');
  assert.notEqual(s2.id, s1.id);
  assert.equal(s2.client_msg_id, e.client_msg_id);
  c.discard(e.client_msg_id);
  assert.equal(c.outbox.length, 0);
});

test('rate_limited sends are retried after retry_after_ms', async () => {
  const { c, clock } = makeClient();
  const ws = await online(c);
  const e = c.send('help', 'hi');
  ws.push({ op: 'error', id: ws.last('send').id, code: 'rate_limited', message: 'slow down', retry_after_ms: 300 });
  assert.equal(ws.ops('send').length, 1);
  await clock.advance(299);
  assert.equal(ws.ops('send').length, 1);
  await clock.advance(2);
  assert.equal(ws.ops('send').length, 2);
  assert.equal(ws.last('send').client_msg_id, e.client_msg_id);
});

test('4401 asks for a fresh token; 4403 stops reconnecting', async () => {
  const { c, clock, tokens, of } = makeClient();
  let ws = await online(c);
  ws.push({ op: 'error', code: 'unauthorized', message: 'expired' });
  ws.drop(4401);
  await clock.advance(1000);
  assert.deepEqual(tokens, [false, true]);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  ws.drop(4403, 'banned');
  assert.equal(c.state, 'failed');
  assert.equal(of('fatal').length, 1);
  await clock.advance(120000);
  assert.equal(FakeWS.all.length, 2, 'no reconnect after a ban');
});

test('a silent connection is detected by ping and replaced', async () => {
  const { c, clock } = makeClient({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
  const ws = await online(c);
  await clock.advance(1000);
  assert.equal(ws.ops('ping').length, 1);
  ws.push({ op: 'pong' });
  await clock.advance(1000);
  assert.equal(ws.ops('ping').length, 2);
  await clock.advance(1000); // nothing received for 2 s > 1.5 s
  assert.equal(c.state, 'waiting');
  await clock.advance(600);
  assert.equal(FakeWS.all.length, 2);
});

test('an incoming DM joins its conversation so that it resumes too', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  ws.push(msg('dm:u-ann:u-bob', 3, 'psst'));
  assert.equal(of('message').length, 1);
  const j = ws.last('join');
  assert.deepEqual([j.channel, j.since], ['dm:u-ann:u-bob', 3]);
  answerJoin(ws, 'dm:u-ann:u-bob', 3);
  const e = c.sendDm('u-bob', 'hi back');
  assert.equal(e.channel, 'dm:u-ann:u-bob');
  const d = ws.last('dm');
  assert.deepEqual([d.to, d.text, d.client_msg_id], ['u-bob', 'hi back', e.client_msg_id]);
  ws.push({ op: 'ok', id: d.id, channel: 'dm:u-ann:u-bob', seq: 4, ts: 9 });
  ws.drop(1006);
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  assert.equal(ws.last('join').since, 3, 'the stand-in from our ack does not move the resume point');
});

test('resume asks for the changes made meanwhile: changes_since = the last change seen', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  let j = ws.last('join');
  assert.equal(j.changes_since, undefined, 'a first join asks for no changes');
  ws.push({ op: 'ok', id: j.id, channel: 'help', last_seq: 5, last_change: 4, kind: 'support', epoch: 1 });
  assert.equal(of('joined')[0].changes, null);
  ws.push({ op: 'edited', channel: 'help', seq: 5, text: 'x', edited_at: 1, change: 5 },
    { op: 'reaction', channel: 'help', seq: 5, emoji: 'e', count: 1, change: 6 });
  const reconnect = async () => {
    ws.drop(1006);
    await clock.advance(60000);
    ws = FakeWS.all[FakeWS.all.length - 1];
    ws.open();
    ws.push({ op: 'welcome', user: USER });
    return ws.last('join');
  };
  j = await reconnect();
  assert.deepEqual([j.since, j.changes_since], [5, 6]);
  // The replayed changes come as events and move the point on; joined says they were replayed.
  ws.push({ op: 'ok', id: j.id, channel: 'help', last_seq: 5, last_change: 8, kind: 'support', epoch: 1 },
    { op: 'deleted', channel: 'help', seq: 4, by: 'sam', change: 7 },
    { op: 'solved', channel: 'help', question_seq: 3, seq: 0, change: 8 });
  assert.equal(of('joined')[1].changes, 'replayed');
  j = await reconnect();
  assert.equal(j.changes_since, 8);
  // Too long away: the server no longer keeps them all; the point jumps to last_change.
  ws.push({ op: 'ok', id: j.id, channel: 'help', last_seq: 5, last_change: 90, changes_reset: true, kind: 'support', epoch: 1 });
  assert.equal(of('joined')[2].changes, 'reset');
  j = await reconnect();
  assert.equal(j.changes_since, 90);
  // A new epoch starts over: the numbers of the old store mean nothing.
  ws.push({ op: 'ok', id: j.id, channel: 'help', last_seq: 0, last_change: 0, kind: 'support', epoch: 2 });
  assert.equal(of('reset').length, 1);
  assert.equal(of('joined')[3].changes, null);
  j = await reconnect();
  assert.equal(j.changes_since, 0);
});

test('an epoch change resets the channel', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 5, [], 1);
  ws.drop(1012);
  await clock.advance(1000);
  ws = FakeWS.all[1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  answerJoin(ws, 'help', 2, [msg('help', 1), msg('help', 2)], 2);
  assert.equal(of('reset').length, 1);
  assert.deepEqual(of('message').map((m) => m.seq), [1, 2]);
});

test('a channel that ends before what the client saw (since_reset) resets it', async () => {
  const { c, clock, of } = makeClient();
  let ws = await online(c);
  c.join('help');
  answerJoin(ws, 'help', 5, [], 1);
  ws.push(msg('help', 6), msg('help', 7));
  ws.drop(1012);
  await clock.advance(1000);
  ws = FakeWS.all[FakeWS.all.length - 1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  const j = ws.last('join');
  assert.equal(j.since, 7);
  // Restored from a backup: the same epoch, but the channel now ends at 3.
  ws.push({ op: 'ok', id: j.id, channel: 'help', last_seq: 3, last_change: 0, since_reset: true, kind: 'support', epoch: 1 });
  assert.equal(of('reset').length, 1);
  // Seqs 4 … 7 of the restored store are new messages, not ones already seen.
  ws.push(msg('help', 4, 'new four'), msg('help', 6, 'new six'));
  assert.deepEqual(of('message').map((m) => m.text), ['m6', 'm7', 'new four', 'new six']);
  // The next resume starts from them.
  ws.drop(1012);
  await clock.advance(60000);
  ws = FakeWS.all[FakeWS.all.length - 1];
  ws.open();
  ws.push({ op: 'welcome', user: USER });
  assert.equal(ws.last('join').since, 6);
});

test('typing is throttled; typing and presence events pass through', async () => {
  const { c, clock, of } = makeClient();
  const ws = await online(c);
  c.typing('help');
  c.typing('help');
  assert.equal(ws.ops('typing').length, 1);
  await clock.advance(3000);
  c.typing('help');
  assert.equal(ws.ops('typing').length, 2);
  ws.push({ op: 'typing', channel: 'help', user: 'u-bob', name: 'Bob' },
    { op: 'presence', channel: 'help', user: 'u-bob', name: 'Bob', state: 'online' });
  assert.equal(of('typing')[0].name, 'Bob');
  assert.equal(of('presence')[0].state, 'online');
});

// Node's `ws` reports closing a socket that is still connecting as an error event, and throws
// it when nobody listens: close() must leave a listener behind.
test('close() while the socket is still connecting throws nothing', async () => {
  const unheard = [];
  class ErrorOnCloseWS extends FakeWS {
    close() {
      super.close();
      // As `ws` does: the error event comes a tick later; with no listener it is thrown.
      process.nextTick(() => (this.onerror ? this.onerror({}) : unheard.push('error with no listener')));
    }
  }
  const { c } = makeClient({ WebSocket: ErrorOnCloseWS });
  c.connect();
  await flush();
  assert.equal(FakeWS.all.length, 1);
  c.close();
  await flush();
  assert.deepEqual(unheard, []);
  assert.equal(c.state, 'closed');
});

test('close() stops for good', async () => {
  const { c, clock } = makeClient();
  await online(c);
  c.close();
  assert.equal(c.state, 'closed');
  await clock.advance(60000);
  assert.equal(FakeWS.all.length, 1);
});

// ---- knowledge ------------------------------------------------------------------------------
test('search and deflected send their frames and resolve with the ok', async () => {
  const { c } = makeClient();
  const ws = await online(c);
  const found = c.search('red ring', { channel: 'help', solved: true, limit: 3, match: 'any' });
  const s = ws.sent[ws.sent.length - 1];
  assert.deepEqual({ ...s, id: undefined },
    { op: 'search', query: 'red ring', channel: 'help', solved: true, limit: 3, match: 'any', id: undefined });
  ws.push({ op: 'ok', id: s.id, results: [{ channel: 'help', seq: 4, snippet: '<mark>red</mark>' }] });
  assert.equal((await found).results[0].seq, 4);

  const d = c.deflected('help', 4);
  const f = ws.sent[ws.sent.length - 1];
  assert.deepEqual({ ...f, id: undefined }, { op: 'deflected', channel: 'help', seq: 4, id: undefined });
  ws.push({ op: 'error', id: f.id, code: 'bad_request', message: 'not a solved question' });
  await assert.rejects(d, /not a solved question/);
});
