// End to end on three real nodes: tokens, NFTs, uniqueness claims and delivery-versus-payment.
// insurer-a, insurer-b and the provider each run their own node (local3: the nodes are Bob,
// Charlie and Alice; the org admins are BobStash, CharlieStash and AliceStash).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, blake2AsHex } from '@polkadot/util-crypto';
import { startNetwork, call, submit, waitFor, rest, ns, accountOf, restWait, readIdentities } from './harness.mjs';

let net;
let provider;
let insurerA;
let insurerB;
let parties;
let group;
let api;
let keyring;
/** Batch id -> batch hash of every pin in a best block, from polkadot.js. */
const pinned = new Map();
let unsubscribePins;


before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  net = await startNetwork();
  ({ provider, 'insurer-a': insurerA, 'insurer-b': insurerB } = net.parties);
  parties = [provider, insurerA, insurerB];
  await readIdentities(parties);
  api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${provider.rpc_port}`), noInitWarn: true });
  unsubscribePins = await api.query.system.events((records) => {
    for (const { event } of records) {
      if (api.events.pins.BatchPinned.is(event)) pinned.set(event.data.batchId.toHex(), event.data.batchHash.toHex());
    }
  });
  const created = await rest(insurerA, 'POST', ns('/groups'), { name: 'claims', members: [provider.node_did] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  group = created.body.id;
  await waitFor('the group at the provider', async () => (await rest(provider, 'GET', ns(`/groups/${group}`))).status === 200);
});

after(async () => {
  unsubscribePins?.();
  await api?.disconnect();
  await net?.stop();
});

test('insurer-a mints an NFT for a claim file and sends it with a private message; the provider gets both together', async () => {
  const pool = await rest(insurerA, 'POST', ns('/tokens/pools?confirm=true'), {
    name: 'claim-files', symbol: 'CLF', type: 'nonfungible', metadataUri: 'https://insurer-a.example/schemas/claim-file.json',
  });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  assert.equal(pool.body.state, 'succeeded');
  // The pool name is unique in the namespace: insurer-b cannot take it.
  const taken = await rest(insurerB, 'POST', ns('/tokens/pools?confirm=true'), { name: 'claim-files', type: 'nonfungible' });
  assert.ok([400, 422].includes(taken.status), JSON.stringify(taken.body));
  // Every node knows the pool.
  for (const party of parties) {
    const row = await restWait('the pool', party, '/tokens/pools/claim-files');
    assert.equal(row.type ?? row.kind, 'nonfungible');
  }

  const metadataHash = blake2AsHex('claim file C-3001', 256);
  const minted = await rest(insurerA, 'POST', ns('/tokens/mint?confirm=true'), { pool: 'claim-files', index: 3001, metadataHash });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  // A second mint of the same index: the node refuses it up front, and the chain with a named
  // error (here from polkadot.js, signed by insurer-a's org admin).
  const again = await rest(insurerA, 'POST', ns('/tokens/mint?confirm=true'), { pool: 'claim-files', index: 3001 });
  assert.equal(again.status, 400, JSON.stringify(again.body));
  assert.match(again.body.error, /already exists/);
  const poolId = (await restWait('the pool', insurerA, '/tokens/pools/claim-files')).pool;
  const direct = await submit(api, api.tx.tokens.mint(poolId, keyring.addFromUri('//Bob//stash').address, { Item: 3001 }, null), keyring.addFromUri('//Bob//stash'));
  assert.equal(direct.dispatchError, 'tokens.TokenIndexTaken');

  const started = Date.now();
  const sent = await rest(insurerA, 'POST', ns('/messages/private'), {
    group, topic: 'claim-files', data: { claim: 'C-3001', file: 'x-ray report' },
    transfer: { pool: 'claim-files', to: provider.node_did, index: 3001 },
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const id = sent.body.id;

  const received = await restWait('the message confirmed', provider, `/messages/${id}`, (m) => m.state === 'confirmed', 180_000);
  console.log(`# private message with an NFT transfer: send -> confirmed at the provider: ${Date.now() - started} ms`);
  assert.deepEqual(received.data, { claim: 'C-3001', file: 'x-ray report' });
  assert.ok(received.transfer, `the message carries its transfer: ${JSON.stringify(received)}`);
  assert.equal(received.transfer.pool, poolId, 'the transfer is in the pool insurer-a created');
  assert.equal(String(received.transfer.index), '3001');
  assert.ok(received.transfer.block, JSON.stringify(received.transfer));

  // The transfer is on-chain, carries the message's hash and is linked to the message.
  const transfers = await restWait('the transfer', provider, `/tokens/transfers?type=transfer&message=${id}`, (rows) => rows.length === 1);
  assert.equal(transfers[0].to, accountOf(provider));
  assert.equal(transfers[0].from, accountOf(insurerA));
  assert.equal(transfers[0].message_hash, received.hash);
  // The provider's event stream has message_confirmed with the transfer, after token_transferred.
  const events = (await rest(provider, 'GET', ns('/events?limit=1000'))).body;
  const confirmed = events.find((e) => e.type === 'message_confirmed' && e.reference === id);
  assert.ok(confirmed?.detail?.transfer, JSON.stringify(confirmed));
  const transferred = events.find((e) => e.type === 'token_transferred' && e.detail?.message_hash === received.hash);
  assert.ok(transferred, 'token_transferred is in the event stream');
  assert.ok(transferred.sequence < confirmed.sequence);

  // The provider now owns the NFT, as every node reads it from the chain.
  for (const party of parties) {
    const balance = await rest(party, 'GET', ns(`/tokens/balances?pool=claim-files&account=${provider.node_did}`));
    assert.equal(balance.status, 200, JSON.stringify(balance.body));
    assert.deepEqual(balance.body.items.map(String), ['3001']);
  }
  // insurer-a no longer owns it: a second transfer of it is refused before the chain.
  const stale = await rest(insurerA, 'POST', ns('/tokens/transfers'), { pool: 'claim-files', to: insurerB.node_did, index: 3001 });
  assert.equal(stale.status, 400, JSON.stringify(stale.body));
  // insurer-b saw the transfer on-chain but holds no message.
  assert.equal((await rest(insurerB, 'GET', ns(`/messages/${id}`))).status, 404);
});

