//! The members and validators a chain starts with.

use crate::{pallet::*, MembersInstance};
use alloc::vec::Vec;
use frame_support::traits::{Get, InitializeMembers};
use pallet_identities::{IdentityByName, IdentityKind, NameOf, Records};

impl<T: Config> Pallet<T> {
	/// Makes each of `members` (orgs of the identities genesis) a member with its validator.
	pub(crate) fn build_genesis(members: &[GenesisMember<<T as pallet_session::Config>::Keys>]) {
		let named = |kind, name: &str| {
			let name = NameOf::<T>::try_from(name.as_bytes().to_vec()).expect("genesis names fit");
			IdentityByName::<T>::get(kind, name)
				.expect("genesis members are in the identities genesis")
		};
		let mut admins: Vec<T::AccountId> = Vec::new();
		for member in members {
			let org = named(IdentityKind::Org, &member.org);
			let node = named(IdentityKind::Node, &member.validator);
			let org_record = Records::<T>::get(org).expect("named identities exist");
			assert!(org_record.parent.is_none(), "a genesis member is a top-level org");
			let node_record = Records::<T>::get(node).expect("named identities exist");
			assert_eq!(node_record.parent, Some(org), "a genesis validator is a node of its org");
			Validators::<T>::insert(org, node);
			ValidatorKeys::<T>::insert(node, member.keys.clone());
			admins.push(org_record.account);
		}
		assert!(
			admins.len() as u32 <= <T as Config>::MaxMembers::get(),
			"at most MaxMembers genesis members"
		);
		admins.sort();
		<pallet_collective::Pallet<T, MembersInstance> as InitializeMembers<T::AccountId>>::initialize_members(&admins);
	}
}
