//! Benchmarks of the identities pallet's calls, each at its worst case: longest names, most
//! multiaddrs, fullest verifier lists, deepest hierarchy where the call walks it.

use super::*;
use crate::pallet::{IdentityByName, Records, Verifiers};
use alloc::{format, vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get};
use frame_system::RawOrigin;

/// A valid name of exactly `MaxNameLen` bytes, distinct per `seed`.
fn max_name<T: Config>(seed: u32) -> Vec<u8> {
	let suffix = format!("{seed}");
	let len = T::MaxNameLen::get() as usize;
	let mut name = vec![b'n'; len.saturating_sub(suffix.len())];
	name.extend_from_slice(suffix.as_bytes());
	name.truncate(len);
	name
}

/// A PeerId of `MaxPeerIdLen` bytes, distinct per `seed`.
fn max_peer_id<T: Config>(seed: u32) -> Vec<u8> {
	let mut peer = vec![0xAB; T::MaxPeerIdLen::get() as usize];
	peer[..4].copy_from_slice(&seed.to_le_bytes());
	peer
}

/// `count` multiaddrs of `MaxMultiaddrLen` bytes each.
fn multiaddrs<T: Config>(count: u32) -> Vec<Vec<u8>> {
	(0..count).map(|_| vec![b'/'; T::MaxMultiaddrLen::get() as usize]).collect()
}

/// Registers a chain of `MaxOrgDepth` orgs and returns the deepest with its admin account.
fn deepest_org<T: Config>() -> (IdentityId, T::AccountId) {
	deepest_org_with_seed::<T>(0)
}

/// Registers an org and a node in force for `who` (used by other pallets' benchmarks).
pub fn register_node_for<T: Config>(who: &T::AccountId, seed: u32) -> IdentityId {
	let (org, _) = deepest_org_with_seed::<T>(seed);
	Pallet::<T>::do_register_node(
		org,
		max_name::<T>(1_000_000 + seed),
		who.clone(),
		max_peer_id::<T>(seed),
		[7; 32],
		multiaddrs::<T>(1),
	)
	.expect("benchmark node is valid")
}

