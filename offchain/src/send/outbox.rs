//! The outbox: runs this node's due operations until each succeeds, each a database row, so
//! that nothing is lost across restarts:
//! - `deliver`: open this node's own sealed copy of the batch, seal it to the recipient's X25519
//!   key (as registered on-chain), send it, and check and store the signed receipt;
//! - `pin`: hand the batch's pin to the pin room ([`crate::pin`]), which keeps this node's pins
//!   in order on-chain;
//! - `announce_group`: send the group, sealed, to a member.
//!
//! A failure is retried with exponential backoff (`retry_base`·2ⁿ, at most `retry_max`); a
//! recipient that is offline gets its batches when it comes back (store-and-forward), also across
//! restarts of this node. Deliveries run concurrently, pins one at a time.

use crate::{
	channel::protocol::{BatchRequest, BatchResponse},
	envelope::{self, Envelope},
	exchange::{Exchange, LOG},
	pin::{pin, pin_together, settle, PinOrder},
	store::{OutboxKind, OutboxOp},
	types::now_ms,
};
use codec::{DecodeAll, Encode};
use std::{collections::HashSet, time::Duration};
use tokio::task::JoinSet;

/// Most deliveries in flight at once.
const MAX_IN_FLIGHT: usize = 16;

/// Runs the outbox until the node stops.
pub(crate) async fn run(exchange: Exchange) {
	let inner = &exchange.inner;
	let mut in_flight: JoinSet<String> = JoinSet::new();
	let mut running: HashSet<String> = HashSet::new();
	let mut pins = PinOrder::start(&exchange).await;
	loop {
		settle(&exchange).await;
		while let Some(done) = in_flight.try_join_next() {
			if let Ok(id) = done {
				running.remove(&id);
			}
		}
		match inner.store.due_ops(64).await {
			Ok(ops) => {
				if ops.iter().any(|op| matches!(op.kind, OutboxKind::Pin)) {
					pins.read_open(&exchange).await;
				}
				for op in ops {
					if running.contains(&op.id) {
						continue;
					}
					match op.kind {
						OutboxKind::Pin => {
							if let Some(together) = pins.together_behind(&op.id) {
								let submitted = pin_together(&exchange, &together).await;
								pins.ran_together(&together, submitted);
								continue;
							}
							if !pins.may_submit(&op.id) {
								continue;
							}
							let id = op.id.clone();
							let recheck = pins.recheck_after(&exchange, &id);
							let submitted = run_op(&exchange, op, recheck).await;
							pins.ran(id, submitted);
						}
						_ if in_flight.len() < MAX_IN_FLIGHT => {
							running.insert(op.id.clone());
							let exchange = exchange.clone();
							in_flight.spawn(async move {
								let id = op.id.clone();
								run_op(&exchange, op, Duration::ZERO).await;
								id
							});
						}
						_ => {}
					}
				}
			}
			Err(e) => log::warn!(target: LOG, "cannot read the outbox: {e}"),
		}
		// Sleep until the next operation is due, new work arrives, or a delivery finishes.
		let wait = match inner.store.next_due().await {
			Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(10, 1000) as u64),
			_ => Duration::from_secs(1),
		};
		tokio::select! {
			_ = inner.send.next_operations() => {},
			_ = tokio::time::sleep(wait) => {},
			Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
				if let Ok(id) = done {
					running.remove(&id);
				}
			},
		}
	}
}

/// Runs one operation and records how it went; true if it succeeded (for a pin: submitted,
/// or found on-chain, and looked at again after `pin_recheck`).
async fn run_op(exchange: &Exchange, op: OutboxOp, pin_recheck: Duration) -> bool {
	let store = &exchange.inner.store;
	let result = match op.kind {
		OutboxKind::Deliver => deliver(exchange, &op).await,
		OutboxKind::Pin => pin(exchange, &op, pin_recheck).await.map(|resubmit| {
			if let Some(after) = resubmit {
				Outcome::RetryAfter(after, "submitted; waiting for the pin on-chain".into())
			} else {
				Outcome::Done
			}
		}),
		OutboxKind::AnnounceGroup => announce_group(exchange, &op).await,
	};
	let succeeded = result.is_ok();
	let recorded = match result {
		Ok(Outcome::Done) => store.complete_op(&op.id).await,
		Ok(Outcome::RetryAfter(after, note)) => {
			store.retry_op(&op.id, op.attempts, now_ms() + after.as_millis() as i64, &note).await
		}
		Err(error)
			if op.kind != OutboxKind::Pin
				&& op.attempts + 1 >= exchange.inner.config.max_delivery_attempts =>
		{
			log::warn!(target: LOG, "outbox {:?} {} failed {} times; marked failed: {error}", op.kind, op.id, op.attempts + 1);
			store.fail_op(&op.id, op.attempts + 1, &error).await
		}
		Err(error) => {
			let attempts = op.attempts + 1;
			let delay = exchange.backoff(attempts);
			log::debug!(
				target: LOG,
				"outbox {:?} {} failed (attempt {attempts}, next in {delay:?}): {error}",
				op.kind,
				op.id
			);
			store.retry_op(&op.id, attempts, now_ms() + delay.as_millis() as i64, &error).await
		}
	};
	if let Err(e) = recorded {
		log::warn!(target: LOG, "cannot record outbox progress: {e}");
	}
	succeeded
}

