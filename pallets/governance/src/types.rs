//! What members propose and decide, and the motions that carry it.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use pallet_identities::IdentityId;
use scale_info::TypeInfo;

/// The first node of an org being admitted: its validator.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct NewNode<AccountId> {
	/// Its name (`did:parley:node/<name>`).
	pub name: Vec<u8>,
	/// The account that signs its pins, acknowledgements and blocks' session keys.
	pub account: AccountId,
	/// The libp2p PeerId (bytes) of its private data channel.
	pub peer_id: Vec<u8>,
	/// Its X25519 public key, which payloads for it are sealed to.
	pub encryption_key: [u8; 32],
	/// Where its data channel listens (UTF-8 multiaddrs).
	pub multiaddrs: Vec<Vec<u8>>,
}

/// A decision the members vote on.
#[derive(Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub enum Decision<AccountId, Keys, Hash, Parameter> {
	/// Admit an org as a member: register it (top-level, administered by `admin`, who votes for
	/// it from now on) and its first node, which becomes its validator once its account sets
	/// `session_keys`. More than half of the members.
	AdmitOrg {
		/// The org's name (`did:parley:org/<name>`).
		name: Vec<u8>,
		/// Its admin account: registers its further nodes and votes for it.
		admin: AccountId,
		/// Its first node, its validator.
		node: NewNode<AccountId>,
		/// The session keys its validator must set.
		session_keys: Keys,
	},
	/// Remove a member org: it and every identity under it go out of force, its admin stops
	/// voting, its validator leaves at the next session. Its name stays taken. More than half.
	RemoveOrg {
		/// The member org.
		org: IdentityId,
	},
	/// Make another node of a member org its validator, with these session keys. More than half.
	ReplaceValidator {
		/// The member org.
		org: IdentityId,
		/// One of its nodes in force.
		node: IdentityId,
		/// The session keys that node must set.
		session_keys: Keys,
	},
	/// Authorise a runtime upgrade to the code with this hash; anyone may then apply it with
	/// `system.apply_authorized_upgrade(code)`, which checks that its `spec_version` is higher.
	/// At least two thirds of the members.
	UpgradeRuntime {
		/// The blake2-256 hash of the new runtime's WASM code.
		code_hash: Hash,
	},
	/// Change one of the runtime's parameters (`pallet-parameters`: a key and its new value, or
	/// none to go back to the default). More than half of the members.
	SetParameter {
		/// The parameter and its value.
		parameter: Parameter,
	},
	/// Skip a pinned batch whose payload never arrived, that its author does not skip: every
	/// party stops waiting for it (the pins pallet's rules: `SkipAfter` blocks old, acknowledged
	/// by no node). More than half of the members, so that no recipient alone can drop another
	/// party's batch.
	SkipBatch {
		/// The node that pinned it: a batch is its author's (another node's pin of the same id
		/// is another batch).
		author: IdentityId,
		/// The batch's 16-byte id.
		batch_id: [u8; 16],
	},
}

/// Which kind of decision a motion carries (in events).
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
pub enum DecisionKind {
	/// [`Decision::AdmitOrg`].
	AdmitOrg,
	/// [`Decision::RemoveOrg`].
	RemoveOrg,
	/// [`Decision::ReplaceValidator`].
	ReplaceValidator,
	/// [`Decision::UpgradeRuntime`].
	UpgradeRuntime,
	/// [`Decision::SetParameter`].
	SetParameter,
	/// [`Decision::SkipBatch`].
	SkipBatch,
}

impl<AccountId, Keys, Hash, Parameter> Decision<AccountId, Keys, Hash, Parameter> {
	/// Its kind.
	pub fn kind(&self) -> DecisionKind {
		match self {
			Decision::AdmitOrg { .. } => DecisionKind::AdmitOrg,
			Decision::RemoveOrg { .. } => DecisionKind::RemoveOrg,
			Decision::ReplaceValidator { .. } => DecisionKind::ReplaceValidator,
			Decision::UpgradeRuntime { .. } => DecisionKind::UpgradeRuntime,
			Decision::SetParameter { .. } => DecisionKind::SetParameter,
			Decision::SkipBatch { .. } => DecisionKind::SkipBatch,
		}
	}
}

