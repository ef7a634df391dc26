//! Unit tests of every pins call and every error it can return.

use crate::{mock::*, pallet::*, Error};
use frame_support::{assert_noop, assert_ok};
use pallet_identities::IdentityId;
use sp_core::H256;

/// The node identity of account `NODE` ("dev").
const DEV: IdentityId = 2;
/// The node identity of account `OTHER_NODE`, a rival's.
const RIVAL: IdentityId = 3;

fn pin(who: u64, ns: &[u8], id: u8, hash: u8) -> frame_support::dispatch::DispatchResult {
	Pins::pin_batch(
		RuntimeOrigin::signed(who),
		ns.to_vec(),
		[id; 16],
		H256::repeat_byte(hash),
		vec![],
		vec![H256::repeat_byte(0xC0)],
	)
}

#[test]
fn a_node_pins_and_everyone_sees_the_event() {
	new_test_ext().execute_with(|| {
		assert_ok!(Pins::pin_batch(
			RuntimeOrigin::signed(NODE),
			b"default".to_vec(),
			[7; 16],
			H256::repeat_byte(1),
			b"ipfs://x".to_vec(),
			vec![H256::repeat_byte(2), H256::repeat_byte(3)],
		));
		System::assert_last_event(
			Event::BatchPinned {
				namespace: b"default".to_vec(),
				sequence: 0,
				author_node: 2,
				batch_id: [7; 16],
				batch_hash: H256::repeat_byte(1),
				payload_ref: b"ipfs://x".to_vec(),
				contexts: vec![H256::repeat_byte(2), H256::repeat_byte(3)],
			}
			.into(),
		);
		let record = Pins::pin_of(DEV, [7; 16]).unwrap();
		assert_eq!((record.sequence, record.author_node, record.block), (0, 2, 1));
		assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(1)), Some([7; 16]));
		assert_eq!(
			AuthorBatches::<Test>::get(DEV, [7; 16]),
			Some(record),
			"keyed by author and id"
		);
		assert_eq!(Pins::pin_of(RIVAL, [7; 16]), None);
	});
}

#[test]
fn sequence_increases_strictly_within_each_namespace() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_ok!(pin(OTHER_NODE, b"default", 2, 2));
		assert_ok!(pin(NODE, b"claims", 3, 3));
		assert_ok!(pin(NODE, b"default", 4, 4));
		let seq = |id: u8| {
			AuthorBatches::<Test>::iter()
				.find(|(_, batch, _)| *batch == [id; 16])
				.unwrap()
				.2
				.sequence
		};
		assert_eq!((seq(1), seq(2), seq(3), seq(4)), (0, 1, 0, 2));
		assert_eq!(
			NextSequence::<Test>::get(NamespaceOf::<Test>::try_from(b"default".to_vec()).unwrap()),
			3
		);
	});
}

#[test]
fn only_a_node_in_force_may_pin() {
	new_test_ext().execute_with(|| {
		assert_noop!(pin(STRANGER, b"default", 1, 1), Error::<Test>::NotARegisteredNode);
		// An org's admin account is not a node.
		assert_noop!(pin(ORG, b"default", 1, 1), Error::<Test>::NotARegisteredNode);
		assert_ok!(Identities::deactivate(RuntimeOrigin::root(), 2));
		assert_noop!(pin(NODE, b"default", 1, 1), Error::<Test>::NotARegisteredNode);
	});
}

#[test]
fn each_node_pins_an_id_and_a_hash_once() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_noop!(pin(NODE, b"other", 1, 3), Error::<Test>::BatchAlreadyPinned);
		assert_noop!(pin(NODE, b"default", 2, 1), Error::<Test>::BatchHashAlreadyPinned);
	});
}

