// End to end: README.md's API tour runs as written, block after block, on a fresh 3-party
// network, so that the tour cannot drift from the node. Every ```sh block that README.md marks
// with `<!-- tour: local3 -->` runs, in order, in one bash session (its variables carry over from
// block to block), with curl failing on any HTTP error. The only change made to the text is the
// port numbers: the network runs on a free port range (PARLEY_BASE_PORT), and the tour's webhook
// goes to a receiver this test starts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNetwork, waitFor } from './harness.mjs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The tour's shell blocks, in README order. */
export function tourBlocks(text) {
  const blocks = [];
  const marker = /<!-- tour: local3 -->\n```sh\n([\s\S]*?)```/g;
  for (const m of text.matchAll(marker)) blocks.push(m[1]);
  return blocks;
}

/**
 * The block with the network's ports instead of the README's (offset, and the webhook's port),
 * and its network.json instead of the default folder's.
 */
function shifted(block, offset, hookPort, networkDir) {
  const ports = [9944, 9945, 9946, 5000, 5001, 5002];
  return block
    .replace(/127\.0\.0\.1:(\d+)/g, (all, port) => {
      const p = Number(port);
      if (p === 8080) return `127.0.0.1:${hookPort}`;
      return ports.includes(p) ? `127.0.0.1:${p + offset}` : all;
    })
    .replace(/\b(rpc|key) (994[4-6]|500[0-2])\b/g, (_, fn, port) => `${fn} ${Number(port) + offset}`)
    .replaceAll('target/local-network/network.json', join(networkDir, 'network.json'));
}

let net;
let hook;
let hookPort;
const hooked = [];
const scratch = mkdtempSync(join(tmpdir(), 'parley-tour-'));

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      // Only deliveries signed with the tour's secret count (as a receiver checks them).
      const signature = `sha256=${createHmac('sha256', 'change-me-to-your-own-secret').update(body).digest('hex')}`;
      if (req.headers['x-parley-signature-256'] === signature) hooked.push(body);
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookPort = hook.address().port;
  net = await startNetwork();
});

after(async () => {
  await net?.stop();
  hook?.close();
  rmSync(scratch, { recursive: true, force: true });
});

test('README.md marks the tour blocks that this test runs', () => {
  const blocks = tourBlocks(readme);
  assert.equal(blocks.length, 4, 'the JSON-RPC, REST, tokens and raw JSON-RPC blocks');
  assert.match(blocks[0], /parley_sendPrivate/);
  assert.match(blocks[1], /data\/blob/);
  assert.match(blocks[2], /escrows/);
  assert.match(blocks[3], /chain_getHeader/);
});

test("README.md's API tour runs as written on the local network", { timeout: 420_000 }, async () => {
  const blocks = tourBlocks(readme);
  const script = [
    'set -euo pipefail',
    // Any HTTP error fails the tour; no call may hang.
    'curl() { command curl --fail-with-body --max-time 120 "$@"; }',
    ...blocks.map((b, i) => `echo "### block ${i + 1}"\n${shifted(b, net.offset, hookPort, net.dir)}`),
    'echo "### done"',
  ].join('\n');
  const file = join(scratch, 'tour.sh');
  writeFileSync(file, script);
  const { code, out } = await new Promise((resolve) => {
    const child = spawn('bash', [file], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 360_000);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
  assert.equal(code, 0, `the tour failed:\n${out}`);
  assert.match(out, /### done/);
  // No call answered with an error (REST `{"error": …}` or a JSON-RPC error object).
  assert.doesNotMatch(out, /"error":\s*["{]/, out);

  const sections = out.split(/### block \d+\n/).slice(1);
  const [rpcOut, restOut, tokensOut, rawOut] = sections;
  // JSON-RPC: the provider waited for and read the private message, confirmed.
  const lines = rpcOut.trim().split('\n');
  const providerView = JSON.parse(lines[1]).result;
  assert.equal(providerView.state, 'confirmed', lines[1]);
  assert.equal(providerView.author, 'did:parley:node/insurer-a');
  assert.deepEqual(providerView.data, { amount: 1200 });
  const listed = JSON.parse(lines[2]).result;
  assert.ok(listed.some((m) => m.id === providerView.id), lines[2]);
  assert.equal(JSON.parse(lines[3]).result.state, 'confirmed', lines[3]);
  // REST: the provider waited for the message, and the blob it downloaded is the one uploaded
  // (`cmp` is silent when they are equal and fails the script otherwise).
  assert.match(restOut, /"state":"confirmed"/);
  assert.match(restOut, /"total":2\b/, restOut); // the JSON-RPC block's claim-1001 and this one
  // Tokens: the escrow was released to the provider, whose balance is the price.
  assert.match(tokensOut, /"released"/);
  assert.match(tokensOut, /"balance":"2500"/);
  assert.match(rawOut, /"number":"0x/);
  // The tour's webhook reached its receiver with the confirmed claim, signed with its secret.
  await waitFor('the tour webhook', async () => hooked.some((b) => b.includes('claim-1001')), { timeoutMs: 30_000 });
});
