//! An identity's life after registration: verification of a claim, its rejection or lapse, and
//! deactivation.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*, sp_runtime::Saturating};

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
	/// identity; otherwise `who` must be the account of the identity's parent org. A custom
	/// identity still pending is rejected: removed, so that its name and account are free.
	pub fn do_deactivate(who: Option<&T::AccountId>, id: IdentityId) -> DispatchResult {
		let identity = Records::<T>::get(id).ok_or(Error::<T>::UnknownIdentity)?;
		if let Some(who) = who {
			let parent = identity.parent.ok_or(Error::<T>::NotAuthorized)?;
			Self::ensure_acts_for_org(who, parent)?;
		}
		ensure!(identity.status != IdentityStatus::Deactivated, Error::<T>::AlreadyDeactivated);
		if identity.kind == IdentityKind::Custom && identity.status == IdentityStatus::Pending {
			Self::remove_claim(id, &identity);
			Self::deposit_event(Event::ClaimRejected { id });
			return Ok(());
		}
		Records::<T>::mutate(id, |record| {
			if let Some(record) = record {
				record.status = IdentityStatus::Deactivated;
			}
		});
		Self::deposit_event(Event::IdentityDeactivated { id });
		Ok(())
	}

	/// Removes the pending claim `id` and what points at it: its name, its account, its
	/// verifiers. (A custom identity has no identities under it.)
	pub(crate) fn remove_claim(id: IdentityId, claim: &IdentityOf<T>) {
		Records::<T>::remove(id);
		IdentityByName::<T>::remove(IdentityKind::Custom, &claim.name);
		IdentityByAccount::<T>::remove(IdentityKind::Custom, &claim.account);
		Verifiers::<T>::remove(id);
	}

	/// Removes the custom identity `id` if it is a claim still pending after
	/// `ClaimLapsesAfter` blocks ([`Event::ClaimLapsed`]).
	pub(crate) fn remove_if_lapsed(id: IdentityId) {
		let Some(claim) = Records::<T>::get(id) else { return };
		let lapses_at = claim.registered_at.saturating_add(T::ClaimLapsesAfter::get());
		if claim.kind == IdentityKind::Custom
			&& claim.status == IdentityStatus::Pending
			&& frame_system::Pallet::<T>::block_number() >= lapses_at
		{
			Self::remove_claim(id, &claim);
			Self::deposit_event(Event::ClaimLapsed { id });
		}
	}
}