#[test]
fn a_copied_pin_never_takes_the_authors_place() {
	new_test_ext().execute_with(|| {
		// A rival copies the author's pending pin (its id, hash and contexts) and gets it into
		// a block first.
		assert_ok!(pin(OTHER_NODE, b"default", 1, 1));
		// The author's pin still goes through: a batch is its author's.
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_eq!(Pins::pin_of(DEV, [1; 16]).unwrap().author_node, DEV);
		assert_eq!(Pins::pin_of(RIVAL, [1; 16]).unwrap().author_node, RIVAL);
		assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(1)), Some([1; 16]));
		// A copy of the hash under another id does not block the author either.
		assert_ok!(pin(OTHER_NODE, b"default", 5, 2));
		assert_ok!(pin(NODE, b"default", 6, 2));
		assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(2)), Some([6; 16]));
		assert_eq!(Pins::batch_by_hash(RIVAL, H256::repeat_byte(2)), Some([5; 16]));
		// The copier cannot acknowledge the content it copied, under either pin.
		let hash = H256::repeat_byte(1);
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, hash),
			Error::<Test>::OwnBatch
		);
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), RIVAL, hash),
			Error::<Test>::OwnBatch
		);
		// Skipping its copy skips its own pin, never the author's, whose batch stays open.
		System::set_block_number(60);
		assert_ok!(Pins::skip_batch(RuntimeOrigin::signed(OTHER_NODE), [1; 16]));
		assert_eq!(Pins::skipped(RIVAL, [1; 16]), Some(RIVAL));
		assert_eq!(Pins::skipped(DEV, [1; 16]), None);
		assert_noop!(Pins::skip_by_vote(RIVAL, [1; 16]), Error::<Test>::AlreadySkipped);
		assert_ok!(Pins::skip_by_vote(DEV, [6; 16]));
		assert_eq!(Pins::skipped(RIVAL, [5; 16]), None, "the copy of that hash is not skipped");
	});
}

#[test]
fn bounds_fail_with_named_errors() {
	new_test_ext().execute_with(|| {
		assert_noop!(pin(NODE, &[b'a'; 65], 1, 1), Error::<Test>::NamespaceTooLong);
		assert_noop!(pin(NODE, b"", 1, 1), Error::<Test>::InvalidNamespace);
		assert_noop!(pin(NODE, b"a/b", 1, 1), Error::<Test>::InvalidNamespace);
		assert_noop!(
			Pins::pin_batch(
				RuntimeOrigin::signed(NODE),
				b"default".to_vec(),
				[1; 16],
				H256::zero(),
				vec![0; 257],
				vec![],
			),
			Error::<Test>::PayloadRefTooLong
		);
		assert_noop!(
			Pins::pin_batch(
				RuntimeOrigin::signed(NODE),
				b"default".to_vec(),
				[1; 16],
				H256::zero(),
				vec![],
				vec![H256::zero(); 9],
			),
			Error::<Test>::TooManyContexts
		);
		// Exactly at the bounds is fine.
		assert_ok!(Pins::pin_batch(
			RuntimeOrigin::signed(NODE),
			vec![b'a'; 64],
			[1; 16],
			H256::zero(),
			vec![0; 256],
			vec![H256::zero(); 8],
		));
	});
}

#[test]
fn limits_report_the_bounds_pin_batch_enforces() {
	new_test_ext().execute_with(|| {
		let limits = Pins::limits();
		assert_eq!(
			limits,
			crate::PinLimits {
				max_contexts: 8,
				max_namespace_len: 64,
				max_payload_ref_len: 256,
				skip_after: 5
			}
		);
		// A pin at the reported bounds is accepted; one context more is refused.
		let namespace = vec![b'a'; limits.max_namespace_len as usize];
		let contexts = |n: u32| (0..n).map(|i| H256::repeat_byte(i as u8)).collect::<Vec<_>>();
		assert_noop!(
			Pins::pin_batch(
				RuntimeOrigin::signed(NODE),
				namespace.clone(),
				[1; 16],
				H256::zero(),
				vec![],
				contexts(limits.max_contexts + 1),
			),
			Error::<Test>::TooManyContexts
		);
		assert_ok!(Pins::pin_batch(
			RuntimeOrigin::signed(NODE),
			namespace,
			[1; 16],
			H256::zero(),
			vec![0; limits.max_payload_ref_len as usize],
			contexts(limits.max_contexts),
		));
	});
}

