//! The runtime API through which the node, the data channel and apps read identities.

// `decl_runtime_apis!` repeats the trait's generic bounds in the code it generates.
#![allow(clippy::multiple_bound_locations)]

use crate::types::IdentityInfo;
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Reads identities by DID, by account and by data-channel PeerId.
	pub trait IdentitiesApi<AccountId: Codec> {
		/// The identity a DID (`did:parley:org/<name>`, `did:parley:node/<name>`,
		/// `did:parley:<name>`) names.
		fn identity_by_did(did: Vec<u8>) -> Option<IdentityInfo<AccountId>>;
		/// The identities an account acts for, at most one per kind.
		fn identities_by_account(account: AccountId) -> Vec<IdentityInfo<AccountId>>;
		/// The node whose data channel has this libp2p PeerId (bytes).
		fn node_by_peer_id(peer_id: Vec<u8>) -> Option<IdentityInfo<AccountId>>;
		/// Every node, with whether it is in force.
		fn nodes() -> Vec<IdentityInfo<AccountId>>;
	}
}
