// End to end on real nodes: a forkless runtime upgrade by the members' vote. The network starts
// on the previous release's runtime (scripts/previous-runtime.sh: spec_version 102, pins at
// storage version 0); two thirds of the members authorise this release's runtime, anyone applies
// it, and every party runs it without a restart: its storage migration moves the pins pallet's
// entries to their new keys, and private data keeps flowing across the upgrade.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { startNetwork, call, waitFor, submit, nodeBinary } from './harness.mjs';

const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/parley/target');
const previousWasm = process.env.PARLEY_PREVIOUS_RUNTIME
  ?? join(target, 'release/wbuild/parley-runtime-previous/parley_runtime_previous.compact.compressed.wasm');
const currentWasm = process.env.PARLEY_RUNTIME
  ?? join(target, 'release/wbuild/parley-runtime/parley_runtime.compact.compressed.wasm');

/** This release's `spec_version` (runtime/src/lib.rs). */
const CURRENT_SPEC = 109;

let net;
let api;
let keyring;
let group;

const ok = async (port, method, params) => {
  const body = await call(port, method, params);
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
};
const confirmedAt = (party, id) => waitFor(`${id} confirmed at ${party.name}`, async () => {
  const body = await call(party.rpc_port, 'parley_getMessage', [id]);
  return body.result?.state === 'confirmed' ? body.result : null;
});
const specVersion = async (party) => (await ok(party.rpc_port, 'state_getRuntimeVersion', [])).specVersion;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
  // local3's chain spec, with the previous release's code building its genesis.
  const spec = JSON.parse(execFileSync(nodeBinary(), ['build-spec', '--chain', 'local3'], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }));
  spec.genesis.runtimeGenesis.code = u8aToHex(readFileSync(previousWasm));
  const dir = mkdtempSync(join(tmpdir(), 'parley-upgrade-'));
  const chain = join(dir, 'previous-local3.json');
  writeFileSync(chain, JSON.stringify(spec));
  net = await startNetwork({ chain });
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${net.parties.provider.rpc_port}`), noInitWarn: true });
  group = await ok(net.parties['insurer-a'].rpc_port, 'parley_createGroup', ['claims', [net.parties.provider.node_did]]);
});

after(async () => {
  await api?.disconnect();
  await net?.stop();
});

test('the members upgrade the runtime by vote, every party runs it without a restart, and its migration runs', () => net.withLogs(async () => {
  const { provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties;
  for (const party of [provider, insurerA, insurerB]) assert.equal(await specVersion(party), 102);
  assert.equal((await api.query.pins.palletVersion()).toNumber(), 0, 'pins at storage version 0');
  assert.equal((await api.query.tokens.palletVersion()).toNumber(), 0, 'tokens at storage version 0');
  // Private data before the upgrade: a pin in the old layout, acknowledged by the provider.
  const before = await ok(insurerA.rpc_port, 'parley_sendPrivate', [group, 'claims', { n: 'before' }, { proofOfReceipt: true }]);
  const confirmed = await confirmedAt(provider, before);
  const pin = (await api.query.pins.batches(`0x${confirmed.batch}`)).unwrap();
  const batchHash = pin.batchHash.toHex();
  const providerNode = (await api.call.identitiesApi.identityByDid(provider.node_did)).unwrap().id;
  await waitFor('the provider\'s acknowledgement', async () =>
    (await api.query.pins.acknowledgements(batchHash, providerNode)).isSome, { timeoutMs: 60_000, everyMs: 1000 });

  // A uniqueness claim before the upgrade, in the tokens pallet's old layout.
  const aliceStash = keyring.addFromUri('//Alice//stash');
  const claimKey = blake2AsHex('a claim made before the upgrade', 256);
  const claimed = await submit(api, api.tx.tokens.claim('default', claimKey, aliceStash.address), aliceStash);
  assert.equal(claimed.dispatchError, null);

  // Two thirds of three members authorise the new code (by its hash)...
  const code = readFileSync(currentWasm);
  const codeHash = blake2AsHex(code);
  const proposed = await submit(api, api.tx.governance.propose({ UpgradeRuntime: { codeHash } }), keyring.addFromUri('//Alice//stash'));
  assert.equal(proposed.dispatchError, null);
  const index = proposed.events.find(({ event }) => api.events.governance.Proposed.is(event)).event.data.index.toNumber();
  // ...which a non-member cannot apply early, nor anyone before the vote passes.
  // (Tried with the code and one more byte: the pool bans a refused transaction for a while,
  // and the real one must go through later. Unauthorised, either is refused the same way.)
  const early = await api.tx.system.applyAuthorizedUpgrade(u8aToHex(Buffer.concat([code, Buffer.from([0])]))).send()
    .then(() => 'sent', (e) => e.message);
  assert.match(early, /Invalid Transaction|1010/, 'no upgrade is applied before the members authorise it');
  const apply = api.tx.system.applyAuthorizedUpgrade(u8aToHex(code));
  const voted = await submit(api, api.tx.governance.vote(index, true), keyring.addFromUri('//Bob//stash'));
  assert.equal(voted.dispatchError, null);
  assert.ok(voted.events.some(({ event }) => api.events.governance.UpgradeAuthorized.is(event)));
  // Anyone applies the authorised code; it is unsigned and free.
  await apply.send();
  for (const party of [provider, insurerA, insurerB]) {
    await waitFor(`${party.name} on spec_version ${CURRENT_SPEC}`, async () => (await specVersion(party)) === CURRENT_SPEC,
      { timeoutMs: 90_000, everyMs: 1000 });
  }
  // The migrations ran: pins at storage version 2 (through 1: hashed keys, then keys by author),
  // tokens at 1, and the old entries read under their new keys (polkadot.js follows the new
  // metadata).
  // A read in the moment polkadot.js swaps its metadata can fail to decode: that read is retried.
  await waitFor('pins at storage version 2 and tokens at 1', async () => {
    try {
      return (await api.query.pins.palletVersion()).toNumber() === 2 && (await api.query.tokens.palletVersion()).toNumber() === 1;
    } catch (e) {
      console.log(`# read during the metadata swap, retried: ${e.message.slice(0, 120)}`);
      return false;
    }
  }, { timeoutMs: 30_000, everyMs: 1000 });
  const author = pin.authorNode.toNumber();
  assert.equal((await api.query.pins.pinnedHashes(batchHash, author)).unwrap().toHex(), `0x${confirmed.batch}`);
  assert.equal((await api.query.pins.authorBatches(author, `0x${confirmed.batch}`)).unwrap().batchHash.toHex(), batchHash);
  // Every pin made before the upgrade joined the log of pins to forget after the retention window.
  const [head, next] = (await api.query.pins.pinLogBounds()).map((n) => n.toNumber());
  assert.equal(head, 0);
  assert.ok(next >= 1, 'the pins made before the upgrade are logged');
  const logged = [];
  for (let i = 0; i < next; i += 1) logged.push((await api.query.pins.pinLog(i)).unwrap()[2].toHex());
  assert.ok(logged.includes(`0x${confirmed.batch}`), 'the pin made before the upgrade is among them');
  assert.ok((await api.query.pins.acknowledgements(batchHash, providerNode)).isSome);
  assert.equal((await api.query.tokens.claims('default', claimKey)).unwrap().owner.toString(), aliceStash.address,
    'the claim reads under its new key');
  // Private data keeps flowing: a message after the upgrade is confirmed, in order after the first.
  const after = await ok(insurerA.rpc_port, 'parley_sendPrivate', [group, 'claims', { n: 'after' }]);
  await confirmedAt(provider, after);
  const listed = await ok(provider.rpc_port, 'parley_listMessages', [{ topics: 'claims', sort: 'confirm_sequence' }]);
  assert.deepEqual(listed.map((m) => m.id), [before, after]);
}));
