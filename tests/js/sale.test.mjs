// End to end on three real nodes: a hash-locked sale (delivery versus payment that needs no
// trust on either side). The provider sells a report to insurer-a: insurer-a's node holds it
// locked until the provider's node reveals the key on-chain, which is also what pays it.
// insurer-a, insurer-b and the provider each run their own node (local3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, blake2AsHex } from '@polkadot/util-crypto';
import { startNetwork, submit, waitFor, rest, ns, accountOf, restWait, readIdentities } from './harness.mjs';

let net;
let provider;
let insurerA;
let insurerB;
let parties;
let group;
let api;
let keyring;


before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  net = await startNetwork();
  ({ provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties);
  parties = [provider, insurerA, insurerB];
  await readIdentities(parties);
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${provider.rpc_port}`), noInitWarn: true });
  const created = await rest(insurerA, 'POST', ns('/groups'), { name: 'reports', members: [provider.node_did] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  group = created.body.id;
  await waitFor('the group at the provider', async () => (await rest(provider, 'GET', ns(`/groups/${group}`))).status === 200);
});

after(async () => {
  await api?.disconnect();
  await net?.stop();
});

test('a hash-locked sale: the buyer opens the data only by paying, the seller is paid only by revealing the key', async () => {
  // insurer-a buys a lab report from the provider, in a pool of its own.
  const pool = await rest(insurerA, 'POST', ns('/tokens/pools?confirm=true'), { name: 'sale-coin', symbol: 'SC', decimals: 0 });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const minted = await rest(insurerA, 'POST', ns('/tokens/mint?confirm=true'), { pool: 'sale-coin', amount: '1000' });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  await restWait('the pool', provider, '/tokens/pools/sale-coin');
  const balance = async (party, of) => String((await rest(party, 'GET', ns(`/tokens/balances?pool=sale-coin&account=${of.node_did}`))).body.balance);

  // A sale goes privately to exactly one other node.
  const broadcast = await rest(provider, 'POST', ns('/messages/broadcast'), { topic: 'reports', data: {}, sale: { pool: 'sale-coin', amount: '300' } });
  assert.equal(broadcast.status, 400, JSON.stringify(broadcast.body));

  const report = { patient: 'p-17', result: 'negative', pages: 4 };
  const sent = await rest(provider, 'POST', ns('/messages/private'), { group, topic: 'reports', data: report, sale: { pool: 'sale-coin', amount: '300' } });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const message = await restWait('the batch for sale', provider, `/messages/${sent.body.id}`, (m) => m.state === 'confirmed');

  // insurer-a holds the batch unopened and is told the price and the key hash.
  const [offer] = await restWait('the offer', insurerA, `/offers?batch=${message.batch}`, (r) => r.length === 1);
  assert.equal(offer.state, 'offered');
  assert.equal(offer.amount, '300');
  assert.equal(offer.payee, accountOf(provider));
  const offered = (await rest(insurerA, 'GET', ns('/events?type=batch_offered&limit=1000'))).body;
  assert.ok(offered.some((e) => e.reference === message.batch && e.detail.key_hash === offer.key_hash), JSON.stringify(offered));
  const unopened = await rest(insurerA, 'GET', ns(`/messages/${sent.body.id}`));
  assert.notEqual(unopened.body?.state, 'confirmed', 'the report must not be readable before the payment');

  // Underpaying: the provider does not reveal the key; the payment comes back at the timeout and
  // the report stays closed.
  const low = await rest(insurerA, 'POST', ns('/escrows?confirm=true'), { pool: 'sale-coin', payee: provider.node_did, amount: '100', batchHash: offer.batch_hash, keyHash: offer.key_hash, timeout: 4 });
  assert.equal(low.status, 200, JSON.stringify(low.body));
  const [lowRow] = await restWait('the low escrow', insurerA, `/escrows?key_hash=${offer.key_hash}&amount=100`, (r) => r.length === 1);
  await restWait('the low escrow refunded', insurerA, `/escrows/${lowRow.id}`, (e) => e.state === 'refunded', 120_000);
  assert.equal(await balance(insurerA, insurerA), '1000');
  assert.equal(await balance(insurerA, provider), '0');
  assert.equal((await rest(insurerA, 'GET', ns(`/offers?batch=${message.batch}`))).body[0].state, 'offered');

  // Paying the price: the provider's node reveals the key, is paid, and insurer-a's node opens
  // the report with the key from the chain, with no further step by either app.
  const paid = await rest(insurerA, 'POST', ns('/escrows?confirm=true'), { pool: 'sale-coin', payee: provider.node_did, amount: '300', batchHash: offer.batch_hash, keyHash: offer.key_hash, timeout: 600 });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const [paidRow] = await restWait('the paid escrow', insurerA, `/escrows?key_hash=${offer.key_hash}&amount=300`, (r) => r.length === 1);
  for (const party of parties) {
    const row = await restWait('the escrow paid by its key', party, `/escrows/${paidRow.id}`, (e) => e.state === 'released' && e.key, 120_000);
    assert.equal(blake2AsHex(`0x${row.key}`, 256), `0x${offer.key_hash}`);
  }
  const opened = await restWait('the report at insurer-a', insurerA, `/messages/${sent.body.id}`, (m) => m.state === 'confirmed', 120_000);
  assert.deepEqual(opened.data, report);
  assert.equal((await rest(insurerA, 'GET', ns(`/offers?batch=${message.batch}`))).body[0].state, 'opened');
  assert.equal(await balance(insurerA, provider), '300');
  assert.equal(await balance(insurerA, insurerA), '700');
  // Paid once: the key cannot be used again, and the escrow is not refunded later.
  const again = await submit(api, api.tx.tokens.revealKey(paidRow.id, `0x${(await rest(insurerA, 'GET', ns(`/escrows/${paidRow.id}`))).body.key}`), keyring.addFromUri('//Dave'));
  assert.equal(again.dispatchError, 'tokens.EscrowNotLocked');
  // insurer-b, not a party to the sale, never sees the report.
  assert.equal((await rest(insurerB, 'GET', ns(`/messages/${sent.body.id}`))).status, 404);
});
