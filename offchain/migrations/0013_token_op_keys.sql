-- Token operations take an idempotency key, unique in the namespace, so that an app retrying a
-- transfer (or mint, burn, approval …) whose answer it never got cannot move tokens twice.
ALTER TABLE token_ops ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX token_ops_idempotency ON token_ops (namespace, idempotency_key);
