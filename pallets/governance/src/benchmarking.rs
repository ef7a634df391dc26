//! Benchmarks of the governance pallet's calls and hooks, each at its worst case: the most
//! members, the largest admission (longest names, most multiaddrs), every validator with keys.

use super::*;
use crate::pallet::{Expiries, Motions, ValidatorKeys, Validators};
use alloc::{format, vec, vec::Vec};
use codec::Decode;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::RawOrigin;
use pallet_identities::IdentityId;
use sp_runtime::traits::{Hash, TrailingZeroInput};

/// A valid name of `MaxNameLen` bytes, distinct per `prefix` and `seed`.
fn max_name<T: Config>(prefix: &str, seed: u32) -> Vec<u8> {
	let stem = format!("{prefix}{seed}");
	let len = <T as pallet_identities::Config>::MaxNameLen::get() as usize;
	let mut name = vec![b'x'; len.saturating_sub(stem.len())];
	name.extend_from_slice(stem.as_bytes());
	name.truncate(len);
	name
}

/// Session keys decoded from zeroes: the runtime's key type, of its real size.
fn some_keys<T: Config>() -> <T as pallet_session::Config>::Keys {
	Decode::decode(&mut TrailingZeroInput::zeroes()).expect("keys decode from zeroes")
}

/// The largest admission: longest names, a PeerId of `MaxPeerIdLen`, the most and longest
/// multiaddrs.
fn admission<T: Config>(seed: u32) -> DecisionOf<T> {
	let mut peer_id = vec![0xAB; <T as pallet_identities::Config>::MaxPeerIdLen::get() as usize];
	peer_id[..4].copy_from_slice(&seed.to_le_bytes());
	let multiaddrs = (0..<T as pallet_identities::Config>::MaxMultiaddrs::get())
		.map(|_| vec![b'/'; <T as pallet_identities::Config>::MaxMultiaddrLen::get() as usize])
		.collect();
	Decision::AdmitOrg {
		name: max_name::<T>("org", seed),
		admin: account("admin", seed, 0),
		node: NewNode {
			name: max_name::<T>("node", seed),
			account: account("node", seed, 0),
			peer_id,
			encryption_key: [7; 32],
			multiaddrs,
		},
		session_keys: some_keys::<T>(),
	}
}

/// Admits orgs until there are `m` members, each validator with its keys set; returns the
/// members' accounts.
fn members<T: Config>(m: u32) -> Vec<T::AccountId> {
	let mut seed = 0;
	while (Pallet::<T>::members().len() as u32) < m {
		Pallet::<T>::apply(&admission::<T>(seed)).expect("benchmark admissions are valid");
		seed += 1;
	}
	for (_, node) in Validators::<T>::iter() {
		let account = pallet_identities::Records::<T>::get(node).expect("validator exists").account;
		let keys = ValidatorKeys::<T>::get(node).expect("voted keys");
		pallet_session::NextKeys::<T>::insert(&account, keys);
	}
	Pallet::<T>::members()
}

/// Opens a motion to admit one more org, proposed by the first member (its aye counted).
fn open_motion<T: Config>(proposer: &T::AccountId) -> u32 {
	Pallet::<T>::do_propose(proposer.clone(), admission::<T>(9_999)).expect("a valid proposal");
	pallet_collective::ProposalCount::<T, MembersInstance>::get() - 1
}

