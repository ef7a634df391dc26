//! Every call and error of the governance pallet, and each rule a member could try to bend.

use crate::{mock::*, pallet::*, Decision, DecisionKind, NewNode};
use frame_support::{
	assert_noop, assert_ok,
	traits::{Get, Hooks},
};
use pallet_collective::Instance1;
use pallet_identities::{IdentityKind, NodeRegistry};
use sp_runtime::{traits::Hash, DispatchError};

fn admit(name: &str, admin: u64, node: u64) -> crate::DecisionOf<Test> {
	Decision::AdmitOrg {
		name: name.into(),
		admin,
		node: NewNode {
			name: format!("{name}-node").into_bytes(),
			account: node,
			peer_id: peer(node),
			encryption_key: [node as u8; 32],
			multiaddrs: vec![b"/ip4/127.0.0.1/tcp/40340".to_vec()],
		},
		session_keys: keys(node),
	}
}

fn org(name: &str) -> u32 {
	Identities::identity_by_did(format!("did:parley:org/{name}").as_bytes()).unwrap().id
}

fn node(name: &str) -> u32 {
	Identities::identity_by_did(format!("did:parley:node/{name}").as_bytes()).unwrap().id
}

/// The index of the motion opened last.
fn last_motion() -> u32 {
	pallet_collective::ProposalCount::<Test, Instance1>::get() - 1
}

fn events() -> Vec<RuntimeEvent> {
	System::events().into_iter().map(|r| r.event).collect()
}

fn governance_events() -> Vec<Event<Test>> {
	events()
		.into_iter()
		.filter_map(|e| if let RuntimeEvent::Governance(e) = e { Some(e) } else { None })
		.collect()
}

fn collective_events() -> Vec<pallet_collective::Event<Test, Instance1>> {
	events()
		.into_iter()
		.filter_map(|e| if let RuntimeEvent::Members(e) = e { Some(e) } else { None })
		.collect()
}

/// Runs blocks up to and including `n`, with the hooks the runtime runs.
fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Session::on_initialize(next);
		Governance::on_initialize(next);
	}
}

/// Runs two session rotations: a new validator set is queued at one and active at the next.
fn two_sessions() {
	let now = System::block_number();
	run_to((now / SESSION_PERIOD + 2) * SESSION_PERIOD);
}

#[test]
fn genesis_makes_each_org_a_member_with_its_validator() {
	new_test_ext().execute_with(|| {
		assert_eq!(Governance::members(), vec![1, 2, 3]);
		assert_eq!(Session::validators(), vec![11, 12, 13]);
		assert_eq!(Validators::<Test>::get(org("a")), Some(node("a-node")));
		assert_eq!(ValidatorKeys::<Test>::get(node("b-node")), Some(keys(12)));
		assert_eq!(Governance::next_validators(), vec![11, 12, 13]);
	});
}

#[test]
fn an_org_is_admitted_by_more_than_half_and_its_node_validates_once_it_sets_the_keys() {
	new_test_ext().execute_with(|| {
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		let index = last_motion();
		assert!(matches!(
			governance_events().last(),
			Some(Event::Proposed { kind: DecisionKind::AdmitOrg, threshold: 2, proposer: 1, .. })
		));
		// One aye of three is not enough.
		assert!(Identities::identity_by_did(b"did:parley:org/d").is_none());
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), index, true));
		// Two of three: passed and enacted at once.
		let org_d = org("d");
		let node_d = node("d-node");
		assert!(governance_events().contains(&Event::OrgAdmitted {
			org: org_d,
			node: node_d,
			admin: 4
		}));
		assert!(collective_events()
			.iter()
			.any(|e| matches!(e, pallet_collective::Event::Executed { result: Ok(()), .. })));
		assert_eq!(Governance::members(), vec![1, 2, 3, 4]);
		assert_eq!(Identities::active_node(&14), Some(node_d));
		assert!(Motions::<Test>::get(index).is_none(), "the motion is closed");
		// The new member votes from now on.
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(4),
			Decision::RemoveOrg { org: org("c") }
		));
		// Its node validates only once it has set the keys the members voted for.
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12, 13]);
		assert_ok!(Session::set_keys(RuntimeOrigin::signed(14), keys(14), vec![]));
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12, 13, 14]);
	});
}

