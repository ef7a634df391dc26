-- Parley's private store, version 1. Portable SQL: the same text runs on SQLite and PostgreSQL.
-- Ids and hashes are lowercase hex TEXT, lists are JSON TEXT, times are ms since the epoch.

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    members TEXT NOT NULL,
    secret TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    group_id TEXT,
    topics TEXT NOT NULL,
    tag TEXT NOT NULL,
    data TEXT NOT NULL,
    data_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    batch_id TEXT,
    error TEXT,
    created BIGINT NOT NULL,
    confirmed BIGINT,
    confirm_seq BIGINT
);
CREATE INDEX messages_state ON messages (state, namespace, group_id, created);
CREATE INDEX messages_batch ON messages (batch_id);
CREATE INDEX messages_confirm_seq ON messages (confirm_seq);

-- Batches this node authored: what was sent, to whom, and whether it is pinned.
CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    group_id TEXT,
    hash TEXT NOT NULL,
    contexts TEXT NOT NULL,
    recipients TEXT NOT NULL,
    pinned_block BIGINT,
    created BIGINT NOT NULL
);

-- The next nonce this node spends when it sends on (group, topic).
CREATE TABLE send_nonces (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (group_id, topic)
);

-- The next nonce expected from each author on (group, topic): advanced as pins are released
-- (or rejected).
CREATE TABLE context_nonces (
    group_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    author BIGINT NOT NULL,
    author_did TEXT NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (group_id, topic, author)
);

-- Every BatchPinned seen on-chain, in chain order (block, event_index).
CREATE TABLE pins (
    batch_id TEXT PRIMARY KEY,
    block BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    namespace TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    author BIGINT NOT NULL,
    batch_hash TEXT NOT NULL,
    contexts TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    fetch_attempts BIGINT NOT NULL DEFAULT 0,
    next_fetch BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pins_order ON pins (state, block, event_index);

-- Sealed payloads received (or kept by the author for itself); the bytes are files.
CREATE TABLE sealed (
    batch_id TEXT PRIMARY KEY,
    sender BIGINT NOT NULL,
    claimed_hash TEXT NOT NULL,
    received BIGINT NOT NULL
);

-- Signed receipts the recipients of this node's batches returned.
CREATE TABLE receipts (
    batch_id TEXT NOT NULL,
    node_did TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    received BIGINT NOT NULL,
    PRIMARY KEY (batch_id, node_did)
);

-- Durable work: deliveries, pins, group announcements; retried with backoff until done.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    batch_id TEXT,
    group_id TEXT,
    target BIGINT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt BIGINT NOT NULL,
    last_error TEXT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt);

-- Events for apps, in this node's order.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    type TEXT NOT NULL,
    namespace TEXT NOT NULL,
    reference TEXT NOT NULL,
    detail TEXT,
    created BIGINT NOT NULL
);

-- Which block the aggregator has processed up to.
CREATE TABLE chain_cursor (
    id BIGINT PRIMARY KEY,
    block BIGINT NOT NULL,
    hash TEXT NOT NULL
);
