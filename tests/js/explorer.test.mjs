// End to end in a real browser: the explorer that each node serves at /ui/, opened in headless
// Chromium (Debian's, driven by playwright-core, no browser download) against the 3-party
// network. It opens every screen, watches a private message appear and turn confirmed without a
// reload, finds a blocked topic and skips it from the page (refused at a recipient, done by its
// author), sees a token transfer with its message, shows the member orgs with their validators
// and an open proposal whose votes change on the page as they land on-chain, checks that another
// site cannot frame it, and checks keyboard use, labels and a tablet width. A screenshot of each
// screen is saved in $PARLEY_ARTIFACTS_DIR (default target/artifacts/explorer).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNetwork, call, waitFor, submit, rest as restCall } from './harness.mjs';

const root = new URL('../../', import.meta.url).pathname;
const artifacts = process.env.PARLEY_ARTIFACTS_DIR ?? join(root, 'target/artifacts/explorer');
const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

let net;
let provider;
let insurerA;
let browser;
let group;

/** A REST call in the default namespace. */
const rest = (party, method, path, body) => restCall(party, method, `/namespaces/default${path}`, body);

/** A page on `party`'s explorer, signed in with its key, at `hash`. */
async function open(party, hash = '#/default/home', viewport = { width: 1280, height: 900 }) {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(60_000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { // The browser logs each refused call (401, 403) that the page shows as it is: not a problem.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(m.text()); });
  page.problems = problems;
  await page.goto(`http://127.0.0.1:${party.rest_port}/ui/${hash}`);
  await page.getByLabel('Key', { exact: true }).fill(party.api_key);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.locator('#node-did').filter({ hasText: party.node_did }).waitFor();
  return page;
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  net = await startNetwork({ nodeArgs: '--unsafe-test-hooks --context-block-timeout-ms 4000' });
  ({ provider, 'insurer-a': insurerA } = net.parties);
  const created = await rest(insurerA, 'POST', '/groups', { name: 'claims', members: [provider.node_did] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  group = created.body.id;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // No sandbox as root; nothing that reaches beyond loopback (updates, sync, QUIC).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await net?.stop();
});

test('the explorer needs a key like any app: its page is public, its data is not, a wrong key is refused', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`http://127.0.0.1:${provider.rest_port}/ui/`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-security-policy'], /default-src 'none'.*connect-src 'self'/);
  await page.getByLabel('Key', { exact: true }).fill('prly_0000000000000000.nope');
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.getByText('The node refused this key.').waitFor();
  assert.equal(await page.locator('#node-did').textContent(), '', 'nothing shown without a valid key');
  await page.close();
});

test('another site cannot frame the explorer, so it cannot trick the operator into clicking skip', async () => {
  const { createServer } = await import('node:http');
  const explorer = `http://127.0.0.1:${provider.rest_port}/ui/`;
  // Another origin on loopback (another port) whose page frames the explorer.
  const site = createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>another site</title><iframe title="framed" src="${explorer}"></iframe>`);
  });
  await new Promise((ok) => site.listen(0, '127.0.0.1', ok));
  const page = await browser.newPage();
  const refused = [];
  page.on('console', (m) => { if (/frame-ancestors 'none'/.test(m.text())) refused.push(m.text()); });
  try {
    await page.goto(`http://127.0.0.1:${site.address().port}/`);
    await waitFor('the browser to refuse the frame', () => refused.length > 0, { timeoutMs: 15_000 });
    assert.match(refused[0], /has been blocked|Refused to (display|frame)/);
    // Nothing of the explorer is in the frame: no key field to fill, no skip button to click.
    for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
      assert.equal(await frame.getByLabel('Key', { exact: true }).count().catch(() => 0), 0);
    }
  } finally {
    await page.close();
    site.close();
  }
});

