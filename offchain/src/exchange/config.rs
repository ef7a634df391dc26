//! How the exchange behaves: batch sizes and timers, retries, and where its data lives.

use crate::channel::ChannelConfig;
use libp2p::Multiaddr;
use std::{path::PathBuf, time::Duration};

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
	/// Most bytes of sealed payloads one sender may have stored here for batches whose pin has
	/// not been seen; a delivery past it is refused as busy (the sender retries once its pins
	/// land). Bounds the disk a peer can fill with batches it never pins.
	pub unpinned_sealed_max_bytes: u64,
	/// How long a sealed payload whose batch is never pinned is kept before it is collected.
	pub unpinned_sealed_ttl: Duration,
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
			unpinned_sealed_max_bytes: 1 << 30,
			unpinned_sealed_ttl: Duration::from_secs(24 * 3600),
			test_hooks: false,
		}
	}
}