test('a DvP escrow is released when the payer acknowledges the batch, and another is refunded on timeout', async () => {
  const pool = await rest(insurerA, 'POST', ns('/tokens/pools?confirm=true'), { name: 'usd', symbol: 'USD', decimals: 2 });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const minted = await rest(insurerA, 'POST', ns('/tokens/mint?confirm=true'), { pool: 'usd', amount: '100000' });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  const poolId = (await restWait('the pool', provider, '/tokens/pools/usd')).pool;
  const balance = async (party, of) => (await rest(party, 'GET', ns(`/tokens/balances?pool=usd&account=${of.node_did}`))).body.balance;
  assert.equal(String(await balance(provider, insurerA)), '100000');

  // insurer-a is offline while the provider delivers a batch to it, so it cannot acknowledge
  // it yet. insurer-a's node account (Bob) locks the payment with polkadot.js meanwhile.
  await net.stopParty('insurer-a');
  let restarted = false;
  let sent;
  let message;
  let batchHash;
  let escrow;
  try {
    sent = await rest(provider, 'POST', ns('/messages/private'), { group, topic: 'lab-results', data: { result: 'negative' } });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    // Without insurer-a no block is finalized, so the pin is read from the best chain.
    message = await restWait('the batch', provider, `/messages/${sent.body.id}`, (m) => m.batch);
    batchHash = await waitFor('the pin in a block', () => pinned.get(`0x${message.batch}`));
    const bob = keyring.addFromUri('//Bob');
    const lock = await submit(api, api.tx.tokens.lockEscrow(poolId, accountOf(provider), 2500, batchHash, insurerA.identity.id, 600), bob);
    assert.equal(lock.dispatchError, null);
    const locked = lock.events.find(({ event }) => api.events.tokens.EscrowLocked.is(event));
    assert.ok(locked, 'EscrowLocked');
    escrow = locked.event.data.escrow.toNumber();
    assert.equal((await api.query.tokens.escrows(escrow)).unwrap().state.toString(), 'Locked');

    // insurer-a comes back, receives the batch and acknowledges it: the payment is released.
    restarted = true;
    await net.startParty('insurer-a');
  } finally {
    // Later tests need all three parties (GRANDPA finalizes only with all three).
    if (!restarted) await net.startParty('insurer-a');
  }
  await restWait('the message at insurer-a', insurerA, `/messages/${sent.body.id}`, (m) => m.state === 'confirmed', 180_000);
  for (const party of parties) {
    const row = await restWait('the escrow released', party, `/escrows/${escrow}`, (e) => e.state === 'released', 180_000);
    assert.equal(row.payee, accountOf(provider));
  }
  assert.equal(String(await balance(provider, provider)), '2500');
  assert.equal(String(await balance(provider, insurerA)), '97500');
  // Through REST, naming the batch: insurer-a has acknowledged it already, so it pays at once.
  const instant = await rest(insurerA, 'POST', ns('/escrows?confirm=true'), { pool: 'usd', payee: provider.node_did, amount: '100', batch: message.batch, timeout: 600 });
  assert.equal(instant.status, 200, JSON.stringify(instant.body));
  await restWait('the instant escrow released', insurerA, `/escrows?batch_hash=${batchHash.slice(2)}&state=released`, (r) => r.length === 2);
  const events = (await rest(provider, 'GET', ns('/events?type=escrow_released&limit=1000'))).body;
  assert.ok(events.some((e) => String(e.reference) === String(escrow) || e.detail?.escrow === escrow), JSON.stringify(events));
  // Released once: a second release and a refund are both refused by the chain.
  const again = await submit(api, api.tx.tokens.releaseEscrow(escrow), keyring.addFromUri('//Dave'));
  assert.equal(again.dispatchError, 'tokens.EscrowNotLocked');
  const refund = await submit(api, api.tx.tokens.refundEscrow(escrow), keyring.addFromUri('//Dave'));
  assert.equal(refund.dispatchError, 'tokens.EscrowNotLocked');

  // Another escrow, for a batch that never reaches insurer-a: refunded after its timeout.
  const never = blake2AsHex(randomBytes(32), 256);
  const second = await rest(insurerA, 'POST', ns('/escrows?confirm=true'), { pool: 'usd', payee: provider.node_did, amount: '700', batchHash: never, timeout: 5 });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  const rows = await restWait('the second escrow', insurerA, `/escrows?batch_hash=${never.slice(2)}`, (r) => r.length === 1);
  const refundedId = rows[0].id;
  for (const party of parties) {
    await restWait('the escrow refunded', party, `/escrows/${refundedId}`, (e) => e.state === 'refunded', 120_000);
  }
  assert.equal(String(await balance(insurerA, insurerA)), '97400');
  assert.equal(String(await balance(insurerA, provider)), '2600');
  // Refunded once: a release after the refund and a second refund fail with named errors.
  const release = await rest(insurerA, 'POST', ns(`/escrows/${refundedId}/release?confirm=true`));
  assert.equal(release.status, 422, JSON.stringify(release.body));
  assert.match(release.body.error, /Tokens\.EscrowNotLocked/);
  const refundAgain = await rest(insurerA, 'POST', ns(`/escrows/${refundedId}/refund?confirm=true`));
  assert.equal(refundAgain.status, 422, JSON.stringify(refundAgain.body));
  assert.match(refundAgain.body.error, /Tokens\.EscrowNotLocked/);
});

