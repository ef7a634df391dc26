-- Parley's private store, version 14: the chain's word on this node's own pins, as a message
-- from the room that records blocks (confirm) to the room that owns this node's batches and pin
-- operations (pin). A row is written with its block, in the block's transaction, and settled
-- (applied to `batches`, `messages` and `outbox`, then deleted) by the pin room, so neither room
-- writes the other's tables and a crash between the two loses nothing. Portable SQL.
CREATE TABLE pin_outcomes (
    block BIGINT NOT NULL,
    -- The outcome's place in its block: this node's pins first, then its failed pins.
    position BIGINT NOT NULL,
    batch_id TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    -- NULL: the pin landed in `block`; otherwise the chain's error for a pin that failed.
    error TEXT,
    PRIMARY KEY (block, position)
);
CREATE INDEX pin_outcomes_batch ON pin_outcomes (batch_id);