#[test]
fn nodes_acknowledge_a_batch_once() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		let hash = H256::repeat_byte(1);
		assert_ok!(Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, hash));
		System::assert_last_event(Event::BatchAcknowledged { batch_hash: hash, node: 3 }.into());
		assert!(Pins::is_acknowledged(hash, 3));
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, hash),
			Error::<Test>::AlreadyAcknowledged
		);
	});
}

#[test]
fn acknowledge_errors() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		let hash = H256::repeat_byte(1);
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(STRANGER), DEV, hash),
			Error::<Test>::NotARegisteredNode
		);
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, H256::repeat_byte(9)),
			Error::<Test>::UnknownBatch
		);
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(NODE), DEV, hash),
			Error::<Test>::OwnBatch
		);
	});
}

// `ValidateUnsigned` is deprecated (see lib.rs); the pallet still implements it.
#[allow(deprecated)]
mod offchain_acknowledgements {
	use super::*;
	use crate::AckPayload;
	use codec::Encode;
	use frame_support::pallet_prelude::{InvalidTransaction, TransactionSource, ValidateUnsigned};
	use sp_runtime::testing::{TestSignature, UintAuthorityId};

	type Ack = AckPayload<UintAuthorityId, H256>;

	/// `node`'s acknowledgement of `hash` for this chain, valid for 10 blocks, as changed by
	/// `change` before it is signed.
	fn ack_with(node: u64, hash: H256, change: impl FnOnce(&mut Ack)) -> (Ack, TestSignature) {
		let mut payload = AckPayload {
			domain: crate::ACK_DOMAIN,
			genesis: System::block_hash(0),
			author: DEV,
			batch_hash: hash,
			expires: System::block_number() as u32 + 10,
			public: UintAuthorityId(node),
		};
		change(&mut payload);
		let signature = TestSignature(node, payload.encode());
		(payload, signature)
	}

	fn ack(node: u64, hash: H256) -> (Ack, TestSignature) {
		ack_with(node, hash, |_| {})
	}

	fn validate(ack: Ack, signature: TestSignature) -> Result<(), InvalidTransaction> {
		Pins::validate_unsigned(
			TransactionSource::Local,
			&crate::Call::submit_acknowledgement { ack, signature },
		)
		.map(|_| ())
		.map_err(|e| match e {
			sp_runtime::transaction_validity::TransactionValidityError::Invalid(i) => i,
			other => panic!("unexpected {other:?}"),
		})
	}

	#[test]
	fn a_signed_acknowledgement_cannot_be_replayed_elsewhere_or_later() {
		new_test_ext().execute_with(|| {
			assert_ok!(pin(NODE, b"default", 1, 1));
			let hash = H256::repeat_byte(1);
			// Signed for another chain, or as another kind of message: not an acknowledgement.
			let (payload, signature) =
				ack_with(OTHER_NODE, hash, |p| p.genesis = H256::repeat_byte(7));
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::BadProof));
			let (payload, signature) = ack_with(OTHER_NODE, hash, |p| p.domain = *b"prly/rcp");
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::BadProof));
			// A lifetime longer than the chain allows, kept for later: refused.
			let (payload, signature) =
				ack_with(OTHER_NODE, hash, |p| p.expires = 1 + crate::ACK_LIFETIME + 1);
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::BadProof));
			// A valid one held back past its expiry: stale, in the pool and in a block.
			let (payload, signature) = ack(OTHER_NODE, hash);
			assert_eq!(validate(payload.clone(), signature.clone()), Ok(()));
			System::set_block_number(12);
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::Stale));
			assert!(!Pins::is_acknowledged(hash, 3));
		});
	}

	#[test]
	fn an_acknowledgement_of_a_skipped_batch_does_not_enter_the_pool() {
		new_test_ext().execute_with(|| {
			assert_ok!(pin(NODE, b"default", 1, 1));
			System::set_block_number(6);
			assert_ok!(Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]));
			let (payload, signature) = ack(OTHER_NODE, H256::repeat_byte(1));
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::Stale));
		});
	}

	#[test]
	fn a_node_signed_acknowledgement_is_valid_and_recorded() {
		new_test_ext().execute_with(|| {
			assert_ok!(pin(NODE, b"default", 1, 1));
			let hash = H256::repeat_byte(1);
			let (payload, signature) = ack(OTHER_NODE, hash);
			assert_eq!(validate(payload.clone(), signature.clone()), Ok(()));
			assert_ok!(Pins::submit_acknowledgement(
				RuntimeOrigin::none(),
				payload.clone(),
				signature.clone()
			));
			System::assert_last_event(
				Event::BatchAcknowledged { batch_hash: hash, node: 3 }.into(),
			);
			// Once recorded, the same acknowledgement is stale.
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::Stale));
		});
	}

	#[test]
	fn bad_acknowledgements_are_refused_before_the_pool() {
		new_test_ext().execute_with(|| {
			assert_ok!(pin(NODE, b"default", 1, 1));
			let hash = H256::repeat_byte(1);
			let (payload, _) = ack(OTHER_NODE, hash);
			let forged = TestSignature(OTHER_NODE, b"something else".to_vec());
			assert_eq!(validate(payload, forged), Err(InvalidTransaction::BadProof));
			let (payload, signature) = ack(STRANGER, hash);
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::BadSigner));
			let (payload, signature) = ack(NODE, hash);
			assert_eq!(validate(payload, signature), Err(InvalidTransaction::Stale), "own batch");
			let (payload, signature) = ack(OTHER_NODE, H256::repeat_byte(9));
			assert_eq!(
				validate(payload, signature),
				Err(InvalidTransaction::Stale),
				"unknown batch"
			);
			let (payload, signature) = ack(OTHER_NODE, hash);
			assert_noop!(
				Pins::submit_acknowledgement(RuntimeOrigin::signed(OTHER_NODE), payload, signature),
				sp_runtime::DispatchError::BadOrigin
			);
		});
	}
}

