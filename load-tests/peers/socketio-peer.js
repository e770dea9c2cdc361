'use strict';
// socketio-peer: the Parley protocol subset of peer-core.js on socket.io, WebSocket transport
// only (ws://HOST:PORT/socket.io/?EIO=4&transport=websocket, no long-polling). Every Parley
// object travels as one socket.io event named "parley" whose single argument is the object:
//   client -> 42["parley",{"op":"send",...}]     server -> 42["parley",{"op":"message",...}]
// parley-load speaks this with --peer-protocol socketio (src/socketio_framing.hpp).
//
//   node socketio-peer.js [--host 127.0.0.1] [--port 0] [--port-file F]
//                         [--max-connections 20000] [--max-frame-bytes 65536]
//                         [--max-outbound-bytes 4194304]
//
// Rooms are socket.io rooms, so a broadcast is io.to(rooms).emit(): the adapter encodes the
// packet once for all recipients. No permessage-deflate. One event loop (one core). Limits:
// connections (excess TCP connections are dropped by the HTTP server), frame size
// (maxHttpBufferSize: the socket is closed), outbound backlog per connection (checked every
// 250 ms: a socket over it is disconnected).
const http = require('http');
const { Server } = require('socket.io');
const { Chat, parseArgs, writePortFile, exitOnSignals } = require('./peer-core');

const opts = parseArgs(process.argv, 'socketio-peer.js');
const MAX_QUEUED_PACKETS = 10000;

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('socket.io endpoint is /socket.io/\n');
});
server.maxConnections = opts.maxConnections;
const io = new Server(server, {
  path: '/socket.io',
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: opts.maxFrameBytes,
  connectTimeout: 10000,
  pingInterval: 25000,
  pingTimeout: 20000,
});

const transport = {
  send(socket, obj) {
    socket.emit('parley', obj);
  },
  subscribe(socket, room) {
    socket.join(room);
  },
  publish(rooms, obj) {
    io.to(rooms).emit('parley', obj);
  },
  close(socket) {
    // socket.io has no close codes: a server-side disconnect ("41") then the transport closes.
    socket.disconnect(true);
  },
};
const chat = new Chat(transport);

io.on('connection', (socket) => {
  chat.opened(socket);
  socket.on('parley', (req) => chat.handle(socket, req));
  socket.on('disconnect', () => chat.closed(socket));
});

// The outbound backlog: engine.io's write buffer plus what the WebSocket has not sent yet.
setInterval(() => {
  for (const socket of io.of('/').sockets.values()) {
    const conn = socket.conn;
    const ws = conn.transport && conn.transport.socket;
    const buffered = ws && typeof ws.bufferedAmount === 'number' ? ws.bufferedAmount : 0;
    if (buffered > opts.maxOutboundBytes || conn.writeBuffer.length > MAX_QUEUED_PACKETS) {
      socket.disconnect(true);
    }
  }
}, 250).unref();

server.listen(opts.port, opts.host, () => {
  const port = server.address().port;
  writePortFile(opts.portFile, port);
  process.stdout.write(`socketio-peer listening on ${opts.host}:${port} ` +
                       `(socket.io ${require('socket.io/package.json').version})\n`);
});

exitOnSignals(() => {
  io.close();  // disconnects every socket and closes the HTTP server
});
