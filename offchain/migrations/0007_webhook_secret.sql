-- The secret a webhook's deliveries are signed with (HMAC-SHA256, in X-Parley-Signature-256), if
-- the subscriber gave one.
ALTER TABLE subscriptions ADD COLUMN webhook_secret TEXT;
