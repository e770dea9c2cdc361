// Posts one solved thread for the knowledge-page benchmark (load-tests/run-knowledge.sh): a
// question, an accepted answer and three more replies, two of them marked helpful, in `help`
// of a running parleyd. Prints the thread's page path (/kb/help/SEQ) on stdout.
//   node kb-thread.js PORT ASKER_TOKEN HELPER_TOKEN
// Loopback only; every wait is bounded (10 s in all).
'use strict';
const WebSocket = require('ws');

const [port, askerToken, helperToken] = process.argv.slice(2);
if (!port || !askerToken || !helperToken) {
  console.error('usage: node kb-thread.js PORT ASKER_TOKEN HELPER_TOKEN');
  process.exit(2);
}
setTimeout(() => { console.error('kb-thread: timed out'); process.exit(1); }, 10000).unref();

function connect(token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const pending = new Map();
    let next = 0;
    ws.on('error', reject);
    ws.on('message', (data) => {
      for (const line of data.toString().split('\n')) {
        const m = JSON.parse(line);
        if (m.op === 'welcome') resolve(client);
        const p = m.id !== undefined && pending.get(m.id);
        if (!p) continue;
        pending.delete(m.id);
        if (m.op === 'error') p.reject(new Error(`${m.code}: ${m.message}`)); else p.resolve(m);
      }
    });
    ws.on('open', () => ws.send(JSON.stringify({ op: 'auth', token })));
    const client = {
      req(frame) {
        const id = ++next;
        return new Promise((res, rej) => { pending.set(id, { resolve: res, reject: rej }); ws.send(JSON.stringify({ ...frame, id })); });
      },
      close() { ws.close(); },
    };
  });
}

(async () => {
  const asker = await connect(askerToken);
  const helper = await connect(helperToken);
  const send = (c, text, reply_to) =>
    c.req({ op: 'send', channel: 'help', client_msg_id: `kb-${Date.now()}-${Math.random()}`, text, ...(reply_to ? { reply_to } : {}) });
  const q = await send(asker, 'How do I reset my Lumen Arc after a failed firmware update?\n' +
    'It blinks amber and the app no longer finds it. I tried unplugging it twice.');
  const a = await send(helper, 'Hold the button on the base for ten seconds until the ring turns white, ' +
    'then release it: the lamp restarts in recovery mode and the app offers the update again.', q.seq);
  const r1 = await send(helper, 'If the ring stays amber, use a different USB-C cable: some cables only charge.', q.seq);
  const r2 = await send(helper, 'Also check that the app is 4.2 or newer; older ones cannot find lamps in recovery mode.', q.seq);
  await send(asker, 'Trying now, thanks!', q.seq);
  await asker.req({ op: 'solve', channel: 'help', seq: a.seq });
  await asker.req({ op: 'helpful', channel: 'help', seq: r1.seq });
  await asker.req({ op: 'helpful', channel: 'help', seq: r2.seq });
  asker.close();
  helper.close();
  console.log(`/kb/help/${q.seq}`);
})().catch((e) => { console.error('kb-thread:', e.message); process.exit(1); });
