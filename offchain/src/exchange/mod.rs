//! The exchange: this node's private data service. It accepts messages from apps, batches,
//! seals and delivers them, pins them, matches the pins it sees on-chain with the payloads it
//! holds, and releases confirmed messages in order.
//!
//! [`Exchange::start`] returns the handle and the long-running tasks for the node to spawn:
//! - `batcher`: cuts pending messages into batches (up to N messages or T ms);
//! - `outbox`: runs durable deliveries, pins and group announcements, with retry and backoff;
//! - `aggregator`: records blocks in order, releases batches whose pins and payloads match, and
//!   fetches missing payloads again (reconciliation);
//! - `inbound`: answers the channel's requests (deliveries, fetches, group announcements, blob
//!   chunks);
//! - `channel`: the libp2p event loop.

mod aggregator;
mod batcher;
pub mod inbound;
mod outbox;
pub mod tokens;

pub use tokens::{
	ApproveRequest, BurnRequest, ClaimRequest, ClaimTransferRequest, CreatePoolRequest,
	EscrowRequest, MessageTransferRequest, MintRequest, PoolRef, TransferRequest,
};

use crate::{
	blobs::BlobStore,
	chain::{ChainView, Submitter},
	channel::{self, ChannelClient, ChannelConfig},
	envelope::{EncryptionKey, ReceiptSigner},
	keys::NodeKeys,
	store::{NewMessage, Store, StoreError},
	types::{ChainBlock, Group, Message, MessageKind, NodeId, NodeIdentity},
};
use futures::future::BoxFuture;
use libp2p::{Multiaddr, PeerId};
use std::{
	collections::HashMap,
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, RwLock,
	},
	time::Duration,
};
use tokio::sync::{mpsc, Notify};

/// Log target of the exchange.
pub(crate) const LOG: &str = "parley";

/// How the exchange behaves.
#[derive(Clone, Debug)]
pub struct ExchangeConfig {
	/// Where the database, payloads and blobs live.
	pub data_dir: PathBuf,
	/// The database URL; `None` means SQLite in `data_dir`.
	pub database_url: Option<String>,
	/// The channel's settings.
	pub channel: ChannelConfig,
	/// Extra addresses of peers (`/ip4/…/tcp/…/p2p/<peer id>`), used besides those on-chain.
	pub peer_addrs: Vec<Multiaddr>,
	/// Most messages per batch.
	pub batch_max_messages: usize,
	/// Most data bytes per batch (before sealing).
	pub batch_max_bytes: usize,
	/// How long a batch waits for more messages.
	pub batch_timeout: Duration,
	/// How long after its pin a missing payload is first asked for again.
	pub fetch_after: Duration,
	/// First retry delay of outbox operations; doubles per attempt.
	pub retry_base: Duration,
	/// Longest retry delay.
	pub retry_max: Duration,
	/// How long to wait for a submitted pin to appear on-chain before submitting it again.
	pub pin_resubmit_after: Duration,
	/// Failed attempts after which a delivery is marked failed (until retried by id, or its
	/// recipient reconnects).
	pub max_delivery_attempts: u32,
	/// How long a pin may hold back later ones before a `context_blocked` event reports it.
	pub context_block_after: Duration,
	/// Enables test-only hooks (tampering with the next outbound payload). Never in production.
	pub test_hooks: bool,
}

impl ExchangeConfig {
	/// Defaults for a node keeping its data in `data_dir`.
	pub fn new(data_dir: PathBuf) -> Self {
		Self {
			data_dir,
			database_url: None,
			channel: ChannelConfig::default(),
			peer_addrs: Vec::new(),
			batch_max_messages: 200,
			batch_max_bytes: 4 * 1024 * 1024,
			batch_timeout: Duration::from_millis(200),
			fetch_after: Duration::from_secs(3),
			retry_base: Duration::from_millis(500),
			retry_max: Duration::from_secs(20),
			pin_resubmit_after: Duration::from_secs(30),
			max_delivery_attempts: 1000,
			context_block_after: Duration::from_secs(60),
			test_hooks: false,
		}
	}
}

