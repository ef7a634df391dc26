//! The batcher: groups pending messages per (namespace, author, group) into batches of up to
//! `batch_max_messages` messages, `batch_max_bytes` bytes and the chain's `MaxContexts` contexts
//! (read from the chain, so that every batch can be pinned), waiting up to `batch_timeout` for a
//! batch to fill, then seals and queues each batch (see `Store::commit_batch`). Before each cut,
//! messages waiting for a token transfer that the chain settled are let go or rejected
//! (`Store::settle_awaited_transfers`).

use crate::exchange::{Exchange, LOG};
use crate::{
	batch::{Author, BatchMessage},
	envelope,
	store::BatchPlan,
	types::{MessageKind, NodeId},
};
use codec::Encode;
use std::time::Duration;

/// Runs the batcher until the node stops.
pub(crate) async fn run(exchange: Exchange) {
	let inner = &exchange.inner;
	loop {
		// Sleep until woken by a new message (or a periodic sweep).
		let _ = tokio::time::timeout(Duration::from_secs(1), inner.send.next_messages()).await;
		// Give the batch a moment to fill.
		tokio::time::sleep(inner.config.batch_timeout).await;
		if let Err(e) = cut_batches(&exchange).await {
			log::warn!(target: LOG, "batching failed, will retry: {e}");
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	}
}

/// Cuts every message pending now into batches, and returns how many batches it cut. Messages
/// accepted while it cuts wait for the next round (after `batch_timeout`) unless there was more
/// pending than one read takes: under a steady stream, cutting again at once would make a batch
/// of each few messages that came in during the last cut, and every batch costs a pin, a
/// delivery per recipient and a release at each.
pub(crate) async fn cut_batches(
	exchange: &Exchange,
) -> Result<usize, crate::exchange::ExchangeError> {
	let inner = &exchange.inner;
	let mut cut = 0;
	let read = inner.config.batch_max_messages * 4;
	// Messages whose token transfer the chain settled go on (or are rejected) first.
	let awaited = inner.store.settle_awaited_transfers().await?;
	if awaited.rejected > 0 {
		inner.events.written();
	}
	loop {
		let plans = inner.store.pending_batches(read as i64).await?;
		if plans.is_empty() {
			return Ok(cut);
		}
		let taken: usize = plans.iter().map(|plan| plan.messages.len()).sum();
		let me = exchange.me()?;
		let limits = inner.chain.pin_limits().map_err(crate::exchange::ExchangeError::Chain)?;
		let bounds = Bounds {
			messages: inner.config.batch_max_messages,
			bytes: inner.config.batch_max_bytes,
			contexts: limits.max_contexts as usize,
		};
		for plan in plans {
			for part in split(plan, bounds) {
				let recipients: Vec<NodeId> = match (&part.kind, &part.group) {
					(MessageKind::Private, Some(group)) => {
						group.members.iter().copied().filter(|m| *m != me.id).collect()
					}
					_ => exchange
						.active_nodes()
						.iter()
						.map(|n| n.id)
						.filter(|id| *id != me.id)
						.collect(),
				};
				let batch_id: [u8; 16] = crate::store::new_uuid();
				let recipients = if inner.hooks.take_withhold(batch_id) {
					log::warn!(target: LOG, "TEST HOOK: batch {} will be pinned but never sent", hex::encode(batch_id));
					Vec::new()
				} else {
					recipients
				};
				let own_key = inner.encryption.public();
				let payload = inner
					.store
					.commit_batch(
						part,
						batch_id,
						Author { node: me.id, did: me.did.clone() },
						&recipients,
						|payload| {
							envelope::seal(&own_key, batch_id, payload.hash(), &payload.encode())
								.expect("sealing to our own valid key cannot fail")
								.encode()
						},
					)
					.await?;
				log::info!(
					target: LOG,
					"batch {} of {} message(s) sealed for {} recipient(s)",
					hex::encode(batch_id),
					payload.messages.len(),
					recipients.len()
				);
				exchange.crash_point(crate::exchange::hooks::CrashStep::Sealed, &batch_id);
				cut += 1;
			}
		}
		inner.send.operations_due();
		if taken < read {
			return Ok(cut);
		}
	}
}

/// How big one batch may be.
#[derive(Clone, Copy, Debug)]
struct Bounds {
	/// Most messages.
	messages: usize,
	/// Most bytes of message data (a single larger message still goes, alone).
	bytes: usize,
	/// Most pin contexts: the chain's `MaxContexts`.
	contexts: usize,
}

/// How many contexts `message` adds to a part whose broadcast topics so far are `topics`: one per
/// topic for a private message (each topic has its own masked nonce), one per topic not yet in
/// the part for a broadcast (its contexts are the distinct topic hashes).
fn contexts_added(kind: MessageKind, topics: &[String], message: &BatchMessage) -> usize {
	match kind {
		MessageKind::Private => message.topics.len(),
		MessageKind::Broadcast => {
			let mut new: Vec<&String> = Vec::new();
			for topic in &message.topics {
				if !topics.contains(topic) && !new.contains(&topic) {
					new.push(topic);
				}
			}
			new.len()
		}
	}
}

/// Splits a plan, keeping message order, so that no part has more than `bounds.messages`
/// messages, more than `bounds.contexts` contexts, or (past its first message) more than
/// `bounds.bytes` bytes of data.
fn split(plan: BatchPlan, bounds: Bounds) -> Vec<BatchPlan> {
	let BatchPlan { namespace, kind, group, messages, proof_of_receipt, for_sale } = plan;
	let mut parts: Vec<BatchPlan> = Vec::new();
	let (mut bytes, mut contexts) = (0usize, 0usize);
	let mut topics: Vec<String> = Vec::new();
	for message in messages {
		let size = message.data.len();
		let start_new = match parts.last() {
			None => true,
			Some(last) => {
				last.messages.len() >= bounds.messages
					|| bytes + size > bounds.bytes
					|| contexts + contexts_added(kind, &topics, &message) > bounds.contexts
			}
		};
		if start_new {
			parts.push(BatchPlan {
				namespace: namespace.clone(),
				kind,
				group: group.clone(),
				messages: Vec::new(),
				proof_of_receipt,
				for_sale,
			});
			(bytes, contexts) = (0, 0);
			topics.clear();
		}
		bytes += size;
		contexts += contexts_added(kind, &topics, &message);
		if kind == MessageKind::Broadcast {
			for topic in &message.topics {
				if !topics.contains(topic) {
					topics.push(topic.clone());
				}
			}
		}
		parts.last_mut().expect("just pushed").messages.push(message);
	}
	parts
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::batch::{Author, BatchPayload};
	use crate::types::Group;

	fn message(size: usize, topics: &[&str]) -> BatchMessage {
		BatchMessage {
			id: rand::random(),
			topics: topics.iter().map(|t| t.to_string()).collect(),
			tag: String::new(),
			data: vec![b'1'; size],
			nonces: vec![],
			created: 0,
			cid: None,
			attachments: vec![],
			transfer: None,
		}
	}

	fn plan(kind: MessageKind, messages: Vec<BatchMessage>) -> BatchPlan {
		let group = (kind == MessageKind::Private).then(|| Group {
			id: [2; 16],
			namespace: "default".into(),
			name: "g".into(),
			members: vec![1, 2],
			secret: [7; 32],
		});
		BatchPlan {
			namespace: "default".into(),
			kind,
			group,
			messages,
			proof_of_receipt: false,
			for_sale: false,
		}
	}

	fn sizes(parts: &[BatchPlan]) -> Vec<usize> {
		parts.iter().map(|p| p.messages.len()).collect()
	}

	/// The contexts the part's pin will carry, computed as the pin computes them (with nonces
	/// numbered on, as `commit_batch` spends them).
	fn pinned_contexts(part: &BatchPlan) -> usize {
		let mut payload = BatchPayload {
			batch_id: [1; 16],
			namespace: part.namespace.clone(),
			kind: part.kind,
			author: Author { node: 1, did: "did:parley:node/a".into() },
			group: part.group.clone(),
			messages: part.messages.clone(),
			proof_of_receipt: part.proof_of_receipt,
		};
		if part.kind == MessageKind::Private {
			for (n, m) in payload.messages.iter_mut().enumerate() {
				m.nonces = (0..m.topics.len() as u64).map(|t| n as u64 * 16 + t).collect();
			}
		}
		payload.contexts().len()
	}

	const WIDE: Bounds = Bounds { messages: 10_000, bytes: usize::MAX, contexts: 256 };

	#[test]
	fn plans_split_by_count_and_bytes() {
		let many = |n, size| (0..n).map(|_| message(size, &["t"])).collect::<Vec<_>>();
		let bounds = |messages, bytes| Bounds { messages, bytes, contexts: 256 };
		let split_of = |n, size, b| sizes(&split(plan(MessageKind::Broadcast, many(n, size)), b));
		assert_eq!(split_of(5, 1, bounds(2, 100)), vec![2, 2, 1]);
		assert_eq!(split_of(5, 40, bounds(10, 100)), vec![2, 2, 1]);
		// A single message over the byte bound still goes, alone.
		assert_eq!(split_of(2, 500, bounds(10, 100)), vec![1, 1]);
	}

	#[test]
	fn private_plans_split_at_the_context_bound() {
		// The burst that wedged topics: 200 two-topic messages are 400 contexts; the chain takes
		// 256, so at most 128 messages go in one batch.
		let messages: Vec<_> = (0..200).map(|_| message(100, &["t1", "t2"])).collect();
		let ids: Vec<_> = messages.iter().map(|m| m.id).collect();
		let parts = split(plan(MessageKind::Private, messages), WIDE);
		assert_eq!(sizes(&parts), vec![128, 72]);
		assert!(parts.iter().all(|p| pinned_contexts(p) <= 256));
		assert_eq!(pinned_contexts(&parts[0]), 256, "a full batch uses the bound exactly");
		// Order is kept across the parts.
		let order: Vec<_> = parts.iter().flat_map(|p| p.messages.iter().map(|m| m.id)).collect();
		assert_eq!(order, ids);
		// Five topics: 51 messages (255 contexts) per batch, never 52 (260).
		let five: Vec<_> = (0..120).map(|_| message(10, &["a", "b", "c", "d", "e"])).collect();
		let parts = split(plan(MessageKind::Private, five), WIDE);
		assert_eq!(sizes(&parts), vec![51, 51, 18]);
		assert!(parts.iter().all(|p| pinned_contexts(p) <= 256));
		// One topic: the message bound is the one that applies.
		let one: Vec<_> = (0..300).map(|_| message(10, &["a"])).collect();
		let bounds = Bounds { messages: 200, ..WIDE };
		assert_eq!(sizes(&split(plan(MessageKind::Private, one), bounds)), vec![200, 100]);
	}

	#[test]
	fn broadcast_plans_count_distinct_topics_against_the_bound() {
		// Broadcast contexts are the distinct topic hashes: many messages on few topics fit.
		let same: Vec<_> = (0..500).map(|_| message(10, &["x", "y"])).collect();
		assert_eq!(sizes(&split(plan(MessageKind::Broadcast, same), WIDE)), vec![500]);
		// Each message on two topics of its own: 128 messages make 256 distinct topics.
		let distinct: Vec<_> = (0..300)
			.map(|i| {
				let (a, b) = (format!("a{i}"), format!("b{i}"));
				message(10, &[a.as_str(), b.as_str()])
			})
			.collect();
		let parts = split(plan(MessageKind::Broadcast, distinct), WIDE);
		assert_eq!(sizes(&parts), vec![128, 128, 44]);
		assert!(parts.iter().all(|p| pinned_contexts(p) <= 256));
		// A message whose topics are partly known adds only its new ones.
		let small = Bounds { contexts: 3, ..WIDE };
		let mixed = vec![message(1, &["a", "b"]), message(1, &["b", "c"]), message(1, &["c", "d"])];
		assert_eq!(sizes(&split(plan(MessageKind::Broadcast, mixed), small)), vec![2, 1]);
	}
}