impl DecisionKind {
	/// The ayes a motion of this kind needs among `members`: more than half, or at least two
	/// thirds for a runtime upgrade.
	pub fn threshold(&self, members: u32) -> u32 {
		match self {
			DecisionKind::UpgradeRuntime => (2 * members).div_ceil(3),
			_ => members / 2 + 1,
		}
	}
}

/// Sets a runtime parameter the members voted for (the runtime wires `pallet-parameters`).
pub trait ApplyParameter<Parameter> {
	/// Sets `parameter`.
	fn apply(parameter: Parameter) -> frame_support::dispatch::DispatchResult;
	/// The most weight [`ApplyParameter::apply`] takes.
	fn weight() -> frame_support::weights::Weight;
}

/// No parameters.
impl ApplyParameter<()> for () {
	fn apply(_: ()) -> frame_support::dispatch::DispatchResult {
		Ok(())
	}
	fn weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

/// Skips a pinned batch the members voted to skip (the runtime wires the pins pallet).
pub trait SkipBatchByVote {
	/// Skips node `author`'s batch `batch_id`, or fails with the reason it cannot be skipped.
	fn skip(author: IdentityId, batch_id: [u8; 16]) -> frame_support::dispatch::DispatchResult;
	/// The most weight [`SkipBatchByVote::skip`] takes.
	fn weight() -> frame_support::weights::Weight;
}

/// No batches to skip: every skip fails.
impl SkipBatchByVote for () {
	fn skip(_: IdentityId, _: [u8; 16]) -> frame_support::dispatch::DispatchResult {
		Err(frame_support::pallet_prelude::DispatchError::Other("no pins pallet"))
	}
	fn weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

/// An open motion, as this pallet tracks it beside the collective.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Motion<Hash, BlockNumber> {
	/// The collective's proposal hash.
	pub hash: Hash,
	/// What it decides.
	pub kind: DecisionKind,
	/// The block its voting period ends in.
	pub end: BlockNumber,
}

/// A member org as [`crate::runtime_api::GovernanceApi::members`] reports it: who votes for it
/// and which of its nodes validates.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct MemberView<AccountId> {
	/// The org's identity.
	pub org: IdentityId,
	/// Its DID (`did:parley:org/<name>`).
	pub org_did: Vec<u8>,
	/// Its admin account: the one that votes for it.
	pub admin: AccountId,
	/// The node the members chose as its validator.
	pub validator: IdentityId,
	/// That node's DID (`did:parley:node/<name>`).
	pub validator_did: Vec<u8>,
	/// That node's account, which authors its blocks.
	pub validator_account: AccountId,
	/// Whether that node is in the current session's validator set.
	pub validating: bool,
	/// Whether that node will be in the next session's set: in force, with the session keys the
	/// members voted for.
	pub next_session: bool,
}

/// An open motion as [`crate::runtime_api::GovernanceApi::motions`] reports it: what it
/// decides, and the votes so far.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct MotionView<AccountId, Hash, BlockNumber, Decision> {
	/// The collective's proposal index (what `governance.vote` takes).
	pub index: u32,
	/// The collective's proposal hash.
	pub hash: Hash,
	/// What it decides: its kind, and the decision itself.
	pub kind: DecisionKind,
	/// The decision, as proposed (`None` only if the collective no longer holds it).
	pub decision: Option<Decision>,
	/// The ayes it needs to pass.
	pub threshold: u32,
	/// The admin accounts that voted aye, the proposer first.
	pub ayes: Vec<AccountId>,
	/// The admin accounts that voted nay.
	pub nays: Vec<AccountId>,
	/// The block its voting period ends in.
	pub end: BlockNumber,
}
