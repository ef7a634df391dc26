// End to end on three real nodes: the app API (REST, WebSocket subscriptions, webhooks) over
// the private data channel. insurer-a, insurer-b and the provider each run their own node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { createWriteStream, openAsBlob, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { blake2AsHex } from '@polkadot/util-crypto';
import { startNetwork, call, waitFor, sleep, auth, rest } from './harness.mjs';

let net;
let provider;
let insurerA;
let insurerB;
let group;
let hook;
const scratch = mkdtempSync(join(tmpdir(), 'parley-app-'));

const ns = (path) => `/namespaces/default${path}`;
const events = async (party, query = '') => (await rest(party, 'GET', ns(`/events?limit=1000${query}`))).body;
const confirmedAt = (party, id) => waitFor(`${id} confirmed at ${party.name}`, async () => {
  const r = await rest(party, 'GET', ns(`/messages/${id}`));
  return r.status === 200 && r.body.state === 'confirmed' ? r.body : null;
});

/**
 * POSTs `body` with node:http and `Expect: 100-continue`: the node answers a body it will not take
 * (too large) before the body is sent, and the answer is returned.
 */
function postRaw(party, path, body, tries = 3) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({
      host: '127.0.0.1', port: party.rest_port, path, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, expect: '100-continue', ...auth(party) },
    }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('continue', () => req.end(body));
    req.on('socket', (socket) => socket.on('error', () => {}));
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', (e) => {
      if (answered) return;
      // The node answers an oversized upload and closes the connection while the body is
      // still being written; now and then the reset reaches this client before the answer
      // does, and that request has no answer to read: ask again.
      if (['EPIPE', 'ECONNRESET'].includes(e.code) && tries > 1) resolve(postRaw(party, path, body, tries - 1));
      else reject(e);
    });
  });
}

/** A webhook receiver on 127.0.0.1 that records deliveries and answers with `reply(delivery)`. */
function startHook(reply = () => ({})) {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const delivery = JSON.parse(body);
      received.push(delivery);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply(delivery)));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, received, url: `http://127.0.0.1:${server.address().port}/hook` })));
}