#[test]
fn a_stale_batch_is_skipped_once_by_its_author() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]),
			Error::<Test>::TooEarlyToSkip
		);
		System::set_block_number(6);
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(STRANGER), [1; 16]),
			Error::<Test>::NotARegisteredNode
		);
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(NODE), [9; 16]),
			Error::<Test>::UnknownBatch
		);
		assert_ok!(Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]));
		System::assert_last_event(
			Event::BatchSkipped { batch_id: [1; 16], batch_hash: H256::repeat_byte(1), node: 2 }
				.into(),
		);
		assert_eq!(SkippedBatches::<Test>::get(DEV, [1; 16]), Some(2));
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]),
			Error::<Test>::AlreadySkipped
		);
	});
}

#[test]
fn a_rival_cannot_skip_another_nodes_batch_alone() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		System::set_block_number(60);
		// A recipient that would rather the batch were never seen: its skip names a batch of its
		// own, which does not exist, and nothing changes.
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(OTHER_NODE), [1; 16]),
			Error::<Test>::UnknownBatch
		);
		assert_eq!(Pins::skipped(DEV, [1; 16]), None);
		// The batch is still open: the recipient can acknowledge it.
		assert_ok!(Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, H256::repeat_byte(1)));
	});
}

#[test]
fn an_acknowledged_batch_cannot_be_skipped_by_anyone() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_ok!(Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, H256::repeat_byte(1)));
		System::set_block_number(60);
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]),
			Error::<Test>::BatchAcknowledged
		);
		assert_noop!(Pins::skip_by_vote(DEV, [1; 16]), Error::<Test>::BatchAcknowledged);
		assert_eq!(Pins::skipped(DEV, [1; 16]), None);
	});
}

#[test]
fn a_skipped_batch_cannot_be_acknowledged() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		System::set_block_number(6);
		assert_ok!(Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]));
		assert_noop!(
			Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, H256::repeat_byte(1)),
			Error::<Test>::AlreadySkipped
		);
	});
}

