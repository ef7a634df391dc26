// Starts and stops real parley-node processes on 127.0.0.1 for the end-to-end tests.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The parley-node binary under test: $PARLEY_NODE, else the shared release build. */
export function nodeBinary() {
  if (process.env.PARLEY_NODE) return process.env.PARLEY_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/parley/target');
  return join(target, 'release/parley-node');
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One JSON-RPC call over HTTP. */
export async function rpc(port, method, params = []) {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * Starts `parley-node --dev --tmp` on free loopback ports and waits (bounded) until it has made
 * `minBlocks` blocks. Returns { rpcPort, stop(), log() }.
 */
export async function startDevNode({ minBlocks = 2, timeoutMs = 90_000 } = {}) {
  const [rpcPort, p2pPort, promPort] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const logPath = join(dir, 'node.log');
  const out = openSync(logPath, 'w');
  const child = spawn(nodeBinary(), [
    '--dev', '--tmp',
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--prometheus-port', String(promPort),
    '--no-mdns', '--no-telemetry',
  ], { stdio: ['ignore', out, out] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const log = () => readFileSync(logPath, 'utf8');
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const deadline = Date.now() + 10_000;
      while (exited === null && Date.now() < deadline) await sleep(100);
      if (exited === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited !== null) {
      const text = log();
      await stop();
      throw new Error(`parley-node exited early (${JSON.stringify(exited)}):\n${text.slice(-4000)}`);
    }
    try {
      const header = await rpc(rpcPort, 'chain_getHeader');
      if (parseInt(header.number, 16) >= minBlocks) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`parley-node made no ${minBlocks} blocks in ${timeoutMs} ms:\n${text.slice(-4000)}`);
    }
    await sleep(250);
  }
  return { rpcPort, stop, log };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Signs and submits `tx`, resolving when it is in a block with { events, dispatchError }, where
 * dispatchError is `section.Name` of a failed dispatch (or null).
 */
export function submit(api, tx, signer, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    let unsub = () => {};
    const timer = setTimeout(() => { unsub(); reject(new Error('not included in time')); }, timeoutMs);
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (!status.isInBlock) return;
      clearTimeout(timer);
      unsub();
      let error = null;
      if (dispatchError) {
        if (dispatchError.isModule) {
          const meta = api.registry.findMetaError(dispatchError.asModule);
          error = `${meta.section}.${meta.name}`;
        } else {
          error = dispatchError.toString();
        }
      }
      resolve({ events, dispatchError: error, blockHash: status.asInBlock });
    }).then((u) => { unsub = u; }, (e) => { clearTimeout(timer); reject(e); });
  });
}
