// End to end on real nodes: no single party decides for the others. The three parties of local3
// are the members; a fourth party joins a running network only by their vote, syncs with just the
// chain spec and its keys, becomes a validator at the next session; an org's extra nodes give it
// no extra validator; and with four validators, one party down does not stop finality.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNetwork, call, waitFor, submit, nodeBinary, auth } from './harness.mjs';

let net;
let api;
let keyring;
const apis = [];

const ok = async (port, method, params) => {
  const body = await call(port, method, params);
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
};

/** Submits `tx` from `signer` and asserts it succeeded; returns its events. */
async function must(tx, signer) {
  const { events, dispatchError } = await submit(api, tx, signer);
  assert.equal(dispatchError, null, `${tx.method.section}.${tx.method.method} failed: ${dispatchError}`);
  return events;
}

/** The collective's `Executed` result in `events`: null if ok, else the error's name. */
function executed(events) {
  const record = events.find(({ event }) => api.events.members.Executed.is(event));
  assert.ok(record, 'the motion was executed');
  const result = record.event.data.result;
  if (result.isOk) return null;
  const error = result.asErr;
  return error.isModule ? api.registry.findMetaError(error.asModule).name : error.toString();
}

const validators = async () => (await api.query.session.validators()).map((v) => v.toString());

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  net = await startNetwork({ nodeArgs: '--unsafe-test-hooks --context-block-timeout-ms 4000' });
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${net.parties.provider.rpc_port}`), noInitWarn: true });
  apis.push(api);
});

after(async () => {
  for (const a of apis) await a.disconnect().catch(() => {});
  await net?.stop();
});

test('local3 has no sudo: its members are its three orgs, one validator each', async () => {
  assert.equal(api.tx.sudo, undefined, 'no sudo call in the metadata');
  assert.equal(api.query.sudo, undefined, 'no sudo key in storage');
  const members = (await api.query.members.members()).map((m) => m.toString()).sort();
  const admins = ['//Alice//stash', '//Bob//stash', '//Charlie//stash'].map((s) => keyring.addFromUri(s).address).sort();
  assert.deepEqual(members, admins);
  const nodes = ['//Alice', '//Bob', '//Charlie'].map((s) => keyring.addFromUri(s).address);
  assert.deepEqual((await validators()).sort(), [...nodes].sort());
  // The collective cannot be called around the named proposals, nor a top-level org registered.
  const bobStash = keyring.addFromUri('//Bob//stash');
  const direct = await submit(api, api.tx.members.propose(1, api.tx.system.remark('x'), 100), bobStash).catch((e) => ({ refused: e }));
  assert.ok(direct.refused || direct.dispatchError, 'a direct collective proposal is refused');
  const rogue = await submit(api, api.tx.identities.registerOrg('rogue', bobStash.address), bobStash);
  assert.equal(rogue.dispatchError, 'BadOrigin');
});

test('no party skips another\'s batch alone; the members\' vote does, and the topic flows again', async () => {
  const { provider, 'insurer-a': insurerA } = net.parties;
  const rest = async (party, path) => (await fetch(`http://127.0.0.1:${party.rest_port}/api/v1/namespaces/default${path}`, { headers: auth(party) })).json();
  const group = await ok(insurerA.rpc_port, 'parley_createGroup', ['skip-vote', [provider.node_did]]);
  assert.equal(await ok(insurerA.rpc_port, 'parley_test_withholdNextBatch', []), true);
  const lost = await ok(insurerA.rpc_port, 'parley_sendPrivate', [group, 'skip-vote', { n: 1 }]);
  await waitFor('the withheld batch to be cut', async () => (await ok(insurerA.rpc_port, 'parley_getMessage', [lost])).state !== 'pending');
  const later = await ok(insurerA.rpc_port, 'parley_sendPrivate', [group, 'skip-vote', { n: 2 }]);
  const blocked = await waitFor('context_blocked at the provider', async () =>
    (await rest(provider, '/events?type=context_blocked&limit=1000')).find((e) => e.detail.waiting > 0),
  { timeoutMs: 120_000, everyMs: 1000 });
  const batchId = `0x${blocked.reference}`;
  const author = blocked.detail.author;
  assert.equal(author, (await api.call.identitiesApi.identityByDid(insurerA.node_did)).unwrap().id.toNumber());
  // A third party's node (insurer-b, not the author) tries to skip it with a raw extrinsic: the
  // call names a batch of the signer's own, and insurer-b has none of that id.
  const foreign = await submit(api, api.tx.pins.skipBatch(batchId), keyring.addFromUri('//Charlie'));
  assert.equal(foreign.dispatchError, 'pins.UnknownBatch');
  assert.equal((await api.query.pins.skippedBatches(author, batchId)).isNone, true);
  // The provider's admin proposes the skip (refused before the vote while the pin is too young),
  // and a second member's aye carries it.
  const skip = { SkipBatch: { author, batchId } };
  const proposed = await waitFor('the skip proposal to be accepted', async () => {
    const r = await submit(api, api.tx.governance.propose(skip), keyring.addFromUri('//Alice//stash'));
    if (r.dispatchError) assert.equal(r.dispatchError, 'pins.TooEarlyToSkip');
    return r.dispatchError ? null : r.events;
  }, { timeoutMs: 90_000, everyMs: 2000 });
  const index = proposed.find(({ event }) => api.events.governance.Proposed.is(event)).event.data.index.toNumber();
  assert.equal((await api.query.pins.skippedBatches(author, batchId)).isNone, true, 'one aye of three skips nothing');
  const voted = await must(api.tx.governance.vote(index, true), keyring.addFromUri('//Charlie//stash'));
  assert.equal(executed(voted), null);
  assert.ok(voted.some(({ event }) => api.events.pins.BatchSkippedByVote.is(event)));
  // Every node stops waiting: the later message is released at the provider, the lost one never.
  await waitFor('the later message confirmed at the provider', async () =>
    (await call(provider.rpc_port, 'parley_getMessage', [later])).result?.state === 'confirmed');
  const lostAtProvider = await fetch(`http://127.0.0.1:${provider.rest_port}/api/v1/namespaces/default/messages/${lost}`, { headers: auth(provider) });
  assert.equal(lostAtProvider.status, 404, 'the lost one never appears');
  const skipped = (await rest(provider, '/events?type=context_skipped&limit=1000')).find((e) => e.reference === blocked.reference);
  assert.equal(skipped?.detail.by, 'vote');
});