test('two parties claim the same key in the same block: exactly one wins, on every node', async () => {
  const bobStash = keyring.addFromUri('//Bob//stash');
  const charlieStash = keyring.addFromUri('//Charlie//stash');
  let outcome;
  let keyHash;
  // Both claims go to the pool at once; they land in one block (retried if a block boundary
  // fell between them).
  for (let attempt = 0; attempt < 3 && !outcome; attempt++) {
    keyHash = blake2AsHex(`invoice INV-${randomBytes(4).toString('hex')}`, 256);
    const results = await Promise.all([
      submit(api, api.tx.tokens.claim('default', keyHash, bobStash.address), bobStash),
      submit(api, api.tx.tokens.claim('default', keyHash, charlieStash.address), charlieStash),
    ]);
    if (results[0].blockHash.eq(results[1].blockHash)) outcome = results;
  }
  assert.ok(outcome, 'both claims landed in the same block');
  const failed = outcome.filter((r) => r.dispatchError !== null);
  assert.equal(failed.length, 1, JSON.stringify(outcome.map((r) => r.dispatchError)));
  assert.equal(failed[0].dispatchError, 'tokens.AlreadyClaimed');
  const winner = outcome[0].dispatchError === null ? bobStash.address : charlieStash.address;

  // Every node agrees on the winner.
  for (const party of parties) {
    const claim = await restWait('the claim', party, `/claims/${keyHash.slice(2)}`);
    assert.equal(claim.owner, winner, `${party.name} has the same winner`);
    const history = (await rest(party, 'GET', ns(`/claims/${keyHash.slice(2)}/history`))).body;
    assert.equal(history.length, 1, JSON.stringify(history));
  }
  // The same through REST and JSON-RPC: a later claim of that key fails with AlreadyClaimed.
  const late = await rest(insurerB, 'POST', ns('/claims?confirm=true'), { keyHash });
  assert.equal(late.status, 422, JSON.stringify(late.body));
  assert.match(late.body.error, /Tokens\.AlreadyClaimed/);
  const viaRpc = await call(provider.rpc_port, 'parley_claimKey', [{ keyHash }, { confirm: true }]);
  assert.equal(viaRpc.error?.code, 4022, JSON.stringify(viaRpc));
  assert.match(viaRpc.error.message, /Tokens\.AlreadyClaimed/);

  // The owner hands the claim on and releases it; the history shows each step on every node.
  const owner = winner === bobStash.address ? bobStash : charlieStash;
  const handed = await submit(api, api.tx.tokens.transferClaim('default', keyHash, keyring.addFromUri('//Alice//stash').address), owner);
  assert.equal(handed.dispatchError, null);
  const notOwner = await submit(api, api.tx.tokens.releaseClaim('default', keyHash), owner);
  assert.equal(notOwner.dispatchError, 'tokens.NotClaimOwner');
  const released = await submit(api, api.tx.tokens.releaseClaim('default', keyHash), keyring.addFromUri('//Alice//stash'));
  assert.equal(released.dispatchError, null);
  for (const party of parties) {
    await restWait('the claim history', party, `/claims/${keyHash.slice(2)}/history`, (h) =>
      h.map((e) => e.action).join(',') === 'claimed,transferred,released');
  }
});

