//! The queue of requests from peers, bounded in count and in bytes.
//!
//! Each request handed out as an [`Inbound`] item carries a [`Queued`] share of the queue's byte
//! budget, given back when the item is dropped (once the node has answered it): the channel
//! refuses a request as busy when it would take the bytes queued past
//! `ChannelConfig::inbound_queue_bytes`, whatever sizes the peers send.

use super::protocol::{BatchRequest, BatchResponse, BlobRequest, BlobResponse};
use libp2p::PeerId;
use std::sync::{
	atomic::{AtomicUsize, Ordering},
	Arc,
};
use tokio::sync::oneshot;

/// A request from a peer, waiting for the node's answer.
pub enum Inbound {
	/// On the batch protocol.
	Batch {
		/// Who asked.
		peer: PeerId,
		/// What it asked.
		request: BatchRequest,
		/// Where the answer goes.
		reply: oneshot::Sender<BatchResponse>,
		/// Its bytes in the queue's budget, until it is dropped.
		queued: Queued,
	},
	/// On the blob protocol.
	Blob {
		/// Who asked.
		peer: PeerId,
		/// What it asked.
		request: BlobRequest,
		/// Where the answer goes.
		reply: oneshot::Sender<BlobResponse>,
		/// Its bytes in the queue's budget, until it is dropped.
		queued: Queued,
	},
	/// A connection to an authorised peer was established (a good moment to retry sends to it).
	Connected(PeerId),
}

/// The byte budget of the inbound queue.
#[derive(Clone, Debug)]
pub(super) struct Budget {
	used: Arc<AtomicUsize>,
	max: usize,
}

impl Budget {
	/// A budget of `max` bytes.
	pub(super) fn new(max: usize) -> Self {
		Self { used: Arc::new(AtomicUsize::new(0)), max }
	}

	/// Takes `bytes` from the budget, or `None` if that would take it past its bound.
	pub(super) fn take(&self, bytes: usize) -> Option<Queued> {
		self.used
			.fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
				used.checked_add(bytes).filter(|total| *total <= self.max)
			})
			.ok()
			.map(|_| Queued { used: self.used.clone(), bytes })
	}

	/// The bytes taken now.
	#[cfg(test)]
	pub(super) fn used(&self) -> usize {
		self.used.load(Ordering::Acquire)
	}
}

/// One request's share of the inbound queue's byte budget, given back on drop.
#[derive(Debug)]
pub struct Queued {
	used: Arc<AtomicUsize>,
	bytes: usize,
}

impl Queued {
	/// The request's size, in bytes.
	pub fn bytes(&self) -> usize {
		self.bytes
	}
}

impl Drop for Queued {
	fn drop(&mut self) {
		self.used.fetch_sub(self.bytes, Ordering::AcqRel);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_budget_refuses_past_its_bound_and_gets_its_bytes_back_on_drop() {
		let budget = Budget::new(100);
		let a = budget.take(60).expect("fits");
		assert!(budget.take(41).is_none(), "61 + 41 > 100");
		let b = budget.take(40).expect("exactly the bound");
		assert_eq!(budget.used(), 100);
		assert!(budget.take(1).is_none());
		drop(a);
		assert_eq!(budget.used(), 40);
		assert_eq!(budget.take(60).map(|q| q.bytes()), Some(60));
		drop(b);
		assert_eq!(budget.used(), 0, "every share given back");
		assert!(budget.take(usize::MAX).is_none(), "no overflow");
	}
}
