//! Acknowledging a batch: a node's on-chain proof that it received and verified the payload.

use crate::pallet::*;
use crate::OnAcknowledged;
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::NodeRegistry;
use sp_core::H256;

impl<T: Config> Pallet<T> {
	/// Records that the node whose account is `who` acknowledged `batch_hash`, as pinned by node
	/// `author`. Returns the weight [`OnAcknowledged`] took (the escrows it released).
	///
	/// What is acknowledged is the content: the hash covers the batch's id and author, so a
	/// copy of the pin by another node names the same payload, and the record is per hash.
	pub(crate) fn do_acknowledge(
		who: &T::AccountId,
		author: pallet_identities::IdentityId,
		batch_hash: H256,
	) -> Result<Weight, DispatchError> {
		let node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let batch_id = Self::batch_by_hash(author, batch_hash).ok_or(Error::<T>::UnknownBatch)?;
		// Neither under its own pin nor under another node's copy of it.
		ensure!(
			author != node && Self::batch_by_hash(node, batch_hash).is_none(),
			Error::<T>::OwnBatch
		);
		ensure!(Self::skipped(author, batch_id).is_none(), Error::<T>::AlreadySkipped);
		ensure!(
			!Acknowledgements::<T>::contains_key(batch_hash, node),
			Error::<T>::AlreadyAcknowledged
		);
		Acknowledgements::<T>::insert(batch_hash, node, frame_system::Pallet::<T>::block_number());
		Self::deposit_event(Event::BatchAcknowledged { batch_hash, node });
		Ok(T::OnAcknowledged::on_acknowledged(batch_hash, node))
	}

	/// Whether `node` acknowledged `batch_hash`.
	pub fn is_acknowledged(batch_hash: H256, node: pallet_identities::IdentityId) -> bool {
		Acknowledgements::<T>::contains_key(batch_hash, node)
	}
}

impl<T: Config> crate::AcknowledgementLedger for Pallet<T> {
	fn is_acknowledged(batch_hash: H256, node: pallet_identities::IdentityId) -> bool {
		Acknowledgements::<T>::contains_key(batch_hash, node)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn record_benchmark_acknowledgement(batch_hash: H256, node: pallet_identities::IdentityId) {
		Acknowledgements::<T>::insert(batch_hash, node, frame_system::Pallet::<T>::block_number());
	}
}
