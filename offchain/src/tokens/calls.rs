//! The calls of the tokens pallet that this node signs for its apps, as the node's submitter
//! receives them.

use super::{Account, EscrowId, Holding, PoolId, PoolKind};
use crate::types::{Hash, NodeId};

/// A call of the tokens pallet, signed by this node's account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenCall {
	/// `tokens.create_pool`.
	CreatePool {
		/// Namespace.
		namespace: String,
		/// Name.
		name: String,
		/// Symbol.
		symbol: String,
		/// Decimals.
		decimals: u8,
		/// Kind.
		kind: PoolKind,
		/// Metadata URI.
		metadata_uri: String,
		/// Metadata hash.
		metadata_hash: Option<Hash>,
	},
	/// `tokens.mint`.
	Mint {
		/// Pool.
		pool: PoolId,
		/// Recipient.
		to: Account,
		/// What.
		holding: Holding,
		/// Metadata hash.
		metadata_hash: Option<Hash>,
	},
	/// `tokens.burn`.
	Burn {
		/// Pool.
		pool: PoolId,
		/// What.
		holding: Holding,
	},
	/// `tokens.transfer`.
	Transfer {
		/// Pool.
		pool: PoolId,
		/// Recipient.
		to: Account,
		/// What.
		holding: Holding,
		/// The private message it goes with.
		message_hash: Option<Hash>,
	},
	/// `tokens.transfer_from`.
	TransferFrom {
		/// Pool.
		pool: PoolId,
		/// The holder who approved this node.
		owner: Account,
		/// Recipient.
		to: Account,
		/// What.
		holding: Holding,
		/// The private message it goes with.
		message_hash: Option<Hash>,
	},
	/// `tokens.approve`.
	Approve {
		/// Pool.
		pool: PoolId,
		/// Delegate.
		delegate: Account,
		/// What.
		holding: Holding,
	},
	/// `tokens.set_allowance`.
	SetAllowance {
		/// Pool (fungible).
		pool: PoolId,
		/// Delegate.
		delegate: Account,
		/// The allowance it gets (`0`: withdrawn).
		amount: u128,
	},
	/// `tokens.revoke_approval`.
	RevokeApproval {
		/// Pool (non-fungible).
		pool: PoolId,
		/// Delegate.
		delegate: Account,
		/// The item.
		item: u64,
	},
	/// `tokens.claim`.
	Claim {
		/// Namespace.
		namespace: String,
		/// Key hash.
		key_hash: Hash,
		/// Owner.
		owner: Account,
	},
	/// `tokens.transfer_claim`.
	TransferClaim {
		/// Namespace.
		namespace: String,
		/// Key hash.
		key_hash: Hash,
		/// New owner.
		to: Account,
	},
	/// `tokens.release_claim`.
	ReleaseClaim {
		/// Namespace.
		namespace: String,
		/// Key hash.
		key_hash: Hash,
	},
	/// `tokens.lock_escrow`.
	LockEscrow {
		/// Pool.
		pool: PoolId,
		/// Payee.
		payee: Account,
		/// Amount.
		amount: u128,
		/// Batch hash.
		batch_hash: Hash,
		/// The acknowledging node (this node).
		node: NodeId,
		/// Timeout in blocks.
		timeout: u32,
		/// For a hash-locked escrow (`tokens.lock_keyed_escrow`): the hash of the sale key that
		/// releases it, instead of this node's acknowledgement.
		key_hash: Option<Hash>,
	},
	/// `tokens.reveal_key`: takes the payment of a hash-locked escrow by revealing its key.
	RevealKey {
		/// Escrow id.
		escrow: EscrowId,
		/// The sale key.
		key: [u8; 32],
	},
	/// `tokens.release_escrow`.
	ReleaseEscrow {
		/// Escrow id.
		escrow: EscrowId,
	},
	/// `tokens.refund_escrow`.
	RefundEscrow {
		/// Escrow id.
		escrow: EscrowId,
	},
}

impl TokenCall {
	/// The operation kind it is recorded as.
	pub fn kind(&self) -> &'static str {
		match self {
			TokenCall::CreatePool { .. } => "create_pool",
			TokenCall::Mint { .. } => "mint",
			TokenCall::Burn { .. } => "burn",
			TokenCall::Transfer { .. } => "transfer",
			TokenCall::TransferFrom { .. } => "transfer_from",
			TokenCall::Approve { .. } => "approve",
			TokenCall::SetAllowance { .. } => "set_allowance",
			TokenCall::RevokeApproval { .. } => "revoke_approval",
			TokenCall::Claim { .. } => "claim",
			TokenCall::TransferClaim { .. } => "transfer_claim",
			TokenCall::ReleaseClaim { .. } => "release_claim",
			TokenCall::LockEscrow { .. } => "lock_escrow",
			TokenCall::ReleaseEscrow { .. } => "release_escrow",
			TokenCall::RevealKey { .. } => "reveal_key",
			TokenCall::RefundEscrow { .. } => "refund_escrow",
		}
	}
}
