//! # Pins pallet
//!
//! The agreed order of off-chain batches. A node that sends a batch of messages (broadcast or
//! private) pins its hash here with [`Pallet::pin_batch`]; every party sees the resulting
//! [`Event::BatchPinned`] in the same block order, and releases the batch's messages to its apps
//! only once the payload it holds matches the pinned hash.
//!
//! - Only the account of a node identity in force (see `pallet-identities`) may pin or
//!   acknowledge. Anyone else gets [`Error::NotARegisteredNode`].
//! - A batch is its author's: pins are keyed by (author node, `batch_id`). A node's second pin of
//!   an id fails with [`Error::BatchAlreadyPinned`], of a hash with
//!   [`Error::BatchHashAlreadyPinned`]; another node's pin of the same id or hash (a copy of a
//!   pending pin, say) is a batch of that node's and never takes the author's place. Receivers
//!   drop such a copy: the hash covers the payload's author, which is not the copier.
//! - Each namespace numbers its pins from 0 with a strictly increasing `sequence`.
//! - [`Pallet::pin_batches`] makes several of a node's pins in one transaction, in the order
//!   given: how a node that restarted (or was cut off) gets its open pins on-chain in order in
//!   one round, passing over those that landed meanwhile.
//! - [`Pallet::acknowledge`] records, once per node, that a node received and verified a batch,
//!   so receipt of a private batch can be proven on-chain.
//! - A batch whose payload never arrives is skipped, so that the contexts it blocks flow again:
//!   by its author ([`Pallet::skip_batch`]) or by the members' vote ([`Pallet::skip_by_vote`]),
//!   never by another party alone; not once a recipient acknowledged it, and a skipped batch
//!   cannot be acknowledged.
//!
//! Payloads never come here: only their hash, an optional reference (empty for private batches)
//! and the batch's contexts (masked for private messages).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod features;
pub mod migrations;

pub use features::offchain::{AckPayload, ACK_DOMAIN, ACK_LIFETIME, ACK_QUEUE_KEY, ACK_QUEUE_MAX};

pub mod runtime_api;

/// The bounds a pin must keep to, as [`runtime_api::PinsApi::limits`] reports them.
#[derive(
	codec::Encode,
	codec::Decode,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	scale_info::TypeInfo,
	codec::MaxEncodedLen,
)]
pub struct PinLimits {
	/// Most contexts in one pin (`MaxContexts`).
	pub max_contexts: u32,
	/// Longest namespace, in bytes (`MaxNamespaceLen`).
	pub max_namespace_len: u32,
	/// Longest payload reference, in bytes (`MaxPayloadRefLen`).
	pub max_payload_ref_len: u32,
	/// Blocks a pin must be old before `skip_batch` accepts it (`SkipAfter`).
	pub skip_after: u32,
}

/// The key type of a node's account key in its keystore: the offchain worker signs
/// acknowledgements with it, and the node signs its pins and receipts with it.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"prly");

/// The node account key as an application crypto (sr25519 under [`KEY_TYPE`]).
pub mod crypto {
	use super::KEY_TYPE;
	use sp_runtime::{
		app_crypto::{app_crypto, sr25519},
		MultiSignature, MultiSigner,
	};
	app_crypto!(sr25519, KEY_TYPE);

	/// Signs acknowledgements with the node account key, for a runtime whose accounts are
	/// `MultiSigner`s.
	pub struct NodeKey;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for NodeKey {
		type RuntimeAppPublic = Public;
		type GenericSignature = sp_core::sr25519::Signature;
		type GenericPublic = sp_core::sr25519::Public;
	}
}
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

/// A batch's 16-byte id (a UUID).
pub type BatchId = [u8; 16];

/// Most pins in one [`Pallet::pin_batches`] call.
pub const MAX_PINS_PER_CALL: u32 = 64;

/// One pin of [`Pallet::pin_batches`]: the arguments of [`Pallet::pin_batch`].
#[derive(
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	Clone,
	PartialEq,
	Eq,
	Debug,
	scale_info::TypeInfo,
)]
pub struct BatchPin {
	/// The namespace to pin in.
	pub namespace: alloc::vec::Vec<u8>,
	/// The batch's id.
	pub batch_id: BatchId,
	/// blake2-256 of the batch's SCALE-encoded manifest.
	pub batch_hash: sp_core::H256,
	/// Where a broadcast payload can be fetched; empty for private batches.
	pub payload_ref: alloc::vec::Vec<u8>,
	/// One per topic (masked for private messages).
	pub contexts: alloc::vec::Vec<sp_core::H256>,
}

