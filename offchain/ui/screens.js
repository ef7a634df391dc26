// Parley explorer: its screens. Each takes the route and returns `{ title, node, refresh }`:
// the screen's element, and a function that brings its live part up to date in place (called
// when the node has new events), so that what the operator is typing or reading stays put.

import { h, s, api, ns, href, download, confirmAction } from './api.js';

const STATES = ['awaiting_transfer', 'pending', 'sent', 'pinned', 'confirmed', 'rejected'];
const PAGE = 25;

const time = (ms) => (ms ? new Date(ms).toLocaleString() : '');
const short = (id) => (id && id.length > 20 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id ?? '');
const badge = (state) => h('span', { class: `state state-${state.replaceAll(' ', '-')}` }, state);
const json = (value) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
const code = (text, full) => h('code', { title: full ?? text }, text);

/** A table: `columns` are `[header, row => content]`. */
function table(caption, columns, rows, empty = 'Nothing here yet.') {
  if (!rows.length) return h('p', { class: 'empty' }, `${caption}: ${empty}`);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map(([name]) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row))))))));
}

/** A definition list of `[label, content]`; pairs without content are left out. */
const fields = (pairs) => h('dl', { class: 'fields' },
  pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

/** The DID of each node id (pins and operations name nodes by their on-chain id). */
async function nodeNames() {
  const identities = await api('GET', '/identities');
  const byId = new Map(identities.map((i) => [i.id, i.did]));
  return (id) => byId.get(id) ?? (id === null || id === undefined ? '' : `node #${id}`);
}

/** A notice that stays until replaced; `role=alert` for errors so that screen readers say it. */
const notice = (text, error = false) => h('p', { class: `notice${error ? ' error' : ''}`, role: error ? 'alert' : 'status' }, text);

/** A screen whose live part `fill()` rebuilds; `head` stays. */
async function live(title, head, fill) {
  const body = h('div', { class: 'live' });
  const refresh = async () => body.replaceChildren(...[await fill()].flat());
  await refresh();
  return { title, node: h('section', {}, h('h2', {}, title), head, body), refresh };
}

// ---- Home -------------------------------------------------------------------------------------

/** A bar chart of values per minute over the last hour (`points`: `[minute_ms, value]`). */
function chart(label, points, { unit = '', lines = null } = {}) {
  const W = 600; const H = 180; const L = 44; const B = 22; const now = Date.now();
  const start = Math.floor((now - 60 * 60_000) / 60_000) * 60_000;
  const x = (minute) => L + ((minute - start) / (61 * 60_000)) * (W - L - 8);
  const series = lines ?? [['bar', points]];
  const max = Math.max(1, ...series.flatMap(([, pts]) => pts.map(([, v]) => v)));
  const y = (v) => H - B - (v / max) * (H - B - 12);
  const parts = [
    s('line', { class: 'axis', x1: L, y1: H - B, x2: W - 4, y2: H - B }),
    s('text', { x: 4, y: 14 }, `${Math.round(max)}${unit}`),
    s('text', { x: 4, y: H - B }, `0${unit}`),
    s('text', { x: L, y: H - 6 }, '60 min ago'),
    s('text', { x: W - 40, y: H - 6 }, 'now'),
  ];
  for (const [kind, pts] of series) {
    if (kind === 'bar') {
      const w = Math.max(2, (W - L) / 64);
      for (const [m, v] of pts) parts.push(s('rect', { class: 'bar', x: x(m), y: y(v), width: w, height: H - B - y(v) }, s('title', {}, `${time(m)}: ${v}${unit}`)));
    } else if (pts.length) {
      parts.push(s('polyline', { class: kind, points: pts.map(([m, v]) => `${x(m)},${y(v)}`).join(' ') }));
    }
  }
  const total = points.reduce((a, [, v]) => a + v, 0);
  return h('figure', {},
    h('figcaption', { id: `cap-${label.replace(/\W/g, '')}` }, label),
    s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${label}${lines ? '' : `: ${total} in the last hour`}` }, parts));
}

async function home() {
  return live('Home', null, async () => {
    const [status, summary, identities] = await Promise.all([
      api('GET', '/status'), api('GET', ns('/summary?minutes=60')), api('GET', '/identities'),
    ]);
    const byPeer = new Map(identities.map((i) => [i.peer_id, i]));
    const connected = new Set(status.connected_peers);
    const card = (label, value, link) => h('div', { class: 'card' },
      h('div', { class: 'label' }, label), h('div', { class: 'value' }, link ? h('a', { href: link }, value) : value));
    const count = (state) => summary.messages[state] ?? 0;
    const perMinute = summary.per_minute;
    return [
      h('div', { class: 'cards', 'aria-label': 'Counts' },
        card('Best block', `#${status.best_block}`),
        card('Finalized, processed here', `#${Math.max(0, status.next_block - 1)}`),
        card('Peers connected', `${connected.size} of ${identities.filter((i) => i.did !== status.node && i.active).length}`, href('network')),
        card('Pending operations', status.pending_operations),
        card('Blocked topics', summary.blocked, href('blocked')),
        ...STATES.map((state) => card(`Messages ${state.replace('_', ' ')}`, count(state), href('messages', undefined, { state })))),
      h('h3', {}, 'Last hour'),
      h('div', { class: 'charts' },
        chart('Messages confirmed per minute', perMinute.map((m) => [m.minute, m.confirmed])),
        chart('Send to confirmed latency (mean solid, longest dashed), ms', [], {
          unit: ' ms',
          lines: [['mean', perMinute.map((m) => [m.minute + 30_000, m.latency_mean_ms])],
            ['max', perMinute.map((m) => [m.minute + 30_000, m.latency_max_ms])]],
        })),
      h('h3', {}, 'Peers'),
      table('Other nodes and their data-channel connection', [
        ['Node', (i) => h('a', { href: href('network', i.did) }, i.did)],
        ['Peer id', (i) => code(short(i.peer_id), i.peer_id)],
        ['On-chain', (i) => badge(i.active ? 'active' : 'inactive')],
        ['Channel', (i) => badge(connected.has(i.peer_id) ? 'connected' : 'not connected')],
      ], identities.filter((i) => i.did !== status.node)),
      status.connected_peers.some((p) => !byPeer.has(p))
        ? notice(`Also connected: ${status.connected_peers.filter((p) => !byPeer.has(p)).join(', ')} (no identity on-chain)`)
        : null,
    ].filter(Boolean);
  });
}

