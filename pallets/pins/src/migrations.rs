//! Storage migrations of the pins pallet, one module per storage version.

pub mod v1 {
	//! Version 0 → 1: the maps keyed by batch hashes, which whoever pins chooses
	//! (`BatchByHash`, [`Acknowledgements`]), hash their keys with `Blake2_128Concat` instead of
	//! `Identity`. Every entry is moved to its new key; values are unchanged. `BatchByHash` is
	//! written in its version-1 layout ([`crate::migrations::v2::v1`]), which the version-2
	//! migration then moves on.
	//!
	//! Runs in the block of the upgrade, reading every entry once: pins are bounded by what the
	//! network made so far, which is small for the chains this runs on today.

	use crate::{pallet::*, BatchId};
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use pallet_identities::IdentityId;
	use sp_core::H256;

	/// The version-0 layout.
	pub mod v0 {
		use super::*;

		/// `BatchByHash` before: keys in the clear.
		#[storage_alias]
		pub type BatchByHash<T: Config> = StorageMap<Pallet<T>, Identity, H256, BatchId>;

		/// [`Acknowledgements`](crate::pallet::Acknowledgements) before: batch hashes in the
		/// clear.
		#[storage_alias]
		pub type Acknowledgements<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Identity,
			H256,
			Twox64Concat,
			IdentityId,
			BlockNumberFor<T>,
		>;
	}

	/// Moves every entry of the two maps to its `Blake2_128Concat` key.
	pub struct RehashCallerKeys<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RehashCallerKeys<T> {
		fn on_runtime_upgrade() -> Weight {
			// Read everything in the old layout first: the new keys share the old ones' prefix.
			let by_hash: Vec<(H256, BatchId)> = v0::BatchByHash::<T>::drain().collect();
			let acks: Vec<(H256, IdentityId, BlockNumberFor<T>)> =
				v0::Acknowledgements::<T>::drain().collect();
			for (hash, batch) in &by_hash {
				crate::migrations::v2::v1::BatchByHash::<T>::insert(hash, batch);
			}
			for (hash, node, block) in &acks {
				Acknowledgements::<T>::insert(hash, node, block);
			}
			let moved = (by_hash.len() + acks.len()) as u64;
			log::info!(target: "runtime::pins", "v1: moved {moved} entries to Blake2_128Concat keys");
			T::DbWeight::get().reads_writes(moved, moved.saturating_mul(2))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let by_hash: Vec<(H256, BatchId)> = v0::BatchByHash::<T>::iter().collect();
			let acks: Vec<(H256, IdentityId, BlockNumberFor<T>)> =
				v0::Acknowledgements::<T>::iter().collect();
			Ok((by_hash, acks).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			type Before<T> = (Vec<(H256, BatchId)>, Vec<(H256, IdentityId, BlockNumberFor<T>)>);
			let (by_hash, acks) = Before::<T>::decode(&mut &state[..])
				.map_err(|_| "pre-upgrade state does not decode")?;
			use crate::migrations::v2::v1::BatchByHash;
			frame_support::ensure!(
				BatchByHash::<T>::iter().count() == by_hash.len(),
				"every batch hash moved, none lost or added"
			);
			for (hash, batch) in by_hash {
				frame_support::ensure!(
					BatchByHash::<T>::get(hash) == Some(batch),
					"a batch hash reads back its batch"
				);
			}
			frame_support::ensure!(
				Acknowledgements::<T>::iter().count() == acks.len(),
				"every acknowledgement moved"
			);
			for (hash, node, block) in acks {
				frame_support::ensure!(
					Acknowledgements::<T>::get(hash, node) == Some(block),
					"an acknowledgement reads back its block"
				);
			}
			Ok(())
		}
	}

	/// The migration to run on upgrade: [`RehashCallerKeys`], only if the on-chain storage version
	/// is 0, which it then sets to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		RehashCallerKeys<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

pub mod v2 {
	//! Version 1 → 2: a batch is its author's. The pins and skips keyed by batch id alone
	//! (`Batches`, `Skipped`) move to maps keyed by (author node, batch id) ([`AuthorBatches`],
	//! [`SkippedBatches`]), and `BatchByHash` to [`PinnedHashes`], keyed by (hash, author), so
	//! that another node's pin of the same id or hash (a copy of a pending pin) never takes the
	//! author's place. Every entry moves, its author read from its pin record; values are
	//! unchanged; the old maps are left empty. An entry of
	//! `BatchByHash` or `Skipped` without a pin record (none should exist) cannot name its
	//! author and is dropped, and counted in the log.
	//!
	//! Runs in the block of the upgrade, reading every entry once, as [`super::v1`] does.

