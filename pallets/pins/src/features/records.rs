//! Reading and writing pin and skip records, in this build's storage layout.
//!
//! Since storage version 2 a batch is its author's: pins and skips are keyed by (author node,
//! batch id) ([`AuthorBatches`], [`SkippedBatches`]), and each node's pinned hashes by (hash,
//! author) ([`PinnedHashes`]). The `previous-release` build keeps the version-0 layout
//! (`Batches`, `BatchByHash`, `Skipped`) (keyed by batch id alone, the first pin of an id or hash winning), to
//! rehearse the upgrade; every other file reads and writes records only through these functions,
//! so the rules are the same code in both builds.

use crate::{pallet::*, BatchId};
use alloc::vec::Vec;
use pallet_identities::IdentityId;
use sp_core::H256;

impl<T: Config> Pallet<T> {
	/// The pin of batch `batch_id` by node `author`, if there is one.
	pub fn pin_of(author: IdentityId, batch_id: BatchId) -> Option<PinRecord<T>> {
		#[cfg(not(feature = "previous-release"))]
		return AuthorBatches::<T>::get(author, batch_id);
		#[cfg(feature = "previous-release")]
		return Batches::<T>::get(batch_id).filter(|pin| pin.author_node == author);
	}

	/// Whether `author` may not pin `batch_id`: it pinned that id already (in the version-0
	/// layout, anyone did).
	pub(crate) fn batch_id_taken(author: IdentityId, batch_id: BatchId) -> bool {
		#[cfg(not(feature = "previous-release"))]
		return AuthorBatches::<T>::contains_key(author, batch_id);
		#[cfg(feature = "previous-release")]
		{
			let _ = author;
			Batches::<T>::contains_key(batch_id)
		}
	}

	/// Whether `author` may not pin `batch_hash`: it pinned that hash already (in the version-0
	/// layout, anyone did).
	pub(crate) fn batch_hash_taken(author: IdentityId, batch_hash: H256) -> bool {
		#[cfg(not(feature = "previous-release"))]
		return PinnedHashes::<T>::contains_key(batch_hash, author);
		#[cfg(feature = "previous-release")]
		{
			let _ = author;
			BatchByHash::<T>::contains_key(batch_hash)
		}
	}

	/// Records `pin` of `batch_id` (its author is `pin.author_node`).
	pub(crate) fn record_pin(batch_id: BatchId, pin: PinRecord<T>) {
		let (author, hash) = (pin.author_node, pin.batch_hash);
		#[cfg(not(feature = "previous-release"))]
		{
			AuthorBatches::<T>::insert(author, batch_id, pin);
			PinnedHashes::<T>::insert(hash, author, batch_id);
		}
		#[cfg(feature = "previous-release")]
		{
			let _ = author;
			Batches::<T>::insert(batch_id, pin);
			BatchByHash::<T>::insert(hash, batch_id);
		}
	}

	/// The batch id `author` pinned `batch_hash` as, if it did.
	pub fn batch_by_hash(author: IdentityId, batch_hash: H256) -> Option<BatchId> {
		#[cfg(not(feature = "previous-release"))]
		return PinnedHashes::<T>::get(batch_hash, author);
		#[cfg(feature = "previous-release")]
		return BatchByHash::<T>::get(batch_hash)
			.filter(|id| Batches::<T>::get(id).is_some_and(|pin| pin.author_node == author));
	}

	/// Every (author, batch id) that pinned `batch_hash`: one per node at most. For the offchain
	/// worker, which acknowledges a hash it verified and looks up under which pin.
	pub fn pins_of_hash(batch_hash: H256) -> Vec<(IdentityId, BatchId)> {
		#[cfg(not(feature = "previous-release"))]
		return PinnedHashes::<T>::iter_prefix(batch_hash).collect();
		#[cfg(feature = "previous-release")]
		return BatchByHash::<T>::get(batch_hash)
			.and_then(|id| Batches::<T>::get(id).map(|pin| (pin.author_node, id)))
			.into_iter()
			.collect();
	}

	/// Whether `author`'s batch `batch_id` was skipped, and by whom: the node that skipped it
	/// (its author), or its author too if the members' vote did.
	pub fn skipped(author: IdentityId, batch_id: BatchId) -> Option<IdentityId> {
		#[cfg(not(feature = "previous-release"))]
		return SkippedBatches::<T>::get(author, batch_id);
		#[cfg(feature = "previous-release")]
		return Skipped::<T>::get(batch_id).filter(|_| Self::pin_of(author, batch_id).is_some());
	}

	/// Forgets `author`'s pin of `batch_id`, its skip, and, if no other node pinned its hash,
	/// the hash's acknowledgements (at most [`super::retention::MAX_ACKS_PER_PIN`]). Returns how
	/// many acknowledgements went.
	pub(crate) fn forget_pin(author: IdentityId, batch_id: BatchId) -> u32 {
		let Some(pin) = Self::pin_of(author, batch_id) else { return 0 };
		#[cfg(not(feature = "previous-release"))]
		{
			AuthorBatches::<T>::remove(author, batch_id);
			PinnedHashes::<T>::remove(pin.batch_hash, author);
			SkippedBatches::<T>::remove(author, batch_id);
		}
		#[cfg(feature = "previous-release")]
		{
			Batches::<T>::remove(batch_id);
			BatchByHash::<T>::remove(pin.batch_hash);
			Skipped::<T>::remove(batch_id);
		}
		if !Self::pins_of_hash(pin.batch_hash).is_empty() {
			return 0;
		}
		let removed = Acknowledgements::<T>::clear_prefix(
			pin.batch_hash,
			super::retention::MAX_ACKS_PER_PIN,
			None,
		);
		removed.unique
	}

	/// Records that `author`'s batch `batch_id` was skipped by `node`.
	pub(crate) fn record_skip(author: IdentityId, batch_id: BatchId, node: IdentityId) {
		#[cfg(not(feature = "previous-release"))]
		SkippedBatches::<T>::insert(author, batch_id, node);
		#[cfg(feature = "previous-release")]
		{
			let _ = author;
			Skipped::<T>::insert(batch_id, node);
		}
	}
}
