//! The outbox worker: runs due outbox operations until each succeeds.
//! - `deliver`: open this node's own sealed copy of the batch, seal it to the recipient's X25519
//!   key (as registered on-chain), send it, and check and store the signed receipt;
//! - `pin`: submit `pins.pin_batch`; the operation stays open until the pin is seen on-chain,
//!   and is submitted again if it does not appear in time. If the pin fails on-chain, the
//!   operation fails with the chain's error when the block is recorded (`Store::record_block`),
//!   and is never submitted again;
//! - `announce_group`: send the group, sealed, to a member.
//!
//! A failure is retried with exponential backoff (`retry_base`·2ⁿ, at most `retry_max`); a
//! recipient that is offline gets its batches when it comes back (store-and-forward), also across
//! restarts of this node, since every operation is a database row. Deliveries run concurrently;
//! pins run one at a time, in the order their batches were made, and a pin is submitted only
//! once every earlier open pin has been submitted by this run of the node (so with a lower
//! nonce) and is not in doubt (see [`PinOrder`]): a batch whose pin was lost from the pool in a
//! crash, or whose submission failed, holds back the later ones, which would otherwise land
//! first and reorder this node's broadcasts (private messages are also held in order by their
//! nonces at every recipient). When the oldest open pin is in doubt (every open pin is, after a
//! restart), it goes on-chain with the open pins after it in one `pins.pin_batches`
//! transaction, which makes them in order: a restart or a lost pin costs one round to the
//! chain per [`MAX_PINS_PER_SUBMISSION`] open pins, not one per pin.

use super::{Exchange, LOG};
use crate::{
	chain::{PinSubmission, MAX_PINS_PER_SUBMISSION},
	channel::protocol::{BatchRequest, BatchResponse},
	envelope::{self, Envelope},
	store::{OutboxKind, OutboxOp},
	types::now_ms,
};
use codec::{DecodeAll, Encode};
use std::{collections::HashSet, sync::atomic::Ordering, time::Duration};
use tokio::task::JoinSet;

/// Most deliveries in flight at once.
const MAX_IN_FLIGHT: usize = 16;

/// Most open pins looked at to keep them in order (more are simply not due yet).
const PIN_WINDOW: i64 = 1024;

/// How soon to look again whether a pin in doubt landed (about one finality round here).
const IN_DOUBT_RECHECK: Duration = Duration::from_secs(6);

/// Runs the outbox until the node stops.
pub(crate) async fn run(exchange: Exchange) {
	let inner = &exchange.inner;
	let mut in_flight: JoinSet<String> = JoinSet::new();
	let mut running: HashSet<String> = HashSet::new();
	let mut pins = PinOrder::start(&exchange).await;
	loop {
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
			_ = inner.outbox_wake.notified() => {},
			_ = tokio::time::sleep(wait) => {},
			Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
				if let Ok(id) = done {
					running.remove(&id);
				}
			},
		}
	}
}

/// What this run of the node knows of its open pins, to get them on-chain in the order their
/// batches were made. Pins submitted one after the other get increasing nonces, so they land in
/// order while each stays in the transaction pool; a pin that may have left the pool is *in
/// doubt*, and no later pin is submitted until it is seen on-chain: every pin open when the node
/// starts (the pool did not survive; the node's view of its nonce may also be stale until it has
/// caught up), and a pin submitted again because it did not land in time.
struct PinOrder {
	/// Pins this run submitted (or found on-chain), still open.
	submitted: HashSet<String>,
	/// Open pins in doubt.
	in_doubt: HashSet<String>,
	/// The open pins, oldest first, as read at the start of this outbox pass (`None`: they
	/// could not be read, and no pin is submitted).
	open: Option<Vec<OutboxOp>>,
}

