// A full disk under a node's private store (issue 12): the node refuses new messages with a
// clear error (507), keeps everything it had, and takes messages again once there is space;
// what it accepted before the disk filled is confirmed, once each, and still there after a
// restart. The store lives on a small tmpfs the test mounts (this needs root, as CI has); the
// chain's database is elsewhere.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevNode, waitFor } from './harness.mjs';

const run = promisify(execFile);
const base = mkdtempSync(join(tmpdir(), 'parley-disk-'));
const store = join(base, 'chains', 'parley_dev', 'parley');
const filler = join(store, 'filler');
let node;
let mounted = false;

after(async () => {
  await node?.stop();
  if (mounted) await run('umount', ['-l', store]).catch(() => {});
  rmSync(base, { recursive: true, force: true });
});

/** A REST call to the dev node: { status, body }. */
async function rest(method, path, body) {
  const res = await fetch(`http://127.0.0.1:${node.restPort}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

const send = (n) => rest('POST', '/namespaces/default/messages/broadcast', { topic: 'disk', data: { n, pad: 'x'.repeat(2000) } });
const confirmed = (id) => waitFor(`message ${id} confirmed`, async () => {
  const r = await rest('GET', `/namespaces/default/messages/${id}`);
  return r.status === 200 && r.body.state === 'confirmed' ? r.body : null;
}, { timeoutMs: 120_000 });

test('a full disk under the store: new messages get 507, nothing is lost, and sending resumes once there is space', { timeout: 300_000 }, async () => {
  mkdirSync(store, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', store]);
    mounted = true;
  } catch (e) {
    assert.fail(`this test mounts a tmpfs for the node's store and needs root: ${e.message}`);
  }
  node = await startDevNode({ basePath: base });
  const first = await send(0);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  await confirmed(first.body.id);

  // Fill the disk (dd stops at ENOSPC), then send until the store cannot take more.
  await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']).catch(() => {});
  assert.ok(statfsSync(store).bavail < 16, 'the disk is full');
  const accepted = [];
  let refused = null;
  for (let n = 1; n <= 40 && !refused; n += 1) {
    const r = await send(n);
    if (r.status === 202) accepted.push(r.body.id);
    else refused = r;
  }
  assert.ok(refused, 'a send is refused once the disk is full');
  assert.equal(refused.status, 507, JSON.stringify(refused.body));
  assert.match(refused.body.error, /store is full/);
  console.log(`# accepted ${accepted.length} message(s) before the disk was full, then 507`);
  // The node is up and serves what it had.
  assert.equal((await rest('GET', '/status')).status, 200);
  const kept = await rest('GET', `/namespaces/default/messages/${first.body.id}`);
  assert.equal(kept.status, 200);
  assert.equal(kept.body.state, 'confirmed');

  // Space returns: sending resumes, and every message accepted is confirmed once.
  rmSync(filler);
  const later = await waitFor('a send accepted again', async () => {
    const r = await send(100);
    return r.status === 202 ? r.body : null;
  }, { timeoutMs: 60_000, everyMs: 1000 });
  for (const id of [...accepted, later.id]) await confirmed(id);
  const list = await rest('GET', '/namespaces/default/messages?topics=disk&limit=1000');
  const ids = list.body.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  for (const id of [first.body.id, ...accepted, later.id]) assert.ok(ids.includes(id), `${id} is kept`);
  const log = node.log();
  assert.doesNotMatch(log, /panicked/, 'nothing panicked');
  console.log(`# the node logged ${(log.match(/full/g) || []).length} line(s) about the full disk meanwhile`);

  // What the node said it stored is in its database, not only in what its connection sees: a
  // restarted node still has every message, confirmed. (SQLite may undo a transaction on its
  // own when a write fails for a full disk; a connection whose transactions no longer matched
  // sqlx's count went on answering from one transaction that was never committed.)
  await node.stop();
  node = await startDevNode({ basePath: base });
  for (const id of [first.body.id, ...accepted, later.id]) {
    const r = await rest('GET', `/namespaces/default/messages/${id}`);
    assert.equal(r.status, 200, `${id} is still there after a restart: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.state, 'confirmed', `${id} is still confirmed after a restart`);
  }
  const again = await send(101);
  assert.equal(again.status, 202, JSON.stringify(again.body));
  await confirmed(again.body.id);
});
