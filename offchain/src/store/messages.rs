//! Groups, messages, and the batches they are cut into (with their nonces).

use super::{id_col, json_col, Result, Store, StoreError};
use crate::{
	batch::{AttachmentContent, Author, BatchAttachment, BatchMessage, BatchPayload},
	store::outbox::{insert_op, OutboxKind},
	tokens::TransferRef,
	types::{now_ms, Attachment, BatchId, Group, Message, MessageKind, MessageState, NodeId},
};
use sqlx::{any::AnyRow, Row};

/// A message accepted from an app.
#[derive(Clone, Debug)]
pub struct NewMessage {
	/// Its id (UUID string).
	pub id: String,
	/// Namespace.
	pub namespace: String,
	/// Broadcast or private.
	pub kind: MessageKind,
	/// The author's node DID.
	pub author: String,
	/// When it was accepted (ms since the epoch).
	pub created: i64,
	/// The group, for private messages.
	pub group: Option<[u8; 16]>,
	/// Topics (at least one).
	pub topics: Vec<String>,
	/// Tag.
	pub tag: String,
	/// Data (JSON).
	pub data: serde_json::Value,
	/// Data items attached (already stored in this namespace).
	pub attachments: Vec<Attachment>,
	/// The message this one replies to.
	pub cid: Option<String>,
	/// A client's key to make resubmission safe: a second message with the same key in the
	/// namespace is refused with the first one's id.
	pub idempotency_key: Option<String>,
	/// The token transfer it goes with: the message waits (`awaiting_transfer`) until that
	/// transfer, carrying the message's hash, is on-chain.
	pub transfer: Option<TransferRef>,
	/// Whether its recipients are asked to acknowledge its batch on-chain.
	pub proof_of_receipt: bool,
	/// For a private message for sale: its price. It is a batch of its own, delivered locked
	/// under its sale key (hash-locked delivery versus payment).
	pub sale: Option<super::sales::Price>,
}

impl NewMessage {
	/// The message as the store shows it once it is written (`pending`, or `awaiting_transfer`),
	/// so that whoever accepted it need not read it back.
	pub fn accepted_view(&self) -> Result<Message> {
		let data = serde_json::to_string(&self.data).expect("JSON values serialize");
		Ok(Message {
			id: self.id.clone(),
			namespace: self.namespace.clone(),
			kind: self.kind,
			author: self.author.clone(),
			group: self.group.map(hex::encode),
			topics: self.topics.clone(),
			tag: self.tag.clone(),
			data: self.data.clone(),
			data_hash: hex::encode(crate::types::blake2_256(data.as_bytes())),
			attachments: self.attachments.clone(),
			cid: self.cid.clone(),
			state: self.accepted_state(),
			batch: None,
			error: None,
			created: self.created,
			confirmed: None,
			confirm_sequence: None,
			hash: Some(hex::encode(self.as_batch_message()?.hash())),
			transfer: self.transfer.as_ref().map(|t| t.to_json()),
		})
	}

	/// The state it is written in: `awaiting_transfer` if it goes with a transfer.
	pub(crate) fn accepted_state(&self) -> MessageState {
		match self.transfer {
			Some(_) => MessageState::AwaitingTransfer,
			None => MessageState::Pending,
		}
	}

	/// The message as it will be batched (without nonces), for its hash.
	pub fn as_batch_message(&self) -> Result<BatchMessage> {
		Ok(BatchMessage {
			id: uuid_bytes(&self.id).ok_or(StoreError::Corrupt("id"))?,
			topics: self.topics.clone(),
			tag: self.tag.clone(),
			data: serde_json::to_string(&self.data).expect("JSON values serialize").into_bytes(),
			nonces: Vec::new(),
			created: 0,
			cid: self
				.cid
				.as_deref()
				.map(|c| uuid_bytes(c).ok_or(StoreError::Corrupt("cid")))
				.transpose()?,
			attachments: self.attachments.iter().map(to_batch_attachment).collect::<Result<_>>()?,
			transfer: self.transfer.clone(),
		})
	}
}

