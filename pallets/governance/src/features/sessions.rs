//! The validator set: one node per member org, chosen by the members, rotated by this pallet.

use crate::{pallet::*, WeightInfo};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Zero;

/// `pallet_session::Config::ShouldEndSession` for a runtime whose sessions this pallet rotates:
/// pallet-session itself never ends one (its own rotation would claim the whole block's weight).
pub struct NeverEndsByItself;

impl<BlockNumber> pallet_session::ShouldEndSession<BlockNumber> for NeverEndsByItself {
	fn should_end_session(_now: BlockNumber) -> bool {
		false
	}
}

impl<T: Config> Pallet<T> {
	/// Rotates the session if `now` is a multiple of `SessionPeriod`. Returns the weight used.
	pub(crate) fn rotate_session_if_due(now: BlockNumberFor<T>) -> Weight {
		let period = <T as Config>::SessionPeriod::get();
		if period.is_zero() || now.is_zero() || !(now % period).is_zero() {
			return Weight::zero();
		}
		pallet_session::Pallet::<T>::rotate_session();
		<T as Config>::WeightInfo::rotate_session(<T as Config>::MaxMembers::get())
	}

	/// The validators of the next session: each member org's validator node, if it is in force
	/// and its account has set the session keys the members voted for; in order of org.
	pub fn next_validators() -> Vec<T::AccountId> {
		let mut chosen: Vec<(pallet_identities::IdentityId, T::AccountId)> =
			Validators::<T>::iter()
				.filter(|(org, node)| {
					pallet_identities::Pallet::<T>::is_in_force(*org)
						&& pallet_identities::Pallet::<T>::is_in_force(*node)
				})
				.filter_map(|(org, node)| {
					let account = pallet_identities::Records::<T>::get(node)?.account;
					let keys = pallet_session::Pallet::<T>::load_keys(&account)?;
					(ValidatorKeys::<T>::get(node)? == keys).then_some((org, account))
				})
				.collect();
		chosen.sort_by_key(|(org, _)| *org);
		chosen.into_iter().map(|(_, account)| account).collect()
	}
}

impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(_index: u32) -> Option<Vec<T::AccountId>> {
		let validators = Self::next_validators();
		// Never hand pallet-session an empty set: keep the current validators instead.
		(!validators.is_empty()).then_some(validators)
	}

	fn new_session_genesis(_index: u32) -> Option<Vec<T::AccountId>> {
		// At genesis the validators are the ones given keys in the session genesis config.
		None
	}

	fn end_session(_index: u32) {}

	fn start_session(_index: u32) {}
}
