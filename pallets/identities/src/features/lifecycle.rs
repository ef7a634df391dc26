//! An identity's life after registration: verification of a claim, and deactivation.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Puts the pending identity `id` in force, if `who` is its parent org's account.
	pub(crate) fn do_verify_identity(who: &T::AccountId, id: IdentityId) -> DispatchResult {
		Records::<T>::try_mutate(id, |maybe| {
			let identity = maybe.as_mut().ok_or(Error::<T>::UnknownIdentity)?;
			ensure!(identity.status == IdentityStatus::Pending, Error::<T>::NotPending);
			let parent = identity.parent.ok_or(Error::<T>::UnknownParent)?;
			Self::ensure_acts_for_org(who, parent)?;
			identity.status = IdentityStatus::Active;
			Self::deposit_event(Event::IdentityVerified { id, by: parent });
			Ok(())
		})
	}

	/// Deactivates `id`. `who` is `None` for the governance origin, which may deactivate any
	/// identity; otherwise `who` must be the account of the identity's parent org.
	pub fn do_deactivate(who: Option<&T::AccountId>, id: IdentityId) -> DispatchResult {
		Records::<T>::try_mutate(id, |maybe| {
			let identity = maybe.as_mut().ok_or(Error::<T>::UnknownIdentity)?;
			if let Some(who) = who {
				let parent = identity.parent.ok_or(Error::<T>::NotAuthorized)?;
				Self::ensure_acts_for_org(who, parent)?;
			}
			ensure!(identity.status != IdentityStatus::Deactivated, Error::<T>::AlreadyDeactivated);
			identity.status = IdentityStatus::Deactivated;
			Self::deposit_event(Event::IdentityDeactivated { id });
			Ok(())
		})
	}
}