before(async () => {
  net = await startNetwork({ nodeArgs: '--unsafe-test-hooks --context-block-timeout-ms 4000' });
  ({ provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties);
  const created = await rest(insurerA, 'POST', ns('/groups'), { name: 'claims', members: [provider.node_did] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  group = created.body.id;
  // The group reaches the provider (sealed announcement) before the tests use it.
  await waitFor('the group at the provider', async () => (await rest(provider, 'GET', ns(`/groups/${group}`))).status === 200);
});

after(async () => {
  hook?.server.close();
  await net?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('a 50 MB blob goes privately to the provider; its webhook gets message_confirmed with the hash', async () => {
  hook = await startHook();
  const sub = await rest(provider, 'POST', ns('/subscriptions'), {
    name: 'claims-hook', filter: { types: ['message_confirmed'], topic: '^claim-files$' }, withData: true, webhook: { url: hook.url },
  });
  assert.equal(sub.status, 201, JSON.stringify(sub.body));

  // Write a 50 MB file and hash it.
  const path = join(scratch, 'scan.bin');
  const blob = randomBytes(50 * 1024 * 1024);
  await new Promise((resolve, reject) => { const out = createWriteStream(path); out.on('error', reject); out.end(blob, resolve); });
  const hash = blake2AsHex(blob, 256).slice(2);

  const form = new FormData();
  form.append('file', await openAsBlob(path), 'scan.bin');
  let started = Date.now();
  const upload = await rest(insurerA, 'POST', ns('/data/blob'), form);
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  assert.equal(upload.body.blob, hash);
  assert.equal(upload.body.size, 50 * 1024 * 1024);
  console.log(`# 50 MiB upload to insurer-a: ${Date.now() - started} ms`);

  started = Date.now();
  const sent = await rest(insurerA, 'POST', ns('/messages/private'), {
    group, topic: 'claim-files', data: { claim: 'C-2001' }, attachments: [upload.body.id],
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const delivery = await waitFor('the webhook delivery', async () =>
    hook.received.find((d) => d.event.reference === sent.body.id), { timeoutMs: 180_000 });
  console.log(`# private message with a 50 MiB blob: send -> provider webhook: ${Date.now() - started} ms`);
  assert.equal(delivery.event.type, 'message_confirmed');
  assert.equal(delivery.message.attachments[0].blob, hash);
  assert.deepEqual(delivery.message.data, { claim: 'C-2001' });

  // The blob downloaded from the provider's REST API has the same hash.
  const res = await fetch(`http://127.0.0.1:${provider.rest_port}/api/v1${ns(`/data/${upload.body.id}/blob`)}`, { headers: auth(provider) });
  assert.equal(res.status, 200);
  const downloaded = Buffer.from(await res.arrayBuffer());
  assert.equal(downloaded.length, blob.length);
  assert.equal(blake2AsHex(downloaded, 256).slice(2), hash);
  // insurer-b has neither the message nor the blob.
  assert.equal((await rest(insurerB, 'GET', ns(`/data/${upload.body.id}`))).status, 404);
});

test('idempotency keys, confirm=true and request/reply', async () => {
  const body = { group, topic: 'orders', data: { order: 1 }, idempotencyKey: 'order-1' };
  const first = await rest(insurerA, 'POST', ns('/messages/private?confirm=true&timeout=90000'), body);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.state, 'confirmed');
  const again = await rest(insurerA, 'POST', ns('/messages/private'), body);
  assert.equal(again.status, 409);
  assert.equal(again.body.id, first.body.id);

  // The provider answers requests through a webhook with `reply`.
  const replier = await startHook((d) => ({ data: { approved: d.message.data.amount < 1000 } }));
  try {
    const sub = await rest(provider, 'POST', ns('/subscriptions'), {
      name: 'approvals', filter: { types: ['message_confirmed'], topic: '^approval-requests$' }, withData: true,
      webhook: { url: replier.url, reply: true },
    });
    assert.equal(sub.status, 201);
    const reply = await rest(insurerA, 'POST', ns('/messages/requestreply?timeout=120000'), {
      group, topic: 'approval-requests', data: { amount: 400 },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.data, { approved: true });
    assert.equal(reply.body.author, provider.node_did);
    assert.ok(reply.body.cid);
  } finally {
    replier.server.close();
  }
});

/** Opens a WebSocket to `party`'s REST port, starts subscription `name`; returns helpers. */
async function subscriber(party, name, options) {
  const socket = new WebSocket(`ws://127.0.0.1:${party.rest_port}/api/v1/ws`, { headers: auth(party) });
  const queue = [];
  let wake = () => {};
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'event') { queue.push(frame); wake(); }
  });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  socket.send(JSON.stringify({ type: 'start', name, options }));
  return {
    async next(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (Date.now() > deadline) throw new Error(`no event on ${name} in time`);
        await new Promise((r) => { wake = r; setTimeout(r, 200); });
      }
      return queue.shift();
    },
    ack(sequence) { socket.send(JSON.stringify({ type: 'ack', name, sequence })); },
    close() {
      if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
      const closed = new Promise((r) => socket.once('close', r));
      socket.close();
      return closed;
    },
    pending: () => queue.length,
  };
}

async function broadcastMany(topic, count) {
  const ids = [];
  for (let i = 0; i < count; i++) {
    const r = await rest(insurerA, 'POST', ns('/messages/broadcast'), { topic, data: { i } });
    assert.equal(r.status, 202);
    ids.push(r.body.id);
  }
  for (const id of ids) await confirmedAt(provider, id);
  return ids;
}

test('a WebSocket subscriber acks 10 of 20, reconnects, and gets exactly the other 10 in order', async () => {
  const options = { filter: { types: ['message_confirmed'], topic: '^ws-a$' }, firstEvent: 'newest', readAhead: 1 };
  const first = await subscriber(provider, 'ws-a', options);
  const ids = await broadcastMany('ws-a', 20);
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const frame = await first.next();
    seen.push(frame.event.reference);
    first.ack(frame.event.sequence);
  }
  await first.next(); // the 11th arrives, unacked, before the disconnect
  await first.close();
  const second = await subscriber(provider, 'ws-a');
  for (let i = 0; i < 10; i++) {
    const frame = await second.next();
    seen.push(frame.event.reference);
    second.ack(frame.event.sequence);
  }
  await sleep(1500);
  assert.equal(second.pending(), 0, 'nothing more');
  await second.close();
  assert.deepEqual(seen, ids, 'all 20, each once, in order');
});

test('the same subscriptions work as JSON-RPC subscriptions on the REST port\'s /rpc', async () => {
  const socket = new WebSocket(`ws://127.0.0.1:${provider.rest_port}/rpc`, { headers: auth(provider) });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const frames = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const send = (id, method, params) => socket.send(JSON.stringify({ id, jsonrpc: '2.0', method, params }));
  send(1, 'parley_subscribe', ['rpc-sub', { filter: { types: ['message_confirmed'], topic: '^rpc-sub$' }, readAhead: 10 }]);
  await waitFor('the subscription id', async () => frames.find((f) => f.id === 1));
  assert.ok(frames.find((f) => f.id === 1).result, JSON.stringify(frames));
  const ids = await broadcastMany('rpc-sub', 3);
  const notes = await waitFor('three notifications', async () => {
    const n = frames.filter((f) => f.method === 'parley_subscription');
    return n.length >= 3 ? n : null;
  });
  assert.deepEqual(notes.map((n) => n.params.result.event.reference), ids);
  notes.forEach((n, i) => send(10 + i, 'parley_ack', ['rpc-sub', n.params.result.event.sequence]));
  await waitFor('the acks', async () => frames.filter((f) => f.id >= 10 && f.result === true).length === 3);
  socket.close();
  // Acked: the stored offset moved past them.
  const sub = await rest(provider, 'GET', ns('/subscriptions/rpc-sub'));
  assert.ok(sub.body.offset >= notes[2].params.result.event.sequence, JSON.stringify(sub.body));
});

test('a node restart in the middle of a subscription leaves no gap', async () => {
  const options = { filter: { types: ['message_confirmed'], topic: '^ws-b$' }, firstEvent: 'newest', readAhead: 5 };
  const before = await subscriber(provider, 'ws-b', options);
  const ids = await broadcastMany('ws-b', 12);
  const seen = [];
  for (let i = 0; i < 5; i++) {
    const frame = await before.next();
    seen.push(frame.event.reference);
    before.ack(frame.event.sequence);
  }
  await sleep(500);
  await net.killParty('provider');
  await before.close().catch(() => {});
  await net.startParty('provider');
  const after_ = await subscriber(provider, 'ws-b');
  while (seen.length < ids.length) {
    const frame = await after_.next();
    if (!seen.includes(frame.event.reference)) seen.push(frame.event.reference);
    after_.ack(frame.event.sequence);
  }
  await after_.close();
  assert.deepEqual(seen, ids, 'every event after the restart, in order, no gap');
});

test('two parties define the same datatype at once: one winner everywhere, one definition_rejected', async () => {
  const schemaA = { type: 'object', properties: { amount: { type: 'integer' } }, required: ['amount'] };
  const schemaB = { type: 'object', properties: { amount: { type: 'string' } } };
  const [a, b] = await Promise.all([
    rest(insurerA, 'POST', ns('/datatypes'), { name: 'claim-form', version: '1', schema: schemaA }),
    rest(insurerB, 'POST', ns('/datatypes'), { name: 'claim-form', version: '1', schema: schemaB }),
  ]);
  assert.equal(a.status, 202, JSON.stringify(a.body));
  assert.equal(b.status, 202, JSON.stringify(b.body));
  const outcomes = {};
  for (const party of [provider, insurerA, insurerB]) {
    const evs = await waitFor(`both definitions decided at ${party.name}`, async () => {
      const all = await events(party, '&type=in:definition_confirmed,definition_rejected');
      const mine = all.filter((e) => e.reference === a.body.id || e.reference === b.body.id);
      return mine.length === 2 ? mine : null;
    }, { timeoutMs: 120_000 });
    assert.equal(evs.filter((e) => e.type === 'definition_confirmed').length, 1);
    assert.equal(evs.filter((e) => e.type === 'definition_rejected').length, 1);
    const winner = evs.find((e) => e.type === 'definition_confirmed').reference;
    const stored = await rest(party, 'GET', ns('/datatypes/claim-form/1'));
    assert.equal(stored.body.message, winner);
    outcomes[party.name] = winner;
  }
  assert.equal(new Set(Object.values(outcomes)).size, 1, `same winner everywhere: ${JSON.stringify(outcomes)}`);

  // Data is validated against the winner; a bad value names the failing field.
  const winnerSchema = outcomes.provider === a.body.id ? schemaA : schemaB;
  const bad = winnerSchema === schemaA ? { amount: 'lots' } : { amount: 12 };
  const refused = await rest(provider, 'POST', ns('/data'), { value: bad, datatype: { name: 'claim-form', version: '1' } });
  assert.equal(refused.status, 400);
  assert.match(refused.body.error, /\/amount/);
});

test('a blocked context is reported; a recipient cannot skip it alone, its author can, and the later messages flow', async () => {
  assert.equal((await call(insurerA.rpc_port, 'parley_test_withholdNextBatch', [])).result, true);
  const lost = await rest(insurerA, 'POST', ns('/messages/private'), { group, topic: 'blocked-topic', data: { n: 1 } });
  await waitFor('the withheld batch to be cut', async () => (await rest(insurerA, 'GET', ns(`/messages/${lost.body.id}`))).body.state !== 'pending');
  const later = await rest(insurerA, 'POST', ns('/messages/private'), { group, topic: 'blocked-topic', data: { n: 2 } });
  const blocked = await waitFor('context_blocked at the provider', async () =>
    (await events(provider, '&type=context_blocked')).find((e) => e.detail.waiting > 0), { timeoutMs: 120_000 });
  assert.equal((await rest(provider, 'GET', ns(`/messages/${later.body.id}`))).status, 404, 'held back');
  // The provider may not drop another party's batch on its own (it might only be late): 403,
  // naming the members' vote that can; over JSON-RPC too.
  const refused = await rest(provider, 'POST', ns(`/contexts/${blocked.reference}/skip`));
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.match(refused.body.error, /only its author may skip it.*SkipBatch/);
  const rpcRefused = await call(provider.rpc_port, 'parley_unblockContext', [blocked.reference]);
  assert.equal(rpcRefused.error?.code, 4003);
  // Its author skips it, by the batch id (the chain accepts a skip 10 blocks after the pin).
  await waitFor('the author\'s skip to be accepted', async () => {
    const r = await rest(insurerA, 'POST', ns(`/contexts/${blocked.reference}/skip`));
    if (r.status !== 202) assert.match(r.body.error, /too early|not pinned yet/, JSON.stringify(r.body));
    return r.status === 202;
  }, { timeoutMs: 90_000, everyMs: 2000 });
  const got = await confirmedAt(provider, later.body.id);
  assert.deepEqual(got.data, { n: 2 });
  assert.equal((await rest(provider, 'GET', ns(`/messages/${lost.body.id}`))).status, 404, 'the lost one never appears');
  // The skip is on-chain: every node that was waiting gives up on the batch the same way.
  const skipped = (await events(provider, '&type=context_skipped')).find((e) => e.reference === blocked.reference);
  assert.equal(skipped?.detail.by, 'author');
});

/** A request with node:http, which lets a test set any Host header (as a rebinding page's browser would). */
function rawRequest(port, { method = 'GET', path = '/', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a WebSocket with `headers`; resolves 'open' or the HTTP status it was refused with. */
function openWebSocket(url, headers) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => { socket.close(); resolve('open'); });
    socket.on('unexpected-response', (_, res) => { resolve(res.statusCode); res.resume(); socket.terminate(); });
    socket.on('error', () => resolve('error'));
  });
}