#[test]
fn thresholds_are_more_than_half_and_two_thirds_for_an_upgrade() {
	assert_eq!(DecisionKind::AdmitOrg.threshold(1), 1);
	assert_eq!(DecisionKind::AdmitOrg.threshold(3), 2);
	assert_eq!(DecisionKind::AdmitOrg.threshold(4), 3);
	assert_eq!(DecisionKind::RemoveOrg.threshold(7), 4);
	assert_eq!(DecisionKind::UpgradeRuntime.threshold(1), 1);
	assert_eq!(DecisionKind::UpgradeRuntime.threshold(3), 2);
	assert_eq!(DecisionKind::UpgradeRuntime.threshold(4), 3);
	assert_eq!(DecisionKind::UpgradeRuntime.threshold(6), 4);
	assert_eq!(DecisionKind::UpgradeRuntime.threshold(7), 5);
	new_test_ext().execute_with(|| {
		// With four members, two ayes do not admit; the third does.
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), last_motion(), true));
		assert_eq!(Governance::members().len(), 4);
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("e", 5, 15)));
		let index = last_motion();
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), index, true));
		assert!(
			Identities::identity_by_did(b"did:parley:org/e").is_none(),
			"2 of 4 is not more than half"
		);
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), index, true));
		assert!(Identities::identity_by_did(b"did:parley:org/e").is_some());
		// An upgrade among five members needs four ayes (at least two thirds).
		let code_hash = <Test as frame_system::Config>::Hashing::hash(b"new runtime");
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(1),
			Decision::UpgradeRuntime { code_hash }
		));
		let index = last_motion();
		assert!(matches!(governance_events().last(), Some(Event::Proposed { threshold: 4, .. })));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), index, true));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), index, true));
		let authorized = || {
			events().contains(&RuntimeEvent::System(frame_system::Event::UpgradeAuthorized {
				code_hash,
				check_version: true,
			}))
		};
		assert!(!authorized(), "3 of 5 is not enough");
		assert_ok!(Governance::vote(RuntimeOrigin::signed(4), index, true));
		assert!(authorized(), "4 of 5 authorise the upgrade, with its version checked");
		assert!(governance_events().contains(&Event::UpgradeAuthorized { code_hash }));
	});
}

#[test]
fn enact_takes_the_members_origin_with_the_threshold_and_nothing_else() {
	new_test_ext().execute_with(|| {
		let decision = admit("d", 4, 14);
		assert_noop!(
			Governance::enact(RuntimeOrigin::signed(1), decision.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Governance::enact(RuntimeOrigin::root(), decision.clone()),
			DispatchError::BadOrigin
		);
		// A motion that passed with half of the members (as a collective proposal with a low
		// threshold would) does not carry: the origin says 2 of 4.
		let half = pallet_collective::RawOrigin::<u64, Instance1>::Members(2, 4);
		assert_noop!(Governance::enact(half.into(), decision.clone()), DispatchError::BadOrigin);
		let code_hash = <Test as frame_system::Config>::Hashing::hash(b"code");
		let upgrade = Decision::UpgradeRuntime { code_hash };
		let majority = pallet_collective::RawOrigin::<u64, Instance1>::Members(3, 5);
		assert_noop!(Governance::enact(majority.into(), upgrade.clone()), DispatchError::BadOrigin);
		let two_thirds = pallet_collective::RawOrigin::<u64, Instance1>::Members(4, 6);
		assert_ok!(Governance::enact(two_thirds.into(), upgrade));
		let more_than_half = pallet_collective::RawOrigin::<u64, Instance1>::Members(3, 5);
		assert_ok!(Governance::enact(more_than_half.into(), decision));
	});
}

#[test]
fn only_members_propose_and_vote_and_each_votes_once() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(11), admit("d", 4, 14)),
			Error::<Test>::NotAMember
		);
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		let index = last_motion();
		// A node account, or a stranger, cannot vote.
		for stranger in [11, 99] {
			assert_noop!(
				Governance::vote(RuntimeOrigin::signed(stranger), index, true),
				Error::<Test>::NotAMember
			);
		}
		// The proposer voted aye already: a second aye is a duplicate.
		assert_noop!(
			Governance::vote(RuntimeOrigin::signed(1), index, true),
			pallet_collective::Error::<Test, Instance1>::DuplicateVote
		);
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), index, false));
		assert_noop!(
			Governance::vote(RuntimeOrigin::signed(2), index, false),
			pallet_collective::Error::<Test, Instance1>::DuplicateVote
		);
		assert_noop!(
			Governance::vote(RuntimeOrigin::signed(2), 77, true),
			Error::<Test>::UnknownMotion
		);
		// The same proposal twice at once is refused by the collective.
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(3), admit("d", 4, 14)),
			pallet_collective::Error::<Test, Instance1>::DuplicateProposal
		);
	});
}