// ---- Messages ---------------------------------------------------------------------------------

const FILTERS = [['topic', 'Topic'], ['state', 'State'], ['author', 'Author'], ['group', 'Group'], ['tag', 'Tag']];

async function messages(r) {
  if (r.id) return message(r.id);
  const q = r.query;
  const form = h('form', { class: 'filters', 'aria-label': 'Filter messages' },
    FILTERS.map(([name, label]) => h('label', {}, label, name === 'state'
      ? h('select', { name }, h('option', { value: '' }, 'any'), STATES.map((st) => h('option', { value: st, selected: q.get(name) === st }, st)))
      : h('input', { name, value: q.get(name) ?? '', size: 14 }))),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const params = {};
    for (const [k, v] of new FormData(form)) if (v) params[k] = v;
    location.hash = href('messages', undefined, params);
  });
  const skip = Number(q.get('skip') ?? 0) || 0;
  return live('Messages', form, async () => {
    const params = new URLSearchParams({ sort: '-created', limit: PAGE, skip, count: 'true' });
    for (const [name] of FILTERS) {
      const v = q.get(name);
      if (v) params.set(name === 'topic' ? 'topics' : name, name === 'topic' ? `@${v}` : v);
    }
    const page = await api('GET', ns(`/messages?${params}`));
    const pageLink = (to, label) => {
      const next = Object.fromEntries(q);
      next.skip = to;
      return h('a', { href: href('messages', undefined, next) }, label);
    };
    return [
      table(`Messages ${skip + 1}–${skip + page.items.length} of ${page.total}`, [
        ['Sent', (m) => time(m.created)],
        ['Id', (m) => h('a', { href: href('messages', m.id) }, code(short(m.id), m.id))],
        ['Kind', (m) => m.kind],
        ['Topics', (m) => m.topics.join(', ')],
        ['Tag', (m) => m.tag],
        ['State', (m) => badge(m.state)],
        ['Author', (m) => m.author],
        ['Group', (m) => (m.group ? code(short(m.group), m.group) : '')],
      ], page.items, 'no message matches.'),
      h('nav', { class: 'pager', 'aria-label': 'Pages' },
        skip > 0 ? pageLink(Math.max(0, skip - PAGE), '← Newer') : null,
        skip + PAGE < page.total ? pageLink(skip + PAGE, 'Older →') : null),
    ];
  });
}

