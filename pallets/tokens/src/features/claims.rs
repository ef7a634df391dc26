//! The uniqueness registry: the first claim on a business record key wins.

use crate::{pallet::*, Claim};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use sp_core::H256;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_claim(
		who: &T::AccountId,
		namespace: Vec<u8>,
		key_hash: H256,
		owner: T::AccountId,
	) -> DispatchResult {
		Self::party_org(who)?;
		let namespace = Self::namespace(namespace)?;
		ensure!(!Claims::<T>::contains_key(&namespace, key_hash), Error::<T>::AlreadyClaimed);
		Claims::<T>::insert(
			&namespace,
			key_hash,
			Claim { owner: owner.clone(), claimed_at: frame_system::Pallet::<T>::block_number() },
		);
		Self::deposit_event(Event::Claimed {
			namespace: namespace.into_inner(),
			key_hash,
			owner,
			by: who.clone(),
		});
		Ok(())
	}

	pub(crate) fn do_transfer_claim(
		who: &T::AccountId,
		namespace: Vec<u8>,
		key_hash: H256,
		to: T::AccountId,
	) -> DispatchResult {
		let namespace = Self::namespace(namespace)?;
		Claims::<T>::try_mutate(&namespace, key_hash, |claim| -> DispatchResult {
			let claim = claim.as_mut().ok_or(Error::<T>::UnknownClaim)?;
			ensure!(&claim.owner == who, Error::<T>::NotClaimOwner);
			claim.owner = to.clone();
			Ok(())
		})?;
		Self::deposit_event(Event::ClaimTransferred {
			namespace: namespace.into_inner(),
			key_hash,
			from: who.clone(),
			to,
		});
		Ok(())
	}

	pub(crate) fn do_release_claim(
		who: &T::AccountId,
		namespace: Vec<u8>,
		key_hash: H256,
	) -> DispatchResult {
		let namespace = Self::namespace(namespace)?;
		let claim = Claims::<T>::get(&namespace, key_hash).ok_or(Error::<T>::UnknownClaim)?;
		ensure!(&claim.owner == who, Error::<T>::NotClaimOwner);
		Claims::<T>::remove(&namespace, key_hash);
		Self::deposit_event(Event::ClaimReleased {
			namespace: namespace.into_inner(),
			key_hash,
			owner: who.clone(),
		});
		Ok(())
	}
}
