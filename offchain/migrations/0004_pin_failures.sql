-- Parley's private store, version 4: pins that failed on-chain, and the order messages were
-- accepted and outbox operations made in. Portable SQL, as version 1.

-- Contexts named by a `pins.pin_batch` that failed on-chain (and whose signer did not pin that
-- batch id): that author will never pin them, so a later pin of that author may pass over them,
-- as over the contexts of a rejected pin. Every party records the same rows, from the same block.
CREATE TABLE void_contexts (
    author BIGINT NOT NULL,
    context TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    block BIGINT NOT NULL,
    error TEXT NOT NULL,
    PRIMARY KEY (author, context)
);

-- How many times a message's batch failed to be pinned (it is sent again, up to a bound).
ALTER TABLE messages ADD COLUMN pin_failures BIGINT NOT NULL DEFAULT 0;
-- For a batch this node authored whose pin failed on-chain: the chain's error.
ALTER TABLE batches ADD COLUMN failed TEXT;

-- The order this node accepted its messages in (a counter, strictly increasing): batches take
-- pending messages in this order, so messages sent one after the other keep their order even
-- within one millisecond. 0 for messages received from other nodes.
ALTER TABLE messages ADD COLUMN accept_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX messages_pending ON messages (state, accept_seq);

-- The order outbox operations were made in (the same counter): pins are submitted, and
-- deliveries started, in the order their batches were cut.
ALTER TABLE outbox ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