#[test]
fn the_members_vote_skips_a_batch_with_the_same_rules() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		assert_noop!(Pins::skip_by_vote(DEV, [1; 16]), Error::<Test>::TooEarlyToSkip);
		System::set_block_number(6);
		assert_noop!(Pins::skip_by_vote(DEV, [9; 16]), Error::<Test>::UnknownBatch);
		// Not the rival's batch: it has no pin of that id.
		assert_noop!(Pins::skip_by_vote(RIVAL, [1; 16]), Error::<Test>::UnknownBatch);
		assert_ok!(Pins::skip_by_vote(DEV, [1; 16]));
		System::assert_last_event(
			Event::BatchSkippedByVote {
				batch_id: [1; 16],
				batch_hash: H256::repeat_byte(1),
				author_node: 2,
			}
			.into(),
		);
		assert_eq!(Pins::skipped(DEV, [1; 16]), Some(2), "recorded for its author");
		assert_noop!(Pins::skip_by_vote(DEV, [1; 16]), Error::<Test>::AlreadySkipped);
		assert_noop!(
			Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]),
			Error::<Test>::AlreadySkipped
		);
	});
}

#[test]
fn the_v1_migration_moves_batch_hash_keys_to_blake2_once() {
	use crate::migrations::{
		v1::{v0, MigrateToV1},
		v2::v1::BatchByHash,
	};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		// A chain at version 0, with entries in the old layout.
		StorageVersion::new(0).put::<Pins>();
		let (a, b) = (H256::repeat_byte(1), H256::repeat_byte(2));
		v0::BatchByHash::<Test>::insert(a, [1; 16]);
		v0::BatchByHash::<Test>::insert(b, [2; 16]);
		v0::Acknowledgements::<Test>::insert(a, 7, 3u64);
		v0::Acknowledgements::<Test>::insert(b, 8, 4u64);
		assert_eq!(BatchByHash::<Test>::get(a), None, "the new layout does not read old keys");
		// With try-runtime, the migration's own checks run around it.
		#[cfg(feature = "try-runtime")]
		MigrateToV1::<Test>::try_on_runtime_upgrade(true)
			.expect("pre- and post-upgrade checks hold");
		#[cfg(not(feature = "try-runtime"))]
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Pins::on_chain_storage_version(), 1);
		assert_eq!(BatchByHash::<Test>::get(a), Some([1; 16]));
		assert_eq!(BatchByHash::<Test>::get(b), Some([2; 16]));
		assert_eq!(Acknowledgements::<Test>::get(a, 7), Some(3));
		assert_eq!(Acknowledgements::<Test>::get(b, 8), Some(4));
		assert!(Pins::is_acknowledged(a, 7));
		// The old keys are gone.
		for key in [
			v0::BatchByHash::<Test>::hashed_key_for(a),
			v0::Acknowledgements::<Test>::hashed_key_for(a, 7),
		] {
			assert!(!frame_support::storage::unhashed::exists(&key));
		}
		// At version 1, running it again changes nothing.
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(BatchByHash::<Test>::iter().count(), 2);
		assert_eq!(Acknowledgements::<Test>::iter().count(), 2);
	});
}

