-- Parley's private store, version 15: which messages carry which blob, so that each chunk a peer
-- asks for finds who may read its blob through an index, not through a scan of every message's
-- attachments (which grew with the store and was paid per chunk). Written with the message, by
-- this node's sends and by each release. Portable SQL.
CREATE TABLE message_blobs (
    blob_hash TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (blob_hash, message_id)
);
-- Messages stored before this version: their blobs, found once, the slow way, on upgrade.
INSERT INTO message_blobs (blob_hash, message_id)
SELECT DISTINCT d.blob_hash, m.id
FROM messages m JOIN data d ON d.blob_hash IS NOT NULL AND m.attachments LIKE '%' || d.blob_hash || '%'
WHERE m.attachments <> '[]';