test('a web page of another site cannot use the node: its WebSocket, form posts and rebound host names are refused', async () => {
  const evil = 'http://evil.example';
  // The event WebSocket: another site's page is refused; a program (no Origin) and the node's
  // own pages are served.
  const wsUrl = `ws://127.0.0.1:${provider.rest_port}/api/v1/ws`;
  assert.equal(await openWebSocket(wsUrl, { origin: evil }), 403);
  assert.equal(await openWebSocket(wsUrl, { ...auth(provider) }), 'open');
  assert.equal(await openWebSocket(wsUrl, { origin: `http://127.0.0.1:${provider.rest_port}`, ...auth(provider) }), 'open');
  // A cross-site form post (multipart needs no CORS preflight): refused before it is read.
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('not from the operator')]), 'x.txt');
  const posted = await rest(provider, 'POST', ns('/data'), form, { headers: { origin: evil } });
  assert.equal(posted.status, 403);
  assert.match(posted.body.error, /evil\.example.*--rest-cors/);
  const datas = await rest(provider, 'GET', ns('/data?limit=1000'));
  assert.ok(!JSON.stringify(datas.body).includes('x.txt'), 'nothing was stored');
  // Reading: no CORS header for another site, so its script cannot read the answer either.
  const res = await fetch(`http://127.0.0.1:${provider.rest_port}/api/v1/status`, { headers: { origin: evil } });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  // DNS rebinding: a page whose host name now points at 127.0.0.1 sends its own name as Host.
  const status = (host) => rawRequest(provider.rest_port, { path: '/api/v1/status', headers: { host, ...auth(provider) } });
  assert.equal((await status(`evil.example:${provider.rest_port}`)).status, 403);
  assert.equal((await status(`localhost:${provider.rest_port}`)).status, 200);
  // JSON-RPC: the launcher no longer allows every origin, so Substrate's server filters host
  // names (rebinding) and grants another site no CORS preflight (its page cannot post JSON).
  const call = JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'chain_getHeader', params: [] });
  const rpcRebound = await rawRequest(provider.rpc_port, {
    method: 'POST', headers: { host: `evil.example:${provider.rpc_port}`, 'content-type': 'application/json' }, body: call,
  });
  assert.equal(rpcRebound.status, 403);
  const preflight = await rawRequest(provider.rpc_port, {
    method: 'OPTIONS', headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  assert.equal(preflight.headers['access-control-allow-origin'], undefined);
  // JSON-RPC's WebSocket and HTTP on 9944 refuse another site's page outright (Parley's
  // sc-rpc-server, vendor/README.md): a browser applies no CORS to a WebSocket, so without this
  // any page could call every method there. Programs (no Origin), local pages on any port and
  // polkadot.js.org (the default --rpc-cors list) are served.
  const rpcWs = `ws://127.0.0.1:${provider.rpc_port}`;
  assert.equal(await openWebSocket(rpcWs, { origin: evil }), 403);
  assert.equal(await openWebSocket(rpcWs, { origin: 'https://polkadot.js.org.evil.example' }), 403);
  assert.equal(await openWebSocket(rpcWs, {}), 'open');
  assert.equal(await openWebSocket(rpcWs, { origin: 'http://localhost:3000' }), 'open');
  assert.equal(await openWebSocket(rpcWs, { origin: 'https://polkadot.js.org' }), 'open');
  const rpcPost = (origin) => rawRequest(provider.rpc_port, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: call,
  });
  const refused = await rpcPost(evil);
  assert.equal(refused.status, 403);
  assert.match(refused.body, /--rpc-cors/);
  const local = await rpcPost('http://127.0.0.1:8080');
  assert.equal(local.status, 200);
  assert.equal(local.headers['access-control-allow-origin'], 'http://127.0.0.1:8080', 'a local page may read the answer');
  assert.equal((await rpcPost(undefined)).status, 200);
});

