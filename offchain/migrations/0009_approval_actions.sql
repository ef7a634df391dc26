-- What each approval row records: `approve` (an item approved, or an amount added to an
-- allowance), `set` (an allowance set to exactly the amount; 0 withdraws it) or `revoke` (an
-- item's approval withdrawn). Rows from before were all approvals.
ALTER TABLE token_approvals ADD COLUMN action TEXT NOT NULL DEFAULT 'approve';