test('no party reaches around the tokens pallet: raw pallet-assets and pallet-nfts calls are filtered', async () => {
  // Every pool lives in pallet-assets or pallet-nfts, but only the tokens pallet may act on them
  // (it checks who may, and emits the events every party follows). Signed by a funded org admin,
  // each raw call is included and fails with the call filter's error, and changes nothing.
  const admin = keyring.addFromUri('//Alice//stash');
  // The first test's NFT pool: its collection, in pallet-nfts, under the same id.
  const collection = (await rest(insurerA, 'GET', ns('/tokens/pools/claim-files'))).body.pool;
  assert.equal(typeof collection, 'number');
  const attempts = {
    'assets.create': api.tx.assets.create(4_242_424, admin.address, 1),
    'assets.mint': api.tx.assets.mint(4_242_424, admin.address, 1_000),
    'nfts.create': api.tx.nfts.create(admin.address, {
      settings: 0, maxSupply: null,
      mintSettings: { mintType: 'Issuer', price: null, startBlock: null, endBlock: null, defaultItemSettings: 0 },
    }),
    'nfts.mint': api.tx.nfts.mint(collection, 9_999, admin.address, null),
  };
  for (const [name, tx] of Object.entries(attempts)) {
    const r = await submit(api, tx, admin);
    assert.equal(r.dispatchError, 'system.CallFiltered', `${name}: ${r.dispatchError}`);
    assert.ok(!r.events.some(({ event }) => ['assets', 'nfts'].includes(event.section)), `${name} emitted no ledger event`);
  }
  assert.ok((await api.query.assets.asset(4_242_424)).isNone, 'no asset was created around the tokens pallet');
  assert.ok((await api.query.nfts.item(collection, 9_999)).isNone, 'no item was minted around the tokens pallet');
});

