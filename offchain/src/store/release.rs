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
use std::collections::{BTreeMap, HashMap};

/// A message of another node's batch, confirmed here: written with the others of its batch.
struct Received<'a> {
	id: &'a str,
	topics: String,
	tag: &'a str,
	data: String,
	data_hash: String,
	created: i64,
	seq: i64,
	attachments: Vec<crate::types::Attachment>,
	attachments_json: String,
	cid: Option<String>,
	hash: String,
	transfer: Option<String>,
}

/// The state of each of `ids` that this node holds.
async fn states_of(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	ids: &[String],
) -> Result<HashMap<String, String>> {
	let mut states = HashMap::new();
	for chunk in ids.chunks(super::ROWS_PER_STATEMENT) {
		let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
		let sql = format!("SELECT id, state FROM messages WHERE id IN ({})", marks.join(", "));
		let mut query = sqlx::query(&sql);
		for id in chunk {
			query = query.bind(id);
		}
		for row in query.fetch_all(&mut **tx).await? {
			states.insert(row.try_get("id")?, row.try_get("state")?);
		}
	}
	Ok(states)
}

/// Inserts `chunk` of another node's messages, confirmed, in one statement, then their data
/// items.
async fn insert_received(
	tx: &mut sqlx::Transaction<'_, sqlx::Any>,
	payload: &BatchPayload,
	group_hex: &Option<String>,
	batch_hex: &str,
	now: i64,
	chunk: &[Received<'_>],
) -> Result<()> {
	const COLUMNS: usize = 17;
	let rows: Vec<String> = (0..chunk.len())
		.map(|r| {
			let mark = |c: usize| format!("${}", r * COLUMNS + c);
			let cells: Vec<String> = (1..=COLUMNS).map(mark).collect();
			// `state` is the literal 'confirmed', after the ninth column.
			format!("({}, 'confirmed', {})", cells[..9].join(", "), cells[9..].join(", "))
		})
		.collect();
	let sql = format!(
		"INSERT INTO messages (id, namespace, kind, author, group_id, topics, tag, data, data_hash, state, batch_id, created, confirmed, confirm_seq, attachments, cid, hash, transfer) VALUES {}",
		rows.join(", ")
	);
	let mut query = sqlx::query(&sql);
	for m in chunk {
		query = query
			.bind(m.id)
			.bind(&payload.namespace)
			.bind(payload.kind.as_str())
			.bind(&payload.author.did)
			.bind(group_hex)
			.bind(&m.topics)
			.bind(m.tag)
			.bind(&m.data)
			.bind(&m.data_hash)
			.bind(batch_hex)
			.bind(m.created)
			.bind(now)
			.bind(m.seq)
			.bind(&m.attachments_json)
			.bind(&m.cid)
			.bind(&m.hash)
			.bind(&m.transfer);
	}
	query.execute(&mut **tx).await?;
	super::data::link_blobs(tx, chunk.iter().map(|m| (m.id, m.attachments.as_slice()))).await?;
	for m in chunk {
		for item in &m.attachments {
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
			.bind(m.id)
			.bind(now)
			.execute(&mut **tx)
			.await?;
		}
	}
	Ok(())
}

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
		// The batch is written in a few statements, not a few per message: the states of its
		// message ids are read at once, the confirmations numbered from one read, new messages
		// inserted and this node's own updated many rows at a time, each context's nonce written
		// once, and the events appended together.
		let ids: Vec<String> = payload.messages.iter().map(|m| uuid_string(&m.id)).collect();
		let mut states = states_of(&mut tx, &ids).await?;
		let mut seq: i64 =
			sqlx::query("SELECT COALESCE(MAX(confirm_seq), 0) AS last FROM messages")
				.fetch_one(&mut *tx)
				.await?
				.try_get("last")?;
		let now = now_ms();
		let mut next_nonces: BTreeMap<&str, u64> = BTreeMap::new();
		let mut own: Vec<(&str, i64)> = Vec::new();
		let mut received: Vec<Received> = Vec::new();
		let mut confirmed: Vec<(&str, &[String], &str, Option<serde_json::Value>)> = Vec::new();
		let mut released = Vec::with_capacity(payload.messages.len());
		for (message, id) in payload.messages.iter().zip(&ids) {
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
					.bind(id)
					.bind(&hash)
					.execute(&mut *tx)
					.await?;
					Some(view)
				}
				None => None,
			};
			if let (MessageKind::Private, Some(_)) = (payload.kind, &group_hex) {
				for (topic, nonce) in message.topics.iter().zip(&message.nonces) {
					next_nonces.insert(topic, nonce + 1);
				}
			}
			// A message is confirmed once, even if its author pinned it in two batches (or twice
			// in one).
			match states.get(id.as_str()).map(String::as_str) {
				Some("confirmed") => {
					log::warn!(target: "parley", "message {id} is confirmed already; batch {batch_hex} repeats it");
					continue;
				}
				Some(_) => {
					seq += 1;
					own.push((id, seq));
				}
				None => {
					seq += 1;
					received.push(Received {
						id,
						topics: serde_json::to_string(&message.topics).expect("strings serialize"),
						tag: &message.tag,
						data_hash: hex::encode(crate::types::blake2_256(&message.data)),
						data,
						created: message.created,
						seq,
						attachments_json: serde_json::to_string(&attachments)
							.expect("attachments serialize"),
						attachments,
						cid: message.cid.as_ref().map(uuid_string),
						hash,
						transfer: transfer.as_ref().map(|t| t.to_string()),
					});
				}
			}
			states.insert(id.clone(), "confirmed".into());
			let detail = transfer.map(|t| serde_json::json!({ "transfer": t }));
			confirmed.push((id, &message.topics, &message.tag, detail));
			released.push(id.clone());
		}
		for chunk in received.chunks(super::ROWS_PER_STATEMENT) {
			insert_received(&mut tx, payload, &group_hex, &batch_hex, now, chunk).await?;
		}
		for chunk in own.chunks(super::ROWS_PER_STATEMENT) {
			let cases: Vec<String> = (0..chunk.len())
				.map(|i| format!("WHEN ${} THEN ${}", 2 + 2 * i, 3 + 2 * i))
				.collect();
			let ids: Vec<String> = (0..chunk.len()).map(|i| format!("${}", 2 + 2 * i)).collect();
			let sql = format!(
				"UPDATE messages SET state = 'confirmed', confirmed = $1, confirm_seq = CASE id {} END WHERE id IN ({})",
				cases.join(" "),
				ids.join(", ")
			);
			let mut query = sqlx::query(&sql).bind(now);
			for (id, seq) in chunk {
				query = query.bind(*id).bind(*seq);
			}
			query.execute(&mut *tx).await?;
		}
		if let Some(group) = &group_hex {
			for (topic, next) in &next_nonces {
				advance_nonce(
					&mut tx,
					group,
					topic,
					payload.author.node,
					&payload.author.did,
					*next,
				)
				.await?;
			}
		}
		let events: Vec<NewEvent> = confirmed
			.iter()
			.map(|(id, topics, tag, detail)| NewEvent {
				kind: "message_confirmed",
				namespace: &payload.namespace,
				reference: id,
				detail: detail.as_ref(),
				topics: Some(topics),
				tag: Some(tag),
				author: Some(&payload.author.did),
				group: group_hex.as_deref(),
			})
			.collect();
		Store::append_events(&mut tx, &events).await?;
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
				.fetch_all(self.reads())
				.await?;
		let mut contexts = Vec::new();
		let void = sqlx::query("SELECT context FROM void_contexts WHERE author = $1")
			.bind(author as i64)
			.fetch_all(self.reads())
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
