'use strict';
// ws-peer: the Parley protocol subset of peer-core.js on Node's `ws` library, at ws://HOST:PORT/ws,
// one JSON object per text frame both ways. A baseline for `make bench`, not a chat server.
//
//   node ws-peer.js [--host 127.0.0.1] [--port 0] [--port-file F] [--max-connections 20000]
//                   [--max-frame-bytes 65536] [--max-outbound-bytes 4194304]
//
// Written the way the ws README does a broadcast, with two choices a careful user makes: no
// permessage-deflate, and each event serialized once into a Buffer shared by every recipient.
// One event loop (one core). Limits: connections (excess TCP connections are dropped by the
// HTTP server), frame size (close 1009), outbound buffer per connection (checked before each
// send: a connection over it is terminated, like parleyd's close 1008).
const http = require('http');
const { WebSocketServer } = require('ws');
const { Chat, parseArgs, writePortFile, exitOnSignals } = require('./peer-core');

const opts = parseArgs(process.argv, 'ws-peer.js');
const rooms = new Map();  // room -> Set<ws>

function sendBuffer(ws, buf) {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > opts.maxOutboundBytes) {
    ws.terminate();
    return;
  }
  ws.send(buf, { binary: false });
}

const transport = {
  send(ws, obj) {
    sendBuffer(ws, Buffer.from(JSON.stringify(obj)));
  },
  subscribe(ws, room) {
    let set = rooms.get(room);
    if (!set) rooms.set(room, (set = new Set()));
    set.add(ws);
    ws.rooms.push(room);
  },
  publish(names, obj) {
    const buf = Buffer.from(JSON.stringify(obj));
    if (names.length === 1) {
      const set = rooms.get(names[0]);
      if (set) for (const ws of set) sendBuffer(ws, buf);
      return;
    }
    const seen = new Set();
    for (const name of names) {
      const set = rooms.get(name);
      if (!set) continue;
      for (const ws of set) {
        if (seen.has(ws)) continue;
        seen.add(ws);
        sendBuffer(ws, buf);
      }
    }
  },
  close(ws, code, reason) {
    ws.close(code, reason);
  },
};
const chat = new Chat(transport);

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('WebSocket endpoint is /ws\n');
});
server.maxConnections = opts.maxConnections;
const wss = new WebSocketServer({
  server,
  path: '/ws',
  perMessageDeflate: false,
  maxPayload: opts.maxFrameBytes,
});

wss.on('connection', (ws) => {
  ws.rooms = [];
  chat.opened(ws);
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      chat.error(ws, undefined, 'bad_request', 'binary frames are not supported; send JSON text');
      return;
    }
    chat.handle(ws, data.toString('utf8'));
  });
  ws.on('close', () => {
    chat.closed(ws);
    for (const room of ws.rooms) {
      const set = rooms.get(room);
      if (!set) continue;
      set.delete(ws);
      if (set.size === 0) rooms.delete(room);
    }
  });
  ws.on('error', () => {});  // 'close' follows
});

server.listen(opts.port, opts.host, () => {
  const port = server.address().port;
  writePortFile(opts.portFile, port);
  const version = require('ws/package.json').version;
  process.stdout.write(`ws-peer listening on ${opts.host}:${port} (ws ${version})\n`);
});

exitOnSignals(() => {
  server.close();
  for (const ws of wss.clients) ws.close(1012, 'server shutting down');
});
