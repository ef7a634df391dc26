//! Pinning a batch: checks, ordering, and the `BatchPinned` event.

use crate::{pallet::*, BatchId};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};
use pallet_identities::NodeRegistry;
use sp_core::H256;

impl<T: Config> Pallet<T> {
	/// Pins `batch_hash` as batch `batch_id` in `namespace`, for the node whose account is `who`.
	pub(crate) fn do_pin_batch(
		who: &T::AccountId,
		namespace: Vec<u8>,
		batch_id: BatchId,
		batch_hash: H256,
		payload_ref: Vec<u8>,
		contexts: Vec<H256>,
	) -> DispatchResult {
		let author_node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let namespace =
			NamespaceOf::<T>::try_from(namespace).map_err(|_| Error::<T>::NamespaceTooLong)?;
		ensure!(pallet_identities::is_valid_name(&namespace), Error::<T>::InvalidNamespace);
		ensure!(
			payload_ref.len() as u32 <= T::MaxPayloadRefLen::get(),
			Error::<T>::PayloadRefTooLong
		);
		ensure!(contexts.len() as u32 <= T::MaxContexts::get(), Error::<T>::TooManyContexts);
		// A batch is its author's: another node's pin of the same id or hash (a copy of this
		// one, pending in the pool) neither blocks it nor is blocked by it.
		ensure!(!Self::batch_id_taken(author_node, batch_id), Error::<T>::BatchAlreadyPinned);
		ensure!(
			!Self::batch_hash_taken(author_node, batch_hash),
			Error::<T>::BatchHashAlreadyPinned
		);

		let sequence = NextSequence::<T>::try_mutate(&namespace, |next| {
			let sequence = *next;
			*next = next.checked_add(1).ok_or(Error::<T>::SequenceOverflow)?;
			Ok::<_, Error<T>>(sequence)
		})?;
		let block = frame_system::Pallet::<T>::block_number();
		Self::record_pin(
			batch_id,
			PinRecord { namespace: namespace.clone(), sequence, author_node, batch_hash, block },
		);
		Self::log_pin(block, author_node, batch_id);
		Self::deposit_event(Event::BatchPinned {
			namespace: namespace.into_inner(),
			sequence,
			author_node,
			batch_id,
			batch_hash,
			payload_ref,
			contexts,
		});
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// The bounds `pin_batch` and `skip_batch` enforce in this runtime (for
	/// [`crate::runtime_api::PinsApi::limits`]).
	pub fn limits() -> crate::PinLimits {
		use sp_runtime::SaturatedConversion;
		crate::PinLimits {
			max_contexts: T::MaxContexts::get(),
			max_namespace_len: T::MaxNamespaceLen::get(),
			max_payload_ref_len: T::MaxPayloadRefLen::get(),
			skip_after: T::SkipAfter::get().saturated_into(),
		}
	}
}