	use crate::{pallet::*, BatchId};
	use alloc::{collections::BTreeMap, vec::Vec};
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;
	use pallet_identities::IdentityId;
	use sp_core::H256;

	/// The version-1 layout: keyed by batch id, or hash, alone.
	pub mod v1 {
		use super::*;

		/// `Batches`: pins by batch id.
		#[storage_alias]
		pub type Batches<T: Config> =
			StorageMap<Pallet<T>, Blake2_128Concat, BatchId, PinRecord<T>>;

		/// `BatchByHash`: one batch id per hash.
		#[storage_alias]
		pub type BatchByHash<T: Config> = StorageMap<Pallet<T>, Blake2_128Concat, H256, BatchId>;

		/// `Skipped`: skips by batch id.
		#[storage_alias]
		pub type Skipped<T: Config> = StorageMap<Pallet<T>, Blake2_128Concat, BatchId, IdentityId>;
	}

	/// Moves every pin, hash and skip to its key by author.
	pub struct KeyByAuthor<T>(core::marker::PhantomData<T>);

	#[cfg(not(feature = "previous-release"))]
	impl<T: Config> UncheckedOnRuntimeUpgrade for KeyByAuthor<T> {
		fn on_runtime_upgrade() -> Weight {
			let batches: BTreeMap<BatchId, PinRecord<T>> = v1::Batches::<T>::drain().collect();
			let by_hash: Vec<(H256, BatchId)> = v1::BatchByHash::<T>::drain().collect();
			let skipped: Vec<(BatchId, IdentityId)> = v1::Skipped::<T>::drain().collect();
			let mut dropped = 0u64;
			for (id, pin) in &batches {
				AuthorBatches::<T>::insert(pin.author_node, id, pin);
			}
			// Every pin joins the log of pins to forget once old, in the order they were made.
			let mut made: Vec<(BlockNumberFor<T>, u64, IdentityId, BatchId)> = batches
				.iter()
				.map(|(id, pin)| (pin.block, pin.sequence, pin.author_node, *id))
				.collect();
			made.sort();
			for (block, _, author, id) in made {
				Pallet::<T>::log_pin(block, author, id);
			}
			for (hash, id) in &by_hash {
				match batches.get(id) {
					Some(pin) => PinnedHashes::<T>::insert(hash, pin.author_node, id),
					None => dropped += 1,
				}
			}
			for (id, node) in &skipped {
				match batches.get(id) {
					Some(pin) => SkippedBatches::<T>::insert(pin.author_node, id, node),
					None => dropped += 1,
				}
			}
			let moved = (batches.len() + by_hash.len() + skipped.len()) as u64;
			log::info!(
				target: "runtime::pins",
				"v2: moved {moved} entries to keys by author ({dropped} without a pin dropped)"
			);
			T::DbWeight::get().reads_writes(moved, moved.saturating_mul(3))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let batches: Vec<(BatchId, PinRecord<T>)> = v1::Batches::<T>::iter().collect();
			let skipped: Vec<(BatchId, IdentityId)> = v1::Skipped::<T>::iter().collect();
			Ok((batches, skipped).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			type Before<T> = (Vec<(BatchId, PinRecord<T>)>, Vec<(BatchId, IdentityId)>);
			let (batches, skipped) = Before::<T>::decode(&mut &state[..])
				.map_err(|_| "pre-upgrade state does not decode")?;
			frame_support::ensure!(
				AuthorBatches::<T>::iter().count() == batches.len(),
				"every pin moved, none lost or added"
			);
			frame_support::ensure!(
				PinLog::<T>::iter().count() == batches.len(),
				"every pin is in the log of pins to forget"
			);
			for (id, pin) in &batches {
				frame_support::ensure!(
					AuthorBatches::<T>::get(pin.author_node, id).as_ref() == Some(pin),
					"a pin reads back under its author"
				);
				frame_support::ensure!(
					PinnedHashes::<T>::get(pin.batch_hash, pin.author_node) == Some(*id),
					"a pin's hash reads back its batch under its author"
				);
			}
			for (id, node) in skipped {
				let author = batches.iter().find(|(b, _)| *b == id).map(|(_, p)| p.author_node);
				if let Some(author) = author {
					frame_support::ensure!(
						SkippedBatches::<T>::get(author, id) == Some(node),
						"a skip reads back under its author"
					);
				}
			}
			Ok(())
		}
	}

	/// The migration to run on upgrade: [`KeyByAuthor`], only if the on-chain storage version is
	/// 1, which it then sets to 2.
	#[cfg(not(feature = "previous-release"))]
	pub type MigrateToV2<T> =
		VersionedMigration<1, 2, KeyByAuthor<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
}