test('home: node, blocks, peers connected, counts and the last hour\'s charts; keyboard, labels, tablet width', async () => {
  const page = await open(provider);
  await page.getByRole('table', { name: /Other nodes/ }).waitFor();
  await waitFor('both peers connected on the page', async () =>
    (await page.getByRole('table', { name: /Other nodes/ }).getByText('not connected').count()) === 0
    && (await page.getByRole('table', { name: /Other nodes/ }).getByText('connected', { exact: true }).count()) === 2,
  { timeoutMs: 60_000, everyMs: 1000 });
  assert.match(await page.locator('.cards').textContent(), /Best block#\d+/);
  assert.equal(await page.locator('svg.chart').count(), 2);
  await shot(page, 'home');

  // Keyboard: the first Tab reaches the skip link, the next ones the header and the screens.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  const focused = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    focused.push(await page.evaluate(() => document.activeElement.textContent || document.activeElement.id));
  }
  assert.ok(focused.includes('Messages'), `Tab reaches the screens: ${focused}`);
  await page.getByRole('link', { name: 'Messages', exact: true }).press('Enter');
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  // Every form field has a label.
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select')]
    .filter((el) => el.offsetParent !== null && el.labels.length === 0).map((el) => el.name));
  assert.deepEqual(unlabeled, []);
  assert.deepEqual(page.problems, []);
  await page.close();

  const tablet = await open(provider, '#/default/home', { width: 768, height: 1024 });
  await tablet.getByRole('table', { name: /Other nodes/ }).waitFor();
  const overflow = await tablet.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at tablet width (${overflow} px over)`);
  await shot(tablet, 'home-tablet');
  await tablet.close();
});

test('messages: a private message sent through the API appears and turns confirmed without a reload; its page shows data, blob, pin and delivery', async () => {
  const page = await open(provider, '#/default/messages');
  await page.evaluate(() => { window.notReloaded = true; });
  const scan = randomBytes(64 * 1024);
  const form = new FormData();
  form.append('file', new Blob([scan]), 'scan.bin');
  const upload = await rest(insurerA, 'POST', '/data/blob', form);
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const sent = await rest(insurerA, 'POST', '/messages/private', {
    group, topic: 'explorer-claims', tag: 'claim', data: { claim: 'C-77', amount: 420 }, attachments: [upload.body.id],
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const id = sent.body.id;
  const row = page.getByRole('row').filter({ has: page.locator(`a[href$="${id}"]`) });
  await row.getByText('confirmed', { exact: true }).waitFor({ timeout: 120_000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page updated itself');
  await shot(page, 'messages');

  // Filters are in the URL, so a filtered list can be linked to.
  await page.getByLabel('Topic').fill('explorer-claims');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/topic=explorer-claims/);
  await page.getByRole('table', { name: /of 1$/ }).waitFor();

  await row.getByRole('link').click();
  await page.getByRole('heading', { name: /^Message / }).waitFor();
  const text = await page.locator('main').textContent();
  assert.match(text, /"claim": "C-77"/);
  assert.match(text, /Pinblock #\d+/);
  assert.match(text, new RegExp(insurerA.node_did));
  // The blob downloads through the API, with the page's key, byte for byte.
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download scan.bin/ }).click()]);
  assert.equal(saved.suggestedFilename(), 'scan.bin');
  assert.ok(readFileSync(await saved.path()).equals(scan), 'the downloaded blob is the one sent');
  await shot(page, 'message');
  await page.close();

  // At the sender, the message's page lists its delivery to the provider, done (its receipt came back).
  const sender = await open(insurerA, `#/default/messages/${id}`);
  await sender.getByRole('table', { name: /Operations of its batch/ }).getByText('done').first().waitFor();
  await shot(sender, 'message-sender');
  await sender.close();
});

