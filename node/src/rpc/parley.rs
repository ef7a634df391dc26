//! The `parley_*` JSON-RPC methods: send private and broadcast messages, create groups, and
//! read messages back with their state. Served on the node's RPC port (9944) next to the standard
//! Substrate methods.
//!
//! | method | params | result |
//! |---|---|---|
//! | `parley_createGroup` | `name`, `members` (node DIDs), `namespace`? | group id (hex) |
//! | `parley_sendPrivate` | `group`, `topic` (string or list), `data` (JSON), `options`? | message id |
//! | `parley_sendBroadcast` | `topic`, `data`, `options`? | message id |
//! | `parley_getMessage` | `id`, `{confirm, timeout}`? (wait until confirmed here) | message, with `state`: pending, sent, pinned, confirmed, rejected |
//! | `parley_listMessages` | `filter`? (`namespace`, `state`, `topic`, `group`, `author`, `limit`, `skip`) | messages |
//! | `parley_listGroups` | | groups (id, name, members) |
//! | `parley_listEvents` | `after`? (sequence), `limit`? | events: `message_confirmed`, `message_rejected`, `batch_acknowledged` |
//! | `parley_status` | | this node's DID, channel peer id and addresses, connected peers |
//!
//! | `parley_createData` | `value`, `options`? (`namespace`, `name`, `datatype`) | data item |
//! | `parley_defineDatatype` | `name`, `version`, `schema`, `namespace`? | message id |
//! | `parley_subscribe` / `parley_unsubscribe` | `name`, `options`?, `namespace`? | subscription (`parley_subscription` notifications) |
//! | `parley_ack` | `name`, `sequence`, `namespace`? | true |
//! | `parley_deleteSubscription` | `name`, `namespace`? | true |
//! | `parley_unblockContext` | `context` (hash or batch id) | own batch skipped on-chain (4003 for another party's: the members vote) |
//! | `parley_listOperations` / `parley_retryOperation` | filter / `id` | operations / true |
//!
//! Send `options` are `{ "namespace", "tag", "attachments", "cid", "idempotencyKey", "confirm",
//! "timeout" }`. Errors are JSON-RPC errors: -32602 for bad input, 4004 for unknown ids, 4008
//! for a timed-out wait, 4009 for a reused idempotency key (data: none; the message names the
//! first id), 4030 if this node is not a registered node identity.

use jsonrpsee::{
	core::{RpcResult, SubscriptionResult},
	proc_macros::rpc,
	types::ErrorObjectOwned,
	PendingSubscriptionSink, SubscriptionMessage,
};
use parley_offchain::{
	events::{EventHub, SubscriptionOptions},
	exchange::MessageRequest,
	store::{collections, query::ListQuery},
	types::Attachment,
	Exchange, ExchangeError, Message,
};
use serde::{Deserialize, Serialize};

/// One topic or several.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Topics {
	/// A single topic.
	One(String),
	/// Several topics.
	Many(Vec<String>),
}

impl Topics {
	fn into_vec(self) -> Vec<String> {
		match self {
			Topics::One(t) => vec![t],
			Topics::Many(t) => t,
		}
	}
}

/// Optional settings of a send.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct SendOptions {
	/// Namespace (default `default`).
	pub namespace: Option<String>,
	/// Tag (default empty).
	pub tag: Option<String>,
	/// Data item ids to attach (`parley_createData`, or blobs uploaded over REST).
	pub attachments: Vec<String>,
	/// The message this one replies to.
	pub cid: Option<String>,
	/// A resubmission with the same key fails with code 4009 and the first message's id.
	pub idempotency_key: Option<String>,
	/// Wait until the message is confirmed or rejected, and return it instead of its id.
	pub confirm: bool,
	/// How long to wait (ms, default 60000).
	pub timeout: Option<u64>,
	/// A token transfer from this node that goes with the message: `{"pool", "to", "amount"}`
	/// or with `"index"`. The message is confirmed together with the transfer.
	pub transfer: Option<parley_offchain::exchange::MessageTransferRequest>,
	/// Ask each recipient to acknowledge the batch on-chain, as proof of receipt that anyone can
	/// read (and that shows who received it). Default: the signed receipts stay off-chain.
	pub proof_of_receipt: bool,
	/// For a private message to a group of this node and one other: its price,
	/// `{"pool", "amount"}`. The recipient's node opens it only once the recipient paid it into a
	/// hash-locked escrow and this node revealed the key (hash-locked delivery versus payment).
	pub sale: Option<parley_offchain::exchange::SaleRequest>,
}

