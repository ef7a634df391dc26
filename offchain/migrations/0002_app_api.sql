-- Parley's private store, version 2: the app API. Portable SQL, as version 1.

-- Data items: a JSON value, or a blob (bytes in the blob store, by hash).
CREATE TABLE data (
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT,
    blob_hash TEXT,
    size BIGINT NOT NULL,
    hash TEXT NOT NULL,
    datatype TEXT,
    message_id TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX data_blob ON data (blob_hash);
CREATE INDEX data_message ON data (message_id);

ALTER TABLE messages ADD COLUMN cid TEXT;
ALTER TABLE messages ADD COLUMN idempotency_key TEXT;
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE UNIQUE INDEX messages_idempotency ON messages (namespace, idempotency_key);
CREATE INDEX messages_cid ON messages (cid);

-- Definitions broadcast to every party (datatypes, named topics): the first confirmed wins.
CREATE TABLE definitions (
    namespace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    value TEXT NOT NULL,
    author TEXT NOT NULL,
    message_id TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (namespace, kind, name, version)
);

-- Named, durable event subscriptions: delivery resumes after `offset_seq`.
CREATE TABLE subscriptions (
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    read_ahead BIGINT NOT NULL,
    with_data BIGINT NOT NULL,
    transport TEXT NOT NULL,
    webhook_url TEXT,
    webhook_reply BIGINT NOT NULL,
    offset_seq BIGINT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (namespace, name)
);

ALTER TABLE events ADD COLUMN topic TEXT;
ALTER TABLE events ADD COLUMN tag TEXT;
ALTER TABLE events ADD COLUMN author TEXT;
ALTER TABLE events ADD COLUMN group_id TEXT;

ALTER TABLE pins ADD COLUMN blocked_reported BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pins ADD COLUMN seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN max_attempts BIGINT NOT NULL DEFAULT 0;
