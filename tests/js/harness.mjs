// Starts and stops real parley-node processes on 127.0.0.1 for the end-to-end tests.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAddress } from '@polkadot/util-crypto';

/**
 * What this process started and has not stopped yet, each as a synchronous stop: a test file
 * that the runner cuts off (its timeout) or that is interrupted exits without its `after` hooks
 * or `finally` blocks, and its nodes would run on, slowing every test after it.
 */
const running = new Set();
function stopEverythingLeft() {
  for (const stop of running) {
    try { stop(); } catch { /* stop the others */ }
  }
  running.clear();
}
process.on('exit', stopEverythingLeft);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => { stopEverythingLeft(); process.exit(code); });
}

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

/**
 * The nodes started by startNetwork, by RPC port: { restPort, key }. Their `parley_*` methods are
 * served only at the REST port's /rpc, behind the party's API key (network.json's api_key).
 */
const keyed = new Map();

/** The `Authorization` header of `party`'s API key (from network.json). */
export function auth(party) {
  return party.api_key ? { authorization: `Bearer ${party.api_key}` } : {};
}

/**
 * A REST call to `party` with its API key, `path` under /api/v1: `{ status, body }`, the body
 * parsed when it is JSON. A FormData body goes as multipart; any other as JSON (a string as it is).
 */
export async function rest(party, method, path, body, { headers = {}, timeoutMs = 120_000 } = {}) {
  const json = body !== undefined && !(body instanceof FormData);
  const res = await fetch(`http://127.0.0.1:${party.rest_port}/api/v1${path}`, {
    method,
    headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...auth(party), ...headers },
    body: json && typeof body !== 'string' ? JSON.stringify(body) : body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed };
}

/** Where a JSON-RPC call of `method` to the node on RPC port `port` goes, with which headers. */
function rpcEndpoint(port, method) {
  const node = keyed.get(port);
  if (node && method.startsWith('parley_')) {
    return { url: `http://127.0.0.1:${node.restPort}/rpc`, headers: { authorization: `Bearer ${node.key}` } };
  }
  return { url: `http://127.0.0.1:${port}`, headers: {} };
}

