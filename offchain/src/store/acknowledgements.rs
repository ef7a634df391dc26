//! What decides whether this node acknowledges a batch on-chain (`confirm/acknowledge.rs`):
//! an escrow that waits on its acknowledgement, and whether it released the batch.

use super::{Result, Store};
use crate::types::{Hash, NodeId};

impl Store {
	/// Whether a locked escrow waits on `node`'s acknowledgement of the batch `batch_hash` (a
	/// hash-locked one waits on its key instead).
	pub async fn escrow_waits_on(&self, node: NodeId, batch_hash: &Hash) -> Result<bool> {
		Ok(sqlx::query(
			"SELECT 1 FROM escrows WHERE batch_hash = $1 AND node = $2 AND state = 'locked' AND key_hash IS NULL LIMIT 1",
		)
		.bind(hex::encode(batch_hash))
		.bind(node as i64)
		.fetch_optional(self.reads())
		.await?
		.is_some())
	}

	/// Whether a batch of hash `batch_hash` by a node other than `me` was released here.
	pub async fn released_by_other(&self, batch_hash: &Hash, me: NodeId) -> Result<bool> {
		Ok(sqlx::query(
			"SELECT 1 FROM pins WHERE batch_hash = $1 AND author <> $2 AND state = 'released' LIMIT 1",
		)
		.bind(hex::encode(batch_hash))
		.bind(me as i64)
		.fetch_optional(self.reads())
		.await?
		.is_some())
	}
}