#[test]
fn a_proposal_that_cannot_be_enacted_fails_before_the_vote() {
	new_test_ext().execute_with(|| {
		let before = pallet_collective::ProposalCount::<Test, Instance1>::get();
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), Decision::RemoveOrg { org: 999 }),
			Error::<Test>::UnknownOrg
		);
		// A node is not a member org.
		assert_noop!(
			Governance::propose(
				RuntimeOrigin::signed(1),
				Decision::RemoveOrg { org: node("a-node") }
			),
			Error::<Test>::NotAMemberOrg
		);
		// Another org's node cannot become this org's validator.
		assert_noop!(
			Governance::propose(
				RuntimeOrigin::signed(1),
				Decision::ReplaceValidator {
					org: org("a"),
					node: node("b-node"),
					session_keys: keys(12)
				}
			),
			Error::<Test>::NotTheOrgsNode
		);
		assert_noop!(
			Governance::propose(
				RuntimeOrigin::signed(1),
				Decision::ReplaceValidator {
					org: org("a"),
					node: node("a-node"),
					session_keys: keys(11)
				}
			),
			Error::<Test>::AlreadyTheValidator
		);
		// A name, an admin account or a PeerId already taken fails with the identities error.
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), admit("a", 4, 14)),
			pallet_identities::Error::<Test>::NameAlreadyRegistered
		);
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), admit("d", 2, 14)),
			pallet_identities::Error::<Test>::AccountAlreadyRegistered
		);
		let mut reused_peer = admit("d", 4, 14);
		if let Decision::AdmitOrg { node, .. } = &mut reused_peer {
			node.peer_id = peer(11);
		}
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), reused_peer),
			pallet_identities::Error::<Test>::PeerIdAlreadyRegistered
		);
		assert_eq!(
			pallet_collective::ProposalCount::<Test, Instance1>::get(),
			before,
			"no motion opened"
		);
		assert!(governance_events().is_empty());
	});
}

#[test]
fn a_motion_not_decided_in_its_voting_period_expires() {
	new_test_ext().execute_with(|| {
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		let index = last_motion();
		let hash = Motions::<Test>::get(index).unwrap().hash;
		run_to(1 + VOTING_PERIOD - 1);
		assert!(Motions::<Test>::get(index).is_some(), "still open");
		run_to(1 + VOTING_PERIOD);
		assert!(governance_events().contains(&Event::Expired { index, hash }));
		assert!(collective_events()
			.contains(&pallet_collective::Event::Disapproved { proposal_hash: hash }));
		assert!(Motions::<Test>::get(index).is_none());
		assert!(Expiries::<Test>::get().is_empty());
		assert!(Identities::identity_by_did(b"did:parley:org/d").is_none(), "never enacted");
		assert_noop!(
			Governance::vote(RuntimeOrigin::signed(2), index, true),
			Error::<Test>::UnknownMotion
		);
		// Rejected outright before then: two nays of three decide it at once.
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("e", 5, 15)));
		let index = last_motion();
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), index, false));
		assert!(Motions::<Test>::get(index).is_some());
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), index, false));
		assert!(Motions::<Test>::get(index).is_none(), "rejected and closed");
		assert!(Identities::identity_by_did(b"did:parley:org/e").is_none());
	});
}

#[test]
fn a_removed_org_is_out_of_force_out_of_the_vote_and_out_of_the_validators() {
	new_test_ext().execute_with(|| {
		let c = org("c");
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), Decision::RemoveOrg { org: c }));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), last_motion(), true));
		assert!(governance_events().contains(&Event::OrgRemoved { org: c }));
		assert_eq!(Governance::members(), vec![1, 2]);
		assert_eq!(Identities::active_node(&13), None, "its node no longer pins");
		assert!(Validators::<Test>::get(c).is_none());
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12]);
		// Its admin votes no more, and its name stays taken.
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(3), admit("d", 4, 14)),
			Error::<Test>::NotAMember
		);
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), admit("c", 4, 14)),
			pallet_identities::Error::<Test>::NameAlreadyRegistered
		);
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), Decision::RemoveOrg { org: c }),
			Error::<Test>::NotAMemberOrg
		);
		// Two members: removing one needs both; the last one cannot be removed at all.
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(1),
			Decision::RemoveOrg { org: org("b") }
		));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), last_motion(), true));
		assert_eq!(Governance::members(), vec![1]);
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), Decision::RemoveOrg { org: org("a") }),
			Error::<Test>::LastMember
		);
	});
}

