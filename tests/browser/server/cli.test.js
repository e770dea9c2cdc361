// parley-cli (clients/cli) driven through a pipe against the real parleyd: it joins, sends,
// searches, lists the conversations and marks them read, sends raw JSON frames, and says how
// to use /read. Every wait is a bounded poll on what it printed.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Server, nodeClient, sendAll, waitFor } = require('../e2e/helpers');

const CLI = path.join(path.dirname(process.env.PARLEYD), 'parley-cli');

let server, cli;
const clients = [];

/** parley-cli with its stdout split into JSON objects (`got`) and stderr kept (`err`). */
function startCli(token, channel = 'help') {
  const p = spawn(CLI, ['--token', token, '--port', String(server.port), '--channel', channel], { stdio: ['pipe', 'pipe', 'pipe'] });
  const c = { p, got: [], err: '', line: (l) => p.stdin.write(l + '\n') };
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const l = buf.slice(0, i).trim();
      if (l) c.got.push(JSON.parse(l));
    }
  });
  p.stderr.on('data', (d) => { c.err += d; });
  return c;
}

before(async () => {
  server = await new Server('cli').start();
});

after(async () => {
  for (const c of clients) c.close();
  if (cli) cli.p.kill('SIGKILL');
  if (server) await server.cleanup();
});

test('parley-cli joins, sends, searches, lists channels and marks them read through a pipe', async () => {
  // Something to find and something unread, from another user.
  const bob = nodeClient(server, server.token('bob', { name: 'Bob' }));
  clients.push(bob);
  await bob.ready;
  await bob.join('help');
  await sendAll(bob, 'help', ['The lamp blinks red when the battery is low', 'Unplug it for ten seconds']);

  cli = startCli(server.token('ann', { name: 'Ann' }));
  await waitFor(() => cli.got.some((m) => m.op === 'welcome'), { what: 'the welcome' });
  const join = await waitFor(() => cli.got.find((m) => m.op === 'ok' && m.channel === 'help' && m.last_seq === 2), { what: 'the join' });
  assert.equal(join.kind, 'support');
  assert.match(cli.err, /\/search QUERY, \/read \[CH\] SEQ, \/channels/);

  cli.line('hello from the terminal');
  await waitFor(() => bob.messages.some((m) => m.text === 'hello from the terminal' && m.from.id === 'ann'), { what: 'the message at Bob' });
  const acked = await waitFor(() => cli.got.find((m) => m.op === 'ok' && m.seq === 3), { what: 'the ack' });
  assert.equal(acked.channel, 'help');

  // /search (the index lags by commit_interval_ms: ask until it is there).
  await waitFor(() => {
    const r = cli.got.find((m) => m.op === 'ok' && Array.isArray(m.results) && m.results.length > 0);
    if (!r) cli.line('/search battery low');
    return r;
  }, { timeout: 15000, interval: 500, what: 'a search result' });
  const found = cli.got.find((m) => m.op === 'ok' && Array.isArray(m.results) && m.results.length > 0);
  assert.equal(found.results[0].seq, 1);
  assert.equal(found.results[0].channel, 'help');

  // /channels lists help; Ann joined after Bob's two messages (a first join counts the past as read).
  bob.send('help', 'one more for Ann');
  await waitFor(() => cli.got.some((m) => m.op === 'message' && m.seq === 4), { what: 'message 4' });
  cli.line('/channels');
  const list = await waitFor(() => cli.got.find((m) => m.op === 'ok' && Array.isArray(m.channels)), { what: '/channels' });
  const help = list.channels.find((c) => c.name === 'help');
  assert.deepEqual([help.last_seq, help.last_read, help.unread], [4, 3, 1]);

  // /read with and without the channel; the marker never moves back.
  cli.line('/read 4');
  const read = await waitFor(() => cli.got.find((m) => m.op === 'ok' && m.last_read === 4), { what: '/read 4' });
  assert.equal(read.channel, 'help');
  cli.line('/read help 2');
  await waitFor(() => cli.got.filter((m) => m.op === 'ok' && m.channel === 'help' && m.last_read === 4).length === 2, { what: '/read help 2' });
  cli.line('/read');
  cli.line('/read help x');
  await waitFor(() => (cli.err.match(/usage: \/read \[CHANNEL\] SEQ/g) || []).length === 2, { what: 'the usage' });

  // A raw JSON frame goes as it is; a bad one gets the server's error.
  cli.line('{"op":"ping","id":"raw"}');
  await waitFor(() => cli.got.some((m) => m.op === 'pong' && m.id === 'raw'), { what: 'the pong' });
  cli.line('{"op":"read","channel":"help","seq":99,"id":"bad"}');
  const bad = await waitFor(() => cli.got.find((m) => m.id === 'bad'), { what: 'the error' });
  assert.equal(bad.code, 'bad_request');

  // End of input: it closes and exits 0.
  cli.p.stdin.end();
  const code = await new Promise((r) => cli.p.once('exit', r));
  assert.equal(code, 0);
  cli = null;
});
