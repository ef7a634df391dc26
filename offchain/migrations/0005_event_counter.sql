-- Parley's private store, version 5: events are numbered from one counter row, not MAX(seq) + 1.
-- Appending an event updates the row, which holds its lock until the transaction ends: two
-- transactions (PostgreSQL, several connections) can never take the same number, and numbers
-- become visible in order, so a subscriber reading after its offset never skips one.

CREATE TABLE event_counter (
    id BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO event_counter (id, last) SELECT 1, COALESCE(MAX(seq), 0) FROM events;