#[test]
fn the_v2_migration_keys_pins_hashes_and_skips_by_author() {
	use crate::migrations::v2::{v1, MigrateToV2};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		// A chain at version 1, with two pins (one skipped) in the old layout.
		StorageVersion::new(1).put::<Pins>();
		let record = |author: IdentityId, hash: u8| PinRecord::<Test> {
			namespace: b"default".to_vec().try_into().unwrap(),
			sequence: hash as u64,
			author_node: author,
			batch_hash: H256::repeat_byte(hash),
			block: 1,
		};
		v1::Batches::<Test>::insert([1; 16], record(DEV, 1));
		v1::Batches::<Test>::insert([2; 16], record(RIVAL, 2));
		v1::BatchByHash::<Test>::insert(H256::repeat_byte(1), [1; 16]);
		v1::BatchByHash::<Test>::insert(H256::repeat_byte(2), [2; 16]);
		v1::Skipped::<Test>::insert([2; 16], RIVAL);
		#[cfg(feature = "try-runtime")]
		MigrateToV2::<Test>::try_on_runtime_upgrade(true)
			.expect("pre- and post-upgrade checks hold");
		#[cfg(not(feature = "try-runtime"))]
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Pins::on_chain_storage_version(), 2);
		assert_eq!(Pins::pin_of(DEV, [1; 16]), Some(record(DEV, 1)));
		assert_eq!(Pins::pin_of(RIVAL, [2; 16]), Some(record(RIVAL, 2)));
		assert_eq!(Pins::pin_of(DEV, [2; 16]), None, "only under its author");
		assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(1)), Some([1; 16]));
		assert_eq!(Pins::batch_by_hash(RIVAL, H256::repeat_byte(2)), Some([2; 16]));
		assert_eq!(Pins::skipped(RIVAL, [2; 16]), Some(RIVAL));
		assert_eq!(Pins::skipped(DEV, [1; 16]), None);
		// Both joined the log of pins to forget, in the order they were made.
		assert_eq!(PinLogBounds::<Test>::get(), (0, 2));
		assert_eq!(PinLog::<Test>::get(0), Some((1, DEV, [1; 16])));
		assert_eq!(PinLog::<Test>::get(1), Some((1, RIVAL, [2; 16])));
		for key in [
			v1::Batches::<Test>::hashed_key_for([1; 16]),
			v1::BatchByHash::<Test>::hashed_key_for(H256::repeat_byte(1)),
			v1::Skipped::<Test>::hashed_key_for([2; 16]),
		] {
			assert!(!frame_support::storage::unhashed::exists(&key), "old keys are gone");
		}
		// The migrated pins follow the new rules: the rival's id is free for the author.
		assert_ok!(pin(NODE, b"default", 2, 9));
		// At version 2, running it again changes nothing.
		MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(AuthorBatches::<Test>::iter().count(), 3);
		assert_eq!(PinnedHashes::<Test>::iter().count(), 3);
		assert_eq!(SkippedBatches::<Test>::iter().count(), 1);
		assert_eq!(v1::Batches::<Test>::iter().count(), 0);
	});
}

mod retention {
	use super::*;
	use frame_support::{traits::Hooks, weights::Weight};

	fn idle(now: u64, limit: Weight) -> Weight {
		<Pins as Hooks<u64>>::on_idle(now, limit)
	}

