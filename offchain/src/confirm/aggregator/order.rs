//! The matcher's order rules, apart from the store and the keys: when a verified batch must wait
//! for an earlier one, and when it may pass over nonces that will never come. The aggregator
//! (`super`) gathers what they need (the unreleased earlier pins, the nonces this node expects,
//! the contexts void for an author) and acts on the answer.

use crate::{
	batch::BatchMessage,
	store::PinRow,
	types::{Hash, NodeId},
};
use std::collections::BTreeMap;

/// A broadcast waits while an unreleased earlier pin (any author's) shares one of its contexts:
/// broadcasts on a topic are released in pin order at every node.
pub(super) fn broadcast_waits(contexts: &[Hash], earlier: &[PinRow]) -> bool {
	contexts.iter().any(|context| earlier.iter().any(|e| e.contexts.contains(context)))
}

/// The first and last nonce of each topic in a private batch, in the messages' order. Each
/// message carries one nonce per topic, and a topic's nonces run on without a gap within the
/// batch; else the batch does not hold together (the reason is given).
pub(super) fn nonce_runs(
	messages: &[BatchMessage],
) -> Result<BTreeMap<&str, (u64, u64)>, &'static str> {
	let mut runs: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
	for message in messages {
		if message.nonces.len() != message.topics.len() {
			return Err("a private message lacks a nonce per topic");
		}
		for (topic, nonce) in message.topics.iter().zip(&message.nonces) {
			match runs.get_mut(topic.as_str()) {
				Some((_, last)) if *nonce == *last + 1 => *last = *nonce,
				Some(_) => return Err("nonces within the batch are not consecutive"),
				None => {
					runs.insert(topic, (*nonce, *nonce));
				}
			}
		}
	}
	Ok(runs)
}

/// Whether a batch whose first nonce on a topic is `nonce`, where this node expects its author's
/// `expected`, may pass over the nonces between: only if every one of them is void, its masked
/// context (`context_of(n)`) being among the author's contexts voided by a batch rejected here or
/// a pin failed on-chain (`void`). Otherwise they may still come, and the batch waits.
pub(super) fn gap_is_void(
	expected: u64,
	nonce: u64,
	void: &[Hash],
	context_of: impl Fn(u64) -> Hash,
) -> bool {
	(expected..nonce).all(|missing| void.contains(&context_of(missing)))
}

/// Whether group member `member`'s next masked context (`context`, which names the member's
/// DID) is carried by one of `member`'s own unreleased earlier pins: then a later batch of another
/// member on the topic waits for it. Another node's pin that copies the context holds nothing back.
pub(super) fn member_holds_back(earlier: &[PinRow], member: NodeId, context: &Hash) -> bool {
	earlier.iter().any(|e| e.author == member && e.contexts.contains(context))
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::batch::masked_context;

	fn pin(author: NodeId, contexts: &[Hash]) -> PinRow {
		PinRow {
			batch_id: [author as u8; 16],
			block: 1,
			event_index: 0,
			namespace: "default".into(),
			author,
			batch_hash: [0; 32],
			contexts: contexts.to_vec(),
			payload_from: None,
			fetch_attempts: 0,
			next_fetch: 0,
			seen: 0,
			blocked_reported: false,
		}
	}

	fn message(topics: &[&str], nonces: &[u64]) -> BatchMessage {
		BatchMessage {
			id: [0; 16],
			topics: topics.iter().map(|t| t.to_string()).collect(),
			tag: String::new(),
			data: b"{}".to_vec(),
			nonces: nonces.to_vec(),
			created: 0,
			cid: None,
			attachments: vec![],
			transfer: None,
		}
	}

	#[test]
	fn a_broadcast_waits_only_for_an_earlier_pin_sharing_one_of_its_contexts() {
		let (claims, invoices, other) = ([1; 32], [2; 32], [3; 32]);
		assert!(!broadcast_waits(&[claims, invoices], &[]));
		assert!(!broadcast_waits(&[claims], &[pin(2, &[other])]), "another topic flows on");
		assert!(broadcast_waits(&[claims, invoices], &[pin(2, &[other]), pin(3, &[invoices])]));
	}

	#[test]
	fn a_private_batchs_nonces_run_on_per_topic_one_per_topic_of_each_message() {
		let batch = [
			message(&["claims"], &[4]),
			message(&["claims", "audit"], &[5, 0]),
			message(&["audit"], &[1]),
		];
		let runs = nonce_runs(&batch).unwrap();
		assert_eq!(runs.into_iter().collect::<Vec<_>>(), [("audit", (0, 1)), ("claims", (4, 5))]);
		// A gap, a repeat or a step back within the batch; a message short of a nonce.
		for messages in [
			vec![message(&["claims"], &[4]), message(&["claims"], &[6])],
			vec![message(&["claims"], &[4]), message(&["claims"], &[4])],
			vec![message(&["claims"], &[4]), message(&["claims"], &[3])],
			vec![message(&["claims", "audit"], &[4])],
		] {
			assert!(nonce_runs(&messages).is_err(), "{messages:?}");
		}
	}

	#[test]
	fn a_nonce_gap_is_passed_over_only_if_every_missing_nonce_is_void() {
		let secret = [7; 32];
		let author = "did:parley:node/provider";
		let context = |n| masked_context(&secret, "claims", author, n);
		// Expecting 2, the batch starts at 5: 2, 3 and 4 are missing.
		let void: Vec<Hash> = [2, 3, 4].map(context).to_vec();
		assert!(gap_is_void(2, 5, &void, context));
		assert!(!gap_is_void(2, 5, &void[..2], context), "4 may still come");
		// Another topic's (or another author's) void contexts do not count.
		let elsewhere = |n| masked_context(&secret, "audit", author, n);
		assert!(!gap_is_void(2, 5, &void, elsewhere));
		assert!(gap_is_void(5, 5, &[], context), "no gap");
	}

	#[test]
	fn only_a_members_own_earlier_pin_holds_back_its_next_context() {
		let next = masked_context(&[7; 32], "claims", "did:parley:node/insurer-a", 3);
		assert!(member_holds_back(&[pin(2, &[next])], 2, &next));
		// A rival (node 3) pinned a copy of node 2's next context: it holds nothing back.
		assert!(!member_holds_back(&[pin(3, &[next])], 2, &next));
		assert!(!member_holds_back(&[pin(2, &[[0; 32]])], 2, &next));
	}
}
