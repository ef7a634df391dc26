//! Creating token pools: an asset in pallet-assets or a collection in pallet-nfts, owned by the
//! pallet's account and minted into by the creating org only.

use crate::{pallet::*, Pool, PoolId, PoolKind};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{fungibles, tokens::nonfungibles_v2},
};
use sp_core::H256;
use sp_runtime::traits::AccountIdConversion;

impl<T: Config> Pallet<T> {
	/// The account that owns every pool in the ledgers and holds escrowed payments.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_create_pool(
		who: &T::AccountId,
		namespace: Vec<u8>,
		name: Vec<u8>,
		symbol: Vec<u8>,
		decimals: u8,
		kind: PoolKind,
		metadata_uri: Vec<u8>,
		metadata_hash: Option<H256>,
	) -> Result<PoolId, DispatchError> {
		let org = Self::party_org(who)?;
		let namespace = Self::namespace(namespace)?;
		let name = NameOf::<T>::try_from(name).map_err(|_| Error::<T>::InvalidPoolName)?;
		ensure!(pallet_identities::is_valid_name(&name), Error::<T>::InvalidPoolName);
		let symbol = BoundedVec::try_from(symbol).map_err(|_| Error::<T>::SymbolTooLong)?;
		let metadata_uri =
			BoundedVec::try_from(metadata_uri).map_err(|_| Error::<T>::UriTooLong)?;
		match kind {
			PoolKind::Fungible => {
				ensure!(decimals <= T::MaxDecimals::get(), Error::<T>::InvalidDecimals)
			}
			PoolKind::NonFungible => ensure!(decimals == 0, Error::<T>::InvalidDecimals),
		}
		ensure!(!PoolByName::<T>::contains_key(&namespace, &name), Error::<T>::PoolNameTaken);

		let pool = NextPoolId::<T>::get();
		let next = pool.checked_add(1).ok_or(Error::<T>::PoolIdsExhausted)?;
		let owner = Self::account_id();
		match kind {
			PoolKind::Fungible => {
				// Sufficient: holders need no native balance; the smallest holding is 1 unit.
				<T::Fungibles as fungibles::Create<_>>::create(pool, owner, true, 1u32.into())?
			}
			PoolKind::NonFungible => {
				<T::Nfts as nonfungibles_v2::Create<_, _>>::create_collection_with_id(
					pool,
					&owner,
					&owner,
					&T::NewNftCollection::get(),
				)?
			}
		}
		NextPoolId::<T>::put(next);
		PoolByName::<T>::insert(&namespace, &name, pool);
		Pools::<T>::insert(
			pool,
			Pool {
				namespace: namespace.clone(),
				name: name.clone(),
				symbol: symbol.clone(),
				decimals,
				kind,
				org,
				creator: who.clone(),
				metadata_uri: metadata_uri.clone(),
				metadata_hash,
			},
		);
		Self::deposit_event(Event::PoolCreated {
			pool,
			kind,
			org,
			namespace: namespace.into_inner(),
			name: name.into_inner(),
			symbol: symbol.into_inner(),
			decimals,
			metadata_uri: metadata_uri.into_inner(),
			metadata_hash,
			creator: who.clone(),
		});
		Ok(pool)
	}

	/// The pool, if `tokens` fit its kind.
	pub(crate) fn pool_for(pool: PoolId, kind: PoolKind) -> Result<PoolOf<T>, DispatchError> {
		let record = Pools::<T>::get(pool).ok_or(Error::<T>::UnknownPool)?;
		ensure!(record.kind == kind, Error::<T>::WrongPoolKind);
		Ok(record)
	}
}
