// Test doubles for the unit tests of clients/web/parley-client.js: a manual clock and a fake
// WebSocket whose "server side" the test drives. (Not a test file itself: node --test only runs
// *.test.js here.)
'use strict';
const path = require('node:path');
const assert = require('node:assert/strict');

const lib = require(path.join(__dirname, '../../../clients/web/parley-client.js'));

const flush = () => new Promise((r) => setImmediate(r));

class Clock {
  constructor() { this.t = 1_000_000; this.timers = new Map(); this.next = 1; }
  now() { return this.t; }
  setTimeout(f, ms) { const id = this.next++; this.timers.set(id, { at: this.t + ms, f }); return id; }
  clearTimeout(id) { this.timers.delete(id); }
  pendingDelays() { return [...this.timers.values()].map((t) => t.at - this.t); }
  /** Runs every timer due within `ms`, in order, advancing the clock. */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let best = null;
      for (const [id, tm] of this.timers) if (tm.at <= end && (!best || tm.at < best[1].at)) best = [id, tm];
      if (!best) break;
      this.timers.delete(best[0]);
      this.t = best[1].at;
      best[1].f();
      await flush();
    }
    this.t = end;
  }
}

class FakeWS {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeWS.all.push(this);
  }
  send(s) { this.sent.push(JSON.parse(s)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen && this.onopen({}); }
  push(...objs) { this.onmessage && this.onmessage({ data: objs.map((o) => JSON.stringify(o)).join('\n') }); }
  drop(code = 1006, reason = '') { this.readyState = 3; this.onclose && this.onclose({ code, reason }); }
  ops(op) { return this.sent.filter((f) => f.op === op); }
  last(op) { const a = this.ops(op); return a[a.length - 1]; }
}
FakeWS.all = [];

const ANN = { id: 'u-ann', name: 'Ann', role: 'customer', guest: true };
const BOB = { id: 'u-bob', name: 'Bob', role: 'customer', advocate: false };
const SAM = { id: 'sam', name: 'Sam', role: 'staff', advocate: false };

const EVENTS = ['state', 'welcome', 'joined', 'message', 'ack', 'send-failed', 'reset', 'error', 'fatal', 'typing',
  'presence', 'outbox', 'hold', 'kicked', 'advocate', 'edited', 'deleted', 'reaction', 'helpful', 'solved', 'channel_updated'];

function makeClient(extra = {}) {
  FakeWS.all = [];
  const clock = new Clock();
  const c = new lib.ParleyClient({
    url: 'ws://test/ws',
    getToken: () => 'tok',
    WebSocket: FakeWS,
    setTimeout: (f, ms) => clock.setTimeout(f, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    now: () => clock.now(),
    random: () => 0.5,
    ...extra,
  });
  const events = [];
  for (const t of EVENTS) c.on(t, (v) => events.push([t, v]));
  const of = (t) => events.filter((e) => e[0] === t).map((e) => e[1]);
  return { c, clock, events, of };
}

/** Connects and authenticates as `user`; returns the fake socket. */
async function online(c, user = ANN) {
  c.connect();
  await flush();
  const ws = FakeWS.all[FakeWS.all.length - 1];
  ws.open();
  ws.push({ op: 'welcome', user, protocol: 1, server: 'parley/test', session: 1 });
  return ws;
}

/** Drops the connection and lets the client reconnect (backoff elapsed) as `user`. */
async function reconnect(c, clock, ws, user = ANN) {
  ws.drop(1006);
  await clock.advance(1000);
  const next = FakeWS.all[FakeWS.all.length - 1];
  assert.notEqual(next, ws, 'a new socket');
  next.open();
  next.push({ op: 'welcome', user });
  return next;
}

function answerJoin(ws, channel, lastSeq, msgs = [], extra = {}) {
  const j = ws.sent.filter((f) => f.op === 'join' && f.channel === channel).pop();
  assert.ok(j, `join ${channel} was sent`);
  ws.push({ op: 'ok', id: j.id, channel, last_seq: lastSeq, kind: 'support', epoch: 1, archived: false, locked: false, slow_mode_s: 0, ...extra }, ...msgs);
  return j;
}

/** Answers the latest request `op` with an ok carrying `fields`. */
function answer(ws, op, fields = {}) {
  const f = ws.last(op);
  assert.ok(f, `${op} was sent`);
  ws.push({ op: 'ok', id: f.id, ...fields });
  return f;
}

const msg = (channel, seq, extra = {}) =>
  ({ op: 'message', channel, seq, ts: 1700000000000 + seq, from: BOB, text: 'm' + seq, ...extra });

module.exports = { lib, flush, Clock, FakeWS, ANN, BOB, SAM, makeClient, online, reconnect, answerJoin, answer, msg };
