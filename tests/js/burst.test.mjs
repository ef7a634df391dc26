// End to end on three real nodes: bursts of multi-topic messages, the load that used to wedge
// their topics for good (a batch with more contexts than the chain takes could never be pinned,
// and every later batch on its topics waited behind it), and a pin that fails on-chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNetwork, call, waitFor, auth, rest as restCall } from './harness.mjs';

let net;
let provider;
let insurerA;
let insurerB;
let pair;
let trio;

/** A REST call in the default namespace. */
const rest = (party, method, path, body) => restCall(party, method, `/namespaces/default${path}`, body, { timeoutMs: 60_000 });

const ok = async (port, method, params) => {
  const body = await call(port, method, params);
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
};

/** Every message `party` confirmed on `topic`, in confirmation order. */
async function confirmedOn(party, topic) {
  const out = [];
  for (let skip = 0; ; skip += 1000) {
    const page = await rest(party, 'GET',
      `/messages?topics=${topic}&state=confirmed&sort=confirm_sequence&limit=1000&skip=${skip}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    out.push(...page.body);
    if (page.body.length < 1000) return out;
  }
}

async function countConfirmed(party, topic) {
  const page = await rest(party, 'GET', `/messages?topics=${topic}&state=confirmed&count=true&limit=1`);
  return page.body.total;
}

/**
 * Sends `total` messages from `from` with `clients` concurrent clients, each sending its share
 * one after the other (client c sends seq 0, 1, … as data). Returns the ids, and the rate.
 */
async function burst(from, { total, clients, topics, group }) {
  const path = group ? '/messages/private' : '/messages/broadcast';
  const ids = new Array(total);
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let seq = 0, i = client; i < total; seq++, i += clients) {
      const body = { topics, data: { client, seq, pad: 'x'.repeat(60) } };
      if (group) body.group = group;
      const r = await rest(from, 'POST', path, body);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids[i] = r.body.id;
    }
  }));
  const seconds = (Date.now() - started) / 1000;
  return { ids, rate: Math.round(total / seconds) };
}

/**
 * Waits until every recipient confirmed all `ids` on each topic, then checks: each exactly once,
 * every client's messages in the order it sent them, and the same order at every recipient
 * (and at the sender, which confirms its own messages by the same rule).
 */
async function checkBurst(label, { ids, topics, sender, recipients, timeoutMs = 240_000 }) {
  const started = Date.now();
  // The sender confirms its own messages from the chain as the recipients do: wait for it too.
  for (const party of [...recipients, sender]) {
    await waitFor(`${label}: all ${ids.length} confirmed at ${party.name}`,
      async () => (await countConfirmed(party, topics[0])) >= ids.length,
      { timeoutMs, everyMs: 1000 });
  }
  console.log(`# ${label}: every party confirmed all ${ids.length} ${Date.now() - started} ms after the last send`);
  let reference = null;
  for (const party of [sender, ...recipients]) {
    for (const topic of topics) {
      const got = await confirmedOn(party, topic);
      const order = got.map((m) => m.id);
      assert.equal(order.length, ids.length, `${label}: every message at ${party.name} on ${topic}`);
      assert.equal(new Set(order).size, ids.length, `${label}: each once at ${party.name}`);
      assert.deepEqual([...order].sort(), [...ids].sort(), `${label}: the messages sent`);
      const last = new Map();
      for (const m of got) {
        const before = last.get(m.data.client) ?? -1;
        assert.ok(m.data.seq > before, `${label}: client ${m.data.client}'s messages in order at ${party.name}`);
        last.set(m.data.client, m.data.seq);
      }
      reference ??= order;
      assert.deepEqual(order, reference, `${label}: one order at every party (${party.name}, ${topic})`);
    }
  }
}

before(async () => {
  net = await startNetwork({ nodeArgs: '--unsafe-test-hooks' });
  ({ provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties);
  pair = await ok(insurerA.rpc_port, 'parley_createGroup', ['pair', [provider.node_did]]);
  trio = await ok(insurerA.rpc_port, 'parley_createGroup', ['trio', [provider.node_did, insurerB.node_did]]);
});

after(async () => {
  await net?.stop();
});

test('3,000 two-topic private messages at full speed are all confirmed at the provider, in order', async () => {
  const topics = ['wedge-t1', 'wedge-t2'];
  const sent = await burst(insurerA, { total: 3000, clients: 32, topics, group: pair });
  console.log(`# 3000 two-topic private messages accepted at ${sent.rate}/s by insurer-a`);
  await checkBurst('two-topic burst', { ids: sent.ids, topics, sender: insurerA, recipients: [provider] });
  // Nothing is left behind at the sender, and no batch went over the chain's bound.
  const stuck = await rest(insurerA, 'GET', '/messages?topics=wedge-t1&state=sent&count=true&limit=1');
  assert.equal(stuck.body.total, 0);
  const failed = await rest(insurerA, 'GET', '/operations?kind=pin&state=failed&limit=1000');
  assert.deepEqual(failed.body, []);
  const batches = await rest(insurerA, 'GET', '/batches?limit=1000');
  const widths = batches.body.map((b) => b.contexts.length);
  console.log(`# insurer-a cut ${widths.length} batches, the widest with ${Math.max(...widths)} contexts`);
  assert.ok(Math.max(...widths) <= 256);
  assert.equal(await countConfirmed(insurerB, 'wedge-t1'), 0, 'insurer-b is not in the group');
});

test('five-topic private messages to two recipients, and two-topic broadcasts, in bursts', async () => {
  const five = ['five-a', 'five-b', 'five-c', 'five-d', 'five-e'];
  const sent = await burst(insurerA, { total: 600, clients: 16, topics: five, group: trio });
  await checkBurst('five-topic burst to two', { ids: sent.ids, topics: five, sender: insurerA, recipients: [provider, insurerB] });
  const news = ['news-x', 'news-y'];
  const cast = await burst(provider, { total: 600, clients: 16, topics: news });
  await checkBurst('two-topic broadcast burst', { ids: cast.ids, topics: news, sender: provider, recipients: [insurerA, insurerB] });
});

test('a pin that fails on-chain is a failed operation with the pallet error, and its topic flows on', async () => {
  const send = async (n) => (await rest(insurerA, 'POST', '/messages/private',
    { group: pair, topics: ['after-failure'], data: { n } })).body.id;
  const first = await send(0);
  await waitFor('the first message at the provider', async () =>
    (await rest(provider, 'GET', `/messages/${first}`)).body.state === 'confirmed');
  assert.equal(await ok(insurerA.rpc_port, 'parley_test_failNextPin', []), true);
  const bad = await send(1);
  const rejected = await waitFor('the sender to reject it', async () => {
    const m = (await rest(insurerA, 'GET', `/messages/${bad}`)).body;
    return m.state === 'rejected' ? m : null;
  });
  assert.equal(rejected.error, 'its pin failed on-chain: Pins.InvalidNamespace');
  const ops = (await rest(insurerA, 'GET', `/operations?kind=pin&state=failed&batch=${rejected.batch}`)).body;
  assert.equal(ops.length, 1);
  assert.match(ops[0].error, /Pins\.InvalidNamespace/);
  const events = (await rest(insurerA, 'GET', '/events?type=operation_failed&limit=1000')).body;
  const event = events.find((e) => e.reference === ops[0].id);
  assert.ok(event, 'an operation_failed event');
  assert.equal(event.detail.error, 'Pins.InvalidNamespace');
  assert.deepEqual(event.detail.rejected, [bad]);
  const retry = await rest(insurerA, 'POST', `/operations/${ops[0].id}/retry`);
  assert.equal(retry.status, 400, 'a pin that failed on-chain is final');
  assert.match(retry.body.error, /cannot be retried/);
  // The topic is not wedged: the next message flows, and the failed one never arrives.
  const next = await send(2);
  await waitFor('the next message at the provider', async () =>
    (await rest(provider, 'GET', `/messages/${next}`)).body.state === 'confirmed');
  const order = (await confirmedOn(provider, 'after-failure')).map((m) => m.id);
  assert.deepEqual(order, [first, next]);
  assert.equal((await rest(provider, 'GET', `/messages/${bad}`)).status, 404);
});

test('a namespace the chain would refuse is refused up front, with a clear error', async () => {
  const r = await fetch(`http://127.0.0.1:${insurerA.rest_port}/api/v1/namespaces/claims-/messages/broadcast`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(insurerA) },
    body: JSON.stringify({ topics: ['t'], data: 1 }),
  });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error, /starting and ending with a letter or digit/);
});
