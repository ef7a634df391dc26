//! Registering identities: orgs (top-level and child), nodes, and claims of custom identities.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Checks and bounds a name: valid characters, within `MaxNameLen`.
	pub(crate) fn checked_name(name: Vec<u8>) -> Result<NameOf<T>, Error<T>> {
		let name = NameOf::<T>::try_from(name).map_err(|_| Error::<T>::NameTooLong)?;
		ensure!(crate::is_valid_name(&name), Error::<T>::InvalidName);
		Ok(name)
	}

	/// Takes the next identity id.
	fn next_id() -> Result<IdentityId, Error<T>> {
		NextIdentityId::<T>::try_mutate(|next| {
			let id = *next;
			*next = next.checked_add(1).ok_or(Error::<T>::IdentityIdOverflow)?;
			Ok(id)
		})
	}

	/// Writes a new identity and its name and account indexes, after checking that the name and
	/// the account are free for this kind.
	pub(crate) fn insert_identity(
		kind: IdentityKind,
		name: Vec<u8>,
		parent: Option<IdentityId>,
		account: T::AccountId,
		status: IdentityStatus,
	) -> Result<(IdentityId, NameOf<T>), DispatchError> {
		let name = Self::checked_name(name)?;
		ensure!(!IdentityByName::<T>::contains_key(kind, &name), Error::<T>::NameAlreadyRegistered);
		ensure!(
			!IdentityByAccount::<T>::contains_key(kind, &account),
			Error::<T>::AccountAlreadyRegistered
		);
		let id = Self::next_id()?;
		IdentityByName::<T>::insert(kind, &name, id);
		IdentityByAccount::<T>::insert(kind, &account, id);
		Records::<T>::insert(
			id,
			IdentityRecord {
				kind,
				name: name.clone(),
				parent,
				account,
				status,
				registered_at: frame_system::Pallet::<T>::block_number(),
			},
		);
		Ok((id, name))
	}

	/// Registers an org, under `parent` if given. The caller has checked who may do it.
	pub fn do_register_org(
		parent: Option<IdentityId>,
		name: Vec<u8>,
		account: T::AccountId,
	) -> Result<IdentityId, DispatchError> {
		if let Some(parent) = parent {
			// The new org sits one level below its parent.
			ensure!(Self::org_depth(parent)? < T::MaxOrgDepth::get(), Error::<T>::HierarchyTooDeep);
		}
		let (id, name) = Self::insert_identity(
			IdentityKind::Org,
			name,
			parent,
			account.clone(),
			IdentityStatus::Active,
		)?;
		Self::deposit_event(Event::OrgRegistered { id, name: name.into_inner(), parent, account });
		Ok(id)
	}

	/// Registers a node owned by `org`. The caller has checked who may do it.
	pub fn do_register_node(
		org: IdentityId,
		name: Vec<u8>,
		account: T::AccountId,
		peer_id: Vec<u8>,
		encryption_key: [u8; 32],
		multiaddrs: Vec<Vec<u8>>,
	) -> Result<IdentityId, DispatchError> {
		let owner = Records::<T>::get(org).ok_or(Error::<T>::UnknownParent)?;
		ensure!(owner.kind == IdentityKind::Org, Error::<T>::NotAnOrg);
		let record = Self::checked_node_record(peer_id, encryption_key, multiaddrs)?;
		ensure!(
			!NodeByPeerId::<T>::contains_key(&record.peer_id),
			Error::<T>::PeerIdAlreadyRegistered
		);
		let (id, name) = Self::insert_identity(
			IdentityKind::Node,
			name,
			Some(org),
			account.clone(),
			IdentityStatus::Active,
		)?;
		NodeByPeerId::<T>::insert(&record.peer_id, id);
		let peer_id = record.peer_id.to_vec();
		Nodes::<T>::insert(id, record);
		Self::deposit_event(Event::NodeRegistered {
			id,
			org,
			name: name.into_inner(),
			account,
			peer_id,
			encryption_key,
		});
		Ok(id)
	}

	/// Records `who`'s claim to a custom identity under the org `parent`, pending verification.
	pub(crate) fn do_claim_identity(
		who: T::AccountId,
		parent: IdentityId,
		name: Vec<u8>,
	) -> Result<IdentityId, DispatchError> {
		let org = Records::<T>::get(parent).ok_or(Error::<T>::UnknownParent)?;
		ensure!(org.kind == IdentityKind::Org, Error::<T>::NotAnOrg);
		ensure!(Self::is_in_force(parent), Error::<T>::IdentityInactive);
		// A lapsed claim of this name, or by this account, no longer holds either.
		let checked = Self::checked_name(name.clone())?;
		if let Some(holder) = IdentityByName::<T>::get(IdentityKind::Custom, &checked) {
			Self::remove_if_lapsed(holder);
		}
		if let Some(own) = IdentityByAccount::<T>::get(IdentityKind::Custom, &who) {
			Self::remove_if_lapsed(own);
		}
		let (id, name) = Self::insert_identity(
			IdentityKind::Custom,
			name,
			Some(parent),
			who.clone(),
			IdentityStatus::Pending,
		)?;
		Self::deposit_event(Event::IdentityClaimed {
			id,
			parent,
			name: name.into_inner(),
			account: who,
		});
		Ok(id)
	}
}
