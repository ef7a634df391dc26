//! A node's off-chain details: checking them, and rotating them.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Checks and bounds a node's PeerId, key and multiaddrs.
	pub(crate) fn checked_node_record(
		peer_id: Vec<u8>,
		encryption_key: [u8; 32],
		multiaddrs: Vec<Vec<u8>>,
	) -> Result<NodeRecordOf<T>, Error<T>> {
		ensure!(!peer_id.is_empty(), Error::<T>::InvalidPeerId);
		let peer_id = PeerIdOf::<T>::try_from(peer_id).map_err(|_| Error::<T>::InvalidPeerId)?;
		ensure!(multiaddrs.len() as u32 <= T::MaxMultiaddrs::get(), Error::<T>::TooManyMultiaddrs);
		let multiaddrs = multiaddrs
			.into_iter()
			.map(|addr| {
				ensure!(!addr.is_empty(), Error::<T>::InvalidMultiaddr);
				BoundedVec::try_from(addr).map_err(|_| Error::<T>::InvalidMultiaddr)
			})
			.collect::<Result<Vec<_>, _>>()?;
		let multiaddrs =
			BoundedVec::try_from(multiaddrs).map_err(|_| Error::<T>::TooManyMultiaddrs)?;
		Ok(NodeRecord { peer_id, encryption_key, multiaddrs })
	}

	/// Replaces the off-chain details of node `node`, if `who` is the node or its owner org.
	pub(crate) fn do_update_node(
		who: &T::AccountId,
		node: IdentityId,
		peer_id: Vec<u8>,
		encryption_key: [u8; 32],
		multiaddrs: Vec<Vec<u8>>,
	) -> DispatchResult {
		let identity = Records::<T>::get(node).ok_or(Error::<T>::UnknownIdentity)?;
		ensure!(identity.kind == IdentityKind::Node, Error::<T>::NotANode);
		Self::ensure_self_or_parent(who, &identity)?;
		ensure!(Self::is_in_force(node), Error::<T>::IdentityInactive);
		let record = Self::checked_node_record(peer_id, encryption_key, multiaddrs)?;
		let old = Nodes::<T>::get(node).ok_or(Error::<T>::NotANode)?;
		if old.peer_id != record.peer_id {
			ensure!(
				!NodeByPeerId::<T>::contains_key(&record.peer_id),
				Error::<T>::PeerIdAlreadyRegistered
			);
			NodeByPeerId::<T>::remove(&old.peer_id);
			NodeByPeerId::<T>::insert(&record.peer_id, node);
		}
		let peer_id = record.peer_id.to_vec();
		Nodes::<T>::insert(node, record);
		Self::deposit_event(Event::NodeUpdated { id: node, peer_id, encryption_key });
		Ok(())
	}
}
