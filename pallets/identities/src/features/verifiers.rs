//! Verifiers: the extra signing keys of an identity.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Adds `verifier` to identity `id`, if `who` is the identity or its parent org.
	pub(crate) fn do_add_verifier(
		who: &T::AccountId,
		id: IdentityId,
		verifier: Verifier,
	) -> DispatchResult {
		let identity = Records::<T>::get(id).ok_or(Error::<T>::UnknownIdentity)?;
		Self::ensure_self_or_parent(who, &identity)?;
		ensure!(identity.status != IdentityStatus::Deactivated, Error::<T>::IdentityInactive);
		Verifiers::<T>::try_mutate(id, |list| {
			ensure!(!list.contains(&verifier), Error::<T>::VerifierAlreadyAdded);
			list.try_push(verifier).map_err(|_| Error::<T>::TooManyVerifiers)
		})?;
		Self::deposit_event(Event::VerifierAdded { id, verifier });
		Ok(())
	}

	/// Removes `verifier` from identity `id`, if `who` is the identity or its parent org.
	pub(crate) fn do_remove_verifier(
		who: &T::AccountId,
		id: IdentityId,
		verifier: Verifier,
	) -> DispatchResult {
		let identity = Records::<T>::get(id).ok_or(Error::<T>::UnknownIdentity)?;
		Self::ensure_self_or_parent(who, &identity)?;
		Verifiers::<T>::try_mutate_exists(id, |maybe| {
			let list = maybe.as_mut().ok_or(Error::<T>::UnknownVerifier)?;
			let at = list.iter().position(|v| v == &verifier).ok_or(Error::<T>::UnknownVerifier)?;
			list.remove(at);
			if list.is_empty() {
				*maybe = None;
			}
			Ok::<_, Error<T>>(())
		})?;
		Self::deposit_event(Event::VerifierRemoved { id, verifier });
		Ok(())
	}
}
