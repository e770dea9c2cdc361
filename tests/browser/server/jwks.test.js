// The company's identity provider (DESIGN §12, PROTOCOL.md §2): RS256 and ES256 tokens signed
// with keys Node's crypto makes here, verified by parleyd against a JWKS served by a small HTTP
// server on loopback ([auth] jwks_url) or read from a file ([auth] jwks_file), with iss and aud
// checked; a key rotation is picked up by itself; alg none, HS256 with the public key as the
// secret and unknown keys are refused; /readyz says when the keys cannot be loaded. Every wait is
// a bounded poll.
'use strict';
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Server, rawClient, waitFor, freePort } = require('../e2e/helpers');

const servers = [];
const closers = [];
after(async () => {
  for (const c of closers) c();
  for (const s of servers) await s.cleanup();
});

const b64 = (x) => Buffer.from(x).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

function keyPair(kind) {
  return kind === 'rsa'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
}
/** The public JWK of `pair` with `kid`. */
function jwk(pair, kid) {
  return { ...pair.publicKey.export({ format: 'jwk' }), kid };
}
/** A JWT with `header` and `claims`, signed RS256/ES256 with `pair` (JWS r||s for ES256). */
function sign(pair, header, claims) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  const alg = header.alg;
  const sig = crypto.sign('sha256', Buffer.from(input), alg === 'ES256'
    ? { key: pair.privateKey, dsaEncoding: 'ieee-p1363' } : pair.privateKey);
  return `${input}.${b64(sig)}`;
}
function hs256(secret, header, claims) {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A JWKS server on loopback; `keys` may be changed between requests. */
async function jwksServer(port = 0) {
  const state = { keys: [], requests: 0 };
  const srv = http.createServer((req, res) => {
    state.requests += 1;
    if (req.url !== '/.well-known/jwks.json') { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  closers.push(() => srv.close());
  state.url = `http://127.0.0.1:${srv.address().port}/.well-known/jwks.json`;
  state.close = () => new Promise((r) => srv.close(r));
  return state;
}

/** Connects and authenticates with `token`; the frames and the close (if it closed). */
async function tryAuth(server, token) {
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
  const out = { got: [], closed: null };
  ws.on('message', (d) => { for (const l of String(d).split('\n')) out.got.push(JSON.parse(l)); });
  ws.on('close', (code) => { out.closed = code; });
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  ws.send(JSON.stringify({ op: 'auth', token, id: 'a' }));
  await waitFor(() => out.got.find((m) => m.op === 'welcome') || out.closed != null, { what: 'the auth verdict' });
  ws.close();
  return out;
}
const refusal = (r) => r.got.find((m) => m.op === 'error')?.message;

test('RS256 and ES256 tokens from a JWKS URL, iss and aud checked, a rotation picked up', async () => {
  const idp = await jwksServer();
  const rsa = keyPair('rsa'), ec = keyPair('ec'), next = keyPair('rsa');
  idp.keys = [jwk(rsa, 'rsa-1'), { ...jwk(ec, 'ec-1'), alg: 'ES256', use: 'sig' }];
  const server = new Server('jwks-url', {
    config: `[auth]\njwks_url = "${idp.url}"\nissuer = "https://login.acme.example"\naudience = "parley"\n`,
  });
  servers.push(server);
  await server.start();
  const claims = { sub: 'dana', name: 'Dana (Acme)', exp: now() + 600, iss: 'https://login.acme.example', aud: ['parley', 'shop'] };

  const viaRsa = await rawClient(server, sign(rsa, { alg: 'RS256', kid: 'rsa-1', typ: 'JWT' }, claims));
  assert.deepEqual(viaRsa.got.find((m) => m.op === 'welcome').user.id, 'dana');
  assert.equal((await viaRsa.request({ op: 'send', channel: 'general', text: 'signed in with Acme', client_msg_id: 'a1' })).op, 'ok');
  viaRsa.close();
  const viaEc = await rawClient(server, sign(ec, { alg: 'ES256', kid: 'ec-1' }, { ...claims, role: 'staff' }));
  assert.equal(viaEc.got.find((m) => m.op === 'welcome').user.role, 'staff');
  viaEc.close();
  // The same token works for the HTTP API (Bearer).
  const staffToken = sign(ec, { alg: 'ES256', kid: 'ec-1' }, { ...claims, role: 'staff' });
  const reports = await fetch(`${server.origin}/api/reports`, { headers: { Authorization: `Bearer ${staffToken}` } });
  assert.equal(reports.status, 200);
  // Tokens the server signs itself (HS256) keep working.
  assert.ok((await rawClient(server, server.token('local-user'))).got.find((m) => m.op === 'welcome'));

  // Refused: wrong issuer or audience, expired, alg none, HS256 with the public key as secret,
  // an algorithm the key does not allow, a key nobody knows.
  const cases = [
    [sign(rsa, { alg: 'RS256', kid: 'rsa-1' }, { ...claims, iss: 'https://evil.example' }), 'invalid token: bad_issuer'],
    [sign(rsa, { alg: 'RS256', kid: 'rsa-1' }, { ...claims, aud: 'billing' }), 'invalid token: bad_audience'],
    [sign(rsa, { alg: 'RS256', kid: 'rsa-1' }, { ...claims, exp: now() - 1 }), 'invalid token: expired'],
    [`${b64('{"alg":"none"}')}.${b64(JSON.stringify(claims))}.`, 'invalid token: bad_algorithm'],
    [hs256(JSON.stringify(jwk(rsa, 'rsa-1')), { alg: 'HS256', kid: 'rsa-1' }, claims), 'invalid token: bad_signature'],
    [hs256(rsa.publicKey.export({ format: 'pem', type: 'spki' }), { alg: 'HS256' }, claims), 'invalid token: bad_signature'],
    [sign(rsa, { alg: 'RS256', kid: 'ec-1' }, claims), 'invalid token: bad_algorithm'],
    [sign(next, { alg: 'RS256', kid: 'rsa-1' }, claims), 'invalid token: bad_signature'],
  ];
  for (const [token, message] of cases) {
    const r = await tryAuth(server, token);
    assert.equal(refusal(r), message, token);
    assert.equal(r.closed, 4401);
  }

  // Rotation: the provider publishes rsa-2; the first token naming it makes the server reload.
  const before = idp.requests;
  const rotated = sign(next, { alg: 'RS256', kid: 'rsa-2' }, claims);
  assert.equal(refusal(await tryAuth(server, rotated)), 'invalid token: unknown_key');
  idp.keys = [...idp.keys, jwk(next, 'rsa-2')];
  await waitFor(async () => (await tryAuth(server, rotated)).got.some((m) => m.op === 'welcome'),
    { timeout: 20000, interval: 500, what: 'the rotated key accepted' });
  assert.ok(idp.requests > before, 'the JWKS was fetched again');
  // Reloads are spaced out: a burst of unknown kids does not hammer the provider.
  const burst = idp.requests;
  for (let i = 0; i < 10; i++) await tryAuth(server, sign(next, { alg: 'RS256', kid: `nope-${i}` }, claims));
  assert.ok(idp.requests - burst <= 1, `${idp.requests - burst} fetches for 10 unknown kids`);
});

test('a JWKS file; /readyz while the URL cannot be fetched; config errors', async () => {
  const rsa = keyPair('rsa');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-jwks-'));
  closers.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'jwks.json');
  fs.writeFileSync(file, JSON.stringify({ keys: [jwk(rsa, 'file-1')] }));
  const port = await freePort();  // nothing listens there yet
  const url = `http://127.0.0.1:${port}/.well-known/jwks.json`;
  const server = new Server('jwks-file', { config: `[auth]\njwks_file = "${file}"\njwks_url = "${url}"\n` });
  servers.push(server);
  await server.start();
  // The file's keys are used at once; the URL's failure is reported by /readyz.
  const ok = await rawClient(server, sign(rsa, { alg: 'RS256', kid: 'file-1' }, { sub: 'eve', exp: now() + 600 }));
  assert.ok(ok.got.find((m) => m.op === 'welcome'));
  ok.close();
  const notReady = await fetch(`${server.origin}/readyz`);
  assert.equal(notReady.status, 503);
  const body = await notReady.json();
  assert.match(body.problems.join(' | '), /identity provider's keys are not loaded: cannot fetch http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json/);
  // The provider comes up: the server retries by itself and becomes ready.
  const ec = keyPair('ec');
  const idp = await jwksServer(port);
  idp.keys = [jwk(ec, 'url-1')];
  await waitFor(async () => (await fetch(`${server.origin}/readyz`)).status === 200, { timeout: 20000, interval: 500, what: '/readyz 200' });
  const both = await rawClient(server, sign(ec, { alg: 'ES256', kid: 'url-1' }, { sub: 'fay', exp: now() + 600 }));
  assert.ok(both.got.find((m) => m.op === 'welcome'));
  both.close();

  // A bad file stops the start (exit 2 through check-config's rules); a non-https URL is refused.
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}');
  const { spawnSync } = require('node:child_process');
  const bin = process.env.PARLEYD || path.join(__dirname, '../../../build/bin/parleyd');
  const badCfg = path.join(dir, 'bad.toml');
  fs.writeFileSync(badCfg, `[server]\nlisten = "127.0.0.1:0"\ndata_dir = "${path.join(dir, 'data')}"\n[auth]\njwks_file = "${path.join(dir, 'bad.json')}"\n`);
  const run = spawnSync(bin, ['serve', '--config', badCfg], { encoding: 'utf8', timeout: 20000 });
  assert.notEqual(run.status, 0);
  assert.match(run.stdout + run.stderr, /auth\.jwks_file .*bad\.json: no usable key/);
  const httpCfg = path.join(dir, 'http.toml');
  fs.writeFileSync(httpCfg, '[auth]\njwks_url = "http://idp.example/jwks.json"\n');
  const check = spawnSync(bin, ['check-config', httpCfg], { encoding: 'utf8' });
  assert.equal(check.status, 2);
  assert.match(check.stdout + check.stderr, /auth\.jwks_url must be an https:\/\/ URL \(http:\/\/ only on a loopback address\)/);
});