impl PinOrder {
	/// The order at start: every open pin in doubt, and due now.
	async fn start(exchange: &Exchange) -> Self {
		let store = &exchange.inner.store;
		let in_doubt = match store.open_pins(PIN_WINDOW).await {
			Ok(open) => open.into_iter().map(|op| op.id).collect(),
			Err(e) => {
				log::warn!(target: LOG, "cannot read the open pins: {e}");
				HashSet::new()
			}
		};
		if let Err(e) = store.pins_due_now().await {
			log::warn!(target: LOG, "cannot reschedule the open pins: {e}");
		}
		Self { submitted: HashSet::new(), in_doubt, open: None }
	}

	/// Reads the open pins, once per outbox pass, and forgets the pins no longer open. (A pin
	/// made during the pass is not among them; it is the newest, so the rule still holds.)
	async fn read_open(&mut self, exchange: &Exchange) {
		self.open = match exchange.inner.store.open_pins(PIN_WINDOW).await {
			Ok(open) => {
				let is_open: HashSet<&str> = open.iter().map(|op| op.id.as_str()).collect();
				self.submitted.retain(|s| is_open.contains(s.as_str()));
				self.in_doubt.retain(|s| is_open.contains(s.as_str()));
				Some(open)
			}
			Err(e) => {
				log::warn!(target: LOG, "cannot read the open pins: {e}");
				None
			}
		};
	}

	/// Whether pin `id` may be submitted now: every open pin made before it was submitted by
	/// this run and is not in doubt.
	fn may_submit(&self, id: &str) -> bool {
		let Some(open) = &self.open else { return false };
		open.iter()
			.take_while(|o| o.id != id)
			.all(|o| self.submitted.contains(&o.id) && !self.in_doubt.contains(&o.id))
	}

	/// The open pins to submit together when pin `id` is due: if it is the oldest open pin and
	/// in doubt, it and the open pins after it, up to [`MAX_PINS_PER_SUBMISSION`], oldest first.
	fn together_behind(&self, id: &str) -> Option<Vec<OutboxOp>> {
		let open = self.open.as_ref()?;
		let oldest = open.first()?;
		(oldest.id == id && self.in_doubt.contains(id))
			.then(|| open.iter().take(MAX_PINS_PER_SUBMISSION).cloned().collect())
	}

	/// Records a run of pins submitted together: each stays in doubt until it is seen on-chain
	/// (the oldest one leads the next try), so no later pin goes alone ahead of them.
	fn ran_together(&mut self, together: &[OutboxOp], submitted: bool) {
		if submitted {
			for op in together {
				self.submitted.insert(op.id.clone());
				self.in_doubt.insert(op.id.clone());
			}
		}
	}

	/// How soon to look again whether pin `id` landed: sooner while it is in doubt, or about to
	/// be (submitting it again is harmless: a duplicate fails on-chain and voids nothing).
	fn recheck_after(&self, exchange: &Exchange, id: &str) -> Duration {
		let after = exchange.inner.config.pin_resubmit_after;
		if self.in_doubt.contains(id) || self.submitted.contains(id) {
			after.min(IN_DOUBT_RECHECK)
		} else {
			after
		}
	}

