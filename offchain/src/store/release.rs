//! The release (or rejection) of batches in pin order: a verified batch's messages become
//! `confirmed` in one transaction with their events and the author's nonces; a batch that
//! cannot be released is rejected, and its contexts are voided.

use super::pins::{advance_nonce, PinRow};
use super::{hash_col, json_col, NewEvent, Result, Store, StoreError};
use crate::{
	batch::BatchPayload,
	store::messages::{from_batch_attachment, uuid_string},
	types::{now_ms, Hash, MessageKind, NodeId},
};
use sqlx::Row;

/// A decided release: the messages to confirm, and the nonces it spends.
pub struct Release<'a> {
	/// The opened, verified payload.
	pub payload: &'a BatchPayload,
	/// The pin it matched.
	pub pin: &'a PinRow,
}

impl Store {
	/// Releases a verified batch atomically: its messages become `confirmed` (inserted here if
	/// this node is a receiver) in order, each with a `message_confirmed` event; the author's
	/// nonces on its (group, topic)s advance; the pin becomes `released`. Does nothing if the pin
	/// is no longer pending, so a release never happens twice.
	pub async fn release(&self, release: Release<'_>) -> Result<Vec<String>> {
		let Release { payload, pin } = release;
		let mut tx = self.pool().begin().await?;
		let batch_hex = hex::encode(pin.batch_id);
		let claimed = sqlx::query(
			"UPDATE pins SET state = 'released' WHERE batch_id = $1 AND author = $2 AND state = 'pending'",
		)
		.bind(&batch_hex)
		.bind(pin.author as i64)
		.execute(&mut *tx)
		.await?
		.rows_affected();
		if claimed == 0 {
			tx.rollback().await?;
			return Ok(Vec::new());
		}
		let group_hex = payload.group.as_ref().map(|g| hex::encode(g.id));
		let mut released = Vec::with_capacity(payload.messages.len());
		for message in &payload.messages {
			let id = uuid_string(&message.id);
			let data =
				String::from_utf8(message.data.clone()).map_err(|_| StoreError::Corrupt("data"))?;
			let attachments: Vec<_> =
				message.attachments.iter().map(from_batch_attachment).collect();
			let hash = hex::encode(message.hash());
			// The transfer it goes with (checked on-chain before the release), as recorded.
			let transfer = match &message.transfer {
				Some(declared) => {
					let row = sqlx::query("SELECT from_account, block FROM token_transfers WHERE message_hash = $1 AND type = 'transfer' ORDER BY block, event_index LIMIT 1")
						.bind(&hash)
						.fetch_optional(&mut *tx)
						.await?;
					let mut view = declared.to_json();
					if let (Some(row), serde_json::Value::Object(map)) = (row, &mut view) {
						map.insert(
							"from".into(),
							row.try_get::<Option<String>, _>("from_account")?.into(),
						);
						map.insert("block".into(), row.try_get::<i64, _>("block")?.into());
					}
					sqlx::query(
						"UPDATE token_transfers SET message_id = $1 WHERE message_hash = $2",
					)
					.bind(&id)
					.bind(&hash)
					.execute(&mut *tx)
					.await?;
					Some(view)
				}
				None => None,
			};
			// A message is confirmed once, even if its author pinned it in two batches.
			let already = sqlx::query("SELECT state FROM messages WHERE id = $1")
				.bind(&id)
				.fetch_optional(&mut *tx)
				.await?
				.map(|r| r.try_get::<String, _>("state"))
				.transpose()?;
			if already.as_deref() == Some("confirmed") {
				log::warn!(target: "parley", "message {id} is confirmed already; batch {batch_hex} repeats it");
				if let (MessageKind::Private, Some(group)) = (payload.kind, &group_hex) {
					for (topic, nonce) in message.topics.iter().zip(&message.nonces) {
						advance_nonce(
							&mut tx,
							group,
							topic,
							payload.author.node,
							&payload.author.did,
							nonce + 1,
						)
						.await?;
					}
				}
				continue;
			}
			let seq: i64 =
				sqlx::query("SELECT COALESCE(MAX(confirm_seq), 0) + 1 AS next FROM messages")
					.fetch_one(&mut *tx)
					.await?
					.try_get("next")?;
			let now = now_ms();
			let updated = sqlx::query(
				"UPDATE messages SET state = 'confirmed', confirmed = $1, confirm_seq = $2 WHERE id = $3",
			)
			.bind(now)
			.bind(seq)
			.bind(&id)
			.execute(&mut *tx)
			.await?
			.rows_affected();
			if updated == 0 {
				sqlx::query(
					"INSERT INTO messages (id, namespace, kind, author, group_id, topics, tag, data, data_hash, state, batch_id, created, confirmed, confirm_seq, attachments, cid, hash, transfer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed', $10, $11, $12, $13, $14, $15, $16, $17)",
				)
				.bind(&id)
				.bind(&payload.namespace)
				.bind(payload.kind.as_str())
				.bind(&payload.author.did)
				.bind(&group_hex)
				.bind(serde_json::to_string(&message.topics).expect("strings serialize"))
				.bind(&message.tag)
				.bind(&data)
				.bind(hex::encode(crate::types::blake2_256(&message.data)))
				.bind(&batch_hex)
				.bind(message.created)
				.bind(now)
				.bind(seq)
				.bind(serde_json::to_string(&attachments).expect("attachments serialize"))
				.bind(message.cid.as_ref().map(uuid_string))
				.bind(&hash)
				.bind(transfer.as_ref().map(|t| t.to_string()))
				.execute(&mut *tx)
				.await?;
				for item in &attachments {
					sqlx::query(
						"INSERT INTO data (id, namespace, name, value, blob_hash, size, hash, datatype, message_id, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING",
					)
					.bind(&item.id)
					.bind(&payload.namespace)
					.bind(&item.name)
					.bind(item.value.as_ref().map(|v| v.to_string()))
					.bind(&item.blob)
					.bind(item.size as i64)
					.bind(&item.hash)
					.bind(&item.datatype)
					.bind(&id)
					.bind(now)
					.execute(&mut *tx)
					.await?;
				}
			}
			if let (MessageKind::Private, Some(group)) = (payload.kind, &group_hex) {
				for (topic, nonce) in message.topics.iter().zip(&message.nonces) {
					advance_nonce(
						&mut tx,
						group,
						topic,
						payload.author.node,
						&payload.author.did,
						nonce + 1,
					)
					.await?;
				}
			}
			let detail = transfer.as_ref().map(|t| serde_json::json!({ "transfer": t }));
			Store::append_event(
				&mut tx,
				&NewEvent {
					kind: "message_confirmed",
					namespace: &payload.namespace,
					reference: &id,
					detail: detail.as_ref(),
					topics: Some(&message.topics),
					tag: Some(&message.tag),
					author: Some(&payload.author.did),
					group: group_hex.as_deref(),
				},
			)
			.await?;
			released.push(id);
		}
		tx.commit().await?;
		Ok(released)
	}

