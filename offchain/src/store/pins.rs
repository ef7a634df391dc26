//! Pins seen on-chain, recorded block by block in order (with the tokens pallet's events and
//! failed pins of the same block), and what the matcher needs to decide on them: pending pins,
//! expected nonces, tracked contexts, blocked reports. Releasing a batch is in [`super::release`].

use super::{hash_col, id_col, json_col, NewEvent, Result, Store, StoreError};
use crate::{
	chain::ChainBlock,
	types::{now_ms, BatchId, Hash, NodeId},
};
use sqlx::Row;

/// Where a pin is at this node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinState {
	/// Waiting for its payload, or for earlier pins on its contexts.
	Pending,
	/// Its messages were released.
	Released,
	/// Its payload failed verification; its messages were never released.
	Rejected,
	/// Its author says this node is not a recipient.
	NotForUs,
	/// A copy: its hash names a payload of another author or batch id (a rival's copy of a
	/// pending pin). Never released, and it holds nothing back.
	Copied,
}

impl PinState {
	fn as_str(&self) -> &'static str {
		match self {
			PinState::Pending => "pending",
			PinState::Released => "released",
			PinState::Rejected => "rejected",
			PinState::NotForUs => "not_for_us",
			PinState::Copied => "copied",
		}
	}
}

/// A pin as the aggregator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinRow {
	/// Batch id.
	pub batch_id: BatchId,
	/// Block it was pinned in.
	pub block: u64,
	/// Event index in that block.
	pub event_index: u32,
	/// Namespace.
	pub namespace: String,
	/// Pinning node.
	pub author: NodeId,
	/// Pinned hash.
	pub batch_hash: Hash,
	/// Pinned contexts.
	pub contexts: Vec<Hash>,
	/// Who sent the sealed payload stored here for it, if any.
	pub payload_from: Option<NodeId>,
	/// How many times its payload was asked for again.
	pub fetch_attempts: u32,
	/// When to ask again (ms since the epoch).
	pub next_fetch: i64,
	/// When this node recorded the pin (ms since the epoch).
	pub seen: i64,
	/// Whether a `context_blocked` event already reported it.
	pub blocked_reported: bool,
}

/// What recording a block needs to know beyond the block itself.
#[derive(Clone, Debug, Default)]
pub struct Recording {
	/// A pin without a payload is first asked for again this long (ms) after it is recorded.
	pub fetch_after_ms: i64,
	/// This node's identity in force, if any: its own failed pins are settled here.
	pub me: Option<NodeId>,
	/// The node identity of each failed pin's signer, in the order of `block.failed_pins`
	/// (`None`: the signer is no node, so its failure names no contexts anyone waits for).
	pub failed_pin_authors: Vec<Option<NodeId>>,
}

