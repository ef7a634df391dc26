//! What one room of a message's life tells another that needs no answer: that there is work
//! for it. Each room's wakes are one type here, with what the other rooms may say to it and
//! what its own loop waits on; no room reaches into another's state through them. This module
//! names no room, so every room may use it without a circle.

use crate::chain::ChainBlock;
use tokio::sync::{futures::Notified, mpsc, Notify};

/// Blocks waiting to be recorded, at most this many.
const BLOCKS_QUEUED: usize = 64;

/// Word for the send room ([`crate::send`]; the pin room runs in its outbox).
#[derive(Default)]
pub(crate) struct ToSend {
	messages: Notify,
	operations: Notify,
}

impl ToSend {
	/// Messages may be ready to batch: accepted, pending again after their pin failed, or freed
	/// by a token transfer they waited for.
	pub(crate) fn messages_ready(&self) {
		self.messages.notify_one();
	}

	/// Outbox operations may be due now: a batch was cut, a recipient came online, an operation
	/// was retried, or the chain said something of this node's pins.
	pub(crate) fn operations_due(&self) {
		self.operations.notify_one();
	}

	/// The batcher's wait for [`ToSend::messages_ready`].
	pub(crate) fn next_messages(&self) -> Notified<'_> {
		self.messages.notified()
	}

	/// The outbox's wait for [`ToSend::operations_due`].
	pub(crate) fn next_operations(&self) -> Notified<'_> {
		self.operations.notified()
	}
}

/// Word for the confirm room ([`crate::confirm`]): blocks, in order, and payloads that came.
pub(crate) struct ToConfirm {
	blocks: mpsc::Sender<ChainBlock>,
	payloads: Notify,
}

/// The confirm room's end of [`ToConfirm`]: the blocks it records, in order.
pub(crate) type Blocks = mpsc::Receiver<ChainBlock>;

impl ToConfirm {
	/// The confirm room's wakes, and the blocks they hand it.
	pub(crate) fn new() -> (Self, Blocks) {
		let (blocks, queued) = mpsc::channel(BLOCKS_QUEUED);
		(Self { blocks, payloads: Notify::new() }, queued)
	}

	/// Hands a block to the confirm room (waiting while it is behind); false if it stopped.
	pub(crate) async fn block(&self, block: ChainBlock) -> bool {
		self.blocks.send(block).await.is_ok()
	}

	/// A payload came (delivered, fetched, or a copy discarded): pins waiting for it may be
	/// matched now.
	pub(crate) fn payload_arrived(&self) {
		self.payloads.notify_one();
	}

	/// The matcher's wait for [`ToConfirm::payload_arrived`].
	pub(crate) fn next_payload(&self) -> Notified<'_> {
		self.payloads.notified()
	}
}

/// Word for the receive room ([`crate::receive`]).
#[derive(Default)]
pub(crate) struct ToReceive {
	pins: Notify,
}

impl ToReceive {
	/// A block brought pins: their payloads may be missing.
	pub(crate) fn pins_recorded(&self) {
		self.pins.notify_one();
	}

	/// Reconciliation's wait for [`ToReceive::pins_recorded`].
	pub(crate) fn next_pins(&self) -> Notified<'_> {
		self.pins.notified()
	}
}

/// Word for the events room ([`crate::events`]) and for `confirm=true` waits.
#[derive(Default)]
pub(crate) struct ToEvents {
	written: Notify,
}

impl ToEvents {
	/// Events for apps were written: wakes everyone waiting.
	pub(crate) fn written(&self) {
		self.written.notify_waiters();
	}

	/// Resolves at the next [`ToEvents::written`] after it is made.
	pub(crate) fn next(&self) -> Notified<'_> {
		self.written.notified()
	}
}
