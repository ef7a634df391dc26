//! The first step of a message's life: an app's message, data item, datatype or group is checked
//! and accepted into the store (pending), for the batcher to cut into a batch.

use crate::exchange::{check_name, store_error, Exchange, ExchangeError, MessageRequest};
use crate::{
	store::NewMessage,
	types::{Group, Message, MessageKind, NodeId},
};

impl Exchange {
	/// Creates a private group of the nodes with these DIDs (this node is always a member), and
	/// announces it, sealed, to the other members. Returns its id (hex).
	pub async fn create_group(
		&self,
		namespace: &str,
		name: &str,
		member_dids: &[String],
	) -> Result<String, ExchangeError> {
		check_name("namespace", namespace)?;
		if name.is_empty() || name.len() > 64 {
			return Err(ExchangeError::InvalidInput("group name must be 1 to 64 bytes".into()));
		}
		let me = self.me()?;
		let mut members = vec![me.id];
		for did in member_dids {
			let node =
				self.active_nodes().into_iter().find(|n| &n.did == did).ok_or_else(|| {
					ExchangeError::InvalidInput(format!("{did} is not a node identity in force"))
				})?;
			if !members.contains(&node.id) {
				members.push(node.id);
			}
		}
		if members.len() < 2 {
			return Err(ExchangeError::InvalidInput(
				"a group needs at least one other node".into(),
			));
		}
		let group = Group::new(namespace.into(), name.into(), members, rand::random());
		let others: Vec<NodeId> = group.members.iter().copied().filter(|m| *m != me.id).collect();
		self.inner.store.save_group(&group, &others).await?;
		self.inner.send.operations_due();
		Ok(hex::encode(group.id))
	}

	/// The groups this node knows.
	pub async fn groups(&self) -> Result<Vec<Group>, ExchangeError> {
		Ok(self.inner.store.groups().await?)
	}

	/// Accepts a private message for `group` (hex id). Returns its id.
	pub async fn send_private(
		&self,
		namespace: &str,
		group: &str,
		topics: Vec<String>,
		tag: String,
		data: serde_json::Value,
	) -> Result<String, ExchangeError> {
		self.send_private_message(
			group,
			MessageRequest { namespace: namespace.into(), topics, tag, data, ..Default::default() },
		)
		.await
	}

	/// Accepts a broadcast message (to every node in force). Returns its id.
	pub async fn send_broadcast(
		&self,
		namespace: &str,
		topics: Vec<String>,
		tag: String,
		data: serde_json::Value,
	) -> Result<String, ExchangeError> {
		self.send_broadcast_message(MessageRequest {
			namespace: namespace.into(),
			topics,
			tag,
			data,
			..Default::default()
		})
		.await
	}

	/// Accepts a private message to `group` (hex id), with attachments, reply id and idempotency
	/// key. Returns its id.
	pub async fn send_private_message(
		&self,
		group: &str,
		send: MessageRequest,
	) -> Result<String, ExchangeError> {
		Ok(self.accept_private_message(group, send).await?.id)
	}

	/// Accepts a broadcast message, with attachments, reply id and idempotency key. Returns its
	/// id.
	pub async fn send_broadcast_message(
		&self,
		send: MessageRequest,
	) -> Result<String, ExchangeError> {
		Ok(self.accept_broadcast_message(send).await?.id)
	}