test('a runtime parameter changes only by the members\' vote', async () => {
  const change = { SetParameter: { parameter: { Pins: { SkipAfter: [null, 30] } } } };
  const proposed = await must(api.tx.governance.propose(change), keyring.addFromUri('//Charlie//stash'));
  const index = proposed.find(({ event }) => api.events.governance.Proposed.is(event)).event.data.index.toNumber();
  const skipAfter = async () => (await api.query.parameters.parameters({ Pins: { SkipAfter: null } })).toJSON();
  assert.equal(await skipAfter(), null, 'one aye of three changes nothing');
  const voted = await must(api.tx.governance.vote(index, true), keyring.addFromUri('//Alice//stash'));
  assert.equal(executed(voted), null);
  assert.ok(voted.some(({ event }) => api.events.parameters.Updated.is(event)));
  assert.deepEqual(await skipAfter(), { pins: { skipAfter: 30 } });
  // No account can set it directly.
  const direct = await submit(api, api.tx.parameters.setParameter({ Pins: { SkipAfter: [null, 1] } }), keyring.addFromUri('//Alice//stash'));
  assert.equal(direct.dispatchError, 'BadOrigin');
});

test('an org that registers extra nodes with session keys gets no extra validator', async () => {
  const insurerA = net.parties['insurer-a'];
  const admin = keyring.addFromUri('//Bob//stash');
  const org = (await api.call.identitiesApi.identityByDid('did:parley:org/insurer-a')).unwrap().id;
  const extra = keyring.addFromUri('//Bob//extra');
  await must(api.tx.balances.transferKeepAlive(extra.address, 10n ** 15n), keyring.addFromUri('//Bob'));
  await must(api.tx.identities.registerNode(org, 'insurer-a-2', extra.address, `0x002408011220${'07'.repeat(32)}`, `0x${'07'.repeat(32)}`, []), admin);
  const generated = await ok(insurerA.rpc_port, 'author_rotateKeysWithOwner', [api.createType('AccountId', extra.address).toHex()]);
  await must(api.tx.session.setKeys(generated.keys, generated.proof), extra);
  // At the next session change the queued set is computed: still one validator per member org.
  const session = (await api.query.session.currentIndex()).toNumber();
  await waitFor('the next session', async () => (await api.query.session.currentIndex()).toNumber() > session,
    { timeoutMs: 90_000, everyMs: 1000 });
  const queued = (await api.query.session.queuedKeys()).map(([who]) => who.toString());
  assert.equal(queued.length, 3);
  assert.ok(!queued.includes(extra.address), 'the extra node is not queued as a validator');
});