/// One look of [`Exchange::wait_on_events`]: done, or not yet and why.
pub(crate) enum Waited<T> {
	/// Done, with the value.
	Done(T),
	/// Not yet: the reason, for the timeout error.
	NotYet(String),
}

/// Why an exchange call failed. Each maps to a JSON-RPC error code.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
	/// The input is not acceptable.
	#[error("invalid input: {0}")]
	InvalidInput(String),
	/// No such message or group.
	#[error("not found: {0}")]
	NotFound(String),
	/// This node has no node identity in force on-chain, so it cannot send.
	#[error("this node is not a registered node identity in force (account 0x{0})")]
	NotRegistered(String),
	/// The private store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// Reading the chain failed.
	#[error("chain: {0}")]
	Chain(String),
	/// The idempotency key was already used; the first message's id.
	#[error("idempotency key already used by message {0}")]
	Conflict(String),
	/// A wait (confirm, request/reply) ran out of time.
	#[error("timed out: {0}")]
	Timeout(String),
	/// The chain refused a transaction this node submitted (the pool, or the pallet).
	#[error("refused by the chain: {0}")]
	Rejected(String),
}

impl ExchangeError {
	/// The JSON-RPC error code: -32602 for bad input, 4004 not found, 4030 not registered,
	/// 4022 refused by the chain, -32603 internal.
	pub fn code(&self) -> i32 {
		match self {
			ExchangeError::InvalidInput(_) => -32602,
			ExchangeError::Store(StoreError::BadQuery(_)) => -32602,
			ExchangeError::NotFound(_) => 4004,
			ExchangeError::NotRegistered(_) => 4030,
			ExchangeError::Conflict(_) => 4009,
			ExchangeError::Timeout(_) => 4008,
			ExchangeError::Rejected(_) => 4022,
			ExchangeError::Store(_) | ExchangeError::Chain(_) => -32603,
		}
	}

	/// The HTTP status of this error on the REST API.
	pub fn http_status(&self) -> u16 {
		match self {
			ExchangeError::InvalidInput(_) | ExchangeError::Store(StoreError::BadQuery(_)) => 400,
			ExchangeError::NotFound(_) => 404,
			ExchangeError::NotRegistered(_) => 409,
			ExchangeError::Conflict(_) => 409,
			ExchangeError::Timeout(_) => 408,
			ExchangeError::Rejected(_) => 422,
			ExchangeError::Store(_) | ExchangeError::Chain(_) => 500,
		}
	}
}

/// Maps a store error, turning a duplicate idempotency key into a conflict.
fn store_error(e: StoreError) -> ExchangeError {
	match e {
		StoreError::Duplicate(id) => ExchangeError::Conflict(id),
		other => ExchangeError::Store(other),
	}
}

/// A message to send, as apps describe it.
#[derive(Clone, Debug, Default)]
pub struct MessageRequest {
	/// Namespace (default `default`).
	pub namespace: String,
	/// Topics (1 to 16).
	pub topics: Vec<String>,
	/// Tag.
	pub tag: String,
	/// The message's own JSON data (`null` if it only carries attachments).
	pub data: serde_json::Value,
	/// Ids of data items (in the namespace) to attach.
	pub attachments: Vec<String>,
	/// The message this one replies to.
	pub cid: Option<String>,
	/// A resubmission with the same key gets the first message's id back (a conflict).
	pub idempotency_key: Option<String>,
	/// A token transfer from this node's account that goes with the message: the transfer is
	/// submitted first, carrying the message's hash, and the message is batched only once the
	/// transfer is on-chain.
	pub transfer: Option<MessageTransferRequest>,
}

/// The node identities known from the chain, indexed.
#[derive(Default)]
struct Directory {
	by_id: HashMap<NodeId, NodeIdentity>,
	by_peer: HashMap<PeerId, NodeId>,
}