async function message(id) {
  return live(`Message ${short(id)}`, h('p', {}, h('a', { href: href('messages') }, '← All messages')), async () => {
    const m = await api('GET', ns(`/messages/${encodeURIComponent(id)}`));
    const batch = m.batch;
    const [pins, events, batches, deliveries, nodeName] = await Promise.all([
      batch ? api('GET', ns(`/pins?batch=${batch}`)) : [],
      api('GET', ns(`/events?reference=${encodeURIComponent(id)}&sort=sequence`)),
      batch ? api('GET', ns(`/batches?id=${batch}`)) : [],
      batch ? api('GET', ns(`/operations?batch=${batch}&sort=created`)) : [],
      nodeNames(),
    ]);
    const blob = (a) => h('button', {
      type: 'button', class: 'secondary',
      onclick: (e) => download(ns(`/data/${a.id}/blob`), a.name || a.id).catch((err) => e.target.after(notice(err.message, true))),
    }, `Download ${a.name || 'blob'} (${a.size} bytes)`);
    return [
      fields([
        ['Id', code(m.id)], ['State', badge(m.state)], ['Kind', m.kind], ['Author', m.author],
        ['Group', m.group ? code(m.group) : 'none (broadcast)'], ['Topics', m.topics.join(', ')], ['Tag', m.tag],
        ['Sent', time(m.created)], ['Confirmed', time(m.confirmed)],
        ['Send to confirmed', m.confirmed ? `${((m.confirmed - m.created) / 1000).toFixed(1)} s` : null],
        ['Confirmation sequence', m.confirm_sequence],
        ['Reply to', m.cid ? h('a', { href: href('messages', m.cid) }, m.cid) : null],
        ['Error', m.error ? h('span', { class: 'error' }, m.error) : null],
        ['Data hash', code(m.data_hash)],
      ]),
      h('h3', {}, 'Data'), json(m.data),
      m.attachments.length ? [h('h3', {}, 'Attachments'), table('Data items', [
        ['Name', (a) => a.name], ['Id', (a) => code(short(a.id), a.id)], ['Hash', (a) => code(short(a.hash), a.hash)],
        ['Size', (a) => a.size], ['Value or blob', (a) => (a.blob ? blob(a) : json(a.value))],
      ], m.attachments)] : null,
      m.transfer ? [h('h3', {}, 'Token transfer'), json(m.transfer)] : null,
      h('h3', {}, 'Batch and pin'),
      batch ? fields([
        ['Batch', code(batch)],
        ['Contexts', batches[0] ? batches[0].contexts.map((c) => code(short(c), c)).flatMap((c) => [c, ' ']) : null],
        ...pins.flatMap((p) => [['Pin', h('span', {}, `block #${p.block}, event ${p.event_index}, sequence ${p.sequence ?? ''} `, badge(p.state))],
          ['Pin contexts', p.contexts.map((c) => code(short(c), c)).flatMap((c) => [c, ' '])]]),
      ]) : h('p', { class: 'empty' }, 'Not batched yet.'),
      deliveries.length ? [h('h3', {}, 'Deliveries and receipts'), table('Operations of its batch (a delivery is done when the recipient returned its signed receipt; GET …/batches/{id} lists them)', [
        ['Kind', (o) => o.kind], ['Recipient', (o) => nodeName(o.target)], ['State', (o) => badge(o.state)],
        ['Attempts', (o) => o.attempts], ['Error', (o) => o.error ?? ''], ['Updated', (o) => time(o.updated)],
      ], deliveries)] : null,
      h('h3', {}, 'Events'),
      table('Events about this message', [
        ['Sequence', (e) => e.sequence], ['Type', (e) => e.type], ['Time', (e) => time(e.created)],
      ], events),
    ].flat().filter(Boolean);
  });
}

