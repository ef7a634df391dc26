// End to end on three real nodes, one of them a rival: insurer-b tries to crowd insurer-a's
// payment off a batch with dust escrows, anyone replays insurer-a's signed acknowledgement,
// insurer-b asks for a batch of a group it is not in, and insurer-a relays its group to insurer-b
// with insurer-b added. Each attack fails, and the victim's messages and payments go through.
// insurer-a, insurer-b and the provider each run their own node (local3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startNetwork, waitFor, rest, nodeBinary, ns, accountOf, restWait, readIdentities } from './harness.mjs';

let net;
let provider;
let insurerA;
let insurerB;
let parties;
let group;
let api;
let keyring;
/** Batch id -> batch hash of every pin in a best block. */
const pinned = new Map();
/** Batch hash -> the hex of each `pins.submitAcknowledgement` extrinsic seen for it. */
const ackExtrinsics = new Map();
const unsubscribe = [];
/** The pool's ban on a transaction's hash in this file's network, in seconds. */
const BAN_SECONDS = 5;


before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  // A 5-second pool ban (Parley's default is 120 s), so that a replay can be tried after the ban
  // on a hash has run out, as a rival that waits would.
  net = await startNetwork({ nodeArgs: `--tx-ban-seconds ${BAN_SECONDS}` });
  ({ provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties);
  parties = [provider, insurerA, insurerB];
  await readIdentities(parties);
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${provider.rpc_port}`), noInitWarn: true });
  unsubscribe.push(await api.query.system.events((records) => {
    for (const { event } of records) {
      if (api.events.pins.BatchPinned.is(event)) pinned.set(event.data.batchId.toHex(), event.data.batchHash.toHex());
    }
  }));
  unsubscribe.push(await api.rpc.chain.subscribeNewHeads(async (header) => {
    const block = await api.rpc.chain.getBlock(header.hash);
    for (const ext of block.block.extrinsics) {
      if (ext.method.section !== 'pins' || ext.method.method !== 'submitAcknowledgement') continue;
      const hash = ext.method.args[0].batchHash.toHex();
      ackExtrinsics.set(hash, [...(ackExtrinsics.get(hash) ?? []), ext.toHex()]);
    }
  }));
  const created = await rest(insurerA, 'POST', ns('/groups'), { name: 'rivals', members: [provider.node_did] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  group = created.body.id;
  await waitFor('the group at the provider', async () => (await rest(provider, 'GET', ns(`/groups/${group}`))).status === 200);
});

after(async () => {
  for (const u of unsubscribe) u?.();
  await api?.disconnect();
  await net?.stop();
});

/** The provider sends a private message to insurer-a; returns (message, batch hash) once pinned. */
async function providerSends(data, extra = {}) {
  const sent = await rest(provider, 'POST', ns('/messages/private'), { group, topic: 'results', data, ...extra });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const message = await restWait('the batch', provider, `/messages/${sent.body.id}`, (m) => m.batch);
  const batchHash = await waitFor('the pin in a block', () => pinned.get(`0x${message.batch}`), { timeoutMs: 60_000 });
  return { id: sent.body.id, message, batchHash };
}

test('a rival\'s dust escrows on a batch do not crowd out the payer\'s own escrow', async () => {
  const pool = await rest(insurerA, 'POST', ns('/tokens/pools?confirm=true'), { name: 'rival-coin', symbol: 'RC', decimals: 0 });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const minted = await rest(insurerA, 'POST', ns('/tokens/mint?confirm=true'), { pool: 'rival-coin', amount: '10000' });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  const gift = await rest(insurerA, 'POST', ns('/tokens/transfers?confirm=true'), { pool: 'rival-coin', to: insurerB.node_did, amount: '100' });
  assert.equal(gift.status, 200, JSON.stringify(gift.body));
  await restWait('the pool', insurerB, '/tokens/pools/rival-coin');
  const balance = async (of) => String((await rest(insurerA, 'GET', ns(`/tokens/balances?pool=rival-coin&account=${of.node_did}`))).body.balance);

  const { message, batchHash } = await providerSends({ result: 'negative' });
  // insurer-b, who never receives this batch, locks as many 1-unit escrows on its hash as the
  // chain takes for one payer's node (MaxEscrowsPerBatch), and one more.
  const max = api.consts.tokens.maxEscrowsPerBatch.toNumber();
  const ops = [];
  for (let i = 0; i <= max; i += 1) {
    const r = await rest(insurerB, 'POST', ns('/escrows'), { pool: 'rival-coin', payee: provider.node_did, amount: '1', batchHash, timeout: 20 });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    ops.push(r.body.id);
  }
  const outcomes = [];
  for (const id of ops) {
    const op = await restWait('the dust escrow settled', insurerB, `/tokens/operations/${id}`, (o) => o.state === 'succeeded' || o.state === 'failed', 180_000);
    outcomes.push(op.state === 'failed' ? op.error : 'ok');
  }
  assert.equal(outcomes.filter((o) => o === 'ok').length, max, JSON.stringify(outcomes));
  assert.ok(outcomes.some((o) => /TooManyEscrowsForBatch/.test(o)), JSON.stringify(outcomes));

  // insurer-a, the batch's recipient, still locks its payment on it, and its node's
  // acknowledgement releases it to the provider.
  const paid = await rest(insurerA, 'POST', ns('/escrows?confirm=true'), { pool: 'rival-coin', payee: provider.node_did, amount: '500', batch: message.batch, timeout: 600 });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const rows = await restWait('insurer-a\'s escrow released', provider, `/escrows?batch_hash=${batchHash.slice(2)}&state=released`, (r) => r.length === 1, 180_000);
  assert.equal(rows[0].amount, '500');
  assert.equal(rows[0].payee, accountOf(provider));
  assert.equal(rows[0].node, insurerA.identity.id);
  assert.equal(await balance(provider), '500');
  // The dust escrows were never released by insurer-a's acknowledgement: refunded to the rival.
  await restWait('the dust escrows refunded', insurerB, `/escrows?batch_hash=${batchHash.slice(2)}&state=refunded`, (r) => r.length === max, 180_000);
  assert.equal(await balance(insurerB), '100');
});

test('a replayed acknowledgement is refused by the pool, during its ban and after it, and later acknowledgements go through', async () => {
  const { id, batchHash } = await providerSends({ result: 'ack me' }, { proofOfReceipt: true });
  await restWait('the message at insurer-a', insurerA, `/messages/${id}`, (m) => m.state === 'confirmed');
  await waitFor('insurer-a\'s acknowledgement on-chain', async () => (await api.query.pins.acknowledgements(batchHash, insurerA.identity.id)).isSome, { timeoutMs: 120_000 });
  const [ack] = await waitFor('the acknowledgement extrinsic', () => ackExtrinsics.get(batchHash), { timeoutMs: 60_000 });
  // Anyone resubmits insurer-a's signed acknowledgement as it was: the pool refuses it (as a
  // transaction it has seen, as one it banned once the block took it in, or as stale: the
  // runtime's own check, in the pallet's unit tests).
  await assert.rejects(api.rpc.author.submitExtrinsic(ack), /stale|outdated|1010|1012|1013|already imported|temporarily banned/i);
  // Once the ban on its hash has run out, the replay is validated afresh, and the runtime
  // refuses it for its spent nonce: a ban shorter than Substrate's 30 minutes opens nothing.
  await new Promise((resolve) => setTimeout(resolve, (BAN_SECONDS + 3) * 1000));
  await assert.rejects(api.rpc.author.submitExtrinsic(ack), /1010.*outdated/i);
  // insurer-a's next message asking for proof is acknowledged as usual.
  const next = await providerSends({ result: 'and me' }, { proofOfReceipt: true });
  await waitFor('the next acknowledgement on-chain', async () => (await api.query.pins.acknowledgements(next.batchHash, insurerA.identity.id)).isSome, { timeoutMs: 120_000 });
  await waitFor('the next acknowledgement extrinsic', () => ackExtrinsics.get(next.batchHash), { timeoutMs: 60_000 });
  // Blocks later, the first acknowledgement is still in the chain once only.
  assert.equal(ackExtrinsics.get(batchHash).length, 1);
});

/**
 * Asks `target`'s data channel one thing as the node of dev seed `as` (`parley-node
 * channel-probe`): `--fetch <batch>`, or `--announce-group <json> --seal-to <key>`. Returns the
 * probe's JSON answer.
 */
async function probe(target, as, args) {
  const addr = `/ip4/127.0.0.1/tcp/${target.channel_port}/p2p/${target.channel_peer_id}`;
  const { stdout } = await promisify(execFile)(nodeBinary(), ['channel-probe', addr, '--dev-seed', as.seed, '--timeout', '20', ...args], { timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

test('a party outside a group that asks for its batch on the channel gets nothing', async () => {
  const { message } = await providerSends({ result: 'for insurer-a only' });
  await restWait('the message at insurer-a', insurerA, `/messages/${message.id}`, (m) => m.state === 'confirmed');
  // insurer-b is a node in force, so the channel lets it in; it asks the author, then the
  // recipient that released the batch, as reconciliation would.
  for (const holder of [provider, insurerA]) {
    const asked = await probe(holder, insurerB, ['--fetch', message.batch]);
    assert.equal(asked.accepted, true, JSON.stringify(asked));
    assert.equal(asked.answer, 'not_recipient', `${holder.name} answered insurer-b: ${JSON.stringify(asked)}`);
    assert.equal(asked.group, undefined);
  }
  // The same request from insurer-a, a member, gets the batch sealed to it, with the group.
  const member = await probe(provider, insurerA, ['--fetch', message.batch]);
  assert.equal(member.answer, 'batch', JSON.stringify(member));
  assert.equal(member.messages, 1, JSON.stringify(member));
  assert.equal(member.group.id, group);
  assert.deepEqual(member.group.members, [provider.identity.id, insurerA.identity.id].sort((x, y) => x - y));
  // The provider's log says whom it sealed the batch for again: insurer-a, never insurer-b.
  const resent = (to) => readFileSync(provider.log, 'utf8').includes(`sent batch ${message.batch} again to ${to.node_did}`);
  await waitFor('the provider to log the batch sent to insurer-a', async () => resent(insurerA), { timeoutMs: 20_000 });
  assert.equal(resent(insurerB), false);
});

test('a group relayed with its members changed is refused; it is not the group it names', async () => {
  const { message } = await providerSends({ result: 'the group travels in the batch' });
  await restWait('the message at insurer-a', insurerA, `/messages/${message.id}`, (m) => m.state === 'confirmed');
  // insurer-a, a member, holds the group with its secret (here read from the batch it fetches).
  const genuine = (await probe(provider, insurerA, ['--fetch', message.batch])).group;
  assert.equal(genuine.id, group);
  const forged = { ...genuine, members: [...genuine.members, insurerB.identity.id].sort((x, y) => x - y) };
  const toB = ['--seal-to', insurerB.identity.encryption_key];
  // Under the group's own id, with insurer-b added: refused, and insurer-b does not have it.
  const relayed = await probe(insurerB, insurerA, ['--announce-group', JSON.stringify(forged), ...toB]);
  assert.equal(relayed.accepted, true, JSON.stringify(relayed));
  assert.equal(relayed.answer, 'refused:BadRequest', JSON.stringify(relayed));
  assert.equal(relayed.group_id, group);
  // The genuine group, relayed to a node outside it: refused too.
  const outsider = await probe(insurerB, insurerA, ['--announce-group', JSON.stringify(genuine), ...toB]);
  assert.equal(outsider.answer, 'refused:BadRequest', JSON.stringify(outsider));
  assert.equal((await rest(insurerB, 'GET', ns(`/groups/${group}`))).status, 404);
  // The same members under the id they derive are another group, which insurer-b may hold:
  // the channel took the announcement, and the provider's group is unchanged.
  const other = await probe(insurerB, insurerA, ['--announce-group', JSON.stringify(forged), '--derive-id', ...toB]);
  assert.equal(other.answer, 'accepted', JSON.stringify(other));
  assert.notEqual(other.group_id, group);
  await restWait('the other group at insurer-b', insurerB, `/groups/${other.group_id}`);
  const kept = await rest(provider, 'GET', ns(`/groups/${group}`));
  assert.equal(kept.status, 200);
  assert.equal(kept.body.members.length, 2, JSON.stringify(kept.body));
  assert.equal((await rest(insurerB, 'GET', ns(`/groups/${group}`))).status, 404);
});