impl Store {
	/// Records one block's pins, failed pins and acknowledgements and moves the cursor,
	/// atomically. A failed pin voids the contexts it named for its signer (unless the signer
	/// pinned that batch id: then it was a resubmitted duplicate). What the block says of this
	/// node's own pins (landed, or failed with the chain's error) is written for the pin room
	/// to settle ([`Store::settle_pin_outcomes`]): recording a block writes none of the sender's
	/// own state.
	pub async fn record_block(&self, block: &ChainBlock, recording: &Recording) -> Result<()> {
		let fetch_after_ms = recording.fetch_after_ms;
		let mut tx = self.pool().begin().await?;
		let mut position = 0;
		for pin in &block.pins {
			let batch_hex = hex::encode(pin.batch_id);
			let contexts: Vec<String> = pin.contexts.iter().map(hex::encode).collect();
			sqlx::query(
				"INSERT INTO pins (batch_id, block, event_index, namespace, sequence, author, batch_hash, contexts, state, next_fetch, seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10) ON CONFLICT (batch_id, author) DO NOTHING",
			)
			.bind(&batch_hex)
			.bind(pin.block as i64)
			.bind(pin.event_index as i64)
			.bind(&pin.namespace)
			.bind(pin.sequence as i64)
			.bind(pin.author as i64)
			.bind(hex::encode(pin.batch_hash))
			.bind(serde_json::to_string(&contexts).expect("strings serialize"))
			.bind(now_ms() + fetch_after_ms)
			.bind(now_ms())
			.execute(&mut *tx)
			.await?;
			// A pin of a hash this node already released under another pin can only be a copy
			// (the hash covers the batch's id and author): it waits for nothing.
			sqlx::query(
				"UPDATE pins SET state = 'copied', detail = 'a copy: its hash was released under another pin' WHERE batch_id = $1 AND author = $2 AND state = 'pending' AND EXISTS (SELECT 1 FROM pins o WHERE o.batch_hash = $3 AND o.state = 'released' AND NOT (o.batch_id = $1 AND o.author = $2))",
			)
			.bind(&batch_hex)
			.bind(pin.author as i64)
			.bind(hex::encode(pin.batch_hash))
			.execute(&mut *tx)
			.await?;
			// This node's own batch is pinned only by its own pin: another node's copy of it
			// (same id and hash) is not. The pin room settles it (`pin_outcomes`).
			if recording.me == Some(pin.author) {
				super::outcomes::note(
					&mut tx,
					block.number,
					&mut position,
					pin.batch_id,
					pin.batch_hash,
					None,
				)
				.await?;
			}
		}
		for (failed, author) in block.failed_pins.iter().zip(&recording.failed_pin_authors) {
			let Some(author) = *author else { continue };
			let batch_hex = hex::encode(failed.batch_id);
			let landed =
				sqlx::query("SELECT batch_id FROM pins WHERE batch_id = $1 AND author = $2")
					.bind(&batch_hex)
					.bind(author as i64)
					.fetch_optional(&mut *tx)
					.await?
					.is_some();
			if landed {
				continue;
			}
			for context in &failed.contexts {
				sqlx::query(
					"INSERT INTO void_contexts (author, context, batch_id, block, error) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (author, context) DO NOTHING",
				)
				.bind(author as i64)
				.bind(hex::encode(context))
				.bind(&batch_hex)
				.bind(block.number as i64)
				.bind(&failed.error)
				.execute(&mut *tx)
				.await?;
			}
			if recording.me == Some(author) {
				super::outcomes::note(
					&mut tx,
					block.number,
					&mut position,
					failed.batch_id,
					failed.batch_hash,
					Some(&failed.error),
				)
				.await?;
			}
		}
		for (hash, node) in &block.acknowledgements {
			let hash_hex = hex::encode(hash);
			let batch: Option<String> = sqlx::query("SELECT id FROM batches WHERE hash = $1")
				.bind(&hash_hex)
				.fetch_optional(&mut *tx)
				.await?
				.map(|r| r.try_get("id"))
				.transpose()?;
			if let Some(batch) = batch {
				let namespace: String = sqlx::query("SELECT namespace FROM batches WHERE id = $1")
					.bind(&batch)
					.fetch_one(&mut *tx)
					.await?
					.try_get("namespace")?;
				let detail = serde_json::json!({ "batch": batch, "node": node });
				Store::append_event(
					&mut tx,
					&NewEvent {
						kind: "batch_acknowledged",
						namespace: &namespace,
						reference: &batch,
						detail: Some(&detail),
						..Default::default()
					},
				)
				.await?;
			}
		}
		super::token_events::record(&mut tx, block).await?;
		sqlx::query(
			"INSERT INTO chain_cursor (id, block, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET block = $1, hash = $2",
		)
		.bind(block.number as i64)
		.bind(hex::encode(block.hash))
		.execute(&mut *tx)
		.await?;
		tx.commit().await?;
		Ok(())
	}

	/// Every pending pin, in chain order.
	pub async fn pending_pins(&self) -> Result<Vec<PinRow>> {
		let rows = sqlx::query(
			"SELECT p.batch_id, p.block, p.event_index, p.namespace, p.author, p.batch_hash, p.contexts, p.fetch_attempts, p.next_fetch, p.seen, p.blocked_reported, s.sender AS sealed_sender FROM pins p LEFT JOIN sealed s ON s.batch_id = p.batch_id WHERE p.state = 'pending' ORDER BY p.block, p.event_index",
		)
		.fetch_all(self.reads())
		.await?;
		rows.iter()
			.map(|r| {
				let contexts: Vec<String> = json_col(r, "contexts")?;
				Ok(PinRow {
					batch_id: id_col(r, "batch_id")?,
					block: r.try_get::<i64, _>("block")? as u64,
					event_index: r.try_get::<i64, _>("event_index")? as u32,
					namespace: r.try_get("namespace")?,
					author: r.try_get::<i64, _>("author")? as NodeId,
					batch_hash: hash_col(r, "batch_hash")?,
					contexts: contexts
						.iter()
						.map(|c| hex::decode(c).ok().and_then(|b| b.try_into().ok()))
						.collect::<Option<Vec<_>>>()
						.ok_or(StoreError::Corrupt("contexts"))?,
					payload_from: r
						.try_get::<Option<i64>, _>("sealed_sender")?
						.map(|s| s as NodeId),
					fetch_attempts: r.try_get::<i64, _>("fetch_attempts")? as u32,
					next_fetch: r.try_get("next_fetch")?,
					seen: r.try_get("seen")?,
					blocked_reported: r.try_get::<i64, _>("blocked_reported")? != 0,
				})
			})
			.collect()
	}