// ---- Blocked topics ---------------------------------------------------------------------------

async function skip(target, out) {
  if (!await confirmAction('Skip this batch?', `Every node stops waiting for batch ${target}: its messages are never confirmed, and the topics behind it flow on. This is recorded on-chain and cannot be undone.`, 'Skip batch')) return;
  try {
    const r = await api('POST', ns(`/contexts/${encodeURIComponent(target)}/skip`));
    out.replaceChildren(notice(`Skip of batch ${r?.batch ?? target} submitted to the chain.`));
  } catch (e) {
    out.replaceChildren(notice(`Not skipped (${e.status}): ${e.message}`, true));
  }
}

async function blocked() {
  const out = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'skip-target', name: 'target', size: 40, required: true, pattern: '[0-9a-fA-F]{32}|[0-9a-fA-F]{64}' });
  const form = h('form', { class: 'inline', 'aria-label': 'Skip a batch this node sent' },
    h('label', { for: 'skip-target' }, 'Batch id (this node\'s) or blocked context', input),
    h('button', { type: 'submit', class: 'danger' }, 'Skip…'));
  form.addEventListener('submit', (e) => { e.preventDefault(); skip(input.value.trim(), out); });
  const head = h('div', {},
    h('p', {}, 'A context is held back when a pin arrives whose payload this node has not received. Only a batch\'s author may skip it here; the other members can vote a SkipBatch proposal.'),
    form, out);
  return live('Blocked topics', head, async () => {
    const [reports, nodeName] = await Promise.all([api('GET', ns('/events?type=context_blocked&sort=-sequence&limit=200')), nodeNames()]);
    // The newest report of each batch, and which of those batches are still pending: one
    // query per 100 batches (the API's largest `in:`), not one per report.
    const latest = new Map();
    for (const e of reports) if (!latest.has(e.reference)) latest.set(e.reference, e);
    const batches = [...latest.keys()];
    const pending = new Map();
    for (let i = 0; i < batches.length; i += 100) {
      const chunk = batches.slice(i, i + 100).join(',');
      for (const pin of await api('GET', ns(`/pins?state=pending&batch=in:${chunk}&limit=100`))) pending.set(pin.batch, pin);
    }
    const rows = batches.filter((b) => pending.has(b)).map((b) => ({ ...latest.get(b).detail, pin: pending.get(b) }));
    return table('Contexts held back here', [
      ['Batch', (b) => code(short(b.batch), b.batch)],
      ['Author', (b) => nodeName(b.author)],
      ['Contexts', (b) => b.contexts.map((c) => code(short(c), c)).flatMap((c) => [c, ' '])],
      ['Waiting messages', (b) => b.waiting],
      ['Held since', (b) => time(b.since)],
      ['Pin', (b) => `block #${b.pin.block}`],
      ['Payload', (b) => (b.has_payload ? 'here, not yet openable' : 'never received')],
      ['', (b) => h('button', { type: 'button', class: 'danger', onclick: () => skip(b.batch, out), 'aria-label': `Skip batch ${b.batch}` }, 'Skip…')],
    ], rows, 'none: every topic flows.');
  });
}

// ---- Events and subscriptions -----------------------------------------------------------------

async function events(r) {
  const type = r.query.get('type') ?? '';
  const form = h('form', { class: 'filters', 'aria-label': 'Filter events' },
    h('label', {}, 'Type', h('input', { name: 'type', value: type, size: 22 })), h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = new FormData(form).get('type');
    location.hash = href('events', undefined, t ? { type: t } : undefined);
  });
  return live('Events', form, async () => {
    const list = await api('GET', ns(`/events?sort=-sequence&limit=50${type ? `&type=${encodeURIComponent(type)}` : ''}`));
    return table('The newest events (live)', [
      ['Sequence', (e) => e.sequence], ['Type', (e) => e.type],
      // A rejected message is not kept here: only the others link to a message page.
      ['Reference', (e) => (e.type.startsWith('message_') && e.type !== 'message_rejected'
        ? h('a', { href: href('messages', e.reference) }, code(short(e.reference), e.reference)) : code(short(e.reference), e.reference))],
      ['Topics', (e) => (e.topics ?? []).join(', ')], ['Author', (e) => e.author ?? ''], ['Time', (e) => time(e.created)],
      ['Detail', (e) => (e.detail ? h('code', { class: 'detail' }, JSON.stringify(e.detail).slice(0, 160)) : '')],
    ], list);
  });
}

