//! What the runtime API reports: the member orgs with their validators, and the open motions
//! with their decisions and votes, read from this pallet, the identities pallet, pallet-session
//! and the collective.

use crate::{pallet::*, MemberView, MembersInstance, MotionView};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::traits::IsSubType;
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_collective::ProposalIndex;

/// The collective's record of a motion's votes (`pallet_collective::Votes`), whose fields that
/// pallet keeps private: the same SCALE layout, read from its `Voting` storage.
#[derive(Decode, Encode)]
struct Votes<AccountId, BlockNumber> {
	_index: ProposalIndex,
	threshold: u32,
	ayes: Vec<AccountId>,
	nays: Vec<AccountId>,
	_end: BlockNumber,
}

/// An open motion as the runtime API reports it.
pub type MotionViewOf<T> = MotionView<
	<T as frame_system::Config>::AccountId,
	<T as frame_system::Config>::Hash,
	BlockNumberFor<T>,
	DecisionOf<T>,
>;

impl<T: Config> Pallet<T> {
	/// Every member org, in identity order, with its validator node and whether that node
	/// validates now and in the next session.
	pub fn member_views() -> Vec<MemberView<T::AccountId>> {
		let current = pallet_session::Validators::<T>::get();
		let next = Self::next_validators();
		let mut members: Vec<MemberView<T::AccountId>> = Validators::<T>::iter()
			.filter_map(|(org, node)| {
				let org_info = pallet_identities::Pallet::<T>::identity_info(org)?;
				let node_info = pallet_identities::Pallet::<T>::identity_info(node)?;
				org_info.active.then(|| MemberView {
					org,
					org_did: org_info.did,
					admin: org_info.account,
					validator: node,
					validator_did: node_info.did,
					validating: current.contains(&node_info.account),
					next_session: next.contains(&node_info.account),
					validator_account: node_info.account,
				})
			})
			.collect();
		members.sort_by_key(|member| member.org);
		members
	}

	/// Every open motion, oldest first: its decision (read back from the collective's proposal)
	/// and the votes cast so far.
	pub fn motion_views() -> Vec<MotionViewOf<T>>
	where
		<T as pallet_collective::Config<MembersInstance>>::Proposal: IsSubType<Call<T>>,
	{
		let mut motions: Vec<MotionViewOf<T>> = Motions::<T>::iter()
			.map(|(index, motion)| {
				let decision = pallet_collective::ProposalOf::<T, MembersInstance>::get(
					motion.hash,
				)
				.and_then(|call| match call.is_sub_type() {
					Some(Call::enact { decision }) => Some(decision.clone()),
					_ => None,
				});
				let key =
					pallet_collective::Voting::<T, MembersInstance>::hashed_key_for(motion.hash);
				let votes: Option<Votes<T::AccountId, BlockNumberFor<T>>> =
					frame_support::storage::unhashed::get(&key);
				let (threshold, ayes, nays) =
					votes.map(|v| (v.threshold, v.ayes, v.nays)).unwrap_or((
						motion.kind.threshold(Self::members().len() as u32),
						Vec::new(),
						Vec::new(),
					));
				MotionView {
					index,
					hash: motion.hash,
					kind: motion.kind,
					decision,
					threshold,
					ayes,
					nays,
					end: motion.end,
				}
			})
			.collect();
		motions.sort_by_key(|motion| motion.index);
		motions
	}
}