#[test]
fn extra_nodes_of_an_org_never_validate_and_a_replacement_hands_over_at_the_next_session() {
	new_test_ext().execute_with(|| {
		// Org a registers three more nodes, each with session keys: none becomes a validator.
		for n in 21..=23 {
			assert_ok!(Identities::register_node(
				RuntimeOrigin::signed(1),
				org("a"),
				format!("a-extra-{n}").into_bytes(),
				n,
				peer(n),
				[n as u8; 32],
				vec![],
			));
			assert_ok!(Session::set_keys(RuntimeOrigin::signed(n), keys(n), vec![]));
		}
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12, 13], "one validator per member org");
		// The members make one of them a's validator instead of a-node.
		let extra = node("a-extra-21");
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(1),
			Decision::ReplaceValidator { org: org("a"), node: extra, session_keys: keys(21) }
		));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), last_motion(), true));
		assert!(governance_events().contains(&Event::ValidatorReplaced {
			org: org("a"),
			old: Some(node("a-node")),
			new: extra
		}));
		assert_eq!(Governance::next_validators(), vec![21, 12, 13]);
		two_sessions();
		assert_eq!(Session::validators(), vec![21, 12, 13]);
		// The replaced node still pins; it just does not validate.
		assert_eq!(Identities::active_node(&11), Some(node("a-node")));
	});
}

#[test]
fn a_validator_with_keys_other_than_the_voted_ones_does_not_validate() {
	new_test_ext().execute_with(|| {
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), last_motion(), true));
		// Node d sets keys the members did not vote for.
		assert_ok!(Session::set_keys(RuntimeOrigin::signed(14), keys(99), vec![]));
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12, 13]);
		assert_ok!(Session::set_keys(RuntimeOrigin::signed(14), keys(14), vec![]));
		two_sessions();
		assert_eq!(Session::validators(), vec![11, 12, 13, 14]);
	});
}

#[test]
fn no_more_members_than_the_bound() {
	new_test_ext().execute_with(|| {
		for (i, n) in (4..=MAX_MEMBERS as u64).enumerate() {
			let name = format!("org{i}");
			assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit(&name, n, n + 10)));
			let index = last_motion();
			for voter in 2..=Governance::members().len() as u64 {
				if Motions::<Test>::get(index).is_none() {
					break;
				}
				assert_ok!(Governance::vote(RuntimeOrigin::signed(voter), index, true));
			}
		}
		assert_eq!(Governance::members().len(), MAX_MEMBERS as usize);
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), admit("one-more", 29, 30)),
			Error::<Test>::TooManyMembers
		);
	});
}

#[test]
fn a_network_of_one_decides_alone_and_sessions_rotate_here_not_in_pallet_session() {
	new_test_ext().execute_with(|| {
		for name in ["b", "c"] {
			assert_ok!(Governance::propose(
				RuntimeOrigin::signed(1),
				Decision::RemoveOrg { org: org(name) }
			));
			let index = Motions::<Test>::iter_keys().next().expect("one open motion");
			assert_ok!(Governance::vote(RuntimeOrigin::signed(3), index, true));
		}
		assert_eq!(Governance::members(), vec![1]);
		// One member: its proposal passes with its own aye.
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), admit("d", 4, 14)));
		assert_eq!(
			Identities::identity_by_did(b"did:parley:org/d").map(|i| i.kind),
			Some(IdentityKind::Org)
		);
		// pallet-session never rotates by itself, so it never claims a whole block.
		use frame_support::weights::Weight;
		assert_eq!(Session::on_initialize(SESSION_PERIOD * 10), Weight::zero());
		let index = pallet_session::CurrentIndex::<Test>::get();
		let used = Governance::on_initialize(
			System::block_number() / SESSION_PERIOD * SESSION_PERIOD + SESSION_PERIOD,
		);
		assert_eq!(pallet_session::CurrentIndex::<Test>::get(), index + 1);
		let block = <<Test as frame_system::Config>::BlockWeights as Get<
			frame_system::limits::BlockWeights,
		>>::get();
		assert!(used.all_lt(block.max_block));
		assert_eq!(
			Governance::on_initialize(SESSION_PERIOD * 10 + 1),
			<() as crate::WeightInfo>::expire_none()
		);
	});
}

