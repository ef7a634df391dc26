// End to end on a real dev node with API keys: every kind of route (REST, its WebSocket, JSON-RPC
// at /rpc over HTTP and WebSocket) refuses a call without a valid key (401) and one whose scope
// does not cover it (403); keys made and revoked with `parley-node api-key` take effect on the
// running node; a node refuses to serve its API off loopback without keys. Only 127.0.0.1 is
// ever called.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startDevNode, nodeBinary, freePort, waitFor } from './harness.mjs';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'parley-auth-'));
const file = join(dir, 'api-keys.json');
let node;
const keys = {};

/** `parley-node api-key …`, parsed. */
async function apiKey(...args) {
  const { stdout } = await run(nodeBinary(), ['api-key', ...args], { timeout: 30_000 });
  return JSON.parse(stdout);
}

const bearer = (key) => (key ? { authorization: `Bearer ${key}` } : {});

/** A REST call with `key` (or none): { status, body, headers }. */
async function rest(key, method, path, body) {
  const res = await fetch(`http://127.0.0.1:${node.restPort}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...bearer(key) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** JSON-RPC over the REST port's /rpc with `key`: { status, body }. */
async function rpc(key, method, params = [], port = null) {
  const url = port ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${node.restPort}/rpc`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(Array.isArray(method) ? method : { id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

/** Opens a WebSocket; resolves { socket } once open, or { status } if the handshake was refused. */
function openSocket(url, headers = {}) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => resolve({ socket }));
    socket.on('unexpected-response', (_, res) => { resolve({ status: res.statusCode }); res.resume(); socket.terminate(); });
    socket.on('error', () => resolve({ status: 'error' }));
  });
}

/** Sends `frame` on `socket` and resolves the next frame it gets back. */
function exchange(socket, frame) {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(data.toString())));
    socket.send(JSON.stringify(frame));
  });
}

before(async () => {
  keys.admin = (await apiKey('create', '--file', file, '--name', 'ops', '--scope', 'admin')).key;
  keys.writer = (await apiKey('create', '--file', file, '--name', 'claims-app', '--scope', 'write')).key;
  keys.reader = (await apiKey('create', '--file', file, '--name', 'dashboard', '--scope', 'read')).key;
  keys.claimsReader = (await apiKey('create', '--file', file, '--name', 'auditor', '--scope', 'read', '--namespace', 'claims')).key;
  node = await startDevNode({ extraArgs: ['--api-keys', file] });
});

after(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the key file keeps only hashes, and lists keys without their secrets', async () => {
  const text = readFileSync(file, 'utf8');
  for (const key of Object.values(keys)) {
    assert.ok(!text.includes(key.split('.')[1]), 'no secret in the key file');
  }
  const listed = await apiKey('list', '--file', file);
  assert.deepEqual(listed.map((k) => k.scope), ['admin', 'write', 'read', 'read']);
  assert.deepEqual(listed[3].namespaces, ['claims']);
  assert.ok(!JSON.stringify(listed).includes(keys.admin.split('.')[1]));
});