	/// Records a run of pin `id`; `submitted` if it was submitted or found on-chain. A pin
	/// submitted once already did not land in time: it is in doubt from now on.
	fn ran(&mut self, id: String, submitted: bool) {
		if !submitted {
			return;
		}
		if self.submitted.contains(&id) {
			self.in_doubt.insert(id);
		} else {
			self.submitted.insert(id);
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

/// Submits the pins of `together` (the oldest open pins, led by one in doubt) in one
/// `pins.pin_batches`, oldest first, passing over those seen on-chain meanwhile, and looks at
/// each again after the in-doubt recheck; true if they were submitted. A failure is retried
/// with backoff, led by the oldest pin.
async fn pin_together(exchange: &Exchange, together: &[OutboxOp]) -> bool {
	let store = &exchange.inner.store;
	let Some(oldest) = together.first() else { return false };
	let submission: Result<usize, String> = async {
		let me = exchange.me().map_err(|e| e.to_string())?.id;
		let mut pins = Vec::with_capacity(together.len());
		for op in together {
			let batch_id = op.batch_id.ok_or("pin without a batch")?;
			if store.pin_state_of(me, &batch_id).await.map_err(|e| e.to_string())?.is_some() {
				continue;
			}
			let (batch_hash, contexts, _, namespace) = store
				.authored_batch(&batch_id)
				.await
				.map_err(|e| e.to_string())?
				.ok_or("no such authored batch")?;
			pins.push(PinSubmission { namespace, batch_id, batch_hash, contexts });
		}
		let count = pins.len();
		if count > 0 {
			exchange.inner.submitter.submit_pins(pins).await?;
		}
		Ok(count)
	}
	.await;
	let submitted = submission.is_ok();
	let recorded = match submission {
		Ok(count) => {
			log::info!(
				target: LOG,
				"{count} open pins submitted together, in order, from batch {}",
				oldest.batch_id.map(hex::encode).unwrap_or_default()
			);
			let recheck = exchange.inner.config.pin_resubmit_after.min(IN_DOUBT_RECHECK);
			let due = now_ms() + recheck.as_millis() as i64;
			let note =
				format!("submitted together with {count} open pins; waiting for the pin on-chain");
			let mut recorded = Ok(());
			for op in together {
				recorded = recorded.and(store.retry_op(&op.id, op.attempts, due, &note).await);
			}
			recorded
		}
		Err(error) => {
			let attempts = oldest.attempts + 1;
			let delay = exchange.backoff(attempts);
			log::debug!(target: LOG, "open pins from {} not submitted (attempt {attempts}, next in {delay:?}): {error}", oldest.id);
			store.retry_op(&oldest.id, attempts, now_ms() + delay.as_millis() as i64, &error).await
		}
	};
	if let Err(e) = recorded {
		log::warn!(target: LOG, "cannot record outbox progress: {e}");
	}
	submitted
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
		super::sales::delivery_bytes(exchange, &batch_id, own.claimed_hash, payload).await?;
	let mut envelope = envelope::seal(&node.encryption_key, batch_id, own.claimed_hash, &payload)
		.map_err(|e| e.to_string())?;
	if exchange.inner.tamper_next.swap(false, Ordering::SeqCst) {
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
			exchange.crash_point(super::hooks::CrashStep::Delivered, &batch_id);
			Ok(Outcome::Done)
		}
		Ok(other) => Err(format!("recipient answered {other:?}")),
		Err(e) => Err(e.to_string()),
	}
}

/// Submits a pin; `Ok(Some(recheck))` means submitted, check again after that long.
async fn pin(
	exchange: &Exchange,
	op: &OutboxOp,
	recheck: Duration,
) -> Result<Option<Duration>, String> {
	let batch_id = op.batch_id.ok_or("pin without a batch")?;
	let store = &exchange.inner.store;
	// Pinned by this node's own pin only: a rival's copy of it (same id) is not this pin.
	let me = exchange.me().map_err(|e| e.to_string())?.id;
	if store.pin_state_of(me, &batch_id).await.map_err(|e| e.to_string())?.is_some() {
		return Ok(None);
	}
	let (batch_hash, contexts, _, mut namespace) = store
		.authored_batch(&batch_id)
		.await
		.map_err(|e| e.to_string())?
		.ok_or("no such authored batch")?;
	let delay = exchange.inner.delay_next_pin.swap(0, Ordering::SeqCst);
	if delay > 0 {
		log::warn!(target: LOG, "TEST HOOK: the pin of batch {} waits {delay} ms", hex::encode(batch_id));
		return Ok(Some(Duration::from_millis(delay)));
	}
	if exchange.inner.fail_next_pin.swap(false, Ordering::SeqCst) {
		log::warn!(target: LOG, "TEST HOOK: the pin of batch {} names a namespace the chain refuses", hex::encode(batch_id));
		namespace.push('-');
	}
	exchange
		.inner
		.submitter
		.submit_pin(PinSubmission { namespace, batch_id, batch_hash, contexts })
		.await?;
	log::info!(target: LOG, "pin of batch {} submitted", hex::encode(batch_id));
	exchange.crash_point(super::hooks::CrashStep::PinSubmitted, &batch_id);
	Ok(Some(recheck))
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
