//! The rules by which this node answers what peers ask, without a channel or a store: who may
//! have a batch sent again, who counts as its recipient, which group announcements hold
//! together, who may read a blob, and how far a peer's word on a blob's size goes.

use super::*;
use codec::Encode;

/// Nodes 1 (this node), 2 and 3 in a group; 4 outside it.
fn group() -> Group {
	Group::new("default".into(), "claims".into(), vec![3, 1, 2], [9; 32])
}

/// The envelope a member would seal `group` in.
fn announcement(group: &Group) -> (Envelope, Vec<u8>) {
	let bytes = group.encode();
	let envelope = Envelope {
		batch_id: group.id,
		claimed_hash: crate::types::blake2_256(&bytes),
		encapped_key: vec![0; 32],
		ciphertext: vec![1],
	};
	(envelope, bytes)
}

#[test]
fn only_a_batch_this_node_authored_or_verified_is_sent_again_and_only_to_its_readers() {
	let readers: &[NodeId] = &[2, 3];
	// Neither authored nor released here (a sealed copy not matched to a pin yet): this node
	// vouches for nothing it has not verified, whoever asks.
	assert_eq!(fetch_refusal(2, false, false, Some(readers)), Some(BatchResponse::NotFound));
	assert_eq!(fetch_refusal(2, false, false, None), Some(BatchResponse::NotFound));
	// Authored or released: to its readers only; a broadcast (no readers) to anyone.
	assert_eq!(fetch_refusal(2, true, false, Some(readers)), None);
	assert_eq!(fetch_refusal(3, false, true, Some(readers)), None);
	assert_eq!(fetch_refusal(4, true, true, Some(readers)), Some(BatchResponse::NotRecipient));
	assert_eq!(fetch_refusal(4, false, true, None), None);
}

#[test]
fn the_recipients_of_an_opened_batch_are_its_groups_members_and_never_its_author() {
	let group = group();
	let private = MessageKind::Private;
	assert!(is_recipient(&private, Some(&group), 1, 2));
	assert!(!is_recipient(&private, Some(&group), 1, 4), "not a member");
	assert!(!is_recipient(&private, Some(&group), 1, 1), "its author has it");
	assert!(is_recipient(&MessageKind::Broadcast, None, 1, 4));
	assert!(!is_recipient(&MessageKind::Broadcast, None, 4, 4));
}

#[test]
fn a_group_announcement_holds_only_as_its_members_made_it() {
	let group = group();
	let (envelope, bytes) = announcement(&group);
	assert!(announcement_holds(&group, &envelope, &bytes, 1, 2));
	// This node or the sender is not in it.
	assert!(!announcement_holds(&group, &envelope, &bytes, 4, 2));
	assert!(!announcement_holds(&group, &envelope, &bytes, 1, 4));
	// A member relays it with a rival added (or one dropped) under the same id.
	let mut forged = group.clone();
	forged.members.push(4);
	let (_, forged_bytes) = announcement(&forged);
	let forged_envelope =
		Envelope { claimed_hash: crate::types::blake2_256(&forged_bytes), ..envelope.clone() };
	assert!(!announcement_holds(&forged, &forged_envelope, &forged_bytes, 1, 2));
	// The envelope names another id, or a hash that is not the group's.
	let elsewhere = Envelope { batch_id: [7; 16], ..envelope.clone() };
	assert!(!announcement_holds(&group, &elsewhere, &bytes, 1, 2));
	let misclaimed = Envelope { claimed_hash: [0; 32], ..envelope };
	assert!(!announcement_holds(&group, &misclaimed, &bytes, 1, 2));
}

/// A node found allowed to read a blob is remembered for that blob only, and when the memory is
/// full it is emptied: whatever a peer asks, it stays bounded.
#[test]
fn readers_seen_are_remembered_per_blob_and_bounded() {
	let seen = ReadersSeen::default();
	seen.remember([1; 32], 2);
	assert!(seen.knows([1; 32], 2));
	assert!(!seen.knows([1; 32], 3), "another node is checked against the store");
	assert!(!seen.knows([2; 32], 2), "another blob is checked against the store");
	for n in 0..READERS_REMEMBERED as u32 * 3 {
		seen.remember([3; 32], 100 + n);
		assert!(seen.0.lock().len() <= READERS_REMEMBERED);
	}
	assert!(!seen.knows([1; 32], 2), "the oldest is forgotten");
	assert!(seen.knows([3; 32], 99 + READERS_REMEMBERED as u32 * 3), "the newest is kept");
}

#[test]
fn a_blob_is_read_only_by_the_recipients_of_a_message_carrying_it() {
	assert!(may_read_blob(Some(&[2, 3]), 3));
	assert!(!may_read_blob(Some(&[2, 3]), 4));
	assert!(!may_read_blob(Some(&[]), 2));
	assert!(may_read_blob(None, 4), "a broadcast's blob");
}

#[test]
fn a_chunk_must_agree_with_the_attachments_size_not_the_peers() {
	// A 10-byte blob, fetched 4 bytes at a time.
	assert_eq!(check_chunk(10, 0, 4, 10, 4), Ok(()));
	assert_eq!(check_chunk(10, 8, 2, 10, 2), Ok(()));
	// The peer claims another size (larger, to make us write more; or smaller, to cut it).
	assert!(check_chunk(10, 0, 4, 1 << 40, 4).unwrap_err().contains("its attachment has 10"));
	assert!(check_chunk(10, 0, 4, 4, 4).is_err());
	// More than asked for, or past the end; or nothing at all.
	assert!(check_chunk(10, 0, 4, 10, 5).is_err());
	assert!(check_chunk(10, 8, 4, 10, 3).is_err());
	assert!(check_chunk(10, 0, 4, 10, 0).is_err());
}
