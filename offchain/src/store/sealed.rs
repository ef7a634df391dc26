//! Sealed payloads received for batches (files under the payloads folder, with a row each),
//! kept until their batch is released or rejected.

use super::{json_col, Result, Store};
use crate::types::{now_ms, BatchId, Hash, NodeId};
use sqlx::Row;

impl Store {
	/// Stores a sealed payload received from `sender` (idempotent: the first copy stays, with its
	/// sender). Returns whether it was new. The check, the file and the row are one step with
	/// respect to other stores and discards.
	pub async fn store_sealed(
		&self,
		batch_id: &BatchId,
		sender: NodeId,
		claimed_hash: &Hash,
		sealed: &[u8],
	) -> Result<bool> {
		let _writing = self.sealed_writes.lock().await;
		let batch_hex = hex::encode(batch_id);
		let known = sqlx::query("SELECT batch_id FROM sealed WHERE batch_id = $1")
			.bind(&batch_hex)
			.fetch_optional(self.reads())
			.await?
			.is_some();
		if known {
			return Ok(false);
		}
		self.write_payload_file(batch_id, sealed)?;
		sqlx::query(
			"INSERT INTO sealed (batch_id, sender, claimed_hash, received, size) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id) DO NOTHING",
		)
		.bind(&batch_hex)
		.bind(sender as i64)
		.bind(hex::encode(claimed_hash))
		.bind(now_ms())
		.bind(sealed.len() as i64)
		.execute(self.pool())
		.await?;
		Ok(true)
	}

	/// Forgets a sealed payload that did not verify and did not come from the batch's author (so
	/// it proves nothing against the author); the batch is then fetched again.
	pub async fn discard_sealed(&self, batch_id: &BatchId) -> Result<()> {
		let _writing = self.sealed_writes.lock().await;
		sqlx::query("DELETE FROM sealed WHERE batch_id = $1")
			.bind(hex::encode(batch_id))
			.execute(self.pool())
			.await?;
		let _ = std::fs::remove_file(self.payload_path(batch_id));
		Ok(())
	}

	/// The bytes of sealed payloads that `sender` delivered here for batches with no pin seen
	/// yet. A delivery that would take it past the node's bound is refused (busy: the sender
	/// tries again once its pins land).
	pub async fn unpinned_sealed_bytes(&self, sender: NodeId) -> Result<i64> {
		let row = sqlx::query(
			"SELECT CAST(COALESCE(SUM(s.size), 0) AS BIGINT) AS bytes FROM sealed s WHERE s.sender = $1 AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.batch_id = s.batch_id)",
		)
		.bind(sender as i64)
		.fetch_one(self.reads())
		.await?;
		Ok(row.try_get::<i64, _>("bytes")?)
	}

	/// Forgets sealed payloads received before `before` (ms since the epoch) for batches that
	/// were never pinned and that this node did not author: a batch whose pin never comes is
	/// never released, so its payload would otherwise stay on disk for good. Returns how many.
	pub async fn collect_unpinned_sealed(&self, before: i64) -> Result<usize> {
		let _writing = self.sealed_writes.lock().await;
		let rows = sqlx::query(
			"SELECT s.batch_id FROM sealed s WHERE s.received < $1 AND NOT EXISTS (SELECT 1 FROM pins p WHERE p.batch_id = s.batch_id) AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = s.batch_id)",
		)
		.bind(before)
		.fetch_all(self.reads())
		.await?;
		let mut collected = 0;
		for row in rows {
			let batch_hex: String = row.try_get("batch_id")?;
			let Some(batch_id) =
				hex::decode(&batch_hex).ok().and_then(|b| BatchId::try_from(b).ok())
			else {
				continue;
			};
			sqlx::query("DELETE FROM sealed WHERE batch_id = $1")
				.bind(&batch_hex)
				.execute(self.pool())
				.await?;
			let _ = std::fs::remove_file(self.payload_path(&batch_id));
			collected += 1;
		}
		Ok(collected)
	}

	/// The sealed payload stored for `batch_id`, if any.
	pub async fn sealed(&self, batch_id: &BatchId) -> Result<Option<Vec<u8>>> {
		let known = sqlx::query("SELECT batch_id FROM sealed WHERE batch_id = $1")
			.bind(hex::encode(batch_id))
			.fetch_optional(self.reads())
			.await?
			.is_some();
		if !known {
			return Ok(None);
		}
		self.read_payload_file(batch_id)
	}

	/// Who may fetch batch `batch_id` from this node, as far as the store tells without opening
	/// its payload: the members of the group of a private batch whose messages this node holds
	/// (one it authored or released), or `None` (a broadcast, or messages it does not hold).
	pub async fn batch_readers(&self, batch_id: &BatchId) -> Result<Option<Vec<NodeId>>> {
		let row = sqlx::query(
			"SELECT g.members FROM messages m JOIN groups g ON g.id = m.group_id WHERE m.batch_id = $1 LIMIT 1",
		)
		.bind(hex::encode(batch_id))
		.fetch_optional(self.reads())
		.await?;
		row.map(|row| json_col(&row, "members")).transpose()
	}
}
