//! Acknowledging a batch: a node's on-chain proof that it received and verified the payload.

use crate::pallet::*;
use crate::OnAcknowledged;
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::NodeRegistry;
use sp_core::H256;

impl<T: Config> Pallet<T> {
	/// Records that the node whose account is `who` acknowledged `batch_hash`. Returns the
	/// weight [`OnAcknowledged`] took (the escrows it released).
	pub(crate) fn do_acknowledge(
		who: &T::AccountId,
		batch_hash: H256,
	) -> Result<Weight, DispatchError> {
		let node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let batch_id = BatchByHash::<T>::get(batch_hash).ok_or(Error::<T>::UnknownBatch)?;
		let pin = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		ensure!(pin.author_node != node, Error::<T>::OwnBatch);
		ensure!(!Skipped::<T>::contains_key(batch_id), Error::<T>::AlreadySkipped);
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
