//! The channel's bounds and timeouts, and why a request to a peer fails.

use libp2p::{Multiaddr, PeerId};
use std::time::Duration;

/// The channel's bounds and timeouts.
#[derive(Clone, Debug)]
pub struct ChannelConfig {
	/// Where to listen, e.g. `/ip4/127.0.0.1/tcp/40333`.
	pub listen: Multiaddr,
	/// Largest request or response on the batch protocol, in bytes (bounds a sealed batch).
	pub max_batch_bytes: usize,
	/// Largest blob chunk, in bytes.
	pub max_blob_chunk: usize,
	/// Concurrent streams per connection and protocol.
	pub max_concurrent_streams: usize,
	/// Inbound requests queued for the node before peers are told it is busy.
	pub inbound_queue: usize,
	/// Most bytes of inbound requests queued for the node (a delivery is up to
	/// `max_batch_bytes`); past it peers are told it is busy, so a peer that sends many large
	/// requests cannot make the node hold `inbound_queue` times the largest.
	pub inbound_queue_bytes: usize,
	/// Most requests of this node waiting for a connection to one peer; more fail at once.
	pub max_waiting_per_peer: usize,
	/// How long to wait for a response.
	pub request_timeout: Duration,
}

impl Default for ChannelConfig {
	fn default() -> Self {
		Self {
			listen: "/ip4/127.0.0.1/tcp/40333".parse().expect("valid multiaddr"),
			max_batch_bytes: 16 * 1024 * 1024,
			max_blob_chunk: 1024 * 1024,
			max_concurrent_streams: 64,
			inbound_queue: 256,
			inbound_queue_bytes: 64 * 1024 * 1024,
			max_waiting_per_peer: 256,
			request_timeout: Duration::from_secs(60),
		}
	}
}

/// Why a request to a peer failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ChannelError {
	/// The peer could not be reached, or the exchange broke.
	#[error("request to {peer} failed: {reason}")]
	Failed {
		/// The peer.
		peer: PeerId,
		/// What went wrong.
		reason: String,
	},
	/// The channel task has stopped.
	#[error("the data channel has stopped")]
	Stopped,
}
