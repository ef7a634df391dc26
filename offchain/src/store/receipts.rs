//! Batches this node authored: what it recorded of each, and the signed receipts of their
//! deliveries, kept per batch with the sender.

use super::{json_col, Result, Store, StoreError};
use crate::{
	envelope::Receipt,
	types::{now_ms, BatchId, NodeId},
};
use sqlx::Row;

/// A recipient's signed receipt of a batch, as its author keeps it: the recipient's node key
/// signed (batch id, batch hash, node DID) under the receipt domain tag (`envelope::Receipt`),
/// so that anyone who knows the node's registered account can check it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReceiptRecord {
	/// The recipient's node DID.
	pub node: String,
	/// The batch hash it received (hex).
	pub batch_hash: String,
	/// Its sr25519 signature (hex).
	pub signature: String,
	/// When this node stored it (ms since the epoch).
	pub received: i64,
}

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

	/// The signed receipts the recipients of `batch_id` returned, by node DID.
	pub async fn receipt_records(&self, batch_id: &BatchId) -> Result<Vec<ReceiptRecord>> {
		let rows = sqlx::query(
			"SELECT node_did, batch_hash, signature, received FROM receipts WHERE batch_id = $1 ORDER BY node_did",
		)
		.bind(hex::encode(batch_id))
		.fetch_all(self.reads())
		.await?;
		rows.iter()
			.map(|r| {
				Ok(ReceiptRecord {
					node: r.try_get("node_did")?,
					batch_hash: r.try_get("batch_hash")?,
					signature: r.try_get("signature")?,
					received: r.try_get("received")?,
				})
			})
			.collect()
	}

	/// For a batch this node authored: the block its pin landed in (`None` while not pinned).
	/// `None` if this node did not author `batch_id`.
	pub async fn authored_pin_block(&self, batch_id: &BatchId) -> Result<Option<Option<u64>>> {
		let row = sqlx::query("SELECT pinned_block FROM batches WHERE id = $1")
			.bind(hex::encode(batch_id))
			.fetch_optional(self.reads())
			.await?;
		row.map(|r| Ok(r.try_get::<Option<i64>, _>("pinned_block")?.map(|b| b as u64))).transpose()
	}

	/// What this node recorded about a batch it authored: (hash, contexts, recipients, namespace).
	pub async fn authored_batch(
		&self,
		batch_id: &BatchId,
	) -> Result<Option<(crate::types::Hash, Vec<crate::types::Hash>, Vec<NodeId>, String)>> {
		let row =
			sqlx::query("SELECT hash, contexts, recipients, namespace FROM batches WHERE id = $1")
				.bind(hex::encode(batch_id))
				.fetch_optional(self.reads())
				.await?;
		let Some(row) = row else { return Ok(None) };
		let contexts: Vec<String> = json_col(&row, "contexts")?;
		let contexts = contexts
			.iter()
			.map(|c| hex::decode(c).ok().and_then(|b| b.try_into().ok()))
			.collect::<Option<Vec<_>>>()
			.ok_or(StoreError::Corrupt("contexts"))?;
		Ok(Some((
			super::hash_col(&row, "hash")?,
			contexts,
			json_col(&row, "recipients")?,
			row.try_get("namespace")?,
		)))
	}
}
