-- Hash-locked delivery versus payment (sales).
-- A hash-locked escrow names the hash of the sale key that releases it; once the seller reveals
-- the key on-chain, every node has it here, and the buyer's node opens the batch with it.
ALTER TABLE escrows ADD COLUMN key_hash TEXT;
ALTER TABLE escrows ADD COLUMN sale_key TEXT;
CREATE INDEX escrows_key_hash ON escrows (key_hash);
-- The seller's price of a private message for sale (JSON: pool, amount); such a message is a
-- batch of its own, delivered locked under its sale key.
ALTER TABLE messages ADD COLUMN sale TEXT;
-- Batches for sale that this node received: held unopened, their contexts waiting, until the
-- sale key is revealed on-chain.
CREATE TABLE offers (
    batch_id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    batch_hash TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    seller BIGINT NOT NULL,
    pool BIGINT NOT NULL,
    amount TEXT NOT NULL,
    payee TEXT NOT NULL,
    state TEXT NOT NULL,
    offered BIGINT NOT NULL,
    opened BIGINT
);
CREATE INDEX offers_key_hash ON offers (key_hash);