test('a holder lowers and withdraws what it approved a rival, who cannot spend past it nor undo it', async () => {
  const write = (party, path, body) => rest(party, 'POST', ns(`${path}?confirm=true`), body);
  const succeeded = (r, what) => {
    assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.state, 'succeeded', `${what}: ${JSON.stringify(r.body)}`);
  };
  const refusedOnChain = (r, what) => {
    assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
    assert.match(JSON.stringify(r.body), /Tokens\.NotApproved/, what);
  };
  const pool = await write(insurerA, '/tokens/pools', { name: 'eur', symbol: 'EUR', decimals: 2 });
  succeeded(pool, 'the pool');
  succeeded(await write(insurerA, '/tokens/mint', { pool: 'eur', amount: '1000' }), 'the mint');
  const poolId = (await restWait('the pool', insurerB, '/tokens/pools/eur')).pool;
  const spend = (amount) => write(insurerB, '/tokens/transfers', { pool: 'eur', from: insurerA.node_did, to: insurerB.node_did, amount });
  const allowance = async () => (await api.query.assets.approvals(poolId, accountOf(insurerA), accountOf(insurerB)))
    .unwrapOr({ amount: 0 }).amount.toString();

  // insurer-a approves its rival insurer-b for 500; insurer-b spends 100 of it.
  succeeded(await write(insurerA, '/tokens/approvals', { pool: 'eur', delegate: insurerB.node_did, amount: '500' }), 'the approval');
  succeeded(await spend('100'), 'a spend within the allowance');
  assert.equal(await allowance(), '400');
  // insurer-a lowers it to 50: insurer-b can spend 50, not 51.
  succeeded(await write(insurerA, '/tokens/approvals', { pool: 'eur', delegate: insurerB.node_did, allowance: '50' }), 'the lowering');
  assert.equal(await allowance(), '50');
  refusedOnChain(await spend('51'), 'a spend past the lowered allowance');
  succeeded(await spend('20'), 'a spend within the lowered allowance');
  // insurer-b cannot raise or restore what insurer-a approved it: an allowance it sets is one of
  // its own tokens (here for the provider), never the holder's, so insurer-a's is unchanged.
  const own = await write(insurerB, '/tokens/approvals', { pool: 'eur', delegate: provider.node_did, allowance: '999' });
  succeeded(own, 'insurer-b setting an allowance of its own');
  assert.equal(await allowance(), '30');
  // insurer-a withdraws the rest: nothing more moves.
  succeeded(await write(insurerA, '/tokens/approvals', { pool: 'eur', delegate: insurerB.node_did, approved: false }), 'the withdrawal');
  assert.equal(await allowance(), '0');
  refusedOnChain(await spend('1'), 'a spend after the withdrawal');
  // A withdrawal of nothing fails on-chain with a named error, and so does a raw one.
  refusedOnChain(await write(insurerA, '/tokens/approvals', { pool: 'eur', delegate: insurerB.node_did, approved: false }), 'withdrawing nothing');
  const raw = await submit(api, api.tx.tokens.setAllowance(poolId, accountOf(insurerB), 0), keyring.addFromUri('//Bob'));
  assert.equal(raw.dispatchError, 'tokens.NotApproved');
  const balance = (of, expected) => restWait(`the balance of ${of.name}`, provider, `/tokens/balances?pool=eur&account=${of.node_did}`,
    (b) => String(b.balance) === expected);
  await balance(insurerB, '120'); // exactly what it was allowed
  await balance(insurerA, '880');
  // Every party records the changes in the same order: approve, set 50, set 0 (and insurer-b's own).
  for (const party of parties) {
    await restWait('the approvals', party, `/tokens/approvals?pool=${poolId}&owner=${accountOf(insurerA)}&sort=block`, (rows) =>
      rows.map((r) => `${r.action}:${r.amount}`).join(',') === 'approve:500,set:50,set:0');
  }

  // An item's approval: insurer-b cannot withdraw it (it does not hold the item), insurer-a can,
  // and then insurer-b cannot move the item.
  succeeded(await write(insurerA, '/tokens/pools', { name: 'deeds', type: 'nonfungible' }), 'the item pool');
  succeeded(await write(insurerA, '/tokens/mint', { pool: 'deeds', index: 1 }), 'the item');
  await restWait('the item pool', insurerB, '/tokens/pools/deeds');
  succeeded(await write(insurerA, '/tokens/approvals', { pool: 'deeds', delegate: insurerB.node_did, index: 1 }), 'the item approval');
  const notHolder = await rest(insurerB, 'POST', ns('/tokens/approvals'), { pool: 'deeds', delegate: insurerB.node_did, index: 1, approved: false });
  assert.equal(notHolder.status, 400, JSON.stringify(notHolder.body));
  const deeds = (await restWait('the item pool', insurerA, '/tokens/pools/deeds')).pool;
  const rawByDelegate = await submit(api, api.tx.tokens.revokeApproval(deeds, accountOf(insurerB), 1), keyring.addFromUri('//Charlie'));
  assert.equal(rawByDelegate.dispatchError, 'tokens.NotTokenOwner');
  succeeded(await write(insurerA, '/tokens/approvals', { pool: 'deeds', delegate: insurerB.node_did, index: 1, approved: false }), 'the item withdrawal');
  const move = await write(insurerB, '/tokens/transfers', { pool: 'deeds', from: insurerA.node_did, to: insurerB.node_did, index: 1 });
  refusedOnChain(move, 'moving the item after the withdrawal');
  const events = (await rest(provider, 'GET', ns('/events?limit=1000'))).body;
  assert.ok(events.some((e) => e.type === 'token_allowance_set' && e.detail?.amount === '50'), 'token_allowance_set');
  assert.ok(events.some((e) => e.type === 'token_approval_revoked' && e.detail?.index === 1), 'token_approval_revoked');
});