/** One JSON-RPC call over HTTP. */
export async function rpc(port, method, params = []) {
  const { url, headers } = rpcEndpoint(port, method);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * Starts `parley-node --dev --tmp` on free loopback ports and waits (bounded) until it has made
 * `minBlocks` blocks (with `basePath`, there instead of a temporary one). Returns { rpcPort, stop(), log() }.
 */
export async function startDevNode({ minBlocks = 2, timeoutMs = 90_000, extraArgs = [], basePath = null } = {}) {
  const [rpcPort, p2pPort, promPort, restPort, channelPort] =
    [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const logPath = join(dir, 'node.log');
  const out = openSync(logPath, 'w');
  const child = spawn(nodeBinary(), [
    '--dev', ...(basePath ? ['--base-path', basePath] : ['--tmp']),
    '--rpc-port', String(rpcPort),
    '--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--prometheus-port', String(promPort),
    '--no-mdns', '--no-telemetry',
    '--rest-ip', '127.0.0.1', '--rest-port', String(restPort),
    '--channel-ip', '127.0.0.1', '--channel-port', String(channelPort),
    ...extraArgs,
  ], { stdio: ['ignore', out, out] });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  const log = () => readFileSync(logPath, 'utf8');
  const stopNow = () => {
    if (exited === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stopNow);
  const stop = async () => {
    running.delete(stopNow);
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
  return { rpcPort, restPort, stop, log };
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

/**
 * Starts a local network of `parties` parties (3: `local3`; or the chain spec file `chain`; their
 * private stores in databases of the PostgreSQL server `postgres` if given) with
 * scripts/local-network.sh in a fresh folder on free ports; the parties named in `isolate` run each
 * in a network namespace of its own (PARLEY_ISOLATE), so that `partition(name)` can cut it off.
 * Returns { parties: {name: party}, dir, addParty(name, seed), stopParty(name), killParty(name),
 * startParty(name), partition(name), heal(name), stop() }. PARLEY_KEEP_NETWORKS=1 keeps the
 * network's folder (logs, stores) after stop().
 */
/** The ports in the networks' range that Chromium will not open (net::ERR_UNSAFE_PORT: X11, IRC). */
const BROWSER_REFUSED_PORTS = new Set([6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697]);

export async function startNetwork({ nodeArgs = '', parties = 3, chain = '', postgres = '', isolate = [] } = {}) {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const root = new URL('../../', import.meta.url).pathname;
  const script = join(root, 'scripts/local-network.sh');
  const dir = mkdtempSync(join(tmpdir(), 'parley-net-'));
  // Ports are 30333/9944/9615/40333 + offset + i; pick an offset whose ports are all free.
  let offset;
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = 1000 + Math.floor(Math.random() * 200) * 10;
    // Room for the parties and for two more that may join.
    const slots = Array.from({ length: parties + 2 }, (_, i) => i);
    const ports = [30333, 9944, 9615, 40333, 5000].flatMap((p) => slots.map((i) => p + candidate + i));
    // The explorer's test opens the REST port in Chromium, which refuses some ports outright.
    if (ports.some((p) => BROWSER_REFUSED_PORTS.has(p))) continue;
    // Test files may run at once: a range is claimed before its ports are tried.
    if (!claimPortRange(candidate)) continue;
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) { offset = candidate; break; }
    releasePortRange(candidate);
  }
  if (offset === undefined) throw new Error('no free port range for the network');
  const env = {
    ...process.env,
    PARLEY_NETWORK_DIR: dir,
    PARLEY_BASE_PORT: String(offset),
    PARLEY_NODE: nodeBinary(),
    PARLEY_NODE_ARGS: nodeArgs,
    PARLEY_CHAIN: chain,
    PARLEY_POSTGRES_URL: postgres,
    PARLEY_ISOLATE: isolate.join(' '),
    PARLEY_NETWORK_TIMEOUT: '180',
  };
  const script_ = (...args) => run('bash', [script, ...args], { env, timeout: 300_000, maxBuffer: 16 << 20 });
  const stopNow = () => {
    try { execFileSync('bash', [script, 'stop'], { env, timeout: 60_000, stdio: 'ignore' }); } finally { releasePortRange(offset); }
  };
  running.add(stopNow);
  try {
    await script_('start', '--parties', String(parties));
  } catch (e) {
    running.delete(stopNow);
    await script_('stop').catch(() => {});
    releasePortRange(offset);
    throw new Error(`local network did not start:\n${e.stdout}\n${e.stderr}`);
  }
  const read = () => Object.fromEntries(
    JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')).parties.map((p) => {
      if (p.api_key) keyed.set(p.rpc_port, { restPort: p.rest_port, key: p.api_key });
      return [p.name, p];
    }));
  const net = {
    parties: read(),
    dir,
    offset,
    /**
     * Starts a node for a new party `name` (dev seed `seed`, extra node flags `extraArgs`) that
     * is not a member yet: it syncs from the others with only the chain spec and its keys.
     * Returns its network.json entry.
     */
    addParty: async (name, seed, extraArgs = []) => {
      await script_('add-party', name, seed, ...extraArgs);
      net.parties = read();
      return net.parties[name];
    },
    stopParty: (name) => script_('stop-party', name),
    /** kill -9 one party's node (no clean shutdown), and wait until it is gone. */
    killParty: async (name) => {
      const pid = Number(readFileSync(join(dir, name, 'pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      await waitFor(`${name} to die`, async () => {
        try { process.kill(pid, 0); return false; } catch { return true; }
      }, { timeoutMs: 10_000, everyMs: 100 });
    },
    startParty: (name) => script_('start-party', name),
    /** Cuts party `name` (one of `isolate`) off from the others, as a network partition would. */
    partition: (name) => script_('partition', name),
    /** Joins party `name` to the others again after `partition`. */
    heal: (name) => script_('heal', name),
    /**
     * The last `lines` lines of each party's log, without Substrate's routine block lines (for a
     * failing test to print what the nodes were doing).
     */
    logTails: (lines = 60) => Object.keys(net.parties).map((name) => {
      let text = '';
      try { text = readFileSync(join(dir, name, 'node.log'), 'utf8'); } catch { return `--- ${name}: no log`; }
      const kept = text.split('\n').filter((l) => l.trim() && !ROUTINE_LOG_LINE.test(l)).slice(-lines);
      return `--- ${name} (${join(dir, name, 'node.log')})\n${kept.join('\n')}`;
    }).join('\n'),
    /** Runs `body`; if it throws, prints every party's log tail to stderr first. */
    withLogs: async (body) => {
      try {
        return await body();
      } catch (e) {
        console.error(net.logTails());
        throw e;
      }
    },
    stop: async () => {
      running.delete(stopNow);
      await script_('stop').catch(() => {});
      releasePortRange(offset);
      for (const p of Object.values(net.parties)) keyed.delete(p.rpc_port);
      // PARLEY_KEEP_NETWORKS=1 keeps each network's folder (logs, stores) for a look afterwards.
      if (process.env.PARLEY_KEEP_NETWORKS === '1') console.log(`# network kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
  return net;
}

/** Substrate's routine lines (blocks made, imported, finalized), left out of `logTails`. */
const ROUTINE_LOG_LINE = /💤 Idle|🏆 Imported|✨ Imported|🙌 Starting consensus|🎁 Prepared block|🔖 Pre-sealed|♻️ +Reorg|🔍 Discovered|👶 Starting BABE|🔨 Initializing/;

/** A REST path in the `default` namespace. */
export const ns = (path) => `/namespaces/default${path}`;

/** A party's node account (network.json's `account`, hex) as an SS58 address (format 42). */
export const accountOf = (party) => encodeAddress(`0x${party.account}`, 42);

/**
 * Waits (bounded) until `path`, in the `default` namespace, answers 200 at `party` and
 * `check(body)` holds; returns the body.
 */
export const restWait = (what, party, path, check = () => true, timeoutMs = 120_000) => waitFor(`${what} at ${party.name}`, async () => {
  const r = await rest(party, 'GET', ns(path));
  return r.status === 200 && check(r.body) ? r.body : null;
}, { timeoutMs });

/**
 * Reads each party's node identity from its own REST API: `party.identity` (with its id), and
 * `party.account` (hex) from it.
 */
export async function readIdentities(parties) {
  for (const party of parties) {
    const r = await rest(party, 'GET', `/identities/${encodeURIComponent(party.node_did)}`);
    if (r.status !== 200) throw new Error(`the identity of ${party.name}: ${r.status} ${JSON.stringify(r.body)}`);
    party.identity = r.body;
    party.account = r.body.account;
  }
}

/** The claim on port range `offset`: a file, made atomically, naming the test process that holds it. */
const portClaim = (offset) => join(tmpdir(), `parley-ports-${offset}`);

/**
 * Claims port range `offset` for this process: false when another live process holds it. A claim
 * left by a process that died is taken over.
 */
function claimPortRange(offset) {
  const claim = portClaim(offset);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(claim, String(process.pid), { flag: 'wx' });
      return true;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let holder;
    try { holder = Number(readFileSync(claim, 'utf8')); } catch { continue; }
    // An empty claim is being written right now.
    if (!(holder > 0)) return false;
    try { process.kill(holder, 0); return false; } catch { /* its holder is gone */ }
    rmSync(claim, { force: true });
  }
  return false;
}

/** Gives port range `offset` back. */
function releasePortRange(offset) {
  rmSync(portClaim(offset), { force: true });
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Calls a JSON-RPC method; resolves { result } or { error }. */
export async function call(port, method, params = []) {
  const { url, headers } = rpcEndpoint(port, method);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
    signal: AbortSignal.timeout(15_000),
  });
  return res.json();
}

/** Polls `check` (async, truthy = done) every `everyMs` until `timeoutMs`; returns its value. */
export async function waitFor(what, check, { timeoutMs = 90_000, everyMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