test('bad input on each route gets a 4xx with a message', async () => {
  const cases = [
    ['POST', ns('/messages/broadcast'), {}],
    ['POST', ns('/messages/broadcast'), { topic: 5 }],
    ['POST', ns('/messages/broadcast'), { topic: 'x', unknown: true }],
    ['POST', ns('/messages/broadcast'), '{not json'],
    ['POST', ns('/messages/private'), { topic: 'x' }],
    ['POST', ns('/messages/private'), { topic: 'x', group: 'nothex' }],
    ['POST', ns('/messages/private'), { topic: 'x', group: '00'.repeat(16) }],
    ['POST', ns('/messages/broadcast'), { topic: 'x', attachments: ['no-such-data'] }],
    ['POST', ns('/messages/broadcast'), { topic: 'x', cid: 'not-a-uuid' }],
    ['GET', ns('/messages/00000000-0000-0000-0000-000000000000'), undefined],
    ['GET', ns('/messages?nope=1'), undefined],
    ['GET', ns('/messages?limit=0'), undefined],
    ['GET', ns('/messages?created=>soon'), undefined],
    ['GET', '/namespaces/bad%20ns/messages', undefined],
    ['POST', ns('/data'), { name: 'x' }],
    ['POST', ns('/data'), { value: 1, datatype: { name: 'nope', version: '1' } }],
    ['GET', ns('/data/nope'), undefined],
    ['GET', ns('/data/nope/blob'), undefined],
    ['POST', ns('/data/blob'), 'not multipart'],
    ['POST', ns('/datatypes'), { name: 'x y', version: '1', schema: {} }],
    ['POST', ns('/datatypes'), { name: 'x', version: '1', schema: { type: 7 } }],
    ['GET', ns('/datatypes/nope/1'), undefined],
    ['POST', ns('/groups'), { name: 'g', members: ['did:parley:node/nobody'] }],
    ['POST', ns('/groups'), { name: 'g' }],
    ['GET', ns('/groups/nope'), undefined],
    ['POST', ns('/subscriptions'), { name: 'bad name!' }],
    ['POST', ns('/subscriptions'), { name: 's', filter: { topic: '(' } }],
    ['POST', ns('/subscriptions'), { name: 's', webhook: { url: 'ftp://x' } }],
    ['GET', ns('/subscriptions/nope'), undefined],
    ['DELETE', ns('/subscriptions/nope'), undefined],
    ['POST', ns('/operations/nope/retry'), undefined],
    ['POST', ns('/contexts/zz/skip'), undefined],
    ['POST', ns(`/contexts/${'ab'.repeat(32)}/skip`), undefined],
    ['GET', '/identities/did:parley:node/nobody', undefined],
    ['GET', '/nope', undefined],
  ];
  for (const [method, path, body] of cases) {
    const r = await rest(provider, method, path, body);
    assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} -> ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.equal(typeof r.body.error, 'string', `${method} ${path} has an error message`);
    assert.equal(r.body.code, r.status);
  }
  // An oversized body: the node answers 413 before reading it all (raw HTTP, so the early
  // answer is read even though the upload is cut short).
  const big = await postRaw(provider, `/api/v1${ns('/messages/broadcast')}`,
    Buffer.from(JSON.stringify({ topic: 'x', data: 'y'.repeat(20 * 1024 * 1024) })));
  assert.equal(big.status, 413);
  assert.match(big.body.error, /limit/);
  // And the API documents itself.
  const doc = await rest(provider, 'GET', '/openapi.json');
  assert.equal(doc.body.openapi, '3.1.0');
  // Grouped by resource, each operation under one of the declared tags.
  const tags = new Set(doc.body.tags.map((t) => t.name));
  for (const name of ['messages', 'data', 'groups', 'subscriptions', 'tokens', 'claims', 'escrows', 'identities']) assert.ok(tags.has(name), name);
  for (const item of Object.values(doc.body.paths)) for (const op of Object.values(item)) assert.ok(tags.has(op.tags[0]));
  assert.equal((await fetch(`http://127.0.0.1:${provider.rest_port}/api/v1/docs`)).status, 200, 'the docs need no key');
  const did = await rest(provider, 'GET', `/identities/${encodeURIComponent(provider.node_did)}/did`);
  assert.equal(did.body.id, provider.node_did);
  // Network-wide: the provider's network.json lists its REST port.
  assert.ok(JSON.parse(readFileSync(join(net.dir, 'network.json'), 'utf8')).parties.every((p) => p.rest_port > 0));
});
