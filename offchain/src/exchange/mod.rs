//! The exchange: the handle apps and the node hold to this node's private data service, and
//! what every room of a message's life shares through it: the store, the blob store, the
//! channel client, the chain's two traits, this node's keys and configuration, and the
//! directory of node identities. The rooms themselves are [`crate::send`], [`crate::pin`],
//! [`crate::receive`] and [`crate::confirm`], started by [`Exchange::start`] (`start.rs`).
//!
//! Its parts:
//! - [`requests`]: what apps ask (a message to send; token calls);
//! - [`directory`]: the node identities known from the chain, and who may connect;
//! - [`waits`]: `confirm=true` and request/reply waits;
//! - [`tokens`]: the token calls apps make, each an operation recorded, signed, sent and
//!   followed (`token_ops`), once per idempotency key;
//! - `sales`: a message for sale (hash-locked delivery versus payment), through its delivery
//!   (send), holding and opening at the buyer (confirm), and the seller's key reveal;
//! - [`config`], [`error`], [`hooks`] (test-only).

mod approvals;
pub mod config;
pub mod directory;
pub mod error;
pub mod hooks;
pub mod requests;
pub(crate) mod sales;
mod token_ops;
pub mod tokens;
pub mod waits;

pub use config::ExchangeConfig;
pub(crate) use directory::Directory;
pub use error::ExchangeError;
pub(crate) use error::{check_name, store_error};
pub(crate) use waits::Waited;

pub use requests::{
	ApproveRequest, BurnRequest, ClaimRequest, ClaimTransferRequest, CreatePoolRequest,
	EscrowRequest, MessageRequest, MessageTransferRequest, MintRequest, PoolRef, SaleRequest,
	TransferRequest,
};

use crate::{
	blobs::BlobStore,
	chain::{ChainBlock, ChainView, Submitter},
	channel::ChannelClient,
	envelope::{EncryptionKey, ReceiptSigner},
	store::Store,
	types::Message,
	wakes::{ToConfirm, ToEvents, ToReceive, ToSend},
};
use futures::future::BoxFuture;
use std::{sync::Arc, time::Duration};

/// Log target of the exchange.
pub(crate) const LOG: &str = "parley";

pub(crate) struct Inner {
	pub(crate) store: Store,
	pub(crate) blobs: BlobStore,
	pub(crate) channel: ChannelClient,
	pub(crate) chain: Arc<dyn ChainView>,
	pub(crate) submitter: Arc<dyn Submitter>,
	pub(crate) encryption: EncryptionKey,
	pub(crate) signer: Arc<dyn ReceiptSigner>,
	pub(crate) config: ExchangeConfig,
	pub(crate) directory: parking_lot::RwLock<Directory>,
	/// Word for the send room (and the pin room in its outbox).
	pub(crate) send: ToSend,
	/// Word for the receive room.
	pub(crate) receive: ToReceive,
	/// Word for the confirm room.
	pub(crate) confirm: ToConfirm,
	/// Word for the events room.
	pub(crate) events: ToEvents,
	/// Test hooks (`--unsafe-test-hooks`).
	pub(crate) hooks: hooks::Hooks,
}

/// A cloneable handle to this node's private data service.
#[derive(Clone)]
pub struct Exchange {
	pub(crate) inner: Arc<Inner>,
}

/// A named task for the node to spawn (and treat as essential).
pub type Task = (&'static str, BoxFuture<'static, ()>);

impl Exchange {
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

	/// Hands a block to the aggregator. Blocks must come in order, each once; the node starts
	/// from [`Exchange::next_block`].
	pub async fn on_block(&self, block: ChainBlock) {
		if !self.inner.confirm.block(block).await {
			log::error!(target: LOG, "the aggregator has stopped; block dropped");
		}
	}

	/// The first block the aggregator has not processed (after a restart, the node replays from
	/// here).
	pub async fn next_block(&self) -> Result<u64, ExchangeError> {
		Ok(self.inner.store.cursor().await?.map(|(n, _)| n + 1).unwrap_or(0))
	}

