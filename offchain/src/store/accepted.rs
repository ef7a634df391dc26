//! Messages accepted from apps, written together ([`super::rounds`]): each send waits until its
//! own row is durable, and the sends that arrive while one transaction commits go into the
//! next, so that a burst of sends costs one transaction (and one sync of the disk) per round,
//! not one per message.
//!
//! A round's transaction either holds all of its messages or none: if it fails (a full disk, an
//! idempotency key taken meanwhile by a write outside the round), each of its messages is
//! written alone, as a single send would be, and gets its own answer.

use super::{rounds::Answer, Result, Store, StoreError};
use crate::store::NewMessage;
use sqlx::{any::Any, Row};
use std::collections::HashMap;

/// The insert of accepted messages, up to its `VALUES` rows of [`COLUMNS`] each.
const INSERT_MESSAGE: &str = "INSERT INTO messages (id, namespace, kind, author, group_id, topics, tag, data, data_hash, attachments, cid, idempotency_key, state, created, hash, transfer, accept_seq, proof_of_receipt, sale) VALUES";

/// The columns of [`INSERT_MESSAGE`].
const COLUMNS: usize = 19;

/// The message that holds an idempotency key in a namespace.
const BY_IDEMPOTENCY_KEY: &str =
	"SELECT id FROM messages WHERE namespace = $1 AND idempotency_key = $2";

impl Store {
	/// Stores a message accepted from an app, as `pending` (or `awaiting_transfer`), once it is
	/// durable. Fails with [`StoreError::Duplicate`] (naming the first message) if its
	/// idempotency key was used.
	pub async fn insert_message(&self, message: &NewMessage) -> Result<()> {
		let store = self.clone();
		self.accepts
			.write(message.clone(), |round| async move { store.write_round(round).await })
			.await
	}

	/// Writes one round of accepted messages in one transaction, in the order they came, and
	/// answers each.
	async fn write_round(&self, round: Vec<(NewMessage, Answer)>) {
		let messages: Vec<&NewMessage> = round.iter().map(|(message, _)| message).collect();
		let answers = match self.write_together(&messages).await {
			Ok(answers) => answers,
			Err(e) => {
				log::debug!(target: "parley", "a round of {} accepted messages failed together ({e}); writing each alone", round.len());
				let mut answers = Vec::with_capacity(messages.len());
				for message in &messages {
					answers.push(self.insert_one(message).await);
				}
				answers
			}
		};
		for ((_, answer), result) in round.into_iter().zip(answers) {
			let _ = answer.send(result);
		}
	}

	/// Writes `messages` in one transaction, in order: a message whose idempotency key is
	/// taken (before, or by an earlier message of the round) is answered with the first one's
	/// id and not written. `Err` if the transaction failed (nothing is written then).
	async fn write_together(&self, messages: &[&NewMessage]) -> Result<Vec<Result<()>>> {
		let mut taken: HashMap<(&str, &str), String> = HashMap::new();
		let mut answers = Vec::with_capacity(messages.len());
		let mut written: Vec<&NewMessage> = Vec::with_capacity(messages.len());
		let mut tx = self.pool().begin().await?;
		for message in messages {
			if let Some(key) = &message.idempotency_key {
				let slot = (message.namespace.as_str(), key.as_str());
				let first = match taken.get(&slot) {
					Some(first) => Some(first.clone()),
					None => sqlx::query(BY_IDEMPOTENCY_KEY)
						.bind(&message.namespace)
						.bind(key)
						.fetch_optional(&mut *tx)
						.await?
						.map(|row| row.try_get::<String, _>("id"))
						.transpose()?,
				};
				if let Some(first) = first {
					taken.insert(slot, first.clone());
					answers.push(Err(StoreError::Duplicate(first)));
					continue;
				}
				taken.insert(slot, message.id.clone());
			}
			written.push(*message);
			answers.push(Ok(()));
		}
		// Many rows per statement: each statement is a round trip to the database.
		for chunk in written.chunks(super::ROWS_PER_STATEMENT) {
			let sql = format!("{INSERT_MESSAGE} {}", super::rows_of(chunk.len(), COLUMNS));
			let mut query = sqlx::query(&sql);
			for message in chunk {
				query = self.bind_row(query, message)?;
			}
			query.execute(&mut *tx).await?;
		}
		let carried = written.iter().map(|m| (m.id.as_str(), m.attachments.as_slice()));
		super::data::link_blobs(&mut tx, carried).await?;
		tx.commit().await?;
		Ok(answers)
	}

	/// Stores one message in a transaction of its own.
	async fn insert_one(&self, message: &NewMessage) -> Result<()> {
		if let Some(key) = &message.idempotency_key {
			if let Some(original) = self.message_by_idempotency_key(&message.namespace, key).await?
			{
				return Err(StoreError::Duplicate(original));
			}
		}
		let sql = format!("{INSERT_MESSAGE} {}", super::rows_of(1, COLUMNS));
		let mut tx = self.pool().begin().await?;
		let inserted = self.bind_row(sqlx::query(&sql), message)?.execute(&mut *tx).await;
		match inserted {
			Ok(_) => {
				let carried = [(message.id.as_str(), message.attachments.as_slice())];
				super::data::link_blobs(&mut tx, carried).await?;
				Ok(tx.commit().await?)
			}
			// Two sends with the same key at once: the unique index let one through.
			Err(e) if message.idempotency_key.is_some() => {
				let key = message.idempotency_key.as_deref().expect("checked");
				match self.message_by_idempotency_key(&message.namespace, key).await? {
					Some(original) => Err(StoreError::Duplicate(original)),
					None => Err(e.into()),
				}
			}
			Err(e) => Err(e.into()),
		}
	}

	/// Binds `message`'s row (its [`COLUMNS`] values) to `query`, numbered next in this node's
	/// order of acceptance.
	fn bind_row<'q>(
		&self,
		query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
		message: &'q NewMessage,
	) -> Result<sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>> {
		let data = serde_json::to_string(&message.data).expect("JSON values serialize");
		let data_hash = hex::encode(crate::types::blake2_256(data.as_bytes()));
		let hash = hex::encode(message.as_batch_message()?.hash());
		let state = message.accepted_state();
		Ok(query
			.bind(&message.id)
			.bind(&message.namespace)
			.bind(message.kind.as_str())
			.bind(&message.author)
			.bind(message.group.map(hex::encode))
			.bind(serde_json::to_string(&message.topics).expect("strings serialize"))
			.bind(&message.tag)
			.bind(data)
			.bind(data_hash)
			.bind(serde_json::to_string(&message.attachments).expect("attachments serialize"))
			.bind(&message.cid)
			.bind(&message.idempotency_key)
			.bind(state.as_str())
			.bind(message.created)
			.bind(hash)
			.bind(message.transfer.as_ref().map(|t| t.to_json().to_string()))
			.bind(self.next_local_seq())
			.bind(message.proof_of_receipt as i64)
			.bind(message.sale.as_ref().map(|p| p.to_json().to_string())))
	}

	async fn message_by_idempotency_key(
		&self,
		namespace: &str,
		key: &str,
	) -> Result<Option<String>> {
		Ok(sqlx::query(BY_IDEMPOTENCY_KEY)
			.bind(namespace)
			.bind(key)
			.fetch_optional(self.reads())
			.await?
			.map(|r| r.try_get("id"))
			.transpose()?)
	}
}