	/// Rejects a pin atomically: it becomes `rejected` with `reason`, a `message_rejected` event
	/// names the batch, this node's own messages in it become `rejected` if this node is its
	/// author (`own`: another node's pin of the same id is not this node's batch), and the nonces
	/// it was recognised to spend (`skips`: group, topic, author DID, nonce) advance so later pins
	/// on those contexts are not blocked forever.
	pub async fn reject(
		&self,
		pin: &PinRow,
		own: bool,
		reason: &str,
		skips: &[([u8; 16], String, String, u64)],
	) -> Result<bool> {
		let mut tx = self.pool().begin().await?;
		let batch_hex = hex::encode(pin.batch_id);
		let claimed = sqlx::query(
			"UPDATE pins SET state = 'rejected', detail = $1 WHERE batch_id = $2 AND author = $3 AND state = 'pending'",
		)
		.bind(reason)
		.bind(&batch_hex)
		.bind(pin.author as i64)
		.execute(&mut *tx)
		.await?
		.rows_affected();
		if claimed == 0 {
			tx.rollback().await?;
			return Ok(false);
		}
		if own {
			sqlx::query("UPDATE messages SET state = 'rejected', error = $1 WHERE batch_id = $2")
				.bind(reason)
				.bind(&batch_hex)
				.execute(&mut *tx)
				.await?;
		}
		for (group, topic, did, nonce) in skips {
			advance_nonce(&mut tx, &hex::encode(group), topic, pin.author, did, nonce + 1).await?;
		}
		let detail = serde_json::json!({ "batch": batch_hex, "reason": reason });
		Store::append_event(
			&mut tx,
			&NewEvent {
				kind: "message_rejected",
				namespace: &pin.namespace,
				reference: &batch_hex,
				detail: Some(&detail),
				..Default::default()
			},
		)
		.await?;
		tx.commit().await?;
		Ok(true)
	}

	/// The contexts of every pin by `author` that this node rejected, and of every pin by
	/// `author` that failed on-chain: a later pin may skip a nonce whose masked context is among
	/// them (that message will never be released).
	pub async fn rejected_contexts(&self, author: NodeId) -> Result<Vec<Hash>> {
		let rows =
			sqlx::query("SELECT contexts FROM pins WHERE state = 'rejected' AND author = $1")
				.bind(author as i64)
				.fetch_all(self.pool())
				.await?;
		let mut contexts = Vec::new();
		let void = sqlx::query("SELECT context FROM void_contexts WHERE author = $1")
			.bind(author as i64)
			.fetch_all(self.pool())
			.await?;
		for row in &void {
			contexts.push(hash_col(row, "context")?);
		}
		for row in rows {
			let list: Vec<String> = json_col(&row, "contexts")?;
			for c in list {
				contexts.push(
					hex::decode(&c)
						.ok()
						.and_then(|b| b.try_into().ok())
						.ok_or(StoreError::Corrupt("contexts"))?,
				);
			}
		}
		Ok(contexts)
	}
}