	#[test]
	fn pins_older_than_the_window_are_forgotten_in_idle_time() {
		new_test_ext().execute_with(|| {
			// Block 1: a pin, acknowledged; block 3: another, skipped by its author at 10.
			assert_ok!(pin(NODE, b"default", 1, 1));
			assert_ok!(Pins::acknowledge(
				RuntimeOrigin::signed(OTHER_NODE),
				DEV,
				H256::repeat_byte(1)
			));
			System::set_block_number(3);
			assert_ok!(pin(NODE, b"default", 2, 2));
			System::set_block_number(10);
			assert_ok!(Pins::skip_batch(RuntimeOrigin::signed(NODE), [2; 16]));
			// Within the window (kept 50 blocks: through block 50): everything stays.
			idle(50, Weight::MAX);
			assert!(Pins::pin_of(DEV, [1; 16]).is_some());
			// Past it: the first pin goes, with its hash and acknowledgement; the second stays.
			idle(51, Weight::MAX);
			assert_eq!(Pins::pin_of(DEV, [1; 16]), None);
			assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(1)), None);
			assert!(!Pins::is_acknowledged(H256::repeat_byte(1), RIVAL));
			assert!(Pins::pin_of(DEV, [2; 16]).is_some());
			assert_eq!(Pins::skipped(DEV, [2; 16]), Some(DEV));
			// Then the second, with its skip; the log is empty.
			idle(52, Weight::MAX);
			assert!(Pins::pin_of(DEV, [2; 16]).is_some());
			idle(53, Weight::MAX);
			assert_eq!(Pins::pin_of(DEV, [2; 16]), None);
			assert_eq!(Pins::skipped(DEV, [2; 16]), None);
			assert_eq!(PinLog::<Test>::iter().count(), 0);
			assert_eq!(PinLogBounds::<Test>::get(), (2, 2));
			assert_eq!(AuthorBatches::<Test>::iter().count(), 0);
			assert_eq!(PinnedHashes::<Test>::iter().count(), 0);
			assert_eq!(SkippedBatches::<Test>::iter().count(), 0);
			assert_eq!(Acknowledgements::<Test>::iter().count(), 0);
			// A forgotten batch can no longer be acknowledged nor skipped on-chain.
			assert_noop!(
				Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, H256::repeat_byte(1)),
				Error::<Test>::UnknownBatch
			);
			assert_noop!(
				Pins::skip_batch(RuntimeOrigin::signed(NODE), [1; 16]),
				Error::<Test>::UnknownBatch
			);
		});
	}

	#[test]
	fn forgetting_keeps_to_the_weight_the_block_has_left() {
		new_test_ext().execute_with(|| {
			for id in 1..=3 {
				assert_ok!(pin(NODE, b"default", id, id));
			}
			let bounds = <Test as frame_system::Config>::DbWeight::get().reads_writes(1, 1);
			let one = Pins::forget_one_weight().saturating_add(bounds);
			// Not even one pin's worth: nothing is done, and nothing is charged.
			assert_eq!(idle(100, one.saturating_sub(Weight::from_parts(1, 0))), Weight::zero());
			assert_eq!(AuthorBatches::<Test>::iter().count(), 3);
			// One pin's worth: one pin goes, and no more weight than allowed is used.
			let used = idle(100, one);
			assert!(used.all_lte(one), "{used:?} within {one:?}");
			assert_ne!(used, Weight::zero());
			assert_eq!(AuthorBatches::<Test>::iter().count(), 2);
			assert_eq!(Pins::pin_of(DEV, [1; 16]), None, "the oldest first");
			// With room, the rest.
			idle(100, Weight::MAX);
			assert_eq!(AuthorBatches::<Test>::iter().count(), 0);
		});
	}

	#[test]
	fn a_hashs_acknowledgements_go_with_its_last_pin() {
		new_test_ext().execute_with(|| {
			let hash = H256::repeat_byte(1);
			assert_ok!(pin(NODE, b"default", 1, 1));
			assert_ok!(Pins::acknowledge(RuntimeOrigin::signed(OTHER_NODE), DEV, hash));
			// A later pin of the same hash by another node (a copy) keeps the hash pinned.
			System::set_block_number(20);
			assert_ok!(pin(OTHER_NODE, b"default", 1, 1));
			idle(60, Weight::MAX);
			assert_eq!(Pins::pin_of(DEV, [1; 16]), None);
			assert!(Pins::is_acknowledged(hash, RIVAL), "kept while a pin of its hash is");
			idle(71, Weight::MAX);
			assert_eq!(Pins::pin_of(RIVAL, [1; 16]), None);
			assert!(!Pins::is_acknowledged(hash, RIVAL));
		});
	}
}

/// A [`crate::BatchPin`] in the default namespace, with one context.
fn batch_pin(ns: &[u8], id: u8, hash: u8) -> crate::BatchPin {
	crate::BatchPin {
		namespace: ns.to_vec(),
		batch_id: [id; 16],
		batch_hash: H256::repeat_byte(hash),
		payload_ref: vec![],
		contexts: vec![H256::repeat_byte(0xC0 + id)],
	}
}

fn pinned_ids() -> Vec<([u8; 16], u64)> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Pins(Event::BatchPinned { batch_id, sequence, .. }) => {
				Some((batch_id, sequence))
			}
			_ => None,
		})
		.collect()
}

#[test]
fn pin_batches_pins_in_the_order_given_and_passes_over_what_landed_already() {
	new_test_ext().execute_with(|| {
		// Pin 1 landed already (from an earlier submission); 1, 2, 3 are named again at once.
		assert_ok!(pin(NODE, b"default", 1, 1));
		let pins = vec![
			crate::BatchPin {
				contexts: vec![H256::repeat_byte(0xC0)],
				..batch_pin(b"default", 1, 1)
			},
			batch_pin(b"default", 2, 2),
			batch_pin(b"default", 3, 3),
		];
		let all = Pins::pin_batches_weight(&pins);
		let info = Pins::pin_batches(RuntimeOrigin::signed(NODE), pins).unwrap();
		assert_eq!(
			pinned_ids(),
			vec![([1; 16], 0), ([2; 16], 1), ([3; 16], 2)],
			"1 once, then 2 and 3 in the order given"
		);
		assert_eq!(Pins::pin_of(DEV, [3; 16]).unwrap().sequence, 2);
		// The pin passed over is refunded.
		let used = info.actual_weight.unwrap();
		assert!(used.ref_time() < all.ref_time(), "{used:?} < {all:?}");
		assert!(!System::events()
			.iter()
			.any(|r| matches!(r.event, RuntimeEvent::Pins(Event::PinRefused { .. }))));
	});
}