test('every kind of route refuses a call without a valid key (401); the docs are public', async () => {
  const wrong = `${keys.reader.split('.')[0]}.${'0'.repeat(64)}`;
  const routes = [
    ['GET', '/api/v1/status'],
    ['GET', '/api/v1/identities'],
    ['GET', '/api/v1/governance'],
    ['GET', '/api/v1/namespaces/default/messages'],
    ['POST', '/api/v1/namespaces/default/messages/broadcast', { topic: 't', data: 1 }],
    ['POST', '/api/v1/namespaces/default/subscriptions', { name: 's' }],
    ['POST', '/api/v1/namespaces/default/contexts/0x00/skip', {}],
    ['POST', '/api/v1/namespaces/default/tokens/mint', { pool: 'p', amount: '1' }],
    ['GET', '/api/v1/namespaces/default/summary'],
    ['GET', '/api/v1/namespaces/default/subscriptions/s/progress'],
    ['GET', '/api/v1/no-such-route'],
  ];
  for (const [method, path, body] of routes) {
    for (const key of [null, wrong, 'not-a-key']) {
      const r = await rest(key, method, path, body);
      assert.equal(r.status, 401, `${method} ${path} with ${key}`);
      assert.equal(r.body.code, 401);
      assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    }
  }
  const basic = await fetch(`http://127.0.0.1:${node.restPort}/api/v1/status`, { headers: { authorization: 'Basic b3BzOm9wcw==' } });
  assert.equal(basic.status, 401);
  assert.equal((await rest(null, 'GET', '/api/v1/openapi.json')).status, 200);
  assert.equal((await rest(null, 'GET', '/api/v1/docs')).status, 200);
  // The explorer's page is public too; what it shows comes only through the key-checked API.
  assert.equal((await rest(null, 'GET', '/ui/')).status, 200);
  assert.equal((await rest(null, 'GET', '/ui/app.js')).status, 200);

  // The event WebSocket and JSON-RPC's WebSocket: refused at the handshake without a key.
  const ws = `ws://127.0.0.1:${node.restPort}`;
  assert.equal((await openSocket(`${ws}/api/v1/ws`)).status, 401);
  assert.equal((await openSocket(`${ws}/rpc`)).status, 401);
  assert.equal((await openSocket(`${ws}/api/v1/ws?access_token=${wrong}`)).status, 401);
  // JSON-RPC over HTTP.
  assert.equal((await rpc(null, 'parley_status')).status, 401);
  assert.equal((await rpc(wrong, 'parley_status')).status, 401);
  // On 9944 the parley_* methods are not served at all while keys are on; the chain's are.
  const on9944 = await rpc(null, 'parley_status', [], node.rpcPort);
  assert.equal(on9944.body.error?.code, -32601, JSON.stringify(on9944.body));
  assert.ok((await rpc(null, 'chain_getHeader', [], node.rpcPort)).body.result.number);
});

test('a key does what its scope allows and gets 403 beyond it', async () => {
  const send = { topic: 'auth', data: { n: 1 } };
  // read: reads, not writes.
  assert.equal((await rest(keys.reader, 'GET', '/api/v1/status')).status, 200);
  assert.equal((await rest(keys.reader, 'GET', '/api/v1/namespaces/default/messages')).status, 200);
  assert.equal((await rest(keys.reader, 'GET', '/api/v1/governance')).status, 200);
  const denied = await rest(keys.reader, 'POST', '/api/v1/namespaces/default/messages/broadcast', send);
  assert.equal(denied.status, 403);
  assert.match(denied.body.error, /needs write in namespace "default", the key has read/);
  // write: sends, but skips no batch and retries no operation.
  const sent = await rest(keys.writer, 'POST', '/api/v1/namespaces/default/messages/broadcast', send);
  assert.ok(sent.status === 200 || sent.status === 202, JSON.stringify(sent));
  const skip = await rest(keys.writer, 'POST', '/api/v1/namespaces/default/contexts/0x00/skip', {});
  assert.equal(skip.status, 403);
  assert.match(skip.body.error, /needs admin/);
  assert.equal((await rest(keys.writer, 'POST', '/api/v1/namespaces/default/operations/x/retry', {})).status, 403);
  // admin gets past the key check (and meets the route's own answer for a context that is not blocked).
  const adminSkip = await rest(keys.admin, 'POST', '/api/v1/namespaces/default/contexts/0x00/skip', {});
  assert.ok(![401, 403].includes(adminSkip.status), JSON.stringify(adminSkip));
  // A key for one namespace: that namespace only, and no JSON-RPC (whose methods span namespaces).
  assert.equal((await rest(keys.claimsReader, 'GET', '/api/v1/namespaces/claims/messages')).status, 200);
  assert.equal((await rest(keys.claimsReader, 'GET', '/api/v1/namespaces/default/messages')).status, 403);
  assert.equal((await rest(keys.claimsReader, 'GET', '/api/v1/namespaces/default/summary')).status, 403);
  assert.equal((await rpc(keys.claimsReader, 'parley_status')).status, 403);

  // JSON-RPC: each method's level, also within a batch.
  assert.ok((await rpc(keys.reader, 'parley_status')).body.result);
  const rpcDenied = await rpc(keys.reader, 'parley_sendBroadcast', [['auth'], { n: 2 }]);
  assert.equal(rpcDenied.body.error?.code, 4030, JSON.stringify(rpcDenied.body));
  assert.match(rpcDenied.body.error.message, /needs write, the key has read/);
  assert.equal(typeof (await rpc(keys.writer, 'parley_sendBroadcast', [['auth'], { n: 3 }])).body.result, 'string');
  assert.equal((await rpc(keys.writer, 'parley_unblockContext', ['0x00'])).body.error?.code, 4030);
  const batch = await rpc(keys.reader, [
    { id: 1, jsonrpc: '2.0', method: 'parley_status', params: [] },
    { id: 2, jsonrpc: '2.0', method: 'parley_createGroup', params: ['g', []] },
  ]);
  const byId = Object.fromEntries(batch.body.map((r) => [r.id, r]));
  assert.ok(byId[1].result, JSON.stringify(batch.body));
  assert.equal(byId[2].error?.code, 4030);

  // WebSockets: the event socket with ?access_token= (as a browser would), limited to the key's
  // namespaces; JSON-RPC's with the header, its subscription allowed to a reader.
  const events = await openSocket(`ws://127.0.0.1:${node.restPort}/api/v1/ws?access_token=${keys.claimsReader}`);
  assert.ok(events.socket, `opened: ${events.status}`);
  const refused = await exchange(events.socket, { type: 'start', name: 'audit', namespace: 'default' });
  assert.equal(refused.type, 'error');
  assert.match(refused.error, /needs read in namespace "default"/);
  events.socket.close();
  const rpcSocket = await openSocket(`ws://127.0.0.1:${node.restPort}/rpc`, bearer(keys.reader));
  assert.ok(rpcSocket.socket, `opened: ${rpcSocket.status}`);
  const subscribed = await exchange(rpcSocket.socket, { id: 7, jsonrpc: '2.0', method: 'parley_subscribe', params: ['dash', { filter: { types: ['message_confirmed'] } }] });
  assert.equal(typeof subscribed.result, 'string', JSON.stringify(subscribed));
  const wsDenied = await exchange(rpcSocket.socket, { id: 8, jsonrpc: '2.0', method: 'parley_sendBroadcast', params: [['auth'], { n: 4 }] });
  assert.equal(wsDenied.error?.code, 4030);
  rpcSocket.socket.close();
});

