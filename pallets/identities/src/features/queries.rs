//! Reading identities: who is in force, who may act for whom, and the flattened views the runtime
//! API serves.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Whether identity `id` is in force: it is active, and so is every org above it.
	pub fn is_in_force(id: IdentityId) -> bool {
		let mut next = Some(id);
		// Orgs nest at most `MaxOrgDepth` deep, and a node or custom identity adds one level.
		for _ in 0..=T::MaxOrgDepth::get() {
			let Some(current) = next else { return true };
			match Records::<T>::get(current) {
				Some(identity) if identity.status == IdentityStatus::Active => {
					next = identity.parent
				}
				_ => return false,
			}
		}
		next.is_none()
	}

	/// How deep org `org` sits: 1 for a top-level org.
	pub(crate) fn org_depth(org: IdentityId) -> Result<u32, Error<T>> {
		let mut depth = 0;
		let mut next = Some(org);
		while let Some(current) = next {
			let identity = Records::<T>::get(current).ok_or(Error::<T>::UnknownParent)?;
			ensure!(identity.kind == IdentityKind::Org, Error::<T>::NotAnOrg);
			depth += 1;
			ensure!(depth <= T::MaxOrgDepth::get(), Error::<T>::HierarchyTooDeep);
			next = identity.parent;
		}
		Ok(depth)
	}

	/// Checks that `who` is the account of `org`, an org in force.
	pub(crate) fn ensure_acts_for_org(who: &T::AccountId, org: IdentityId) -> DispatchResult {
		let identity = Records::<T>::get(org).ok_or(Error::<T>::UnknownParent)?;
		ensure!(identity.kind == IdentityKind::Org, Error::<T>::NotAnOrg);
		ensure!(&identity.account == who, Error::<T>::NotAuthorized);
		ensure!(Self::is_in_force(org), Error::<T>::IdentityInactive);
		Ok(())
	}

	/// Checks that `who` is the identity's own account or its parent org's.
	pub(crate) fn ensure_self_or_parent(
		who: &T::AccountId,
		identity: &IdentityOf<T>,
	) -> DispatchResult {
		if &identity.account == who {
			return Ok(());
		}
		let parent = identity.parent.ok_or(Error::<T>::NotAuthorized)?;
		Self::ensure_acts_for_org(who, parent).map_err(|_| Error::<T>::NotAuthorized.into())
	}

	/// The accounts of every node in force, in identity order: the validator candidates.
	pub fn active_node_accounts() -> Vec<T::AccountId> {
		let mut nodes: Vec<(IdentityId, T::AccountId)> =
			IdentityByAccount::<T>::iter_prefix(IdentityKind::Node)
				.filter(|(_, id)| Self::is_in_force(*id))
				.map(|(account, id)| (id, account))
				.collect();
		nodes.sort_by_key(|(id, _)| *id);
		nodes.into_iter().map(|(_, account)| account).collect()
	}

	/// The full view of identity `id`.
	pub fn identity_info(id: IdentityId) -> Option<IdentityInfo<T::AccountId>> {
		let identity = Records::<T>::get(id)?;
		let node = Nodes::<T>::get(id).map(|record| NodeInfo {
			peer_id: record.peer_id.into_inner(),
			encryption_key: record.encryption_key,
			multiaddrs: record.multiaddrs.into_iter().map(|a| a.into_inner()).collect(),
		});
		Some(IdentityInfo {
			id,
			kind: identity.kind,
			did: crate::did_of(identity.kind, &identity.name),
			name: identity.name.into_inner(),
			parent: identity.parent,
			account: identity.account,
			status: identity.status,
			active: Self::is_in_force(id),
			node,
			verifiers: Verifiers::<T>::get(id).into_inner(),
		})
	}

	/// The identity a DID names.
	pub fn identity_by_did(did: &[u8]) -> Option<IdentityInfo<T::AccountId>> {
		let (kind, name) = crate::parse_did(did)?;
		let name = NameOf::<T>::try_from(name.to_vec()).ok()?;
		Self::identity_info(IdentityByName::<T>::get(kind, name)?)
	}

	/// The identities `account` acts for (at most one per kind).
	pub fn identities_by_account(account: &T::AccountId) -> Vec<IdentityInfo<T::AccountId>> {
		[IdentityKind::Org, IdentityKind::Node, IdentityKind::Custom]
			.into_iter()
			.filter_map(|kind| IdentityByAccount::<T>::get(kind, account))
			.filter_map(Self::identity_info)
			.collect()
	}

	/// The node whose data channel has PeerId `peer_id`.
	pub fn node_by_peer_id(peer_id: &[u8]) -> Option<IdentityInfo<T::AccountId>> {
		let peer_id = PeerIdOf::<T>::try_from(peer_id.to_vec()).ok()?;
		Self::identity_info(NodeByPeerId::<T>::get(peer_id)?)
	}

	/// Every node, in force or not, in identity order.
	pub fn all_nodes() -> Vec<IdentityInfo<T::AccountId>> {
		let mut ids: Vec<IdentityId> = Nodes::<T>::iter_keys().collect();
		ids.sort();
		ids.into_iter().filter_map(Self::identity_info).collect()
	}
}