/// Told when a node acknowledges a batch on-chain (the tokens pallet releases escrowed payments).
pub trait OnAcknowledged {
	/// `node` acknowledged the batch with `batch_hash`.
	fn on_acknowledged(
		batch_hash: sp_core::H256,
		node: pallet_identities::IdentityId,
	) -> frame_support::weights::Weight;

	/// The most weight [`OnAcknowledged::on_acknowledged`] can take.
	fn max_weight() -> frame_support::weights::Weight;
}

/// Answers whether a node acknowledged a batch (for pallets that act on receipts).
pub trait AcknowledgementLedger {
	/// Whether `node` acknowledged the batch with `batch_hash`.
	fn is_acknowledged(batch_hash: sp_core::H256, node: pallet_identities::IdentityId) -> bool;

	/// Records that `node` acknowledged `batch_hash`, for other pallets' benchmarks.
	#[cfg(feature = "runtime-benchmarks")]
	fn record_benchmark_acknowledgement(
		batch_hash: sp_core::H256,
		node: pallet_identities::IdentityId,
	);
}

impl OnAcknowledged for () {
	fn on_acknowledged(
		_: sp_core::H256,
		_: pallet_identities::IdentityId,
	) -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}

	fn max_weight() -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use pallet_identities::{IdentityId, NodeRegistry};
	use sp_core::H256;

	/// A bounded namespace name.
	pub type NamespaceOf<T> = BoundedVec<u8, <T as Config>::MaxNamespaceLen>;

	/// What the chain keeps of one pin.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
	#[scale_info(skip_type_params(T))]
	pub struct PinRecord<T: Config> {
		/// The namespace it was pinned in.
		pub namespace: NamespaceOf<T>,
		/// Its place in that namespace's order.
		pub sequence: u64,
		/// The node identity that pinned it.
		pub author_node: IdentityId,
		/// The batch's hash.
		pub batch_hash: H256,
		/// The block it was pinned in.
		pub block: BlockNumberFor<T>,
	}

	/// The hasher of storage keys that whoever pins chooses (batch hashes): `Blake2_128Concat`
	/// since storage version 1, so that no caller can pick keys that unbalance the trie;
	/// `Identity` before (and in the `previous-release` build, which rehearses the upgrade from
	/// version 0: see [`crate::migrations::v1`]).
	#[cfg(not(feature = "previous-release"))]
	pub type CallerKeyHasher = Blake2_128Concat;
	/// See above: the version-0 hasher.
	#[cfg(feature = "previous-release")]
	pub type CallerKeyHasher = Identity;

	/// The layout of this pallet's storage, as a number (see [`crate::migrations`]).
	pub const STORAGE_VERSION_NUMBER: u16 = if cfg!(feature = "previous-release") { 0 } else { 2 };

	/// The layout of this pallet's storage (see [`crate::migrations`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(STORAGE_VERSION_NUMBER);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pins pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config
		+ frame_system::offchain::SigningTypes
		+ frame_system::offchain::CreateBare<Call<Self>>
	{
		/// Tells which accounts belong to node identities in force.
		type Nodes: NodeRegistry<Self::AccountId>;
		/// Longest namespace name, in bytes.
		#[pallet::constant]
		type MaxNamespaceLen: Get<u32>;
		/// Longest payload reference, in bytes.
		#[pallet::constant]
		type MaxPayloadRefLen: Get<u32>;
		/// Most contexts (topics) in one pin.
		#[pallet::constant]
		type MaxContexts: Get<u32>;
		/// Blocks a pin must be old before a node may skip it.
		#[pallet::constant]
		type SkipAfter: Get<BlockNumberFor<Self>>;
		/// Blocks the chain keeps a pin, its skip and its acknowledgements; older ones are
		/// forgotten in the blocks' idle time (see `features/retention.rs`). Far longer than
		/// `SkipAfter` and an acknowledgement's lifetime.
		#[pallet::constant]
		type RetainFor: Get<BlockNumberFor<Self>>;
		/// Told of every acknowledgement (releases escrowed payments).
		type OnAcknowledged: OnAcknowledged;
		/// The key the offchain worker signs acknowledgements with.
		type NodeKey: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>;
		/// Pool priority of unsigned acknowledgements.
		#[pallet::constant]
		type UnsignedPriority: Get<TransactionPriority>;
		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Acknowledges on-chain the batches this node received and verified (see
		/// [`crate::ACK_QUEUE_KEY`]).
		fn offchain_worker(block: BlockNumberFor<T>) {
			Self::acknowledge_queued(block);
		}

		/// Forgets pins older than `RetainFor`, with the weight the block has left.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune_old_pins(now, remaining)
		}

		/// The window outlives everything that may still refer to a pin: the skip delay and a
		/// signed acknowledgement's lifetime.
		fn integrity_test() {
			use sp_runtime::SaturatedConversion;
			let retain: u64 = T::RetainFor::get().saturated_into();
			let skip: u64 = T::SkipAfter::get().saturated_into();
			assert!(
				retain > skip.saturating_add(u64::from(crate::ACK_LIFETIME)),
				"RetainFor must be longer than SkipAfter and an acknowledgement's lifetime"
			);
		}
	}

	// `ValidateUnsigned` is deprecated in favour of `#[pallet::authorize]` (removal after April
	// 2027); moving needs `frame_system::AuthorizeCall` in the runtime's transaction extensions.
	#[allow(deprecated)]
	#[pallet::validate_unsigned]
	impl<T: Config> ValidateUnsigned for Pallet<T> {
		type Call = Call<T>;

		/// Only [`Pallet::submit_acknowledgement`] may come unsigned, with a valid node signature.
		fn validate_unsigned(_source: TransactionSource, call: &Self::Call) -> TransactionValidity {
			match call {
				Call::submit_acknowledgement { ack, signature } => {
					Self::validate_acknowledgement(ack, signature)
				}
				_ => InvalidTransaction::Call.into(),
			}
		}
	}

	/// Every pinned batch, by author node and batch id (since storage version 2): a batch is
	/// its author's, so that another node's pin of the same id (a copy of a pending pin, say)
	/// never takes its place.
	#[cfg(not(feature = "previous-release"))]
	#[pallet::storage]
	pub type AuthorBatches<T: Config> =
		StorageDoubleMap<_, Twox64Concat, IdentityId, Blake2_128Concat, BatchId, PinRecord<T>>;

	/// The batch id each node pinned each hash as, by hash and author node (since storage
	/// version 2): each node pins a hash once; another node's pin of it is its own entry.
	#[cfg(not(feature = "previous-release"))]
	#[pallet::storage]
	pub type PinnedHashes<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, H256, Twox64Concat, IdentityId, BatchId>;

	/// Every pinned batch, by batch id: the layout before storage version 2 (the first pin of
	/// an id won), kept by the `previous-release` build only.
	#[cfg(feature = "previous-release")]
	#[pallet::storage]
	pub type Batches<T: Config> = StorageMap<_, Blake2_128Concat, BatchId, PinRecord<T>>;

	/// The batch id each pinned hash belongs to: the layout before storage version 2, kept by
	/// the `previous-release` build only.
	#[cfg(feature = "previous-release")]
	#[pallet::storage]
	pub type BatchByHash<T: Config> = StorageMap<_, CallerKeyHasher, H256, BatchId>;

	/// Every pin in the order it was made, by a counter: (block, author, batch id), for
	/// forgetting it once `RetainFor` blocks old.
	#[pallet::storage]
	pub type PinLog<T: Config> =
		StorageMap<_, Twox64Concat, u64, (BlockNumberFor<T>, IdentityId, BatchId)>;

	/// [`PinLog`]'s oldest entry still kept, and the counter its next entry gets.
	#[pallet::storage]
	pub type PinLogBounds<T: Config> = StorageValue<_, (u64, u64), ValueQuery>;

	/// The sequence the next pin in each namespace gets.
	#[pallet::storage]
	pub type NextSequence<T: Config> =
		StorageMap<_, Blake2_128Concat, NamespaceOf<T>, u64, ValueQuery>;

	/// Which nodes acknowledged which batch hash, and in which block. An acknowledgement is of
	/// the content: the hash covers the batch's id and author.
	#[pallet::storage]
	pub type Acknowledgements<T: Config> =
		StorageDoubleMap<_, CallerKeyHasher, H256, Twox64Concat, IdentityId, BlockNumberFor<T>>;

	/// Batches skipped, by author node and batch id (since storage version 2): every node
	/// stops waiting for them. The value is the node that skipped it (its author), or, for a
	/// skip by the members' vote, the batch's author too.
	#[cfg(not(feature = "previous-release"))]
	#[pallet::storage]
	pub type SkippedBatches<T: Config> =
		StorageDoubleMap<_, Twox64Concat, IdentityId, Blake2_128Concat, BatchId, IdentityId>;

	/// Batches skipped, by batch id: the layout before storage version 2, kept by the
	/// `previous-release` build only.
	#[cfg(feature = "previous-release")]
	#[pallet::storage]
	pub type Skipped<T: Config> = StorageMap<_, Blake2_128Concat, BatchId, IdentityId>;

	/// What happened to pins.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A batch was pinned. Receivers match its payload against `batch_hash` and release its
		/// messages in `sequence` order per context.
		BatchPinned {
			namespace: Vec<u8>,
			sequence: u64,
			author_node: IdentityId,
			batch_id: BatchId,
			batch_hash: H256,
			payload_ref: Vec<u8>,
			contexts: Vec<H256>,
		},
		/// A node confirmed it received and verified a batch.
		BatchAcknowledged { batch_hash: H256, node: IdentityId },
		/// A node skipped a batch whose payload never arrived: every node stops waiting for it and
		/// releases what it held back.
		BatchSkipped { batch_id: BatchId, batch_hash: H256, node: IdentityId },
		/// The members voted to skip a batch whose payload never arrived (governance
		/// `SkipBatch`): every node stops waiting for it, as for [`Event::BatchSkipped`].
		BatchSkippedByVote { batch_id: BatchId, batch_hash: H256, author_node: IdentityId },
		/// One pin of a [`Pallet::pin_batches`] call failed (the others stand): every node stops
		/// waiting for its contexts, as for a failed [`Pallet::pin_batch`], and its author sends
		/// its messages again or rejects them.
		PinRefused {
			signer: T::AccountId,
			batch_id: BatchId,
			batch_hash: H256,
			contexts: Vec<H256>,
			error: DispatchError,
		},
	}

	/// Why a pins call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not the account of a node identity in force.
		NotARegisteredNode,
		/// This node already pinned this batch id.
		BatchAlreadyPinned,
		/// This node already pinned this batch hash.
		BatchHashAlreadyPinned,
		/// The namespace is longer than `MaxNamespaceLen`.
		NamespaceTooLong,
		/// The namespace is empty or has characters other than ASCII letters, digits, `.`, `_`,
		/// `-`.
		InvalidNamespace,
		/// The payload reference is longer than `MaxPayloadRefLen`.
		PayloadRefTooLong,
		/// The pin has more contexts than `MaxContexts`.
		TooManyContexts,
		/// No such batch: no pin of that node has this batch hash (or, for `skip_batch`, no pin
		/// of the signer's has this batch id).
		UnknownBatch,
		/// This node already acknowledged this batch.
		AlreadyAcknowledged,
		/// A [`Pallet::pin_batches`] call names more than [`crate::MAX_PINS_PER_CALL`] pins.
		TooManyPins,
		/// A node cannot acknowledge a batch it pinned itself (nor a copy of it).
		OwnBatch,
		/// The namespace's sequence has run out.
		SequenceOverflow,
		/// The batch was pinned less than `SkipAfter` blocks ago.
		TooEarlyToSkip,
		/// The batch was skipped already: it cannot be skipped again, nor acknowledged.
		AlreadySkipped,
		/// A node acknowledged this batch: it was delivered, and cannot be skipped.
		BatchAcknowledged,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Pins a batch: puts its hash in the agreed order of `namespace`.
		///
		/// Signed by the account of a node identity in force.
		/// - `batch_id`: the batch's 16-byte id, once per author node.
		/// - `batch_hash`: blake2-256 of the batch's SCALE-encoded manifest.
		/// - `payload_ref`: where a broadcast payload can be fetched; empty for private batches.
		/// - `contexts`: one per topic, `blake2_256(topic)` for broadcasts, masked for private
		///   messages.
		///
		/// Emits [`Event::BatchPinned`] with the namespace's next `sequence`.
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::pin_weight(contexts.len(), payload_ref.len()))]
		pub fn pin_batch(
			origin: OriginFor<T>,
			namespace: Vec<u8>,
			batch_id: BatchId,
			batch_hash: H256,
			payload_ref: Vec<u8>,
			contexts: Vec<H256>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_pin_batch(&who, namespace, batch_id, batch_hash, payload_ref, contexts)
		}

		/// Pins several of the signing node's batches at once, in the order given, each as
		/// [`Pallet::pin_batch`] would: a node's way to get the pins it has open (after a restart
		/// or a partition) on-chain in their order in one transaction, where pins submitted one by
		/// one could land out of order if one of them is lost from the pool.
		///
		/// Signed by the account of a node identity in force, with at most
		/// [`crate::MAX_PINS_PER_CALL`] pins ([`Error::TooManyPins`]). A pin the signer made
		/// already (same batch id and hash) is passed over, so that naming again a pin that
		/// landed meanwhile does no harm. A pin that fails leaves the others standing and emits
		/// [`Event::PinRefused`] with its error. Emits [`Event::BatchPinned`] for each pin made.
		/// The weight of the pins passed over or refused is refunded.
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::pin_batches_weight(pins))]
		pub fn pin_batches(
			origin: OriginFor<T>,
			pins: Vec<crate::BatchPin>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let used = Self::do_pin_batches(&who, pins)?;
			Ok(Some(used).into())
		}

		/// Records that the signing node received and verified the batch with `batch_hash` that
		/// node `author` pinned.
		///
		/// Signed by the account of a node identity in force, other than the batch's author, once
		/// per batch hash, while that pin is not skipped. Emits [`Event::BatchAcknowledged`]. The
		/// weight reserved covers the most escrows an acknowledgement can release; what the
		/// escrows really released did not use is refunded.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::acknowledge().saturating_add(T::OnAcknowledged::max_weight()))]
		pub fn acknowledge(
			origin: OriginFor<T>,
			author: IdentityId,
			batch_hash: H256,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let released = Self::do_acknowledge(&who, author, batch_hash)?;
			Ok(Some(T::WeightInfo::acknowledge().saturating_add(released)).into())
		}

		/// Skips the signing node's own batch `batch_id`, whose payload never arrived: every node
		/// stops waiting for it, rejects it if it still holds it back, and releases the pins
		/// behind it. The same skip applies at every party because it is on-chain.
		///
		/// Signed by the account of the batch's author node, in force, at least `SkipAfter`
		/// blocks after the pin, while no node has acknowledged it. It names a batch of the
		/// signer's only, so another party cannot skip it ([`Error::UnknownBatch`] for it): the
		/// members vote for that (governance `SkipBatch`).
		/// Emits [`Event::BatchSkipped`].
		#[pallet::call_index(3)]
		// `weights.rs` was measured before the acknowledgements' prefix read joined the
		// checks; its one read is added here until the benchmark (which now covers it) reruns.
		#[pallet::weight(T::WeightInfo::skip_batch().saturating_add(T::DbWeight::get().reads(1)))]
		pub fn skip_batch(origin: OriginFor<T>, batch_id: BatchId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_skip_batch(&who, batch_id)
		}

		/// [`Pallet::acknowledge`] as submitted by the node's offchain worker: unsigned (no fee,
		/// no nonce), carrying an [`AckPayload`] signed by the node's account key. Checked before
		/// it enters the pool and again in the block (for this chain, not expired, valid
		/// signature, node in force, batch pinned by another node, not skipped, and not yet
		/// acknowledged by this one). Refunds the weight its escrows did not use.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::acknowledge().saturating_add(T::OnAcknowledged::max_weight()))]
		pub fn submit_acknowledgement(
			origin: OriginFor<T>,
			ack: AckPayload<T::Public, T::Hash>,
			_signature: T::Signature,
		) -> DispatchResultWithPostInfo {
			ensure_none(origin)?;
			use sp_runtime::traits::IdentifyAccount;
			let released =
				Self::do_acknowledge(&ack.public.into_account(), ack.author, ack.batch_hash)?;
			Ok(Some(T::WeightInfo::acknowledge().saturating_add(released)).into())
		}
	}
}
