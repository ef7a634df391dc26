//! Skipping a batch whose payload will never arrive, so the contexts it blocks flow again.
//!
//! A skip makes every party give up on the batch, so no single rival may impose it on the
//! others: only the batch's author may skip its own batch ([`Pallet::skip_batch`]); anyone else
//! asks the members, whose vote skips it ([`Pallet::skip_by_vote`], called by the governance
//! pallet's `SkipBatch` decision). Either way the batch must be `SkipAfter` blocks old and not
//! acknowledged by any recipient (a receipt on-chain proves it was delivered), and once skipped
//! it can no longer be acknowledged.

use crate::{pallet::*, BatchId};
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::{IdentityId, NodeRegistry};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Records that the node whose account is `who`, the batch's author, skipped `batch_id`.
	pub(crate) fn do_skip_batch(who: &T::AccountId, batch_id: BatchId) -> DispatchResult {
		let node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let pin = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		// Who may skip comes before when: another party is refused whatever the batch's age.
		ensure!(pin.author_node == node, Error::<T>::NotBatchAuthor);
		Self::ensure_skippable(batch_id, &pin)?;
		Skipped::<T>::insert(batch_id, node);
		Self::deposit_event(Event::BatchSkipped { batch_id, batch_hash: pin.batch_hash, node });
		Ok(())
	}

	/// Skips `batch_id` by the members' vote (for the governance pallet's `SkipBatch`
	/// decision): the same rules as [`Pallet::skip_batch`] but for who asks. [`Skipped`] records
	/// the batch's author, and [`Event::BatchSkippedByVote`] says that the members decided it.
	pub fn skip_by_vote(batch_id: BatchId) -> DispatchResult {
		let pin = Batches::<T>::get(batch_id).ok_or(Error::<T>::UnknownBatch)?;
		Self::ensure_skippable(batch_id, &pin)?;
		Skipped::<T>::insert(batch_id, pin.author_node);
		Self::deposit_event(Event::BatchSkippedByVote {
			batch_id,
			batch_hash: pin.batch_hash,
			author_node: pin.author_node,
		});
		Ok(())
	}

	/// Whether `batch_id`, pinned as `pin`, may be skipped now: not skipped yet, `SkipAfter`
	/// blocks old, and acknowledged by no node.
	fn ensure_skippable(batch_id: BatchId, pin: &PinRecord<T>) -> DispatchResult {
		ensure!(!Skipped::<T>::contains_key(batch_id), Error::<T>::AlreadySkipped);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= pin.block.saturating_add(T::SkipAfter::get()), Error::<T>::TooEarlyToSkip);
		ensure!(
			Acknowledgements::<T>::iter_prefix(pin.batch_hash).next().is_none(),
			Error::<T>::BatchAcknowledged
		);
		Ok(())
	}

	/// Whether `batch_id` was skipped, and for whom: the node that skipped it, or the batch's
	/// author if the members' vote did.
	pub fn skipped(batch_id: BatchId) -> Option<IdentityId> {
		Skipped::<T>::get(batch_id)
	}
}
