//! Test-only hooks (`--unsafe-test-hooks`): tamper with the next delivery, withhold the next
//! batch, make the next pin fail on-chain or come late, crash at a step of a batch's life. Each
//! fails unless the node runs with test hooks on.

use super::{Exchange, ExchangeError};
use crate::types::BatchId;
use std::{
	collections::HashSet,
	sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering},
};

/// What the test hooks asked for, taken once each by the room it concerns.
#[derive(Default)]
pub(crate) struct Hooks {
	/// The next delivery is tampered with (the send room).
	tamper_next: AtomicBool,
	/// The next batch is pinned but never sent, nor served to fetches (send, receive).
	withhold_next: AtomicBool,
	/// Batches withheld so far.
	withheld: parking_lot::Mutex<HashSet<BatchId>>,
	/// The next pin names a namespace the chain refuses (the pin room).
	fail_next_pin: AtomicBool,
	/// Milliseconds the next pin waits before it is submitted (0: none).
	delay_next_pin: AtomicU64,
	/// The step of a batch's life at which the node aborts ([`CrashStep`] as a number; 0: none).
	crash_at: AtomicU8,
}

impl Hooks {
	/// Whether to tamper with this delivery (once).
	pub(crate) fn take_tamper(&self) -> bool {
		self.tamper_next.swap(false, Ordering::SeqCst)
	}

	/// Whether to withhold this new batch (once); a withheld batch is remembered.
	pub(crate) fn take_withhold(&self, batch_id: BatchId) -> bool {
		let withhold = self.withhold_next.swap(false, Ordering::SeqCst);
		if withhold {
			self.withheld.lock().insert(batch_id);
		}
		withhold
	}

	/// Whether `batch_id` was withheld.
	pub(crate) fn is_withheld(&self, batch_id: &BatchId) -> bool {
		self.withheld.lock().contains(batch_id)
	}

	/// Whether this pin names a namespace the chain refuses (once).
	pub(crate) fn take_pin_failure(&self) -> bool {
		self.fail_next_pin.swap(false, Ordering::SeqCst)
	}

	/// How long this pin waits before it is submitted (once; 0: not at all).
	pub(crate) fn take_pin_delay(&self) -> u64 {
		self.delay_next_pin.swap(0, Ordering::SeqCst)
	}
}

impl Exchange {
	/// Test hook: the next outbound delivery's ciphertext gets one byte flipped in transit.
	/// Refused unless the node runs with test hooks enabled.
	pub fn tamper_next_delivery(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.hooks.tamper_next.store(true, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the next batch this node makes is pinned but never delivered nor served, so
	/// its contexts block at every receiver. Refused unless test hooks are enabled.
	pub fn withhold_next_batch(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.hooks.withhold_next.store(true, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the next pin this node submits names a namespace the chain refuses, so it
	/// fails on-chain (`Pins.InvalidNamespace`), as a pin does when the chain's rules changed
	/// under a batch. Refused unless test hooks are enabled.
	pub fn fail_next_pin(&self) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		self.inner.hooks.fail_next_pin.store(true, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the next pin this node submits waits `ms` milliseconds (at most a minute)
	/// first, as if a rival had that long to copy it from the pool. Refused unless test hooks
	/// are enabled.
	pub fn delay_next_pin(&self, ms: u64) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		if ms == 0 || ms > 60_000 {
			return Err(ExchangeError::InvalidInput("give 1 to 60000 ms".into()));
		}
		self.inner.hooks.delay_next_pin.store(ms, Ordering::SeqCst);
		Ok(())
	}

	/// Test hook: the node aborts (as `kill -9` would stop it: no clean shutdown) the next time
	/// a batch of its own reaches `step`. Refused unless test hooks are enabled.
	pub fn crash_at(&self, step: &str) -> Result<(), ExchangeError> {
		if !self.inner.config.test_hooks {
			return Err(ExchangeError::InvalidInput("test hooks are disabled on this node".into()));
		}
		let step = CrashStep::parse(step).ok_or_else(|| {
			ExchangeError::InvalidInput("give sealed, delivered or pin_submitted".into())
		})?;
		self.inner.hooks.crash_at.store(step as u8, Ordering::SeqCst);
		Ok(())
	}

	/// Aborts the node if a test asked it to crash at `step` (see [`Exchange::crash_at`]).
	pub(crate) fn crash_point(&self, step: CrashStep, batch_id: &BatchId) {
		if self
			.inner
			.hooks
			.crash_at
			.compare_exchange(step as u8, 0, Ordering::SeqCst, Ordering::SeqCst)
			.is_ok()
		{
			log::warn!(target: "parley::exchange", "TEST HOOK: aborting at {step:?} of batch {}", hex::encode(batch_id));
			std::process::abort();
		}
	}
}

/// The steps of a batch's life at which a test can make its author crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashStep {
	/// The batch is cut and sealed, its deliveries and pin queued; nothing sent yet.
	Sealed = 1,
	/// A recipient's receipt is stored; the delivery is not marked done.
	Delivered = 2,
	/// The pin was handed to the transaction pool; its operation is not marked.
	PinSubmitted = 3,
}

impl CrashStep {
	fn parse(name: &str) -> Option<Self> {
		match name {
			"sealed" => Some(Self::Sealed),
			"delivered" => Some(Self::Delivered),
			"pin_submitted" => Some(Self::PinSubmitted),
			_ => None,
		}
	}
}