/// A member org and a second node of its own.
fn org_with_spare_node<T: Config>() -> (IdentityId, IdentityId) {
	let (org, _) = Validators::<T>::iter().next().expect("at least one member");
	let spare = pallet_identities::Pallet::<T>::do_register_node(
		org,
		max_name::<T>("spare", 0),
		account("spare", 0, 0),
		vec![0xCD; <T as pallet_identities::Config>::MaxPeerIdLen::get() as usize],
		[9; 32],
		vec![],
	)
	.expect("a valid node");
	(org, spare)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Proposing an admission (checked by a dry run) with `m` members: it stays open.
	#[benchmark]
	fn propose(m: Linear<3, { <T as Config>::MaxMembers::get() - 1 }>) {
		let voters = members::<T>(m);
		let decision = admission::<T>(10_000);
		#[extrinsic_call]
		_(RawOrigin::Signed(voters[0].clone()), decision);
		assert_eq!(Motions::<T>::iter().count(), 1);
	}

	/// A nay that does not decide the motion, with `m` members.
	#[benchmark]
	fn vote(m: Linear<4, { <T as Config>::MaxMembers::get() - 1 }>) {
		let voters = members::<T>(m);
		let index = open_motion::<T>(&voters[0]);
		#[extrinsic_call]
		_(RawOrigin::Signed(voters[1].clone()), index, false);
		assert!(Motions::<T>::get(index).is_some(), "still open");
	}

	#[benchmark]
	fn enact_admit_org(
		m: Linear<1, { <T as Config>::MaxMembers::get() - 1 }>,
	) -> Result<(), BenchmarkError> {
		let before = members::<T>(m).len();
		let origin =
			T::MajorityOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let decision = admission::<T>(20_000);
		#[extrinsic_call]
		enact(origin as <T as frame_system::Config>::RuntimeOrigin, decision);
		assert_eq!(Pallet::<T>::members().len(), before + 1);
		Ok(())
	}

	#[benchmark]
	fn enact_remove_org(
		m: Linear<2, { <T as Config>::MaxMembers::get() }>,
	) -> Result<(), BenchmarkError> {
		let before = members::<T>(m).len();
		let (org, _) = Validators::<T>::iter().next().expect("members exist");
		let origin =
			T::MajorityOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		enact(origin as <T as frame_system::Config>::RuntimeOrigin, Decision::RemoveOrg { org });
		assert_eq!(Pallet::<T>::members().len(), before - 1);
		Ok(())
	}

	#[benchmark]
	fn enact_replace_validator() -> Result<(), BenchmarkError> {
		members::<T>(1);
		let (org, spare) = org_with_spare_node::<T>();
		let origin =
			T::MajorityOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let decision =
			Decision::ReplaceValidator { org, node: spare, session_keys: some_keys::<T>() };
		#[extrinsic_call]
		enact(origin as <T as frame_system::Config>::RuntimeOrigin, decision);
		assert_eq!(Validators::<T>::get(org), Some(spare));
		Ok(())
	}

	#[benchmark]
	fn enact_upgrade_runtime() -> Result<(), BenchmarkError> {
		let origin = T::SupermajorityOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let code_hash = <T as frame_system::Config>::Hashing::hash(b"a new runtime");
		#[extrinsic_call]
		enact(
			origin as <T as frame_system::Config>::RuntimeOrigin,
			Decision::UpgradeRuntime { code_hash },
		);
		Ok(())
	}

	/// A session rotation with `m` member validators, every one with keys.
	#[benchmark]
	fn rotate_session(m: Linear<1, { <T as Config>::MaxMembers::get() }>) {
		members::<T>(m);
		let period = <T as Config>::SessionPeriod::get();
		#[block]
		{
			Pallet::<T>::rotate_session_if_due(period);
		}
	}

	/// A block with no motion due.
	#[benchmark]
	fn expire_none() {
		let now = frame_system::Pallet::<T>::block_number();
		#[block]
		{
			Pallet::<T>::expire_motions(now);
		}
	}

	/// Expiring one motion with `m` members.
	#[benchmark]
	fn expire_one(m: Linear<3, { <T as Config>::MaxMembers::get() - 1 }>) {
		let voters = members::<T>(m);
		let index = open_motion::<T>(&voters[0]);
		let end = Motions::<T>::get(index).expect("open").end;
		frame_system::Pallet::<T>::set_block_number(end);
		#[block]
		{
			Pallet::<T>::expire_motions(end);
		}
		assert!(Motions::<T>::get(index).is_none());
		assert!(Expiries::<T>::get().is_empty());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