async function subscriptions() {
  return live('Subscriptions', null, async () => {
    const subs = await api('GET', ns('/subscriptions'));
    const progress = await Promise.all(subs.map((sub) => api('GET', ns(`/subscriptions/${encodeURIComponent(sub.name)}/progress`))));
    return table('Durable subscriptions', [
      ['Name', (x) => x.sub.name], ['Transport', (x) => (x.sub.transport === 'webhook' ? `webhook ${x.sub.webhook_url}` : x.sub.transport)],
      ['Filter', (x) => code(JSON.stringify(x.sub.filter))],
      ['Offset', (x) => x.p.offset], ['Lag (events)', (x) => x.p.lag],
      ['Connections', (x) => (x.p.running ? x.p.connections : 'not running')],
      ['Last ack', (x) => time(x.p.last_ack)],
      ['Last delivery error', (x) => (x.p.last_error ? h('span', { class: 'error' }, `${time(x.p.last_error_at)}: ${x.p.last_error}`) : '')],
    ], subs.map((sub, i) => ({ sub, p: progress[i] })));
  });
}

// ---- Tokens -----------------------------------------------------------------------------------

async function tokens() {
  const out = h('div', { 'aria-live': 'polite' });
  const pool = h('input', { id: 'balance-pool', name: 'pool', size: 10, required: true });
  const account = h('input', { id: 'balance-account', name: 'account', size: 40, required: true, placeholder: 'did:parley:node/provider' });
  const form = h('form', { class: 'inline', 'aria-label': 'Look up a balance' },
    h('label', { for: 'balance-pool' }, 'Pool (id or name)', pool), h('label', { for: 'balance-account' }, 'Account or node DID', account),
    h('button', { type: 'submit' }, 'Balance'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const b = await api('GET', ns(`/tokens/balances?pool=${encodeURIComponent(pool.value)}&account=${encodeURIComponent(account.value)}`));
      out.replaceChildren(h('div', { class: 'notice', role: 'status' }, h('strong', {}, 'Balance: '),
        `${b.balance} in ${b.name ?? `pool ${b.pool}`}`, b.items?.length ? ` (items ${b.items.map((i) => `#${i}`).join(', ')})` : '',
        ' · account ', code(b.account)));
    } catch (err) {
      out.replaceChildren(notice(err.message, true));
    }
  });
  return live('Tokens', h('div', {}, form, out), async () => {
    const [pools, transfers, claims, escrows] = await Promise.all([
      api('GET', ns('/tokens/pools')), api('GET', ns('/tokens/transfers?sort=-block&limit=50')),
      api('GET', ns('/claims?sort=-updated_block&limit=50')), api('GET', ns('/escrows?sort=-locked_block&limit=50')),
    ]);
    const history = (c) => {
      const d = h('details', {}, h('summary', {}, 'History'));
      d.addEventListener('toggle', async () => {
        if (!d.open || d.dataset.loaded) return;
        d.dataset.loaded = '1';
        const list = await api('GET', ns(`/claims/${c.key_hash}/history`)).catch((e) => { d.append(notice(e.message, true)); return []; });
        d.append(table('Its history', [['Block', (x) => x.block], ['Action', (x) => x.action], ['From', (x) => x.from ?? ''], ['To', (x) => x.to ?? '']], list));
      });
      return d;
    };
    return [
      h('h3', {}, 'Pools'),
      table('Token pools', [['Id', (p) => p.pool], ['Name', (p) => p.name], ['Symbol', (p) => p.symbol ?? ''], ['Type', (p) => p.type],
        ['Decimals', (p) => p.decimals ?? ''], ['Creator', (p) => p.creator ?? ''], ['Block', (p) => p.block]], pools),
      h('h3', {}, 'Transfers'),
      table('The newest transfers, mints and burns', [['Block', (t) => t.block], ['Pool', (t) => t.pool], ['Type', (t) => t.type],
        ['From', (t) => code(short(t.from), t.from)], ['To', (t) => code(short(t.to), t.to)], ['Amount or item', (t) => (t.index !== null && t.index !== undefined ? `item #${t.index}` : t.amount)],
        ['Message', (t) => (t.message ? h('a', { href: href('messages', t.message) }, code(short(t.message), t.message)) : '')]], transfers),
      h('h3', {}, 'Uniqueness claims'),
      table('Claims', [['Key hash', (c) => code(short(c.key_hash), c.key_hash)], ['Owner', (c) => code(short(c.owner), c.owner)],
        ['State', (c) => badge(c.state)], ['Block', (c) => c.updated_block ?? c.block], ['', history]], claims),
      h('h3', {}, 'Escrows'),
      table('Escrows (delivery versus payment)', [['Id', (x) => x.id], ['Pool', (x) => x.pool], ['Payer', (x) => code(short(x.payer), x.payer)],
        ['Payee', (x) => code(short(x.payee), x.payee)], ['Amount', (x) => x.amount], ['State', (x) => badge(x.state)],
        ['Expires at block', (x) => x.expires_at]], escrows),
    ];
  });
}