/// Like [`deepest_org`], with names and accounts distinct per `seed`.
fn deepest_org_with_seed<T: Config>(seed: u32) -> (IdentityId, T::AccountId) {
	let mut parent = None;
	let mut last = None;
	for level in 0..T::MaxOrgDepth::get() {
		let admin: T::AccountId = account("org-admin", level, seed);
		let id = Pallet::<T>::do_register_org(
			parent,
			max_name::<T>(seed.saturating_mul(100).saturating_add(level)),
			admin.clone(),
		)
		.expect("benchmark orgs are valid");
		parent = Some(id);
		last = Some((id, admin));
	}
	last.expect("MaxOrgDepth is at least 1")
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_org() -> Result<(), BenchmarkError> {
		let origin =
			T::RegisterOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let account: T::AccountId = account("org", 0, 0);
		let name = max_name::<T>(0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, name.clone(), account);

		let name = NameOf::<T>::try_from(name).unwrap();
		assert!(IdentityByName::<T>::contains_key(IdentityKind::Org, name));
		Ok(())
	}

	#[benchmark]
	fn register_child_org() {
		// The parent sits as deep as allowed minus one, so the depth walk is longest.
		let mut parent = None;
		let mut admin: T::AccountId = account("org-admin", 0, 0);
		for level in 0..T::MaxOrgDepth::get().saturating_sub(1).max(1) {
			admin = account("org-admin", level, 0);
			parent = Some(
				Pallet::<T>::do_register_org(parent, max_name::<T>(level), admin.clone()).unwrap(),
			);
		}
		let parent = parent.unwrap();
		let child: T::AccountId = account("child", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), parent, max_name::<T>(999), child.clone());

		assert!(IdentityByAccount::<T>::contains_key(IdentityKind::Org, child));
	}

	#[benchmark]
	fn register_node(m: Linear<0, { T::MaxMultiaddrs::get() }>) {
		let (org, admin) = deepest_org::<T>();
		let node: T::AccountId = account("node", 0, 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(admin),
			org,
			max_name::<T>(0),
			node.clone(),
			max_peer_id::<T>(0),
			[1; 32],
			multiaddrs::<T>(m),
		);

		assert!(IdentityByAccount::<T>::contains_key(IdentityKind::Node, node));
	}

	#[benchmark]
	fn update_node(m: Linear<0, { T::MaxMultiaddrs::get() }>) {
		let node_account: T::AccountId = account("node", 0, 0);
		let node = register_node_for::<T>(&node_account, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(node_account), node, max_peer_id::<T>(1), [2; 32], multiaddrs::<T>(m));

		assert_eq!(Nodes::<T>::get(node).unwrap().encryption_key, [2; 32]);
	}

	#[benchmark]
	fn claim_identity() {
		let (org, _) = deepest_org::<T>();
		let who: T::AccountId = account("custom", 0, 0);
		// The worst case: a lapsed claim holds the name and another the account; both go.
		let squatter: T::AccountId = account("squatter", 0, 0);
		let held = Pallet::<T>::do_claim_identity(squatter, org, max_name::<T>(0)).unwrap();
		let own = Pallet::<T>::do_claim_identity(who.clone(), org, max_name::<T>(1)).unwrap();
		let now = frame_system::Pallet::<T>::block_number();
		frame_system::Pallet::<T>::set_block_number(now + T::ClaimLapsesAfter::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), org, max_name::<T>(0));

		assert!(Records::<T>::get(held).is_none() && Records::<T>::get(own).is_none());
		assert!(IdentityByAccount::<T>::contains_key(IdentityKind::Custom, who));
	}

	#[benchmark]
	fn verify_identity() {
		let (org, admin) = deepest_org::<T>();
		let who: T::AccountId = account("custom", 0, 0);
		let id = Pallet::<T>::do_claim_identity(who, org, max_name::<T>(0)).unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), id);

		assert_eq!(Records::<T>::get(id).unwrap().status, IdentityStatus::Active);
	}

	#[benchmark]
	fn add_verifier() {
		let (org, admin) = deepest_org::<T>();
		// Fill the list up to one short of full, so the duplicate scan is longest.
		for i in 0..T::MaxVerifiers::get().saturating_sub(1) {
			let mut key = [0u8; 32];
			key[..4].copy_from_slice(&i.to_le_bytes());
			Verifiers::<T>::try_mutate(org, |list| list.try_push(Verifier::Ed25519(key))).unwrap();
		}
		let verifier = Verifier::Ecdsa([9; 33]);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), org, verifier);

		assert!(Verifiers::<T>::get(org).contains(&verifier));
	}

	#[benchmark]
	fn remove_verifier() {
		let (org, admin) = deepest_org::<T>();
		for i in 0..T::MaxVerifiers::get() {
			let mut key = [0u8; 32];
			key[..4].copy_from_slice(&i.to_le_bytes());
			Verifiers::<T>::try_mutate(org, |list| list.try_push(Verifier::Ed25519(key))).unwrap();
		}
		// The last one, so the search is longest.
		let mut key = [0u8; 32];
		key[..4].copy_from_slice(&(T::MaxVerifiers::get() - 1).to_le_bytes());
		let verifier = Verifier::Ed25519(key);

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), org, verifier);

		assert!(!Verifiers::<T>::get(org).contains(&verifier));
	}

	#[benchmark]
	fn deactivate() {
		let (org, admin) = deepest_org::<T>();
		let node_account: T::AccountId = account("node", 0, 0);
		let node = Pallet::<T>::do_register_node(
			org,
			max_name::<T>(0),
			node_account,
			max_peer_id::<T>(0),
			[1; 32],
			multiaddrs::<T>(1),
		)
		.unwrap();

		#[extrinsic_call]
		_(RawOrigin::Signed(admin), node);

		assert_eq!(Records::<T>::get(node).unwrap().status, IdentityStatus::Deactivated);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