	/// Schedules the next request for `pin`'s missing payload.
	pub async fn schedule_fetch(&self, pin: &PinRow, attempts: u32, next: i64) -> Result<()> {
		sqlx::query(
			"UPDATE pins SET fetch_attempts = $1, next_fetch = $2 WHERE batch_id = $3 AND author = $4",
		)
		.bind(attempts as i64)
		.bind(next)
		.bind(hex::encode(pin.batch_id))
		.bind(pin.author as i64)
		.execute(self.pool())
		.await?;
		Ok(())
	}

	/// The next nonce expected from `author` on (group, topic).
	pub async fn expected_nonce(
		&self,
		group: &[u8; 16],
		topic: &str,
		author: NodeId,
	) -> Result<u64> {
		Ok(sqlx::query(
			"SELECT next FROM context_nonces WHERE group_id = $1 AND topic = $2 AND author = $3",
		)
		.bind(hex::encode(group))
		.bind(topic)
		.bind(author as i64)
		.fetch_optional(self.reads())
		.await?
		.map(|r| r.try_get::<i64, _>("next"))
		.transpose()?
		.unwrap_or(0) as u64)
	}

	/// Every (group, topic, author DID, next nonce) tracked for `author`, to recognise which of
	/// them a rejected pin was spending.
	pub async fn tracked_contexts(
		&self,
		author: NodeId,
	) -> Result<Vec<([u8; 16], String, String, u64)>> {
		let rows = sqlx::query(
			"SELECT group_id, topic, author_did, next FROM context_nonces WHERE author = $1",
		)
		.bind(author as i64)
		.fetch_all(self.reads())
		.await?;
		rows.iter()
			.map(|r| {
				Ok((
					id_col(r, "group_id")?,
					r.try_get("topic")?,
					r.try_get("author_did")?,
					r.try_get::<i64, _>("next")? as u64,
				))
			})
			.collect()
	}

	/// Marks a pin as reported blocked (so it is reported once) and writes `context_blocked`.
	pub async fn report_blocked(&self, pin: &PinRow, waiting: usize) -> Result<()> {
		let mut tx = self.pool().begin().await?;
		sqlx::query("UPDATE pins SET blocked_reported = 1 WHERE batch_id = $1 AND author = $2")
			.bind(hex::encode(pin.batch_id))
			.bind(pin.author as i64)
			.execute(&mut *tx)
			.await?;
		let contexts: Vec<String> = pin.contexts.iter().map(hex::encode).collect();
		let detail = serde_json::json!({
			"batch": hex::encode(pin.batch_id),
			"contexts": contexts,
			"author": pin.author,
			"waiting": waiting,
			"since": pin.seen,
			"has_payload": pin.payload_from.is_some(),
		});
		Store::append_event(
			&mut tx,
			&NewEvent {
				kind: "context_blocked",
				namespace: &pin.namespace,
				reference: &hex::encode(pin.batch_id),
				detail: Some(&detail),
				..Default::default()
			},
		)
		.await?;
		tx.commit().await?;
		Ok(())
	}

	/// Marks a pin as not meant for this node (its author says so), so it is not asked for again.
	pub async fn mark_not_for_us(&self, pin: &PinRow) -> Result<()> {
		sqlx::query(
			"UPDATE pins SET state = $1 WHERE batch_id = $2 AND author = $3 AND state = 'pending'",
		)
		.bind(PinState::NotForUs.as_str())
		.bind(hex::encode(pin.batch_id))
		.bind(pin.author as i64)
		.execute(self.pool())
		.await?;
		Ok(())
	}
}

pub(super) async fn advance_nonce(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	group_hex: &str,
	topic: &str,
	author: NodeId,
	author_did: &str,
	next: u64,
) -> Result<()> {
	sqlx::query(
		"INSERT INTO context_nonces (group_id, topic, author, author_did, next) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_id, topic, author) DO UPDATE SET next = $5",
	)
	.bind(group_hex)
	.bind(topic)
	.bind(author as i64)
	.bind(author_did)
	.bind(next as i64)
	.execute(&mut **tx)
	.await?;
	Ok(())
}