// ---- Network ----------------------------------------------------------------------------------

async function network(r) {
  if (r.id) {
    return live(`Node ${r.id}`, h('p', {}, h('a', { href: href('network') }, '← Network')), async () => {
      const [identity, doc] = await Promise.all([
        api('GET', `/identities/${encodeURIComponent(r.id)}`), api('GET', `/identities/${encodeURIComponent(r.id)}/did`),
      ]);
      return [fields([['DID', code(identity.did)], ['Kind', identity.kind], ['Account', code(identity.account)],
        ['Peer id', code(identity.peer_id)], ['Encryption key', code(identity.encryption_key)],
        ['Addresses', identity.multiaddrs.join(', ')], ['On-chain', badge(identity.active ? 'active' : 'inactive')]]),
      h('h3', {}, 'DID document'), json(doc)];
    });
  }
  const screen = await live('Network', null, async () => {
    const [identities, status, governance] = await Promise.all([
      api('GET', '/identities'), api('GET', '/status'), api('GET', '/governance'),
    ]);
    const connected = new Set(status.connected_peers);
    const node = (did) => h('a', { href: href('network', did) }, did);
    const voters = (list) => (list.length ? list.map((v) => v.org ?? short(v.account)).join(', ') : '—');
    return [
      fields([['This node', status.node], ['Peer id', code(status.peer_id)], ['Listening on', status.listen.join(', ')]]),
      table('Member orgs and their validators', [
        ['Org', (m) => m.org], ['Admin (votes)', (m) => code(short(m.admin), m.admin)],
        ['Validator', (m) => node(m.validator)],
        ['This session', (m) => badge(m.validating ? 'validating' : 'not validating')],
        ['Next session', (m) => badge(m.next_session ? 'validating' : 'not validating')],
      ], governance.members),
      table('Open proposals', [
        ['#', (m) => String(m.index)], ['Decision', (m) => m.kind],
        ['Details', (m) => fields(Object.entries(m.decision ?? {}).map(([k, v]) => [k, String(v)]))],
        ['Ayes', (m) => `${m.ayes.length} of ${m.threshold} needed: ${voters(m.ayes)}`],
        ['Nays', (m) => `${m.nays.length}: ${voters(m.nays)}`],
        ['Voting ends', (m) => `block #${m.end} (in ${m.ends_in_blocks} blocks)`],
      ], governance.motions, 'none. Members propose with governance.propose and vote with governance.vote.'),
      table('Node identities on-chain', [
        ['DID', (i) => node(i.did)], ['Kind', (i) => i.kind],
        ['Account', (i) => code(short(i.account), i.account)], ['On-chain', (i) => badge(i.active ? 'active' : 'inactive')],
        ['Channel', (i) => (i.did === status.node ? 'this node' : badge(connected.has(i.peer_id) ? 'connected' : 'not connected'))],
      ], identities),
    ];
  });
  // Votes and sessions are not app events: follow the chain block by block.
  return { ...screen, everyBlock: true };
}

async function notFound(r) {
  return { title: 'Not found', node: notice(`No screen "${r.screen}".`, true) };
}

export const screens = { home, messages, blocked, events, subscriptions, tokens, network, notFound };
