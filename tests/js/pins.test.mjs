// End to end: a real `parley-node --dev` chain, driven by unmodified @polkadot/api with no
// custom type definitions. The dev chain's node identity `dev` is Alice's account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, blake2AsHex } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startDevNode, submit } from './harness.mjs';

let node;
let api;
let alice;
let dave;

before(async () => {
  await cryptoWaitReady();
  node = await startDevNode();
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${node.rpcPort}`), noInitWarn: true });
  const keyring = new Keyring({ type: 'sr25519' });
  alice = keyring.addFromUri('//Alice');
  dave = keyring.addFromUri('//Dave');
});

after(async () => {
  await api?.disconnect();
  await node?.stop();
});

const batchId = (n) => u8aToHex(new Uint8Array(16).fill(n));

test('metadata documents the Pins and Identities calls, events and errors', () => {
  for (const [section, call, event, error] of [
    ['pins', 'pinBatch', 'BatchPinned', 'BatchAlreadyPinned'],
    ['pins', 'acknowledge', 'BatchAcknowledged', 'NotARegisteredNode'],
    ['identities', 'registerNode', 'NodeRegistered', 'NameAlreadyRegistered'],
    ['identities', 'deactivate', 'IdentityDeactivated', 'NotAuthorized'],
  ]) {
    assert.ok(api.tx[section][call].meta.docs.length > 0, `${section}.${call} has docs`);
    assert.ok(api.events[section][event].meta.docs.length > 0, `${section}.${event} has docs`);
    assert.ok(api.errors[section][error].meta.docs.length > 0, `${section}.${error} has docs`);
  }
  assert.ok(api.consts.pins.maxContexts.toNumber() > 0);
});

test('the dev node identity is readable through the runtime API and storage', async () => {
  const node = await api.call.identitiesApi.identityByDid('did:parley:node/dev');
  assert.ok(node.isSome, 'did:parley:node/dev exists');
  const info = node.unwrap();
  assert.equal(info.account.toString(), alice.address);
  assert.equal(info.active.isTrue, true);
  assert.equal(info.node.unwrap().peerId.length, 38);
  const byPeer = await api.call.identitiesApi.nodeByPeerId(info.node.unwrap().peerId);
  assert.equal(byPeer.unwrap().id.toNumber(), info.id.toNumber());
  const byAccount = await api.call.identitiesApi.identitiesByAccount(alice.address);
  assert.ok(byAccount.some((i) => i.kind.isNode));
});

test('the registered dev node pins a batch and BatchPinned carries its fields', async () => {
  const hash = blake2AsHex('batch one');
  const contexts = [blake2AsHex('topic-a'), blake2AsHex('topic-b')];
  const { events, dispatchError } = await submit(
    api, api.tx.pins.pinBatch('default', batchId(1), hash, '0x', contexts), alice);
  assert.equal(dispatchError, null);
  const pinned = events.find(({ event }) => api.events.pins.BatchPinned.is(event));
  assert.ok(pinned, 'BatchPinned emitted');
  const e = pinned.event.data;
  assert.equal(e.namespace.toUtf8(), 'default');
  assert.equal(e.sequence.toNumber(), 0);
  assert.equal(e.authorNode.toNumber(), (await api.call.identitiesApi.identityByDid('did:parley:node/dev')).unwrap().id.toNumber());
  assert.equal(e.batchId.toHex(), batchId(1));
  assert.equal(e.batchHash.toHex(), hash);
  assert.equal(e.payloadRef.length, 0);
  assert.deepEqual(e.contexts.map((c) => c.toHex()), contexts);

  // The next pin in the namespace gets the next sequence.
  const second = await submit(api, api.tx.pins.pinBatch('default', batchId(2), blake2AsHex('batch two'), '0x', []), alice);
  const next = second.events.find(({ event }) => api.events.pins.BatchPinned.is(event));
  assert.equal(next.event.data.sequence.toNumber(), 1);
});

test('an unregistered account gets NotARegisteredNode', async () => {
  const { dispatchError, events } = await submit(
    api, api.tx.pins.pinBatch('default', batchId(3), blake2AsHex('batch three'), '0x', []), dave);
  assert.equal(dispatchError, 'pins.NotARegisteredNode');
  assert.ok(!events.some(({ event }) => api.events.pins.BatchPinned.is(event)));
});

test('a duplicate batch_id gets BatchAlreadyPinned', async () => {
  const { dispatchError } = await submit(
    api, api.tx.pins.pinBatch('default', batchId(1), blake2AsHex('another hash'), '0x', []), alice);
  assert.equal(dispatchError, 'pins.BatchAlreadyPinned');
});

test('a bound past its limit fails with a named error', async () => {
  const max = api.consts.pins.maxContexts.toNumber();
  const contexts = Array.from({ length: max + 1 }, (_, i) => blake2AsHex(`t${i}`));
  const { dispatchError } = await submit(
    api, api.tx.pins.pinBatch('default', batchId(4), blake2AsHex('too many'), '0x', contexts), alice);
  assert.equal(dispatchError, 'pins.TooManyContexts');
});

test('a custom identity\'s claim holds its name only until its org rejects it (or a week passes)', async () => {
  const keyring = new Keyring({ type: 'sr25519' });
  const admin = keyring.addFromUri('//Alice//stash');
  const eve = keyring.addFromUri('//Eve');
  const org = (await api.call.identitiesApi.identityByDid('did:parley:org/dev')).unwrap().id.toNumber();
  const claimed = await submit(api, api.tx.identities.claimIdentity(org, 'claims-desk'), dave);
  assert.equal(claimed.dispatchError, null);
  const id = claimed.events.find(({ event }) => api.events.identities.IdentityClaimed.is(event)).event.data.id.toNumber();
  // While it waits for its org, nobody else gets the name ...
  const taken = await submit(api, api.tx.identities.claimIdentity(org, 'claims-desk'), eve);
  assert.equal(taken.dispatchError, 'identities.NameAlreadyRegistered');
  // ... and only its org may reject it: neither another account nor the claimer itself.
  for (const who of [eve, dave]) {
    assert.equal((await submit(api, api.tx.identities.deactivate(id), who)).dispatchError, 'identities.NotAuthorized');
  }
  const rejected = await submit(api, api.tx.identities.deactivate(id), admin);
  assert.equal(rejected.dispatchError, null);
  assert.ok(rejected.events.some(({ event }) => api.events.identities.ClaimRejected.is(event)));
  assert.ok((await api.call.identitiesApi.identityByDid('did:parley:claims-desk')).isNone);
  // The name is free again.
  const reclaimed = await submit(api, api.tx.identities.claimIdentity(org, 'claims-desk'), eve);
  assert.equal(reclaimed.dispatchError, null);
  const info = (await api.call.identitiesApi.identityByDid('did:parley:claims-desk')).unwrap();
  assert.equal(info.account.toString(), eve.address);
  // An unverified claim lapses after a week of blocks.
  const week = (7 * 24 * 3600 * 1000) / api.consts.aura.slotDuration.toNumber();
  assert.equal(api.consts.identities.claimLapsesAfter.toNumber(), week);
});