	/// As [`Exchange::send_private_message`], returning the message as accepted.
	pub async fn accept_private_message(
		&self,
		group: &str,
		send: MessageRequest,
	) -> Result<Message, ExchangeError> {
		let group_id: [u8; 16] = hex::decode(group.trim_start_matches("0x"))
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| ExchangeError::InvalidInput("group must be a 16-byte hex id".into()))?;
		let known = self
			.inner
			.store
			.group(&group_id)
			.await?
			.ok_or_else(|| ExchangeError::NotFound(format!("group {group}")))?;
		if known.namespace != send.namespace {
			return Err(ExchangeError::InvalidInput(format!(
				"group {group} belongs to namespace {}",
				known.namespace
			)));
		}
		self.accept(MessageKind::Private, Some(group_id), send).await
	}

	/// As [`Exchange::send_broadcast_message`], returning the message as accepted.
	pub async fn accept_broadcast_message(
		&self,
		send: MessageRequest,
	) -> Result<Message, ExchangeError> {
		self.accept(MessageKind::Broadcast, None, send).await
	}

	/// Checks and stores a message; returns it as stored (`pending`, or `awaiting_transfer`).
	async fn accept(
		&self,
		kind: MessageKind,
		group: Option<[u8; 16]>,
		send: MessageRequest,
	) -> Result<Message, ExchangeError> {
		let MessageRequest {
			namespace,
			topics,
			tag,
			data,
			attachments,
			cid,
			idempotency_key,
			transfer,
			proof_of_receipt,
			sale,
		} = send;
		check_name("namespace", &namespace)?;
		// Every topic is a context of the message's pin: never more than the chain takes in one.
		let limits = self.inner.chain.pin_limits().map_err(ExchangeError::Chain)?;
		if namespace.len() > limits.max_namespace_len as usize {
			return Err(ExchangeError::InvalidInput(format!(
				"the chain takes namespaces of at most {} bytes",
				limits.max_namespace_len
			)));
		}
		let max_topics = limits.max_contexts.clamp(1, 16) as usize;
		if topics.is_empty() || topics.len() > max_topics {
			return Err(ExchangeError::InvalidInput(format!("give 1 to {max_topics} topics")));
		}
		for topic in &topics {
			if topic.is_empty() || topic.len() > 128 {
				return Err(ExchangeError::InvalidInput("a topic is 1 to 128 bytes".into()));
			}
		}
		if tag.len() > 128 {
			return Err(ExchangeError::InvalidInput("a tag is at most 128 bytes".into()));
		}
		if let Some(key) = &idempotency_key {
			if key.is_empty() || key.len() > 256 {
				return Err(ExchangeError::InvalidInput("idempotencyKey is 1 to 256 bytes".into()));
			}
		}
		if let Some(cid) = &cid {
			if crate::store::uuid_bytes(cid).is_none() {
				return Err(ExchangeError::InvalidInput("cid must be a message id (UUID)".into()));
			}
		}
		if attachments.len() > 64 {
			return Err(ExchangeError::InvalidInput("at most 64 attachments".into()));
		}
		let mut items = Vec::with_capacity(attachments.len());
		for id in &attachments {
			let item = self.inner.store.data(&namespace, id).await?.ok_or_else(|| {
				ExchangeError::InvalidInput(format!("no data item {id} in namespace {namespace}"))
			})?;
			items.push(item);
		}
		let size = serde_json::to_vec(&data).map(|v| v.len()).unwrap_or(usize::MAX)
			+ items.iter().filter(|i| i.blob.is_none()).map(|i| i.size as usize).sum::<usize>();
		if size > self.inner.config.batch_max_bytes {
			return Err(ExchangeError::InvalidInput(format!(
				"data is {size} bytes; the most is {} (send large content as a blob)",
				self.inner.config.batch_max_bytes
			)));
		}
		let me = self.me()?;
		let sale = match &sale {
			Some(request) => {
				let members = match group {
					Some(id) => self.inner.store.group(&id).await?.map(|g| g.members.len()),
					None => None,
				};
				if members != Some(2) {
					return Err(ExchangeError::InvalidInput(
						"a message for sale goes privately to a group of this node and one other"
							.into(),
					));
				}
				if transfer.is_some() {
					return Err(ExchangeError::InvalidInput(
						"a message for sale cannot also carry a transfer".into(),
					));
				}
				Some(self.sale_price(&namespace, request).await?)
			}
			None => None,
		};
		let transfer = match &transfer {
			Some(request) => Some(self.message_transfer(&namespace, request).await?),
			None => None,
		};
		let id = crate::store::uuid_string(&crate::store::new_uuid());
		let message = NewMessage {
			id: id.clone(),
			namespace,
			kind,
			author: me.did,
			created: crate::types::now_ms(),
			group,
			topics,
			tag,
			data,
			attachments: items,
			cid,
			idempotency_key,
			transfer,
			proof_of_receipt,
			sale,
		};
		self.inner.store.insert_message(&message).await.map_err(store_error)?;
		if let Some(transfer) = &message.transfer {
			let hash = message.as_batch_message()?.hash();
			let mut input = serde_json::json!({ "messageHash": hex::encode(hash) });
			if let (serde_json::Value::Object(map), serde_json::Value::Object(t)) =
				(&mut input, transfer.to_json())
			{
				map.extend(t);
			}
			let call = crate::tokens::TokenCall::Transfer {
				pool: transfer.pool,
				to: transfer.to,
				holding: transfer.holding,
				message_hash: Some(hash),
			};
			self.submit_token_call(&message.namespace, call, input, Some(&id), None).await?;
		} else {
			self.inner.send.messages_ready();
		}
		Ok(message.accepted_view()?)
	}

	/// Stores a JSON data item, validated against datatype `name/version` if given. Invalid
	/// data is refused naming the failing field.
	pub async fn create_data(
		&self,
		namespace: &str,
		name: Option<String>,
		value: serde_json::Value,
		datatype: Option<(String, String)>,
	) -> Result<crate::types::Attachment, ExchangeError> {
		check_name("namespace", namespace)?;
		let datatype = match datatype {
			Some((name, version)) => {
				let definition = self
					.inner
					.store
					.definition(namespace, "datatype", &name, &version)
					.await?
					.ok_or_else(|| {
						ExchangeError::InvalidInput(format!("no datatype {name}/{version}"))
					})?;
				crate::definitions::validate(&definition.value, &value)
					.map_err(ExchangeError::InvalidInput)?;
				Some(format!("{name}/{version}"))
			}
			None => None,
		};
		let bytes = serde_json::to_vec(&value).expect("JSON serializes");
		let item = crate::types::Attachment {
			id: crate::store::uuid_string(&crate::store::new_uuid()),
			name: name.unwrap_or_default(),
			hash: hex::encode(crate::types::blake2_256(&bytes)),
			size: bytes.len() as u64,
			datatype,
			value: Some(value),
			blob: None,
		};
		self.inner.store.insert_data(namespace, &item).await?;
		Ok(item)
	}

	/// Stores a blob already written to the blob store as a data item.
	pub async fn create_blob_data(
		&self,
		namespace: &str,
		name: String,
		hash: crate::types::Hash,
		size: u64,
	) -> Result<crate::types::Attachment, ExchangeError> {
		check_name("namespace", namespace)?;
		let item = crate::types::Attachment {
			id: crate::store::uuid_string(&crate::store::new_uuid()),
			name,
			hash: hex::encode(hash),
			size,
			datatype: None,
			value: None,
			blob: Some(hex::encode(hash)),
		};
		self.inner.store.insert_data(namespace, &item).await?;
		Ok(item)
	}

	/// Broadcasts a datatype (a JSON Schema) to every party. The first definition of a
	/// `name/version` confirmed on-chain wins everywhere; later ones are rejected with a
	/// `definition_rejected` event. Returns the message id.
	pub async fn define_datatype(
		&self,
		namespace: &str,
		name: &str,
		version: &str,
		schema: serde_json::Value,
	) -> Result<String, ExchangeError> {
		self.define(namespace, "datatype", name, version, schema).await
	}

	/// Broadcasts a definition of `kind` (`datatype`: a JSON Schema; `topic`: a named topic with
	/// any JSON description). The first `kind/name/version` confirmed wins everywhere. Returns
	/// the message id.
	pub async fn define(
		&self,
		namespace: &str,
		kind: &str,
		name: &str,
		version: &str,
		value: serde_json::Value,
	) -> Result<String, ExchangeError> {
		crate::definitions::check(kind, name, version, &value)
			.map_err(ExchangeError::InvalidInput)?;
		self.send_broadcast_message(MessageRequest {
			namespace: namespace.into(),
			topics: vec![crate::definitions::TOPIC.into()],
			tag: crate::definitions::tag(kind),
			data: serde_json::json!({ "name": name, "version": version, "value": value }),
			..Default::default()
		})
		.await
	}
}
