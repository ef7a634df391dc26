//! Delivery versus payment: payments held until the payer's node acknowledges a batch on-chain
//! (released to the payee) or a timeout passes (refunded to the payer). A hash-locked escrow is
//! released instead by revealing the key its batch was sealed under (an HTLC), never by an
//! acknowledgement. Each escrow ends exactly once: its state moves from `Locked` to `Released`
//! or `Refunded` and never back.

use crate::{pallet::*, Escrow, EscrowId, EscrowState, Holding, PoolId, PoolKind, WeightInfo};
use frame_support::{pallet_prelude::*, storage::with_storage_layer, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_identities::{IdentityId, Organizations};
use pallet_pins::AcknowledgementLedger;
use sp_core::H256;
use sp_runtime::traits::{One, Saturating, Zero};

/// How many blocks after its timeout an escrow may be queued for refund when the queue of its
/// own block is full.
pub(crate) const EXPIRY_SPREAD: u32 = 8;

impl<T: Config> Pallet<T> {
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_lock_escrow(
		payer: &T::AccountId,
		pool: PoolId,
		payee: T::AccountId,
		amount: T::Balance,
		batch_hash: H256,
		node: IdentityId,
		timeout: BlockNumberFor<T>,
		key_hash: Option<H256>,
	) -> Result<EscrowId, DispatchError> {
		let org = Self::party_org(payer)?;
		let record = Pools::<T>::get(pool).ok_or(Error::<T>::UnknownPool)?;
		ensure!(record.kind == PoolKind::Fungible, Error::<T>::EscrowNeedsFungiblePool);
		ensure!(T::Orgs::org_of_node(node) == Some(org), Error::<T>::NotPayersNode);
		ensure!(&payee != payer, Error::<T>::PayeeIsPayer);
		ensure!(
			!timeout.is_zero() && timeout <= T::MaxEscrowTimeout::get(),
			Error::<T>::InvalidTimeout
		);
		let tokens = Holding::Amount(amount);
		Self::ensure_holds(pool, payer, &tokens)?;

		let escrow = NextEscrowId::<T>::get();
		let next = escrow.checked_add(1).ok_or(Error::<T>::EscrowIdsExhausted)?;
		let expires_at = Self::queue_expiry(escrow, timeout)?;
		match key_hash {
			Some(key_hash) => EscrowKeys::<T>::insert(escrow, key_hash),
			None => EscrowsByBatch::<T>::try_mutate(escrow_wait_key(batch_hash, node), |waiting| {
				waiting.try_push(escrow)
			})
			.map_err(|_| Error::<T>::TooManyEscrowsForBatch)?,
		}
		Self::move_tokens(pool, payer, &Self::account_id(), &tokens)?;
		NextEscrowId::<T>::put(next);
		Escrows::<T>::insert(
			escrow,
			Escrow {
				payer: payer.clone(),
				payee: payee.clone(),
				pool,
				amount,
				batch_hash,
				acknowledger: node,
				expires_at,
				state: EscrowState::Locked,
			},
		);
		Self::deposit_event(Event::EscrowLocked {
			escrow,
			payer: payer.clone(),
			payee,
			pool,
			amount,
			batch_hash,
			node,
			expires_at,
		});
		match key_hash {
			Some(key_hash) => Self::deposit_event(Event::EscrowKeyLocked { escrow, key_hash }),
			None if T::Acknowledgements::is_acknowledged(batch_hash, node) => {
				Self::do_release_escrow(escrow)?
			}
			None => {}
		}
		Ok(escrow)
	}

	/// Queues `escrow` for refund at the first block from `now + timeout` whose queue has room.
	fn queue_expiry(
		escrow: EscrowId,
		timeout: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let mut at = frame_system::Pallet::<T>::block_number().saturating_add(timeout);
		for _ in 0..EXPIRY_SPREAD {
			if EscrowExpiries::<T>::try_mutate(at, |queue| queue.try_push(escrow)).is_ok() {
				return Ok(at);
			}
			at = at.saturating_add(One::one());
		}
		Err(Error::<T>::ExpiryQueueFull.into())
	}

	/// Pays a locked escrow to its payee, once its node has acknowledged its batch.
	pub(crate) fn do_release_escrow(escrow: EscrowId) -> DispatchResult {
		let record = Escrows::<T>::get(escrow).ok_or(Error::<T>::UnknownEscrow)?;
		ensure!(record.state == EscrowState::Locked, Error::<T>::EscrowNotLocked);
		ensure!(!EscrowKeys::<T>::contains_key(escrow), Error::<T>::EscrowIsKeyed);
		ensure!(
			T::Acknowledgements::is_acknowledged(record.batch_hash, record.acknowledger),
			Error::<T>::NotAcknowledged
		);
		Self::pay_payee(escrow, record)
	}

	/// Pays a hash-locked escrow to its payee on its key, before its timeout.
	pub(crate) fn do_reveal_key(escrow: EscrowId, key: [u8; 32]) -> DispatchResult {
		let record = Escrows::<T>::get(escrow).ok_or(Error::<T>::UnknownEscrow)?;
		ensure!(record.state == EscrowState::Locked, Error::<T>::EscrowNotLocked);
		let key_hash = EscrowKeys::<T>::get(escrow).ok_or(Error::<T>::EscrowNotKeyed)?;
		ensure!(
			frame_system::Pallet::<T>::block_number() < record.expires_at,
			Error::<T>::EscrowExpired
		);
		ensure!(
			<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&key) == key_hash,
			Error::<T>::WrongKey
		);
		Self::deposit_event(Event::EscrowKeyRevealed {
			escrow,
			batch_hash: record.batch_hash,
			key,
		});
		Self::pay_payee(escrow, record)
	}

	/// Moves a locked escrow's payment to its payee and ends it.
	fn pay_payee(escrow: EscrowId, mut record: EscrowOf<T>) -> DispatchResult {
		Self::move_tokens(
			record.pool,
			&Self::account_id(),
			&record.payee,
			&Holding::Amount(record.amount),
		)?;
		record.state = EscrowState::Released;
		Self::forget_waiting(escrow, &record);
		Escrows::<T>::insert(escrow, &record);
		Self::deposit_event(Event::EscrowReleased {
			escrow,
			payee: record.payee,
			amount: record.amount,
			batch_hash: record.batch_hash,
		});
		Ok(())
	}

	/// Pays a locked escrow back to its payer, once its timeout has passed.
	pub(crate) fn do_refund_escrow(escrow: EscrowId) -> DispatchResult {
		let mut record = Escrows::<T>::get(escrow).ok_or(Error::<T>::UnknownEscrow)?;
		ensure!(record.state == EscrowState::Locked, Error::<T>::EscrowNotLocked);
		ensure!(
			frame_system::Pallet::<T>::block_number() >= record.expires_at,
			Error::<T>::EscrowNotExpired
		);
		Self::move_tokens(
			record.pool,
			&Self::account_id(),
			&record.payer,
			&Holding::Amount(record.amount),
		)?;
		record.state = EscrowState::Refunded;
		Self::forget_waiting(escrow, &record);
		Escrows::<T>::insert(escrow, &record);
		Self::deposit_event(Event::EscrowRefunded {
			escrow,
			payer: record.payer,
			amount: record.amount,
			batch_hash: record.batch_hash,
		});
		Ok(())
	}

	/// Drops a finished escrow from the batch and expiry queues.
	fn forget_waiting(escrow: EscrowId, record: &EscrowOf<T>) {
		EscrowsByBatch::<T>::mutate_exists(
			escrow_wait_key(record.batch_hash, record.acknowledger),
			|waiting| {
				if let Some(list) = waiting {
					list.retain(|id| *id != escrow);
					if list.is_empty() {
						*waiting = None;
					}
				}
			},
		);
		EscrowExpiries::<T>::mutate_exists(record.expires_at, |queue| {
			if let Some(list) = queue {
				list.retain(|id| *id != escrow);
				if list.is_empty() {
					*queue = None;
				}
			}
		});
	}

	/// Refunds every escrow queued to expire at `block`. A refund that fails stays locked and
	/// is logged; [`Pallet::refund_escrow`] can retry it.
	pub(crate) fn refund_expired(block: BlockNumberFor<T>) -> Weight {
		let due = EscrowExpiries::<T>::get(block);
		let mut weight = T::DbWeight::get().reads(1);
		for escrow in due {
			weight = weight.saturating_add(T::WeightInfo::refund_escrow());
			if let Err(e) = with_storage_layer(|| Self::do_refund_escrow(escrow)) {
				log::error!(target: "runtime::tokens", "escrow {escrow} not refunded: {e:?}");
			}
		}
		weight
	}

	/// Releases the escrows waiting on `node`'s acknowledgement of `batch_hash`. A release that
	/// fails stays locked and is logged; [`Pallet::release_escrow`] can retry it.
	pub(crate) fn release_acknowledged(batch_hash: H256, node: IdentityId) -> Weight {
		let waiting = EscrowsByBatch::<T>::get(escrow_wait_key(batch_hash, node));
		let mut weight = T::DbWeight::get().reads(1);
		for escrow in waiting {
			let Some(record) = Escrows::<T>::get(escrow) else { continue };
			weight = weight.saturating_add(T::DbWeight::get().reads(1));
			if record.acknowledger != node || record.state != EscrowState::Locked {
				continue;
			}
			weight = weight.saturating_add(T::WeightInfo::release_escrow());
			if let Err(e) = with_storage_layer(|| Self::do_release_escrow(escrow)) {
				log::error!(target: "runtime::tokens", "escrow {escrow} not released: {e:?}");
			}
		}
		weight
	}
}

impl<T: Config> pallet_pins::OnAcknowledged for Pallet<T> {
	fn on_acknowledged(batch_hash: H256, node: IdentityId) -> Weight {
		Self::release_acknowledged(batch_hash, node)
	}

	fn max_weight() -> Weight {
		let per_escrow =
			T::WeightInfo::release_escrow().saturating_add(T::DbWeight::get().reads(1));
		T::DbWeight::get()
			.reads(1)
			.saturating_add(per_escrow.saturating_mul(T::MaxEscrowsPerBatch::get().into()))
	}
}
