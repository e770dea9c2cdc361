'use strict';
// The chat logic both peers share (ws-peer.js, socketio-peer.js): the subset of
// protocol/PROTOCOL.md that parley-load speaks. A transport owns the sockets; this file owns
// users, rooms and sequence numbers.
//
//   auth  {token}         -> welcome                 (the token is NOT verified, see below)
//   join  {channel}       -> ok {channel, last_seq, kind, epoch}   (no replay: `since` ignored)
//   send  {channel, text} -> ok {channel, seq, ts}, then `message` to the channel's joiners
//   dm    {to, text}      -> ok {channel:"dm:a:b", seq, ts}, then `message` to both users
//   ping                  -> pong
//   anything else         -> error bad_request
//
// What the peers do NOT do, on purpose (docs/PERFORMANCE.md says so next to their numbers):
//   * no persistence: seqs live in memory, messages are not stored, an ack means "fanned out";
//   * no token verification: a token must be a non-empty string; `sub`, `name` and `role` are
//     read from its payload without checking the signature or expiry (any other token gets a
//     made-up user id);
//   * no presence, history, idempotency by client_msg_id, rate limits, permissions, moderation.
//
// Limits: frame size and connection count are enforced by the transports; texts are capped at
// 4,000 UTF-16 units, request ids must be strings or integers, a connection must authenticate
// within 10 s.

const CHANNEL_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const USER_RE = /^[A-Za-z0-9._@+-]{1,64}$/;
const MAX_TEXT = 4000;
const AUTH_TIMEOUT_MS = 10000;

// Command line: --host, --port, --port-file, --max-connections, --max-frame-bytes,
// --max-outbound-bytes. Unknown flags are an error.
function parseArgs(argv, name) {
  const o = {
    host: '127.0.0.1',
    port: 0,
    portFile: '',
    maxConnections: 20000,
    maxFrameBytes: 65536,
    maxOutboundBytes: 4 * 1024 * 1024,
  };
  const usage = () => {
    process.stderr.write(
      `usage: node ${name} [--host 127.0.0.1] [--port 0] [--port-file F] ` +
        '[--max-connections 20000] [--max-frame-bytes 65536] [--max-outbound-bytes 4194304]\n');
    process.exit(2);
  };
  for (let i = 2; i < argv.length; ++i) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') usage();
    if (value === undefined) usage();
    ++i;
    if (flag === '--host') o.host = value;
    else if (flag === '--port') o.port = Number(value);
    else if (flag === '--port-file') o.portFile = value;
    else if (flag === '--max-connections') o.maxConnections = Number(value);
    else if (flag === '--max-frame-bytes') o.maxFrameBytes = Number(value);
    else if (flag === '--max-outbound-bytes') o.maxOutboundBytes = Number(value);
    else usage();
  }
  for (const k of ['port', 'maxConnections', 'maxFrameBytes', 'maxOutboundBytes']) {
    if (!Number.isInteger(o[k]) || o[k] < 0) usage();
  }
  // Loopback only: these servers trust every token.
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(o.host) && o.host !== '::1') {
    process.stderr.write(`${name}: refusing host ${o.host}: loopback only\n`);
    process.exit(2);
  }
  return o;
}

// Writes the bound port atomically (readers poll for a non-empty file).
function writePortFile(path, port) {
  if (!path) return;
  const fs = require('fs');
  fs.writeFileSync(path + '.tmp', `${port}\n`);
  fs.renameSync(path + '.tmp', path);
}

// The user a token claims to be. NOT a verification: see the header.
let anonymous = 0;
function userFromToken(token) {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    if (typeof payload.sub === 'string' && USER_RE.test(payload.sub)) {
      return {
        id: payload.sub,
        name: typeof payload.name === 'string' && payload.name ? payload.name : payload.sub,
        role: typeof payload.role === 'string' ? payload.role : 'customer',
      };
    }
  } catch (e) {
    // fall through
  }
  const id = `anon${++anonymous}`;
  return { id, name: id, role: 'customer' };
}

function validId(id) {
  return (typeof id === 'string' && id.length <= 128) || Number.isSafeInteger(id);
}

// transport: {
//   send(conn, obj)           one object to one connection
//   subscribe(conn, room)     rooms: "c:<channel>" (joined channel), "u:<user id>" (DMs)
//   publish(rooms, obj)       one object to every connection in any of the rooms, once each
//   close(conn, code, reason) close the connection
// }
// A conn is the transport's per-connection object; Chat adds conn.user, conn.authTimer.
class Chat {
  constructor(transport) {
    this.t = transport;
    this.seqs = new Map();  // channel name -> {seq, ts}
  }

  opened(conn) {
    conn.user = null;
    conn.authTimer = setTimeout(() => {
      if (!conn.user) this.t.close(conn, 4401, 'authentication timeout');
    }, AUTH_TIMEOUT_MS);
  }

  closed(conn) {
    clearTimeout(conn.authTimer);
  }

