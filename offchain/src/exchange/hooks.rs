//! Test-only hooks (`--unsafe-test-hooks`): tamper with the next delivery, withhold the next
//! batch, make the next pin fail on-chain or come late. Each fails unless the node runs with test hooks on.

use super::{Exchange, ExchangeError};
use std::sync::atomic::Ordering;

impl Exchange {
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
		self.inner.delay_next_pin.store(ms, Ordering::SeqCst);
		Ok(())
	}

	pub(crate) fn is_withheld(&self, batch_id: &crate::types::BatchId) -> bool {
		self.inner.withheld.lock().contains(batch_id)
	}
}
