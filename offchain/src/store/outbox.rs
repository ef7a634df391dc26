//! The durable outbox: every delivery, pin and group announcement is a row that survives
//! restarts and is retried with backoff until it succeeds. A pin that fails on-chain is final
//! (`failed`, with the chain's error; see `Store::settle_pin_outcomes`), and so are the deliveries of its
//! batch (`cancelled`).

use super::{Result, Store, StoreError};
use crate::types::{now_ms, BatchId, NodeId};
use sqlx::Row;

/// What an outbox operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxKind {
	/// Seal a batch to one recipient and send it; done on a valid signed receipt.
	Deliver,
	/// Submit the batch's pin; done when the pin is seen on-chain.
	Pin,
	/// Seal a group (with its secret) to one member and send it.
	AnnounceGroup,
}

impl OutboxKind {
	fn as_str(&self) -> &'static str {
		match self {
			OutboxKind::Deliver => "deliver",
			OutboxKind::Pin => "pin",
			OutboxKind::AnnounceGroup => "announce_group",
		}
	}

	fn parse(s: &str) -> Option<Self> {
		Some(match s {
			"deliver" => OutboxKind::Deliver,
			"pin" => OutboxKind::Pin,
			"announce_group" => OutboxKind::AnnounceGroup,
			_ => return None,
		})
	}
}

/// What asking to retry an operation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryOutcome {
	/// It is pending and due now.
	Retried,
	/// There is no such operation.
	NotFound,
	/// It cannot run again, for this reason (a pin that failed on-chain, a cancelled delivery).
	Final(String),
}

/// One pending outbox operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxOp {
	/// Its id.
	pub id: String,
	/// What it does.
	pub kind: OutboxKind,
	/// The batch it concerns.
	pub batch_id: Option<BatchId>,
	/// The group it concerns.
	pub group_id: Option<[u8; 16]>,
	/// The node it goes to.
	pub target: Option<NodeId>,
	/// How many attempts failed so far.
	pub attempts: u32,
}

/// Queues an operation, `seq` (from `Store::next_local_seq`) placing it in the order of work.
pub(crate) async fn insert_op(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	seq: i64,
	kind: OutboxKind,
	batch_id: Option<&BatchId>,
	group_id: Option<&[u8; 16]>,
	target: Option<NodeId>,
) -> Result<()> {
	let id: [u8; 16] = super::new_uuid();
	let now = now_ms();
	sqlx::query(
		"INSERT INTO outbox (id, kind, batch_id, group_id, target, state, attempts, next_attempt, created, updated, seq) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6, $7)",
	)
	.bind(hex::encode(id))
	.bind(kind.as_str())
	.bind(batch_id.map(hex::encode))
	.bind(group_id.map(hex::encode))
	.bind(target.map(|t| t as i64))
	.bind(now)
	.bind(seq)
	.execute(&mut **tx)
	.await?;
	Ok(())
}

fn decode_id<const N: usize>(
	value: Option<String>,
	column: &'static str,
) -> Result<Option<[u8; N]>> {
	value
		.map(|v| {
			hex::decode(v).ok().and_then(|b| b.try_into().ok()).ok_or(StoreError::Corrupt(column))
		})
		.transpose()
}

/// An outbox operation from its row.
fn op_of_row(r: &sqlx::any::AnyRow) -> Result<OutboxOp> {
	Ok(OutboxOp {
		id: r.try_get("id")?,
		kind: OutboxKind::parse(&r.try_get::<String, _>("kind")?)
			.ok_or(StoreError::Corrupt("kind"))?,
		batch_id: decode_id(r.try_get("batch_id")?, "batch_id")?,
		group_id: decode_id(r.try_get("group_id")?, "group_id")?,
		target: r.try_get::<Option<i64>, _>("target")?.map(|t| t as NodeId),
		attempts: r.try_get::<i64, _>("attempts")? as u32,
	})
}

impl Store {
	/// Pending operations due now, in the order they were made: up to `limit` deliveries and
	/// announcements, then up to `limit` pins. Pins are counted apart: a pin held back behind
	/// one in doubt stays due, and hundreds of them (after a partition or a restart) would
	/// otherwise fill every pass and starve the deliveries queued after them.
	pub async fn due_ops(&self, limit: i64) -> Result<Vec<OutboxOp>> {
		let mut ops = self.due_ops_of(false, limit).await?;
		ops.extend(self.due_ops_of(true, limit).await?);
		Ok(ops)
	}

