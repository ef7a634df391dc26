//! Skipping a batch whose payload will never arrive, so the contexts it blocks flow again.
//!
//! A skip makes every party give up on the batch, so no single rival may impose it on the
//! others: only the batch's author may skip its own batch ([`Pallet::skip_batch`] names a batch
//! of the signer's, never another node's); anyone else asks the members, whose vote skips it
//! ([`Pallet::skip_by_vote`], called by the governance pallet's `SkipBatch` decision, which names
//! the author and the batch id). Either way the batch must be `SkipAfter` blocks old and not
//! acknowledged by any recipient (a receipt on-chain proves it was delivered), and once skipped
//! it can no longer be acknowledged.

use crate::{pallet::*, BatchId};
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::{IdentityId, NodeRegistry};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Records that the node whose account is `who` skipped its own batch `batch_id`. A batch
	/// is its author's: this call cannot even name another node's batch, so another node's
	/// batch of the same id is [`Error::UnknownBatch`] here, whatever its age.
	pub(crate) fn do_skip_batch(who: &T::AccountId, batch_id: BatchId) -> DispatchResult {
		let node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let pin = Self::pin_of(node, batch_id).ok_or(Error::<T>::UnknownBatch)?;
		Self::ensure_skippable(batch_id, &pin)?;
		Self::record_skip(node, batch_id, node);
		Self::deposit_event(Event::BatchSkipped { batch_id, batch_hash: pin.batch_hash, node });
		Ok(())
	}

	/// Skips node `author`'s batch `batch_id` by the members' vote (for the governance pallet's
	/// `SkipBatch` decision): the same rules as [`Pallet::skip_batch`] but for who asks. [`Skipped`] records
	/// the batch's author, and [`Event::BatchSkippedByVote`] says that the members decided it.
	pub fn skip_by_vote(author: IdentityId, batch_id: BatchId) -> DispatchResult {
		let pin = Self::pin_of(author, batch_id).ok_or(Error::<T>::UnknownBatch)?;
		Self::ensure_skippable(batch_id, &pin)?;
		Self::record_skip(author, batch_id, author);
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
		ensure!(Self::skipped(pin.author_node, batch_id).is_none(), Error::<T>::AlreadySkipped);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= pin.block.saturating_add(T::SkipAfter::get()), Error::<T>::TooEarlyToSkip);
		ensure!(
			Acknowledgements::<T>::iter_prefix(pin.batch_hash).next().is_none(),
			Error::<T>::BatchAcknowledged
		);
		Ok(())
	}
}
