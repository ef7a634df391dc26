//! Pins by author, and pins that copy another node's batch. The chain keys pins by (author node, batch id), so a
//! rival may pin a copy of a pending pin (its id, hash and contexts), even before the author's.
//! The batch hash covers the payload's id and author: once a payload verifies against one pin,
//! every other pin of that hash is a copy, never released and holding nothing back
//! (`Store::record_block` marks a copy seen after the release; the matcher the others).

use super::{PinRow, Result, Store};
use crate::types::{BatchId, NodeId};
use sqlx::Row;

impl Store {
	/// The state of a pin of `batch_id` (`released` if any pin of that id was released), if
	/// this node saw one: for a payload, which names its batch by id only.
	pub async fn pin_state(&self, batch_id: &BatchId) -> Result<Option<String>> {
		Ok(sqlx::query(
			"SELECT state FROM pins WHERE batch_id = $1 ORDER BY CASE state WHEN 'released' THEN 0 ELSE 1 END LIMIT 1",
		)
		.bind(hex::encode(batch_id))
		.fetch_optional(self.reads())
		.await?
		.map(|r| r.try_get("state"))
		.transpose()?)
	}

	/// The state of `author`'s own pin of `batch_id`, if this node saw it (another node's pin of
	/// the same id is not it).
	pub async fn pin_state_of(&self, author: NodeId, batch_id: &BatchId) -> Result<Option<String>> {
		Ok(sqlx::query("SELECT state FROM pins WHERE batch_id = $1 AND author = $2")
			.bind(hex::encode(batch_id))
			.bind(author as i64)
			.fetch_optional(self.reads())
			.await?
			.map(|r| r.try_get("state"))
			.transpose()?)
	}

	/// Marks `pin` as a copy of another node's batch (`reason` says whose).
	pub async fn mark_copy(&self, pin: &PinRow, reason: &str) -> Result<()> {
		sqlx::query(
			"UPDATE pins SET state = 'copied', detail = $1 WHERE batch_id = $2 AND author = $3 AND state = 'pending'",
		)
		.bind(reason)
		.bind(hex::encode(pin.batch_id))
		.bind(pin.author as i64)
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// Marks every pending pin of `batch_hash` other than `pin` as a copy of it: `pin`'s payload
	/// was verified against that hash, and the hash covers the batch's id and author, so no
	/// other pin of it can ever be matched. Returns how many.
	pub async fn mark_copies(&self, pin: &PinRow) -> Result<u64> {
		Ok(sqlx::query(
			"UPDATE pins SET state = 'copied', detail = $1 WHERE batch_hash = $2 AND state = 'pending' AND NOT (batch_id = $3 AND author = $4)",
		)
		.bind(format!(
			"a copy of batch {} pinned by node {}",
			hex::encode(pin.batch_id),
			pin.author
		))
		.bind(hex::encode(pin.batch_hash))
		.bind(hex::encode(pin.batch_id))
		.bind(pin.author as i64)
		.execute(self.pool())
		.await?
		.rows_affected())
	}
}