pub(crate) struct Inner {
	pub(crate) store: Store,
	pub(crate) blobs: BlobStore,
	pub(crate) channel: ChannelClient,
	pub(crate) chain: Arc<dyn ChainView>,
	pub(crate) submitter: Arc<dyn Submitter>,
	pub(crate) encryption: EncryptionKey,
	pub(crate) signer: Arc<dyn ReceiptSigner>,
	pub(crate) config: ExchangeConfig,
	directory: RwLock<Directory>,
	pub(crate) batcher_wake: Notify,
	pub(crate) outbox_wake: Notify,
	pub(crate) aggregator_wake: Notify,
	pub(crate) blocks: mpsc::Sender<ChainBlock>,
	pub(crate) tamper_next: AtomicBool,
	/// Notified whenever events for apps are written.
	pub(crate) events_wake: Notify,
	/// Test hook: the next batch is pinned but never sent (nor served to fetches).
	pub(crate) withhold_next: AtomicBool,
	/// Test hook: the next pin is submitted with a namespace the chain refuses.
	pub(crate) fail_next_pin: AtomicBool,
	/// Test hook: batches withheld so far.
	pub(crate) withheld: std::sync::Mutex<std::collections::HashSet<crate::types::BatchId>>,
	/// Blobs being fetched now, so each is fetched once.
	pub(crate) fetching: std::sync::Mutex<std::collections::HashSet<crate::types::Hash>>,
}

/// A cloneable handle to this node's private data service.
#[derive(Clone)]
pub struct Exchange {
	pub(crate) inner: Arc<Inner>,
}

/// A named task for the node to spawn (and treat as essential).
pub type Task = (&'static str, BoxFuture<'static, ()>);

impl Exchange {
	/// Opens the store, starts the channel, and returns the handle and the tasks to spawn.
	pub async fn start(
		config: ExchangeConfig,
		keys: NodeKeys,
		signer: Arc<dyn ReceiptSigner>,
		chain: Arc<dyn ChainView>,
		submitter: Arc<dyn Submitter>,
	) -> Result<(Self, Vec<Task>), String> {
		let url = config
			.database_url
			.clone()
			.unwrap_or_else(|| format!("sqlite://{}", config.data_dir.join("parley.db").display()));
		let store = Store::open(&url, &config.data_dir.join("payloads"))
			.await
			.map_err(|e| format!("cannot open the private store at {url}: {e}"))?;
		let blobs = BlobStore::new(&config.data_dir.join("blobs"))
			.map_err(|e| format!("cannot open the blob store: {e}"))?;
		let (channel, inbound, channel_loop) =
			channel::start(keys.channel, config.channel.clone())?;
		let (blocks, blocks_rx) = mpsc::channel(64);
		let exchange = Exchange {
			inner: Arc::new(Inner {
				store,
				blobs,
				channel,
				chain,
				submitter,
				encryption: keys.encryption,
				signer,
				config,
				directory: RwLock::new(Directory::default()),
				batcher_wake: Notify::new(),
				outbox_wake: Notify::new(),
				aggregator_wake: Notify::new(),
				blocks,
				tamper_next: AtomicBool::new(false),
				events_wake: Notify::new(),
				withhold_next: AtomicBool::new(false),
				fail_next_pin: AtomicBool::new(false),
				withheld: Default::default(),
				fetching: Default::default(),
			}),
		};
		if let Err(e) = exchange.refresh_identities().await {
			log::warn!(target: LOG, "could not read node identities yet: {e}");
		}
		match exchange.inner.store.fail_interrupted_token_ops().await {
			Ok(0) => {}
			Ok(n) => {
				log::warn!(target: LOG, "{n} token operation(s) interrupted by a stop marked failed")
			}
			Err(e) => return Err(format!("cannot check interrupted token operations: {e}")),
		}
		let tasks: Vec<Task> = vec![
			("parley-channel", Box::pin(channel_loop)),
			("parley-batcher", Box::pin(batcher::run(exchange.clone()))),
			("parley-outbox", Box::pin(outbox::run(exchange.clone()))),
			("parley-aggregator", Box::pin(aggregator::run(exchange.clone(), blocks_rx))),
			("parley-inbound", Box::pin(inbound::run(exchange.clone(), inbound))),
		];
		Ok((exchange, tasks))
	}

