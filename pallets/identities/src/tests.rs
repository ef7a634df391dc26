//! Unit tests of every identities call and every error it can return.

use crate::{mock::*, pallet::*, types::*, Error, NodeRegistry};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{BuildStorage, DispatchError};

const GOV_ORG_ADMIN: u64 = 10;
const NODE: u64 = 20;

fn peer(n: u8) -> Vec<u8> {
	let mut p = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
	p.extend([n; 32]);
	p
}

fn addrs() -> Vec<Vec<u8>> {
	vec![b"/ip4/127.0.0.1/tcp/40333".to_vec()]
}

/// Registers org "provider" (admin 10) and its node "provider" (account 20): ids 0 and 1.
fn org_and_node() -> (IdentityId, IdentityId) {
	assert_ok!(Identities::register_org(
		RuntimeOrigin::root(),
		b"provider".to_vec(),
		GOV_ORG_ADMIN
	));
	assert_ok!(Identities::register_node(
		RuntimeOrigin::signed(GOV_ORG_ADMIN),
		0,
		b"provider".to_vec(),
		NODE,
		peer(1),
		[1; 32],
		addrs(),
	));
	(0, 1)
}

#[test]
fn governance_registers_orgs_and_names_are_unique() {
	new_test_ext().execute_with(|| {
		assert_ok!(Identities::register_org(RuntimeOrigin::root(), b"provider".to_vec(), 10));
		System::assert_last_event(
			Event::OrgRegistered { id: 0, name: b"provider".to_vec(), parent: None, account: 10 }
				.into(),
		);
		assert_noop!(
			Identities::register_org(RuntimeOrigin::root(), b"provider".to_vec(), 11),
			Error::<Test>::NameAlreadyRegistered
		);
		assert_noop!(
			Identities::register_org(RuntimeOrigin::root(), b"insurer-a".to_vec(), 10),
			Error::<Test>::AccountAlreadyRegistered
		);
		assert_noop!(
			Identities::register_org(RuntimeOrigin::signed(10), b"insurer-a".to_vec(), 11),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Identities::register_org(RuntimeOrigin::root(), vec![b'a'; 65], 11),
			Error::<Test>::NameTooLong
		);
		for bad in [&b""[..], b"-x", b"a b", b"org/x"] {
			assert_noop!(
				Identities::register_org(RuntimeOrigin::root(), bad.to_vec(), 11),
				Error::<Test>::InvalidName
			);
		}
		let did = Identities::identity_by_did(b"did:parley:org/provider").unwrap();
		assert_eq!((did.id, did.kind, did.active), (0, IdentityKind::Org, true));
	});
}

#[test]
fn child_orgs_are_registered_by_their_parent_within_the_depth_limit() {
	new_test_ext().execute_with(|| {
		assert_ok!(Identities::register_org(RuntimeOrigin::root(), b"top".to_vec(), 10));
		assert_noop!(
			Identities::register_child_org(RuntimeOrigin::signed(99), 0, b"sub".to_vec(), 11),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Identities::register_child_org(RuntimeOrigin::signed(10), 7, b"sub".to_vec(), 11),
			Error::<Test>::UnknownParent
		);
		assert_ok!(Identities::register_child_org(
			RuntimeOrigin::signed(10),
			0,
			b"sub".to_vec(),
			11
		));
		assert_eq!(Records::<Test>::get(1).unwrap().parent, Some(0));
		assert_ok!(Identities::register_child_org(
			RuntimeOrigin::signed(11),
			1,
			b"sub2".to_vec(),
			12
		));
		// MaxOrgDepth is 3: a fourth level is refused.
		assert_noop!(
			Identities::register_child_org(RuntimeOrigin::signed(12), 2, b"sub3".to_vec(), 13),
			Error::<Test>::HierarchyTooDeep
		);
	});
}

