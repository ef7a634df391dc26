//! Why an exchange call failed, with the JSON-RPC code and HTTP status of each error, and the
//! name rule that the chain enforces (checked here first).

use crate::store::StoreError;

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
	Store(StoreError),
	/// The disk under the private store is full: nothing new is accepted until there is space.
	#[error("the node's private store is full (no space left on its disk), so it accepts nothing new until its operator frees space; what it accepted before is kept: {0}")]
	StoreFull(StoreError),
	/// Reading the chain failed.
	#[error("chain: {0}")]
	Chain(String),
	/// The idempotency key was already used; the id of the first message or token operation.
	#[error("idempotency key already used, by {0}")]
	Conflict(String),
	/// A wait (confirm, request/reply) ran out of time.
	#[error("timed out: {0}")]
	Timeout(String),
	/// The chain refused a transaction this node submitted (the pool, or the pallet).
	#[error("refused by the chain: {0}")]
	Rejected(String),
	/// The chain's rules do not let this node do it alone (skip another party's batch, say).
	#[error("not allowed: {0}")]
	Forbidden(String),
}

impl ExchangeError {
	/// The JSON-RPC error code: -32602 for bad input, 4004 not found, 4030 not registered,
	/// 4022 refused by the chain, 4003 not allowed, 5070 store full, -32603 internal.
	pub fn code(&self) -> i32 {
		match self {
			ExchangeError::InvalidInput(_) => -32602,
			ExchangeError::Store(StoreError::BadQuery(_)) => -32602,
			ExchangeError::NotFound(_) => 4004,
			ExchangeError::NotRegistered(_) => 4030,
			ExchangeError::Conflict(_) => 4009,
			ExchangeError::Timeout(_) => 4008,
			ExchangeError::Rejected(_) => 4022,
			ExchangeError::Forbidden(_) => 4003,
			ExchangeError::StoreFull(_) => 5070,
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
			ExchangeError::Forbidden(_) => 403,
			ExchangeError::StoreFull(_) => 507,
			ExchangeError::Store(_) | ExchangeError::Chain(_) => 500,
		}
	}
}

impl From<StoreError> for ExchangeError {
	fn from(e: StoreError) -> Self {
		if e.is_full() {
			ExchangeError::StoreFull(e)
		} else {
			ExchangeError::Store(e)
		}
	}
}

/// Maps a store error, turning a duplicate idempotency key into a conflict.
pub(crate) fn store_error(e: StoreError) -> ExchangeError {
	match e {
		StoreError::Duplicate(id) => ExchangeError::Conflict(id),
		other => other.into(),
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