#[test]
fn pin_batches_refuses_a_bad_pin_and_keeps_the_others() {
	new_test_ext().execute_with(|| {
		let bad =
			crate::BatchPin { contexts: vec![H256::zero(); 300], ..batch_pin(b"default", 2, 2) };
		assert_ok!(Pins::pin_batches(
			RuntimeOrigin::signed(NODE),
			vec![
				batch_pin(b"default", 1, 1),
				bad.clone(),
				batch_pin(b"bad ns", 3, 3),
				batch_pin(b"default", 4, 4)
			],
		));
		assert_eq!(
			pinned_ids(),
			vec![([1; 16], 0), ([4; 16], 1)],
			"the refused ones take no sequence"
		);
		let refused: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Pins(Event::PinRefused {
					signer,
					batch_id,
					batch_hash,
					contexts,
					error,
				}) => Some((signer, batch_id, batch_hash, contexts.len(), error)),
				_ => None,
			})
			.collect();
		assert_eq!(
			refused,
			vec![
				(NODE, [2; 16], H256::repeat_byte(2), 300, Error::<Test>::TooManyContexts.into()),
				(NODE, [3; 16], H256::repeat_byte(3), 1, Error::<Test>::InvalidNamespace.into()),
			]
		);
		assert_eq!(Pins::pin_of(DEV, [2; 16]), None, "nothing of a refused pin is kept");
		assert_eq!(Pins::batch_by_hash(DEV, H256::repeat_byte(2)), None);
		// Refused, it can be pinned later, once right.
		assert_ok!(pin(NODE, b"default", 2, 2));
	});
}

#[test]
fn pin_batches_is_for_nodes_in_force_and_bounded() {
	new_test_ext().execute_with(|| {
		let one = vec![batch_pin(b"default", 1, 1)];
		assert_noop!(
			Pins::pin_batches(RuntimeOrigin::signed(STRANGER), one.clone()),
			Error::<Test>::NotARegisteredNode
		);
		assert_noop!(
			Pins::pin_batches(RuntimeOrigin::signed(ORG), one),
			Error::<Test>::NotARegisteredNode
		);
		let many: Vec<_> = (0..=crate::MAX_PINS_PER_CALL)
			.map(|i| batch_pin(b"default", i as u8, i as u8))
			.collect();
		assert_noop!(
			Pins::pin_batches(RuntimeOrigin::signed(NODE), many),
			Error::<Test>::TooManyPins
		);
		assert_ok!(Pins::pin_batches(RuntimeOrigin::signed(NODE), vec![]));
	});
}

#[test]
fn a_rival_naming_the_authors_pins_in_pin_batches_makes_only_pins_of_its_own() {
	new_test_ext().execute_with(|| {
		assert_ok!(pin(NODE, b"default", 1, 1));
		// The rival copies the author's pin and a pending one: it is not passed over (it is not
		// the rival's) and becomes the rival's own pins, never the author's.
		assert_ok!(Pins::pin_batches(
			RuntimeOrigin::signed(OTHER_NODE),
			vec![
				crate::BatchPin {
					contexts: vec![H256::repeat_byte(0xC0)],
					..batch_pin(b"default", 1, 1)
				},
				batch_pin(b"default", 2, 2)
			],
		));
		assert_eq!(Pins::pin_of(RIVAL, [1; 16]).unwrap().author_node, RIVAL);
		assert_eq!(Pins::pin_of(DEV, [1; 16]).unwrap().sequence, 0, "the author's pin stands");
		assert_eq!(Pins::pin_of(DEV, [2; 16]), None);
		// The author's own pin of 2 still goes through.
		assert_ok!(Pins::pin_batches(
			RuntimeOrigin::signed(NODE),
			vec![batch_pin(b"default", 2, 2)]
		));
		assert_eq!(Pins::pin_of(DEV, [2; 16]).unwrap().author_node, DEV);
	});
}
