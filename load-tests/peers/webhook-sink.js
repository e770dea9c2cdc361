// A webhook receiver for the webhooks benchmark (load-tests/run-scoring-overhead.sh
// FEATURE=webhooks): answers every POST with 204 at once, keeping the connection alive, and
// counts them. Listens on 127.0.0.1, an ephemeral port written to PORT_FILE; on SIGTERM writes
// the number of requests received to COUNT_FILE and exits 0.
//   node webhook-sink.js PORT_FILE COUNT_FILE
'use strict';
const http = require('node:http');
const fs = require('node:fs');

const [portFile, countFile] = process.argv.slice(2);
if (!portFile || !countFile) {
  console.error('usage: node webhook-sink.js PORT_FILE COUNT_FILE');
  process.exit(2);
}
let count = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    count++;
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
process.on('SIGTERM', () => {
  fs.writeFileSync(countFile, String(count));
  process.exit(0);
});