/// Optional settings of `parley_getMessage`: wait until this node has confirmed or rejected the
/// message.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WaitOptions {
	/// Wait until the message is confirmed or rejected at this node.
	pub confirm: bool,
	/// How long to wait (ms, default 60000, at most 600000).
	pub timeout: Option<u64>,
}

/// Optional settings of `parley_createData`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataOptions {
	/// Namespace (default `default`).
	pub namespace: Option<String>,
	/// A name.
	pub name: Option<String>,
	/// Validate against this datatype: `{"name": …, "version": …}`.
	pub datatype: Option<DatatypeRef>,
}

/// A datatype reference.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatatypeRef {
	/// Name.
	pub name: String,
	/// Version.
	pub version: String,
}

/// A group as the API shows it (without its secret).
#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
	/// Hex id.
	pub id: String,
	/// Namespace.
	pub namespace: String,
	/// Name.
	pub name: String,
	/// Member node identity ids.
	pub members: Vec<u32>,
}

/// An event for apps, in this node's order.
#[derive(Clone, Debug, Serialize)]
pub struct EventView {
	/// Its place in this node's order.
	pub sequence: i64,
	/// `message_confirmed`, `message_rejected` or `batch_acknowledged`.
	#[serde(rename = "type")]
	pub kind: String,
	/// Namespace.
	pub namespace: String,
	/// The message id (confirmed) or batch id (rejected, acknowledged).
	pub reference: String,
	/// Details, e.g. why a batch was rejected.
	pub detail: Option<serde_json::Value>,
}

/// What `parley_status` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
	/// This node's DID, if it is a registered node in force.
	pub node: Option<String>,
	/// The data channel's PeerId.
	pub peer_id: String,
	/// Where the channel listens.
	pub listen: Vec<String>,
	/// Channel peers connected now.
	pub connected_peers: Vec<String>,
	/// Outbox operations not yet done.
	pub pending_operations: i64,
}

/// The `parley_*` methods.
#[rpc(server, namespace = "parley")]
pub trait ParleyApi {
	/// Creates a private group of this node and the nodes with these DIDs.
	#[method(name = "createGroup")]
	async fn create_group(
		&self,
		name: String,
		members: Vec<String>,
		namespace: Option<String>,
	) -> RpcResult<String>;