test("a --dev node's JSON-RPC (9944) refuses another site's page too, over WebSocket and HTTP", async () => {
  // Substrate trusts every origin on --dev; a Parley node keeps its list unless told otherwise.
  assert.equal((await openSocket(`ws://127.0.0.1:${node.rpcPort}`, { origin: 'http://evil.example' })).status, 403);
  const fine = await openSocket(`ws://127.0.0.1:${node.rpcPort}`, { origin: 'http://localhost:5173' });
  assert.ok(fine.socket, 'a local page is served');
  const answer = await exchange(fine.socket, { id: 1, jsonrpc: '2.0', method: 'chain_getHeader', params: [] });
  assert.ok(answer.result?.number, JSON.stringify(answer));
  fine.socket.close();
  const res = await fetch(`http://127.0.0.1:${node.rpcPort}`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'author_rotateKeys', params: [] }), signal: AbortSignal.timeout(30_000),
  });
  assert.equal(res.status, 403);
});

test('a key made or revoked with `parley-node api-key` takes effect on the running node', async () => {
  const made = await apiKey('create', '--file', file, '--name', 'temp', '--scope', 'write');
  await waitFor('the new key to work', async () => (await rest(made.key, 'GET', '/api/v1/status')).status === 200, { timeoutMs: 10_000 });
  assert.deepEqual(await apiKey('revoke', '--file', file, made.id), { revoked: made.id });
  await waitFor('the revoked key to be refused', async () => (await rest(made.key, 'GET', '/api/v1/status')).status === 401, { timeoutMs: 10_000 });
  // The others still work.
  assert.equal((await rest(keys.reader, 'GET', '/api/v1/status')).status, 200);
  await assert.rejects(apiKey('revoke', '--file', file, made.id), /no key/);
});

test('a node without keys refuses to serve its API on a non-loopback address', async () => {
  // 192.0.2.1 (TEST-NET-1) is not an address of this machine: even a node that failed to refuse
  // could not listen there, and nothing is ever sent to it.
  const args = ['--dev', '--tmp', '--rpc-port', String(await freePort()), '--listen-addr', `/ip4/127.0.0.1/tcp/${await freePort()}`,
    '--prometheus-port', String(await freePort()), '--no-mdns', '--no-telemetry', '--channel-ip', '127.0.0.1',
    '--channel-port', String(await freePort()), '--rest-ip', '192.0.2.1', '--rest-port', String(await freePort())];
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve('timeout'); }, 60_000);
    child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  assert.notEqual(code, 0, out.slice(-2000));
  assert.notEqual(code, 'timeout', out.slice(-2000));
  assert.match(out, /refusing to serve the private data API on 192\.0\.2\.1 without API keys/);
  assert.match(out, /parley-node api-key create/);
});
