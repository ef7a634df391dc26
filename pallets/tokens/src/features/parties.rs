//! Who may act: org admins and nodes in force, and the org each acts for.

use crate::pallet::*;
use frame_support::pallet_prelude::*;
use pallet_identities::{IdentityId, NodeRegistry, Organizations};

impl<T: Config> Pallet<T> {
	/// The org `who` acts for: the org it administers, or the org of the node it is. Fails with
	/// [`Error::NotAParty`] for anyone else.
	pub(crate) fn party_org(who: &T::AccountId) -> Result<IdentityId, DispatchError> {
		if let Some(org) = T::Orgs::active_org(who) {
			return Ok(org);
		}
		T::Nodes::active_node(who)
			.and_then(T::Orgs::org_of_node)
			.ok_or_else(|| Error::<T>::NotAParty.into())
	}

	/// Checks a namespace and bounds it.
	pub(crate) fn namespace(namespace: alloc::vec::Vec<u8>) -> Result<NameOf<T>, DispatchError> {
		let namespace =
			NameOf::<T>::try_from(namespace).map_err(|_| Error::<T>::InvalidNamespace)?;
		ensure!(pallet_identities::is_valid_name(&namespace), Error::<T>::InvalidNamespace);
		Ok(namespace)
	}
}