	/// Sends a private message to a group; returns its id (or, with `confirm`, the message
	/// once confirmed or rejected).
	#[method(name = "sendPrivate")]
	async fn send_private(
		&self,
		group: String,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<serde_json::Value>;

	/// Sends a broadcast message to every node in force; returns its id (or, with `confirm`,
	/// the message).
	#[method(name = "sendBroadcast")]
	async fn send_broadcast(
		&self,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<serde_json::Value>;

	/// Stores a JSON data item (validated against a datatype if given), to attach to messages.
	#[method(name = "createData")]
	async fn create_data(
		&self,
		value: serde_json::Value,
		options: Option<DataOptions>,
	) -> RpcResult<Attachment>;

	/// Broadcasts a datatype (JSON Schema). The first `name/version` confirmed wins everywhere.
	/// Returns the definition message's id.
	#[method(name = "defineDatatype")]
	async fn define_datatype(
		&self,
		name: String,
		version: String,
		schema: serde_json::Value,
		namespace: Option<String>,
	) -> RpcResult<String>;

	/// Attaches to a named durable subscription (created with `options` if it does not exist)
	/// and streams its events as `parley_subscription` notifications. Ack each with `parley_ack`.
	#[subscription(name = "subscribe" => "subscription", unsubscribe = "unsubscribe", item = parley_offchain::events::Delivery)]
	async fn subscribe(
		&self,
		name: String,
		options: Option<SubscriptionOptions>,
		namespace: Option<String>,
	) -> SubscriptionResult;

	/// Acks event `sequence` of subscription `name`.
	#[method(name = "ack")]
	async fn ack(&self, name: String, sequence: i64, namespace: Option<String>) -> RpcResult<bool>;

	/// Deletes a subscription.
	#[method(name = "deleteSubscription")]
	async fn delete_subscription(&self, name: String, namespace: Option<String>)
		-> RpcResult<bool>;

	/// Skips, on-chain, a batch whose payload never arrives (`blocked`: a context hash or batch
	/// id, as `context_blocked` reports it, or the id of a batch this node sent): every node
	/// stops waiting for it. Only the batch's author may; for another party's batch the error
	/// (4003) names the governance proposal the members vote on instead. Returns the batch.
	#[method(name = "unblockContext")]
	async fn unblock_context(&self, blocked: String) -> RpcResult<String>;

	/// Operations (deliveries, pins, announcements), with the list filter syntax.
	#[method(name = "listOperations")]
	async fn list_operations(
		&self,
		filter: Option<serde_json::Map<String, serde_json::Value>>,
	) -> RpcResult<serde_json::Value>;

	/// Retries an operation now.
	#[method(name = "retryOperation")]
	async fn retry_operation(&self, id: String) -> RpcResult<bool>;

	/// Test hook: the next batch is pinned but never sent. Fails unless the node runs with
	/// `--unsafe-test-hooks`.
	#[method(name = "test_withholdNextBatch")]
	async fn withhold_next_batch(&self) -> RpcResult<bool>;

	/// Test hook: the next pin names a namespace the chain refuses, so it fails on-chain. Fails
	/// unless the node runs with `--unsafe-test-hooks`.
	#[method(name = "test_failNextPin")]
	async fn fail_next_pin(&self) -> RpcResult<bool>;

	/// Test hook: the next pin is submitted `ms` milliseconds late (at most a minute), as if a
	/// rival had time to copy it from the pool first. Fails unless the node runs with
	/// `--unsafe-test-hooks`.
	#[method(name = "test_delayNextPin")]
	async fn delay_next_pin(&self, ms: u64) -> RpcResult<bool>;

	/// Test hook: the node aborts, as a crash would, the next time a batch of its own reaches
	/// `step`: `sealed` (cut, sealed and queued), `delivered` (a receipt stored) or
	/// `pin_submitted` (the pin in the pool). Fails unless the node runs with
	/// `--unsafe-test-hooks`.
	#[method(name = "test_crashAt")]
	async fn crash_at(&self, step: String) -> RpcResult<bool>;

	/// A message and its state. With `{"confirm": true, "timeout": ms}` it waits until this node
	/// has confirmed or rejected the message, also if it has not arrived yet (each recipient
	/// confirms on its own, possibly after the sender); 4008 if not in time.
	#[method(name = "getMessage")]
	async fn get_message(&self, id: String, wait: Option<WaitOptions>) -> RpcResult<Message>;

	/// Messages matching a filter (the list filter syntax: `{"topics": "claim-1", "state":
	/// "confirmed", "created": ">1700000000000", "sort": "-created", "limit": 10, "count":
	/// true}`; `namespace` picks the namespace, default `default`). An array, or
	/// `{items, total}` with `count`.
	#[method(name = "listMessages")]
	async fn list_messages(
		&self,
		filter: Option<serde_json::Map<String, serde_json::Value>>,
	) -> RpcResult<serde_json::Value>;

	/// The groups this node belongs to.
	#[method(name = "listGroups")]
	async fn list_groups(&self) -> RpcResult<Vec<GroupView>>;

	/// Events after sequence `after` (default 0), oldest first, at most `limit` (default 100).
	#[method(name = "listEvents")]
	async fn list_events(
		&self,
		after: Option<i64>,
		limit: Option<i64>,
	) -> RpcResult<Vec<EventView>>;

	/// This node's private data service: identity, channel, pending work.
	#[method(name = "status")]
	async fn status(&self) -> RpcResult<Status>;

	/// Test hook: flips a byte of the next outbound sealed batch. Fails unless the node runs
	/// with `--unsafe-test-hooks`.
	#[method(name = "test_tamperNextDelivery")]
	async fn tamper_next_delivery(&self) -> RpcResult<bool>;
}

/// Serves the `parley_*` methods from a node's [`Exchange`] and its [`EventHub`].
pub struct ParleyRpc {
	exchange: Exchange,
	hub: EventHub,
}

impl ParleyRpc {
	/// Serves `exchange` and `hub`.
	pub fn new(exchange: Exchange, hub: EventHub) -> Self {
		Self { exchange, hub }
	}

	async fn send(
		&self,
		group: Option<String>,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<serde_json::Value> {
		let options = options.unwrap_or_default();
		let send = MessageRequest {
			namespace: options.namespace.clone().unwrap_or_else(|| "default".into()),
			topics: topic.into_vec(),
			tag: options.tag.clone().unwrap_or_default(),
			data,
			attachments: options.attachments.clone(),
			cid: options.cid.clone(),
			idempotency_key: options.idempotency_key.clone(),
			transfer: options.transfer.clone(),
			proof_of_receipt: options.proof_of_receipt,
			sale: options.sale.clone(),
		};
		let id = match group {
			Some(group) => self.exchange.send_private_message(&group, send).await,
			None => self.exchange.send_broadcast_message(send).await,
		}
		.map_err(rpc_error)?;
		if !options.confirm {
			return Ok(serde_json::Value::String(id));
		}
		let message = self
			.exchange
			.wait_for_outcome(&id, wait_time(options.timeout))
			.await
			.map_err(rpc_error)?;
		Ok(serde_json::to_value(message).expect("messages serialize"))
	}
}

impl ParleyRpc {
	/// Lists a collection with the shared filter syntax; `namespace` in the filter picks the
	/// namespace. (`topic` is accepted for `topics`, as the first version of the API had it.)
	async fn list(
		&self,
		collection: &parley_offchain::store::query::Collection,
		filter: Option<serde_json::Map<String, serde_json::Value>>,
	) -> RpcResult<serde_json::Value> {
		list_collection(&self.exchange, collection, filter).await
	}
}

/// Lists a collection with the list filter syntax; `namespace` in the filter picks the
/// namespace (default `default`).
pub(crate) async fn list_collection(
	exchange: &Exchange,
	collection: &parley_offchain::store::query::Collection,
	filter: Option<serde_json::Map<String, serde_json::Value>>,
) -> RpcResult<serde_json::Value> {
	{
		let mut filter = filter.unwrap_or_default();
		let namespace = match filter.remove("namespace") {
			Some(serde_json::Value::String(ns)) => ns,
			Some(_) => return Err(invalid("namespace must be a string")),
			None => "default".into(),
		};
		if let Some(topic) = filter.remove("topic") {
			filter.insert("topics".into(), topic);
		}
		let query = ListQuery::from_json(&filter).map_err(|e| invalid(&e))?;
		let page = exchange.list(collection, &namespace, &query).await.map_err(rpc_error)?;
		Ok(if query.count {
			serde_json::to_value(page).expect("pages serialize")
		} else {
			serde_json::Value::Array(page.items)
		})
	}
}

pub(crate) fn invalid(message: &str) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(-32602, message.to_string(), None::<()>)
}

/// How long a call with `confirm` waits: `timeout` ms (default 60 s), at most 10 minutes.
pub(crate) fn wait_time(timeout: Option<u64>) -> std::time::Duration {
	std::time::Duration::from_millis(timeout.unwrap_or(60_000).min(600_000))
}

pub(crate) fn rpc_error(e: ExchangeError) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>)
}

