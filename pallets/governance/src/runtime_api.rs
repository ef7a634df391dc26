//! The runtime API through which the node (and its explorer) reads who governs the network: the
//! member orgs with their validators, and the open motions with their votes.

// `decl_runtime_apis!` repeats the trait's generic bounds in the code it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::{MemberView, MotionView};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reads the members and the open motions.
	pub trait GovernanceApi<AccountId: Codec, Hash: Codec, BlockNumber: Codec, Decision: Codec> {
		/// Every member org, in identity order, with its validator node.
		fn members() -> Vec<MemberView<AccountId>>;
		/// Every open motion, oldest first, with its decision and votes.
		fn motions() -> Vec<MotionView<AccountId, Hash, BlockNumber, Decision>>;
	}
}
