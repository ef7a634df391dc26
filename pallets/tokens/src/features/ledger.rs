//! Moving tokens in the underlying ledgers, with the checks that give named errors first.

use crate::{pallet::*, Holding, ItemIndex, PoolId};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungibles::{self, Inspect as _},
		tokens::{nonfungibles_v2, Fortitude, Preservation},
	},
};
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// How many tokens of a fungible pool `who` can move.
	pub fn spendable(pool: PoolId, who: &T::AccountId) -> T::Balance {
		T::Fungibles::reducible_balance(pool, who, Preservation::Expendable, Fortitude::Polite)
	}

	/// Checks that `from` holds `tokens` (which must fit the pool's kind) and could move them.
	pub(crate) fn ensure_holds(
		pool: PoolId,
		from: &T::AccountId,
		tokens: &HoldingOf<T>,
	) -> DispatchResult {
		Self::pool_for(pool, tokens.kind())?;
		match tokens {
			Holding::Amount(amount) => {
				ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
				ensure!(Self::spendable(pool, from) >= *amount, Error::<T>::InsufficientBalance);
			}
			Holding::Item(index) => {
				let owner = <T::Nfts as nonfungibles_v2::Inspect<_>>::owner(&pool, index)
					.ok_or(Error::<T>::UnknownToken)?;
				ensure!(&owner == from, Error::<T>::NotTokenOwner);
			}
		}
		Ok(())
	}

	/// Moves `tokens` from `from` to `to` in the ledger, after [`Self::ensure_holds`].
	pub(crate) fn move_tokens(
		pool: PoolId,
		from: &T::AccountId,
		to: &T::AccountId,
		tokens: &HoldingOf<T>,
	) -> DispatchResult {
		match tokens {
			Holding::Amount(amount) => {
				<T::Fungibles as fungibles::Mutate<_>>::transfer(
					pool,
					from,
					to,
					*amount,
					Preservation::Expendable,
				)?;
			}
			Holding::Item(index) => {
				<T::Nfts as nonfungibles_v2::Transfer<_>>::transfer(&pool, index, to)?;
				ItemApprovals::<T>::remove(pool, index);
			}
		}
		Ok(())
	}
}

/// Reads for the runtime API.
impl<T: Config> Pallet<T> {
	/// What `who` holds in `pool`: an amount, or a number of items. `None` for an unknown pool.
	pub fn balance_of(pool: PoolId, who: &T::AccountId) -> Option<T::Balance> {
		let record = Pools::<T>::get(pool)?;
		Some(match record.kind {
			crate::PoolKind::Fungible => T::Fungibles::balance(pool, who),
			crate::PoolKind::NonFungible => {
				let held = <T::Nfts as nonfungibles_v2::InspectEnumerable<_>>::owned_in_collection(
					&pool, who,
				)
				.count() as u32;
				held.into()
			}
		})
	}

	/// Up to `limit` indexes of the items `who` holds in `pool`.
	pub fn items_of(pool: PoolId, who: &T::AccountId, limit: u32) -> alloc::vec::Vec<ItemIndex> {
		<T::Nfts as nonfungibles_v2::InspectEnumerable<_>>::owned_in_collection(&pool, who)
			.take(limit as usize)
			.collect()
	}

	/// Who holds item `index` of `pool`.
	pub fn item_owner(pool: PoolId, index: ItemIndex) -> Option<T::AccountId> {
		<T::Nfts as nonfungibles_v2::Inspect<_>>::owner(&pool, &index)
	}

	/// How much of `owner`'s tokens in `pool` `delegate` may still transfer.
	pub fn allowance(pool: PoolId, owner: &T::AccountId, delegate: &T::AccountId) -> T::Balance {
		<T::Fungibles as fungibles::approvals::Inspect<_>>::allowance(pool, owner, delegate)
	}
}