#[jsonrpsee::core::async_trait]
impl ParleyApiServer for ParleyRpc {
	async fn create_group(
		&self,
		name: String,
		members: Vec<String>,
		namespace: Option<String>,
	) -> RpcResult<String> {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		self.exchange.create_group(&namespace, &name, &members).await.map_err(rpc_error)
	}

	async fn send_private(
		&self,
		group: String,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<serde_json::Value> {
		self.send(Some(group), topic, data, options).await
	}

	async fn send_broadcast(
		&self,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<serde_json::Value> {
		self.send(None, topic, data, options).await
	}

	async fn create_data(
		&self,
		value: serde_json::Value,
		options: Option<DataOptions>,
	) -> RpcResult<Attachment> {
		let options = options.unwrap_or_default();
		let namespace = options.namespace.unwrap_or_else(|| "default".into());
		self.exchange
			.create_data(
				&namespace,
				options.name,
				value,
				options.datatype.map(|d| (d.name, d.version)),
			)
			.await
			.map_err(rpc_error)
	}

	async fn define_datatype(
		&self,
		name: String,
		version: String,
		schema: serde_json::Value,
		namespace: Option<String>,
	) -> RpcResult<String> {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		self.exchange.define_datatype(&namespace, &name, &version, schema).await.map_err(rpc_error)
	}

	async fn subscribe(
		&self,
		pending: PendingSubscriptionSink,
		name: String,
		options: Option<SubscriptionOptions>,
		namespace: Option<String>,
	) -> SubscriptionResult {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		let (connection, mut deliveries) = match self.hub.attach(&namespace, &name, options).await {
			Ok(attached) => attached,
			Err(e) => {
				pending.reject(ErrorObjectOwned::owned(-32602, e.to_string(), None::<()>)).await;
				return Ok(());
			}
		};
		let Ok(sink) = pending.accept().await else {
			self.hub.detach(&namespace, &name, connection);
			return Ok(());
		};
		loop {
			tokio::select! {
				delivery = deliveries.recv() => match delivery {
					Some(delivery) => {
						let Ok(message) = SubscriptionMessage::from_json(&delivery) else { break };
						if sink.send(message).await.is_err() {
							break;
						}
					},
					None => break,
				},
				_ = sink.closed() => break,
			}
		}
		self.hub.detach(&namespace, &name, connection);
		Ok(())
	}

	async fn ack(&self, name: String, sequence: i64, namespace: Option<String>) -> RpcResult<bool> {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		self.hub
			.ack(&namespace, &name, sequence)
			.await
			.map_err(|e| ErrorObjectOwned::owned(4004, e.to_string(), None::<()>))?;
		Ok(true)
	}

	async fn delete_subscription(
		&self,
		name: String,
		namespace: Option<String>,
	) -> RpcResult<bool> {
		let namespace = namespace.unwrap_or_else(|| "default".into());
		self.hub
			.unsubscribe(&namespace, &name)
			.await
			.map_err(|e| ErrorObjectOwned::owned(4004, e.to_string(), None::<()>))?;
		Ok(true)
	}

	async fn unblock_context(&self, blocked: String) -> RpcResult<String> {
		self.exchange.skip_context(&blocked).await.map_err(rpc_error)
	}

	async fn list_operations(
		&self,
		filter: Option<serde_json::Map<String, serde_json::Value>>,
	) -> RpcResult<serde_json::Value> {
		self.list(&collections::OPERATIONS, filter).await
	}

	async fn retry_operation(&self, id: String) -> RpcResult<bool> {
		self.exchange.retry_operation(&id).await.map_err(rpc_error)?;
		Ok(true)
	}

	async fn withhold_next_batch(&self) -> RpcResult<bool> {
		self.exchange.withhold_next_batch().map_err(rpc_error)?;
		Ok(true)
	}

	async fn fail_next_pin(&self) -> RpcResult<bool> {
		self.exchange.fail_next_pin().map_err(rpc_error)?;
		Ok(true)
	}

	async fn delay_next_pin(&self, ms: u64) -> RpcResult<bool> {
		self.exchange.delay_next_pin(ms).map_err(rpc_error)?;
		Ok(true)
	}

	async fn crash_at(&self, step: String) -> RpcResult<bool> {
		self.exchange.crash_at(&step).map_err(rpc_error)?;
		Ok(true)
	}

	async fn get_message(&self, id: String, wait: Option<WaitOptions>) -> RpcResult<Message> {
		match wait {
			Some(WaitOptions { confirm: true, timeout }) => {
				self.exchange.wait_for_outcome(&id, wait_time(timeout)).await.map_err(rpc_error)
			}
			_ => self.exchange.message(&id).await.map_err(rpc_error),
		}
	}

	async fn list_messages(
		&self,
		filter: Option<serde_json::Map<String, serde_json::Value>>,
	) -> RpcResult<serde_json::Value> {
		self.list(&collections::MESSAGES, filter).await
	}

	async fn list_groups(&self) -> RpcResult<Vec<GroupView>> {
		let groups = self.exchange.groups().await.map_err(rpc_error)?;
		Ok(groups
			.into_iter()
			.map(|g| GroupView {
				id: hex::encode(g.id),
				namespace: g.namespace,
				name: g.name,
				members: g.members,
			})
			.collect())
	}

	async fn list_events(
		&self,
		after: Option<i64>,
		limit: Option<i64>,
	) -> RpcResult<Vec<EventView>> {
		let events = self
			.exchange
			.store()
			.events_after(after.unwrap_or(0), limit.unwrap_or(100).clamp(1, 1000))
			.await
			.map_err(|e| rpc_error(e.into()))?;
		Ok(events
			.into_iter()
			.map(|e| EventView {
				sequence: e.sequence,
				kind: e.kind,
				namespace: e.namespace,
				reference: e.reference,
				detail: e.detail,
			})
			.collect())
	}

	async fn status(&self) -> RpcResult<Status> {
		let channel = self.exchange.channel();
		let internal = |e: String| ErrorObjectOwned::owned(-32603, e, None::<()>);
		Ok(Status {
			node: self.exchange.me().ok().map(|n| n.did),
			peer_id: channel.local_peer().to_string(),
			listen: channel
				.listen_addrs()
				.await
				.map_err(|e| internal(e.to_string()))?
				.iter()
				.map(|a| a.to_string())
				.collect(),
			connected_peers: channel
				.connected_peers()
				.await
				.map_err(|e| internal(e.to_string()))?
				.iter()
				.map(|p| p.to_string())
				.collect(),
			pending_operations: self
				.exchange
				.store()
				.pending_op_count()
				.await
				.map_err(|e| internal(e.to_string()))?,
		})
	}

	async fn tamper_next_delivery(&self) -> RpcResult<bool> {
		self.exchange.tamper_next_delivery().map_err(rpc_error)?;
		Ok(true)
	}
}
