-- Whether the sender asked the recipients of a message to acknowledge its batch on-chain (1) or
-- not (0). Without it, a recipient acknowledges on-chain only when a payment waits on its
-- acknowledgement, so that the chain does not show who is in which group.
ALTER TABLE messages ADD COLUMN proof_of_receipt BIGINT NOT NULL DEFAULT 0;
