//! Storage migrations of the tokens pallet, one module per storage version.

pub mod v1 {
	//! Version 0 → 1:
	//! - [`Claims`] hashes its key hashes, which claimants choose, with `Blake2_128Concat`
	//!   instead of `Identity`;
	//! - [`EscrowsByBatch`] is keyed by batch *and* acknowledging node (the payer's own), not by
	//!   batch alone, so that a rival can no longer fill a batch's places with dust escrows and
	//!   shut its payer out; its keys are `Blake2_128Concat`-hashed too.
	//!
	//! Every entry moves to its new key, in the block of the upgrade, reading each once: claims
	//! and locked escrows are bounded by what the network made so far, which is small for the
	//! chains this runs on today.

	use crate::{pallet::*, EscrowId};
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use sp_core::H256;

	/// The version-0 layout.
	pub mod v0 {
		use super::*;

		/// [`Claims`](crate::pallet::Claims) before: key hashes in the clear.
		#[storage_alias]
		pub type Claims<T: Config> =
			StorageDoubleMap<Pallet<T>, Blake2_128Concat, NameOf<T>, Identity, H256, ClaimOf<T>>;

		/// [`EscrowsByBatch`](crate::pallet::EscrowsByBatch) before: by batch alone, in the
		/// clear.
		#[storage_alias]
		pub type EscrowsByBatch<T: Config> = StorageMap<
			Pallet<T>,
			Identity,
			H256,
			BoundedVec<EscrowId, <T as Config>::MaxEscrowsPerBatch>,
		>;
	}

	/// What version 0 held: every claim, and the escrows waiting on each batch.
	#[cfg(feature = "try-runtime")]
	type Before<T> = (Vec<(NameOf<T>, H256, ClaimOf<T>)>, Vec<(H256, Vec<EscrowId>)>);

	/// Moves every claim and every waiting escrow to its version-1 key.
	pub struct RekeyClaimsAndEscrows<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for RekeyClaimsAndEscrows<T> {
		fn on_runtime_upgrade() -> Weight {
			// Read everything in the old layout first: the new keys share the old ones' prefix.
			let claims: Vec<(NameOf<T>, H256, ClaimOf<T>)> = v0::Claims::<T>::drain().collect();
			let waiting: Vec<(H256, BoundedVec<EscrowId, T::MaxEscrowsPerBatch>)> =
				v0::EscrowsByBatch::<T>::drain().collect();
			for (namespace, key, claim) in &claims {
				Claims::<T>::insert(namespace, key, claim);
			}
			let mut moved = claims.len() as u64;
			let mut reads = moved;
			for (batch, escrows) in &waiting {
				reads += 1;
				for escrow in escrows.iter() {
					reads += 1;
					let Some(record) = Escrows::<T>::get(escrow) else {
						log::warn!(target: "runtime::tokens", "v1: waiting escrow {escrow} has no record; dropped");
						continue;
					};
					// The old list held at most the bound in all; one node's share fits.
					let pushed =
						EscrowsByBatch::<T>::try_mutate((*batch, record.acknowledger), |list| {
							list.try_push(*escrow)
						});
					if pushed.is_err() {
						log::error!(target: "runtime::tokens", "v1: escrow {escrow} does not fit its batch's list");
					}
					moved += 1;
				}
			}
			log::info!(target: "runtime::tokens", "v1: moved {moved} claims and waiting escrows to their new keys");
			T::DbWeight::get().reads_writes(reads, moved.saturating_add(reads))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let claims: Vec<(NameOf<T>, H256, ClaimOf<T>)> = v0::Claims::<T>::iter().collect();
			let waiting: Vec<(H256, Vec<EscrowId>)> =
				v0::EscrowsByBatch::<T>::iter().map(|(b, l)| (b, l.into_inner())).collect();
			Ok((claims, waiting).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let (claims, waiting) = Before::<T>::decode(&mut &state[..])
				.map_err(|_| "pre-upgrade state does not decode")?;
			frame_support::ensure!(
				Claims::<T>::iter().count() == claims.len(),
				"every claim moved, none lost or added"
			);
			for (namespace, key, claim) in claims {
				frame_support::ensure!(
					Claims::<T>::get(&namespace, key) == Some(claim),
					"a claim reads back under its new key"
				);
			}
			for (batch, escrows) in waiting {
				for escrow in escrows {
					let node = Escrows::<T>::get(escrow)
						.ok_or("a waiting escrow has a record")?
						.acknowledger;
					frame_support::ensure!(
						EscrowsByBatch::<T>::get((batch, node)).contains(&escrow),
						"a waiting escrow waits under its batch and node"
					);
				}
			}
			Ok(())
		}
	}

	/// The migration to run on upgrade: [`RekeyClaimsAndEscrows`], only if the on-chain storage
	/// version is 0, which it then sets to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		RekeyClaimsAndEscrows<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