	/// The private store (read access for APIs and tests).
	pub fn store(&self) -> &Store {
		&self.inner.store
	}

	/// The blob store.
	pub fn blobs(&self) -> &BlobStore {
		&self.inner.blobs
	}

	/// The channel.
	pub fn channel(&self) -> &ChannelClient {
		&self.inner.channel
	}

	/// Re-reads the node identities from the chain and updates who may connect to the channel.
	/// The node calls this on every imported block.
	pub async fn refresh_identities(&self) -> Result<(), ExchangeError> {
		let nodes = self.inner.chain.nodes().map_err(ExchangeError::Chain)?;
		let mut allowed: Vec<(PeerId, Vec<Multiaddr>)> = Vec::new();
		let mut directory = Directory::default();
		for node in nodes {
			if let Ok(peer) = PeerId::from_bytes(&node.peer_id) {
				if node.active {
					let mut addrs: Vec<Multiaddr> =
						node.multiaddrs.iter().filter_map(|a| a.parse().ok()).collect();
					addrs.extend(self.configured_addrs(&peer));
					allowed.push((peer, addrs));
				}
				directory.by_peer.insert(peer, node.id);
			}
			directory.by_id.insert(node.id, node);
		}
		let changed = {
			let mut current = self.inner.directory.write().expect("directory lock");
			let changed = current.by_id != directory.by_id;
			*current = directory;
			changed
		};
		if changed {
			self.inner
				.channel
				.set_peers(allowed)
				.await
				.map_err(|e| ExchangeError::Chain(e.to_string()))?;
			self.inner.outbox_wake.notify_one();
		}
		Ok(())
	}

	fn configured_addrs(&self, peer: &PeerId) -> Vec<Multiaddr> {
		self.inner
			.config
			.peer_addrs
			.iter()
			.filter(|addr| {
				addr.iter()
					.any(|p| matches!(p, libp2p::multiaddr::Protocol::P2p(id) if id == *peer))
			})
			.cloned()
			.collect()
	}

	/// Hands a block to the aggregator. Blocks must come in order, each once; the node starts
	/// from [`Exchange::next_block`].
	pub async fn on_block(&self, block: ChainBlock) {
		if self.inner.blocks.send(block).await.is_err() {
			log::error!(target: LOG, "the aggregator has stopped; block dropped");
		}
	}

	/// The first block the aggregator has not processed (after a restart, the node replays from
	/// here).
	pub async fn next_block(&self) -> Result<u64, ExchangeError> {
		Ok(self.inner.store.cursor().await?.map(|(n, _)| n + 1).unwrap_or(0))
	}

	pub(crate) fn node(&self, id: NodeId) -> Option<NodeIdentity> {
		self.inner.directory.read().expect("directory lock").by_id.get(&id).cloned()
	}

	pub(crate) fn node_by_peer(&self, peer: &PeerId) -> Option<NodeIdentity> {
		let directory = self.inner.directory.read().expect("directory lock");
		directory.by_peer.get(peer).and_then(|id| directory.by_id.get(id)).cloned()
	}

	/// The node identity (in force or not) whose account is `account`.
	pub(crate) fn node_by_account(&self, account: &[u8; 32]) -> Option<NodeIdentity> {
		let directory = self.inner.directory.read().expect("directory lock");
		directory.by_id.values().find(|n| &n.account == account).cloned()
	}

	pub(crate) fn active_nodes(&self) -> Vec<NodeIdentity> {
		let directory = self.inner.directory.read().expect("directory lock");
		let mut nodes: Vec<NodeIdentity> =
			directory.by_id.values().filter(|n| n.active).cloned().collect();
		nodes.sort_by_key(|n| n.id);
		nodes
	}