test('a fourth party joins by the members\' vote, syncs, receives broadcasts and becomes a validator', async () => {
  // It keeps the state of 16 blocks only: by the time its follower reads the blocks it synced,
  // their state is pruned, and it must not depend on it.
  const joiner = await net.addParty('insurer-c', 'dave', ['--state-pruning', '16']);
  const dave = keyring.addFromUri('//Dave');
  const daveStash = keyring.addFromUri('//Dave//stash');
  const { stdout } = await promisify(execFile)(nodeBinary(), ['channel-keys', '--dev-seed', '//Dave']);
  const channel = JSON.parse(stdout.trim().split('\n').pop());
  // The new node, synced, makes its session keys (and their proof) itself.
  const generated = await ok(joiner.rpc_port, 'author_rotateKeysWithOwner', [api.createType('AccountId', dave.address).toHex()]);
  const admission = {
    AdmitOrg: {
      name: 'insurer-c',
      admin: daveStash.address,
      node: {
        name: 'insurer-c',
        account: dave.address,
        peerId: channel.peer_id_hex,
        encryptionKey: channel.encryption_key,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${joiner.channel_port}`],
      },
      sessionKeys: generated.keys,
    },
  };
  // A non-member cannot propose, and one member's aye of three is not enough.
  const stranger = await submit(api, api.tx.governance.propose(admission), daveStash);
  assert.equal(stranger.dispatchError, 'governance.NotAMember');
  const proposed = await must(api.tx.governance.propose(admission), keyring.addFromUri('//Alice//stash'));
  const index = proposed.find(({ event }) => api.events.governance.Proposed.is(event)).event.data.index.toNumber();
  assert.ok((await api.call.identitiesApi.identityByDid('did:parley:org/insurer-c')).isNone, 'not yet admitted');
  // The second member's aye passes it (2 of 3), and it is enacted at once.
  const voted = await must(api.tx.governance.vote(index, true), keyring.addFromUri('//Bob//stash'));
  assert.equal(executed(voted), null);
  assert.ok(voted.some(({ event }) => api.events.governance.OrgAdmitted.is(event)));
  assert.ok(voted.some(({ event }) => api.events.members.Approved.is(event)));
  // A vote on a closed motion fails; the members are four now.
  const late = await submit(api, api.tx.governance.vote(index, true), keyring.addFromUri('//Charlie//stash'));
  assert.equal(late.dispatchError, 'governance.UnknownMotion');
  assert.equal((await api.query.members.members()).length, 4);
  await must(api.tx.session.setKeys(generated.keys, generated.proof), dave);

  // Its data channel is now accepted by every party.
  await waitFor('insurer-c\'s channel connected to the three members', async () => {
    const status = await ok(joiner.rpc_port, 'parley_status', []);
    return status.connected_peers.length >= 3 ? status : null;
  }, { timeoutMs: 60_000, everyMs: 1000 });
  // It receives a broadcast sent after its admission.
  const id = await ok(net.parties.provider.rpc_port, 'parley_sendBroadcast', [['welcome'], { to: 'insurer-c' }]);
  const got = await waitFor('the broadcast at insurer-c', async () => {
    const body = await call(joiner.rpc_port, 'parley_getMessage', [id]);
    return body.result?.state === 'confirmed' ? body.result : null;
  }, { timeoutMs: 60_000, everyMs: 500 });
  assert.deepEqual(got.data, { to: 'insurer-c' });
  // And validates from the session after next.
  await waitFor('insurer-c in the validator set', async () => (await validators()).includes(dave.address),
    { timeoutMs: 150_000, everyMs: 2000 });
  assert.equal((await validators()).length, 4);
  // Aura and GRANDPA take the same set; GRANDPA's change applies once its block is finalized.
  await waitFor('four GRANDPA voters at the finalized head', async () => {
    const head = await api.rpc.chain.getFinalizedHead();
    return (await (await api.at(head)).call.grandpaApi.grandpaAuthorities()).length === 4;
  }, { timeoutMs: 60_000, everyMs: 1000 });
  assert.equal((await api.query.aura.authorities()).length, 4);
});

test('with one of four validators stopped, blocks finalize and the other parties\' messages confirm', async () => {
  await net.stopParty('insurer-b');
  const start = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  await waitFor('finality to move on without insurer-b', async () => {
    const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
    return finalized >= start + 3;
  }, { timeoutMs: 60_000, everyMs: 1000 });
  const provider = net.parties.provider;
  const insurerA = net.parties['insurer-a'];
  const group = await ok(provider.rpc_port, 'parley_createGroup', ['while-b-is-down', [insurerA.node_did]]);
  const id = await ok(provider.rpc_port, 'parley_sendPrivate', [group, 'claims', { while: 'insurer-b is down' }]);
  await waitFor('the message confirmed at insurer-a', async () => {
    const body = await call(insurerA.rpc_port, 'parley_getMessage', [id]);
    return body.result?.state === 'confirmed';
  }, { timeoutMs: 60_000, everyMs: 500 });
  // insurer-b comes back and catches up with the finalized chain.
  await net.startParty('insurer-b');
  const apiB = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${net.parties['insurer-b'].rpc_port}`), noInitWarn: true });
  apis.push(apiB);
  const target = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
  await waitFor('insurer-b to catch up', async () => {
    const finalized = (await apiB.rpc.chain.getHeader(await apiB.rpc.chain.getFinalizedHead())).number.toNumber();
    return finalized >= target;
  }, { timeoutMs: 90_000, everyMs: 1000 });
});