test('blocked topics: a withheld batch shows at the recipient, which cannot skip it; its author skips it from its page and the topic flows', async () => {
  assert.equal((await call(insurerA.rpc_port, 'parley_test_withholdNextBatch', [])).result, true);
  const lost = await rest(insurerA, 'POST', '/messages/private', { group, topic: 'explorer-blocked', data: { n: 1 } });
  await waitFor('the withheld batch to be cut', async () => (await rest(insurerA, 'GET', `/messages/${lost.body.id}`)).body.state !== 'pending');
  const later = await rest(insurerA, 'POST', '/messages/private', { group, topic: 'explorer-blocked', data: { n: 2 } });

  const page = await open(provider, '#/default/blocked');
  const table = page.getByRole('table', { name: 'Contexts held back here' });
  await table.waitFor({ timeout: 120_000 });
  const batch = await table.locator('tbody tr td:first-child code').getAttribute('title');
  assert.match(batch, /^[0-9a-f]{32}$/);
  await shot(page, 'blocked');
  await page.goto(`http://127.0.0.1:${provider.rest_port}/ui/#/default/home`);
  await page.locator('.card').filter({ hasText: 'Blocked topics' }).getByText('1').waitFor();
  await page.goBack();

  // The recipient tries: a confirmation step, then the API's refusal, shown as it is.
  await page.getByRole('button', { name: `Skip batch ${batch}` }).click();
  await page.getByRole('dialog').getByText(batch).waitFor();
  await page.getByRole('dialog').getByRole('button', { name: 'Skip batch' }).click();
  await page.getByRole('alert').filter({ hasText: /Not skipped \(403\).*only its author may skip it/ }).waitFor();

  // Its author skips it by id from its own explorer (the chain takes a skip 10 blocks after the pin).
  const author = await open(insurerA, '#/default/blocked');
  await author.getByLabel(/Batch id/).fill(batch);
  await waitFor('the author\'s skip to be accepted', async () => {
    await author.getByRole('form', { name: 'Skip a batch this node sent' }).getByRole('button').click();
    await author.getByRole('dialog').getByRole('button', { name: 'Skip batch' }).click();
    const said = author.locator('main .notice').last();
    await said.waitFor();
    const text = await said.textContent();
    if (!/submitted/.test(text)) assert.match(text, /too early|not pinned yet/, text);
    return /submitted/.test(text);
  }, { timeoutMs: 90_000, everyMs: 2000 });
  await shot(author, 'blocked-skip');
  await author.close();

  // The recipient's page sees the skip land and the topic flow, without a reload.
  await page.getByText('none: every topic flows.').waitFor({ timeout: 90_000 });
  await waitFor('the later message at the provider', async () => (await rest(provider, 'GET', `/messages/${later.body.id}`)).body.state === 'confirmed');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('tokens: a transfer sent with a private message shows with a link to its message', async () => {
  const pool = await rest(insurerA, 'POST', '/tokens/pools?confirm=true', { name: 'explorer-files', symbol: 'EXF', type: 'nonfungible' });
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  const minted = await rest(insurerA, 'POST', '/tokens/mint?confirm=true', { pool: 'explorer-files', index: 7 });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  const sent = await rest(insurerA, 'POST', '/messages/private', {
    group, topic: 'explorer-files', data: { file: 'scan' }, transfer: { pool: 'explorer-files', to: provider.node_did, index: 7 },
  });
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const page = await open(provider, '#/default/tokens');
  await page.getByRole('table', { name: 'Token pools' }).getByText('explorer-files').waitFor();
  const link = page.getByRole('table', { name: /newest transfers/ }).locator(`a[href$="${sent.body.id}"]`);
  await link.waitFor({ timeout: 120_000 });
  await page.getByLabel('Pool (id or name)').fill('explorer-files');
  await page.getByLabel('Account or node DID').fill(provider.node_did);
  await page.getByRole('button', { name: 'Balance' }).click();
  await page.getByRole('status').filter({ hasText: 'Balance' }).waitFor();
  await shot(page, 'tokens');
  await link.click();
  await page.getByRole('heading', { name: /^Message / }).waitFor();
  await page.getByRole('heading', { name: 'Token transfer' }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('events, subscriptions and network: the live stream, each subscription\'s offset and lag, every node and its DID document', async () => {
  const sub = await rest(provider, 'POST', '/subscriptions', { name: 'explorer-audit', filter: { types: ['message_confirmed'] } });
  assert.ok([200, 201].includes(sub.status), JSON.stringify(sub.body));
  const page = await open(provider, '#/default/events');
  await page.getByRole('table', { name: /newest events/ }).getByText('message_confirmed').first().waitFor();
  const before = await page.locator('tbody tr td:first-child').first().textContent();
  await rest(insurerA, 'POST', '/messages/private', { group, topic: 'explorer-live', data: { n: 3 } });
  await waitFor('a newer event on the page', async () => Number(await page.locator('tbody tr td:first-child').first().textContent()) > Number(before), { timeoutMs: 120_000, everyMs: 500 });
  await shot(page, 'events');

  await page.getByRole('link', { name: 'Subscriptions' }).click();
  const subs = page.getByRole('table', { name: 'Durable subscriptions' });
  await subs.getByText('explorer-audit').waitFor();
  assert.match(await subs.textContent(), /explorer-audit.*websocket/);
  await shot(page, 'subscriptions');

  await page.getByRole('link', { name: 'Network' }).click();
  const nodes = page.getByRole('table', { name: 'Node identities on-chain' });
  await nodes.getByText('this node').waitFor();
  assert.equal(await nodes.locator('tbody tr').count(), 3);
  await shot(page, 'network');
  await nodes.getByRole('link', { name: insurerA.node_did }).click();
  await page.getByRole('heading', { name: 'DID document' }).waitFor();
  assert.match(await page.locator('pre.json').textContent(), /"@context"/);
  await shot(page, 'did-document');

  // Namespaces switch from the header, and the URL follows.
  await page.getByLabel('Namespace').fill('other');
  await page.getByRole('button', { name: 'Switch' }).click();
  await page.waitForURL(/#\/other\/home/);
  await page.getByRole('table', { name: /Other nodes/ }).waitFor();
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('network: the member orgs with their validators, and an open proposal whose votes follow the chain without a reload', async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const chain = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${provider.rpc_port}`), noInitWarn: true });
  try {
    const members = (await restCall(provider, 'GET', '/governance')).body.members;
    assert.deepEqual(members.map((m) => [m.org, m.validator, m.validating, m.next_session]), [
      ['did:parley:org/provider', 'did:parley:node/provider', true, true],
      ['did:parley:org/insurer-a', 'did:parley:node/insurer-a', true, true],
      ['did:parley:org/insurer-b', 'did:parley:node/insurer-b', true, true],
    ]);
    assert.equal(members[0].admin, keyring.addFromUri('//Alice//stash').address);

    const page = await open(provider, '#/default/network');
    const orgs = page.getByRole('table', { name: 'Member orgs and their validators' });
    await orgs.getByText('did:parley:org/insurer-b').waitFor();
    assert.equal(await orgs.locator('tbody tr').count(), 3);
    assert.equal(await orgs.getByText('not validating').count(), 0);
    await page.getByText('Open proposals: none.').waitFor();

    // The provider's admin proposes a parameter change (its own aye is one of two needed) ...
    const change = { SetParameter: { parameter: { Pins: { SkipAfter: [null, 40] } } } };
    const proposed = await submit(chain, chain.tx.governance.propose(change), keyring.addFromUri('//Alice//stash'));
    assert.equal(proposed.dispatchError, null);
    const index = proposed.events.find(({ event }) => chain.events.governance.Proposed.is(event)).event.data.index.toNumber();
    const proposals = page.getByRole('table', { name: 'Open proposals' });
    const row = proposals.locator('tbody tr').filter({ hasText: 'SetParameter' });
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(`^${index}SetParameter.*SkipAfter.*40.*1 of 2 needed: did:parley:org/provider0: —`));
    // ... insurer-a's admin votes nay, and the page shows it as the block lands.
    const voted = await submit(chain, chain.tx.governance.vote(index, false), keyring.addFromUri('//Bob//stash'));
    assert.equal(voted.dispatchError, null);
    await row.filter({ hasText: '1: did:parley:org/insurer-a' }).waitFor({ timeout: 30_000 });
    const motion = (await restCall(provider, 'GET', '/governance')).body.motions.find((m) => m.index === index);
    assert.deepEqual([motion.kind, motion.threshold, motion.ayes.map((v) => v.org), motion.nays.map((v) => v.org)],
      ['SetParameter', 2, ['did:parley:org/provider'], ['did:parley:org/insurer-a']]);
    assert.ok(motion.ends_in_blocks > 0 && motion.end > motion.ends_in_blocks);
    await shot(page, 'network-governance');
    // insurer-b's admin decides it: passed, enacted, and gone from the open proposals.
    const decided = await submit(chain, chain.tx.governance.vote(index, true), keyring.addFromUri('//Charlie//stash'));
    assert.equal(decided.dispatchError, null);
    await page.getByText('Open proposals: none.').waitFor({ timeout: 30_000 });
    assert.deepEqual((await chain.query.parameters.parameters({ Pins: { SkipAfter: null } })).toJSON(), { pins: { skipAfter: 40 } });
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await chain.disconnect();
  }
});