	/// This node's identity on-chain: the node whose account is this node's signing account.
	pub fn me(&self) -> Result<NodeIdentity, ExchangeError> {
		let account = self.inner.signer.account();
		self.inner
			.directory
			.read()
			.expect("directory lock")
			.by_id
			.values()
			.find(|n| n.account == account && n.active)
			.cloned()
			.ok_or_else(|| ExchangeError::NotRegistered(hex::encode(account)))
	}

	pub(crate) fn peer_of(node: &NodeIdentity) -> Option<PeerId> {
		PeerId::from_bytes(&node.peer_id).ok()
	}

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
		members.sort();
		let group = Group {
			id: crate::store::new_uuid(),
			namespace: namespace.into(),
			name: name.into(),
			members: members.clone(),
			secret: rand::random(),
		};
		let others: Vec<NodeId> = members.into_iter().filter(|m| *m != me.id).collect();
		self.inner.store.save_group(&group, &others).await?;
		self.inner.outbox_wake.notify_one();
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

	/// Accepts a broadcast message, with attachments, reply id and idempotency key. Returns its
	/// id.
	pub async fn send_broadcast_message(
		&self,
		send: MessageRequest,
	) -> Result<String, ExchangeError> {
		self.accept(MessageKind::Broadcast, None, send).await
	}

	async fn accept(
		&self,
		kind: MessageKind,
		group: Option<[u8; 16]>,
		send: MessageRequest,
	) -> Result<String, ExchangeError> {
		let MessageRequest {
			namespace,
			topics,
			tag,
			data,
			attachments,
			cid,
			idempotency_key,
			transfer,
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
			group,
			topics,
			tag,
			data,
			attachments: items,
			cid,
			idempotency_key,
			transfer,
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
			self.submit_token_call(&message.namespace, call, input, Some(&id)).await?;
		} else {
			self.inner.batcher_wake.notify_one();
		}
		Ok(id)
	}

	/// A message by id.
	pub async fn message(&self, id: &str) -> Result<Message, ExchangeError> {
		self.inner
			.store
			.message(id)
			.await?
			.ok_or_else(|| ExchangeError::NotFound(format!("message {id}")))
	}

	/// Reads with `read` now and again each time this node records something new (a block, a
	/// delivery, an acknowledgement), until it is [`Waited::Done`] or `timeout` has passed: then
	/// a `Timeout` error with the last reason it was not done.
	pub(crate) async fn wait_on_events<T, Fut>(
		&self,
		timeout: Duration,
		read: impl Fn() -> Fut,
	) -> Result<T, ExchangeError>
	where
		Fut: std::future::Future<Output = Result<Waited<T>, ExchangeError>>,
	{
		let deadline = tokio::time::Instant::now() + timeout;
		loop {
			let notified = self.inner.events_wake.notified();
			let why = match read().await? {
				Waited::Done(value) => return Ok(value),
				Waited::NotYet(why) => why,
			};
			if tokio::time::timeout_at(deadline, notified).await.is_err() {
				return Err(ExchangeError::Timeout(why));
			}
		}
	}

	/// Waits (up to `timeout`) until message `id` is confirmed or rejected; returns it.
	pub async fn wait_for_outcome(
		&self,
		id: &str,
		timeout: Duration,
	) -> Result<Message, ExchangeError> {
		self.wait_on_events(timeout, || async move {
			let message = self.message(id).await?;
			Ok(match message.state {
				crate::types::MessageState::Confirmed | crate::types::MessageState::Rejected => {
					Waited::Done(message)
				}
				state => Waited::NotYet(format!("message {id} is still {}", state.as_str())),
			})
		})
		.await
	}