  // `req` is the parsed request (socket.io) or its text (ws).
  handle(conn, req) {
    if (typeof req === 'string') {
      try {
        req = JSON.parse(req);
      } catch (e) {
        return this.error(conn, undefined, 'bad_request', 'invalid JSON');
      }
    }
    if (req === null || typeof req !== 'object' || Array.isArray(req)) {
      return this.error(conn, undefined, 'bad_request', 'a frame must hold one JSON object');
    }
    const id = validId(req.id) ? req.id : undefined;
    if (!conn.user) return this.auth(conn, req, id);
    switch (req.op) {
      case 'join':
        return this.join(conn, req, id);
      case 'send':
        return this.post(conn, req, id, req.channel);
      case 'dm':
        return this.dm(conn, req, id);
      case 'ping':
        return this.t.send(conn, id === undefined ? { op: 'pong', ts: Date.now() }
                                                  : { op: 'pong', id, ts: Date.now() });
      case 'auth':
        return this.error(conn, id, 'bad_request', 'already authenticated');
      default:
        return this.error(conn, id, 'bad_request',
                          `op ${JSON.stringify(req.op)} is not supported by this peer`);
    }
  }

  error(conn, id, code, message) {
    this.t.send(conn, id === undefined ? { op: 'error', code, message }
                                       : { op: 'error', id, code, message });
  }

  auth(conn, req, id) {
    if (req.op !== 'auth' || typeof req.token !== 'string' || req.token === '') {
      this.error(conn, id, 'unauthorized', 'authenticate first');
      return this.t.close(conn, 4401, 'unauthorized');
    }
    clearTimeout(conn.authTimer);
    const u = userFromToken(req.token);
    conn.user = u;
    conn.from = { id: u.id, name: u.name, role: u.role, advocate: false };
    this.t.subscribe(conn, 'u:' + u.id);
    const welcome = { op: 'welcome' };
    if (id !== undefined) welcome.id = id;
    welcome.user = { id: u.id, name: u.name, role: u.role, guest: false };
    welcome.protocol = 1;
    welcome.server = 'peer';
    this.t.send(conn, welcome);
  }

  // A DM channel name's two users, or null.
  dmUsers(name) {
    const parts = name.split(':');
    if (parts.length !== 3 || parts[0] !== 'dm' || !(parts[1] < parts[2])) return null;
    if (!USER_RE.test(parts[1]) || !USER_RE.test(parts[2])) return null;
    return [parts[1], parts[2]];
  }

  // Checks a channel name for `user`; returns an error message or ''.
  channelError(name, user) {
    if (typeof name !== 'string') return '"channel" is required';
    if (CHANNEL_RE.test(name)) return '';
    const users = this.dmUsers(name);
    if (!users) return 'invalid channel name';
    if (users[0] !== user.id && users[1] !== user.id) return 'forbidden';
    return '';
  }

  join(conn, req, id) {
    const bad = this.channelError(req.channel, conn.user);
    if (bad) return this.error(conn, id, bad === 'forbidden' ? 'forbidden' : 'bad_request', bad);
    const ch = this.seqs.get(req.channel);
    const dm = req.channel.startsWith('dm:');
    // DMs reach both users through their "u:" rooms; joining one adds nothing.
    if (!dm) this.t.subscribe(conn, 'c:' + req.channel);
    const ok = { op: 'ok' };
    if (id !== undefined) ok.id = id;
    ok.channel = req.channel;
    ok.last_seq = ch ? ch.seq : 0;
    ok.kind = dm ? 'dm' : 'chat';
    ok.epoch = 1;
    this.t.send(conn, ok);
  }

  dm(conn, req, id) {
    const to = req.to;
    if (typeof to !== 'string' || !USER_RE.test(to) || to === conn.user.id) {
      return this.error(conn, id, 'bad_request', '"to" must be another valid user id');
    }
    const a = conn.user.id < to ? conn.user.id : to;
    const b = conn.user.id < to ? to : conn.user.id;
    return this.post(conn, req, id, `dm:${a}:${b}`);
  }

  // send and dm: a seq, the ack, then the message event (ack before echo, as parleyd does).
  post(conn, req, id, channel) {
    const bad = this.channelError(channel, conn.user);
    if (bad) return this.error(conn, id, bad === 'forbidden' ? 'forbidden' : 'bad_request', bad);
    const text = req.text;
    if (typeof text !== 'string' || text.length === 0) {
      return this.error(conn, id, 'bad_request', '"text" is required');
    }
    if (text.length > MAX_TEXT) {
      return this.error(conn, id, 'too_large', `"text" is longer than ${MAX_TEXT} characters`);
    }
    let ch = this.seqs.get(channel);
    if (!ch) {
      ch = { seq: 0, ts: 0 };
      this.seqs.set(channel, ch);
    }
    const seq = ++ch.seq;
    ch.ts = Math.max(ch.ts, Date.now());
    const ts = ch.ts;
    const ok = { op: 'ok' };
    if (id !== undefined) ok.id = id;
    ok.channel = channel;
    ok.seq = seq;
    ok.ts = ts;
    this.t.send(conn, ok);
    const event = { op: 'message', channel, seq, ts, from: conn.from, text };
    const users = channel.startsWith('dm:') ? this.dmUsers(channel) : null;
    this.t.publish(users ? ['u:' + users[0], 'u:' + users[1]] : ['c:' + channel], event);
  }
}

// SIGTERM/SIGINT: stop accepting, close every connection (1012), exit.
function exitOnSignals(shutdown) {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    try {
      shutdown();
    } finally {
      setTimeout(() => process.exit(0), 300).unref();
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

module.exports = { Chat, parseArgs, writePortFile, exitOnSignals };
