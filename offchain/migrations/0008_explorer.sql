-- The explorer's home screen counts a namespace's confirmations per minute over the last hour.
CREATE INDEX messages_confirmed ON messages (namespace, confirmed);
