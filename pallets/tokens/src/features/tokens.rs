//! Minting, burning, transferring and approving tokens in a pool, and withdrawing approvals.

use crate::{pallet::*, CancelAllowance, Holding, ItemIndex, PoolId, PoolKind};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungibles::{self, approvals},
		tokens::{nonfungibles_v2, Fortitude, Precision, Preservation},
	},
};
use sp_core::H256;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_mint(
		who: &T::AccountId,
		pool: PoolId,
		to: T::AccountId,
		tokens: HoldingOf<T>,
		metadata_hash: Option<H256>,
	) -> DispatchResult {
		let record = Self::pool_for(pool, tokens.kind())?;
		ensure!(Self::party_org(who)? == record.org, Error::<T>::NotPoolOwner);
		match tokens {
			Holding::Amount(amount) => {
				ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
				<T::Fungibles as fungibles::Mutate<_>>::mint_into(pool, &to, amount).map_err(
					|e| match e {
						DispatchError::Arithmetic(_) => Error::<T>::SupplyOverflow.into(),
						e => e,
					},
				)?;
			}
			Holding::Item(index) => {
				ensure!(
					<T::Nfts as nonfungibles_v2::Inspect<_>>::owner(&pool, &index).is_none(),
					Error::<T>::TokenIndexTaken
				);
				<T::Nfts as nonfungibles_v2::Mutate<_, _>>::mint_into(
					&pool,
					&index,
					&to,
					&T::NewNftItem::get(),
					true,
				)?;
				if let Some(hash) = metadata_hash {
					ItemMetadata::<T>::insert(pool, index, hash);
				}
			}
		}
		Self::deposit_event(Event::Minted {
			pool,
			to,
			tokens,
			metadata_hash,
			operator: who.clone(),
		});
		Ok(())
	}

	pub(crate) fn do_burn(
		who: &T::AccountId,
		pool: PoolId,
		tokens: HoldingOf<T>,
	) -> DispatchResult {
		Self::ensure_holds(pool, who, &tokens)?;
		match tokens {
			Holding::Amount(amount) => {
				<T::Fungibles as fungibles::Mutate<_>>::burn_from(
					pool,
					who,
					amount,
					Preservation::Expendable,
					Precision::Exact,
					Fortitude::Polite,
				)?;
			}
			Holding::Item(index) => {
				<T::Nfts as nonfungibles_v2::Mutate<_, _>>::burn(&pool, &index, Some(who))?;
				ItemMetadata::<T>::remove(pool, index);
				ItemApprovals::<T>::remove(pool, index);
			}
		}
		Self::deposit_event(Event::Burned { pool, from: who.clone(), tokens });
		Ok(())
	}

	/// Moves `owner`'s tokens to `to`, signed by `operator`: the owner itself, or a delegate the
	/// owner approved.
	pub(crate) fn do_transfer(
		operator: &T::AccountId,
		owner: &T::AccountId,
		pool: PoolId,
		to: T::AccountId,
		tokens: HoldingOf<T>,
		message_hash: Option<H256>,
	) -> DispatchResult {
		Self::ensure_holds(pool, owner, &tokens)?;
		if operator == owner {
			Self::move_tokens(pool, owner, &to, &tokens)?;
		} else {
			match tokens {
				Holding::Amount(amount) => {
					let allowance =
						<T::Fungibles as approvals::Inspect<_>>::allowance(pool, owner, operator);
					ensure!(allowance >= amount, Error::<T>::NotApproved);
					<T::Fungibles as approvals::Mutate<_>>::transfer_from(
						pool, owner, operator, &to, amount,
					)?;
				}
				Holding::Item(index) => {
					ensure!(
						ItemApprovals::<T>::get(pool, index).as_ref() == Some(operator),
						Error::<T>::NotApproved
					);
					Self::move_tokens(pool, owner, &to, &tokens)?;
				}
			}
		}
		Self::deposit_event(Event::Transferred {
			pool,
			from: owner.clone(),
			to,
			tokens,
			message_hash,
			operator: operator.clone(),
		});
		Ok(())
	}

	pub(crate) fn do_approve(
		who: &T::AccountId,
		pool: PoolId,
		delegate: T::AccountId,
		tokens: HoldingOf<T>,
	) -> DispatchResult {
		Self::pool_for(pool, tokens.kind())?;
		match tokens {
			Holding::Amount(amount) => {
				ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
				<T::Fungibles as approvals::Mutate<_>>::approve(pool, who, &delegate, amount)?;
			}
			Holding::Item(index) => {
				Self::ensure_holds(pool, who, &tokens)?;
				ItemApprovals::<T>::insert(pool, index, &delegate);
			}
		}
		Self::deposit_event(Event::Approved { pool, owner: who.clone(), delegate, tokens });
		Ok(())
	}
}

impl<T: Config> Pallet<T> {
	/// Sets `delegate`'s allowance of `who`'s tokens in fungible `pool` to exactly `amount`.
	pub(crate) fn do_set_allowance(
		who: &T::AccountId,
		pool: PoolId,
		delegate: T::AccountId,
		amount: T::Balance,
	) -> DispatchResult {
		Self::pool_for(pool, PoolKind::Fungible)?;
		let current = <T::Fungibles as approvals::Inspect<_>>::allowance(pool, who, &delegate);
		if !current.is_zero() {
			T::CancelAllowance::cancel_allowance(pool, who, &delegate)?;
		} else if amount.is_zero() {
			return Err(Error::<T>::NotApproved.into());
		}
		if !amount.is_zero() {
			<T::Fungibles as approvals::Mutate<_>>::approve(pool, who, &delegate, amount)?;
		}
		Self::deposit_event(Event::AllowanceSet { pool, owner: who.clone(), delegate, amount });
		Ok(())
	}

	/// Withdraws `delegate`'s approval for item `item` of `pool`, which `who` holds.
	pub(crate) fn do_revoke_approval(
		who: &T::AccountId,
		pool: PoolId,
		delegate: T::AccountId,
		item: ItemIndex,
	) -> DispatchResult {
		Self::ensure_holds(pool, who, &Holding::Item(item))?;
		ensure!(
			ItemApprovals::<T>::get(pool, item).as_ref() == Some(&delegate),
			Error::<T>::NotApproved
		);
		ItemApprovals::<T>::remove(pool, item);
		Self::deposit_event(Event::ApprovalRevoked { pool, owner: who.clone(), delegate, item });
		Ok(())
	}
}
