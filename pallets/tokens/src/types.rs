//! The records the tokens pallet keeps.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::Get, BoundedVec};
use pallet_identities::IdentityId;
use scale_info::TypeInfo;
use sp_core::H256;

/// A token pool's number; also its asset id (fungible) or collection id (non-fungible).
pub type PoolId = u32;
/// An escrow's number.
pub type EscrowId = u64;
/// A non-fungible token's index in its pool (its item id in pallet-nfts).
pub type ItemIndex = u64;

/// Which tokens a call moves: an amount of a fungible pool, or one item of a non-fungible pool.
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
pub enum Holding<Balance> {
	/// This many units of a fungible pool.
	Amount(Balance),
	/// The item with this index in a non-fungible pool (amount 1).
	Item(ItemIndex),
}

impl<Balance> Holding<Balance> {
	/// The pool kind these tokens belong to.
	pub fn kind(&self) -> PoolKind {
		match self {
			Holding::Amount(_) => PoolKind::Fungible,
			Holding::Item(_) => PoolKind::NonFungible,
		}
	}
}

/// What a pool holds.
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
pub enum PoolKind {
	/// Interchangeable amounts (on pallet-assets).
	Fungible,
	/// Unique tokens, each with an index and amount 1 (on pallet-nfts).
	NonFungible,
}

/// A token pool.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
#[scale_info(skip_type_params(NameLen, SymbolLen, UriLen))]
pub struct Pool<AccountId, NameLen: Get<u32>, SymbolLen: Get<u32>, UriLen: Get<u32>> {
	/// The namespace its name is unique in.
	pub namespace: BoundedVec<u8, NameLen>,
	/// Its name.
	pub name: BoundedVec<u8, NameLen>,
	/// Its symbol.
	pub symbol: BoundedVec<u8, SymbolLen>,
	/// Decimals (0 for non-fungible pools).
	pub decimals: u8,
	/// Fungible or non-fungible.
	pub kind: PoolKind,
	/// The org that owns it: only that org (its admin or its nodes) mints.
	pub org: IdentityId,
	/// Who created it.
	pub creator: AccountId,
	/// Where its metadata (e.g. a JSON schema of token attributes) lives.
	pub metadata_uri: BoundedVec<u8, UriLen>,
	/// The hash of that metadata.
	pub metadata_hash: Option<H256>,
}

/// A claim on a business record key: the first claim wins.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Claim<AccountId, BlockNumber> {
	/// Who holds it.
	pub owner: AccountId,
	/// When it was first claimed.
	pub claimed_at: BlockNumber,
}

/// Where an escrow is in its life. Released and refunded are final.
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
pub enum EscrowState {
	/// The payment is held by the pallet.
	Locked,
	/// Paid to the payee, on the acknowledgement.
	Released,
	/// Paid back to the payer, on the timeout.
	Refunded,
}

/// A payment held until a batch is acknowledged on-chain (delivery versus payment).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Escrow<AccountId, Balance, BlockNumber> {
	/// Who pays (a node account: the party that must receive the batch).
	pub payer: AccountId,
	/// Who is paid once the batch is acknowledged.
	pub payee: AccountId,
	/// The fungible pool paid in.
	pub pool: PoolId,
	/// How much.
	pub amount: Balance,
	/// The batch the payee must deliver.
	pub batch_hash: H256,
	/// The node whose acknowledgement of the batch releases the payment (the payer's node).
	pub acknowledger: IdentityId,
	/// The block from which the payment is refunded if no acknowledgement came.
	pub expires_at: BlockNumber,
	/// Locked, released or refunded.
	pub state: EscrowState,
}

/// Withdraws an owner's whole allowance for a delegate in a fungible pool. The SDK's
/// `fungibles::approvals` traits only add to an allowance (and spend it); pallet-assets withdraws
/// one with `do_cancel_approval`, which the runtime wires in here. Without it an owner could
/// never take back what it approved a rival.
pub trait CancelAllowance<AccountId> {
	/// Withdraws `owner`'s allowance for `delegate` in fungible pool `pool` (an error if there is
	/// none), and frees the deposit it held.
	fn cancel_allowance(
		pool: PoolId,
		owner: &AccountId,
		delegate: &AccountId,
	) -> frame_support::dispatch::DispatchResult;
}
