//! The validator set: every node identity in force that has set its session keys.

use crate::{AccountId, Identities};
use alloc::vec::Vec;
/// A session's number (`sp_staking::SessionIndex`).
type SessionIndex = u32;

/// Picks each session's validators from the identities pallet. A node registered by its org
/// joins at the next session once its account has called `session.set_keys`; a deactivated node
/// (or a node of a deactivated org) leaves at the next session.
pub struct NodeValidators;

impl pallet_session::SessionManager<AccountId> for NodeValidators {
	fn new_session(_index: SessionIndex) -> Option<Vec<AccountId>> {
		let nodes: Vec<AccountId> = Identities::active_node_accounts()
			.into_iter()
			.filter(|account| pallet_session::NextKeys::<crate::Runtime>::contains_key(account))
			.collect();
		// Never hand pallet-session an empty set: keep the current validators instead.
		(!nodes.is_empty()).then_some(nodes)
	}

	fn new_session_genesis(_index: SessionIndex) -> Option<Vec<AccountId>> {
		// At genesis the validators are the ones given keys in the session genesis config.
		None
	}

	fn end_session(_index: SessionIndex) {}

	fn start_session(_index: SessionIndex) {}
}