#[test]
fn a_parameter_changes_by_more_than_half_and_a_refused_value_fails_before_the_vote() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Governance::propose(RuntimeOrigin::signed(1), Decision::SetParameter { parameter: 0 }),
			DispatchError::Other("parameter 0 is refused")
		);
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(1),
			Decision::SetParameter { parameter: 7 }
		));
		assert!(
			parameters().is_empty(),
			"one aye of three is not enough, and the dry run left nothing"
		);
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), last_motion(), true));
		assert_eq!(parameters(), vec![7]);
		assert!(governance_events().contains(&Event::ParameterSet));
		let half = pallet_collective::RawOrigin::<u64, Instance1>::Members(2, 4);
		assert_noop!(
			Governance::enact(half.into(), Decision::SetParameter { parameter: 8 }),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn another_partys_batch_is_skipped_by_more_than_half_and_a_refused_skip_fails_before_the_vote() {
	new_test_ext().execute_with(|| {
		assert_noop!(
			Governance::propose(
				RuntimeOrigin::signed(1),
				Decision::SkipBatch { author: 2, batch_id: [0; 16] }
			),
			DispatchError::Other("batch acknowledged")
		);
		assert_ok!(Governance::propose(
			RuntimeOrigin::signed(1),
			Decision::SkipBatch { author: 2, batch_id: [7; 16] }
		));
		assert!(governance_events().iter().any(|e| matches!(
			e,
			Event::Proposed { kind: DecisionKind::SkipBatch, threshold: 2, .. }
		)));
		assert!(skips().is_empty(), "one aye of three is not enough, and the dry run left nothing");
		assert_ok!(Governance::vote(RuntimeOrigin::signed(2), last_motion(), true));
		assert_eq!(skips(), vec![[7; 16]]);
		let half = pallet_collective::RawOrigin::<u64, Instance1>::Members(2, 4);
		assert_noop!(
			Governance::enact(half.into(), Decision::SkipBatch { author: 2, batch_id: [8; 16] }),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_views_report_members_with_their_validators_and_open_motions_with_their_votes() {
	new_test_ext().execute_with(|| {
		let members = Governance::member_views();
		assert_eq!(
			members
				.iter()
				.map(|m| (m.org_did.clone(), m.admin, m.validator_account))
				.collect::<Vec<_>>(),
			vec![
				(b"did:parley:org/a".to_vec(), 1, 11),
				(b"did:parley:org/b".to_vec(), 2, 12),
				(b"did:parley:org/c".to_vec(), 3, 13),
			]
		);
		assert_eq!(members[0].validator_did, b"did:parley:node/a-node".to_vec());
		assert!(members.iter().all(|m| m.validating && m.next_session));
		assert!(Governance::motion_views().is_empty());

		// Two motions: one with the proposer's aye and a nay, one with the proposer's aye only.
		let decision = admit("d", 4, 14);
		assert_ok!(Governance::propose(RuntimeOrigin::signed(1), decision.clone()));
		let first = last_motion();
		assert_ok!(Governance::vote(RuntimeOrigin::signed(3), first, false));
		let removal = Decision::RemoveOrg { org: org("c") };
		assert_ok!(Governance::propose(RuntimeOrigin::signed(2), removal.clone()));
		let motions = Governance::motion_views();
		assert_eq!(motions.len(), 2);
		assert_eq!(motions[0].index, first);
		assert_eq!(motions[0].kind, DecisionKind::AdmitOrg);
		assert_eq!(motions[0].decision, Some(decision));
		assert_eq!((motions[0].ayes.clone(), motions[0].nays.clone()), (vec![1], vec![3]));
		assert_eq!(motions[0].threshold, 2);
		assert_eq!(motions[0].end, 1 + VOTING_PERIOD);
		assert_eq!(motions[0].hash, Motions::<Test>::get(first).unwrap().hash);
		assert_eq!(motions[1].decision, Some(removal));
		assert_eq!((motions[1].ayes.clone(), motions[1].nays.clone()), (vec![2], vec![]));

		// A decided motion leaves the view; a removed org leaves the members.
		assert_ok!(Governance::vote(RuntimeOrigin::signed(1), last_motion(), true));
		let motions = Governance::motion_views();
		assert_eq!(motions.iter().map(|m| m.index).collect::<Vec<_>>(), vec![first]);
		let members = Governance::member_views();
		assert_eq!(members.iter().map(|m| m.admin).collect::<Vec<_>>(), vec![1, 2]);
		// A validator without the voted keys validates now but not in the next session.
		assert_ok!(Session::set_keys(RuntimeOrigin::signed(12), keys(99), vec![]));
		let b = &Governance::member_views()[1];
		assert!(b.validating && !b.next_session);
	});
}
