//! # Tokens pallet
//!
//! The on-chain toolbox multi-party processes build on:
//! - **token pools**: fungible pools kept in `pallet-assets`, non-fungible pools kept in
//!   `pallet-nfts`, behind one pool abstraction. An org (its admin account or one of its nodes)
//!   creates a pool with a name unique in its namespace; only that org mints. Holders burn,
//!   transfer, approve a delegate, and delegates transfer from the holder; a holder lowers or
//!   withdraws an allowance ([`Pallet::set_allowance`]) and an item's approval
//!   ([`Pallet::revoke_approval`]) whenever it likes.
//! - **uniqueness claims**: [`Pallet::claim`] registers a business record key (the hash of an
//!   invoice number, a claim id…) in a namespace. The first claim wins; any later one fails with
//!   [`Error::AlreadyClaimed`], in the same order at every party.
//! - **delivery versus payment**: a transfer can carry the hash of a private message, so the
//!   transfer and the message are reported together; and [`Pallet::lock_escrow`] holds a payment
//!   until the payer's node acknowledges a batch on-chain (released to the payee) or a timeout
//!   passes (refunded to the payer); [`Pallet::lock_keyed_escrow`] holds one until the payee
//!   reveals the key the batch was sealed under ([`Pallet::reveal_key`]), so that neither side
//!   has to trust the other.
//!
//! The runtime must keep accounts from calling `pallet-assets` and `pallet-nfts` directly, so
//! that every token movement goes through this pallet's checks and events.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
// The previous release has the version-0 layout and migrates from nothing.
#[cfg(not(feature = "previous-release"))]
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