	/// A message by id.
	pub async fn message(&self, id: &str) -> Result<Message, ExchangeError> {
		self.inner
			.store
			.message(id)
			.await?
			.ok_or_else(|| ExchangeError::NotFound(format!("message {id}")))
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

	/// Makes a failed (or pending) operation due now, with its attempts reset. A pin that failed
	/// on-chain and the deliveries it cancelled are final: refused as invalid input.
	pub async fn retry_operation(&self, id: &str) -> Result<(), ExchangeError> {
		match self.inner.store.retry_op_now(id).await? {
			crate::store::RetryOutcome::Retried => {
				self.inner.send.operations_due();
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

	/// Skips a batch whose payload will never arrive, so that every node stops waiting on it.
	/// `target` (hex) is a context this node is blocked on, or a batch id. The chain lets only a
	/// batch's author skip it:
	/// - this node's own batch (by its id) is skipped with `pins.skip_batch`;
	/// - another party's batch that blocks this node is refused with [`ExchangeError::Forbidden`],
	///   naming the governance proposal that the members vote on instead
	///   (`governance.propose({SkipBatch: {author, batchId}})`).
	///
	/// Returns the batch (hex) whose skip was submitted.
	pub async fn skip_context(&self, target: &str) -> Result<String, ExchangeError> {
		let bytes = hex::decode(target.trim_start_matches("0x")).map_err(|_| {
			ExchangeError::InvalidInput(
				"give a context (32-byte hex) or a batch id (16-byte hex)".into(),
			)
		})?;
		let store = &self.inner.store;
		if let Ok(batch_id) = <crate::types::BatchId>::try_from(&bytes[..]) {
			if let Some(pinned_block) = store.authored_pin_block(&batch_id).await? {
				let block = pinned_block.ok_or_else(|| {
					ExchangeError::InvalidInput(format!(
						"batch {} is not pinned yet: there is nothing to skip",
						hex::encode(batch_id)
					))
				})?;
				return self.submit_skip(batch_id, block).await;
			}
		}
		let pins = store.pending_pins().await?;
		let blocking = match bytes.len() {
			32 => pins.iter().find(|p| p.contexts.iter().any(|c| c[..] == bytes[..])),
			16 => pins.iter().find(|p| p.batch_id[..] == bytes[..]),
			_ => {
				return Err(ExchangeError::InvalidInput(
					"give a context (32-byte hex) or a batch id (16-byte hex)".into(),
				))
			}
		}
		.ok_or_else(|| ExchangeError::NotFound(format!("no pending pin on {target}")))?;
		// Another party's batch: skipping it alone would let a recipient drop a message that is
		// merely late, so the chain refuses it; say so, and how the members decide instead.
		Err(ExchangeError::Forbidden(format!(
			"batch 0x{batch} was pinned by node {author}: only its author may skip it; otherwise \
			 the members vote to skip it: governance.propose({{\"SkipBatch\": {{\"author\": {author}, \"batchId\": \"0x{batch}\"}}}})",
			batch = hex::encode(blocking.batch_id),
			author = blocking.author,
		)))
	}

	/// Submits `pins.skip_batch` for this node's own batch pinned in block `pinned`, once the
	/// chain would accept it (`skip_after` blocks later; refused here before that, rather than
	/// a transaction that fails on-chain).
	async fn submit_skip(
		&self,
		batch_id: crate::types::BatchId,
		pinned: u64,
	) -> Result<String, ExchangeError> {
		let chain = &self.inner.chain;
		let ready_at = pinned + chain.pin_limits().map_err(ExchangeError::Chain)?.skip_after;
		let best = chain.best_block();
		if best < ready_at {
			return Err(ExchangeError::InvalidInput(format!(
				"too early to skip batch {}: the chain accepts it from block #{ready_at} (now #{best})",
				hex::encode(batch_id)
			)));
		}
		self.inner.submitter.submit_skip(batch_id).await.map_err(ExchangeError::Rejected)?;
		Ok(hex::encode(batch_id))
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
			"best_block": self.inner.chain.best_block(),
		}))
	}

	/// Resolves when new events for apps may have been written.
	pub fn events_woken(&self) -> tokio::sync::futures::Notified<'_> {
		self.inner.events.next()
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
