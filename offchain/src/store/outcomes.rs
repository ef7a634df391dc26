//! The chain's word on this node's own pins, passed from the room that records blocks
//! ([`crate::confirm`]) to the room that owns this node's batches and pin operations
//! ([`crate::pin`]), through the table `pin_outcomes`. Recording a block notes each of this
//! node's pins that landed or failed in it ([`note`], in the block's transaction); the pin room
//! settles them ([`Store::settle_pin_outcomes`]): a landed pin marks its batch and messages
//! pinned and its operation done; a failed one fails its operation with the chain's error and
//! sends its messages again or rejects them ([`resend_after`]). A crash between the two loses
//! nothing: the notes wait in the table.

use super::{NewEvent, Result, Store};
use crate::types::{now_ms, BatchId, Hash};
use sqlx::Row;

/// How many times a message is sent again after its batch's pin failed on-chain (with an error
/// that a new batch avoids) before it is rejected.
pub const MAX_PIN_FAILURES: i64 = 3;

/// Whether a message whose pin failed on-chain with `error` is sent again in a new batch (new
/// id, new nonces, cut to the chain's bounds): yes where a new batch avoids the error, no for any
/// other error, which the same call would meet again.
pub fn resend_after(error: &str) -> bool {
	matches!(
		error,
		"Pins.TooManyContexts" | "Pins.BatchAlreadyPinned" | "Pins.BatchHashAlreadyPinned"
	)
}

/// What settling this node's pin outcomes did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
	/// Own batches marked pinned.
	pub landed: usize,
	/// Own batches whose pin failed on-chain (their messages are pending again or rejected).
	pub failed: usize,
}

/// One noted outcome.
struct Outcome {
	block: u64,
	batch_id: String,
	batch_hash: String,
}

/// Notes, in the transaction recording block `block`, that this node's pin of `batch_id` landed
/// (`error` `None`) or failed with `error`. `position` orders the notes of one block.
pub(super) async fn note(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	block: u64,
	position: &mut i64,
	batch_id: BatchId,
	batch_hash: Hash,
	error: Option<&str>,
) -> Result<()> {
	sqlx::query(
		"INSERT INTO pin_outcomes (block, position, batch_id, batch_hash, error) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (block, position) DO NOTHING",
	)
	.bind(block as i64)
	.bind(*position)
	.bind(hex::encode(batch_id))
	.bind(hex::encode(batch_hash))
	.bind(error)
	.execute(&mut **tx)
	.await?;
	*position += 1;
	Ok(())
}

/// Most outcomes settled in one transaction.
const SETTLE_AT_ONCE: i64 = 512;

impl Store {
	/// Settles the noted outcomes of this node's own pins, oldest first, each at most once: a
	/// landed pin marks its batch (and its messages) pinned and its operation done; a failed
	/// one fails its operation with the chain's error, cancels its deliveries, and sends its
	/// messages again or rejects them (writing `operation_failed`, and `message_rejected` if
	/// any were rejected). Only the pin room calls this.
	pub async fn settle_pin_outcomes(&self) -> Result<Settled> {
		let mut settled = Settled::default();
		loop {
			let mut tx = self.pool().begin().await?;
			let rows = sqlx::query(
				"SELECT block, position, batch_id, batch_hash, error FROM pin_outcomes ORDER BY block, position LIMIT $1",
			)
			.bind(SETTLE_AT_ONCE)
			.fetch_all(&mut *tx)
			.await?;
			if rows.is_empty() {
				return Ok(settled);
			}
			for row in &rows {
				let outcome = Outcome {
					block: row.try_get::<i64, _>("block")? as u64,
					batch_id: row.try_get("batch_id")?,
					batch_hash: row.try_get("batch_hash")?,
				};
				match row.try_get::<Option<String>, _>("error")? {
					None => settled.landed += land_own_pin(&mut tx, &outcome).await? as usize,
					Some(error) => {
						settled.failed += fail_own_pin(&mut tx, &outcome, &error).await? as usize
					}
				}
				sqlx::query("DELETE FROM pin_outcomes WHERE block = $1 AND position = $2")
					.bind(outcome.block as i64)
					.bind(row.try_get::<i64, _>("position")?)
					.execute(&mut *tx)
					.await?;
			}
			tx.commit().await?;
		}
	}

	/// Whether the chain's word on this node's pin of `batch_id` waits to be settled (the pin
	/// room submits no pin whose outcome is known).
	pub async fn pin_outcome_waiting(&self, batch_id: &BatchId) -> Result<bool> {
		Ok(sqlx::query("SELECT 1 FROM pin_outcomes WHERE batch_id = $1")
			.bind(hex::encode(batch_id))
			.fetch_optional(self.reads())
			.await?
			.is_some())
	}
}

/// This node's own pin of a batch landed: the batch (with that hash) is pinned in its block, its
/// messages are pinned, and its pin operation is done. True if the batch is this node's.
async fn land_own_pin(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	outcome: &Outcome,
) -> Result<bool> {
	let authored = sqlx::query("UPDATE batches SET pinned_block = $1 WHERE id = $2 AND hash = $3")
		.bind(outcome.block as i64)
		.bind(&outcome.batch_id)
		.bind(&outcome.batch_hash)
		.execute(&mut **tx)
		.await?
		.rows_affected();
	if authored == 0 {
		return Ok(false);
	}
	sqlx::query("UPDATE messages SET state = 'pinned' WHERE batch_id = $1 AND state = 'sent'")
		.bind(&outcome.batch_id)
		.execute(&mut **tx)
		.await?;
	sqlx::query(
		"UPDATE outbox SET state = 'done', updated = $1 WHERE kind = 'pin' AND batch_id = $2",
	)
	.bind(now_ms())
	.bind(&outcome.batch_id)
	.execute(&mut **tx)
	.await?;
	Ok(true)
}