#[test]
fn nodes_are_registered_by_their_org_and_found_by_account_did_and_peer() {
	new_test_ext().execute_with(|| {
		let (org, node) = org_and_node();
		System::assert_last_event(
			Event::NodeRegistered {
				id: node,
				org,
				name: b"provider".to_vec(),
				account: NODE,
				peer_id: peer(1),
				encryption_key: [1; 32],
			}
			.into(),
		);
		assert_eq!(Identities::active_node(&NODE), Some(node));
		assert_eq!(Identities::active_node(&GOV_ORG_ADMIN), None);
		let info = Identities::node_by_peer_id(&peer(1)).unwrap();
		assert_eq!(info.did, b"did:parley:node/provider".to_vec());
		assert_eq!(info.node.unwrap().multiaddrs, addrs());
		assert_eq!(Identities::identities_by_account(&NODE).len(), 1);
		assert_eq!(Identities::identity_by_did(b"did:parley:node/provider").unwrap().id, node);
		assert_eq!(Identities::active_node_accounts(), vec![NODE]);
		assert_eq!(Identities::all_nodes().len(), 1);
	});
}

#[test]
fn node_registration_errors() {
	new_test_ext().execute_with(|| {
		let (org, _) = org_and_node();
		let register = |who: u64,
		                org: IdentityId,
		                name: &[u8],
		                account: u64,
		                peer_id: Vec<u8>,
		                addrs: Vec<Vec<u8>>| {
			Identities::register_node(
				RuntimeOrigin::signed(who),
				org,
				name.to_vec(),
				account,
				peer_id,
				[2; 32],
				addrs,
			)
		};
		assert_noop!(register(99, org, b"n2", 21, peer(2), addrs()), Error::<Test>::NotAuthorized);
		assert_noop!(register(NODE, 1, b"n2", 21, peer(2), addrs()), Error::<Test>::NotAnOrg);
		assert_noop!(register(10, 9, b"n2", 21, peer(2), addrs()), Error::<Test>::UnknownParent);
		assert_noop!(
			register(10, org, b"provider", 21, peer(2), addrs()),
			Error::<Test>::NameAlreadyRegistered
		);
		assert_noop!(
			register(10, org, b"n2", NODE, peer(2), addrs()),
			Error::<Test>::AccountAlreadyRegistered
		);
		assert_noop!(
			register(10, org, b"n2", 21, peer(1), addrs()),
			Error::<Test>::PeerIdAlreadyRegistered
		);
		assert_noop!(register(10, org, b"n2", 21, vec![], addrs()), Error::<Test>::InvalidPeerId);
		assert_noop!(
			register(10, org, b"n2", 21, vec![1; 65], addrs()),
			Error::<Test>::InvalidPeerId
		);
		assert_noop!(
			register(10, org, b"n2", 21, peer(2), vec![b"/a".to_vec(); 5]),
			Error::<Test>::TooManyMultiaddrs
		);
		assert_noop!(
			register(10, org, b"n2", 21, peer(2), vec![vec![b'/'; 129]]),
			Error::<Test>::InvalidMultiaddr
		);
		assert_noop!(
			register(10, org, b"n2", 21, peer(2), vec![vec![]]),
			Error::<Test>::InvalidMultiaddr
		);
	});
}

