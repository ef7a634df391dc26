//! Storage migrations of the pins pallet, one module per storage version.

pub mod v1 {
	//! Version 0 → 1: the maps keyed by batch hashes, which whoever pins chooses
	//! ([`BatchByHash`], [`Acknowledgements`]), hash their keys with `Blake2_128Concat` instead of
	//! `Identity`. Every entry is moved to its new key; values are unchanged.
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

		/// [`BatchByHash`](crate::pallet::BatchByHash) before: keys in the clear.
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
				BatchByHash::<T>::insert(hash, batch);
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