test('a token transfer retried with its idempotency key moves the tokens once, however the retries come', async () => {
  const write = (path, body, query = '') => rest(provider, 'POST', ns(`${path}${query}`), body);
  const created = await write('/tokens/pools', { name: 'gbp', idempotencyKey: 'pool-gbp' }, '?confirm=true');
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.idempotency_key, 'pool-gbp');
  // The same key again is the same operation, not a second pool (nor the name clash it would be).
  const again = await write('/tokens/pools', { name: 'gbp', idempotencyKey: 'pool-gbp' });
  assert.deepEqual([again.status, again.body.id], [409, created.body.id], JSON.stringify(again.body));
  assert.equal((await write('/tokens/mint', { pool: 'gbp', amount: '10', idempotencyKey: 'mint-gbp' }, '?confirm=true')).status, 200);
  const pool = (await restWait('the pool', insurerA, '/tokens/pools/gbp')).pool;

  // The provider's app sends a transfer of all 10 and, not sure it arrived, retries it: after it
  // succeeded (when the balance it spent is gone), and three times at once.
  const transfer = { pool: 'gbp', to: insurerA.node_did, amount: '10', idempotencyKey: 'pay-gbp-1' };
  const first = await write('/tokens/transfers', transfer, '?confirm=true');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const retries = [await write('/tokens/transfers', transfer, '?confirm=true'),
    ...await Promise.all([1, 2, 3].map(() => write('/tokens/transfers', transfer)))];
  for (const r of retries) assert.deepEqual([r.status, r.body.id], [409, first.body.id], JSON.stringify(r.body));
  // Three mints at once with a fresh key: one operation, two conflicts naming it.
  const burst = { pool: 'gbp', amount: '5', idempotencyKey: 'mint-gbp-2' };
  const racing = await Promise.all([1, 2, 3].map(() => write('/tokens/mint', burst)));
  const accepted = racing.filter((r) => r.status === 202);
  assert.equal(accepted.length, 1, JSON.stringify(racing.map((r) => [r.status, r.body])));
  for (const r of racing.filter((r) => r !== accepted[0])) assert.deepEqual([r.status, r.body.id], [409, accepted[0].body.id]);
  // A key is 1 to 256 bytes.
  for (const idempotencyKey of ['', 'k'.repeat(257)]) {
    assert.equal((await write('/tokens/transfers', { ...transfer, idempotencyKey })).status, 400, `a key of ${idempotencyKey.length} bytes`);
  }

  // Every party saw one transfer of 10 and two mints, and the balances moved once each.
  for (const party of parties) {
    const rows = await restWait('the transfer', party, `/tokens/transfers?pool=${pool}&sort=block`, (r) => r.length >= 3);
    assert.deepEqual(rows.map((r) => `${r.type}:${r.amount}`), ['mint:10', 'transfer:10', 'mint:5'], `at ${party.name}`);
    for (const [who, expected] of [[insurerA, '10'], [provider, '5']]) {
      await restWait(`${who.name}'s balance at ${party.name}`, party, `/tokens/balances?pool=gbp&account=${who.node_did}`, (b) => String(b.balance) === expected);
    }
  }
  const ops = (await rest(provider, 'GET', ns('/tokens/operations?idempotency_key=pay-gbp-1'))).body;
  assert.deepEqual(ops.map((op) => [op.id, op.state]), [[first.body.id, 'succeeded']]);
});
