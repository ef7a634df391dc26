//! Signed receipts of deliveries, kept per batch with the sender.

use super::{Result, Store};
use crate::{
	envelope::Receipt,
	types::{now_ms, BatchId},
};
use sqlx::Row;

impl Store {
	/// Records a recipient's signed receipt for one of this node's batches.
	pub async fn insert_receipt(&self, receipt: &Receipt) -> Result<()> {
		sqlx::query(
			"INSERT INTO receipts (batch_id, node_did, batch_hash, signature, received) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, node_did) DO NOTHING",
		)
		.bind(hex::encode(receipt.batch_id))
		.bind(&receipt.node_did)
		.bind(hex::encode(receipt.batch_hash))
		.bind(hex::encode(receipt.signature))
		.bind(now_ms())
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// The DIDs of the nodes that returned a receipt for `batch_id`.
	pub async fn receipts(&self, batch_id: &BatchId) -> Result<Vec<String>> {
		let rows =
			sqlx::query("SELECT node_did FROM receipts WHERE batch_id = $1 ORDER BY node_did")
				.bind(hex::encode(batch_id))
				.fetch_all(self.pool())
				.await?;
		rows.iter().map(|r| Ok(r.try_get("node_did")?)).collect()
	}
}