	/// Up to `limit` due pin operations (`pins`) or other operations, in the order they were
	/// made.
	async fn due_ops_of(&self, pins: bool, limit: i64) -> Result<Vec<OutboxOp>> {
		let kind = if pins { "kind = 'pin'" } else { "kind <> 'pin'" };
		let rows = sqlx::query(&format!(
			"SELECT id, kind, batch_id, group_id, target, attempts FROM outbox WHERE state = 'pending' AND next_attempt <= $1 AND {kind} ORDER BY seq LIMIT $2",
		))
		.bind(now_ms())
		.bind(limit)
		.fetch_all(self.reads())
		.await?;
		rows.iter().map(op_of_row).collect()
	}

	/// The open pin operations, in the order their batches were made (at most `limit`).
	pub async fn open_pins(&self, limit: i64) -> Result<Vec<OutboxOp>> {
		let rows = sqlx::query(
			"SELECT id, kind, batch_id, group_id, target, attempts FROM outbox WHERE kind = 'pin' AND state = 'pending' ORDER BY seq LIMIT $1",
		)
		.bind(limit)
		.fetch_all(self.reads())
		.await?;
		rows.iter().map(op_of_row).collect()
	}

	/// Makes every open pin operation due now: after a restart no pin submitted before it is
	/// known to be in the transaction pool any more, so each is submitted again, in order.
	pub async fn pins_due_now(&self) -> Result<()> {
		sqlx::query("UPDATE outbox SET next_attempt = $1 WHERE kind = 'pin' AND state = 'pending'")
			.bind(now_ms())
			.execute(self.pool())
			.await?;
		Ok(())
	}

	/// When the earliest pending operation is due (ms since the epoch).
	pub async fn next_due(&self) -> Result<Option<i64>> {
		Ok(sqlx::query("SELECT MIN(next_attempt) AS due FROM outbox WHERE state = 'pending'")
			.fetch_one(self.reads())
			.await?
			.try_get("due")?)
	}

	/// Marks an operation done.
	pub async fn complete_op(&self, id: &str) -> Result<()> {
		sqlx::query(
			"UPDATE outbox SET state = 'done', last_error = NULL, updated = $1 WHERE id = $2",
		)
		.bind(now_ms())
		.bind(id)
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// Marks an operation failed: it waits until it is retried by id (or its recipient
	/// reconnects).
	pub async fn fail_op(&self, id: &str, attempts: u32, error: &str) -> Result<()> {
		sqlx::query(
			"UPDATE outbox SET state = 'failed', attempts = $1, last_error = $2, updated = $3 WHERE id = $4",
		)
		.bind(attempts as i64)
		.bind(error)
		.bind(now_ms())
		.bind(id)
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// Records a failed attempt and when to try again. Pin operations are never given up: a pin
	/// is also retried after it was submitted, until it is seen on-chain.
	pub async fn retry_op(
		&self,
		id: &str,
		attempts: u32,
		next_attempt: i64,
		error: &str,
	) -> Result<()> {
		sqlx::query(
			"UPDATE outbox SET attempts = $1, next_attempt = $2, last_error = $3, updated = $4 WHERE id = $5 AND state = 'pending'",
		)
		.bind(attempts as i64)
		.bind(next_attempt)
		.bind(error)
		.bind(now_ms())
		.bind(id)
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// Makes every pending (or failed) operation for `target` due now (it just came back
	/// online).
	pub async fn wake_ops_for(&self, target: NodeId) -> Result<u64> {
		Ok(sqlx::query(
			"UPDATE outbox SET next_attempt = $1, state = 'pending' WHERE state IN ('pending', 'failed') AND target = $2 AND (next_attempt > $1 OR state = 'failed')",
		)
		.bind(now_ms())
		.bind(target as i64)
		.execute(self.pool())
		.await?
		.rows_affected())
	}

	/// Makes operation `id` pending and due now, its attempts reset, unless it is final: a
	/// delivery cancelled because its batch's pin failed, or that pin itself (its messages were
	/// sent again or rejected already).
	pub async fn retry_op_now(&self, id: &str) -> Result<RetryOutcome> {
		let row = sqlx::query("SELECT kind, state, last_error FROM outbox WHERE id = $1")
			.bind(id)
			.fetch_optional(self.reads())
			.await?;
		let Some(row) = row else { return Ok(RetryOutcome::NotFound) };
		let kind: String = row.try_get("kind")?;
		let state: String = row.try_get("state")?;
		if state == "cancelled" || (kind == "pin" && state == "failed") {
			let error: Option<String> = row.try_get("last_error")?;
			return Ok(RetryOutcome::Final(error.unwrap_or(state)));
		}
		sqlx::query("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt = $1, updated = $1 WHERE id = $2")
			.bind(now_ms())
			.bind(id)
			.execute(self.pool())
			.await?;
		Ok(RetryOutcome::Retried)
	}

	/// Counts pending operations of each kind, for status and tests.
	pub async fn pending_op_count(&self) -> Result<i64> {
		Ok(sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'")
			.fetch_one(self.reads())
			.await?
			.try_get("n")?)
	}
}
