-- The size of each stored sealed payload, so that what a sender has stored here for batches not
-- pinned (yet) is bounded in bytes, and what is never pinned is collected after a while.
ALTER TABLE sealed ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sealed_sender ON sealed (sender);
