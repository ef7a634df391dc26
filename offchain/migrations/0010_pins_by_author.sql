-- Parley's private store, version 10: a pin is its author's. The chain keys pins by (author
-- node, batch id) since the pins pallet's storage version 2, so another node's pin of the same
-- id (a copy of a pending pin) is a second pin here too, never in place of the author's. A pin
-- whose hash names a payload of another author or id is a copy: state 'copied', never released
-- and never blocking anything. Portable SQL, as version 1.
CREATE TABLE pins_by_author (
    batch_id TEXT NOT NULL,
    author BIGINT NOT NULL,
    block BIGINT NOT NULL,
    event_index BIGINT NOT NULL,
    namespace TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    batch_hash TEXT NOT NULL,
    contexts TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    fetch_attempts BIGINT NOT NULL DEFAULT 0,
    next_fetch BIGINT NOT NULL DEFAULT 0,
    blocked_reported BIGINT NOT NULL DEFAULT 0,
    seen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, author)
);
INSERT INTO pins_by_author (batch_id, author, block, event_index, namespace, sequence, batch_hash, contexts, state, detail, fetch_attempts, next_fetch, blocked_reported, seen)
    SELECT batch_id, author, block, event_index, namespace, sequence, batch_hash, contexts, state, detail, fetch_attempts, next_fetch, blocked_reported, seen FROM pins;
DROP INDEX pins_order;
DROP TABLE pins;
ALTER TABLE pins_by_author RENAME TO pins;
CREATE INDEX pins_order ON pins (state, block, event_index);
CREATE INDEX pins_hash ON pins (batch_hash);