fn group_from_row(row: &AnyRow) -> Result<Group> {
	let secret = hex::decode(row.try_get::<String, _>("secret")?)
		.ok()
		.and_then(|b| b.try_into().ok())
		.ok_or(StoreError::Corrupt("secret"))?;
	Ok(Group {
		id: id_col(row, "id")?,
		namespace: row.try_get("namespace")?,
		name: row.try_get("name")?,
		members: json_col(row, "members")?,
		secret,
	})
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
	let data: String = row.try_get("data")?;
	Ok(Message {
		id: row.try_get("id")?,
		namespace: row.try_get("namespace")?,
		kind: MessageKind::parse(&row.try_get::<String, _>("kind")?)
			.ok_or(StoreError::Corrupt("kind"))?,
		author: row.try_get("author")?,
		group: row.try_get("group_id")?,
		topics: json_col(row, "topics")?,
		tag: row.try_get("tag")?,
		data: serde_json::from_str(&data).map_err(|_| StoreError::Corrupt("data"))?,
		data_hash: row.try_get("data_hash")?,
		attachments: json_col(row, "attachments")?,
		cid: row.try_get("cid")?,
		state: MessageState::parse(&row.try_get::<String, _>("state")?)
			.ok_or(StoreError::Corrupt("state"))?,
		batch: row.try_get("batch_id")?,
		error: row.try_get("error")?,
		created: row.try_get("created")?,
		confirmed: row.try_get("confirmed")?,
		confirm_sequence: row.try_get("confirm_seq")?,
		hash: row.try_get("hash")?,
		transfer: row
			.try_get::<Option<String>, _>("transfer")?
			.map(|t| serde_json::from_str(&t).map_err(|_| StoreError::Corrupt("transfer")))
			.transpose()?,
	})
}

const MESSAGE_COLUMNS: &str = "id, namespace, kind, author, group_id, topics, tag, data, data_hash, attachments, cid, state, batch_id, error, created, confirmed, confirm_seq, hash, transfer";

/// An outgoing batch as the batcher plans it: the pending messages of one (namespace, group).
pub struct BatchPlan {
	/// Namespace.
	pub namespace: String,
	/// Broadcast or private.
	pub kind: MessageKind,
	/// The group, for private batches.
	pub group: Option<Group>,
	/// The messages (ids and contents), oldest first.
	pub messages: Vec<BatchMessage>,
	/// Whether its recipients are asked to acknowledge it on-chain (messages that ask and
	/// messages that do not never share a batch).
	pub proof_of_receipt: bool,
	/// Whether it is one message for sale (which shares its batch with no other).
	pub for_sale: bool,
}

impl Store {
	/// Saves a group (if not already known) and, if `announce_to` is not empty, queues its sealed
	/// announcement to those members.
	pub async fn save_group(&self, group: &Group, announce_to: &[NodeId]) -> Result<()> {
		let mut tx = self.pool().begin().await?;
		sqlx::query(
			"INSERT INTO groups (id, namespace, name, members, secret, created) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
		)
		.bind(hex::encode(group.id))
		.bind(&group.namespace)
		.bind(&group.name)
		.bind(serde_json::to_string(&group.members).expect("ids serialize"))
		.bind(hex::encode(group.secret))
		.bind(now_ms())
		.execute(&mut *tx)
		.await?;
		for member in announce_to {
			insert_op(
				&mut tx,
				self.next_local_seq(),
				OutboxKind::AnnounceGroup,
				None,
				Some(&group.id),
				Some(*member),
			)
			.await?;
		}
		tx.commit().await?;
		Ok(())
	}

	/// The group with this id.
	pub async fn group(&self, id: &[u8; 16]) -> Result<Option<Group>> {
		if let Some(group) = self.groups.lock().get(id) {
			return Ok(Some(group.clone()));
		}
		let group =
			sqlx::query("SELECT id, namespace, name, members, secret FROM groups WHERE id = $1")
				.bind(hex::encode(id))
				.fetch_optional(self.reads())
				.await?
				.map(|r| group_from_row(&r))
				.transpose()?;
		if let Some(group) = &group {
			let mut groups = self.groups.lock();
			if groups.len() >= super::GROUPS_REMEMBERED {
				groups.clear();
			}
			groups.insert(*id, group.clone());
		}
		Ok(group)
	}

	/// Every group known here, oldest first.
	pub async fn groups(&self) -> Result<Vec<Group>> {
		sqlx::query("SELECT id, namespace, name, members, secret FROM groups ORDER BY created, id")
			.fetch_all(self.reads())
			.await?
			.iter()
			.map(group_from_row)
			.collect()
	}