	/// Waits (up to `timeout`) for a confirmed reply to message `id` (a message whose `cid` is
	/// `id`); returns it.
	pub async fn wait_for_reply(
		&self,
		namespace: &str,
		id: &str,
		timeout: Duration,
	) -> Result<Message, ExchangeError> {
		let query = crate::store::query::ListQuery::parse([
			("cid".to_string(), id.to_string()),
			("state".to_string(), "confirmed".to_string()),
		])
		.expect("a valid query");
		let query = &query;
		let reply_id = self
			.wait_on_events(timeout, || async move {
				let page =
					self.list(&crate::store::collections::MESSAGES, namespace, query).await?;
				Ok(match page.items.first() {
					Some(reply) => {
						Waited::Done(reply["id"].as_str().unwrap_or_default().to_string())
					}
					None => Waited::NotYet(format!("no reply to {id} yet")),
				})
			})
			.await?;
		self.message(&reply_id).await
	}

	/// Lists a collection in a namespace (or across all, for collections without one).
	pub async fn list(
		&self,
		collection: &crate::store::query::Collection,
		namespace: &str,
		query: &crate::store::query::ListQuery,
	) -> Result<crate::store::query::Page, ExchangeError> {
		let scope: Vec<(&str, &str)> = match collection.table {
			"outbox" => vec![],
			_ => vec![("namespace", namespace)],
		};
		Ok(self.inner.store.list(collection, &scope, query).await?)
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

	/// Makes a failed (or pending) operation due now, with its attempts reset. A pin that failed
	/// on-chain and the deliveries it cancelled are final: refused as invalid input.
	pub async fn retry_operation(&self, id: &str) -> Result<(), ExchangeError> {
		match self.inner.store.retry_op_now(id).await? {
			crate::store::RetryOutcome::Retried => {
				self.inner.outbox_wake.notify_one();
				Ok(())
			}
			crate::store::RetryOutcome::NotFound => {
				Err(ExchangeError::NotFound(format!("operation {id}")))
			}
			crate::store::RetryOutcome::Final(why) => {
				Err(ExchangeError::InvalidInput(format!("operation {id} cannot be retried: {why}")))
			}
		}
	}

	/// Asks every node to stop waiting on the batch that blocks `context` (hex): submits
	/// `pins.skip_batch` for the earliest pending pin carrying it. Returns that batch (hex).
	pub async fn skip_context(&self, context: &str) -> Result<String, ExchangeError> {
		let bytes = hex::decode(context.trim_start_matches("0x")).map_err(|_| {
			ExchangeError::InvalidInput(
				"give a context (32-byte hex) or a batch id (16-byte hex)".into(),
			)
		})?;
		let pins = self.inner.store.pending_pins().await?;
		let blocking = match bytes.len() {
			32 => pins.iter().find(|p| p.contexts.iter().any(|c| c[..] == bytes[..])),
			16 => pins.iter().find(|p| p.batch_id[..] == bytes[..]),
			_ => {
				return Err(ExchangeError::InvalidInput(
					"give a context (32-byte hex) or a batch id (16-byte hex)".into(),
				))
			}
		}
		.ok_or_else(|| ExchangeError::NotFound(format!("no pending pin on {context}")))?;
		// The chain refuses a skip until the pin is `skip_after` blocks old; say so now rather
		// than submit a transaction that fails on-chain.
		let chain = &self.inner.chain;
		let ready_at =
			blocking.block + chain.pin_limits().map_err(ExchangeError::Chain)?.skip_after;
		let best = chain.best_block();
		if best < ready_at {
			return Err(ExchangeError::InvalidInput(format!(
				"too early to skip batch {}: the chain accepts it from block #{ready_at} (now #{best})",
				hex::encode(blocking.batch_id)
			)));
		}
		self.inner
			.submitter
			.submit_skip(blocking.batch_id)
			.await
			.map_err(ExchangeError::InvalidInput)?;
		Ok(hex::encode(blocking.batch_id))
	}

	/// The node identities, as the REST API shows them.
	pub fn identities(&self) -> Vec<crate::types::IdentityView> {
		let directory = self.inner.directory.read().expect("directory lock");
		let mut nodes: Vec<_> = directory
			.by_id
			.values()
			.map(|n| crate::types::IdentityView {
				did: n.did.clone(),
				kind: "node",
				id: n.id,
				account: hex::encode(n.account),
				peer_id: PeerId::from_bytes(&n.peer_id).map(|p| p.to_string()).unwrap_or_default(),
				encryption_key: hex::encode(n.encryption_key),
				multiaddrs: n.multiaddrs.clone(),
				active: n.active,
			})
			.collect();
		nodes.sort_by_key(|n| n.id);
		nodes
	}

	/// This node's private data service, for `/status`.
	pub async fn status(&self) -> Result<serde_json::Value, ExchangeError> {
		let channel = &self.inner.channel;
		let listen =
			channel.listen_addrs().await.map_err(|e| ExchangeError::Chain(e.to_string()))?;
		let peers =
			channel.connected_peers().await.map_err(|e| ExchangeError::Chain(e.to_string()))?;
		Ok(serde_json::json!({
			"node": self.me().ok().map(|n| n.did),
			"peer_id": channel.local_peer().to_string(),
			"listen": listen.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
			"connected_peers": peers.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
			"pending_operations": self.inner.store.pending_op_count().await?,
			"last_event": self.inner.store.last_event().await?,
			"next_block": self.next_block().await?,
		}))
	}

	/// Resolves when new events for apps may have been written.
	pub fn events_woken(&self) -> tokio::sync::futures::Notified<'_> {
		self.inner.events_wake.notified()
	}

