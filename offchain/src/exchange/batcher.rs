//! The batcher: groups pending messages per (namespace, author, group) into batches of up to
//! `batch_max_messages` messages and `batch_max_bytes` bytes, waiting up to `batch_timeout` for
//! a batch to fill, then seals and queues each batch (see `Store::commit_batch`).

use super::{Exchange, LOG};
use crate::{
	batch::Author,
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
		let _ = tokio::time::timeout(Duration::from_secs(1), inner.batcher_wake.notified()).await;
		// Give the batch a moment to fill.
		tokio::time::sleep(inner.config.batch_timeout).await;
		if let Err(e) = cut_batches(&exchange).await {
			log::warn!(target: LOG, "batching failed, will retry: {e}");
			tokio::time::sleep(Duration::from_secs(1)).await;
		}
	}
}

/// Cuts every pending message into batches.
pub(crate) async fn cut_batches(exchange: &Exchange) -> Result<usize, super::ExchangeError> {
	let inner = &exchange.inner;
	let mut cut = 0;
	loop {
		let plans = inner.store.pending_batches(inner.config.batch_max_messages as i64 * 4).await?;
		if plans.is_empty() {
			return Ok(cut);
		}
		let me = exchange.me()?;
		for plan in plans {
			for part in split(plan, inner.config.batch_max_messages, inner.config.batch_max_bytes) {
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
				let batch_id: [u8; 16] = rand::random();
				let recipients = if inner
					.withhold_next
					.swap(false, std::sync::atomic::Ordering::SeqCst)
				{
					log::warn!(target: LOG, "TEST HOOK: batch {} will be pinned but never sent", hex::encode(batch_id));
					inner.withheld.lock().expect("withheld lock").insert(batch_id);
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
				cut += 1;
			}
		}
		inner.outbox_wake.notify_one();
	}
}

/// Splits a plan so no part has more than `max_messages` messages or (past its first message)
/// more than `max_bytes` bytes of data.
fn split(plan: BatchPlan, max_messages: usize, max_bytes: usize) -> Vec<BatchPlan> {
	let BatchPlan { namespace, kind, group, messages } = plan;
	let mut parts: Vec<BatchPlan> = Vec::new();
	let mut bytes = 0usize;
	for message in messages {
		let size = message.data.len();
		let start_new = match parts.last() {
			None => true,
			Some(last) => last.messages.len() >= max_messages || bytes + size > max_bytes,
		};
		if start_new {
			parts.push(BatchPlan {
				namespace: namespace.clone(),
				kind,
				group: group.clone(),
				messages: Vec::new(),
			});
			bytes = 0;
		}
		bytes += size;
		parts.last_mut().expect("just pushed").messages.push(message);
	}
	parts
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::batch::BatchMessage;

	fn message(size: usize) -> BatchMessage {
		BatchMessage {
			id: rand::random(),
			topics: vec!["t".into()],
			tag: String::new(),
			data: vec![b'1'; size],
			nonces: vec![],
			created: 0,
			cid: None,
			attachments: vec![],
			transfer: None,
		}
	}

	#[test]
	fn plans_split_by_count_and_bytes() {
		let plan = |n, size| BatchPlan {
			namespace: "default".into(),
			kind: MessageKind::Broadcast,
			group: None,
			messages: (0..n).map(|_| message(size)).collect(),
		};
		let sizes =
			|parts: Vec<BatchPlan>| parts.iter().map(|p| p.messages.len()).collect::<Vec<_>>();
		assert_eq!(sizes(split(plan(5, 1), 2, 100)), vec![2, 2, 1]);
		assert_eq!(sizes(split(plan(5, 40), 10, 100)), vec![2, 2, 1]);
		// A single message over the byte bound still goes, alone.
		assert_eq!(sizes(split(plan(2, 500), 10, 100)), vec![1, 1]);
	}
}