	/// A message by id.
	pub async fn message(&self, id: &str) -> Result<Option<Message>> {
		sqlx::query(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1"))
			.bind(id)
			.fetch_optional(self.reads())
			.await?
			.map(|r| message_from_row(&r))
			.transpose()
	}

	/// The oldest pending messages (in the order they were accepted), at most `limit`, as batch
	/// plans grouped by (namespace, kind, group, proof of receipt) in order of their oldest
	/// message; a message for sale is a plan of its own.
	pub async fn pending_batches(&self, limit: i64) -> Result<Vec<BatchPlan>> {
		let rows = sqlx::query(
			"SELECT id, namespace, kind, group_id, topics, tag, data, attachments, cid, created, transfer, proof_of_receipt, sale FROM messages WHERE state = 'pending' AND batch_id IS NULL ORDER BY accept_seq LIMIT $1",
		)
		.bind(limit)
		.fetch_all(self.reads())
		.await?;
		let mut plans: Vec<BatchPlan> = Vec::new();
		for row in rows {
			let namespace: String = row.try_get("namespace")?;
			let kind = MessageKind::parse(&row.try_get::<String, _>("kind")?)
				.ok_or(StoreError::Corrupt("kind"))?;
			let group_hex: Option<String> = row.try_get("group_id")?;
			let group_id = match &group_hex {
				Some(g) => Some(
					hex::decode(g)
						.ok()
						.and_then(|b| <[u8; 16]>::try_from(b).ok())
						.ok_or(StoreError::Corrupt("group_id"))?,
				),
				None => None,
			};
			let proof_of_receipt = row.try_get::<i64, _>("proof_of_receipt")? != 0;
			let for_sale = row.try_get::<Option<String>, _>("sale")?.is_some();
			let id: String = row.try_get("id")?;
			let message = BatchMessage {
				id: uuid_bytes(&id).ok_or(StoreError::Corrupt("id"))?,
				topics: json_col(&row, "topics")?,
				tag: row.try_get("tag")?,
				data: row.try_get::<String, _>("data")?.into_bytes(),
				nonces: Vec::new(),
				created: row.try_get("created")?,
				cid: row
					.try_get::<Option<String>, _>("cid")?
					.map(|c| uuid_bytes(&c).ok_or(StoreError::Corrupt("cid")))
					.transpose()?,
				attachments: json_col::<Vec<Attachment>>(&row, "attachments")?
					.iter()
					.map(to_batch_attachment)
					.collect::<Result<_>>()?,
				transfer: row
					.try_get::<Option<String>, _>("transfer")?
					.map(|t| {
						serde_json::from_str(&t)
							.ok()
							.and_then(|v| TransferRef::from_json(&v))
							.ok_or(StoreError::Corrupt("transfer"))
					})
					.transpose()?,
			};
			let existing = plans.iter_mut().find(|p| {
				p.namespace == namespace
					&& p.kind == kind
					&& p.group.as_ref().map(|g| g.id) == group_id
					&& p.proof_of_receipt == proof_of_receipt
					&& !p.for_sale && !for_sale
			});
			match existing {
				Some(plan) => plan.messages.push(message),
				None => {
					let group = match group_id {
						Some(id) => {
							Some(self.group(&id).await?.ok_or(StoreError::Corrupt("group_id"))?)
						}
						None => None,
					};
					plans.push(BatchPlan {
						namespace,
						kind,
						group,
						messages: vec![message],
						proof_of_receipt,
						for_sale,
					});
				}
			}
		}
		Ok(plans)
	}

	/// Turns `plan` into a batch atomically: spends the nonces of its private messages, builds
	/// the payload, has `seal_for_self` seal it to this node's own key (kept as this node's copy),
	/// marks the messages `sent`, and queues its pin and a delivery to each recipient.
	pub async fn commit_batch(
		&self,
		plan: BatchPlan,
		batch_id: BatchId,
		author: Author,
		recipients: &[NodeId],
		seal_for_self: impl FnOnce(&BatchPayload) -> Vec<u8>,
	) -> Result<BatchPayload> {
		let mut tx = self.pool().begin().await?;
		let mut messages = plan.messages;
		if let (MessageKind::Private, Some(group)) = (plan.kind, &plan.group) {
			// Each topic's next nonce is read once and written once per batch, however many of
			// its messages share the topic.
			let group_hex = hex::encode(group.id);
			let mut next_of: std::collections::BTreeMap<String, i64> = Default::default();
			for message in &mut messages {
				message.nonces.clear();
				for topic in &message.topics {
					let next = match next_of.get(topic) {
						Some(next) => *next,
						None => sqlx::query(
							"SELECT next FROM send_nonces WHERE group_id = $1 AND topic = $2",
						)
						.bind(&group_hex)
						.bind(topic)
						.fetch_optional(&mut *tx)
						.await?
						.map(|r| r.try_get("next"))
						.transpose()?
						.unwrap_or(0),
					};
					next_of.insert(topic.clone(), next + 1);
					message.nonces.push(next as u64);
				}
			}
			for (topic, next) in &next_of {
				sqlx::query(
					"INSERT INTO send_nonces (group_id, topic, next) VALUES ($1, $2, $3) ON CONFLICT (group_id, topic) DO UPDATE SET next = $3",
				)
				.bind(&group_hex)
				.bind(topic)
				.bind(next)
				.execute(&mut *tx)
				.await?;
			}
		}
		let payload = BatchPayload {
			batch_id,
			namespace: plan.namespace,
			kind: plan.kind,
			author,
			group: plan.group,
			messages,
			proof_of_receipt: plan.proof_of_receipt,
		};
		let hash = payload.hash();
		let sealed = seal_for_self(&payload);
		self.write_payload_file(&batch_id, &sealed)?;
		let batch_hex = hex::encode(batch_id);
		sqlx::query(
			"INSERT INTO batches (id, namespace, kind, group_id, hash, contexts, recipients, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		)
		.bind(&batch_hex)
		.bind(&payload.namespace)
		.bind(payload.kind.as_str())
		.bind(payload.group.as_ref().map(|g| hex::encode(g.id)))
		.bind(hex::encode(hash))
		.bind(serde_json::to_string(&payload.contexts().iter().map(hex::encode).collect::<Vec<_>>()).expect("strings serialize"))
		.bind(serde_json::to_string(recipients).expect("ids serialize"))
		.bind(now_ms())
		.execute(&mut *tx)
		.await?;
		sqlx::query(
			"INSERT INTO sealed (batch_id, sender, claimed_hash, received, size) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id) DO NOTHING",
		)
		.bind(&batch_hex)
		.bind(payload.author.node as i64)
		.bind(hex::encode(hash))
		.bind(now_ms())
		.bind(sealed.len() as i64)
		.execute(&mut *tx)
		.await?;
		for chunk in payload.messages.chunks(super::ROWS_PER_STATEMENT) {
			let ids: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
			let sql = format!(
				"UPDATE messages SET state = 'sent', batch_id = $1 WHERE id IN ({})",
				ids.join(", ")
			);
			let mut query = sqlx::query(&sql).bind(&batch_hex);
			for message in chunk {
				query = query.bind(uuid_string(&message.id));
			}
			query.execute(&mut *tx).await?;
		}
		insert_op(&mut tx, self.next_local_seq(), OutboxKind::Pin, Some(&batch_id), None, None)
			.await?;
		for recipient in recipients {
			insert_op(
				&mut tx,
				self.next_local_seq(),
				OutboxKind::Deliver,
				Some(&batch_id),
				None,
				Some(*recipient),
			)
			.await?;
		}
		tx.commit().await?;
		Ok(payload)
	}
}

/// The wire form of an attachment.
fn to_batch_attachment(a: &Attachment) -> Result<BatchAttachment> {
	let content = match (&a.value, &a.blob) {
		(_, Some(blob)) => AttachmentContent::Blob {
			hash: hex::decode(blob)
				.ok()
				.and_then(|b| b.try_into().ok())
				.ok_or(StoreError::Corrupt("attachments"))?,
			size: a.size,
		},
		(Some(value), None) => {
			AttachmentContent::Json(serde_json::to_vec(value).expect("JSON serializes"))
		}
		(None, None) => return Err(StoreError::Corrupt("attachments")),
	};
	Ok(BatchAttachment {
		id: uuid_bytes(&a.id).ok_or(StoreError::Corrupt("attachments"))?,
		name: a.name.clone(),
		datatype: a.datatype.clone(),
		content,
	})
}

/// The API form of an attachment received in a batch.
pub fn from_batch_attachment(a: &BatchAttachment) -> Attachment {
	let (value, blob, size) = match &a.content {
		AttachmentContent::Json(bytes) => {
			(serde_json::from_slice(bytes).ok(), None, bytes.len() as u64)
		}
		AttachmentContent::Blob { hash, size } => (None, Some(hex::encode(hash)), *size),
	};
	Attachment {
		id: uuid_string(&a.id),
		name: a.name.clone(),
		hash: hex::encode(a.content_hash()),
		size,
		datatype: a.datatype.clone(),
		value,
		blob,
	}
}

/// The 16 bytes of a UUID string (hyphenated or simple; `None` if it is not a UUID).
pub fn uuid_bytes(id: &str) -> Option<[u8; 16]> {
	uuid::Uuid::try_parse(id).ok().map(uuid::Uuid::into_bytes)
}

/// The hyphenated string of 16 UUID bytes.
pub fn uuid_string(bytes: &[u8; 16]) -> String {
	uuid::Uuid::from_bytes(*bytes).hyphenated().to_string()
}

/// A new random id (a version 4 UUID) for a message, batch, attachment or operation.
pub fn new_uuid() -> [u8; 16] {
	uuid::Uuid::new_v4().into_bytes()
}