	/// Test hook: the next outbound delivery's ciphertext gets one byte flipped in transit.
	/// Refused unless the node runs with test hooks enabled.
	pub fn tamper_next_delivery(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.tamper_next.store(true, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the next batch this node makes is pinned but never delivered nor served, so
	/// its contexts block at every receiver. Refused unless test hooks are enabled.
	pub fn withhold_next_batch(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.withhold_next.store(true, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the next pin this node submits names a namespace the chain refuses, so it
	/// fails on-chain (`Pins.InvalidNamespace`), as a pin does when the chain's rules changed
	/// under a batch. Refused unless test hooks are enabled.
	pub fn fail_next_pin(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.fail_next_pin.store(true, Ordering::SeqCst);
		Ok(())
	}

	pub(crate) fn is_withheld(&self, batch_id: &crate::types::BatchId) -> bool {
		self.inner.withheld.lock().expect("withheld lock").contains(batch_id)
	}

	/// The delay before retry number `attempts` (1-based): `retry_base * 2^(attempts-1)`, at most
	/// `retry_max`, with up to 20% jitter.
	pub(crate) fn backoff(&self, attempts: u32) -> Duration {
		let base = self.inner.config.retry_base.as_millis() as u64;
		let max = self.inner.config.retry_max.as_millis() as u64;
		let delay = base.saturating_mul(1u64 << attempts.saturating_sub(1).min(20)).min(max);
		let jitter = rand::random::<u64>() % (delay / 5 + 1);
		Duration::from_millis(delay + jitter)
	}
}

/// Checks a namespace-like name the way the chain does (`pallet_identities::is_valid_name`):
/// 1 to 64 ASCII letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit.
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), ExchangeError> {
	let edge = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric());
	let ok = name.len() <= 64
		&& edge(name.bytes().next())
		&& edge(name.bytes().last())
		&& name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || c == b'-');
	ok.then_some(()).ok_or_else(|| {
		ExchangeError::InvalidInput(format!(
			"{what} must be 1 to 64 letters, digits, '.', '_' or '-', starting and ending with a \
			 letter or digit"
		))
	})
}

#[cfg(test)]
mod tests {
	use super::check_name;

	#[test]
	fn names_follow_the_chain_rule() {
		for good in ["default", "a", "claims-2026", "x.y_z", &"a".repeat(64)] {
			assert!(check_name("namespace", good).is_ok(), "{good}");
		}
		for bad in ["", "-claims", "claims-", ".x", "x_", "a b", "a/b", "é", &"a".repeat(65)] {
			assert!(check_name("namespace", bad).is_err(), "{bad}");
		}
	}
}
