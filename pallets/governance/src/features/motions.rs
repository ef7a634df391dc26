//! Motions: proposing a decision, voting on it, closing it when decided, and expiring it.

use crate::{pallet::*, DecisionKind, MembersInstance, Motion, WeightInfo};
use alloc::{boxed::Box, vec::Vec};
use codec::Encode;
use frame_support::{
	dispatch::DispatchResultWithPostInfo,
	ensure,
	pallet_prelude::*,
	storage::{with_transaction, TransactionOutcome},
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_collective::ProposalIndex;
use sp_runtime::traits::{Hash, Saturating};

/// Most motions closed for expiry in one block; any more wait for the next.
pub const MAX_EXPIRIES_PER_BLOCK: usize = 4;

type Collective<T> = pallet_collective::Pallet<T, MembersInstance>;

impl<T: Config> Pallet<T> {
	/// The members' accounts, sorted.
	pub fn members() -> Vec<T::AccountId> {
		pallet_collective::Members::<T, MembersInstance>::get()
	}

	pub(crate) fn do_propose(
		who: T::AccountId,
		decision: DecisionOf<T>,
	) -> DispatchResultWithPostInfo {
		let members = Self::members();
		ensure!(members.contains(&who), Error::<T>::NotAMember);
		// The decision must hold against the chain as it stands: try it, then roll it back.
		with_transaction(|| TransactionOutcome::Rollback(Self::apply(&decision)))?;
		let kind = decision.kind();
		let threshold = kind.threshold(members.len() as u32);
		let call: <T as pallet_collective::Config<MembersInstance>>::Proposal =
			T::MotionCall::from(Call::<T>::enact { decision }).into();
		let hash = <T as frame_system::Config>::Hashing::hash_of(&call);
		let length = call.encoded_size() as u32;
		Collective::<T>::do_propose_proposed(who.clone(), threshold, Box::new(call), length)?;
		let index = pallet_collective::ProposalCount::<T, MembersInstance>::get().saturating_sub(1);
		let end = frame_system::Pallet::<T>::block_number().saturating_add(
			<T as pallet_collective::Config<MembersInstance>>::MotionDuration::get(),
		);
		Motions::<T>::insert(index, Motion { hash, kind, end });
		Expiries::<T>::try_mutate(|expiries| {
			let at = expiries.partition_point(|(e, _)| *e <= end);
			expiries.try_insert(at, (end, index))
		})
		.map_err(|_| pallet_collective::Error::<T, MembersInstance>::TooManyProposals)?;
		Self::deposit_event(Event::Proposed {
			index,
			hash,
			kind,
			proposer: who.clone(),
			threshold,
		});
		// The proposer's aye; in a network small enough, it decides the motion at once.
		let voted = Self::do_vote(who, index, true)?.actual_weight.unwrap_or_default();
		let m = members.len() as u32;
		let enacted = voted.saturating_sub(<T as Config>::WeightInfo::vote(m));
		Ok(Some(<T as Config>::WeightInfo::propose(m).saturating_add(enacted)).into())
	}

	pub(crate) fn do_vote(
		who: T::AccountId,
		index: ProposalIndex,
		approve: bool,
	) -> DispatchResultWithPostInfo {
		ensure!(Self::members().contains(&who), Error::<T>::NotAMember);
		let motion = Motions::<T>::get(index).ok_or(Error::<T>::UnknownMotion)?;
		Collective::<T>::do_vote(who, motion.hash, index, approve)?;
		let closed = match Self::close(index, &motion) {
			Ok(post) => post.actual_weight.unwrap_or_else(Self::max_enact_weight),
			Err(e)
				if e.error == pallet_collective::Error::<T, MembersInstance>::TooEarly.into() =>
			{
				Weight::zero()
			}
			Err(e) => return Err(e),
		};
		let members = Self::members().len() as u32;
		Ok(Some(<T as Config>::WeightInfo::vote(members).saturating_add(closed)).into())
	}

	/// Closes motion `index` if it is decided (or its period is over): enacts it if approved.
	/// Fails with the collective's `TooEarly` if it is still open.
	fn close(index: ProposalIndex, motion: &MotionOf<T>) -> DispatchResultWithPostInfo {
		let post =
			Collective::<T>::do_close(motion.hash, index, Self::max_enact_weight(), u32::MAX)?;
		Motions::<T>::remove(index);
		Expiries::<T>::mutate(|expiries| expiries.retain(|(_, i)| *i != index));
		Ok(post)
	}

	/// Closes, as rejected, the motions whose voting period is over (at most
	/// [`MAX_EXPIRIES_PER_BLOCK`] a block). Returns the weight used.
	pub(crate) fn expire_motions(now: BlockNumberFor<T>) -> Weight {
		let due: Vec<ProposalIndex> = Expiries::<T>::get()
			.iter()
			.take_while(|(end, _)| *end <= now)
			.take(MAX_EXPIRIES_PER_BLOCK)
			.map(|(_, index)| *index)
			.collect();
		let members = Self::members().len() as u32;
		let mut weight = <T as Config>::WeightInfo::expire_none();
		for index in due {
			weight.saturating_accrue(<T as Config>::WeightInfo::expire_one(members));
			let Some(motion) = Motions::<T>::get(index) else {
				Expiries::<T>::mutate(|expiries| expiries.retain(|(_, i)| *i != index));
				continue;
			};
			match Self::close(index, &motion) {
				Ok(_) => Self::deposit_event(Event::Expired { index, hash: motion.hash }),
				Err(e) => {
					log::warn!(target: "runtime::governance", "cannot close expired motion {index}: {:?}", e.error);
					Motions::<T>::remove(index);
					Expiries::<T>::mutate(|expiries| expiries.retain(|(_, i)| *i != index));
				}
			}
		}
		weight
	}

	/// The most weight enacting a decision can take (the bound a motion's proposal must keep to).
	pub fn max_enact_weight() -> Weight {
		[
			DecisionKind::AdmitOrg,
			DecisionKind::RemoveOrg,
			DecisionKind::ReplaceValidator,
			DecisionKind::UpgradeRuntime,
			DecisionKind::SetParameter,
		]
		.iter()
		.map(|kind| Self::kind_weight(*kind))
		.fold(Weight::zero(), |a, b| a.max(b))
	}
}
