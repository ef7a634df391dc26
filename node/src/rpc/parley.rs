//! The `parley_*` JSON-RPC methods: send private and broadcast messages, create groups, and
//! read messages back with their state. Served on the node's RPC port (9944) next to the standard
//! Substrate methods.
//!
//! | method | params | result |
//! |---|---|---|
//! | `parley_createGroup` | `name`, `members` (node DIDs), `namespace`? | group id (hex) |
//! | `parley_sendPrivate` | `group`, `topic` (string or list), `data` (JSON), `options`? | message id |
//! | `parley_sendBroadcast` | `topic`, `data`, `options`? | message id |
//! | `parley_getMessage` | `id` | message, with `state`: pending, sent, pinned, confirmed, rejected |
//! | `parley_listMessages` | `filter`? (`namespace`, `state`, `topic`, `group`, `author`, `limit`, `skip`) | messages |
//! | `parley_listGroups` | | groups (id, name, members) |
//! | `parley_listEvents` | `after`? (sequence), `limit`? | events: `message_confirmed`, `message_rejected`, `batch_acknowledged` |
//! | `parley_status` | | this node's DID, channel peer id and addresses, connected peers |
//!
//! `options` is `{ "namespace": "default", "tag": "" }`. Errors are JSON-RPC errors: -32602 for
//! bad input, 4004 for unknown ids, 4030 if this node is not a registered node identity.

use jsonrpsee::{core::RpcResult, proc_macros::rpc, types::ErrorObjectOwned};
use parley_offchain::{store::MessageFilter, Exchange, ExchangeError, Message};
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
#[serde(default, deny_unknown_fields)]
pub struct SendOptions {
	/// Namespace (default `default`).
	pub namespace: Option<String>,
	/// Tag (default empty).
	pub tag: Option<String>,
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

	/// Sends a private message to a group; returns its id.
	#[method(name = "sendPrivate")]
	async fn send_private(
		&self,
		group: String,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<String>;

	/// Sends a broadcast message to every node in force; returns its id.
	#[method(name = "sendBroadcast")]
	async fn send_broadcast(
		&self,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<String>;

	/// A message and its state.
	#[method(name = "getMessage")]
	async fn get_message(&self, id: String) -> RpcResult<Message>;

	/// Messages matching a filter: confirmed ones in confirmation order, then the rest.
	#[method(name = "listMessages")]
	async fn list_messages(&self, filter: Option<MessageFilter>) -> RpcResult<Vec<Message>>;

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

/// Serves the `parley_*` methods from a node's [`Exchange`].
pub struct ParleyRpc {
	exchange: Exchange,
}

impl ParleyRpc {
	/// Serves `exchange`.
	pub fn new(exchange: Exchange) -> Self {
		Self { exchange }
	}
}

fn rpc_error(e: ExchangeError) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(e.code(), e.to_string(), None::<()>)
}

fn namespace(options: &Option<SendOptions>) -> String {
	options.as_ref().and_then(|o| o.namespace.clone()).unwrap_or_else(|| "default".into())
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
	) -> RpcResult<String> {
		let tag = options.as_ref().and_then(|o| o.tag.clone()).unwrap_or_default();
		self.exchange
			.send_private(&namespace(&options), &group, topic.into_vec(), tag, data)
			.await
			.map_err(rpc_error)
	}

	async fn send_broadcast(
		&self,
		topic: Topics,
		data: serde_json::Value,
		options: Option<SendOptions>,
	) -> RpcResult<String> {
		let tag = options.as_ref().and_then(|o| o.tag.clone()).unwrap_or_default();
		self.exchange
			.send_broadcast(&namespace(&options), topic.into_vec(), tag, data)
			.await
			.map_err(rpc_error)
	}

	async fn get_message(&self, id: String) -> RpcResult<Message> {
		self.exchange.message(&id).await.map_err(rpc_error)
	}

	async fn list_messages(&self, filter: Option<MessageFilter>) -> RpcResult<Vec<Message>> {
		self.exchange.messages(&filter.unwrap_or_default()).await.map_err(rpc_error)
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
			.map(|(sequence, kind, namespace, reference, detail)| EventView {
				sequence,
				kind,
				namespace,
				reference,
				detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
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