// `lock_escrow` takes the six things an escrow is made of; the code the pallet macro generates for
// it has one argument more than clippy's default limit.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungibles,
			tokens::{nonfungibles_v2, Balance as BalanceT},
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use pallet_identities::{IdentityId, NodeRegistry, Organizations};
	use pallet_pins::AcknowledgementLedger;
	use sp_core::H256;

	/// A bounded namespace or pool name.
	pub type NameOf<T> = BoundedVec<u8, <T as Config>::MaxNameLen>;
	/// A pool as stored.
	pub type PoolOf<T> = Pool<
		<T as frame_system::Config>::AccountId,
		<T as Config>::MaxNameLen,
		<T as Config>::MaxSymbolLen,
		<T as Config>::MaxUriLen,
	>;
	/// A claim as stored.
	pub type ClaimOf<T> = Claim<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
	/// An escrow as stored.
	pub type EscrowOf<T> =
		Escrow<<T as frame_system::Config>::AccountId, <T as Config>::Balance, BlockNumberFor<T>>;
	/// Tokens of this runtime's balance type.
	pub type HoldingOf<T> = Holding<<T as Config>::Balance>;

	/// The hasher of storage keys that callers choose (claim key hashes, batch hashes):
	/// `Blake2_128Concat` since storage version 1, so that no caller can pick keys that unbalance
	/// the trie; `Identity` before (and in the `previous-release` build, which rehearses the
	/// upgrade from version 0: see [`crate::migrations::v1`]).
	#[cfg(not(feature = "previous-release"))]
	pub type CallerKeyHasher = Blake2_128Concat;
	/// See above: the version-0 hasher.
	#[cfg(feature = "previous-release")]
	pub type CallerKeyHasher = Identity;

	/// What [`EscrowsByBatch`] is keyed by: since storage version 1, the batch and the node whose
	/// acknowledgement releases the escrows (always a node of the payer's own org), so that no
	/// party can fill another payer's places on a batch; the batch alone before.
	#[cfg(not(feature = "previous-release"))]
	pub type EscrowWaitKey = (H256, IdentityId);
	/// See above: the version-0 key.
	#[cfg(feature = "previous-release")]
	pub type EscrowWaitKey = H256;

	/// The [`EscrowsByBatch`] key of the escrows that `node`'s acknowledgement of `batch_hash`
	/// releases.
	pub fn escrow_wait_key(batch_hash: H256, node: IdentityId) -> EscrowWaitKey {
		#[cfg(not(feature = "previous-release"))]
		return (batch_hash, node);
		#[cfg(feature = "previous-release")]
		{
			let _ = node;
			batch_hash
		}
	}

	/// The layout of this pallet's storage, as a number (see [`crate::migrations`]).
	pub const STORAGE_VERSION_NUMBER: u16 = if cfg!(feature = "previous-release") { 0 } else { 1 };

	/// The layout of this pallet's storage (see [`crate::migrations`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(STORAGE_VERSION_NUMBER);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the tokens pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Tells which accounts administer orgs in force.
		type Orgs: Organizations<Self::AccountId>;
		/// Tells which accounts belong to node identities in force.
		type Nodes: NodeRegistry<Self::AccountId>;
		/// Tells which nodes acknowledged which batches (the pins pallet).
		type Acknowledgements: AcknowledgementLedger;
		/// The amount type of fungible pools.
		type Balance: BalanceT + DecodeWithMemTracking;
		/// The fungible ledger (pallet-assets): one asset per fungible pool, with the pool's id.
		type Fungibles: fungibles::Create<Self::AccountId, AssetId = PoolId, Balance = Self::Balance>
			+ fungibles::Mutate<Self::AccountId>
			+ fungibles::approvals::Mutate<Self::AccountId>;
		/// Withdraws allowances in fungible pools (pallet-assets' `do_cancel_approval`).
		type CancelAllowance: CancelAllowance<Self::AccountId>;
		/// The non-fungible ledger (pallet-nfts): one collection per non-fungible pool, with the
		/// pool's id; items keyed by their index.
		type Nfts: nonfungibles_v2::Inspect<Self::AccountId, CollectionId = PoolId, ItemId = ItemIndex>
			+ nonfungibles_v2::InspectEnumerable<Self::AccountId>
			+ nonfungibles_v2::Create<Self::AccountId, Self::NftCollectionConfig>
			+ nonfungibles_v2::Mutate<Self::AccountId, Self::NftItemConfig>
			+ nonfungibles_v2::Transfer<Self::AccountId>;
		/// The settings of a collection in the non-fungible ledger.
		type NftCollectionConfig;
		/// The settings of an item in the non-fungible ledger.
		type NftItemConfig;
		/// The settings every non-fungible pool's collection gets (transferable items, no
		/// deposits).
		type NewNftCollection: Get<Self::NftCollectionConfig>;
		/// The settings every minted item gets (transferable).
		type NewNftItem: Get<Self::NftItemConfig>;
		/// Derives the account that owns the ledgers' pools and holds escrowed payments.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Longest namespace or pool name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;
		/// Longest pool symbol, in bytes.
		#[pallet::constant]
		type MaxSymbolLen: Get<u32>;
		/// Longest metadata URI, in bytes.
		#[pallet::constant]
		type MaxUriLen: Get<u32>;
		/// Most decimals a fungible pool may have.
		#[pallet::constant]
		type MaxDecimals: Get<u8>;
		/// Most escrows that can wait on one batch.
		#[pallet::constant]
		type MaxEscrowsPerBatch: Get<u32>;
		/// Most escrows that can time out in one block.
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;
		/// Longest escrow timeout, in blocks.
		#[pallet::constant]
		type MaxEscrowTimeout: Get<BlockNumberFor<Self>>;
		/// Blocks the chain keeps an escrow that was released or refunded, counted from its
		/// timeout; older ones are forgotten in the blocks' idle time (`features/retention.rs`).
		#[pallet::constant]
		type RetainEndedFor: Get<BlockNumberFor<Self>>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The id the next pool gets.
	#[pallet::storage]
	pub type NextPoolId<T: Config> = StorageValue<_, PoolId, ValueQuery>;

	/// Every pool, by id.
	#[pallet::storage]
	pub type Pools<T: Config> = StorageMap<_, Twox64Concat, PoolId, PoolOf<T>>;

	/// Pool ids by namespace and name: a name is unique in its namespace.
	#[pallet::storage]
	pub type PoolByName<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, NameOf<T>, Blake2_128Concat, NameOf<T>, PoolId>;

	/// The metadata hash a non-fungible token was minted with.
	#[pallet::storage]
	pub type ItemMetadata<T: Config> =
		StorageDoubleMap<_, Twox64Concat, PoolId, Twox64Concat, ItemIndex, H256>;

	/// The delegate allowed to transfer a non-fungible token, until its next transfer.
	#[pallet::storage]
	pub type ItemApprovals<T: Config> =
		StorageDoubleMap<_, Twox64Concat, PoolId, Twox64Concat, ItemIndex, T::AccountId>;

	/// Uniqueness claims, by namespace and key hash.
	#[pallet::storage]
	pub type Claims<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, NameOf<T>, CallerKeyHasher, H256, ClaimOf<T>>;

	/// The id the next escrow gets.
	#[pallet::storage]
	pub type NextEscrowId<T: Config> = StorageValue<_, EscrowId, ValueQuery>;

	/// Every escrow, by id, with its final state once released or refunded (until forgotten,
	/// `RetainEndedFor` blocks after its timeout).
	#[pallet::storage]
	pub type Escrows<T: Config> = StorageMap<_, Twox64Concat, EscrowId, EscrowOf<T>>;

	/// Every escrow below this id ended and was forgotten (or is forgotten when the cursor
	/// passes it).
	#[pallet::storage]
	pub type EscrowsForgottenBelow<T: Config> = StorageValue<_, EscrowId, ValueQuery>;

	/// The locked escrows waiting on a batch's acknowledgement, by batch and acknowledging node
	/// ([`EscrowWaitKey`]): at most `MaxEscrowsPerBatch` for each payer's node.
	#[pallet::storage]
	pub type EscrowsByBatch<T: Config> = StorageMap<
		_,
		CallerKeyHasher,
		EscrowWaitKey,
		BoundedVec<EscrowId, T::MaxEscrowsPerBatch>,
		ValueQuery,
	>;

	/// The hash of the key that releases a hash-locked escrow ([`Pallet::lock_keyed_escrow`]):
	/// its payee is paid by revealing the key ([`Pallet::reveal_key`]), and only so. An escrow
	/// with no entry here is released by its node's acknowledgement instead.
	#[pallet::storage]
	pub type EscrowKeys<T: Config> = StorageMap<_, Twox64Concat, EscrowId, H256>;

	/// The escrows to refund at the start of each block.
	#[pallet::storage]
	pub type EscrowExpiries<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<EscrowId, T::MaxExpiriesPerBlock>,
		ValueQuery,
	>;

	/// What happened to pools, tokens, claims and escrows.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An org created a token pool.
		PoolCreated {
			pool: PoolId,
			kind: PoolKind,
			org: IdentityId,
			namespace: Vec<u8>,
			name: Vec<u8>,
			symbol: Vec<u8>,
			decimals: u8,
			metadata_uri: Vec<u8>,
			metadata_hash: Option<H256>,
			creator: T::AccountId,
		},
		/// Tokens were minted to `to`.
		Minted {
			pool: PoolId,
			to: T::AccountId,
			tokens: HoldingOf<T>,
			metadata_hash: Option<H256>,
			operator: T::AccountId,
		},
		/// Tokens were burned from `from`.
		Burned { pool: PoolId, from: T::AccountId, tokens: HoldingOf<T> },
		/// Tokens moved from `from` to `to`, by `operator` (the holder or a delegate), with the
		/// hash of the private message they go with, if any.
		Transferred {
			pool: PoolId,
			from: T::AccountId,
			to: T::AccountId,
			tokens: HoldingOf<T>,
			message_hash: Option<H256>,
			operator: T::AccountId,
		},
		/// `owner` allowed `delegate` to transfer these tokens (for amounts: this much more).
		Approved { pool: PoolId, owner: T::AccountId, delegate: T::AccountId, tokens: HoldingOf<T> },
		/// A business record key was claimed: the first claim won.
		Claimed { namespace: Vec<u8>, key_hash: H256, owner: T::AccountId, by: T::AccountId },
		/// A claim changed hands.
		ClaimTransferred {
			namespace: Vec<u8>,
			key_hash: H256,
			from: T::AccountId,
			to: T::AccountId,
		},
		/// A claim was released: the key can be claimed again.
		ClaimReleased { namespace: Vec<u8>, key_hash: H256, owner: T::AccountId },
		/// A payment was locked until node `node` acknowledges batch `batch_hash`, or until block
		/// `expires_at`.
		EscrowLocked {
			escrow: EscrowId,
			payer: T::AccountId,
			payee: T::AccountId,
			pool: PoolId,
			amount: T::Balance,
			batch_hash: H256,
			node: IdentityId,
			expires_at: BlockNumberFor<T>,
		},
		/// The batch was acknowledged: the payment went to the payee.
		EscrowReleased {
			escrow: EscrowId,
			payee: T::AccountId,
			amount: T::Balance,
			batch_hash: H256,
		},
		/// The escrow just locked (its [`Event::EscrowLocked`] came first) is hash-locked: it pays
		/// its payee only when the key whose blake2-256 hash is `key_hash` is revealed, and no
		/// acknowledgement releases it.
		EscrowKeyLocked { escrow: EscrowId, key_hash: H256 },
		/// The payee revealed the key of a hash-locked escrow (paid by the
		/// [`Event::EscrowReleased`] that follows): whoever holds the batch sealed under it can
		/// open it now.
		EscrowKeyRevealed { escrow: EscrowId, batch_hash: H256, key: [u8; 32] },
		/// No acknowledgement came in time: the payment went back to the payer.
		EscrowRefunded {
			escrow: EscrowId,
			payer: T::AccountId,
			amount: T::Balance,
			batch_hash: H256,
		},
		/// `owner` set `delegate`'s allowance in fungible `pool` to exactly `amount` (`0`:
		/// withdrawn).
		AllowanceSet {
			pool: PoolId,
			owner: T::AccountId,
			delegate: T::AccountId,
			amount: T::Balance,
		},
		/// `owner` withdrew `delegate`'s approval for item `item` of non-fungible `pool`.
		ApprovalRevoked {
			pool: PoolId,
			owner: T::AccountId,
			delegate: T::AccountId,
			item: ItemIndex,
		},
	}

	/// Why a tokens call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// The signer is neither the admin of an org in force nor a node in force.
		NotAParty,
		/// The namespace is empty, too long, or has characters other than ASCII letters, digits,
		/// `.`, `_`, `-`.
		InvalidNamespace,
		/// The pool name is empty, too long, or has characters other than ASCII letters, digits,
		/// `.`, `_`, `-`.
		InvalidPoolName,
		/// The symbol is longer than `MaxSymbolLen`.
		SymbolTooLong,
		/// The metadata URI is longer than `MaxUriLen`.
		UriTooLong,
		/// More decimals than `MaxDecimals`, or decimals on a non-fungible pool.
		InvalidDecimals,
		/// A pool with this name already exists in this namespace.
		PoolNameTaken,
		/// No pool has this id.
		UnknownPool,
		/// Pool ids have run out.
		PoolIdsExhausted,
		/// Only the org that owns the pool mints in it.
		NotPoolOwner,
		/// An amount for a non-fungible pool, or an item for a fungible one.
		WrongPoolKind,
		/// The amount is zero.
		ZeroAmount,
		/// The holder has fewer tokens than the call moves.
		InsufficientBalance,
		/// The total supply would overflow.
		SupplyOverflow,
		/// A token with this index already exists in the pool.
		TokenIndexTaken,
		/// No token has this index in the pool.
		UnknownToken,
		/// The signer does not hold this token.
		NotTokenOwner,
		/// The delegate's allowance is smaller than the amount, or it is not approved for the
		/// token.
		NotApproved,
		/// This key is already claimed in this namespace: the first claim won.
		AlreadyClaimed,
		/// Nobody holds a claim on this key.
		UnknownClaim,
		/// Only the claim's owner may transfer or release it.
		NotClaimOwner,
		/// Escrows pay in fungible pools only.
		EscrowNeedsFungiblePool,
		/// The acknowledging node is not a node of the payer's org.
		NotPayersNode,
		/// The payer and the payee are the same account.
		PayeeIsPayer,
		/// The timeout is zero or longer than `MaxEscrowTimeout`.
		InvalidTimeout,
		/// `MaxEscrowsPerBatch` escrows already wait on this batch.
		TooManyEscrowsForBatch,
		/// The expiry queue is full for the blocks around this timeout; pick another timeout.
		ExpiryQueueFull,
		/// Escrow ids have run out.
		EscrowIdsExhausted,
		/// No escrow has this id.
		UnknownEscrow,
		/// The escrow was already released or refunded.
		EscrowNotLocked,
		/// The payer's node has not acknowledged the escrow's batch.
		NotAcknowledged,
		/// The escrow's timeout has not passed yet.
		EscrowNotExpired,
		/// The escrow is hash-locked: only revealing its key releases it.
		EscrowIsKeyed,
		/// The escrow is not hash-locked: its node's acknowledgement releases it.
		EscrowNotKeyed,
		/// The key does not hash to the escrow's key hash.
		WrongKey,
		/// The escrow's timeout has passed: it is refunded, its key no longer pays.
		EscrowExpired,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Refunds the escrows whose timeout ends at this block.
		fn on_initialize(block: BlockNumberFor<T>) -> Weight {
			Self::refund_expired(block)
		}

		/// Forgets escrows that ended long ago, with the weight the block has left.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::forget_ended_escrows(now, remaining)
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a token pool owned by the signer's org.
		///
		/// Signed by an org admin or a node in force. `name` is unique in `namespace`; both are 1
		/// to `MaxNameLen` ASCII letters, digits, `.`, `_`, `-`. Non-fungible pools have 0
		/// decimals. `metadata_uri` and `metadata_hash` say where the pool's token schema lives.
		/// Emits [`Event::PoolCreated`].
		#[pallet::call_index(0)]
		#[pallet::weight(match kind {
			PoolKind::Fungible => T::WeightInfo::create_fungible_pool(),
			PoolKind::NonFungible => T::WeightInfo::create_item_pool(),
		})]
		pub fn create_pool(
			origin: OriginFor<T>,
			namespace: Vec<u8>,
			name: Vec<u8>,
			symbol: Vec<u8>,
			decimals: u8,
			kind: PoolKind,
			metadata_uri: Vec<u8>,
			metadata_hash: Option<H256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_pool(
				&who,
				namespace,
				name,
				symbol,
				decimals,
				kind,
				metadata_uri,
				metadata_hash,
			)
			.map(|_| ())
		}

		/// Mints `tokens` in `pool` to `to`: an amount of a fungible pool, or the item with a
		/// given index of a non-fungible pool, with an optional `metadata_hash`.
		///
		/// Signed by the admin or a node of the org that owns the pool. A second mint of an
		/// index fails with [`Error::TokenIndexTaken`]. Emits [`Event::Minted`].
		#[pallet::call_index(1)]
		#[pallet::weight(match tokens {
			Holding::Amount(_) => T::WeightInfo::mint_amount(),
			Holding::Item(_) => T::WeightInfo::mint_item(),
		})]
		pub fn mint(
			origin: OriginFor<T>,
			pool: PoolId,
			to: T::AccountId,
			tokens: HoldingOf<T>,
			metadata_hash: Option<H256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_mint(&who, pool, to, tokens, metadata_hash)
		}

		/// Burns the signer's `tokens` in `pool`. Emits [`Event::Burned`].
		#[pallet::call_index(2)]
		#[pallet::weight(match tokens {
			Holding::Amount(_) => T::WeightInfo::burn_amount(),
			Holding::Item(_) => T::WeightInfo::burn_item(),
		})]
		pub fn burn(origin: OriginFor<T>, pool: PoolId, tokens: HoldingOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_burn(&who, pool, tokens)
		}

		/// Transfers the signer's `tokens` in `pool` to `to`, with the hash of the private
		/// message they go with, if any. Emits [`Event::Transferred`].
		#[pallet::call_index(3)]
		#[pallet::weight(match tokens {
			Holding::Amount(_) => T::WeightInfo::transfer_amount(),
			Holding::Item(_) => T::WeightInfo::transfer_item(),
		})]
		pub fn transfer(
			origin: OriginFor<T>,
			pool: PoolId,
			to: T::AccountId,
			tokens: HoldingOf<T>,
			message_hash: Option<H256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer(&who, &who, pool, to, tokens, message_hash)
		}

		/// Lets `delegate` transfer the signer's `tokens` in `pool`: for a fungible pool, adds
		/// the amount to the delegate's allowance; for a non-fungible pool, approves the
		/// delegate for that item until its next transfer (or until the holder revokes it with
		/// [`Pallet::revoke_approval`]). Emits [`Event::Approved`]. To lower or withdraw an
		/// allowance, see [`Pallet::set_allowance`].
		#[pallet::call_index(4)]
		#[pallet::weight(match tokens {
			Holding::Amount(_) => T::WeightInfo::approve_amount(),
			Holding::Item(_) => T::WeightInfo::approve_item(),
		})]
		pub fn approve(
			origin: OriginFor<T>,
			pool: PoolId,
			delegate: T::AccountId,
			tokens: HoldingOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_approve(&who, pool, delegate, tokens)
		}

		/// Transfers `owner`'s `tokens` in `pool` to `to`, as a delegate `owner` approved.
		/// Emits [`Event::Transferred`] with the signer as `operator`.
		#[pallet::call_index(5)]
		#[pallet::weight(match tokens {
			Holding::Amount(_) => T::WeightInfo::transfer_from_amount(),
			Holding::Item(_) => T::WeightInfo::transfer_from_item(),
		})]
		pub fn transfer_from(
			origin: OriginFor<T>,
			pool: PoolId,
			owner: T::AccountId,
			to: T::AccountId,
			tokens: HoldingOf<T>,
			message_hash: Option<H256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer(&who, &owner, pool, to, tokens, message_hash)
		}

		/// Claims business record key `key_hash` in `namespace` for `owner`.
		///
		/// Signed by an org admin or a node in force. The first claim wins; a later one fails
		/// with [`Error::AlreadyClaimed`]. Emits [`Event::Claimed`].
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::claim())]
		pub fn claim(
			origin: OriginFor<T>,
			namespace: Vec<u8>,
			key_hash: H256,
			owner: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who, namespace, key_hash, owner)
		}

		/// Hands the signer's claim on `key_hash` in `namespace` to `to`. Emits
		/// [`Event::ClaimTransferred`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::transfer_claim())]
		pub fn transfer_claim(
			origin: OriginFor<T>,
			namespace: Vec<u8>,
			key_hash: H256,
			to: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_transfer_claim(&who, namespace, key_hash, to)
		}

		/// Releases the signer's claim on `key_hash` in `namespace`: the key can be claimed
		/// again. Emits [`Event::ClaimReleased`].
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::release_claim())]
		pub fn release_claim(
			origin: OriginFor<T>,
			namespace: Vec<u8>,
			key_hash: H256,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_release_claim(&who, namespace, key_hash)
		}

		/// Locks `amount` of the signer's tokens in fungible `pool` as payment to `payee` for
		/// the batch with `batch_hash` (delivery versus payment).
		///
		/// - `node`: a node of the payer's org; its on-chain acknowledgement of the batch (the
		///   pins pallet's `acknowledge`) releases the payment to `payee` at once.
		/// - `timeout`: after this many blocks without that acknowledgement, the payment goes
		///   back to the payer.
		///
		/// If `node` has already acknowledged the batch, the payment is released in the same
		/// call. Emits [`Event::EscrowLocked`], then [`Event::EscrowReleased`] or
		/// [`Event::EscrowRefunded`] exactly once.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::lock_escrow().saturating_add(T::WeightInfo::release_escrow()))]
		pub fn lock_escrow(
			origin: OriginFor<T>,
			pool: PoolId,
			payee: T::AccountId,
			amount: T::Balance,
			batch_hash: H256,
			node: IdentityId,
			timeout: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_lock_escrow(&who, pool, payee, amount, batch_hash, node, timeout, None)
				.map(|_| ())
		}

		/// Releases a locked escrow whose batch its node has acknowledged. The pallet does this
		/// by itself when the acknowledgement lands; this call is a retry anyone may make.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::release_escrow())]
		pub fn release_escrow(origin: OriginFor<T>, escrow: EscrowId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_release_escrow(escrow)
		}

		/// Refunds a locked escrow whose timeout has passed. The pallet does this by itself at
		/// the expiry block; this call is a retry anyone may make.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::refund_escrow())]
		pub fn refund_escrow(origin: OriginFor<T>, escrow: EscrowId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_refund_escrow(escrow)
		}

		/// Sets `delegate`'s allowance of the signer's tokens in fungible `pool` to exactly
		/// `amount`: lowers or raises it, and `0` withdraws it (freeing its deposit). Unlike
		/// [`Pallet::approve`], which adds to an allowance, this lets a holder take back what it
		/// approved; whatever the delegate transferred before stays transferred.
		///
		/// Withdrawing an allowance that is not there fails with [`Error::NotApproved`]. Emits
		/// [`Event::AllowanceSet`].
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::set_allowance())]
		pub fn set_allowance(
			origin: OriginFor<T>,
			pool: PoolId,
			delegate: T::AccountId,
			amount: T::Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_allowance(&who, pool, delegate, amount)
		}

		/// Withdraws `delegate`'s approval to transfer item `item` of non-fungible `pool`.
		///
		/// Signed by the item's holder; fails with [`Error::NotApproved`] unless `delegate` is
		/// the item's approved delegate. Emits [`Event::ApprovalRevoked`].
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::revoke_approval())]
		pub fn revoke_approval(
			origin: OriginFor<T>,
			pool: PoolId,
			delegate: T::AccountId,
			item: ItemIndex,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_revoke_approval(&who, pool, delegate, item)
		}

		/// Locks `amount` of the signer's tokens in fungible `pool` as payment to `payee` for
		/// the batch with `batch_hash`, released only by the key whose blake2-256 hash is
		/// `key_hash` (a hash-locked delivery versus payment, as in an HTLC).
		///
		/// The seller sealed the batch to the buyer under a one-time key; revealing that key
		/// ([`Pallet::reveal_key`]) pays the seller and lets the buyer's node open the batch, so
		/// neither side has to trust the other: the buyer cannot take the data and withhold the
		/// payment, and the seller is paid only by handing over the key. After `timeout` blocks
		/// without the key the payment goes back to the payer. No acknowledgement releases it.
		///
		/// - `node`: the payer's node, the one that holds the sealed batch.
		///
		/// Emits [`Event::EscrowLocked`] then [`Event::EscrowKeyLocked`].
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::lock_keyed_escrow())]
		pub fn lock_keyed_escrow(
			origin: OriginFor<T>,
			pool: PoolId,
			payee: T::AccountId,
			amount: T::Balance,
			batch_hash: H256,
			key_hash: H256,
			node: IdentityId,
			timeout: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_lock_escrow(
				&who,
				pool,
				payee,
				amount,
				batch_hash,
				node,
				timeout,
				Some(key_hash),
			)
			.map(|_| ())
		}

		/// Pays a hash-locked escrow to its payee by revealing its `key`, before its timeout.
		///
		/// Anyone holding the key may submit it (the payee is paid either way); the key is then
		/// public, in [`Event::EscrowKeyRevealed`], for the payer's node to open the batch.
		/// Fails with [`Error::WrongKey`] if `blake2_256(key)` is not the escrow's key hash, and
		/// with [`Error::EscrowExpired`] from its expiry block on.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::reveal_key())]
		pub fn reveal_key(origin: OriginFor<T>, escrow: EscrowId, key: [u8; 32]) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_reveal_key(escrow, key)
		}
	}
}
