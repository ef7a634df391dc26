//! The records the identities pallet keeps, and the read-only views it hands to the node.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::BoundedVec;
use scale_info::TypeInfo;

/// A network-wide number for an identity. Identities are numbered from 0 in registration order.
pub type IdentityId = u32;

/// What an identity stands for.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum IdentityKind {
	/// A member organisation (a party), or a child org of one. DID `did:parley:org/<name>`.
	Org,
	/// A node run by an org: it pins batches and holds a data-channel peer id and an encryption
	/// key. DID `did:parley:node/<name>`.
	Node,
	/// Any other identity (a person, an app, a department) claimed under an org.
	/// DID `did:parley:<name>`.
	Custom,
}

/// Where an identity is in its life.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum IdentityStatus {
	/// Claimed by its own account, waiting for its parent org to verify it.
	Pending,
	/// In force.
	Active,
	/// Switched off for good by its parent org or by governance.
	Deactivated,
}

/// A signing key attached to an identity, beyond the account that controls it.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	TypeInfo,
	MaxEncodedLen,
)]
pub enum Verifier {
	/// An sr25519 public key.
	Sr25519([u8; 32]),
	/// An ed25519 public key.
	Ed25519([u8; 32]),
	/// A compressed secp256k1 (ECDSA) public key.
	Ecdsa([u8; 33]),
}

/// One registered identity.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxNameLen))]
pub struct IdentityRecord<AccountId, BlockNumber, MaxNameLen: frame_support::traits::Get<u32>> {
	/// Org, node or custom.
	pub kind: IdentityKind,
	/// The name in its DID, unique among identities of its kind.
	pub name: BoundedVec<u8, MaxNameLen>,
	/// The org it belongs to; `None` only for a top-level org.
	pub parent: Option<IdentityId>,
	/// The account that acts for it: an org's admin, a node's signing account.
	pub account: AccountId,
	/// Pending, active or deactivated.
	pub status: IdentityStatus,
	/// The block it was registered (or claimed) in.
	pub registered_at: BlockNumber,
}

/// What a node identity carries beyond the common record: how to reach it off-chain and how to
/// encrypt to it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(MaxPeerIdLen, MaxMultiaddrs, MaxMultiaddrLen))]
pub struct NodeRecord<
	MaxPeerIdLen: frame_support::traits::Get<u32>,
	MaxMultiaddrs: frame_support::traits::Get<u32>,
	MaxMultiaddrLen: frame_support::traits::Get<u32>,
> {
	/// The libp2p PeerId (multihash bytes) of the node's private data channel.
	pub peer_id: BoundedVec<u8, MaxPeerIdLen>,
	/// The node's X25519 public key; payloads for it are sealed to this key (HPKE).
	pub encryption_key: [u8; 32],
	/// Where its data channel listens, as UTF-8 multiaddrs (`/ip4/…/tcp/40333`).
	pub multiaddrs: BoundedVec<BoundedVec<u8, MaxMultiaddrLen>, MaxMultiaddrs>,
}

/// A node's off-chain contact details, as the runtime API returns them.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct NodeInfo {
	/// The data channel's libp2p PeerId bytes.
	pub peer_id: Vec<u8>,
	/// The X25519 public key to seal payloads to.
	pub encryption_key: [u8; 32],
	/// The data channel's multiaddrs, UTF-8.
	pub multiaddrs: Vec<Vec<u8>>,
}

/// Everything known about one identity, flattened for clients (runtime API).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct IdentityInfo<AccountId> {
	/// Its number.
	pub id: IdentityId,
	/// Org, node or custom.
	pub kind: IdentityKind,
	/// Its DID, e.g. `did:parley:node/provider`.
	pub did: Vec<u8>,
	/// The name in its DID.
	pub name: Vec<u8>,
	/// Its parent org, if any.
	pub parent: Option<IdentityId>,
	/// The account that acts for it.
	pub account: AccountId,
	/// Its own status.
	pub status: IdentityStatus,
	/// Whether it is in force: its own status is active and so is every org above it.
	pub active: bool,
	/// Node details, for node identities.
	pub node: Option<NodeInfo>,
	/// Its extra signing keys.
	pub verifiers: Vec<Verifier>,
}
