//! Pinning a batch: checks, ordering, and the `BatchPinned` event; several of a node's batches
//! at once, in order (`pin_batches`).

use crate::{pallet::*, BatchId, BatchPin, WeightInfo as _, MAX_PINS_PER_CALL};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, storage::with_storage_layer};
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
	/// The weight of one pin: `pin_batch`'s, as `weights.rs` measured it, with the read and two
	/// writes of the log of pins to forget, which joined the pin after that measurement (the
	/// benchmark covers them now; they are added here until it reruns).
	pub(crate) fn pin_weight(contexts: usize, payload_ref: usize) -> Weight {
		T::WeightInfo::pin_batch(contexts as u32, payload_ref as u32)
			.saturating_add(T::DbWeight::get().reads_writes(1, 2))
	}

	/// The most weight `pin_batches` takes: each pin's, as `pin_batch` would take it, with one
	/// read more (whether the signer made it already), and one read (the signer's identity).
	pub(crate) fn pin_batches_weight(pins: &[BatchPin]) -> Weight {
		let read = T::DbWeight::get().reads(1);
		pins.iter().fold(read, |total, pin| {
			total
				.saturating_add(read)
				.saturating_add(Self::pin_weight(pin.contexts.len(), pin.payload_ref.len()))
		})
	}

	/// Pins `pins`, in order, for the node whose account is `who`: passes over the pins it made
	/// already, and refuses (with [`Event::PinRefused`]) each pin that fails, undoing what it
	/// wrote. The weight used: as [`Self::pin_batches_weight`], without the pins passed over.
	pub(crate) fn do_pin_batches(
		who: &T::AccountId,
		pins: Vec<BatchPin>,
	) -> Result<Weight, DispatchError> {
		ensure!(pins.len() as u32 <= MAX_PINS_PER_CALL, Error::<T>::TooManyPins);
		let author_node = T::Nodes::active_node(who).ok_or(Error::<T>::NotARegisteredNode)?;
		let mut used = T::DbWeight::get().reads(1);
		for BatchPin { namespace, batch_id, batch_hash, payload_ref, contexts } in pins {
			used = used.saturating_add(T::DbWeight::get().reads(1));
			if Self::pin_of(author_node, batch_id).is_some_and(|pin| pin.batch_hash == batch_hash) {
				continue;
			}
			used = used.saturating_add(Self::pin_weight(contexts.len(), payload_ref.len()));
			let named = contexts.clone();
			let pinned = with_storage_layer(|| {
				Self::do_pin_batch(who, namespace, batch_id, batch_hash, payload_ref, contexts)
			});
			if let Err(error) = pinned {
				Self::deposit_event(Event::PinRefused {
					signer: who.clone(),
					batch_id,
					batch_hash,
					contexts: named,
					error,
				});
			}
		}
		Ok(used)
	}

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
