-- Parley's private store, version 3: tokens. What the chain's tokens pallet did, as this node
-- followed it (rows keyed by block and event index, so replaying a block changes nothing), and
-- the token operations this node submitted for its apps. Amounts are decimal TEXT (u128).

CREATE TABLE token_pools (
    pool BIGINT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    symbol TEXT NOT NULL,
    decimals BIGINT NOT NULL,
    kind TEXT NOT NULL,
    org BIGINT NOT NULL,
    creator TEXT NOT NULL,
    metadata_uri TEXT NOT NULL,
    metadata_hash TEXT,
    block BIGINT NOT NULL
);
CREATE UNIQUE INDEX token_pools_name ON token_pools (namespace, name);

-- Mints, burns and transfers.
CREATE TABLE token_transfers (
    block BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    namespace TEXT NOT NULL,
    pool BIGINT NOT NULL,
    type TEXT NOT NULL,
    from_account TEXT,
    to_account TEXT,
    amount TEXT NOT NULL,
    item BIGINT,
    message_hash TEXT,
    message_id TEXT,
    operator TEXT,
    metadata_hash TEXT,
    PRIMARY KEY (block, event_index)
);
CREATE INDEX token_transfers_message ON token_transfers (message_hash);
CREATE INDEX token_transfers_pool ON token_transfers (pool, block);

CREATE TABLE token_approvals (
    block BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    namespace TEXT NOT NULL,
    pool BIGINT NOT NULL,
    owner TEXT NOT NULL,
    delegate TEXT NOT NULL,
    amount TEXT NOT NULL,
    item BIGINT,
    PRIMARY KEY (block, event_index)
);

-- Uniqueness claims as they stand; their history is in claim_history (and the event stream).
CREATE TABLE claims (
    namespace TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    state TEXT NOT NULL,
    block BIGINT NOT NULL,
    updated_block BIGINT NOT NULL,
    PRIMARY KEY (namespace, key_hash)
);

CREATE TABLE claim_history (
    block BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    namespace TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    action TEXT NOT NULL,
    from_account TEXT,
    to_account TEXT,
    PRIMARY KEY (block, event_index)
);

CREATE TABLE escrows (
    id BIGINT PRIMARY KEY,
    namespace TEXT NOT NULL,
    pool BIGINT NOT NULL,
    payer TEXT NOT NULL,
    payee TEXT NOT NULL,
    amount TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    node BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    locked_block BIGINT NOT NULL,
    settled_block BIGINT
);
CREATE INDEX escrows_batch ON escrows (batch_hash);

-- Token transactions this node signed for its apps: submitting, then submitted (in the pool),
-- then succeeded or failed (with the pallet error) once a block says so.
CREATE TABLE token_ops (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    input TEXT NOT NULL,
    tx_hash TEXT,
    valid_until BIGINT,
    state TEXT NOT NULL,
    error TEXT,
    block BIGINT,
    result TEXT,
    message_id TEXT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX token_ops_tx ON token_ops (tx_hash);
CREATE INDEX token_ops_state ON token_ops (state);

-- A message's own hash (what a token transfer carries) and the transfer it declares.
ALTER TABLE messages ADD COLUMN hash TEXT;
ALTER TABLE messages ADD COLUMN transfer TEXT;
CREATE INDEX messages_hash ON messages (hash);