#[test]
fn nodes_rotate_keys_and_only_they_or_their_org_may() {
	new_test_ext().execute_with(|| {
		let (_, node) = org_and_node();
		assert_noop!(
			Identities::update_node(RuntimeOrigin::signed(99), node, peer(3), [3; 32], addrs()),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Identities::update_node(RuntimeOrigin::signed(NODE), 0, peer(3), [3; 32], addrs()),
			Error::<Test>::NotANode
		);
		assert_noop!(
			Identities::update_node(RuntimeOrigin::signed(NODE), 42, peer(3), [3; 32], addrs()),
			Error::<Test>::UnknownIdentity
		);
		assert_ok!(Identities::update_node(
			RuntimeOrigin::signed(NODE),
			node,
			peer(3),
			[3; 32],
			addrs()
		));
		System::assert_last_event(
			Event::NodeUpdated { id: node, peer_id: peer(3), encryption_key: [3; 32] }.into(),
		);
		assert!(Identities::node_by_peer_id(&peer(1)).is_none());
		assert_eq!(Identities::node_by_peer_id(&peer(3)).unwrap().id, node);
		// The org may rotate too; keeping the same peer id is fine.
		assert_ok!(Identities::update_node(
			RuntimeOrigin::signed(GOV_ORG_ADMIN),
			node,
			peer(3),
			[4; 32],
			vec![]
		));
		// A second node may not take the first one's peer id.
		assert_ok!(Identities::register_node(
			RuntimeOrigin::signed(GOV_ORG_ADMIN),
			0,
			b"second".to_vec(),
			21,
			peer(5),
			[5; 32],
			addrs(),
		));
		assert_noop!(
			Identities::update_node(RuntimeOrigin::signed(21), 2, peer(3), [5; 32], addrs()),
			Error::<Test>::PeerIdAlreadyRegistered
		);
	});
}

#[test]
fn custom_identities_are_claimed_then_verified_by_their_org() {
	new_test_ext().execute_with(|| {
		let (org, node) = org_and_node();
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(30), node, b"clerk".to_vec()),
			Error::<Test>::NotAnOrg
		);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(30), 77, b"clerk".to_vec()),
			Error::<Test>::UnknownParent
		);
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"clerk".to_vec()));
		let id = 2;
		assert_eq!(Records::<Test>::get(id).unwrap().status, IdentityStatus::Pending);
		assert!(!Identities::is_in_force(id));
		assert_eq!(
			Identities::identity_by_did(b"did:parley:clerk").unwrap().status,
			IdentityStatus::Pending
		);
		assert_noop!(
			Identities::verify_identity(RuntimeOrigin::signed(30), id),
			Error::<Test>::NotAuthorized
		);
		assert_ok!(Identities::verify_identity(RuntimeOrigin::signed(GOV_ORG_ADMIN), id));
		System::assert_last_event(Event::IdentityVerified { id, by: org }.into());
		assert!(Identities::is_in_force(id));
		assert_noop!(
			Identities::verify_identity(RuntimeOrigin::signed(GOV_ORG_ADMIN), id),
			Error::<Test>::NotPending
		);
		assert_noop!(
			Identities::verify_identity(RuntimeOrigin::signed(GOV_ORG_ADMIN), 99),
			Error::<Test>::UnknownIdentity
		);
	});
}

#[test]
fn a_pending_claim_rejected_by_its_org_frees_its_name_and_account() {
	new_test_ext().execute_with(|| {
		let (org, _) = org_and_node();
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"clerk".to_vec()));
		let squatted = 2;
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(31), org, b"clerk".to_vec()),
			Error::<Test>::NameAlreadyRegistered
		);
		// Neither another account nor the claimer itself may reject it; its org may.
		for stranger in [99, 30] {
			assert_noop!(
				Identities::deactivate(RuntimeOrigin::signed(stranger), squatted),
				Error::<Test>::NotAuthorized
			);
		}
		assert_ok!(Identities::deactivate(RuntimeOrigin::signed(GOV_ORG_ADMIN), squatted));
		System::assert_last_event(Event::ClaimRejected { id: squatted }.into());
		assert!(Records::<Test>::get(squatted).is_none());
		assert!(Identities::identity_by_did(b"did:parley:clerk").is_none());
		assert_noop!(
			Identities::deactivate(RuntimeOrigin::signed(GOV_ORG_ADMIN), squatted),
			Error::<Test>::UnknownIdentity
		);
		// The name and the claimer's account are free again.
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(31), org, b"clerk".to_vec()));
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"other".to_vec()));
		// An identity in force is deactivated, not removed: its name stays taken.
		let clerk = Identities::identity_by_did(b"did:parley:clerk").unwrap().id;
		assert_ok!(Identities::verify_identity(RuntimeOrigin::signed(GOV_ORG_ADMIN), clerk));
		assert_ok!(Identities::deactivate(RuntimeOrigin::signed(GOV_ORG_ADMIN), clerk));
		System::assert_last_event(Event::IdentityDeactivated { id: clerk }.into());
		assert_eq!(Records::<Test>::get(clerk).unwrap().status, IdentityStatus::Deactivated);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(32), org, b"clerk".to_vec()),
			Error::<Test>::NameAlreadyRegistered
		);
	});
}