enum Outcome {
	Done,
	RetryAfter(Duration, String),
}

/// Opens this node's own sealed copy of `batch_id`.
pub(crate) async fn own_payload(
	exchange: &Exchange,
	batch_id: &[u8; 16],
) -> Result<(Envelope, Vec<u8>), String> {
	let sealed = exchange
		.inner
		.store
		.sealed(batch_id)
		.await
		.map_err(|e| e.to_string())?
		.ok_or("this node holds no copy of the batch")?;
	let envelope =
		Envelope::decode_all(&mut &sealed[..]).map_err(|e| format!("stored envelope: {e}"))?;
	let payload = exchange.inner.encryption.open(&envelope).map_err(|e| e.to_string())?;
	Ok((envelope, payload))
}

async fn deliver(exchange: &Exchange, op: &OutboxOp) -> Result<Outcome, String> {
	let batch_id = op.batch_id.ok_or("delivery without a batch")?;
	let target = op.target.ok_or("delivery without a recipient")?;
	let Some(node) = exchange.node(target).filter(|n| n.active) else {
		log::info!(target: LOG, "node {target} is no longer in force; dropping delivery of {}", hex::encode(batch_id));
		return Ok(Outcome::Done);
	};
	let peer = Exchange::peer_of(&node).ok_or("recipient has a malformed PeerId on-chain")?;
	let (own, payload) = own_payload(exchange, &batch_id).await?;
	let payload =
		crate::exchange::sales::delivery_bytes(exchange, &batch_id, own.claimed_hash, payload)
			.await?;
	let mut envelope = envelope::seal(&node.encryption_key, batch_id, own.claimed_hash, &payload)
		.map_err(|e| e.to_string())?;
	if exchange.inner.hooks.take_tamper() {
		log::warn!(target: LOG, "TEST HOOK: tampering with batch {} on its way to {}", hex::encode(batch_id), node.did);
		if let Some(byte) = envelope.ciphertext.last_mut() {
			*byte ^= 0x01;
		}
	}
	match exchange.inner.channel.request_batch(peer, BatchRequest::Deliver(envelope)).await {
		Ok(BatchResponse::Receipt(receipt)) => {
			if receipt.batch_id != batch_id
				|| receipt.batch_hash != own.claimed_hash
				|| receipt.node_did != node.did
			{
				return Err("receipt names another batch or node".into());
			}
			receipt.verify(&node.account).map_err(|e| e.to_string())?;
			exchange.inner.store.insert_receipt(&receipt).await.map_err(|e| e.to_string())?;
			log::info!(target: LOG, "batch {} delivered to {}; receipt stored", hex::encode(batch_id), node.did);
			exchange.crash_point(crate::exchange::hooks::CrashStep::Delivered, &batch_id);
			Ok(Outcome::Done)
		}
		Ok(other) => Err(format!("recipient answered {other:?}")),
		Err(e) => Err(e.to_string()),
	}
}

async fn announce_group(exchange: &Exchange, op: &OutboxOp) -> Result<Outcome, String> {
	let group_id = op.group_id.ok_or("announcement without a group")?;
	let target = op.target.ok_or("announcement without a member")?;
	let Some(node) = exchange.node(target).filter(|n| n.active) else {
		return Ok(Outcome::Done);
	};
	let group = exchange
		.inner
		.store
		.group(&group_id)
		.await
		.map_err(|e| e.to_string())?
		.ok_or("unknown group")?;
	let peer = Exchange::peer_of(&node).ok_or("member has a malformed PeerId on-chain")?;
	let bytes = group.encode();
	let envelope =
		envelope::seal(&node.encryption_key, group.id, crate::types::blake2_256(&bytes), &bytes)
			.map_err(|e| e.to_string())?;
	match exchange.inner.channel.request_batch(peer, BatchRequest::AnnounceGroup(envelope)).await {
		Ok(BatchResponse::Accepted) => Ok(Outcome::Done),
		Ok(other) => Err(format!("member answered {other:?}")),
		Err(e) => Err(e.to_string()),
	}
}
