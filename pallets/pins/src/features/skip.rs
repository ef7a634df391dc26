//! Skipping a batch whose payload will never arrive, so the contexts it blocks flow again.

use crate::{pallet::*, BatchId};
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::NodeRegistry;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Records that the node whose account is `who` skipped `batch_id`.
	pub(crate) fn do_skip_batch(who: &T::AccountId, batch_id: BatchId) -> DispatchResult {
		let node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let pin = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		ensure!(!Skipped::<T>::contains_key(batch_id), Error::<T>::AlreadySkipped);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= pin.block.saturating_add(T::SkipAfter::get()), Error::<T>::TooEarlyToSkip);
		Skipped::<T>::insert(batch_id, node);
		Self::deposit_event(Event::BatchSkipped { batch_id, batch_hash: pin.batch_hash, node });
		Ok(())
	}
}