#[test]
fn a_claim_its_org_never_answers_lapses_and_its_name_can_be_claimed_again() {
	new_test_ext().execute_with(|| {
		let (org, _) = org_and_node();
		let claimed_at = System::block_number();
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"clerk".to_vec()));
		let squatted = 2;
		// Until it lapses, the claim holds the name and the account.
		System::set_block_number(claimed_at + CLAIM_LAPSES_AFTER - 1);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(31), org, b"clerk".to_vec()),
			Error::<Test>::NameAlreadyRegistered
		);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(30), org, b"again".to_vec()),
			Error::<Test>::AccountAlreadyRegistered
		);
		// Then a new claim of the name removes it.
		System::set_block_number(claimed_at + CLAIM_LAPSES_AFTER);
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(31), org, b"clerk".to_vec()));
		System::assert_has_event(Event::ClaimLapsed { id: squatted }.into());
		assert!(Records::<Test>::get(squatted).is_none());
		let clerk = Identities::identity_by_did(b"did:parley:clerk").unwrap();
		assert_eq!(clerk.account, 31);
		// The lapsed claimer's account is free too, and its own new claim clears its old one.
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"first".to_vec()));
		let first = Identities::identity_by_did(b"did:parley:first").unwrap().id;
		System::set_block_number(System::block_number() + CLAIM_LAPSES_AFTER);
		assert_ok!(Identities::claim_identity(RuntimeOrigin::signed(30), org, b"second".to_vec()));
		System::assert_has_event(Event::ClaimLapsed { id: first }.into());
		assert!(Identities::identity_by_did(b"did:parley:first").is_none());
		// A verified identity never lapses.
		assert_ok!(Identities::verify_identity(RuntimeOrigin::signed(GOV_ORG_ADMIN), clerk.id));
		System::set_block_number(System::block_number() + 10 * CLAIM_LAPSES_AFTER);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(32), org, b"clerk".to_vec()),
			Error::<Test>::NameAlreadyRegistered
		);
		assert!(Identities::is_in_force(clerk.id));
	});
}

#[test]
fn verifiers_are_added_and_removed_within_bounds() {
	new_test_ext().execute_with(|| {
		let (org, node) = org_and_node();
		let key = |n: u8| Verifier::Ed25519([n; 32]);
		assert_noop!(
			Identities::add_verifier(RuntimeOrigin::signed(99), node, key(1)),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Identities::add_verifier(RuntimeOrigin::signed(NODE), 99, key(1)),
			Error::<Test>::UnknownIdentity
		);
		assert_ok!(Identities::add_verifier(RuntimeOrigin::signed(NODE), node, key(1)));
		System::assert_last_event(Event::VerifierAdded { id: node, verifier: key(1) }.into());
		assert_noop!(
			Identities::add_verifier(RuntimeOrigin::signed(GOV_ORG_ADMIN), node, key(1)),
			Error::<Test>::VerifierAlreadyAdded
		);
		for n in 2..=4 {
			assert_ok!(Identities::add_verifier(
				RuntimeOrigin::signed(GOV_ORG_ADMIN),
				node,
				key(n)
			));
		}
		assert_noop!(
			Identities::add_verifier(RuntimeOrigin::signed(NODE), node, Verifier::Sr25519([9; 32])),
			Error::<Test>::TooManyVerifiers
		);
		assert_eq!(Identities::identity_info(node).unwrap().verifiers.len(), 4);
		assert_ok!(Identities::remove_verifier(RuntimeOrigin::signed(NODE), node, key(2)));
		System::assert_last_event(Event::VerifierRemoved { id: node, verifier: key(2) }.into());
		assert_noop!(
			Identities::remove_verifier(RuntimeOrigin::signed(NODE), node, key(2)),
			Error::<Test>::UnknownVerifier
		);
		assert_noop!(
			Identities::remove_verifier(RuntimeOrigin::signed(NODE), org, key(1)),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Identities::remove_verifier(RuntimeOrigin::signed(GOV_ORG_ADMIN), org, key(1)),
			Error::<Test>::UnknownVerifier
		);
	});
}