/// This node's own pin of a batch failed on-chain: its pin operation fails with the
/// chain's error, its deliveries are cancelled (that batch will never be pinned), and its
/// messages are sent again in a new batch where [`resend_after`] says a new batch avoids the
/// error (at most [`MAX_PIN_FAILURES`] times each), or rejected with the error. Writes
/// `operation_failed`, and `message_rejected` if any were rejected. Does nothing unless the
/// batch is this node's, with that hash, neither pinned nor failed yet.
async fn fail_own_pin(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	outcome: &Outcome,
	error: &str,
) -> Result<bool> {
	let batch_hex = &outcome.batch_id;
	let block = outcome.block;
	let marked = sqlx::query(
		"UPDATE batches SET failed = $1 WHERE id = $2 AND hash = $3 AND pinned_block IS NULL AND failed IS NULL",
	)
	.bind(error)
	.bind(batch_hex)
	.bind(&outcome.batch_hash)
	.execute(&mut **tx)
	.await?
	.rows_affected();
	if marked == 0 {
		return Ok(false);
	}
	let namespace: String = sqlx::query("SELECT namespace FROM batches WHERE id = $1")
		.bind(batch_hex)
		.fetch_one(&mut **tx)
		.await?
		.try_get("namespace")?;
	let operation: Option<String> =
		sqlx::query("SELECT id FROM outbox WHERE kind = 'pin' AND batch_id = $1")
			.bind(batch_hex)
			.fetch_optional(&mut **tx)
			.await?
			.map(|r| r.try_get("id"))
			.transpose()?;
	let now = now_ms();
	sqlx::query("UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = $1, updated = $2 WHERE kind = 'pin' AND batch_id = $3")
		.bind(format!("the pin failed on-chain: {error}"))
		.bind(now)
		.bind(batch_hex)
		.execute(&mut **tx)
		.await?;
	sqlx::query("UPDATE outbox SET state = 'cancelled', last_error = $1, updated = $2 WHERE kind = 'deliver' AND batch_id = $3 AND state IN ('pending', 'failed')")
		.bind(format!("the batch's pin failed on-chain: {error}"))
		.bind(now)
		.bind(batch_hex)
		.execute(&mut **tx)
		.await?;
	let resent: Vec<String> = if resend_after(error) {
		let ids: Vec<String> = sqlx::query(
			"SELECT id FROM messages WHERE batch_id = $1 AND pin_failures + 1 < $2 ORDER BY accept_seq",
		)
		.bind(batch_hex)
		.bind(MAX_PIN_FAILURES)
		.fetch_all(&mut **tx)
		.await?
		.iter()
		.map(|r| r.try_get("id"))
		.collect::<std::result::Result<_, _>>()?;
		sqlx::query("UPDATE messages SET state = 'pending', batch_id = NULL, pin_failures = pin_failures + 1 WHERE batch_id = $1 AND pin_failures + 1 < $2")
			.bind(batch_hex)
			.bind(MAX_PIN_FAILURES)
			.execute(&mut **tx)
			.await?;
		ids
	} else {
		Vec::new()
	};
	let reason = format!("its pin failed on-chain: {error}");
	let rejected: Vec<String> =
		sqlx::query("SELECT id FROM messages WHERE batch_id = $1 ORDER BY accept_seq")
			.bind(batch_hex)
			.fetch_all(&mut **tx)
			.await?
			.iter()
			.map(|r| r.try_get("id"))
			.collect::<std::result::Result<_, _>>()?;
	sqlx::query("UPDATE messages SET state = 'rejected', error = $1, pin_failures = pin_failures + 1 WHERE batch_id = $2")
		.bind(&reason)
		.bind(batch_hex)
		.execute(&mut **tx)
		.await?;
	log::warn!(
		target: "parley",
		"the pin of batch {batch_hex} failed on-chain in block #{block}: {error}; {} message(s) sent again, {} rejected",
		resent.len(),
		rejected.len()
	);
	let detail = serde_json::json!({
		"operation": operation,
		"kind": "pin",
		"batch": batch_hex,
		"error": error,
		"block": block,
		"resent": resent,
		"rejected": rejected,
	});
	Store::append_event(
		tx,
		&NewEvent {
			kind: "operation_failed",
			namespace: &namespace,
			reference: operation.as_deref().unwrap_or(batch_hex),
			detail: Some(&detail),
			..Default::default()
		},
	)
	.await?;
	if !rejected.is_empty() {
		let detail =
			serde_json::json!({ "batch": batch_hex, "reason": reason, "messages": rejected });
		Store::append_event(
			tx,
			&NewEvent {
				kind: "message_rejected",
				namespace: &namespace,
				reference: batch_hex,
				detail: Some(&detail),
				..Default::default()
			},
		)
		.await?;
	}
	Ok(true)
}