#[test]
fn deactivation_cuts_off_an_identity_and_everything_under_it() {
	new_test_ext().execute_with(|| {
		let (org, node) = org_and_node();
		assert_noop!(
			Identities::deactivate(RuntimeOrigin::signed(99), node),
			Error::<Test>::NotAuthorized
		);
		// A top-level org has no parent: only governance may deactivate it.
		assert_noop!(
			Identities::deactivate(RuntimeOrigin::signed(GOV_ORG_ADMIN), org),
			Error::<Test>::NotAuthorized
		);
		assert_noop!(
			Identities::deactivate(RuntimeOrigin::root(), 99),
			Error::<Test>::UnknownIdentity
		);

		assert_ok!(Identities::deactivate(RuntimeOrigin::root(), org));
		System::assert_last_event(Event::IdentityDeactivated { id: org }.into());
		// The node's own status is untouched, but it is no longer in force.
		assert_eq!(Records::<Test>::get(node).unwrap().status, IdentityStatus::Active);
		assert_eq!(Identities::active_node(&NODE), None);
		assert!(Identities::active_node_accounts().is_empty());
		assert!(!Identities::node_by_peer_id(&peer(1)).unwrap().active);
		assert_noop!(
			Identities::deactivate(RuntimeOrigin::root(), org),
			Error::<Test>::AlreadyDeactivated
		);
		// An org that is not in force can no longer act.
		assert_noop!(
			Identities::register_node(
				RuntimeOrigin::signed(GOV_ORG_ADMIN),
				org,
				b"n2".to_vec(),
				21,
				peer(2),
				[2; 32],
				addrs()
			),
			Error::<Test>::IdentityInactive
		);
		assert_noop!(
			Identities::update_node(RuntimeOrigin::signed(NODE), node, peer(3), [3; 32], addrs()),
			Error::<Test>::IdentityInactive
		);
		assert_noop!(
			Identities::claim_identity(RuntimeOrigin::signed(30), org, b"clerk".to_vec()),
			Error::<Test>::IdentityInactive
		);
		assert_noop!(
			Identities::add_verifier(
				RuntimeOrigin::signed(GOV_ORG_ADMIN),
				org,
				Verifier::Sr25519([1; 32])
			),
			Error::<Test>::IdentityInactive
		);
	});
}

#[test]
fn an_org_deactivates_its_own_node() {
	new_test_ext().execute_with(|| {
		let (_, node) = org_and_node();
		assert_ok!(Identities::deactivate(RuntimeOrigin::signed(GOV_ORG_ADMIN), node));
		assert_eq!(Identities::active_node(&NODE), None);
		assert_eq!(Records::<Test>::get(node).unwrap().status, IdentityStatus::Deactivated);
	});
}

#[test]
fn genesis_registers_orgs_and_nodes() {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> {
		orgs: vec![GenesisOrg { name: "dev".into(), account: 1 }],
		nodes: vec![GenesisNode {
			org: "dev".into(),
			name: "dev".into(),
			account: 2,
			peer_id: peer(9),
			encryption_key: [9; 32],
			multiaddrs: vec!["/ip4/127.0.0.1/tcp/40333".into()],
		}],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	sp_io::TestExternalities::new(storage).execute_with(|| {
		assert_eq!(Identities::active_node(&2), Some(1));
		let node = Identities::identity_by_did(b"did:parley:node/dev").unwrap();
		assert_eq!(node.parent, Some(0));
		assert_eq!(node.node.unwrap().peer_id, peer(9));
	});
}
